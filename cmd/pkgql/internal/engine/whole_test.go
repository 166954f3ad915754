package engine

import (
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

// A statement whose calls depend on another table's rows (a join) fails
// whole: when a call that a later row starts fails, none of the rows before
// it has been given out, so an answer is never a silent part of one.
func TestJoinFailsWhole(t *testing.T) {
	t.Parallel()
	const join = "SELECT i.name, r.id FROM shop.store.items i JOIN shop.store.reviews r" +
		" ON r.shop = i.shop AND r.category = i.category AND r.item_name = i.name" +
		" WHERE i.shop = 'north' AND i.category = 'books'"
	shops := []testprovider.Shop{{Name: "north", Items: 40}}
	whole := newHarness(t, testprovider.Options{Shops: shops}, Config{})
	all := whole.one(join)
	sent := 0
	for _, n := range whole.requests() {
		sent += n
	}
	if len(all.rows) == 0 || sent < 3 {
		t.Fatalf("the join gave %d rows in %d requests: too few to fail halfway", len(all.rows), sent)
	}
	for _, tc := range []struct {
		name  string
		limit int64 // requests the provider answers
		rows  int   // 0: the statement fails
	}{
		{"the last call refused", int64(sent - 1), 0},
		{"every call answered", int64(sent), len(all.rows)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testprovider.Options{Shops: shops, RateLimit: tc.limit}, Config{Concurrency: 1})
			res, err := h.exec(join)
			rows := 0
			if len(res) > 0 {
				rows = len(res[0].rows)
			}
			if tc.rows > 0 {
				if err != nil || rows != tc.rows {
					t.Fatalf("err %v, %d rows, want %d", err, rows, tc.rows)
				}
				return
			}
			if err == nil {
				t.Fatalf("the join succeeded with %d rows though a call was refused", rows)
			}
			if rows != 0 {
				t.Errorf("%d rows given out before the statement failed: %v", rows, err)
			}
		})
	}
}
