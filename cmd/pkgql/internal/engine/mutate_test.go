package engine

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
	"github.com/pkgql/pkgql/provider"
)

func TestDeleteExact(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	r := h.one(`DELETE FROM shop.store.items
	  WHERE shop = 'north' AND category = 'books' AND item_name = 'beacon'`)
	if got := h.requests(); got[testprovider.KindDelete] != 1 || len(got) != 1 {
		t.Errorf("requests %v, want exactly one DELETE", got)
	}
	if !h.deleted("north", "books", "beacon") {
		t.Error("beacon was not deleted")
	}
	want := []any{"books", "beacon", "north", "deleted", int64(204)}
	if len(r.rows) != 1 || !slices.Equal(r.rows[0][:5], want) || r.summary != "1 deleted" {
		t.Errorf("report %v %q", r.rows, r.summary)
	}

	// Restore it.
	h.reset()
	r = h.one(`EXEC shop.store.items.restore_item
	     @shop = 'north', @category = 'books', @item_name = 'beacon';`)
	if h.deleted("north", "books", "beacon") || h.requests()[testprovider.KindRestore] != 1 || r.rows[0][3] != "done" {
		t.Errorf("restore: %v %v", r.rows, h.requests())
	}
}

func TestDeleteFanOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	r := h.one(`DELETE FROM shop.store.items
	  WHERE shop IN ('north', 'east') AND category = 'books' AND item_name IN ('beacon', 'drum')`)
	if got := h.requests(); got[testprovider.KindDelete] != 4 || len(got) != 1 {
		t.Errorf("requests %v, want 4 DELETEs", got)
	}
	for _, u := range []string{"north", "east"} {
		for _, n := range []string{"beacon", "drum"} {
			if !h.deleted(u, "books", n) {
				t.Errorf("%s/%s was not deleted", u, n)
			}
		}
	}
	if r.summary != "4 deleted" {
		t.Errorf("summary %q", r.summary)
	}
}

// Every key is reported: deleted, refused with the API's reason, or failed;
// the statement fails when any key was not deleted.
func TestDeleteReport(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	res, err := h.exec(`DELETE FROM shop.store.items WHERE shop = 'north' AND category = 'books'
	  AND item_name IN ('atlas', 'no-such-item', 'tools/hammer')`)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, "2 of 3 calls of delete_item did not succeed (2 refused)") {
		t.Fatalf("error %v", err)
	}
	if pe, ok := provider.AsError(err); !ok || pe.HTTPStatus == 0 {
		t.Errorf("the provider's error is lost: %v", err)
	}
	r := res[0]
	byName := map[string][]any{}
	for i, name := range toStrings(r.column("item_name")) {
		byName[name] = r.rows[i]
	}
	if row := byName["atlas"]; row[3] != "refused" || row[4] != int64(http.StatusBadRequest) || !strings.Contains(row[5].(string), "in stock") {
		t.Errorf("an item in stock: %v", row)
	}
	if row := byName["no-such-item"]; row[3] != "refused" || row[4] != int64(http.StatusNotFound) {
		t.Errorf("a missing item: %v", row)
	}
	if row := byName["tools/hammer"]; row[3] != "deleted" {
		t.Errorf("a deletable item: %v", row)
	}
	if h.deleted("north", "books", "atlas") || !h.deleted("north", "books", "tools/hammer") {
		t.Error("the provider's data does not match the report")
	}
	if r.summary != "1 deleted, 2 refused" {
		t.Errorf("summary %q", r.summary)
	}
}

