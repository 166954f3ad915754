package engine

import (
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

// A method that excludes a param is chosen only when the statement leaves it
// unbound, in any join order; binding two params that exclude each other is
// an error before any request.
func TestExcludedParamsChooseTheMethod(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	books, music := len(h.truth("north", "books")), len(h.truth("north", "music"))
	for _, tc := range []struct {
		sql, method, err string
		rows             int
	}{
		{sql: "SELECT name FROM shop.store.items WHERE brand = 'north' AND category = 'books'", method: "list_items_by_brand", rows: books},
		{sql: "SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books'", method: "list_items", rows: books},
		// get_item excludes brand: the brand's listing, filtered on the host.
		{sql: "SELECT name FROM shop.store.items WHERE brand = 'north' AND category = 'books' AND item_name = 'beacon'", method: "list_items_by_brand", rows: 1},
		{sql: "SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books' AND item_name = 'beacon'", method: "get_item", rows: 1},
		{sql: "SELECT name FROM shop.store.items WHERE shop = 'north' AND brand = 'north' AND category = 'books'",
			err: "shop.store.items cannot bind brand and shop together"},
		// brand bound from another table: never the shop's method, whatever
		// order SQLite tries.
		{sql: "SELECT b.name FROM shop.store.items a JOIN shop.store.items b" +
			" ON b.brand = JSON_EXTRACT(a.maker, '$.login') AND b.category = 'music'" +
			" WHERE a.shop = 'north' AND a.category = 'books'", method: "list_items_by_brand", rows: books * music},
	} {
		h.reset()
		res, err := h.exec(tc.sql)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || len(h.calls()) != 0 {
				t.Errorf("%s: %v, %d calls", tc.sql, err, len(h.calls()))
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if len(res[0].rows) != tc.rows || tc.rows == 0 {
			t.Errorf("%s: %d rows, want %d", tc.sql, len(res[0].rows), tc.rows)
		}
		calls := h.calls()
		if last := calls[len(calls)-1]; last.Method != tc.method {
			t.Errorf("%s: method %s, want %s", tc.sql, last.Method, tc.method)
		}
	}
}

// The missing-params hint offers only the methods the bound params allow.
func TestMissingHintFollowsTheExclusions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	_, err := h.exec("SELECT name FROM shop.store.items WHERE brand = 'north'")
	e, ok := err.(*Error)
	if !ok || !strings.Contains(e.Message, "category") || !strings.Contains(e.Hint, "list_items_by_brand") ||
		strings.Contains(strings.ReplaceAll(e.Hint, "list_items_by_brand", ""), "list_items") || strings.Contains(e.Hint, "get_item") {
		t.Fatalf("%#v", err)
	}
	if len(h.calls()) != 0 {
		t.Errorf("%d calls", len(h.calls()))
	}
}
