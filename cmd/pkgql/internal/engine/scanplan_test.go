package engine

import (
	"context"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

// A statement is planned once: running it makes its calls with the scan
// plans Prepare kept (no new one is made, on whichever connection it runs),
// and every resource table of a statement the engine planned reads with the
// method the planner chose for it.
func TestRunUsesPreparedScanPlans(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	for _, tc := range []struct{ name, sql string }{
		{"one table", "SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books'"},
		{"IN list", "SELECT name FROM shop.store.items WHERE shop = 'north' AND category IN ('books', 'music')"},
		{"LIMIT pushed down", "SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books' LIMIT 1"},
		{"join", "SELECT r.id FROM shop.store.items i JOIN shop.store.reviews r" +
			" ON r.shop = i.shop AND r.category = i.category AND r.item_name = i.name" +
			" WHERE i.shop = 'north' AND i.category = 'books'"},
		{"self-join", "SELECT count(*) FROM shop.store.items a, shop.store.items b" +
			" WHERE a.shop = 'north' AND a.category = 'games' AND b.shop = 'north' AND b.category = 'games' AND a.id = b.id"},
		{"read by SQLite whole", "WITH p AS (SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books') SELECT count(*) FROM p"},
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
				if err := h.e.Run(context.Background(), sts[0], &rowset.Table{}); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(q.plans.plans); n != prepared {
				t.Errorf("running made %d scan plans beyond the %d Prepare made", n-prepared, prepared)
			}
		})
	}
}
