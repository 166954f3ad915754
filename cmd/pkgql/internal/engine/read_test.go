package engine

import (
	"errors"
	"slices"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

// A script is split by the Tokenizer: a ';' in a string or a comment does not
// end a statement.
func TestSplit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	script := "SELECT ';' AS a; -- a comment; with a semicolon\n" +
		"SELECT 'x;y' /* ; */ AS b;;\n" +
		"-- another comment;\n" +
		"SHOW PROVIDERS;\n" +
		"DESCRIBE shop.store.items;" +
		"EXPLAIN SELECT 1;" +
		"EXEC shop.store.items.restore_item @shop = 'a;b', @category = 'books', @item_name = 'x';" +
		"DELETE FROM shop.store.items WHERE shop = 'u' AND category = 'books' AND item_name = ';'"
	sts, err := h.e.Prepare(script)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind Kind
		text string
	}{
		{KindSelect, "SELECT ';' AS a"},
		{KindSelect, `SELECT 'x;y' /* ; */ AS b`},
		{KindShow, "SHOW PROVIDERS"},
		{KindDescribe, "DESCRIBE shop.store.items"},
		{KindExplain, "EXPLAIN SELECT 1"},
		{KindExec, "EXEC shop.store.items.restore_item @shop = 'a;b', @category = 'books', @item_name = 'x'"},
		{KindDelete, "DELETE FROM shop.store.items WHERE shop = 'u' AND category = 'books' AND item_name = ';'"},
	}
	if len(sts) != len(want) {
		t.Fatalf("%d statements, want %d", len(sts), len(want))
	}
	for i, st := range sts {
		if st.Kind() != want[i].kind || st.Text() != want[i].text {
			t.Errorf("statement %d: %s %q, want %s %q", i, st.Kind(), st.Text(), want[i].kind, want[i].text)
		}
	}
	r := h.one(sts[1].Text())
	if !slices.Equal(r.rows[0], []any{"x;y"}) {
		t.Errorf("rows %v", r.rows)
	}

	for _, empty := range []string{"", "  ;; ", "-- nothing\n", "/* nothing */;"} {
		if sts, err := h.e.Prepare(empty); err != nil || len(sts) != 0 {
			t.Errorf("%q: %v %v", empty, sts, err)
		}
	}
}

// An error anywhere in a script means no statement is returned.
func TestPrepareWhole(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	sts, err := h.e.Prepare("DELETE FROM shop.store.items WHERE shop = 'north' AND category = 'books' AND item_name = 'beacon';\nSELECT nope FROM shop.store.items WHERE shop = 'north' AND category = 'books'")
	var e *Error
	if sts != nil || !errors.As(err, &e) || e.Statement != 1 || e.Line != 2 {
		t.Fatalf("statements %v, error %v", sts, err)
	}
	if h.deleted("north", "books", "beacon") || len(h.log()) != 0 {
		t.Error("the first statement ran")
	}
}

// Names are read in every form SQL allows: any case, quoted, in two or three
// parts, and a column qualified by its resource.
func TestNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	for _, sql := range []string{
		"select NAME from Shop.Store.Items where SHOP = 'north' and Category = 'books' and item_name = 'beacon'",
		"SELECT `name` FROM `shop`.`store`.`items` WHERE `shop` = 'north' AND category = 'books' AND item_name = 'beacon'",
		"SELECT shop.store.items.name FROM shop.store.items WHERE shop.store.items.shop = 'north' AND category = 'books' AND item_name = 'beacon'",
		"SELECT items.name FROM store.items WHERE store.items.shop = 'north' AND category = 'books' AND item_name = 'beacon'",
		"SELECT p.name FROM shop . store . items AS p WHERE p.shop = 'north' AND p.category = 'books' AND p.item_name = 'beacon'",
		"SELECT x.name FROM (SELECT name, shop FROM shop.store.items WHERE shop = 'north' AND category = 'books' AND item_name = 'beacon') AS x",
		"SELECT shop.store.items.* FROM shop.store.items WHERE shop = 'north' AND category = 'books' AND item_name = 'beacon'",
		"SELECT p.* FROM store.items p WHERE shop = 'north' AND category = 'books' AND item_name = 'beacon'",
	} {
		r := h.one(sql)
		if len(r.rows) != 1 || !slices.Contains(r.rows[0], any("beacon")) {
			t.Errorf("%s: %v", sql, r.rows)
		}
	}
}
