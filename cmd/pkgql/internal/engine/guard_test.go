package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

// guardedDelete deletes the low-rated reviews of four items; the provider's
// check keeps the pinned ones.
const guardedDelete = "DELETE FROM shop.store.reviews WHERE shop = 'north' AND category = 'games'" +
	" AND item_name IN ('atlas', 'beacon', 'tools/hammer', 'flute') AND stars <= 3"

// TestGuardHook: a DELETE through a Guarded method hands the provider every
// key in one Check call before any deletion, deletes only what it allows,
// and deletes nothing when the check fails; SkipGuard sends no check.
func TestGuardHook(t *testing.T) {
	t.Parallel()
	var keys, pinned int
	for _, it := range testprovider.New(testprovider.Options{}).Items("north", "games") {
		switch it.Name {
		case "atlas", "beacon", "tools/hammer", "flute":
		default:
			continue
		}
		for _, r := range it.Reviews {
			if r.Stars <= 3 {
				keys++
				if r.Pinned {
					pinned++
				}
			}
		}
	}
	if pinned == 0 || pinned == keys {
		t.Fatalf("%d keys, %d pinned: the cases cannot fail", keys, pinned)
	}
	tests := []struct {
		name              string
		cfg               Config
		down              bool
		wantErr           string
		deletes, refusals int
		checks            int
	}{
		{name: "check fails", cfg: Config{Yes: true}, down: true, wantErr: "nothing was deleted", checks: 1},
		{name: "dry run", cfg: Config{DryRun: true}, checks: 1, refusals: pinned},
		{name: "guarded", cfg: Config{Yes: true}, wantErr: fmt.Sprintf("(%d refused)", pinned), checks: 1, deletes: keys - pinned, refusals: pinned},
		{name: "skip guard", cfg: Config{Yes: true, SkipGuard: true}, deletes: keys},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testprovider.Options{}, tt.cfg)
			h.p.SetCheckDown(tt.down)
			res, err := h.exec(guardedDelete)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			checks, deletes, firstDelete, lastCheck := 0, 0, -1, -1
			for i, req := range h.calls() {
				switch {
				case req.Check:
					checks++
					lastCheck = i
					if len(req.Keys) != keys {
						t.Errorf("the check got %d keys, want the statement's %d", len(req.Keys), keys)
					}
				case req.Method == "delete_review":
					deletes++
					if firstDelete < 0 {
						firstDelete = i
					}
				}
			}
			if checks != tt.checks || deletes != tt.deletes || (firstDelete >= 0 && firstDelete < lastCheck) {
				t.Errorf("%d checks, %d deletes (first at %d, check at %d); want %d, %d", checks, deletes, firstDelete, lastCheck, tt.checks, tt.deletes)
			}
			if got := h.requests()[testprovider.KindDelete]; got != tt.deletes {
				t.Errorf("%d DELETE requests, want %d", got, tt.deletes)
			}
			refused := 0
			for _, r := range res {
				for _, row := range r.rows {
					for _, v := range row {
						if s, ok := v.(string); ok && strings.Contains(s, "kept: the review is pinned") {
							refused++
							break
						}
					}
				}
			}
			if refused != tt.refusals {
				t.Errorf("%d rows refused, want %d", refused, tt.refusals)
			}
		})
	}
}

// An integer param binds as a number: pushed down to the listing, and
// carried by a field for a GET.
func TestIntegerParam(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	it, _ := h.p.Item("north", "books", "compass")
	var want []any
	for _, r := range it.Reviews {
		if r.Stars >= 3 {
			want = append(want, r.ID)
		}
	}
	if len(want) == 0 || len(want) == len(it.Reviews) {
		t.Fatalf("reviews %v: the case cannot fail", it.Reviews)
	}
	r := h.one("SELECT id, min_stars FROM shop.store.reviews WHERE shop = 'north' AND category = 'books' AND item_name = 'compass' AND min_stars = 3 ORDER BY id")
	if got := r.column("id"); !slices.Equal(got, want) {
		t.Errorf("ids %v, want %v", got, want)
	}
	// The hidden param column is INTEGER: it echoes the number, not its text.
	for _, v := range r.column("min_stars") {
		if v != int64(3) {
			t.Errorf("min_stars is %T %#v, want int64 3", v, v)
		}
	}
	if log := h.log(); len(log) != 1 || !strings.HasSuffix(log[0].Path, "/reviews?min_stars=3#page=1") {
		t.Errorf("min_stars not pushed down: %+v", log)
	}
	h.reset()
	r = h.one("SELECT stars, verified FROM shop.store.reviews WHERE shop = 'north' AND category = 'books' AND item_name = 'compass' AND review_id = " + fmt.Sprint(want[0]))
	if got := h.requests(); got[testprovider.KindGet] != 1 || len(got) != 1 || len(r.rows) != 1 {
		t.Errorf("a bound review_id: requests %v, rows %v", got, r.rows)
	}
	if _, ok := r.rows[0][1].(bool); !ok {
		t.Errorf("verified is %T", r.rows[0][1])
	}
	if _, err := h.exec("SELECT id FROM shop.store.reviews WHERE shop = 'north' AND category = 'books' AND item_name = 'compass' AND min_stars = 'many'"); err == nil {
		t.Error("a text bound to an integer param was taken")
	}
}
