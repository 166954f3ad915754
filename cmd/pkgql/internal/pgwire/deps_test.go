package pgwire_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The server depends on what it uses of an engine (an interface it declares
// and the shapes rowset holds), not on the engine: the engine can change
// without the wire protocol's code, and the adapter that joins them lives
// where the server is built.
func TestDependencies(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ pkg, forbidden string }{
		{"github.com/pkgql/pkgql/cmd/pkgql/internal/pgwire", "github.com/pkgql/pkgql/cmd/pkgql/internal/engine"},
		{"github.com/pkgql/pkgql/cmd/pkgql/internal/pgwire", "github.com/pkgql/pkgql/provider/github"},
		{"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset", "github.com/pkgql/pkgql/cmd/pkgql/internal/engine"},
	} {
		out, err := exec.Command("go", "list", "-deps", c.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", c.pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == c.forbidden || strings.HasPrefix(dep, c.forbidden+"/") {
				t.Errorf("%s depends on %s", c.pkg, dep)
			}
		}
	}
}
