package sandbox

import (
	"errors"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// Fault changes the sandbox's answer to the requests it matches, so that a
// client can be tested against what GitHub and networks do besides answering
// well: error statuses with GitHub's error body and headers (secondary rate
// limits with or without Retry-After, 429, 5xx), answers that come late,
// stall, break off or are lost after the request took effect, redirects, and
// Link headers without rel="last".
//
// Rules are set with Server.SetFaults and tried in order. Each counts the
// requests that reach it and match its Method, Path and Query, and acts on
// those numbered After+1 to After+Times; the first rule that acts decides and
// the rules after it are not tried. A rule that changes nothing therefore
// exempts what it matches from the rules after it.
//
// Stall, Reset and a Body shorter than its Content-Length header need a real
// connection (the Server behind net/http); through Transport a Reset fails the
// request and a stall lasts until the request's context ends.
type Fault struct {
	Method string // "" matches any
	// Path is a path.Match pattern over the escaped path, as sent: "*" stays
	// within a segment, and a container name sent as owner%2Fimage is one
	// segment. "" matches any.
	Path string
	// Query names params the request's query must have, each value a
	// path.Match pattern ("*" for any value, present or empty).
	Query map[string]string
	After int // matching requests let through before the rule acts
	Times int // how many it acts on; 0 → every one after the first After

	// Hold makes the request wait until the channel is closed, so that a
	// test can change the sandbox at a known point of a client's requests.
	Hold <-chan struct{}
	// Delay is added before the answer (after Hold).
	Delay time.Duration

	// Applied lets the request take effect first, so that the fault's
	// answer replaces a successful one: the answer to a change is lost.
	Applied bool

	// Status answers the request with this status instead of the
	// sandbox's own answer; for 4xx and 5xx the body is GitHub's error
	// object with Message (http.StatusText(Status) if empty) and Docs as
	// its documentation_url, unless Body is set.
	Status  int
	Message string
	Docs    string
	// Body is the answer's body, as is. With a Content-Length header
	// longer than Body, the answer breaks off there.
	Body string
	// Header is set on the answer, the sandbox's own or the fault's:
	// Retry-After, X-RateLimit-Remaining, Location, Content-Length, …
	Header http.Header

	// NoLastLink leaves rel="last" out of the sandbox's own Link header,
	// as GitHub does when it cannot count the results.
	NoLastLink bool
	// Stall stops the answer until the client goes away: before its
	// headers, or with Status after its headers and Body.
	Stall bool
	// Reset drops the connection with a TCP reset, without an answer.
	Reset bool
}

type faultRule struct {
	Fault
	seen int
}

// SetFaults replaces the fault rules, and their counts, with rules; no rules
// give the sandbox's own answers again.
func (s *Server) SetFaults(rules ...Fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = make([]*faultRule, len(rules))
	for i, f := range rules {
		s.faults[i] = &faultRule{Fault: f}
	}
}

// fault is the rule that acts on r, counted, or nil.
func (s *Server) fault(r *http.Request) *Fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for _, rule := range s.faults {
		if !rule.matches(r) {
			continue
		}
		rule.seen++
		if rule.seen > rule.After && (rule.Times == 0 || rule.seen <= rule.After+rule.Times) {
			f := rule.Fault
			return &f
		}
	}
	return nil
}

func (f *Fault) matches(r *http.Request) bool {
	if f.Method != "" && f.Method != r.Method {
		return false
	}
	if f.Path != "" {
		if ok, _ := path.Match(f.Path, r.URL.EscapedPath()); !ok {
			return false
		}
	}
	if len(f.Query) > 0 {
		q := r.URL.Query()
		for k, pattern := range f.Query {
			v, ok := q[k]
			if !ok {
				return false
			}
			if ok, _ := path.Match(pattern, v[0]); !ok {
				return false
			}
		}
	}
	return true
}

// wait holds the request for Hold and Delay; false if the client went away.
func (f *Fault) wait(r *http.Request) bool {
	if f.Hold != nil {
		select {
		case <-f.Hold:
		case <-r.Context().Done():
			return false
		}
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		}
	}
	return true
}

// replaces tells whether the fault answers instead of the sandbox.
func (f *Fault) replaces() bool {
	return f.Status != 0 || f.Stall || f.Reset
}

// answer is the fault's own answer.
func (f *Fault) answer() response {
	res := response{status: f.Status, stall: f.Stall, reset: f.Reset}
	switch {
	case f.Body != "":
		res.body = []byte(f.Body)
	case f.Status >= 400:
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		res.body = jsonResponse(f.Status, apiError{Message: msg, DocumentationURL: f.Docs, Status: strconv.Itoa(f.Status)}).body
	}
	return res
}

// apply gives res what the fault changes in it.
func (f *Fault) apply(res response) response {
	if f.replaces() {
		out := f.answer()
		if f.Applied {
			out.applied = res.status
		}
		res = out
	}
	if f.NoLastLink && res.link != "" {
		var kept []string
		for _, l := range strings.Split(res.link, ", ") {
			if !strings.HasSuffix(l, `rel="last"`) {
				kept = append(kept, l)
			}
		}
		res.link = strings.Join(kept, ", ")
	}
	res.header = f.Header
	return res
}

// dropConn resets the connection under w. A ResponseWriter without one
// (Transport's) aborts the response instead, which Transport reports as a
// failed request.
func dropConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST, not FIN
	}
	conn.Close()
}

// errDropped is what Transport returns for a request whose connection a
// fault reset.
var errDropped = errors.New("sandbox: connection reset by a fault")
