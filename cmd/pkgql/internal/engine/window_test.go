package engine

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
	"github.com/pkgql/pkgql/schema"
)

// newestFirst orders items as the statements below do: newest first, then
// by id.
func newestFirst(ps []testprovider.Item) {
	slices.SortStableFunc(ps, func(a, b testprovider.Item) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
}

// WITH and window functions give the answers computed here from the provider's
// own data, read without pkgql.
func TestWindowsAndCTEs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	books, games := h.truth("north", "books"), h.truth("north", "games")
	newestFirst(books)
	newestFirst(games)
	const both = "shop = 'north' AND category IN ('books', 'games')"

	var keep [][]any
	for _, ps := range [][]testprovider.Item{books, games} {
		for i, p := range ps[:3] {
			keep = append(keep, []any{p.Category, p.Name, int64(i + 1)})
		}
	}
	var running [][]any
	byID := slices.Clone(books)
	slices.SortFunc(byID, func(a, b testprovider.Item) int { return int(a.ID - b.ID) })
	for i, p := range byID {
		var prev any
		if i > 0 {
			prev = byID[i-1].Name
		}
		running = append(running, []any{p.ID, int64(i + 1), prev})
	}
	rank := func(dense bool) [][]any {
		ps := slices.Clone(books)
		slices.SortStableFunc(ps, func(a, b testprovider.Item) int {
			if a.Price != b.Price {
				return int(b.Price - a.Price)
			}
			return int(a.ID - b.ID)
		})
		var out [][]any
		r, d := int64(0), int64(0)
		for i, p := range ps {
			if i == 0 || p.Price != ps[i-1].Price {
				r, d = int64(i+1), d+1
			}
			if dense {
				out = append(out, []any{p.ID, d})
			} else {
				out = append(out, []any{p.ID, r})
			}
		}
		return out
	}
	var lead [][]any
	for i, p := range books {
		var next any
		if i+1 < len(books) {
			next = books[i+1].Name
		}
		lead = append(lead, []any{p.Name, next})
	}
	var perType [][]any
	for _, ps := range [][]testprovider.Item{books, games} {
		total := int64(0)
		for _, p := range ps {
			total += p.Price
		}
		perType = append(perType, []any{ps[0].Category, int64(len(ps)), total})
	}

	cases := []struct {
		name  string
		sql   string
		rows  [][]any
		lists int // listing requests the statement makes
	}{
		{"keep-N per type with ROW_NUMBER and PARTITION BY", `SELECT category, name, rn FROM (
			SELECT category, name, ROW_NUMBER() OVER (PARTITION BY category ORDER BY created_at DESC, id) AS rn
			  FROM ` + res + ` WHERE ` + both + `) WHERE rn <= 3 ORDER BY category, rn`, keep, 2},
		{"running count and LAG", `SELECT id, COUNT(*) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n,
			LAG(name) OVER (ORDER BY id) AS prev FROM ` + res + " WHERE " + bound + " ORDER BY id", running, 1},
		{"RANK", "SELECT id, RANK() OVER (ORDER BY price DESC) AS r FROM " + res + " WHERE " + bound + " ORDER BY r, id", rank(false), 1},
		{"DENSE_RANK", "SELECT id, DENSE_RANK() OVER (ORDER BY price DESC) AS r FROM " + res + " WHERE " + bound + " ORDER BY r, id", rank(true), 1},
		{"LEAD", "SELECT name, LEAD(name) OVER (ORDER BY created_at DESC, id) FROM " + res + " WHERE " + bound + " ORDER BY created_at DESC, id", lead, 1},
		{"several CTEs", `WITH p AS (SELECT category, price FROM ` + res + ` WHERE ` + both + `),
			     t AS (SELECT category, COUNT(*) AS n FROM p GROUP BY category),
			     v AS (SELECT category, SUM(price) AS total FROM p GROUP BY category)
			SELECT t.category, n, total FROM t JOIN v ON v.category = t.category ORDER BY t.category`, perType, 2},
		{"a CTE used twice makes its call once", `WITH a AS (SELECT id, name FROM ` + res + ` WHERE ` + bound + `)
			SELECT x.name, y.name FROM a x JOIN a y ON x.id = y.id ORDER BY x.id`, nil, 1},
		{"quoted names in a CTE", `WITH "A" AS (SELECT "name", "id" FROM "shop"."store"."items" WHERE "shop" = 'north' AND "category" = 'books')
			SELECT "name", ROW_NUMBER() OVER (ORDER BY "id") FROM "A" ORDER BY "id" LIMIT 2`, [][]any{{byID[0].Name, int64(1)}, {byID[1].Name, int64(2)}}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.reset()
			got, err := h.exec(c.sql)
			if err != nil {
				t.Fatalf("%s: %v", c.sql, err)
			}
			if c.rows != nil && !reflect.DeepEqual(got[0].rows, c.rows) {
				t.Errorf("%s:\n got %v\nwant %v", c.sql, got[0].rows, c.rows)
			}
			if n := h.requests()[testprovider.KindList]; n != c.lists {
				t.Errorf("%d listing requests, want %d", n, c.lists)
			}
		})
	}
}

