package pgwire_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeModules finds a node_modules directory holding node-postgres: the one
// PKGQL_NODE_MODULES names (.ci/run installs pg there), else none.
func nodeModules(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	dir := os.Getenv("PKGQL_NODE_MODULES")
	if dir == "" {
		t.Skip("PKGQL_NODE_MODULES is not set: npm install --prefix DIR pg@8 and set it to DIR/node_modules (.ci/run does)")
	}
	if _, err := os.Stat(filepath.Join(dir, "pg")); err != nil {
		t.Skipf("no node-postgres in %s: npm install --prefix %s pg@8", dir, filepath.Dir(dir))
	}
	return dir
}

func TestNodePostgres(t *testing.T) {
	t.Parallel()
	modules := nodeModules(t)
	f := newFixture(t, fixtureOptions{})
	before := f.api.Stats().Total
	sql := "SELECT id, name, version_count FROM packages.user_packages WHERE username = $1 AND package_type = $2 ORDER BY id LIMIT 3"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("testdata", "discover.js"),
		fmt.Sprintf("postgresql://tester@%s/github", f.addr), sql, "octocat", "npm")
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("node: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	if n := f.api.Stats().Total - before; n != 1 {
		t.Errorf("node-postgres made %d API requests, want 1 (the query; the catalog costs none)", n)
	}
	var want strings.Builder
	for _, b := range f.bindings {
		svc, _ := b.Schema.Service("packages")
		for _, r := range byName(svc.Resources) {
			fmt.Fprintf(&want, "table packages.%s\n", r.Name)
		}
		r, _ := svc.Resource("user_packages")
		for _, fl := range r.Fields {
			fmt.Fprintf(&want, "column %s %s\n", fl.Name, pgTypeName(fl.Type, fl.Format))
		}
		for _, p := range r.HiddenParams() {
			fmt.Fprintf(&want, "column %s %s\n", p.Name, pgTypeName(p.Type, ""))
		}
	}
	// node-postgres reads int8 as a string, as it does from Postgres.
	rows := f.direct(t, "SELECT id, name, version_count FROM packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' ORDER BY id LIMIT 3")
	for _, r := range rows.rows {
		fmt.Fprintf(&want, "row string:%v|string:%v|string:%v\n", r[0], r[1], r[2])
	}
	if out.String() != want.String() {
		t.Errorf("node-postgres printed\n%s\nwant\n%s", out.String(), want.String())
	}
}
