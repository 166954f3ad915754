package engine

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// deleted reports whether the sandbox holds the package as deleted.
func (h *harness) deleted(user, typ, name string) bool {
	h.t.Helper()
	p, ok := h.sb.Package(user, typ, name)
	if !ok {
		h.t.Fatalf("no package %s/%s/%s", user, typ, name)
	}
	return p.Deleted
}

func TestDeleteExact(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	r := h.one(`DELETE FROM github.packages.user_packages
	  WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'`)
	if got := h.requests(); got[sandbox.KindDelete] != 1 || len(got) != 1 {
		t.Errorf("requests %v, want exactly one DELETE", got)
	}
	if !h.deleted("octocat", "npm", "hello") {
		t.Error("hello was not deleted")
	}
	want := []any{"hello", "npm", "octocat", "deleted", int64(204)}
	if len(r.rows) != 1 || !slices.Equal(r.rows[0][:5], want) || r.summary != "1 deleted" {
		t.Errorf("report %v %q", r.rows, r.summary)
	}

	// Restore it, the way DESIGN writes it.
	h.reset()
	r = h.one(`EXEC github.packages.user_packages.restore_package_for_user
	     @username = 'octocat', @package_type = 'npm', @package_name = 'hello';`)
	if h.deleted("octocat", "npm", "hello") || h.requests()[sandbox.KindRestore] != 1 || r.rows[0][3] != "done" {
		t.Errorf("restore: %v %v", r.rows, h.requests())
	}
}

func TestDeleteFanOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	r := h.one(`DELETE FROM github.packages.user_packages
	  WHERE username IN ('octocat', 'hubot') AND package_type = 'npm' AND package_name IN ('hello', 'left-pad-legacy')`)
	if got := h.requests(); got[sandbox.KindDelete] != 4 || len(got) != 1 {
		t.Errorf("requests %v, want 4 DELETEs", got)
	}
	for _, u := range []string{"octocat", "hubot"} {
		for _, n := range []string{"hello", "left-pad-legacy"} {
			if !h.deleted(u, "npm", n) {
				t.Errorf("%s/%s was not deleted", u, n)
			}
		}
	}
	if r.summary != "4 deleted" {
		t.Errorf("summary %q", r.summary)
	}
}

// Every key is reported: deleted, refused with GitHub's reason, or failed;
// the statement fails when any key was not deleted.
func TestDeleteReport(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	res, err := h.exec(`DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'container'
	  AND package_name IN ('octocat/hello-world', 'no-such-image', 'tools/builder')`)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, "2 of 3 calls of delete_package_for_user did not succeed (2 refused)") {
		t.Fatalf("error %v", err)
	}
	if pe, ok := provider.AsError(err); !ok || pe.HTTPStatus == 0 {
		t.Errorf("the provider's error is lost: %v", err)
	}
	r := res[0]
	byName := map[string][]any{}
	for _, row := range r.rows {
		byName[row[0].(string)] = row
	}
	if row := byName["octocat/hello-world"]; row[3] != "refused" || row[4] != int64(http.StatusBadRequest) || !strings.Contains(row[5].(string), "5,000") {
		t.Errorf("5,000-downloads rule: %v", row)
	}
	if row := byName["no-such-image"]; row[3] != "refused" || row[4] != int64(http.StatusNotFound) {
		t.Errorf("missing package: %v", row)
	}
	if row := byName["tools/builder"]; row[3] != "deleted" {
		t.Errorf("deletable package: %v", row)
	}
	if r.summary != "1 deleted, 2 refused" {
		t.Errorf("summary %q", r.summary)
	}
}

