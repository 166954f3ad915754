package engine

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
	"github.com/pkgql/pkgql/schema"
)

// Every case runs on its own sandbox, checks the rows against the sandbox's
// own HTTP answers (read without the engine) and counts the requests.
func TestSelect(t *testing.T) {
	t.Parallel()
	type check func(t *testing.T, h *harness, sql string)
	cases := []struct {
		name  string
		check check
	}{
		{"filter, order and limit (DESIGN)", func(t *testing.T, h *harness, _ string) {
			want := h.truth("octocat", "container")
			want = slices.DeleteFunc(want, func(p pkg) bool { return p.Visibility != "public" })
			slices.SortStableFunc(want, func(a, b pkg) int { return cmp.Compare(b.VersionCount, a.VersionCount) })
			r := h.one(`SELECT id, name, version_count, visibility
			  FROM github.packages.user_packages
			 WHERE username = 'octocat' AND package_type = 'container' AND visibility = 'public'
			 ORDER BY version_count DESC LIMIT 10;`)
			if len(r.rows) != min(10, len(want)) {
				t.Fatalf("%d rows, want %d", len(r.rows), min(10, len(want)))
			}
			byID := map[int64]pkg{}
			for _, p := range want {
				byID[p.ID] = p
			}
			for i, row := range r.rows {
				p, ok := byID[row[0].(int64)]
				if !ok || row[1] != p.Name || row[2] != p.VersionCount || row[3] != "public" || p.VersionCount != want[i].VersionCount {
					t.Errorf("row %d = %v, want version_count %d", i, row, want[i].VersionCount)
				}
			}
			wantCols := []rowset.Column{{Name: "id", Type: schema.Integer}, {Name: "name", Type: schema.String}, {Name: "version_count", Type: schema.Integer}, {Name: "visibility", Type: schema.String}}
			if !slices.Equal(r.cols, wantCols) {
				t.Errorf("columns %v", r.cols)
			}
			if got := h.requests(); got[sandbox.KindList] != 1 || len(got) != 1 {
				t.Errorf("requests %v, want one listing", got)
			}
			log := h.log()
			if len(log) != 1 || !strings.Contains(log[0].Query, "visibility=public") || !strings.Contains(log[0].Query, "per_page=100") {
				t.Errorf("visibility not pushed down: %+v", log)
			}
		}},
		{"aggregates over an IN list (DESIGN)", func(t *testing.T, h *harness, _ string) {
			want := map[string][2]int64{}
			for _, typ := range []string{"npm", "container"} {
				for _, p := range h.truth("octocat", typ) {
					w := want[typ]
					want[typ] = [2]int64{w[0] + 1, w[1] + p.VersionCount}
				}
			}
			r := h.one(`SELECT package_type, COUNT(*) AS n, SUM(version_count) AS versions
			  FROM github.packages.user_packages
			 WHERE username = 'octocat' AND package_type IN ('npm', 'container') GROUP BY package_type`)
			got := map[string][2]int64{}
			for _, row := range r.rows {
				got[row[0].(string)] = [2]int64{row[1].(int64), row[2].(int64)}
			}
			if !maps.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if got := h.requests(); got[sandbox.KindList] != 2 || len(got) != 1 {
				t.Errorf("requests %v, want two listings", got)
			}
		}},
		{"package_name bound: one GET (DESIGN)", func(t *testing.T, h *harness, _ string) {
			r := h.one(`SELECT name, JSON_EXTRACT(repository, '$.full_name') AS repo, username, package_name
			  FROM github.packages.user_packages
			 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';`)
			if len(r.rows) != 1 || r.rows[0][0] != "hello" || r.rows[0][1] != "octocat/hello" || r.rows[0][2] != "octocat" || r.rows[0][3] != "hello" {
				t.Errorf("rows %v", r.rows)
			}
			if got := h.requests(); got[sandbox.KindGet] != 1 || len(got) != 1 {
				t.Errorf("requests %v, want exactly one GET", got)
			}
		}},
		{"container name with a slash is one escaped GET", func(t *testing.T, h *harness, _ string) {
			r := h.one(`SELECT id, name FROM github.packages.user_packages
			 WHERE username = 'octocat' AND package_type = 'container' AND package_name = 'octocat/hello-world'`)
			if len(r.rows) != 1 || r.rows[0][1] != "octocat/hello-world" {
				t.Errorf("rows %v", r.rows)
			}
			if log := h.log(); len(log) != 1 || !strings.HasSuffix(log[0].Path, "/container/octocat%2Fhello-world") {
				t.Errorf("requests %+v", log)
			}
		}},
		{"WHERE on fields the API cannot filter", func(t *testing.T, h *harness, _ string) {
			var want []string
			for _, p := range h.truth("octocat", "npm") {
				if p.VersionCount == 0 || p.VersionCount > 20 && p.Visibility != "public" {
					want = append(want, p.Name)
				}
			}
			r := h.one(`SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'
			  AND (version_count = 0 OR version_count > 20 AND visibility <> 'public') ORDER BY id`)
			if got := strings.Join(toStrings(r.column("name")), ","); got != strings.Join(want, ",") || len(want) == 0 {
				t.Errorf("got %s, want %s", got, want)
			}
		}},
		{"GROUP BY and HAVING", func(t *testing.T, h *harness, _ string) {
			counts := map[string]int64{}
			for _, p := range h.truth("octocat", "npm") {
				counts[p.Visibility]++
			}
			r := h.one(`SELECT visibility, count(*) AS n FROM github.packages.user_packages
			 WHERE username = 'octocat' AND package_type = 'npm' GROUP BY visibility HAVING count(*) >= 2 ORDER BY visibility`)
			var want []string
			for _, v := range slices.Sorted(maps.Keys(counts)) {
				if counts[v] >= 2 {
					want = append(want, v)
				}
			}
			if got := toStrings(r.column("visibility")); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			for _, row := range r.rows {
				if row[1] != counts[row[0].(string)] {
					t.Errorf("row %v, want %d", row, counts[row[0].(string)])
				}
			}
		}},
		{"date functions", func(t *testing.T, h *harness, _ string) {
			want := map[string]int64{}
			for _, p := range h.truth("monalisa", "container") {
				want[p.CreatedAt[:4]]++
			}
			r := h.one(`SELECT strftime('%Y', created_at) AS year, count(*) FROM github.packages.user_packages
			 WHERE username = 'monalisa' AND package_type = 'container' AND date(created_at) >= '2019-01-01' GROUP BY year`)
			got := map[string]int64{}
			for _, row := range r.rows {
				got[row[0].(string)] = row[1].(int64)
			}
			if !maps.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		}},
		{"JSON_EXTRACT on owner and repository", func(t *testing.T, h *harness, _ string) {
			var want []string
			for _, p := range h.truth("hubot", "npm") {
				var repo struct {
					FullName string `json:"full_name"`
				}
				if string(p.Repository) != "null" {
					if err := json.Unmarshal(p.Repository, &repo); err != nil {
						t.Fatal(err)
					}
					want = append(want, repo.FullName)
				}
			}
			r := h.one(`SELECT JSON_EXTRACT(repository, '$.full_name') AS repo FROM github.packages.user_packages
			 WHERE username = 'hubot' AND package_type = 'npm' AND JSON_EXTRACT(owner, '$.login') = 'hubot'
			   AND repository IS NOT NULL ORDER BY id`)
			if got := toStrings(r.column("repo")); !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("got %v, want %v", got, want)
			}
		}},
		{"types: numbers, NULL, objects", func(t *testing.T, h *harness, _ string) {
			r := h.one(`SELECT id, version_count, repository, owner, name FROM github.packages.user_packages
			 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'left-pad-legacy'`)
			row := r.rows[0]
			if _, ok := row[0].(int64); !ok || row[1] != int64(0) || row[2] != nil {
				t.Errorf("row %v", row)
			}
			owner, ok := row[3].(provider.JSON)
			var o map[string]any
			if !ok || json.Unmarshal(owner, &o) != nil || o["login"] != "octocat" {
				t.Errorf("owner %v (%T)", row[3], row[3])
			}
			if r.cols[2].Type != schema.Object || r.cols[3].Type != schema.Object {
				t.Errorf("columns %v", r.cols)
			}
		}},
		{"SELECT * has the fields, not the params", func(t *testing.T, h *harness, _ string) {
			r := h.one(`SELECT * FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' LIMIT 1`)
			var names []string
			for _, c := range r.cols {
				names = append(names, c.Name)
			}
			want := []string{"id", "name", "created_at", "html_url", "owner", "package_type", "repository", "updated_at", "url", "version_count", "visibility"}
			if !slices.Equal(names, want) {
				t.Errorf("columns %v", names)
			}
		}},
		{"IN subquery", func(t *testing.T, h *harness, _ string) {
			names := map[string]bool{}
			for _, p := range h.truth("octocat", "npm") {
				names[p.Name] = true
			}
			var want []string
			for _, p := range h.truth("monalisa", "npm") {
				if names[p.Name] {
					want = append(want, p.Name)
				}
			}
			r := h.one(`SELECT name FROM github.packages.user_packages WHERE username = 'monalisa' AND package_type = 'npm'
			   AND name IN (SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm') ORDER BY id`)
			if got := toStrings(r.column("name")); !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("got %v, want %v", got, want)
			}
			if got := h.requests(); got[sandbox.KindList] != 2 {
				t.Errorf("requests %v, want two listings", got)
			}
		}},
		{"username bound by another query", func(t *testing.T, h *harness, _ string) {
			var want []string
			for _, u := range []string{"hubot", "monalisa"} {
				for _, p := range h.truth(u, "maven") {
					want = append(want, p.Name)
				}
			}
			slices.Sort(want)
			r := h.one(`SELECT p.name FROM github.packages.user_packages p
			 WHERE p.package_type = 'maven' AND p.username IN (
			   SELECT JSON_EXTRACT(owner, '$.login') FROM github.packages.user_packages
			    WHERE username IN ('hubot', 'monalisa') AND package_type = 'npm')
			 ORDER BY p.name`)
			if got := toStrings(r.column("name")); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			// Two listings for the subquery, one per user found: no listing per row.
			if got := h.requests(); got[sandbox.KindList] != 4 {
				t.Errorf("requests %v, want 4 listings", got)
			}
		}},
		{"join binds the param row by row; the same call is made once", func(t *testing.T, h *harness, _ string) {
			mavens := len(h.truth("hubot", "maven"))
			npms := len(h.truth("hubot", "npm"))
			r := h.one(`SELECT count(*) FROM github.packages.user_packages a
			  JOIN github.packages.user_packages b ON b.username = JSON_EXTRACT(a.owner, '$.login') AND b.package_type = 'npm'
			 WHERE a.username = 'hubot' AND a.package_type = 'maven'`)
			if r.rows[0][0] != int64(mavens*npms) {
				t.Errorf("count %v, want %d", r.rows[0][0], mavens*npms)
			}
			if got := h.requests(); got[sandbox.KindList] != 2 {
				t.Errorf("requests %v, want one listing per table", got)
			}
		}},
		{"self-join reads its call once", func(t *testing.T, h *harness, _ string) {
			n := len(h.truth("octocat", "container"))
			r := h.one(`SELECT count(*) FROM github.packages.user_packages a, github.packages.user_packages b
			 WHERE a.username = 'octocat' AND a.package_type = 'container'
			   AND b.username = 'octocat' AND b.package_type = 'container' AND a.id = b.id`)
			if r.rows[0][0] != int64(n) {
				t.Errorf("count %v, want %d", r.rows[0][0], n)
			}
			if got := h.requests(); got[sandbox.KindList] != 1 || len(got) != 1 {
				t.Errorf("requests %v, want one listing", got)
			}
		}},
		{"correlated subquery evaluated per row, called once", func(t *testing.T, h *harness, _ string) {
			want := h.truth("octocat", "npm")
			r := h.one(`SELECT name, (SELECT count(*) FROM github.packages.user_packages i
			   WHERE i.username = 'octocat' AND i.package_type = 'npm' AND i.version_count > o.version_count) AS more
			  FROM github.packages.user_packages o WHERE o.username = 'octocat' AND o.package_type = 'npm' ORDER BY id LIMIT 3`)
			for i, row := range r.rows {
				var more int64
				for _, p := range want {
					if p.VersionCount > want[i].VersionCount {
						more++
					}
				}
				if row[0] != want[i].Name || row[1] != more {
					t.Errorf("row %v, want %s %d", row, want[i].Name, more)
				}
			}
			if got := h.requests(); got[sandbox.KindList] != 1 {
				t.Errorf("requests %v, want one listing", got)
			}
		}},
		{"IN lists fan out, one call each", func(t *testing.T, h *harness, _ string) {
			var want int64
			for _, u := range []string{"octocat", "monalisa", "hubot"} {
				for _, typ := range []string{"npm", "rubygems"} {
					want += int64(len(h.truth(u, typ)))
				}
			}
			r := h.one(`SELECT count(*) FROM packages.user_packages
			 WHERE username IN ('octocat', 'monalisa', 'hubot') AND package_type IN ('npm', 'rubygems')`)
			if r.rows[0][0] != want {
				t.Errorf("count %v, want %d", r.rows[0][0], want)
			}
			if got := h.requests(); got[sandbox.KindList] != 6 {
				t.Errorf("requests %v, want 6 listings", got)
			}
		}},
		{"OR of equalities is an IN list", func(t *testing.T, h *harness, _ string) {
			want := len(h.truth("octocat", "nuget")) + len(h.truth("hubot", "nuget"))
			r := h.one(`SELECT id FROM github.packages.user_packages
			 WHERE (username = 'octocat' OR username = 'hubot') AND package_type = 'nuget'`)
			if len(r.rows) != want {
				t.Errorf("%d rows, want %d", len(r.rows), want)
			}
		}},
		{"only the columns read are asked for", func(t *testing.T, h *harness, _ string) {
			h.one(`SELECT name, owner FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND version_count > 1`)
			reqs := h.rec.requests()
			if len(reqs) != 1 {
				t.Fatalf("requests %v", reqs)
			}
			cols := slices.Sorted(slices.Values(reqs[0].Columns))
			if want := []string{"name", "owner", "package_type", "version_count"}; !slices.Equal(cols, want) {
				t.Errorf("columns asked %v, want %v", cols, want)
			}
			if reqs[0].Limit != 0 || reqs[0].Method != "list_packages_for_user" {
				t.Errorf("request %+v", reqs[0])
			}
		}},
		{"COUNT(*) asks for one column", func(t *testing.T, h *harness, _ string) {
			h.one(`SELECT count(*) FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'`)
			if reqs := h.rec.requests(); len(reqs) != 1 || len(reqs[0].Columns) != 1 {
				t.Errorf("requests %+v", reqs)
			}
		}},
		{"NULL binds nothing and calls nothing", func(t *testing.T, h *harness, _ string) {
			r := h.one(`SELECT id FROM github.packages.user_packages WHERE username = NULL AND package_type = 'npm'`)
			if len(r.rows) != 0 || len(h.rec.requests()) != 0 {
				t.Errorf("rows %v, requests %v", r.rows, h.rec.requests())
			}
		}},
		{"SELECT without a table", func(t *testing.T, h *harness, _ string) {
			r := h.one(`SELECT 1 + 2 AS three, 'a''b' AS s, upper('x')`)
			if !slices.Equal(r.rows[0], []any{int64(3), "a'b", "X"}) || r.cols[2].Name != "upper('x')" {
				t.Errorf("row %v cols %v", r.rows, r.cols)
			}
		}},
		{"UNION and a subquery in FROM", func(t *testing.T, h *harness, _ string) {
			want := len(h.truth("octocat", "docker")) + len(h.truth("hubot", "docker"))
			r := h.one(`SELECT count(*) FROM (
			   SELECT id FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'docker'
			   UNION ALL
			   SELECT id FROM github.packages.user_packages WHERE username = 'hubot' AND package_type = 'docker') AS t`)
			if r.rows[0][0] != int64(want) {
				t.Errorf("count %v, want %d", r.rows[0][0], want)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sandbox.Options{}, Config{})
			c.check(t, h, "")
		})
	}
}

