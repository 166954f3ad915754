package engine

import (
	"context"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

// everyKind is a script with a statement of every kind.
const everyKind = `
SELECT id, name, price, visibility
  FROM shop.store.items
 WHERE shop = 'north' AND category = 'games' AND visibility = 'public'
 ORDER BY price DESC LIMIT 10;
SELECT category, COUNT(*) AS n, SUM(price) AS total
  FROM shop.store.items
 WHERE shop = 'north' AND category IN ('books', 'games') GROUP BY category;
SELECT name, JSON_EXTRACT(details, '$.full_name') AS full_name FROM shop.store.items
 WHERE shop = 'north' AND category = 'books' AND item_name = 'beacon';
DELETE FROM shop.store.items
 WHERE shop = 'north' AND category = 'books' AND item_name = 'beacon';
EXEC shop.store.items.restore_item
     @shop = 'north', @category = 'books', @item_name = 'beacon';
SHOW PROVIDERS; SHOW SERVICES IN shop; SHOW RESOURCES IN shop.store;
SHOW METHODS IN shop.store.items; DESCRIBE EXTENDED shop.store.items;
EXPLAIN SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books';
`

// A script of every kind runs end to end, and leaves what it deleted
// restored.
func TestEveryKind(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	res, err := h.exec(everyKind)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 11 {
		t.Fatalf("%d results", len(res))
	}
	if h.deleted("north", "books", "beacon") {
		t.Error("beacon was deleted and not restored")
	}
	if got := h.requests(); got[testprovider.KindDelete] != 1 || got[testprovider.KindRestore] != 1 {
		t.Errorf("requests %v", got)
	}
}

func BenchmarkPrepare(b *testing.B) {
	h := newHarness(b, testprovider.Options{}, Config{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.e.Prepare(everyKind); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSelect reads 10,002 items through the provider and SQLite,
// filters and groups them.
func BenchmarkSelect(b *testing.B) {
	h := newHarness(b, testprovider.Options{Shops: []testprovider.Shop{{Name: "big", Items: 1667}}}, Config{})
	rows := 0
	for _, c := range testprovider.Categories {
		rows += len(h.truth("big", c))
	}
	sts, err := h.e.Prepare(`SELECT category, visibility, count(*), sum(price)
	  FROM shop.store.items
	 WHERE shop = 'big' AND category IN ('books', 'games', 'music', 'tools', 'toys', 'food')
	   AND price > 0 GROUP BY 1, 2`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c := &rowset.Table{}
		if err := h.e.Run(context.Background(), sts[0], c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows), "rows/op")
}
