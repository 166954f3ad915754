package shell

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
	"github.com/pkgql/pkgql/schema"
)

// shopCatalog is the synthetic shop provider's declaration, as the engine
// hands it to the shell.
var shopCatalog = sync.OnceValue(func() []*schema.Provider {
	p, err := testprovider.New(testprovider.Options{}).Schema(context.Background())
	if err != nil {
		panic(err)
	}
	return []*schema.Provider{p}
})

// cursor marks the cursor in the inputs; without it, the cursor is at the
// end.
const cursor = "‸"

func TestCompleter(t *testing.T) {
	t.Parallel()
	const from = "SELECT id FROM shop.store.items WHERE "
	const exec = "EXEC shop.store.items.restore_item "
	for _, tc := range []struct {
		input string
		want  []string
	}{
		// Keywords, in the case they are typed in.
		{"", []string{"SELECT ", "DELETE ", "EXEC ", "SHOW ", "DESCRIBE ", "EXPLAIN "}},
		{"sel", []string{"select "}},
		{"DEL", []string{"DELETE "}},
		{"DELETE ", []string{"FROM "}},
		{"EXPLAIN ", []string{"SELECT ", "DELETE ", "EXEC "}},
		{"SHOW ", []string{"PROVIDERS ", "SERVICES ", "RESOURCES ", "METHODS "}},
		{"show res", []string{"resources "}},
		{"SHOW RESOURCES ", []string{"IN "}},
		{"SHOW PROVIDERS ", nil},
		// Names, part by part: provider, service, resource.
		{"SELECT * FROM sh", []string{"shop."}},
		{"SELECT * FROM shop.", []string{"shop.store."}},
		{"SELECT * FROM shop.store.it", []string{"shop.store.items "}},
		{"select * from Shop.Store.i", []string{"Shop.Store.items "}},
		{"DELETE FROM shop.store.r", []string{"shop.store.reviews "}},
		{"DELETE FROM shop.store.", []string{"shop.store.items ", "shop.store.reviews "}},
		{"DESCRIBE shop.store.it", []string{"shop.store.items "}},
		{"DESCRIBE EXT", []string{"EXTENDED "}},
		{"DESCRIBE EXTENDED shop.s", []string{"shop.store."}},
		{"SHOW SERVICES IN s", []string{"shop "}},
		{"SHOW RESOURCES IN shop.", []string{"shop.store "}},
		{"SHOW METHODS IN shop.store.i", []string{"shop.store.items "}},
		{"SELECT * FROM gitlab.", nil},
		{"SELECT * FROM shop.store.items.", nil},
		// Columns of the resource the statement names: fields and params,
		// the FROM after the cursor included.
		{"SELECT na" + cursor + " FROM shop.store.items", []string{"name"}},
		{"SELECT id, pr" + cursor + "\n  FROM shop.store.items", []string{"price"}},
		{from + "categ", []string{"category"}},
		{from + "sh", []string{"shop"}},
		{from + "i", []string{"id", "in_stock", "item_name", "in ", "is "}}, // columns, then keywords
		{from + "shop = 'north' OR", []string{"OR ", "ORDER BY "}},
		{"SELECT p.pr" + cursor + " FROM shop.store.items p", []string{"p.price"}},
		{"SELECT x.pr" + cursor + " FROM shop.store.items AS x", []string{"x.price"}},
		{"SELECT r.st" + cursor + " FROM shop.store.reviews r", []string{"r.stars"}},
		{"SELECT id FROM shop.store.reviews WHERE mi", []string{"min_stars", "min "}},
		{"SELECT pr", nil}, // no resource named: no columns
		{"SELECT * FROM shop.store.items; SELECT pr", nil},
		{"SELECT 1; SELECT id FROM shop.store.items WHERE pr", []string{"price"}},
		{"SELECT 'a -- b', na" + cursor + " FROM shop.store.items", []string{"name"}},
		// Values of params that list them.
		{from + "category = '", []string{"'books'", "'games'", "'music'", "'tools'", "'toys'", "'food'"}},
		{from + "category = 'g", []string{"'games'"}},
		{from + "category = \"m", []string{`"music"`}},
		{from + "category IN ('books', 'to", []string{"'tools'", "'toys'"}},
		{from + "visibility = ", []string{"'public'", "'private'", "'internal'"}},
		{from + "shop = '", nil},
		// EXEC: the EXEC methods, then their @params not yet given, then
		// the values they take.
		{"EXEC shop.store.items.", []string{"shop.store.items.restore_item "}},
		{"EXEC shop.store.reviews.", []string{"shop.store.reviews.restore_review "}},
		{"EXEC shop.store.i", []string{"shop.store.items."}},
		{exec, []string{"@category = ", "@item_name = ", "@shop = ", "@token = "}},
		{exec + "@", []string{"@category = ", "@item_name = ", "@shop = ", "@token = "}},
		{exec + "@shop = 'north', @", []string{"@category = ", "@item_name = ", "@token = "}},
		{exec + "@shop = 'north', @category = 't", []string{"'tools'", "'toys'"}},
		{exec + "@category = ", []string{"'books'", "'games'", "'music'", "'tools'", "'toys'", "'food'"}},
		{"EXEC shop.store.items.nope @", nil},
		// Inside a comment or a quoted name there is nothing to propose.
		{"SELECT /* sh", nil},
		{"SELECT `na", nil},
	} {
		text, pos := tc.input, len(tc.input)
		if i := strings.Index(text, cursor); i >= 0 {
			text, pos = text[:i]+text[i+len(cursor):], i
		}
		c := &completer{catalog: shopCatalog}
		start, got := c.complete(text, pos)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("complete(%q) = %q, want %q", tc.input, got, tc.want)
			continue
		}
		// Each candidate replaces the word the cursor ends.
		for _, g := range got {
			if word := text[start:pos]; !strings.HasPrefix(strings.ToLower(g), strings.ToLower(word)) && word != "" {
				t.Errorf("complete(%q): candidate %q does not extend %q", tc.input, g, word)
			}
		}
	}
}

