package sandbox

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Rules match by method, path and query, act on the requests numbered
// After+1 to After+Times among those they match, and the first rule that
// acts decides; the rest are answered by the sandbox as before.
func TestFaultMatching(t *testing.T) {
	t.Parallel()
	const hello = "/users/octocat/packages/npm/hello"
	const list = "/users/octocat/packages?package_type=npm"
	cases := []struct {
		name   string
		faults []Fault
		calls  []string // "METHOD uri"
		want   []int    // the statuses answered
	}{
		{"no rule", nil, []string{"GET " + hello}, []int{200}},
		{"every request", []Fault{{Status: 502}}, []string{"GET " + hello, "GET " + list}, []int{502, 502}},
		{"by method", []Fault{{Method: "DELETE", Status: 503}}, []string{"GET " + hello, "DELETE /users/octocat/packages/npm/left-pad-legacy"}, []int{200, 503}},
		{"by path pattern", []Fault{{Path: "/users/*/packages/npm/*", Status: 500}}, []string{"GET " + list, "GET " + hello}, []int{200, 500}},
		{"a container name is one segment", []Fault{{Path: "/users/octocat/packages/container/*", Status: 500}},
			[]string{"GET /users/octocat/packages/container/octocat%2Fhello-world"}, []int{500}},
		{"by query", []Fault{{Query: map[string]string{"page": "2"}, Status: 429}}, []string{"GET " + list, "GET " + list + "&page=2", "GET " + list + "&page=3"}, []int{200, 429, 200}},
		{"query pattern", []Fault{{Query: map[string]string{"page": "*"}, Status: 429}}, []string{"GET " + list, "GET " + list + "&page=9"}, []int{200, 429}},
		{"after and times", []Fault{{After: 1, Times: 2, Status: 502}}, []string{"GET " + hello, "GET " + hello, "GET " + hello, "GET " + hello}, []int{200, 502, 502, 200}},
		{"the first rule that acts decides", []Fault{{Times: 1, Status: 500}, {Status: 503}}, []string{"GET " + hello, "GET " + hello}, []int{500, 503}},
		{"a rule without changes exempts", []Fault{{Query: map[string]string{"page": "2"}}, {Query: map[string]string{"page": "*"}, Status: 502}},
			[]string{"GET " + list + "&page=2", "GET " + list + "&page=3"}, []int{200, 502}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, ts := start(t, Options{})
			s.SetFaults(tc.faults...)
			for i, c := range tc.calls {
				method, uri, _ := strings.Cut(c, " ")
				if got := call(t, method, ts.URL+uri).status; got != tc.want[i] {
					t.Errorf("%s: %d, want %d", c, got, tc.want[i])
				}
			}
			if st := s.Stats(); st.Total != len(tc.calls) || st.InFlight != 0 {
				t.Errorf("stats %+v after %d requests", st, len(tc.calls))
			}
		})
	}
}

// A fault's answer is GitHub's error object with the rate-limit headers
// every answer has, its own headers over them; or its own body as is.
func TestFaultAnswers(t *testing.T) {
	t.Parallel()
	s, ts := start(t, Options{})
	s.SetFaults(Fault{Times: 1, Status: 403, Message: "You have exceeded a secondary rate limit.", Docs: docsRateLimit + "#about-secondary-rate-limits",
		Header: http.Header{"Retry-After": {"7"}, "X-Ratelimit-Remaining": {"0"}}})
	r := call(t, "GET", ts.URL+"/users/octocat/packages/npm/hello")
	if r.status != 403 || r.header.Get("Retry-After") != "7" || r.header.Get("X-Ratelimit-Remaining") != "0" || r.header.Get("X-Ratelimit-Limit") != "5000" ||
		string(r.body) != `{"message":"You have exceeded a secondary rate limit.","documentation_url":"`+docsRateLimit+`#about-secondary-rate-limits","status":"403"}` {
		t.Errorf("%d %v %s", r.status, r.header, r.body)
	}

	s.SetFaults(Fault{Times: 1, Status: 503})
	if r := call(t, "GET", ts.URL+"/users/octocat/packages/npm/hello"); string(r.body) != `{"message":"Service Unavailable","documentation_url":"","status":"503"}` {
		t.Errorf("default message: %s", r.body)
	}

	s.SetFaults(Fault{Times: 1, Status: 200, Body: `[{"id":1}`})
	if r := call(t, "GET", ts.URL+"/users/octocat/packages?package_type=npm"); r.status != 200 || string(r.body) != `[{"id":1}` {
		t.Errorf("own body: %d %s", r.status, r.body)
	}

	s.SetFaults(Fault{Times: 1, Status: http.StatusFound, Header: http.Header{"Location": {"/users/octocat/packages/npm/hello"}}})
	if r := call(t, "GET", ts.URL+"/users/octocat/packages/npm/left-pad-legacy"); r.status != 200 || !strings.Contains(string(r.body), `"name":"hello"`) {
		t.Errorf("redirect: %d %s", r.status, r.body)
	}

	s.SetFaults(Fault{NoLastLink: true})
	link := call(t, "GET", ts.URL+"/users/octocat/packages?package_type=container&per_page=2&page=2").header.Get("Link")
	if strings.Contains(link, `rel="last"`) || !strings.Contains(link, `rel="next"`) || !strings.Contains(link, `rel="prev"`) || !strings.Contains(link, `rel="first"`) {
		t.Errorf("Link without last: %s", link)
	}
}

