package githubtest

import (
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// A method that excludes a param is chosen only when the statement leaves it
// unbound, in any join order; binding two params that exclude each other is
// an error before any request.
func TestExcludedParamsChooseTheMethod(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, engine.Config{})
	for _, tc := range []struct {
		sql, method, err string
	}{
		{sql: "SELECT name FROM github.packages.packages WHERE org = 'acme' AND package_type = 'npm'", method: "list_packages_for_organization"},
		{sql: "SELECT name FROM github.packages.packages WHERE username = 'monalisa' AND package_type = 'npm'", method: "list_packages_for_user"},
		{sql: "SELECT name FROM github.packages.packages WHERE package_type = 'npm'", method: "list_packages_for_authenticated_user"},
		{sql: "SELECT name FROM github.packages.packages WHERE package_type = 'npm' AND package_name = 'hello'", method: "get_package_for_authenticated_user"},
		{sql: "SELECT name FROM github.packages.packages WHERE org = 'acme' AND username = 'octocat' AND package_type = 'npm'",
			err: "cannot bind org and username together"},
		// org bound from another table: never the authenticated user's
		// method, whatever order SQLite tries.
		{sql: "SELECT v.name FROM github.packages.packages p JOIN github.packages.package_versions v" +
			" ON v.org = p.org AND v.package_type = p.package_type AND v.package_name = p.name" +
			" WHERE p.org = 'acme' AND p.package_type = 'npm' AND p.package_name = 'hello'", method: "get_all_package_versions_for_package_owned_by_org"},
	} {
		h.rec.mu.Lock()
		h.rec.reqs = nil
		h.rec.mu.Unlock()
		h.reset()
		_, err := h.exec(tc.sql)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || len(h.log()) != 0 {
				t.Errorf("%s: %v, %d requests", tc.sql, err, len(h.log()))
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		reqs := h.rec.requests()
		if last := reqs[len(reqs)-1]; last.Method != tc.method {
			t.Errorf("%s: method %s, want %s", tc.sql, last.Method, tc.method)
		}
	}
}

// A join's calls bound row by row overlap: with latency, the versions
// listings of acme's npm packages are in flight together, within
// Concurrency, and each is made once.
func TestJoinCallsOverlap(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{Latency: 20 * time.Millisecond}, engine.Config{Concurrency: 4})
	res := h.one("SELECT p.name, COUNT(v.id) AS n FROM github.packages.packages p JOIN github.packages.package_versions v" +
		" ON v.org = 'acme' AND v.package_type = p.package_type AND v.package_name = p.name" +
		" WHERE p.org = 'acme' AND p.package_type = 'npm' GROUP BY p.name")
	if len(res.rows) == 0 {
		t.Fatal("no rows")
	}
	seen := map[string]bool{}
	versions := 0
	for _, r := range h.log() {
		key := r.Method + " " + r.Path + "?" + r.Query
		if seen[key] {
			t.Errorf("%s requested twice", key)
		}
		seen[key] = true
		if strings.HasSuffix(r.Path, "/versions") {
			versions++
		}
	}
	if versions < 8 {
		t.Errorf("%d versions listings, want one per package (8)", versions)
	}
	if peak := h.rec.maxInFlight(); peak < 2 || peak > 4+1 {
		t.Errorf("%d calls in flight at most, want overlap within the concurrency of 4 (and the packages' call)", peak)
	}
}

// The missing-params hint offers only the methods the bound params allow.
func TestMissingHintFollowsTheOwner(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, engine.Config{})
	_, err := h.exec("SELECT name FROM github.packages.package_versions WHERE org = 'acme' AND package_type = 'npm'")
	e, ok := err.(*engine.Error)
	if !ok || !strings.Contains(e.Message, "package_name") || !strings.Contains(e.Hint, "get_all_package_versions_for_package_owned_by_org") ||
		strings.Contains(e.Hint, "_for_user") || strings.Contains(e.Hint, "authenticated_user") {
		t.Fatalf("%#v", err)
	}
	if len(h.log()) != 0 {
		t.Errorf("%d requests", len(h.log()))
	}
}

// A keep-N DELETE that SQLite reads whole chooses its owner's method from
// the params its own WHERE binds, outside the subquery: org gives the org
// method, both org and username are an error before any request.
func TestKeepNDeleteChoosesTheOwner(t *testing.T) {
	t.Parallel()
	keepOne := func(owner string) string {
		return "DELETE FROM github.packages.package_versions WHERE " + owner + " AND package_type = 'npm' AND package_name = 'hello'" +
			" AND id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY created_at DESC, id) AS rn FROM github.packages.package_versions" +
			" WHERE org = 'acme' AND package_type = 'npm' AND package_name = 'hello') WHERE rn > 1)"
	}
	h := newHarness(t, sandbox.Options{}, engine.Config{Yes: true})
	if _, err := h.exec(keepOne("org = 'acme' AND username = 'octocat'")); err == nil ||
		!strings.Contains(err.Error(), "cannot bind org and username together") || len(h.log()) != 0 {
		t.Fatalf("org and username: %v, %d requests", err, len(h.log()))
	}
	if _, err := h.exec(keepOne("org = 'acme'")); err != nil {
		t.Fatal(err)
	}
	deletes := 0
	for _, r := range h.rec.requests() {
		if strings.HasPrefix(r.Method, "delete_") && !r.Check {
			deletes++
			if r.Method != "delete_package_version_for_org" {
				t.Errorf("deleted with %s, want delete_package_version_for_org", r.Method)
			}
		}
	}
	if deletes != 2 {
		t.Errorf("%d deletes, want the 2 versions after the newest of acme's hello", deletes)
	}
}

// A statement SQLite reads whole makes the calls of a literal IN list
// overlapping, each once; one missing a required param makes none.
func TestWithInCallsOverlap(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{Latency: 20 * time.Millisecond}, engine.Config{Concurrency: 4})
	if _, err := h.exec("WITH p AS (SELECT name FROM github.packages.user_packages WHERE package_type IN ('npm', 'container')) SELECT COUNT(*) FROM p"); err == nil || len(h.log()) != 0 {
		t.Fatalf("missing username: %v, %d requests", err, len(h.log()))
	}
	h.one("WITH p AS (SELECT name, package_type FROM github.packages.user_packages WHERE username = 'octocat'" +
		" AND package_type IN ('npm', 'container', 'nuget', 'maven')) SELECT package_type, COUNT(*) FROM p GROUP BY package_type")
	seen := map[string]bool{}
	for _, r := range h.log() {
		key := r.Method + " " + r.Path + "?" + r.Query
		if seen[key] {
			t.Errorf("%s requested twice", key)
		}
		seen[key] = true
	}
	if len(seen) != 4 {
		t.Errorf("%d calls, want 4", len(seen))
	}
	if peak := h.rec.maxInFlight(); peak < 2 || peak > 4 {
		t.Errorf("%d calls in flight at most, want overlap within the concurrency of 4", peak)
	}
}
