package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
	"github.com/pkgql/pkgql/schema"
)

// SHOW and DESCRIBE answer from the schema the provider declared, and call
// nothing.
func TestShowDescribe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	p := h.e.Catalog()[0]
	r, _ := p.Service("store")
	up, _ := r.Resource("items")

	var rows [][]any
	for _, m := range up.Methods {
		rows = append(rows, []any{m.Name, string(m.Verb), strings.Join(m.Required, ", "), strings.Join(m.Optional, ", "), m.Route.String(), m.Description})
	}
	var resources [][]any
	for _, res := range r.Resources {
		resources = append(resources, []any{"shop.store." + res.Name, res.Title, res.Description})
	}
	var fields [][]any
	for _, f := range up.Fields {
		fields = append(fields, []any{f.Name, string(f.Type), f.Description})
	}
	cases := []struct {
		sql  string
		cols []string
		rows [][]any
	}{
		{"SHOW PROVIDERS", []string{"name", "version", "description"}, [][]any{{p.Name, p.Version, p.Description}}},
		{"show services in SHOP", []string{"name", "title", "description"}, [][]any{{"shop.store", r.Title, r.Description}}},
		{"SHOW SERVICES", []string{"name", "title", "description"}, [][]any{{"shop.store", r.Title, r.Description}}},
		{"SHOW RESOURCES IN shop.store", []string{"name", "title", "description"}, resources},
		{"SHOW RESOURCES IN shop", []string{"name", "title", "description"}, resources},
		{"SHOW METHODS IN shop.store.items", []string{"name", "verb", "required", "optional", "http", "description"}, rows},
		{"SHOW METHODS IN store.items", []string{"name", "verb", "required", "optional", "http", "description"}, rows},
		{"DESCRIBE shop.store.items", []string{"name", "type", "description"}, fields},
		{"DESC store.items", []string{"name", "type", "description"}, fields},
	}
	for _, c := range cases {
		got := h.one(c.sql)
		var names []string
		for _, col := range got.cols {
			names = append(names, col.Name)
			if col.Type != schema.String {
				t.Errorf("%s: column %s is %s", c.sql, col.Name, col.Type)
			}
		}
		if !slices.Equal(names, c.cols) {
			t.Errorf("%s: columns %v, want %v", c.sql, names, c.cols)
		}
		if !slices.EqualFunc(got.rows, c.rows, slices.Equal) {
			t.Errorf("%s:\n got %v\nwant %v", c.sql, got.rows, c.rows)
		}
	}

	ext := h.one("DESCRIBE EXTENDED shop.store.items")
	byName := map[string][]any{}
	for _, row := range ext.rows {
		byName[row[0].(string)] = row
	}
	if len(ext.rows) != len(up.Fields)+len(up.HiddenParams())+len(up.Methods) {
		t.Errorf("DESCRIBE EXTENDED has %d rows", len(ext.rows))
	}
	if row := byName["category"]; row[2] != "field, param" || !strings.Contains(row[3].(string), "list_items") ||
		row[5] != "books, games, music, tools, toys, food" {
		t.Errorf("category: %v", row)
	}
	if row := byName["delete_item"]; row[2] != "method" || row[5] != "read, delete" ||
		row[6] != "DELETE /shops/{shop}/items/{category}/{item_name} · https://shop.example/api#delete-item" {
		t.Errorf("delete_item: %v", row)
	}
	if row := byName["visibility"]; row[2] != "field, param" || row[4] != "list_items, list_items_by_brand" {
		t.Errorf("visibility: %v", row)
	}
	if row := byName["shop"]; row[2] != "param" || row[3] != "get_item, list_items, delete_item, restore_item" {
		t.Errorf("shop: %v", row)
	}
	if row := byName["token"]; row[2] != "param" || row[4] != "restore_item" {
		t.Errorf("token: %v", row)
	}
	if n := len(h.calls()); n != 0 {
		t.Errorf("%d calls", n)
	}
}

