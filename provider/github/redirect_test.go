package github

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// A redirect that leaves the API's scheme, host or port is not followed:
// the token goes to the configured API only, and the call fails naming the
// host it was sent to, rather than reading that host's answer.
func TestRedirectsStayOnTheAPI(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the token reached %s", r.Host)
		}
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(other.Close)
	otherHost := strings.TrimPrefix(other.URL, "http://")

	// The sandbox answers 401 to a request without the token.
	sb, base := startSandbox(t, sandbox.Options{Token: testToken, Users: []sandbox.UserSeed{seeded("octocat", "npm", 2, "hello")}})
	p, _ := testProvider(t, base, 1, nil)
	for _, tc := range []struct {
		name, to, wantHost string
		status             int
	}{
		{"another port", other.URL + "/users/octocat/packages", otherHost, http.StatusFound},
		{"another host", "http://localhost" + otherHost[strings.LastIndex(otherHost, ":"):] + "/x", "localhost", http.StatusFound},
		{"https to http on another host", "https://" + otherHost + "/x", otherHost, http.StatusFound},
	} {
		sb.SetFaults(sandbox.Fault{Status: http.StatusFound, Header: header("Location", tc.to)})
		for _, req := range []provider.Request{listReq("octocat", "npm"), pkgReq("get_package_for_user", "octocat", "npm", "hello"), pkgReq("delete_package_for_user", "octocat", "npm", "hello")} {
			out := run(p, req)
			pe := mustProviderError(t, out.err)
			if pe.HTTPStatus != tc.status || !strings.Contains(pe.Message, tc.wantHost) || !strings.Contains(pe.Message, "not followed") {
				t.Errorf("%s, %s: %v", tc.name, req.Method, out.err)
			}
			if len(out.rows) != 0 {
				t.Errorf("%s, %s: %d rows from the other host", tc.name, req.Method, len(out.rows))
			}
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	// A redirect within the API is followed, with the token.
	sb.ResetStats()
	const uri = "/users/octocat/packages?package_type=npm&per_page=100"
	sb.SetFaults(sandbox.Fault{Times: 1, Status: http.StatusFound, Header: header("Location", uri)})
	if out := run(p, listReq("octocat", "npm")); out.err != nil || len(out.rows) != 3 {
		t.Errorf("a redirect on the same host: %d rows, %v", len(out.rows), out.err)
	}
	if log := sb.Log(); len(log) != 2 || log[0].Status != http.StatusFound || log[1].Status != http.StatusOK {
		t.Errorf("a redirect on the same host: requests %+v", log)
	}
}