// A key bound only through IN (SELECT …) whose table no listing can serve
// once that constraint is set aside is planned as written: a GET per key.
func TestDeleteKeyFromWindowSubquery(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	res, err := h.exec(`DELETE FROM shop.store.items
	 WHERE shop = 'north' AND item_name = 'beacon'
	   AND category IN (SELECT category FROM (
	       SELECT category, RANK() OVER (ORDER BY category) AS r
	         FROM shop.store.items WHERE shop = 'north' AND category IN ('books', 'music'))
	       WHERE category = 'books')`)
	if err == nil || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("unconfirmed: %v", err)
	}
	if len(res) != 1 || len(res[0].rows) != 1 || res[0].rows[0][0] != "books" || res[0].rows[0][1] != "beacon" {
		t.Fatalf("keys %v", res)
	}
	if got := h.requests(); got[testprovider.KindDelete] != 0 || got[testprovider.KindList] != 2 || got[testprovider.KindGet] != 1 {
		t.Errorf("requests %v", got)
	}
}

// A WITH or window statement that leaves a table's required params unbound
// fails with the error every SELECT gives, before any request.
func TestSQLiteReadErrorsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{Yes: true})
	cases := []struct{ sql, want string }{
		{"WITH a AS (SELECT name FROM " + res + " WHERE shop = 'north') SELECT * FROM a", "shop.store.items needs the required param category"},
		{"SELECT name, ROW_NUMBER() OVER () FROM " + res, "needs the required params category and shop"},
		{"WITH a AS (SELECT id FROM " + res + " WHERE " + bound + ") SELECT * FROM a WHERE id IN (SELECT id FROM " + res + " WHERE shop = 'x')", "needs the required param category"},
		{"WITH a AS (SELECT nmae FROM " + res + " WHERE " + bound + ") SELECT * FROM a", `unknown column "nmae"`},
		{"WITH a AS (SELECT name FROM shop.store.itemz WHERE " + bound + ") SELECT * FROM a", "did you mean shop.store.items?"},
		{"WITH a AS (SELECT name FROM item_list) SELECT * FROM a", "unknown resource item_list"},
		{"WITH a AS (SELECT name FROM " + res + " WHERE shop = 'north' AND category = 'toyz') SELECT * FROM a", `did you mean "toys"?`},
		{"SELECT name, RANK() OVER (ORDER BY id) FROM " + res + " WHERE " + bound + " AND name ILIKE 'x'", "ILIKE is not read"},
		{"SELECT name, RANK() OVER (ORDER BY id FROM " + res + " WHERE " + bound, "syntax error"},
		{"WITH a AS (SELECT 1) SELECT * FROM a WHERE 1 ^ 1", "^ is not read"},
		{"DELETE FROM " + res + " WHERE " + bound + " AND item_name IN (SELECT name FROM (SELECT name, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM " + res + " WHERE shop = 'north') WHERE rn > 3)", "needs the required param category"},
	}
	for _, c := range cases {
		_, err := h.exec(c.sql)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: want an *Error, got %v", c.sql, err)
			continue
		}
		if !strings.Contains(e.Error(), c.want) || e.Line < 1 {
			t.Errorf("%s: error %q does not say %q", c.sql, e.Error(), c.want)
		}
	}
	if log := h.log(); len(log) != 0 {
		t.Errorf("%d requests reached the API: %v", len(log), log)
	}
	if n := len(h.calls()); n != 0 {
		t.Errorf("%d provider calls", n)
	}
}

