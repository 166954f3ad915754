package engine

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// Every case runs on its own provider, checks the rows against the provider's
// own data (read without the engine) and counts the requests.
func TestSelect(t *testing.T) {
	t.Parallel()
	type check func(t *testing.T, h *harness, sql string)
	cases := []struct {
		name  string
		check check
	}{
		{"filter, order and limit", func(t *testing.T, h *harness, _ string) {
			want := h.truth("north", "games")
			want = slices.DeleteFunc(want, func(p testprovider.Item) bool { return p.Visibility != "public" })
			slices.SortStableFunc(want, func(a, b testprovider.Item) int { return cmp.Compare(b.Price, a.Price) })
			r := h.one(`SELECT id, name, price, visibility
			  FROM shop.store.items
			 WHERE shop = 'north' AND category = 'games' AND visibility = 'public'
			 ORDER BY price DESC LIMIT 10;`)
			if len(r.rows) != min(10, len(want)) {
				t.Fatalf("%d rows, want %d", len(r.rows), min(10, len(want)))
			}
			byID := map[int64]testprovider.Item{}
			for _, p := range want {
				byID[p.ID] = p
			}
			for i, row := range r.rows {
				p, ok := byID[row[0].(int64)]
				if !ok || row[1] != p.Name || row[2] != p.Price || row[3] != "public" || p.Price != want[i].Price {
					t.Errorf("row %d = %v, want price %d", i, row, want[i].Price)
				}
			}
			wantCols := []rowset.Column{{Name: "id", Type: schema.Integer}, {Name: "name", Type: schema.String}, {Name: "price", Type: schema.Integer}, {Name: "visibility", Type: schema.String}}
			if !slices.Equal(r.cols, wantCols) {
				t.Errorf("columns %v", r.cols)
			}
			if got := h.requests(); got[testprovider.KindList] != 1 || len(got) != 1 {
				t.Errorf("requests %v, want one listing", got)
			}
			log := h.log()
			if len(log) != 1 || !strings.Contains(log[0].Path, "visibility=public") || log[0].Page != 1 {
				t.Errorf("visibility not pushed down: %+v", log)
			}
		}},
		{"aggregates over an IN list", func(t *testing.T, h *harness, _ string) {
			want := map[string][2]int64{}
			for _, typ := range []string{"books", "games"} {
				for _, p := range h.truth("north", typ) {
					w := want[typ]
					want[typ] = [2]int64{w[0] + 1, w[1] + p.Price}
				}
			}
			r := h.one(`SELECT category, COUNT(*) AS n, SUM(price) AS total
			  FROM shop.store.items
			 WHERE shop = 'north' AND category IN ('books', 'games') GROUP BY category`)
			got := map[string][2]int64{}
			for _, row := range r.rows {
				got[row[0].(string)] = [2]int64{row[1].(int64), row[2].(int64)}
			}
			if !maps.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if got := h.requests(); got[testprovider.KindList] != 2 || len(got) != 1 {
				t.Errorf("requests %v, want two listings", got)
			}
		}},
		{"item_name bound: one GET", func(t *testing.T, h *harness, _ string) {
			r := h.one(`SELECT name, JSON_EXTRACT(details, '$.full_name') AS full_name, shop, item_name
			  FROM shop.store.items
			 WHERE shop = 'north' AND category = 'books' AND item_name = 'beacon';`)
			if len(r.rows) != 1 || r.rows[0][0] != "beacon" || r.rows[0][1] != "north/beacon" || r.rows[0][2] != "north" || r.rows[0][3] != "beacon" {
				t.Errorf("rows %v", r.rows)
			}
			if got := h.requests(); got[testprovider.KindGet] != 1 || len(got) != 1 {
				t.Errorf("requests %v, want exactly one GET", got)
			}
		}},
		{"a name with a slash is one escaped GET", func(t *testing.T, h *harness, _ string) {
			r := h.one(`SELECT id, name FROM shop.store.items
			 WHERE shop = 'north' AND category = 'games' AND item_name = 'tools/hammer'`)
			if len(r.rows) != 1 || r.rows[0][1] != "tools/hammer" {
				t.Errorf("rows %v", r.rows)
			}
			if log := h.log(); len(log) != 1 || log[0].Kind != testprovider.KindGet || !strings.HasSuffix(log[0].Path, "/games/tools%2Fhammer") {
				t.Errorf("requests %+v", log)
			}
		}},
		{"WHERE on fields the API cannot filter", func(t *testing.T, h *harness, _ string) {
			var want []string
			for _, p := range h.truth("north", "books") {
				if p.Price == 0 || p.Price > 20 && p.Visibility != "public" {
					want = append(want, p.Name)
				}
			}
			r := h.one(`SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books'
			  AND (price = 0 OR price > 20 AND visibility <> 'public') ORDER BY id`)
			if got := strings.Join(toStrings(r.column("name")), ","); got != strings.Join(want, ",") || len(want) == 0 {
				t.Errorf("got %s, want %s", got, want)
			}
		}},
		{"GROUP BY and HAVING", func(t *testing.T, h *harness, _ string) {
			counts := map[string]int64{}
			for _, p := range h.truth("north", "books") {
				counts[p.Visibility]++
			}
			r := h.one(`SELECT visibility, count(*) AS n FROM shop.store.items
			 WHERE shop = 'north' AND category = 'books' GROUP BY visibility HAVING count(*) >= 2 ORDER BY visibility`)
			var want []string
			for _, v := range slices.Sorted(maps.Keys(counts)) {
				if counts[v] >= 2 {
					want = append(want, v)
				}
			}
			if got := toStrings(r.column("visibility")); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			for _, row := range r.rows {
				if row[1] != counts[row[0].(string)] {
					t.Errorf("row %v, want %d", row, counts[row[0].(string)])
				}
			}
		}},
		{"date functions", func(t *testing.T, h *harness, _ string) {
			want := map[string]int64{}
			for _, p := range h.truth("south", "games") {
				want[p.CreatedAt.Format("2006")]++
			}
			r := h.one(`SELECT strftime('%Y', created_at) AS year, count(*) FROM shop.store.items
			 WHERE shop = 'south' AND category = 'games' AND date(created_at) >= '2019-01-01' GROUP BY year`)
			got := map[string]int64{}
			for _, row := range r.rows {
				got[row[0].(string)] = row[1].(int64)
			}
			if !maps.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		}},
		{"JSON_EXTRACT on maker and details", func(t *testing.T, h *harness, _ string) {
			var want []string
			for _, p := range h.truth("east", "books") {
				var details struct {
					FullName string `json:"full_name"`
				}
				if d := p.Details(); d != nil {
					if err := json.Unmarshal(d, &details); err != nil {
						t.Fatal(err)
					}
					want = append(want, details.FullName)
				}
			}
			r := h.one(`SELECT JSON_EXTRACT(details, '$.full_name') AS repo FROM shop.store.items
			 WHERE shop = 'east' AND category = 'books' AND JSON_EXTRACT(maker, '$.login') = 'east'
			   AND details IS NOT NULL ORDER BY id`)
			if got := toStrings(r.column("repo")); !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("got %v, want %v", got, want)
			}
		}},
		{"types: numbers, booleans, NULL, objects", func(t *testing.T, h *harness, _ string) {
			// compass is not linked: its details are null.
			want, _ := h.p.Item("north", "books", "compass")
			r := h.one(`SELECT id, price, details, maker, name, in_stock FROM shop.store.items
			 WHERE shop = 'north' AND category = 'books' AND item_name = 'compass'`)
			row := r.rows[0]
			if want.Linked || row[0] != want.ID || row[1] != want.Price || row[2] != nil || row[5] != want.InStock {
				t.Errorf("row %v, want %+v", row, want)
			}
			maker, ok := row[3].(provider.JSON)
			var o map[string]any
			if !ok || json.Unmarshal(maker, &o) != nil || o["login"] != "north" {
				t.Errorf("maker %v (%T)", row[3], row[3])
			}
			if r.cols[2].Type != schema.Object || r.cols[3].Type != schema.Object || r.cols[5].Type != schema.Boolean {
				t.Errorf("columns %v", r.cols)
			}
		}},
		{"SELECT * has the fields, not the params", func(t *testing.T, h *harness, _ string) {
			r := h.one(`SELECT * FROM shop.store.items WHERE shop = 'north' AND category = 'books' LIMIT 1`)
			var names []string
			for _, c := range r.cols {
				names = append(names, c.Name)
			}
			want := []string{"id", "name", "category", "price", "visibility", "in_stock", "created_at", "updated_at", "maker", "details"}
			if !slices.Equal(names, want) {
				t.Errorf("columns %v", names)
			}
		}},
		{"IN subquery", func(t *testing.T, h *harness, _ string) {
			names := map[string]bool{}
			for _, p := range h.truth("north", "books") {
				names[p.Name] = true
			}
			var want []string
			for _, p := range h.truth("south", "books") {
				if names[p.Name] {
					want = append(want, p.Name)
				}
			}
			r := h.one(`SELECT name FROM shop.store.items WHERE shop = 'south' AND category = 'books'
			   AND name IN (SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books') ORDER BY id`)
			if got := toStrings(r.column("name")); !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("got %v, want %v", got, want)
			}
			if got := h.requests(); got[testprovider.KindList] != 2 {
				t.Errorf("requests %v, want two listings", got)
			}
		}},
		{"shop bound by another query", func(t *testing.T, h *harness, _ string) {
			var want []string
			for _, u := range []string{"east", "south"} {
				for _, p := range h.truth(u, "music") {
					want = append(want, p.Name)
				}
			}
			slices.Sort(want)
			r := h.one(`SELECT p.name FROM shop.store.items p
			 WHERE p.category = 'music' AND p.shop IN (
			   SELECT JSON_EXTRACT(maker, '$.login') FROM shop.store.items
			    WHERE shop IN ('east', 'south') AND category = 'books')
			 ORDER BY p.name`)
			if got := toStrings(r.column("name")); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			// Two listings for the subquery, one per user found: no listing per row.
			if got := h.requests(); got[testprovider.KindList] != 4 {
				t.Errorf("requests %v, want 4 listings", got)
			}
		}},
		{"join binds the param row by row; the same call is made once", func(t *testing.T, h *harness, _ string) {
			mavens := len(h.truth("east", "music"))
			npms := len(h.truth("east", "books"))
			r := h.one(`SELECT count(*) FROM shop.store.items a
			  JOIN shop.store.items b ON b.shop = JSON_EXTRACT(a.maker, '$.login') AND b.category = 'books'
			 WHERE a.shop = 'east' AND a.category = 'music'`)
			if r.rows[0][0] != int64(mavens*npms) {
				t.Errorf("count %v, want %d", r.rows[0][0], mavens*npms)
			}
			if got := h.requests(); got[testprovider.KindList] != 2 {
				t.Errorf("requests %v, want one listing per table", got)
			}
		}},
		{"self-join reads its call once", func(t *testing.T, h *harness, _ string) {
			n := len(h.truth("north", "games"))
			r := h.one(`SELECT count(*) FROM shop.store.items a, shop.store.items b
			 WHERE a.shop = 'north' AND a.category = 'games'
			   AND b.shop = 'north' AND b.category = 'games' AND a.id = b.id`)
			if r.rows[0][0] != int64(n) {
				t.Errorf("count %v, want %d", r.rows[0][0], n)
			}
			if got := h.requests(); got[testprovider.KindList] != 1 || len(got) != 1 {
				t.Errorf("requests %v, want one listing", got)
			}
		}},
		{"correlated subquery evaluated per row, called once", func(t *testing.T, h *harness, _ string) {
			want := h.truth("north", "books")
			r := h.one(`SELECT name, (SELECT count(*) FROM shop.store.items i
			   WHERE i.shop = 'north' AND i.category = 'books' AND i.price > o.price) AS more
			  FROM shop.store.items o WHERE o.shop = 'north' AND o.category = 'books' ORDER BY id LIMIT 3`)
			for i, row := range r.rows {
				var more int64
				for _, p := range want {
					if p.Price > want[i].Price {
						more++
					}
				}
				if row[0] != want[i].Name || row[1] != more {
					t.Errorf("row %v, want %s %d", row, want[i].Name, more)
				}
			}
			if got := h.requests(); got[testprovider.KindList] != 1 {
				t.Errorf("requests %v, want one listing", got)
			}
		}},
		{"IN lists fan out, one call each", func(t *testing.T, h *harness, _ string) {
			var want int64
			for _, u := range []string{"north", "south", "east"} {
				for _, typ := range []string{"books", "tools"} {
					want += int64(len(h.truth(u, typ)))
				}
			}
			r := h.one(`SELECT count(*) FROM store.items
			 WHERE shop IN ('north', 'south', 'east') AND category IN ('books', 'tools')`)
			if r.rows[0][0] != want {
				t.Errorf("count %v, want %d", r.rows[0][0], want)
			}
			if got := h.requests(); got[testprovider.KindList] != 6 {
				t.Errorf("requests %v, want 6 listings", got)
			}
		}},
		{"OR of equalities is an IN list", func(t *testing.T, h *harness, _ string) {
			want := len(h.truth("north", "food")) + len(h.truth("east", "food"))
			r := h.one(`SELECT id FROM shop.store.items
			 WHERE (shop = 'north' OR shop = 'east') AND category = 'food'`)
			if len(r.rows) != want {
				t.Errorf("%d rows, want %d", len(r.rows), want)
			}
		}},
		{"only the columns read are asked for", func(t *testing.T, h *harness, _ string) {
			h.one(`SELECT name, maker FROM shop.store.items WHERE shop = 'north' AND category = 'books' AND price > 1`)
			reqs := h.calls()
			if len(reqs) != 1 {
				t.Fatalf("requests %v", reqs)
			}
			cols := slices.Sorted(slices.Values(reqs[0].Columns))
			if want := []string{"category", "maker", "name", "price"}; !slices.Equal(cols, want) {
				t.Errorf("columns asked %v, want %v", cols, want)
			}
			if reqs[0].Limit != 0 || reqs[0].Method != "list_items" {
				t.Errorf("request %+v", reqs[0])
			}
		}},
		{"COUNT(*) asks for one column", func(t *testing.T, h *harness, _ string) {
			h.one(`SELECT count(*) FROM shop.store.items WHERE shop = 'north' AND category = 'books'`)
			if reqs := h.calls(); len(reqs) != 1 || len(reqs[0].Columns) != 1 {
				t.Errorf("requests %+v", reqs)
			}
		}},
		{"NULL binds nothing and calls nothing", func(t *testing.T, h *harness, _ string) {
			r := h.one(`SELECT id FROM shop.store.items WHERE shop = NULL AND category = 'books'`)
			if len(r.rows) != 0 || len(h.calls()) != 0 {
				t.Errorf("rows %v, requests %v", r.rows, h.calls())
			}
		}},
		{"SELECT without a table", func(t *testing.T, h *harness, _ string) {
			r := h.one(`SELECT 1 + 2 AS three, 'a''b' AS s, upper('x')`)
			if !slices.Equal(r.rows[0], []any{int64(3), "a'b", "X"}) || r.cols[2].Name != "upper('x')" {
				t.Errorf("row %v cols %v", r.rows, r.cols)
			}
		}},
		{"UNION and a subquery in FROM", func(t *testing.T, h *harness, _ string) {
			want := len(h.truth("north", "toys")) + len(h.truth("east", "toys"))
			r := h.one(`SELECT count(*) FROM (
			   SELECT id FROM shop.store.items WHERE shop = 'north' AND category = 'toys'
			   UNION ALL
			   SELECT id FROM shop.store.items WHERE shop = 'east' AND category = 'toys') AS t`)
			if r.rows[0][0] != int64(want) {
				t.Errorf("count %v, want %d", r.rows[0][0], want)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testprovider.Options{}, Config{})
			c.check(t, h, "")
		})
	}
}