// EXPLAIN shows the method, the calls, what is pushed down and what the host
// does, and calls nothing.
func TestExplain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	cases := []struct {
		sql  string
		want []string
	}{
		{`EXPLAIN SELECT id, name FROM shop.store.items
		   WHERE shop = 'north' AND category = 'games' AND visibility = 'public'
		   ORDER BY price DESC LIMIT 10`, []string{
			"shop.store.items AS items",
			"  method: list_items (GET /shops/{shop}/items)",
			"  calls: 1",
			"    GET /shops/north/items?category=games&visibility=public",
			"  pushed down to the calls: category = 'games', shop = 'north', visibility = 'public' (checked again on the host)",
			"  filtered on the host: visibility = 'public'",
			"on the host (SQLite): order by price desc, limit 10",
			`SQLite: select "items"."id", "items"."name" from "shop.store.items" AS "items" where "items"."shop" = ? and "items"."category" = ? and "items"."visibility" = ? order by "items"."price" desc limit 10`,
			"  with 'north', 'games', 'public'",
		}},
		{`EXPLAIN SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books' LIMIT 5`, []string{
			"  pushed down to the calls: category = 'books', shop = 'north', LIMIT 5",
			"on the host (SQLite): limit 5 (also pushed down)",
		}},
		{`EXPLAIN SELECT name FROM shop.store.items WHERE shop IN ('north', 'east') AND category = 'books' AND item_name = 'beacon'`, []string{
			"  method: get_item (GET /shops/{shop}/items/{category}/{item_name})",
			"  calls: 2",
			"    GET /shops/north/items/books/beacon",
			"    GET /shops/east/items/books/beacon",
		}},
		{`EXPLAIN SELECT p.name FROM shop.store.items u JOIN shop.store.items p
		    ON p.shop = JSON_EXTRACT(u.maker, '$.login') AND p.category = 'music'
		   WHERE u.shop = 'north' AND u.category = 'books'`, []string{
			"shop.store.items AS p",
			"  calls: one per value of shop from JSON_EXTRACT(u.maker, '$.login'), as the other tables supply them: GET /shops/{shop}/items",
		}},
		{`EXPLAIN WITH p AS (SELECT name, category FROM shop.store.items
		    WHERE shop = 'north' AND category IN ('books', 'games'))
		  SELECT name, ROW_NUMBER() OVER (PARTITION BY category ORDER BY name) FROM p`, []string{
			"  method: list_items (GET /shops/{shop}/items)",
			"  calls: 2",
			"    GET /shops/north/items?category=books",
			"    GET /shops/north/items?category=games",
		}},
		{`EXPLAIN WITH p AS (SELECT name, category FROM shop.store.items WHERE shop = 'north' AND category = 'books')
		  SELECT p.name, v.body, RANK() OVER (ORDER BY v.created_at) FROM p JOIN shop.store.reviews v
		    ON v.shop = 'north' AND v.category = p.category AND v.item_name = p.name`, []string{
			"  calls: one per value of category, item_name and shop that SQLite passes (the same call once per statement): GET /shops/{shop}/items/{category}/{item_name}/reviews",
		}},
		{`EXPLAIN DELETE FROM shop.store.items WHERE shop = 'north' AND category = 'games' AND item_name = 'tools/hammer'`, []string{
			"DELETE from shop.store.items with delete_item (DELETE /shops/{shop}/items/{category}/{item_name})",
			"  the WHERE names every key in full: no SELECT, no confirmation",
			"    DELETE /shops/north/items/games/tools%2Fhammer",
		}},
		{`EXPLAIN DELETE FROM shop.store.items WHERE shop = 'north' AND category = 'books' AND item_name = 'beacon' AND price = 0`, []string{
			"  the WHERE is wider than the key: a SELECT finds the keys first",
			"    method: get_item (GET /shops/{shop}/items/{category}/{item_name})",
			"    filtered on the host: price = 0",
			"  then delete_item once per key found, after confirmation (--yes): DELETE /shops/{shop}/items/{category}/{item_name}",
		}},
	}
	for _, c := range cases {
		r := h.one(c.sql)
		if len(r.cols) != 1 || r.cols[0].Name != "plan" {
			t.Fatalf("columns %v", r.cols)
		}
		lines := toStrings(r.column("plan"))
		for _, w := range c.want {
			if !slices.Contains(lines, w) {
				t.Errorf("%s: no line %q in\n%s", c.sql, w, strings.Join(lines, "\n"))
			}
		}
	}
	if n := len(h.calls()); n != 0 {
		t.Errorf("EXPLAIN made %d calls", n)
	}
}
