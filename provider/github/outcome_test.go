package github

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// A DELETE whose answer is a 502 and whose checking GET keeps failing too is
// uncertain, not failed: it may have been made.
func TestMutationWhoseOutcomeIsUnknown(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 0, "hello")}})
	sb.SetFaults(sandbox.Fault{Status: http.StatusBadGateway, Message: "Server Error"})
	p, _ := testProvider(t, base, 1, nil)
	out := run(p, pkgReq("delete_package_for_user", "octocat", "npm", "hello"))
	pe := mustProviderError(t, out.err)
	if pe.Kind != provider.KindUncertain || !strings.Contains(pe.Message, "was lost") {
		t.Errorf("kind %s: %v", pe.Kind, out.err)
	}
}