func TestDeleteNotFound(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	_, err := h.exec(`DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'nope'`)
	pe, ok := provider.AsError(err)
	if !ok || pe.HTTPStatus != http.StatusNotFound || pe.Kind != provider.KindNotFound {
		t.Fatalf("error %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Line != 1 || !strings.Contains(e.Error(), "404") {
		t.Errorf("error %v", err)
	}
}

// A DELETE whose WHERE is wider than the key finds the keys with a SELECT,
// and deletes only what the user confirmed.
func TestDeleteWide(t *testing.T) {
	t.Parallel()
	// left-pad-legacy has no versions; hello has three.
	const wide = `DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'
	  AND package_name IN ('hello', 'left-pad-legacy') AND version_count = 0`
	cases := []struct {
		name    string
		cfg     func(asked *atomic.Int32) Config
		deleted bool
		asks    int32
	}{
		{"no confirmation: nothing deleted", func(*atomic.Int32) Config { return Config{} }, false, 0},
		{"confirmation refused", func(asked *atomic.Int32) Config {
			return Config{Confirm: func(_ context.Context, q string) bool {
				asked.Add(1)
				return !strings.Contains(q, "left-pad-legacy")
			}}
		}, false, 1},
		{"confirmed", func(asked *atomic.Int32) Config {
			return Config{Confirm: func(_ context.Context, q string) bool {
				asked.Add(1)
				return strings.Contains(q, "package_name=left-pad-legacy package_type=npm username=octocat") && !strings.Contains(q, "=hello ")
			}}
		}, true, 1},
		{"--yes", func(*atomic.Int32) Config { return Config{Yes: true} }, true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var asked atomic.Int32
			cfg := c.cfg(&asked)
			h := newHarness(t, sandbox.Options{}, cfg)
			res, err := h.exec(wide)
			if cfg.Confirm == nil && !cfg.Yes {
				// A script cannot be asked: the DELETE fails, naming --yes.
				if err == nil || !strings.Contains(err.Error(), "none was deleted") || !strings.Contains(err.Error(), "--yes") {
					t.Fatalf("unconfirmed DELETE in a script: error %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 {
				t.Fatalf("%d results", len(res))
			}
			r := res[0]
			if got := h.deleted("octocat", "npm", "left-pad-legacy"); got != c.deleted {
				t.Errorf("left-pad-legacy deleted: %v, want %v", got, c.deleted)
			}
			if h.deleted("octocat", "npm", "hello") {
				t.Error("hello was deleted: it has versions")
			}
			wantDeletes := 0
			if c.deleted {
				wantDeletes = 1
			}
			if got := h.requests()[sandbox.KindDelete]; got != wantDeletes {
				t.Errorf("%d DELETE requests, want %d", got, wantDeletes)
			}
			if len(r.rows) != 1 || r.rows[0][0] != "left-pad-legacy" {
				t.Errorf("report %v", r.rows)
			}
			if !c.deleted && !strings.Contains(r.summary, "none was") {
				t.Errorf("summary %q does not say nothing was deleted", r.summary)
			}
			if asked.Load() != c.asks {
				t.Errorf("asked %d times, want %d", asked.Load(), c.asks)
			}
		})
	}
}

// A DELETE's keys may come from a subquery, or from the rows of the listing
// its params bind (package_name is carried by the field name:
// schema.Param.Field). Either way: one listing, then one DELETE per package
// that matches.
func TestDeleteFoundKeys(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, sql string }{
		{"keys from a subquery", `DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'
		  AND package_name IN (SELECT name FROM github.packages.user_packages
		                        WHERE username = 'octocat' AND package_type = 'npm' AND version_count = 0)`},
		{"keys from the listing's rows", `DELETE FROM github.packages.user_packages
		  WHERE username = 'octocat' AND package_type = 'npm' AND version_count = 0`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, sandbox.Options{}, Config{Yes: true})
			var want []string
			for _, p := range h.truth("octocat", "npm") {
				if p.VersionCount == 0 {
					want = append(want, p.Name)
				}
			}
			got := toStrings(h.one(c.sql).column("package_name"))
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("deleted %v, want %v", got, want)
			}
			for _, n := range want {
				if !h.deleted("octocat", "npm", n) {
					t.Errorf("%s was not deleted", n)
				}
			}
			if reqs := h.requests(); reqs[sandbox.KindDelete] != len(want) || reqs[sandbox.KindList] != 1 {
				t.Errorf("requests %v, want 1 listing and %d deletes", reqs, len(want))
			}
		})
	}
}

func TestDryRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{DryRun: true, Yes: true})
	res, err := h.exec(`
	  DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'container'
	     AND package_name IN ('octocat/hello-world', 'tools/builder');
	  DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'
	     AND package_name IN ('hello', 'left-pad-legacy') AND version_count = 0;
	  EXEC github.packages.user_packages.restore_package_for_user @username = 'octocat', @package_type = 'npm',
	     @package_name = 'hello', @token = 's3cret'`)
	if err != nil {
		t.Fatal(err)
	}
	want := [][][]any{
		{{"delete_package_for_user", "DELETE", "/users/octocat/packages/container/octocat%2Fhello-world"},
			{"delete_package_for_user", "DELETE", "/users/octocat/packages/container/tools%2Fbuilder"}},
		{{"delete_package_for_user", "DELETE", "/users/octocat/packages/npm/left-pad-legacy"}},
		{{"restore_package_for_user", "POST", "/users/octocat/packages/npm/hello/restore?token=REDACTED"}},
	}
	for i, r := range res {
		if len(r.rows) != len(want[i]) {
			t.Fatalf("statement %d: %v", i, r.rows)
		}
		for j := range want[i] {
			if !slices.Equal(r.rows[j], want[i][j]) {
				t.Errorf("statement %d row %d = %v, want %v", i, j, r.rows[j], want[i][j])
			}
		}
		if !strings.HasPrefix(r.summary, "dry run") {
			t.Errorf("summary %q", r.summary)
		}
	}
	got := h.requests()
	if got[sandbox.KindDelete] != 0 || got[sandbox.KindRestore] != 0 || h.deleted("octocat", "container", "tools/builder") {
		t.Errorf("a dry run changed something: %+v", got)
	}
	// Finding the keys of the wide DELETE reads: one GET per name.
	if got[sandbox.KindGet] != 2 || len(got) != 1 {
		t.Errorf("requests %+v", got)
	}
}