func TestDeleteNotFound(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	_, err := h.exec(`DELETE FROM shop.store.items WHERE shop = 'north' AND category = 'books' AND item_name = 'nope'`)
	pe, ok := provider.AsError(err)
	if !ok || pe.HTTPStatus != http.StatusNotFound || pe.Kind != provider.KindNotFound {
		t.Fatalf("error %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Line != 1 || !strings.Contains(e.Error(), "404") {
		t.Errorf("error %v", err)
	}
}

// A DELETE whose WHERE is wider than the key finds the keys with a SELECT,
// and deletes only what the user confirmed.
func TestDeleteWide(t *testing.T) {
	t.Parallel()
	// easel is free; beacon is not.
	const wide = `DELETE FROM shop.store.items WHERE shop = 'north' AND category = 'books'
	  AND item_name IN ('beacon', 'easel') AND price = 0`
	cases := []struct {
		name    string
		cfg     func(asked *atomic.Int32) Config
		deleted bool
		asks    int32
	}{
		{"no confirmation: nothing deleted", func(*atomic.Int32) Config { return Config{} }, false, 0},
		{"confirmation refused", func(asked *atomic.Int32) Config {
			return Config{Confirm: func(_ context.Context, q string) bool {
				asked.Add(1)
				return !strings.Contains(q, "easel")
			}}
		}, false, 1},
		{"confirmed", func(asked *atomic.Int32) Config {
			return Config{Confirm: func(_ context.Context, q string) bool {
				asked.Add(1)
				return strings.Contains(q, "category=books item_name=easel shop=north") && !strings.Contains(q, "=beacon ")
			}}
		}, true, 1},
		{"--yes", func(*atomic.Int32) Config { return Config{Yes: true} }, true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var asked atomic.Int32
			cfg := c.cfg(&asked)
			h := newHarness(t, testprovider.Options{}, cfg)
			res, err := h.exec(wide)
			if cfg.Confirm == nil && !cfg.Yes {
				// A script cannot be asked: the DELETE fails, naming --yes.
				if err == nil || !strings.Contains(err.Error(), "none was deleted") || !strings.Contains(err.Error(), "--yes") {
					t.Fatalf("unconfirmed DELETE in a script: error %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 {
				t.Fatalf("%d results", len(res))
			}
			r := res[0]
			if got := h.deleted("north", "books", "easel"); got != c.deleted {
				t.Errorf("easel deleted: %v, want %v", got, c.deleted)
			}
			if h.deleted("north", "books", "beacon") {
				t.Error("beacon was deleted: it is not free")
			}
			wantDeletes := 0
			if c.deleted {
				wantDeletes = 1
			}
			if got := h.requests()[testprovider.KindDelete]; got != wantDeletes {
				t.Errorf("%d DELETE requests, want %d", got, wantDeletes)
			}
			if len(r.rows) != 1 || r.rows[0][1] != "easel" {
				t.Errorf("report %v", r.rows)
			}
			if !c.deleted && !strings.Contains(r.summary, "none was") {
				t.Errorf("summary %q does not say nothing was deleted", r.summary)
			}
			if asked.Load() != c.asks {
				t.Errorf("asked %d times, want %d", asked.Load(), c.asks)
			}
		})
	}
}

// A DELETE's keys may come from a subquery, or from the rows of the listing
// its params bind (item_name is carried by the field name:
// schema.Param.Field). Either way: one listing, then one DELETE per item that
// matches.
func TestDeleteFoundKeys(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, sql string }{
		{"keys from a subquery", `DELETE FROM shop.store.items WHERE shop = 'north' AND category = 'books'
		  AND item_name IN (SELECT name FROM shop.store.items
		                        WHERE shop = 'north' AND category = 'books' AND price = 0 AND NOT in_stock)`},
		{"keys from the listing's rows", `DELETE FROM shop.store.items
		  WHERE shop = 'north' AND category = 'books' AND price = 0 AND in_stock = false`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testprovider.Options{}, Config{Yes: true})
			var want []string
			for _, p := range h.truth("north", "books") {
				if p.Price == 0 && !p.InStock {
					want = append(want, p.Name)
				}
			}
			got := toStrings(h.one(c.sql).column("item_name"))
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("deleted %v, want %v", got, want)
			}
			for _, n := range want {
				if !h.deleted("north", "books", n) {
					t.Errorf("%s was not deleted", n)
				}
			}
			if reqs := h.requests(); reqs[testprovider.KindDelete] != len(want) || reqs[testprovider.KindList] != 1 {
				t.Errorf("requests %v, want 1 listing and %d deletes", reqs, len(want))
			}
		})
	}
}

func TestDryRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{DryRun: true, Yes: true})
	res, err := h.exec(`
	  DELETE FROM shop.store.items WHERE shop = 'north' AND category = 'games'
	     AND item_name IN ('tools/hammer', 'easel');
	  DELETE FROM shop.store.items WHERE shop = 'north' AND category = 'books'
	     AND item_name IN ('beacon', 'easel') AND price = 0;
	  EXEC shop.store.items.restore_item @shop = 'north', @category = 'books',
	     @item_name = 'beacon', @token = 's3cret'`)
	if err != nil {
		t.Fatal(err)
	}
	want := [][][]any{
		{{"delete_item", "DELETE", "/shops/north/items/games/tools%2Fhammer"},
			{"delete_item", "DELETE", "/shops/north/items/games/easel"}},
		{{"delete_item", "DELETE", "/shops/north/items/books/easel"}},
		{{"restore_item", "POST", "/shops/north/items/books/beacon/restore?token=REDACTED"}},
	}
	for i, r := range res {
		if len(r.rows) != len(want[i]) {
			t.Fatalf("statement %d: %v", i, r.rows)
		}
		for j := range want[i] {
			if !slices.Equal(r.rows[j], want[i][j]) {
				t.Errorf("statement %d row %d = %v, want %v", i, j, r.rows[j], want[i][j])
			}
		}
		if !strings.HasPrefix(r.summary, "dry run") {
			t.Errorf("summary %q", r.summary)
		}
	}
	got := h.requests()
	if got[testprovider.KindDelete] != 0 || got[testprovider.KindRestore] != 0 || h.deleted("north", "games", "easel") {
		t.Errorf("a dry run changed something: %+v", got)
	}
	// Finding the keys of the wide DELETE reads: one GET per name.
	if got[testprovider.KindGet] != 2 || len(got) != 1 {
		t.Errorf("requests %+v", got)
	}
}