// LIMIT reaches the provider when nothing between the call and the LIMIT can
// drop a row, and paging stops there.
func TestLimitPushdown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{Shops: []testprovider.Shop{{Name: "big", Items: 3000}}}, Config{})
	books := h.truth("big", "books")
	public := 0
	for _, it := range books {
		if it.Visibility == "public" {
			public++
		}
	}
	pages := func(rows int) int { return (rows + testprovider.PageSize - 1) / testprovider.PageSize }
	cases := []struct {
		sql   string
		limit int64
		rows  int
		// listed is the most pages read; exact when every one must be.
		listed int
		exact  bool
	}{
		{"SELECT id FROM shop.store.items WHERE shop = 'big' AND category = 'books' LIMIT 5", 5, 5, 1, true},
		{"SELECT id FROM shop.store.items WHERE shop = 'big' AND category = 'books' LIMIT 150", 150, 150, 2, true},
		{"SELECT id FROM shop.store.items WHERE shop = 'big' AND category = 'books' LIMIT 5 OFFSET 100", 105, 5, 2, true},
		// ORDER BY needs every row: no limit reaches the call.
		{"SELECT id FROM shop.store.items WHERE shop = 'big' AND category = 'books' ORDER BY price LIMIT 5", 0, 5, pages(len(books)), true},
		// The host checks visibility again, so it cannot take the limit.
		{"SELECT id FROM shop.store.items WHERE shop = 'big' AND category = 'books' AND visibility = 'public' LIMIT 5", 0, 5, pages(public), false},
	}
	for _, c := range cases {
		h.reset()
		r := h.one(c.sql)
		if len(r.rows) != c.rows {
			t.Errorf("%s: %d rows, want %d", c.sql, len(r.rows), c.rows)
		}
		reqs := h.calls()
		if len(reqs) != 1 || reqs[0].Limit != c.limit {
			t.Errorf("%s: requests %+v, want one with limit %d", c.sql, reqs, c.limit)
		}
		if got := h.requests()[testprovider.KindList]; got > c.listed || c.exact && got != c.listed {
			t.Errorf("%s: %d pages listed, want %d (exactly: %v)", c.sql, got, c.listed, c.exact)
		}
	}
}
