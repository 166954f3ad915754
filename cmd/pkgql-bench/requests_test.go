package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// TestRequests runs whole pkgql processes against a sandbox that counts
// requests, and checks that each statement makes the fewest GitHub allows:
// one GET for a bound name, ceil(N/100) pages for a listing, no page past a
// LIMIT, filters in the query string, one call per IN value, a call read
// twice in a statement made once, and nothing at all for a statement that
// cannot run or a dry run.
func TestRequests(t *testing.T) {
	const n = 250 // containers: three pages, the last one short
	d := testDataset(t, n)
	names := containerNames(t, d, 3)
	public := countVisible(t, d, listType, "public")
	sel := "SELECT id, name FROM github.packages.user_packages WHERE username = 'bench' AND package_type = 'container'"
	del := "DELETE FROM github.packages.user_packages WHERE username = 'bench' AND package_type = 'npm' AND package_name = 'hello'"
	restore := "EXEC github.packages.user_packages.restore_package_for_user @username = 'bench', @package_type = 'npm', @package_name = 'hello'"

	tests := []struct {
		name   string
		flags  []string
		sql    string
		before func(t *testing.T, srv *server) // state the statement needs
		want   map[string]int                  // requests by kind
		atMost bool                            // want are upper bounds
		query  []string                        // in every listing's query string
		rows   int                             // rows printed; -1: not checked
		code   int
	}{
		{name: "get by name", sql: sel + " AND package_name = '" + names[0] + "'",
			want: map[string]int{sandbox.KindGet: 1}, rows: 1},
		{name: "get by name with a slash", sql: sel + " AND package_name = 'bench/hello-world'",
			want: map[string]int{sandbox.KindGet: 1}, rows: 1},
		{name: "full listing", sql: sel,
			want: map[string]int{sandbox.KindList: pages(n)}, query: []string{"per_page=100", "package_type=container"}, rows: n},
		{name: "listing with a WHERE filter", sql: sel + " AND version_count > 300",
			want: map[string]int{sandbox.KindList: pages(n)}, query: []string{"per_page=100"}, rows: -1},
		{name: "LIMIT 5", sql: sel + " LIMIT 5", want: map[string]int{sandbox.KindList: 1}, atMost: true, rows: 5},
		{name: "LIMIT 100", sql: sel + " LIMIT 100", want: map[string]int{sandbox.KindList: 1}, atMost: true, rows: 100},
		{name: "LIMIT 101", sql: sel + " LIMIT 101", want: map[string]int{sandbox.KindList: 2}, atMost: true, rows: 101},
		{name: "LIMIT past the end", sql: sel + " LIMIT 1000", want: map[string]int{sandbox.KindList: pages(n)}, rows: n},
		{name: "LIMIT with ORDER BY reads every page once", sql: sel + " ORDER BY version_count DESC LIMIT 5",
			want: map[string]int{sandbox.KindList: pages(n)}, rows: 5},
		{name: "visibility in the query string", sql: sel + " AND visibility = 'public'",
			want: map[string]int{sandbox.KindList: pages(public)}, query: []string{"visibility=public", "per_page=100"}, rows: public},
		{name: "IN over types: one listing each",
			sql:  "SELECT package_type, COUNT(*) FROM github.packages.user_packages WHERE username = 'bench' AND package_type IN ('npm', 'container') GROUP BY package_type",
			want: map[string]int{sandbox.KindList: pages(d.counts[groupOther]) + pages(n)}, query: []string{"per_page=100"}, rows: 2},
		{name: "IN over names: one GET each", sql: sel + " AND package_name IN ('" + strings.Join(names, "', '") + "')",
			want: map[string]int{sandbox.KindGet: 3, sandbox.KindRateLimit: 1}, rows: 3},
		{name: "IN over users: one listing each",
			sql:  "SELECT name FROM github.packages.user_packages WHERE username IN ('octocat', 'monalisa') AND package_type = 'maven'",
			want: map[string]int{sandbox.KindList: 2}, rows: -1},
		{name: "self-join makes the call once",
			sql: "SELECT a.name FROM github.packages.user_packages a JOIN github.packages.user_packages b ON a.id = b.id" +
				" WHERE a.username = 'bench' AND a.package_type = 'container' AND b.username = 'bench' AND b.package_type = 'container'",
			want: map[string]int{sandbox.KindList: pages(n)}, rows: n},
		{name: "subquery of the same call makes it once",
			sql: sel + " AND version_count = (SELECT MAX(version_count) FROM github.packages.user_packages" +
				" WHERE username = 'bench' AND package_type = 'container')",
			want: map[string]int{sandbox.KindList: pages(n)}, rows: -1},
		{name: "JOIN packages → versions: one listing, then one listing per package",
			sql:   mix(d)[queryJoin].sql,
			want:  map[string]int{sandbox.KindList: pages(d.joinCount), sandbox.KindListVersions: d.joinPages - pages(d.joinCount)},
			query: []string{"per_page=100"}, rows: -1},
		{name: "missing username: no request", sql: "SELECT id FROM github.packages.user_packages WHERE package_type = 'npm'",
			want: map[string]int{}, rows: -1, code: 1},
		{name: "missing package_type: no request", sql: "SELECT id FROM github.packages.user_packages WHERE username = 'bench'",
			want: map[string]int{}, rows: -1, code: 1},
		{name: "DELETE of a bound key: the DELETE alone", sql: del,
			want: map[string]int{sandbox.KindDelete: 1}, rows: 1},
		{name: "DELETE of two names: one DELETE each",
			sql:  "DELETE FROM github.packages.user_packages WHERE username = 'bench' AND package_type = 'npm' AND package_name IN ('hello', 'left-pad-legacy')",
			want: map[string]int{sandbox.KindDelete: 2, sandbox.KindRateLimit: 1}, rows: 2},
		{name: "DELETE wider than the key: one GET resolves it", flags: []string{"--yes"}, sql: del + " AND version_count >= 0",
			want: map[string]int{sandbox.KindGet: 1, sandbox.KindDelete: 1}, rows: 1},
		{name: "EXEC of a bound key: the POST alone", sql: restore, before: deleteHello,
			want: map[string]int{sandbox.KindRestore: 1}, rows: -1},
		{name: "--dry-run DELETE: no request", flags: []string{"--dry-run"}, sql: del,
			want: map[string]int{}, rows: 1},
		{name: "--dry-run DELETE wider than the key: the GET, no DELETE", flags: []string{"--dry-run"}, sql: del + " AND version_count >= 0",
			want: map[string]int{sandbox.KindGet: 1}, rows: 1},
		{name: "--dry-run EXEC: no request", flags: []string{"--dry-run"}, sql: restore, before: deleteHello,
			want: map[string]int{}, rows: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testServer(t, d, nil)
			if tc.before != nil {
				tc.before(t, srv)
				srv.ResetStats()
			}
			res := runPkgql(t, srv, append(append([]string{}, tc.flags...), tc.sql)...)
			if res.code != tc.code {
				t.Fatalf("exit status %d, want %d\nstderr: %s", res.code, tc.code, res.stderr)
			}
			st, log := srv.Stats(), srv.Log()
			got := map[string]int{}
			for k, v := range st.ByKind {
				if v > 0 {
					got[k] = v
				}
			}
			ok := maps.Equal(got, tc.want)
			if tc.atMost {
				ok = len(got) <= len(tc.want)
				for k, v := range got {
					ok = ok && v >= 1 && v <= tc.want[k]
				}
			}
			if !ok {
				bound := ""
				if tc.atMost {
					bound = "at most "
				}
				t.Errorf("requests %v, want %s%v\n%s", got, bound, tc.want, logText(log))
			}
			seen := map[string]bool{}
			for _, r := range log {
				key := r.Method + " " + r.Path + "?" + r.Query
				if seen[key] {
					t.Errorf("%s was requested twice\n%s", key, logText(log))
				}
				seen[key] = true
				for _, q := range tc.query {
					if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/packages") && !strings.Contains("&"+r.Query+"&", "&"+q+"&") {
						t.Errorf("listing request %s?%s lacks %s", r.Path, r.Query, q)
					}
				}
			}
			if tc.rows >= 0 {
				var rows []json.RawMessage
				if err := json.Unmarshal([]byte(res.stdout), &rows); err != nil {
					t.Fatalf("output is not one JSON array: %v\n%s", err, res.stdout)
				}
				if len(rows) != tc.rows {
					t.Errorf("%d rows, want %d", len(rows), tc.rows)
				}
			}
		})
	}
}

// deleteHello deletes bench's npm package "hello", so that it can be restored.
func deleteHello(t *testing.T, srv *server) {
	t.Helper()
	req, err := http.NewRequest(http.MethodDelete, srv.URL+"users/bench/packages/npm/hello", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("deleting hello: %s", resp.Status)
	}
}

// containerNames are the names of d's first k containers.
func containerNames(t *testing.T, d dataset, k int) []string {
	t.Helper()
	var names []string
	err := list(context.Background(), d.client(), benchUser, listType, func(p *github.Package) (bool, error) {
		names = append(names, p.GetName())
		return len(names) < k, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// countVisible counts d's packages of a type with a visibility.
func countVisible(t *testing.T, d dataset, typ, visibility string) int {
	t.Helper()
	n := 0
	err := list(context.Background(), d.client(), benchUser, typ, func(p *github.Package) (bool, error) {
		if p.GetVisibility() == visibility {
			n++
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func logText(log []sandbox.Request) string {
	var b strings.Builder
	for _, r := range log {
		fmt.Fprintf(&b, "  %d %s %s?%s\n", r.Status, r.Method, r.Path, r.Query)
	}
	return b.String()
}
