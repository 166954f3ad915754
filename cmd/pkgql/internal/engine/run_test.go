package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// One engine serves concurrent statements (the Postgres server's sessions),
// each on its own SQLite connection.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	users := []string{"north", "south", "east"}
	types := []string{"books", "music", "tools", "toys", "food", "games"}
	want := map[string]int{}
	for _, u := range users {
		for _, typ := range types {
			want[u+"/"+typ] = len(h.truth(u, typ))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(want)*2)
	for key, n := range want {
		for range 2 {
			wg.Go(func() {
				u, typ, _ := strings.Cut(key, "/")
				sts, err := h.e.Prepare(fmt.Sprintf("SELECT count(*) FROM shop.store.items WHERE shop = '%s' AND category = '%s'", u, typ))
				if err != nil {
					errs <- err
					return
				}
				c := &rowset.Table{}
				if err := h.e.Run(context.Background(), sts[0], c); err != nil {
					errs <- err
					return
				}
				if c.Rows[0][0] != int64(n) {
					errs <- fmt.Errorf("%s: %v, want %d", key, c.Rows[0][0], n)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Cancelling the context stops the statement and every call it has in
// flight, promptly.
func TestCancel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{Latency: 300 * time.Millisecond, Shops: []testprovider.Shop{{Name: "big", Items: 2000}}}, Config{})
	sts, err := h.e.Prepare("SELECT count(*) FROM shop.store.items WHERE shop = 'big' AND category IN ('books', 'music', 'games')")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = h.e.Run(ctx, sts[0], &rowset.Table{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("stopped after %v", d)
	}
}

// The provider's errors come out with the API's status and message, placed
// at the statement.
func TestProviderError(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{Token: "needed"}, Config{})
	// The harness configured the provider with the token it answers; take it away.
	if err := h.p.Configure(context.Background(), provider.Config{}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"SELECT name FROM shop.store.items WHERE shop = 'north' AND category = 'books'",
		"SELECT count(*) FROM shop.store.items a JOIN shop.store.items b ON a.id = b.id WHERE a.shop = 'north' AND a.category = 'books' AND b.shop = 'east' AND b.category = 'books'",
	} {
		_, err := h.exec(sql)
		pe, ok := provider.AsError(err)
		if !ok || pe.HTTPStatus != http.StatusUnauthorized || pe.Kind != provider.KindAuth {
			t.Fatalf("%s: error %v", sql, err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Line != 1 || e.Message != pe.Error() {
			t.Errorf("%s: error %#v", sql, e)
		}
	}
}

// Progress reports of the provider reach Config.Progress.
func TestProgress(t *testing.T) {
	t.Parallel()
	var reports atomic.Int32
	h := newHarness(t, testprovider.Options{Shops: []testprovider.Shop{{Name: "big", Items: 1500}}}, Config{
		Progress: func(provider.Progress) { reports.Add(1) },
	})
	h.one("SELECT count(*) FROM shop.store.items WHERE shop = 'big' AND category = 'games'")
	if reports.Load() == 0 {
		t.Error("no progress reported")
	}
}

// The IN lists of a table are called concurrently, bounded by Concurrency,
// while SQLite reads them in order.
func TestFanOutConcurrency(t *testing.T) {
	t.Parallel()
	var shops []testprovider.Shop
	var in string
	for i := range 12 {
		shops = append(shops, testprovider.Shop{Name: fmt.Sprintf("shop%d", i), Items: 30})
		if i > 0 {
			in += ", "
		}
		in += fmt.Sprintf("'shop%d'", i)
	}
	for _, conc := range []int{1, 4} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testprovider.Options{Latency: 30 * time.Millisecond, Shops: shops}, Config{Concurrency: conc})
			var want int64
			for _, s := range shops {
				want += int64(len(h.truth(s.Name, "books")))
			}
			r := h.one("SELECT count(*) FROM shop.store.items WHERE shop IN (" + in + ") AND category = 'books'")
			if r.rows[0][0] != want {
				t.Errorf("count %v, want %d", r.rows[0][0], want)
			}
			if got := h.requests()[testprovider.KindList]; got != len(shops) {
				t.Errorf("%d listings, want %d", got, len(shops))
			}
			// Calls made ahead are bounded by Concurrency; the one SQLite waits
			// for may come on top.
			if peak := h.p.MaxInFlight(); peak > conc+1 || conc > 1 && peak < 2 {
				t.Errorf("%d calls in flight at most, concurrency %d", peak, conc)
			}
		})
	}
}

// Computed columns take their type from the first row; declared ones keep
// the schema's, and an empty result keeps them unknown.
func TestComputedColumnTypes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	const from = ` FROM shop.store.items WHERE shop = 'north' AND category = 'books'`
	cases := []struct {
		sql  string
		want []schema.Type
	}{
		{`SELECT COUNT(*) AS n, SUM(price) AS v, AVG(price) AS a, MAX(name) AS m, maker` + from,
			[]schema.Type{schema.Integer, schema.Integer, schema.Number, schema.String, schema.Object}},
		{`SELECT 1 AS one, 1.5 AS half, -2 AS minus, price / 2 AS halves, CAST(1.5 AS SIGNED) AS c, created_at` + from,
			[]schema.Type{schema.Integer, schema.Number, schema.Integer, schema.Integer, schema.Integer, schema.String}},
		{`SELECT MIN(id) AS lo, MAX(price) AS hi, SUM(price * 1.5) AS f, SUM(DISTINCT price) AS d` + from,
			[]schema.Type{schema.Integer, schema.Integer, schema.Number, schema.Integer}},
		{`SELECT name, CASE WHEN name = 'hello' THEN 1 ELSE 2.5 END AS mixed` + from,
			[]schema.Type{schema.String, schema.Number}},
		{`SELECT price * 2 AS twice, name` + from + ` AND price < 0`,
			[]schema.Type{schema.Integer, schema.String}},
	}
	for _, c := range cases {
		r := h.one(c.sql)
		var got []schema.Type
		for _, col := range r.cols {
			got = append(got, col.Type)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: types %v, want %v", c.sql, got, c.want)
		}
	}
}