// Applied lets the change happen and loses its answer; without it the
// faulted change is not made.
func TestFaultApplied(t *testing.T) {
	t.Parallel()
	for _, applied := range []bool{false, true} {
		s, ts := start(t, Options{})
		s.SetFaults(Fault{Method: "DELETE", Status: 502, Applied: applied})
		if r := call(t, "DELETE", ts.URL+"/users/octocat/packages/npm/hello"); r.status != 502 {
			t.Fatalf("applied %t: %d", applied, r.status)
		}
		p, _ := s.Package("octocat", "npm", "hello")
		if p.Deleted != applied || s.Stats().Mutations != map[bool]int{false: 0, true: 1}[applied] {
			t.Errorf("applied %t: deleted %t, stats %+v", applied, p.Deleted, s.Stats())
		}
	}
}

// Stall, Reset, a short body, Hold and Delay: what the client sees, and what
// the log says.
func TestFaultConnections(t *testing.T) {
	t.Parallel()
	const hello = "/users/octocat/packages/npm/hello"
	t.Run("stall before the headers", func(t *testing.T) {
		t.Parallel()
		s, ts := start(t, Options{})
		s.SetFaults(Fault{Stall: true})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+hello, nil)
		if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v", err)
		}
		waitLogged(t, s, 1)
		if log := s.Log(); log[0].Status != statusClientClosed {
			t.Errorf("log %+v", log)
		}
	})
	t.Run("stall after part of the body", func(t *testing.T) {
		t.Parallel()
		s, ts := start(t, Options{})
		s.SetFaults(Fault{Status: 200, Body: `[{"id":1,`, Stall: true})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+hello, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, err := io.ReadAtLeast(res.Body, buf, len(`[{"id":1,`))
		if err != nil || string(buf[:n]) != `[{"id":1,` || s.Stats().Total != 1 {
			t.Fatalf("%q %v", buf[:n], err)
		}
		cancel()
		res.Body.Close()
	})
	t.Run("reset", func(t *testing.T) {
		t.Parallel()
		s, ts := start(t, Options{})
		s.SetFaults(Fault{Method: "DELETE", Reset: true, Applied: true})
		req, _ := http.NewRequest("DELETE", ts.URL+hello, nil)
		if _, err := http.DefaultClient.Do(req); err == nil {
			t.Fatal("a reset connection answered")
		}
		if p, _ := s.Package("octocat", "npm", "hello"); !p.Deleted || s.Log()[0].Status != statusNoResponse {
			t.Errorf("deleted %t, log %+v", p.Deleted, s.Log())
		}
		// In process there is no connection: the request fails.
		if _, err := (&http.Client{Transport: s.Transport()}).Do(req); !errors.Is(err, errDropped) {
			t.Errorf("through Transport: %v", err)
		}
	})
	t.Run("short body", func(t *testing.T) {
		t.Parallel()
		s, ts := start(t, Options{})
		s.SetFaults(Fault{Status: 200, Header: http.Header{"Content-Length": {"100"}}, Body: `[{"id":1}`})
		res, err := http.Get(ts.URL + hello)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if b, err := io.ReadAll(res.Body); !errors.Is(err, io.ErrUnexpectedEOF) || string(b) != `[{"id":1}` {
			t.Errorf("%q %v", b, err)
		}
	})
	t.Run("hold and delay", func(t *testing.T) {
		t.Parallel()
		s, ts := start(t, Options{})
		hold := make(chan struct{})
		s.SetFaults(Fault{Hold: hold, Delay: 20 * time.Millisecond})
		done := make(chan reply)
		go func() { done <- call(t, "GET", ts.URL+hello) }()
		for s.Stats().InFlight != 1 {
			time.Sleep(time.Millisecond)
		}
		select {
		case <-done:
			t.Fatal("answered while held")
		case <-time.After(20 * time.Millisecond):
		}
		released := time.Now()
		close(hold)
		if r := <-done; r.status != 200 || time.Since(released) < 20*time.Millisecond {
			t.Errorf("%d after %v", r.status, time.Since(released))
		}
		if st := s.Stats(); st.Total != 1 || st.InFlight != 0 {
			t.Errorf("stats %+v", st)
		}
	})
}

// waitLogged waits for n requests in the log: a stalled one is logged when
// the server notices its client gone, a moment after the client gave up.
func waitLogged(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Log()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests logged, want %d", len(s.Log()), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Type and Extra seed a user with packages of one type and named ones after
// them, leaving other seeds' packages as they were.
func TestSeedTypeAndExtra(t *testing.T) {
	t.Parallel()
	s := New(Options{Users: []UserSeed{
		{Login: "one", Packages: 250, Type: "maven", Extra: []Package{{Name: "a b%c?d#e", PackageType: "maven"}}},
		{Login: "two", Packages: 10},
	}})
	for typ, n := range map[string]int{"maven": 251, "npm": 0, "container": 0} {
		if got := len(s.users["one"].types[typ].live); got != n {
			t.Errorf("%s: %d packages, want %d", typ, got, n)
		}
	}
	extra, ok := s.Package("one", "maven", "a b%c?d#e")
	if !ok || extra.ID != 251 || extra.Visibility != "public" || !extra.CreatedAt.After(s.users["one"].types["maven"].live[249].CreatedAt) {
		t.Errorf("extra %+v", extra)
	}
	// two's packages are generated from two's own seed: the same alone.
	alone := New(Options{Users: []UserSeed{{Login: "two", Packages: 10}}})
	for i, p := range s.users["two"].types["npm"].live {
		q := alone.users["two"].types["npm"].live[i]
		if p.Name != q.Name || p.CreatedAt != q.CreatedAt || p.Downloads != q.Downloads {
			t.Errorf("two's packages changed: %+v, %+v", p, q)
		}
	}
}
