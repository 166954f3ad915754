package main

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// TestConcurrencyBound checks --concurrency as its help states it: the most
// API requests one statement has in flight, whether they are the pages of
// one listing or the listings of an IN list. GitHub allows 100 concurrent
// requests per user, across every client, so the bound must hold per
// statement, not per call.
func TestConcurrencyBound(t *testing.T) {
	var users []sandbox.UserSeed
	var logins []string
	for i := range 6 {
		users = append(users, sandbox.UserSeed{Login: fmt.Sprintf("user%d", i), Packages: 3000}) // about 9 pages of containers each
		logins = append(logins, fmt.Sprintf("'user%d'", i))
	}
	one := "SELECT COUNT(*) FROM github.packages.user_packages WHERE username = 'user0' AND package_type = 'container'"
	six := "SELECT username, COUNT(*) FROM github.packages.user_packages WHERE username IN (" + strings.Join(logins, ", ") +
		") AND package_type = 'container' GROUP BY username"
	tests := []struct {
		name        string
		sql         string
		concurrency int
		atLeast     int // in flight at some moment: the concurrency is used
	}{
		{"one listing, --concurrency 1", one, 1, 1},
		{"one listing, --concurrency 8", one, 8, 2},
		{"IN over six users, --concurrency 1", six, 1, 1},
		{"IN over six users, --concurrency 8", six, 8, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, err := startServer(sandbox.Options{Users: users, Latency: 10 * time.Millisecond, RateLimit: math.MaxInt32})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			res := runPkgql(t, srv, "--concurrency", fmt.Sprint(tc.concurrency), tc.sql)
			if res.code != 0 {
				t.Fatalf("exit status %d\n%s", res.code, res.stderr)
			}
			st := srv.Stats()
			if st.MaxInFlight > tc.concurrency || st.MaxInFlight < tc.atLeast {
				t.Errorf("%d requests in flight at most, want %d to %d (%d requests in all)", st.MaxInFlight, tc.atLeast, tc.concurrency, st.Total)
			}
		})
	}
}
