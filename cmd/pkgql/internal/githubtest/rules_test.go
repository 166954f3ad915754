package githubtest

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// deleted reports whether the sandbox holds the package as deleted.
func (h *harness) deleted(user, typ, name string) bool {
	h.t.Helper()
	p, ok := h.sb.Package(user, typ, name)
	if !ok {
		h.t.Fatalf("no package %s/%s/%s", user, typ, name)
	}
	return p.Deleted
}

// Every key is reported: deleted, refused with GitHub's reason, or failed;
// the statement fails when any key was not deleted.
func TestDeleteReport(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, engine.Config{})
	res, err := h.exec(`DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'container'
	  AND package_name IN ('octocat/hello-world', 'no-such-image', 'tools/builder')`)
	var e *engine.Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, "2 of 3 calls of delete_package_for_user did not succeed (2 refused)") {
		t.Fatalf("error %v", err)
	}
	if pe, ok := provider.AsError(err); !ok || pe.HTTPStatus == 0 {
		t.Errorf("the provider's error is lost: %v", err)
	}
	r := res[0]
	byName := map[string][]any{}
	for _, row := range r.rows {
		byName[row[0].(string)] = row
	}
	if row := byName["octocat/hello-world"]; row[3] != "refused" || row[4] != int64(http.StatusBadRequest) || !strings.Contains(row[5].(string), "5,000") {
		t.Errorf("5,000-downloads rule: %v", row)
	}
	if row := byName["no-such-image"]; row[3] != "refused" || row[4] != int64(http.StatusNotFound) {
		t.Errorf("missing package: %v", row)
	}
	if row := byName["tools/builder"]; row[3] != "deleted" {
		t.Errorf("deletable package: %v", row)
	}
	if r.summary != "1 deleted, 2 refused" {
		t.Errorf("summary %q", r.summary)
	}
}
