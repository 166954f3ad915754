package engine

import (
	"context"
	"testing"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// A statement is planned once: running it makes its calls with the scan
// plans Prepare kept (no new one is made, on whichever connection it runs),
// and every resource table of a statement the engine planned reads with the
// method the planner chose for it.
func TestRunUsesPreparedScanPlans(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	for _, tc := range []struct{ name, sql string }{
		{"one table", "SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'"},
		{"IN list", "SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type IN ('npm', 'container')"},
		{"LIMIT pushed down", "SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' LIMIT 1"},
		{"join", "SELECT v.name FROM github.packages.packages p JOIN github.packages.package_versions v" +
			" ON v.org = p.org AND v.package_type = p.package_type AND v.package_name = p.name" +
			" WHERE p.org = 'acme' AND p.package_type = 'npm'"},
		{"self-join", "SELECT count(*) FROM github.packages.user_packages a, github.packages.user_packages b" +
			" WHERE a.username = 'octocat' AND a.package_type = 'container' AND b.username = 'octocat' AND b.package_type = 'container' AND a.id = b.id"},
		{"read by SQLite whole", "WITH p AS (SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm') SELECT count(*) FROM p"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sts, err := h.e.Prepare(tc.sql)
			if err != nil {
				t.Fatal(err)
			}
			q := sts[0].sel
			for _, rp := range q.refs {
				if rp.scan == nil || rp.scan.method != rp.method {
					t.Errorf("%s: scan %+v, planned %s", rp.ref.alias, rp.scan, rp.method.Name)
				}
			}
			if len(q.scans) == 0 {
				t.Fatal("no scan read from SQLite's plan")
			}
			prepared := len(q.plans.plans)
			for range 2 {
				if err := h.e.Run(context.Background(), sts[0], &collect{}); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(q.plans.plans); n != prepared {
				t.Errorf("running made %d scan plans beyond the %d Prepare made", n-prepared, prepared)
			}
		})
	}
}
