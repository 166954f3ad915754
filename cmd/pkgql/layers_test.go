package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The packages depend on each other one way only (docs/architecture.md, "The
// map"): a provider never sees the host, the engine knows providers only by
// their contract, and what shows results knows them only by rowset's shapes.
// Each rule names packages (a trailing "/..." takes those below too) and what
// none of them may depend on, directly or not.
func TestLayers(t *testing.T) {
	t.Parallel()
	const m = "github.com/pkgql/pkgql/"
	rules := []struct{ pkgs, forbidden []string }{
		{[]string{"provider/...", "schema", "proto"}, []string{"cmd/..."}},
		{[]string{"cmd/pkgql/internal/engine"}, []string{"provider/github/...", "cmd/pkgql/internal/host", "cmd/pkgql/internal/output", "cmd/pkgql/internal/pgwire", "cmd/pkgql/internal/journal"}},
		{[]string{"cmd/pkgql/internal/host"}, []string{"provider/github/..."}},
		{
			[]string{"cmd/pkgql/internal/rowset", "cmd/pkgql/internal/output", "cmd/pkgql/internal/pgwire", "cmd/pkgql/internal/pgcatalog", "cmd/pkgql/internal/shell", "cmd/pkgql/internal/progress", "cmd/pkgql/internal/reference"},
			[]string{"cmd/pkgql/internal/engine", "cmd/pkgql/internal/host", "provider/github/..."},
		},
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, m+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	matches := func(pattern, pkg string) bool {
		if p, ok := strings.CutSuffix(pattern, "/..."); ok {
			return pkg == m+p || strings.HasPrefix(pkg, m+p+"/")
		}
		return pkg == m+pattern
	}
	anyOf := func(patterns []string, pkg string) bool {
		for _, p := range patterns {
			if matches(p, pkg) {
				return true
			}
		}
		return false
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, deps := fields[0], fields[1:]
		for _, r := range rules {
			if !anyOf(r.pkgs, pkg) {
				continue
			}
			checked++
			for _, dep := range deps {
				if anyOf(r.forbidden, dep) {
					t.Errorf("%s depends on %s", strings.TrimPrefix(pkg, m), strings.TrimPrefix(dep, m))
				}
			}
		}
	}
	if checked < 15 {
		t.Errorf("the rules matched %d packages: a package was renamed or moved", checked)
	}
}
