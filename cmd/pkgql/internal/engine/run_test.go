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

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github"
	"github.com/pkgql/pkgql/provider/github/sandbox"
	"github.com/pkgql/pkgql/schema"
)

// One engine serves concurrent statements (the Postgres server's sessions),
// each on its own SQLite connection.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	users := []string{"octocat", "monalisa", "hubot"}
	types := []string{"npm", "maven", "rubygems", "docker", "nuget", "container"}
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
				sts, err := h.e.Prepare(fmt.Sprintf("SELECT count(*) FROM github.packages.user_packages WHERE username = '%s' AND package_type = '%s'", u, typ))
				if err != nil {
					errs <- err
					return
				}
				c := &collect{}
				if err := h.e.Run(context.Background(), sts[0], c); err != nil {
					errs <- err
					return
				}
				if c.res.rows[0][0] != int64(n) {
					errs <- fmt.Errorf("%s: %v, want %d", key, c.res.rows[0][0], n)
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
	h := newHarness(t, sandbox.Options{Latency: 300 * time.Millisecond, Users: []sandbox.UserSeed{{Login: "big", Packages: 2000}}}, Config{})
	sts, err := h.e.Prepare("SELECT count(*) FROM github.packages.user_packages WHERE username = 'big' AND package_type IN ('npm', 'maven', 'container')")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = h.e.Run(ctx, sts[0], &collect{})
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
	h := newHarness(t, sandbox.Options{Token: "needed"}, Config{})
	// The harness configured the provider with the sandbox's token; take it away.
	if err := h.rec.Provider.Configure(context.Background(), provider.Config{Settings: map[string]string{github.SettingBaseURL: h.url}}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'",
		"SELECT count(*) FROM github.packages.user_packages a JOIN github.packages.user_packages b ON a.id = b.id WHERE a.username = 'octocat' AND a.package_type = 'npm' AND b.username = 'hubot' AND b.package_type = 'npm'",
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
	h := newHarness(t, sandbox.Options{Users: []sandbox.UserSeed{{Login: "big", Packages: 1500}}}, Config{
		Progress: func(provider.Progress) { reports.Add(1) },
	})
	h.one("SELECT count(*) FROM github.packages.user_packages WHERE username = 'big' AND package_type = 'container'")
	if reports.Load() == 0 {
		t.Error("no progress reported")
	}
}

// The IN lists of a table are called concurrently, bounded by Concurrency,
// while SQLite reads them in order.
func TestFanOutConcurrency(t *testing.T) {
	t.Parallel()
	users := []sandbox.UserSeed{}
	var in string
	for i := range 12 {
		users = append(users, sandbox.UserSeed{Login: fmt.Sprintf("user%d", i), Packages: 30})
		if i > 0 {
			in += ", "
		}
		in += fmt.Sprintf("'user%d'", i)
	}
	for _, conc := range []int{1, 4} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sandbox.Options{Latency: 30 * time.Millisecond, Users: users}, Config{Concurrency: conc})
			var want int64
			for _, u := range users {
				want += int64(len(h.truth(u.Login, "npm")))
			}
			r := h.one("SELECT count(*) FROM github.packages.user_packages WHERE username IN (" + in + ") AND package_type = 'npm'")
			if r.rows[0][0] != want {
				t.Errorf("count %v, want %d", r.rows[0][0], want)
			}
			if got := h.requests()[sandbox.KindList]; got != len(users) {
				t.Errorf("%d listings, want %d", got, len(users))
			}
			// Calls made ahead are bounded by Concurrency; the one SQLite waits
			// for may come on top.
			if peak := h.rec.maxInFlight(); peak > conc+1 || conc > 1 && peak < 2 {
				t.Errorf("%d calls in flight at most, concurrency %d", peak, conc)
			}
		})
	}
}

// Computed columns take their type from the first row; declared ones keep
// the schema's, and an empty result keeps them unknown.
func TestComputedColumnTypes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	const from = ` FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'`
	cases := []struct {
		sql  string
		want []schema.Type
	}{
		{`SELECT COUNT(*) AS n, SUM(version_count) AS v, AVG(version_count) AS a, MAX(name) AS m, owner` + from,
			[]schema.Type{schema.Integer, schema.Integer, schema.Number, schema.String, schema.Object}},
		{`SELECT 1 AS one, 1.5 AS half, -2 AS minus, version_count / 2 AS halves, CAST(1.5 AS SIGNED) AS c, created_at` + from,
			[]schema.Type{schema.Integer, schema.Number, schema.Integer, schema.Integer, schema.Integer, schema.String}},
		{`SELECT MIN(id) AS lo, MAX(version_count) AS hi, SUM(version_count * 1.5) AS f, SUM(DISTINCT version_count) AS d` + from,
			[]schema.Type{schema.Integer, schema.Integer, schema.Number, schema.Integer}},
		{`SELECT name, CASE WHEN name = 'hello' THEN 1 ELSE 2.5 END AS mixed` + from,
			[]schema.Type{schema.String, schema.Number}},
		{`SELECT version_count * 2 AS twice, name` + from + ` AND version_count < 0`,
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
