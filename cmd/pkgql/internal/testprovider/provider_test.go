package testprovider

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/pkgql/pkgql/provider"
)

// run calls p and gathers the rows it emits.
func run(p *Provider, req provider.Request) ([][]any, provider.Result, error) {
	var rows [][]any
	res, err := p.Call(context.Background(), req, func(b provider.Batch) error {
		rows = append(rows, b.Rows...)
		return nil
	})
	return rows, res, err
}

func TestProvider(t *testing.T) {
	t.Parallel()
	list := func(shop, cat string, limit int64, cols ...string) provider.Request {
		return provider.Request{Service: "store", Resource: "items", Method: "list_items",
			Params: map[string]string{"shop": shop, "category": cat}, Limit: limit, Columns: cols}
	}
	for _, tc := range []struct {
		name   string
		opts   Options
		req    provider.Request
		rows   int
		counts map[string]int
		kind   string // of the error, when one is wanted
		status int
	}{
		{name: "one page", req: list("north", "books", 0), rows: 9, counts: map[string]int{KindList: 1}},
		{name: "three pages", opts: Options{Shops: []Shop{{Name: "big", Items: 250}}}, req: list("big", "food", 0), rows: 250, counts: map[string]int{KindList: 3}},
		{name: "a limit stops paging", opts: Options{Shops: []Shop{{Name: "big", Items: 250}}}, req: list("big", "food", 150), rows: 150, counts: map[string]int{KindList: 2}},
		{name: "an empty category", req: list("north", "tools", 0), rows: 0, counts: map[string]int{KindList: 1}},
		{name: "no such shop", req: list("west", "books", 0), counts: map[string]int{KindList: 1}, kind: provider.KindNotFound, status: http.StatusNotFound},
		{name: "a required param missing", req: provider.Request{Service: "store", Resource: "items", Method: "list_items", Params: map[string]string{"shop": "north"}},
			counts: map[string]int{}, kind: provider.KindInvalid},
		{name: "not an enum value", req: list("north", "bookz", 0), counts: map[string]int{}, kind: provider.KindInvalid},
		{name: "an unknown column", req: list("north", "books", 0, "nope"), counts: map[string]int{}, kind: provider.KindInvalid},
		{name: "the wrong token", opts: Options{Token: "right"}, req: list("north", "books", 0), counts: map[string]int{KindList: 1}, kind: provider.KindAuth, status: http.StatusUnauthorized},
		{name: "rate limited", opts: Options{RateLimit: 1, Shops: []Shop{{Name: "big", Items: 250}}}, req: list("big", "food", 0), rows: 100,
			counts: map[string]int{KindList: 2}, kind: provider.KindRateLimit, status: http.StatusTooManyRequests},
		{name: "get", req: provider.Request{Service: "store", Resource: "items", Method: "get_item",
			Params: map[string]string{"shop": "north", "category": "books", "item_name": "tools/hammer"}}, rows: 1, counts: map[string]int{KindGet: 1}},
		{name: "reviews above a floor", req: provider.Request{Service: "store", Resource: "reviews", Method: "list_reviews",
			Params: map[string]string{"shop": "north", "category": "books", "item_name": "compass", "min_stars": "3"}}, rows: 2, counts: map[string]int{KindList: 1}},
		{name: "an item in stock stays", req: provider.Request{Service: "store", Resource: "items", Method: "delete_item",
			Params: map[string]string{"shop": "north", "category": "books", "item_name": "atlas"}}, counts: map[string]int{KindDelete: 1}, kind: provider.KindAPI, status: http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := New(tc.opts)
			if err := p.Configure(context.Background(), provider.Config{Settings: map[string]string{"token": "wrong"}}); err != nil {
				t.Fatal(err)
			}
			rows, _, err := run(p, tc.req)
			var pe *provider.Error
			if tc.kind == "" && err != nil || tc.kind != "" && (!errors.As(err, &pe) || pe.Kind != tc.kind || pe.HTTPStatus != tc.status) {
				t.Fatalf("error %v, want kind %q status %d", err, tc.kind, tc.status)
			}
			if len(rows) != tc.rows {
				t.Errorf("%d rows, want %d", len(rows), tc.rows)
			}
			if got := p.Counts(); !reflect.DeepEqual(got, tc.counts) {
				t.Errorf("requests %v, want %v", got, tc.counts)
			}
		})
	}
}

// The data is the same for the same seeds, and its rows are the items the
// provider reports.
func TestRowsAreTheData(t *testing.T) {
	t.Parallel()
	a, b := New(Options{}), New(Options{})
	rows, _, err := run(a, provider.Request{Service: "store", Resource: "items", Method: "list_items",
		Params: map[string]string{"shop": "south", "category": "games", "visibility": "public"}, Columns: []string{"id", "name", "in_stock", "shop"}})
	if err != nil {
		t.Fatal(err)
	}
	var want [][]any
	for _, it := range b.Items("south", "games") {
		if it.Visibility == "public" {
			want = append(want, []any{it.ID, it.Name, it.InStock, "south"})
		}
	}
	if len(want) == 0 || !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %v, want %v", rows, want)
	}
}

// A delete takes the item out of the listings until it is restored; a check
// refuses the pinned reviews and deletes nothing.
func TestMutations(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	key := map[string]string{"shop": "north", "category": "books", "item_name": "beacon"}
	for _, m := range []string{"delete_item", "restore_item"} {
		_, res, err := run(p, provider.Request{Service: "store", Resource: "items", Method: m, Params: key})
		if err != nil || res.HTTPStatus != http.StatusNoContent {
			t.Fatalf("%s: %v %+v", m, err, res)
		}
		it, _ := p.Item("north", "books", "beacon")
		if it.Deleted != (m == "delete_item") {
			t.Errorf("after %s: deleted %v", m, it.Deleted)
		}
	}
	keys := []map[string]string{{"review_id": "10000040"}, {"review_id": "10000041"}}
	rows, _, err := run(p, provider.Request{Service: "store", Resource: "reviews", Method: "delete_review", Check: true, Keys: keys})
	if err != nil || !reflect.DeepEqual(rows, [][]any{{"kept: the review is pinned"}, {nil}}) {
		t.Errorf("check: %v %v", rows, err)
	}
	if p.ReviewDeleted(10000040) || p.ReviewDeleted(10000041) {
		t.Error("a check deleted a review")
	}
}