// The editor hands the completer one line; the statement's earlier lines
// give it its context, and commands complete on their own.
func TestCompleteLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pending, line string
		pos           int // in runes; -1 for the end
		head          string
		want          []string
		tail          string
	}{
		{"SELECT name\n  FROM shop.store.items\n", " WHERE sh", -1, " WHERE ", []string{"shop"}, ""},
		{"", "SELECT ñame, pri FROM shop.store.items", 16, "SELECT ñame, ", []string{"price"}, " FROM shop.store.items"},
		{"SELECT 'a\n", "b', na", -1, "b', ", nil, ""},
		{"SELECT '\n", "bo", -1, "bo", nil, ""}, // the word began on an earlier line
		{"", ".ou", -1, "", []string{".output "}, ""},
		{"", ".output j", -1, ".output ", []string{"json"}, ""},
		{"", ".dryrun o", -1, ".dryrun ", []string{"on", "off"}, ""},
		{"", ".schema shop.store.i", -1, ".schema ", []string{"shop.store.items "}, ""},
		{"", ".timer on o", -1, ".timer on ", nil, ""},
	} {
		sh := New(Config{Catalog: shopCatalog, Formats: []string{"table", "json", "csv"}})
		sh.pending = tc.pending
		pos := tc.pos
		if pos < 0 {
			pos = len([]rune(tc.line))
		}
		head, got, tail := sh.completeLine(tc.line, pos)
		if tc.want == nil {
			if len(got) != 0 {
				t.Errorf("completeLine(%q after %q) = %q, want none", tc.line, tc.pending, got)
			}
			continue
		}
		if head != tc.head || strings.Join(got, "|") != strings.Join(tc.want, "|") || tail != tc.tail {
			t.Errorf("completeLine(%q after %q) = %q %q %q, want %q %q %q", tc.line, tc.pending, head, got, tail, tc.head, tc.want, tc.tail)
		}
	}
}
