package github

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider"
)

// A DELETE whose answer is a 502 and whose checking GET keeps failing too is
// uncertain, not failed: it may have been made.
func TestMutationWhoseOutcomeIsUnknown(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	f.addPackages("octocat", "npm", 1, func(int) string { return "hello" })
	f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		writeError(w, http.StatusBadGateway, "Server Error", "")
		return true
	}
	p, _ := testProvider(t, f.srv.URL, 1, nil)
	out := run(p, pkgReq("delete_package_for_user", "octocat", "npm", "hello"))
	pe := mustProviderError(t, out.err)
	if pe.Kind != provider.KindUncertain || !strings.Contains(pe.Message, "was lost") {
		t.Errorf("kind %s: %v", pe.Kind, out.err)
	}
}
