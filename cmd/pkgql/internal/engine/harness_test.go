package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// harness is an engine over the real GitHub provider talking HTTP to the
// sandbox: nothing the project owns is replaced. The provider is wrapped only
// to record the requests the engine hands it, and the sandbox only to count
// the HTTP requests as they arrive (its own Stats are written after it
// answers, so a count read right after a statement could miss the last one).
type harness struct {
	t   testing.TB
	sb  *sandbox.Server
	url string
	e   *Engine
	rec *recorder
	in  *arrivals
}

// arrivals logs the requests the sandbox receives, before it answers them.
type arrivals struct {
	next http.Handler
	mu   sync.Mutex
	log  []sandbox.Request
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.log = append(a.log, sandbox.Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery})
	a.mu.Unlock()
	a.next.ServeHTTP(w, r)
}

// kind names a request the way sandbox.Stats does.
func kind(r sandbox.Request) string {
	switch {
	case r.Method == http.MethodDelete:
		return sandbox.KindDelete
	case r.Method == http.MethodPost:
		return sandbox.KindRestore
	case strings.HasSuffix(r.Path, "/packages"):
		return sandbox.KindList
	}
	return sandbox.KindGet
}

// recorder passes every call to the provider and keeps its request, and the
// most calls it had in flight at once.
type recorder struct {
	provider.Provider
	mu       sync.Mutex
	reqs     []provider.Request
	inFlight int
	peak     int
}

func (r *recorder) Call(ctx context.Context, req provider.Request, emit func(provider.Batch) error) (provider.Result, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.inFlight++
	r.peak = max(r.peak, r.inFlight)
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inFlight--
		r.mu.Unlock()
	}()
	return r.Provider.Call(ctx, req, emit)
}

func (r *recorder) maxInFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak
}

func (r *recorder) requests() []provider.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func newHarness(t testing.TB, opts sandbox.Options, cfg Config) *harness {
	t.Helper()
	sb := sandbox.New(opts)
	in := &arrivals{next: sb}
	hs := httptest.NewServer(in)
	t.Cleanup(hs.Close)
	p := github.New(nil)
	ctx := context.Background()
	if err := p.Configure(ctx, provider.Config{Settings: map[string]string{github.SettingBaseURL: hs.URL, github.SettingRegistryURL: hs.URL, github.SettingToken: opts.Token}}); err != nil {
		t.Fatal(err)
	}
	sch, err := p.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Provider: p}
	cfg.Providers = []Binding{{Schema: sch, Provider: rec}}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return &harness{t: t, sb: sb, url: hs.URL, e: e, rec: rec, in: in}
}

// result is what a statement wrote to its sink.
type result struct {
	cols    []Column
	rows    [][]any
	summary string
}

// collect is a Sink that keeps everything.
type collect struct{ res result }

func (c *collect) Begin(cols []Column) error {
	c.res.cols = slices.Clone(cols)
	return nil
}

func (c *collect) Row(vals []any) error {
	c.res.rows = append(c.res.rows, slices.Clone(vals))
	return nil
}

func (c *collect) End(s string) error {
	c.res.summary = s
	return nil
}

func (r result) column(name string) []any {
	i := slices.IndexFunc(r.cols, func(c Column) bool { return c.Name == name })
	if i < 0 {
		panic("no column " + name)
	}
	out := make([]any, len(r.rows))
	for j, row := range r.rows {
		out[j] = row[i]
	}
	return out
}

// exec prepares and runs a script, returning each statement's result.
func (h *harness) exec(script string) ([]result, error) {
	sts, err := h.e.Prepare(script)
	if err != nil {
		return nil, err
	}
	var out []result
	for _, st := range sts {
		c := &collect{}
		err := h.e.Run(context.Background(), st, c)
		out = append(out, c.res)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// one runs a single statement that must succeed.
func (h *harness) one(script string) result {
	h.t.Helper()
	res, err := h.exec(script)
	if err != nil {
		h.t.Fatalf("%s: %v", script, err)
	}
	if len(res) != 1 {
		h.t.Fatalf("%s: %d results", script, len(res))
	}
	return res[0]
}

// pkg is a package as the sandbox's HTTP API sends it.
type pkg struct {
	ID           int64           `json:"id"`
	Name         string          `json:"name"`
	PackageType  string          `json:"package_type"`
	Visibility   string          `json:"visibility"`
	VersionCount int64           `json:"version_count"`
	CreatedAt    string          `json:"created_at"`
	HTMLURL      string          `json:"html_url"`
	Owner        json.RawMessage `json:"owner"`
	Repository   json.RawMessage `json:"repository"`
}

// truth lists a user's packages of one type straight from the sandbox's HTTP
// API, page by page: the answer the engine is checked against. The requests
// it makes are not counted.
func (h *harness) truth(user, typ string) []pkg {
	h.t.Helper()
	var out []pkg
	for page := 1; ; page++ {
		resp, err := http.Get(fmt.Sprintf("%s/users/%s/packages?package_type=%s&per_page=100&page=%d", h.url, user, typ, page))
		if err != nil {
			h.t.Fatal(err)
		}
		var batch []pkg
		err = json.NewDecoder(resp.Body).Decode(&batch)
		resp.Body.Close()
		if err != nil {
			h.t.Fatal(err)
		}
		out = append(out, batch...)
		if len(batch) < 100 {
			h.reset()
			return out
		}
	}
}

// reset forgets the requests counted so far.
func (h *harness) reset() {
	h.in.mu.Lock()
	h.in.log = nil
	h.in.mu.Unlock()
}

// log returns the requests that reached the sandbox since the last reset.
func (h *harness) log() []sandbox.Request {
	h.in.mu.Lock()
	defer h.in.mu.Unlock()
	return slices.Clone(h.in.log)
}

// requests counts the requests since the last reset by kind.
func (h *harness) requests() map[string]int {
	out := map[string]int{}
	for _, r := range h.log() {
		out[kind(r)]++
	}
	return out
}
