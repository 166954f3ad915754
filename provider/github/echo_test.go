package github

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// A server that echoes the request's Authorization header in its error
// message and documentation URL does not get the token passed on: every
// error the provider returns has it hidden.
func TestEchoedTokenIsHidden(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusBadGateway} {
		sb, base := startSandbox(t, sandbox.Options{Token: testToken, Users: []sandbox.UserSeed{seeded("octocat", "npm", 0, "hello")}})
		// The echo is of the header the provider sends; the sandbox refuses
		// any other token with a 401, which no case here expects.
		sb.SetFaults(sandbox.Fault{Status: status, Message: "bad credentials: Bearer " + testToken, Docs: "https://docs.github.com/?t=" + testToken})
		p, _ := testProvider(t, base, 1, nil)
		for _, req := range []providerRequest{
			{"get", pkgReq("get_package_for_user", "octocat", "npm", "hello")},
			{"list", listReq("octocat", "npm")},
			{"delete", pkgReq("delete_package_for_user", "octocat", "npm", "hello")},
		} {
			out := run(p, req.req)
			pe := mustProviderError(t, out.err)
			if strings.Contains(out.err.Error(), testToken) || strings.Contains(pe.DocURL, testToken) {
				t.Errorf("%d, %s: the token is in the error: %v (doc %s)", status, req.name, out.err, pe.DocURL)
			}
			if !strings.Contains(pe.Message, redactedToken) && status != http.StatusBadGateway {
				t.Errorf("%d, %s: message %q", status, req.name, pe.Message)
			}
		}
	}
}

type providerRequest struct {
	name string
	req  provider.Request
}