// Keep the 3 newest items of a category and delete the others out of stock:
// a DELETE whose WHERE has a window function. Without --yes it shows what it would delete and deletes nothing;
// with --yes it deletes exactly those.
func TestDeleteKeepN(t *testing.T) {
	t.Parallel()
	const keepN = `DELETE FROM shop.store.items
	 WHERE shop = 'north' AND category = 'books' AND NOT in_stock
	   AND item_name IN (SELECT name FROM (
	       SELECT name, ROW_NUMBER() OVER (ORDER BY created_at DESC, id) AS rn
	         FROM shop.store.items WHERE shop = 'north' AND category = 'books')
	       WHERE rn > 3)`
	for _, yes := range []bool{false, true} {
		t.Run(fmt.Sprintf("yes=%v", yes), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testprovider.Options{}, Config{Yes: yes})
			books := h.truth("north", "books")
			newestFirst(books)
			var want []string
			for _, p := range books[3:] {
				if !p.InStock {
					want = append(want, p.Name)
				}
			}
			slices.Sort(want)
			res, err := h.exec(keepN)
			if !yes {
				if err == nil || !strings.Contains(err.Error(), "--yes") {
					t.Fatalf("unconfirmed: %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			got := toStrings(res[0].column("item_name"))
			slices.Sort(got)
			if !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("keys\n got %v\nwant %v", got, want)
			}
			deletes := 0
			if yes {
				deletes = len(want)
			}
			// One listing answers the subquery and the DELETE's own table.
			if got := h.requests(); got[testprovider.KindDelete] != deletes || got[testprovider.KindList] != 1 || got[testprovider.KindGet] != 0 {
				t.Errorf("requests %v, want %d DELETE and one listing", got, deletes)
			}
			for i, p := range books {
				if d := h.deleted("north", "books", p.Name); d != (yes && i >= 3 && !p.InStock) {
					t.Errorf("%s deleted: %v", p.Name, d)
				}
			}
		})
	}
}

// Ranks and counts of a window statement are integers, from the first row on
// and with no row at all; other numbers take their type from the first row.
func TestWindowColumnTypes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	for _, where := range []string{bound, bound + " AND id < 0"} {
		r := h.one("SELECT name, ROW_NUMBER() OVER (ORDER BY id) AS rn, COUNT(*) OVER () n, 1 AS one, price * 1.5 AS f, created_at FROM " + res + " WHERE " + where)
		var got []schema.Type
		for _, c := range r.cols {
			got = append(got, c.Type)
		}
		want := []schema.Type{schema.String, schema.Integer, schema.Integer, schema.Integer, schema.Number, schema.String}
		if len(r.rows) == 0 {
			want[4] = ""
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: types %v, want %v", where, got, want)
		}
		if r.cols[5].Format != schema.DateTime {
			t.Errorf("created_at: format %q", r.cols[5].Format)
		}
	}
}

// An unnamed column of a window statement is named after its text as written,
// not after the SQL SQLite was handed (with ? for strings).
func TestWindowColumnNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	r := h.one("SELECT name || '!', ROW_NUMBER() OVER (ORDER BY id), p.name, datetime(created_at), 2 two, '5'::int FROM " + res + " p WHERE p." + bound + " ORDER BY id LIMIT 1")
	var got []string
	for _, c := range r.cols {
		got = append(got, c.Name)
	}
	want := []string{"name || '!'", "ROW_NUMBER() OVER (ORDER BY id)", "name", "datetime(created_at)", "two", "'5'::int"}
	if !slices.Equal(got, want) {
		t.Errorf("names %q, want %q", got, want)
	}
}
