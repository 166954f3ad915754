package githubtest

import (
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/provider/github"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// A statement whose requests are counted before the run (bound names, IN
// lists) and cannot fit in the primary budget sends nothing: the budget is
// read from GET /rate_limit, free of it, once per statement at most, and
// not at all while an answer reported it a moment ago or for a statement of
// one request, which cannot stop halfway.
func TestBudgetBeforeTheFirstRequest(t *testing.T) {
	t.Parallel()
	const del4 = `DELETE FROM github.packages.user_packages WHERE username IN ('octocat', 'hubot') AND package_type = 'npm' AND package_name IN ('hello', 'left-pad-legacy')`
	const get4 = `SELECT name FROM github.packages.user_packages WHERE username IN ('octocat', 'hubot') AND package_type = 'npm' AND package_name IN ('hello', 'left-pad-legacy')`
	tests := []struct {
		name       string
		rateLimit  int
		script     []string // run in order; the last is checked
		wantErr    []string // parts of the last statement's error; nil for success
		wantChecks int      // GET /rate_limit requests in all
		wantSent   int      // requests of the last statement, GET /rate_limit left out
	}{
		{"4 DELETEs, 3 left: refused", 3, []string{del4},
			[]string{"would send 4 requests of delete_package_for_user (20 secondary-limit points)", "primary budget has 3 left, renewed at ", "nothing was sent"}, 1, 0},
		{"4 DELETEs, 4 left: sent", 4, []string{del4}, nil, 1, 4},
		{"4 gets by key, 3 left: refused", 3, []string{get4},
			[]string{"would send 4 requests of get_package_for_user (4 secondary-limit points)", "primary budget has 3 left"}, 1, 0},
		{"a budget reported a moment ago is not asked again", 10, []string{get4, del4}, nil, 0, 4},
		{"one request is not checked", 1, []string{`DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'`}, nil, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sandbox.Options{RateLimit: tt.rateLimit}, engine.Config{Yes: true})
			var err error
			for i, s := range tt.script {
				if i == len(tt.script)-1 {
					h.reset()
				}
				if _, err = h.exec(s); err != nil && i < len(tt.script)-1 {
					t.Fatal(err)
				}
			}
			if tt.wantErr == nil && err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want %q in it", err, want)
				}
			}
			if sent := h.sent(); sent != tt.wantSent {
				t.Errorf("%d requests sent (%v), want %d", sent, h.log(), tt.wantSent)
			}
			if n := h.budgetChecks(); n != tt.wantChecks {
				t.Errorf("%d GET /rate_limit, want %d", n, tt.wantChecks)
			}
		})
	}
}

// A listing refused after its page 1 for the primary budget fails its
// statement whole: a statement of several listings gives no row of any of
// them, rather than the rows of those read before the refusal.
func TestListingBudgetFailsTheStatementWhole(t *testing.T) {
	t.Parallel()
	users := []sandbox.UserSeed{{Login: "octocat", Packages: 3000}}
	const both = `SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type IN ('rubygems', 'npm')`
	whole := newHarness(t, sandbox.Options{Users: users}, engine.Config{})
	all := whole.one(both)
	pages := whole.sent()
	tests := []struct {
		name      string
		rateLimit int
		wantRows  int // 0: refused
	}{
		{"one page short", pages - 1, 0},
		// A listing's check counts the pages another has in flight as
		// booked, though GitHub may have counted them already: a budget
		// within those of the statement's need may be refused.
		{"enough beside the pages in flight", pages + 2*github.DefaultConcurrency, len(all.rows)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sandbox.Options{RateLimit: tt.rateLimit, Users: users}, engine.Config{})
			res, err := h.exec(both)
			rows := 0
			if len(res) > 0 {
				rows = len(res[0].rows)
			}
			if tt.wantRows > 0 {
				if err != nil || rows != tt.wantRows {
					t.Fatalf("err %v, %d rows, want %d", err, rows, tt.wantRows)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "no row of it was returned") || strings.Contains(err.Error(), "API rate limit exceeded") {
				t.Errorf("err = %v, want the budget's refusal after a page 1", err)
			}
			if rows != 0 || len(res) > 0 && res[0].cols != nil {
				t.Errorf("%d rows (columns %v) given by a statement that failed", rows, res[0].cols)
			}
		})
	}
}

// sent counts the requests that reached the sandbox since the last reset,
// GET /rate_limit left out: it reads the budget, free of it, and no resource.
func (h *harness) sent() int {
	n := 0
	for _, r := range h.log() {
		if r.Path != "/rate_limit" {
			n++
		}
	}
	return n
}

// budgetChecks counts the GET /rate_limit requests that arrived.
func (h *harness) budgetChecks() int {
	return len(h.log()) - h.sent()
}