// LIMIT reaches the provider when nothing between the call and the LIMIT can
// drop a row, and paging stops there.
func TestLimitPushdown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{Users: []sandbox.UserSeed{{Login: "big", Packages: 3000}}}, Config{})
	cases := []struct {
		sql       string
		limit     int64
		maxListed int
	}{
		{"SELECT id FROM github.packages.user_packages WHERE username = 'big' AND package_type = 'npm' LIMIT 5", 5, 1},
		{"SELECT id FROM github.packages.user_packages WHERE username = 'big' AND package_type = 'npm' LIMIT 150", 150, 2},
		{"SELECT id FROM github.packages.user_packages WHERE username = 'big' AND package_type = 'npm' LIMIT 5 OFFSET 100", 105, 2},
		// ORDER BY needs every row: no limit reaches the call.
		{"SELECT id FROM github.packages.user_packages WHERE username = 'big' AND package_type = 'npm' ORDER BY version_count LIMIT 5", 0, 100},
		// The host checks visibility again, so it cannot take the limit.
		{"SELECT id FROM github.packages.user_packages WHERE username = 'big' AND package_type = 'npm' AND visibility = 'public' LIMIT 5", 0, 100},
	}
	total := len(h.truth("big", "npm"))
	for _, c := range cases {
		h.reset()
		before := len(h.rec.requests())
		r := h.one(c.sql)
		want := min(5, total)
		if c.limit == 150 {
			want = min(150, total)
		}
		if len(r.rows) != want {
			t.Errorf("%s: %d rows, want %d", c.sql, len(r.rows), want)
		}
		reqs := h.rec.requests()[before:]
		if len(reqs) != 1 || reqs[0].Limit != c.limit {
			t.Errorf("%s: requests %+v, want one with limit %d", c.sql, reqs, c.limit)
		}
		if got := h.requests()[sandbox.KindList]; got > c.maxListed {
			t.Errorf("%s: %d pages listed, want at most %d", c.sql, got, c.maxListed)
		}
	}
}

func toStrings(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i], _ = v.(string)
	}
	return out
}
