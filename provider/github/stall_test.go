package github

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// A server that stalls, before its headers or in the middle of a body, ends
// the call with an error that says so, after a bounded number of tries,
// without --timeout or any deadline from the host.
func TestStalledServer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		req      func() providerRequest
		stall    sandbox.Fault
		want     string
		requests int
	}{
		{"no headers", func() providerRequest {
			return providerRequest{"get", pkgReq("get_package_for_user", "octocat", "npm", "hello")}
		},
			sandbox.Fault{Stall: true}, "waiting for its answer's headers", 2},
		{"a body that stops", func() providerRequest { return providerRequest{"list", listReq("octocat", "npm")} },
			sandbox.Fault{Status: http.StatusOK, Body: `[{"id":1,`, Stall: true}, "more of its answer's body", 2},
		{"a DELETE without an answer, and its check", func() providerRequest {
			return providerRequest{"delete", pkgReq("delete_package_for_user", "octocat", "npm", "hello")}
		}, sandbox.Fault{Stall: true}, "stalled", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 0, "hello")}})
			sb.SetFaults(tc.stall)
			p, _ := testProvider(t, base, 1, nil)
			p.policy.headerTimeout, p.policy.idleTimeout = 200*time.Millisecond, 200*time.Millisecond
			if err := p.Configure(t.Context(), providerConfig(base)); err != nil {
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
			if n := arrived(sb); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
		})
	}
}
