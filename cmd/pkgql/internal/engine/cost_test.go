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
	for _, want := range []string{"cost: exactly 3 requests, 15 secondary-limit points", "primary budget: unknown until the API answers a request"} {
		if !strings.Contains(text, want) {
			t.Errorf("EXPLAIN before any request lacks %q:\n%s", want, text)
		}
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
