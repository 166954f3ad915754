package github

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
)

// A server that stalls, before its headers or in the middle of a body, ends
// the call with an error that says so, after a bounded number of tries,
// without --timeout or any deadline from the host.
func TestStalledServer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		req      func() providerRequest
		stall    func(w http.ResponseWriter, r *http.Request)
		want     string
		requests int64
	}{
		{"no headers", func() providerRequest {
			return providerRequest{"get", pkgReq("get_package_for_user", "octocat", "npm", "hello")}
		},
			func(w http.ResponseWriter, r *http.Request) {}, "waiting for its answer's headers", 2},
		{"a body that stops", func() providerRequest { return providerRequest{"list", listReq("octocat", "npm")} },
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`[{"id":1,`))
				w.(http.Flusher).Flush()
			}, "more of its answer's body", 2},
		{"a DELETE without an answer, and its check", func() providerRequest {
			return providerRequest{"delete", pkgReq("delete_package_for_user", "octocat", "npm", "hello")}
		}, func(w http.ResponseWriter, r *http.Request) {}, "stalled", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.addPackages("octocat", "npm", 1, func(int) string { return "hello" })
			var requests atomic.Int64
			f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
				requests.Add(1)
				tc.stall(w, r)
				<-r.Context().Done()
				return true
			}
			p, _ := testProvider(t, f.srv.URL, 1, nil)
			p.policy.headerTimeout, p.policy.idleTimeout = 200*time.Millisecond, 200*time.Millisecond
			if err := p.Configure(t.Context(), providerConfig(f.srv.URL)); err != nil {
				t.Fatal(err)
			}
			done := make(chan result, 1)
			go func() { done <- run(p, tc.req().req) }()
			select {
			case out := <-done:
				pe := mustProviderError(t, out.err)
				if !strings.Contains(pe.Error(), tc.want) {
					t.Errorf("%v", out.err)
				}
				wantKind := provider.KindUnavailable
				if tc.requests == 3 {
					wantKind = provider.KindUncertain // the DELETE may have been made
				}
				if strings.Contains(pe.Error(), "could not reach") || pe.Kind != wantKind {
					t.Errorf("kind %s: %v", pe.Kind, out.err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the call hangs on a stalled server")
			}
			if n := requests.Load(); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
		})
	}
}
