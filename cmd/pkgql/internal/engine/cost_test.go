package engine

import (
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

// A mutation that cannot fit the primary budget the API last reported sends
// nothing; EXPLAIN tells the cost and the budget first.
func TestBudget(t *testing.T) {
	h := newHarness(t, testprovider.Options{RateLimit: 6, Shops: []testprovider.Shop{{Name: "north", Items: 50}}}, Config{Yes: true})

	plan := h.one("EXPLAIN DELETE FROM shop.store.items WHERE shop = 'north' AND category = 'books' AND item_name IN ('a', 'b', 'c')")
	text := strings.Join(stringsOf(plan.column("plan")), "\n")
	for _, want := range []string{"cost: exactly 3 requests, 15 secondary-limit points", "primary budget: 6 requests left"} {
		if !strings.Contains(text, want) {
			t.Errorf("EXPLAIN before any request lacks %q:\n%s", want, text)
		}
	}
	// The budget was asked, for free: EXPLAIN made no request.
	if n, asks := len(h.log()), h.p.BudgetAsks(); n != 0 || asks != 1 {
		t.Errorf("EXPLAIN made %d requests and asked the budget %d times, want 0 and 1", n, asks)
	}

	// One listing page: the budget is 5 now. A bulk DELETE whose WHERE
	// matches more than 5 items stops before its first DELETE.
	h.one("SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books'")
	plan = h.one("EXPLAIN SELECT name FROM shop.store.items WHERE shop = 'north' AND category IN ('books', 'music')")
	text = strings.Join(stringsOf(plan.column("plan")), "\n")
	for _, want := range []string{"cost: at most 200 requests, 200 secondary-limit points", "primary budget: 5 requests left"} {
		if !strings.Contains(text, want) {
			t.Errorf("EXPLAIN lacks %q:\n%s", want, text)
		}
	}
	h.reset()
	_, err := h.exec("DELETE FROM shop.store.items WHERE shop = 'north' AND category = 'books' AND price >= 0")
	if err == nil || !strings.Contains(err.Error(), "primary budget has") || !strings.Contains(err.Error(), "nothing was sent") {
		t.Fatalf("err = %v, want the budget's refusal", err)
	}
	if n := h.requests(); n[testprovider.KindDelete] != 0 {
		t.Errorf("%d DELETEs sent", n[testprovider.KindDelete])
	}
}

func stringsOf(vals []any) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i], _ = v.(string)
	}
	return out
}

// EXPLAIN's cost counts the calls it lists, whether the planner read the
// statement or SQLite read it whole (WITH, OVER).
func TestExplainCost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	for _, c := range []struct {
		name, sql, calls, cost string
	}{
		{"planned listings", "SELECT name FROM shop.store.items WHERE shop = 'north' AND category IN ('books', 'music')",
			"calls: 2", "cost: at most 200 requests, 200 secondary-limit points"},
		{"WITH over listings", "WITH i AS (SELECT name FROM shop.store.items WHERE shop = 'north' AND category IN ('books', 'music')) SELECT name FROM i",
			"calls: 2", "cost: at most 200 requests, 200 secondary-limit points"},
		{"WITH over gets", "WITH i AS (SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books' AND item_name IN ('a', 'b', 'c')) SELECT name FROM i",
			"calls: 3", "cost: exactly 3 requests, 3 secondary-limit points"},
		{"OVER over a listing", "SELECT name, row_number() OVER (ORDER BY price) FROM shop.store.items WHERE shop = 'north' AND category = 'books'",
			"calls: 1", "cost: at most 100 requests, 100 secondary-limit points"},
		{"a call two scans share counts once", "WITH a AS (SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books'), b AS (SELECT price FROM shop.store.items WHERE shop = 'north' AND category = 'books') SELECT name, price FROM a, b",
			"calls: 1", "cost: at most 100 requests, 100 secondary-limit points"},
		{"WITH whose params come from rows", "WITH i AS (SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books') SELECT r.id FROM i JOIN shop.store.reviews r ON r.shop = 'north' AND r.category = 'books' AND r.item_name = i.name",
			"calls: one per value of", "cost: unknown before the run"},
	} {
		t.Run(c.name, func(t *testing.T) {
			plan := h.one("EXPLAIN " + c.sql)
			text := strings.Join(stringsOf(plan.column("plan")), "\n")
			for _, want := range []string{c.calls, c.cost} {
				if !strings.Contains(text, want) {
					t.Errorf("EXPLAIN lacks %q:\n%s", want, text)
				}
			}
		})
	}
}
