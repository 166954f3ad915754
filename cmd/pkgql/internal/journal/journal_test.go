package journal

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github"
	"github.com/pkgql/pkgql/provider/github/sandbox"
	"github.com/pkgql/pkgql/schema"
)

type world struct {
	sb  *sandbox.Server
	j   *Journal
	jp  *Provider
	gh  *github.Provider
	dir string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Users: []sandbox.UserSeed{{Login: "octocat", Packages: 50}}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	gh := github.New(nil)
	if err := gh.Configure(context.Background(), provider.Config{Settings: map[string]string{github.SettingBaseURL: srv.URL + "/", github.SettingToken: "t"}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	j, err := Open(filepath.Join(dir, "state", "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return &world{sb: sb, j: j, jp: NewProvider(j), gh: gh, dir: dir}
}

// run runs a script on a new engine over the GitHub provider and the journal.
func (w *world) run(t *testing.T, yes bool, script string) ([]*rowset.Table, error) {
	t.Helper()
	ghs, _ := w.gh.Schema(context.Background())
	js, _ := w.jp.Schema(context.Background())
	e, err := engine.New(engine.Config{
		Providers: []engine.ProviderBinding{{Schema: ghs, Provider: w.gh}, {Schema: js, Provider: w.jp}},
		Yes:       yes,
		Journal:   w.j,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	stmts, err := e.Prepare(script)
	if err != nil {
		return nil, err
	}
	var out []*rowset.Table
	for _, st := range stmts {
		r := &rowset.Table{}
		out = append(out, r)
		if err := e.Run(context.Background(), st, r); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (w *world) deleted(t *testing.T, names ...string) []bool {
	t.Helper()
	var out []bool
	for _, n := range names {
		p, ok := w.sb.Package("octocat", "npm", n)
		if !ok {
			t.Fatalf("no package %s", n)
		}
		out = append(out, p.Deleted)
	}
	return out
}

func TestJournalAndUndo(t *testing.T) {
	w := newWorld(t)
	names := []string{"hello", "left-pad-legacy", "noble-linter"}
	in := "'" + strings.Join(names, "', '") + "'"

	// Errors first: nothing to undo yet.
	for _, tt := range []struct{ script, want string }{
		{"EXEC pkgql.local.journal.undo @statement = 1", "the journal has no statement 1"},
		{"EXEC pkgql.local.journal.undo @statement = 'x'", "statement"},
	} {
		if _, err := w.run(t, true, tt.script); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.script, err, tt.want)
		}
	}

	if _, err := w.run(t, false, "DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name IN ("+in+")"); err != nil {
		t.Fatal(err)
	}
	if got := w.deleted(t, names...); fmt.Sprint(got) != "[true true true]" {
		t.Fatalf("deleted %v", got)
	}
	out, err := w.run(t, false, "SELECT statement, method, JSON_EXTRACT(params, '$.package_name') AS name, http_status, result FROM pkgql.local.journal ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(out[0].Rows); got != "[[1 delete_package_for_user hello 204 deleted] [1 delete_package_for_user left-pad-legacy 204 deleted] [1 delete_package_for_user noble-linter 204 deleted]]" {
		t.Errorf("journal: %s", got)
	}

	// Without --yes the undo shows what it would do and does nothing.
	out, err = w.run(t, false, "EXEC pkgql.local.journal.undo @statement = 1")
	if err == nil || !strings.Contains(err.Error(), "needs confirmation") {
		t.Fatalf("unconfirmed undo: %v", err)
	}
	if len(out[0].Rows) != 3 || fmt.Sprint(w.deleted(t, names...)) != "[true true true]" {
		t.Fatalf("unconfirmed undo: %v, deleted %v", out[0].Rows, w.deleted(t, names...))
	}
	if _, err := w.run(t, true, "EXEC pkgql.local.journal.undo @statement = 1"); err != nil {
		t.Fatal(err)
	}
	if got := w.deleted(t, names...); fmt.Sprint(got) != "[false false false]" {
		t.Fatalf("after undo, deleted %v", got)
	}
	// The undo is journaled as a statement of its own, which has nothing to undo.
	out, err = w.run(t, false, "SELECT statement, method, result FROM pkgql.local.journal WHERE statement = 2")
	if err != nil || len(out[0].Rows) != 3 || out[0].Rows[0][1] != "restore_package_for_user" {
		t.Fatalf("undo's journal: %v %v", out, err)
	}
	if _, err := w.run(t, true, "EXEC pkgql.local.journal.undo @statement = 2"); err == nil || !strings.Contains(err.Error(), "deleted nothing that can be restored") {
		t.Errorf("undo of an undo: %v", err)
	}
}

// A run that dies after sending leaves entries without an answer; they show
// as such, and undo restores them too, as they may have been applied.
func TestJournalAfterACrash(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// What a run leaves when it is killed between sending and recording.
	if _, err := w.run(t, false, "DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'"); err != nil {
		t.Fatal(err)
	}
	n, err := w.j.Statement(ctx, "DELETE … (killed)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.j.Sent(ctx, n, "github", "packages", "user_packages", "delete_package_for_user",
		map[string]string{"username": "octocat", "package_type": "npm", "package_name": "left-pad-legacy"}); err != nil {
		t.Fatal(err)
	}
	out, err := w.run(t, false, "SELECT statement, answered_at, http_status, result FROM pkgql.local.journal WHERE statement = 2")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(out[0].Rows); got != "[[2 <nil> <nil> <nil>]]" {
		t.Errorf("unanswered entry: %s", got)
	}
	// The request never reached the sandbox here: GitHub answers the restore
	// 404, and the report says so.
	out, err = w.run(t, true, "EXEC pkgql.local.journal.undo @statement = 2")
	if err == nil || len(out[0].Rows) != 1 || out[0].Rows[0][3] != "refused" {
		t.Errorf("undo of an unanswered entry: %v %v", out[0].Rows, err)
	}

	// Past GitHub's 30 days nothing is restored, and nothing is sent.
	w.jp.now = func() time.Time { return time.Now().Add(RestoreWindow + time.Hour) }
	if _, err := w.run(t, true, "EXEC pkgql.local.journal.undo @statement = 1"); err == nil || !strings.Contains(err.Error(), "30 days") {
		t.Errorf("undo after 30 days: %v", err)
	}
	if p, _ := w.sb.Package("octocat", "npm", "hello"); !p.Deleted {
		t.Error("restored after 30 days")
	}
}

// Calls recorded at once are committed together; each still gets its own
// entry, and its answer completes that entry and no other.
func TestConcurrentEntries(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := j.Statement(ctx, "DELETE …")
	if err != nil {
		t.Fatal(err)
	}
	const calls = 400
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := map[string]string{"package_version_id": strconv.Itoa(i)}
			entry, err := j.Sent(ctx, st, "github", "packages", "package_versions", "delete_package_version_for_org", key)
			if err == nil {
				err = j.Answered(entry, 204, "deleted", "v"+strconv.Itoa(i))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	entries, err := j.Entries(ctx, st)
	if err != nil || len(entries) != calls {
		t.Fatalf("%d entries, %v; want %d", len(entries), err, calls)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		id := e.Key["package_version_id"]
		if e.Message != "v"+id || e.Result != "deleted" || e.AnsweredAt == nil || seen[id] {
			t.Errorf("entry %d: key %s, %q %q answered %v", e.ID, id, e.Result, e.Message, e.AnsweredAt)
		}
		seen[id] = true
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Statement(ctx, "DELETE …"); err == nil {
		t.Error("a closed journal recorded a statement")
	}
}

// A bulk DELETE stopped midway leaves a journal that says, for every call,
// what became of it: the calls recorded ahead of a free slot that were
// never sent say so, and the sandbox agrees with every entry.
func TestJournalOfAStoppedDelete(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Users: []sandbox.UserSeed{{Login: "octocat", Packages: 300}}, Latency: 5 * time.Millisecond})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	gh := github.New(nil)
	if err := gh.Configure(context.Background(), provider.Config{Settings: map[string]string{github.SettingBaseURL: srv.URL + "/", github.SettingToken: "t"}}); err != nil {
		t.Fatal(err)
	}
	j, err := Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	ghs, _ := gh.Schema(context.Background())
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	const stopAfter = 20
	e, err := engine.New(engine.Config{
		Providers: []engine.ProviderBinding{{Schema: ghs, Provider: gh}}, Yes: true, Journal: j, Concurrency: 4,
		MutationProgress: func(done, _ int) {
			if done == stopAfter {
				stop()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	stmts, err := e.Prepare("DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'container' AND version_count >= 0")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(ctx, stmts[0], &rowset.Table{}); err == nil {
		t.Fatal("the stopped DELETE succeeded")
	}
	entries, err := j.Entries(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]int{}
	for _, en := range entries {
		results[en.Result]++
		p, ok := sb.Package("octocat", "container", en.Key["package_name"])
		if !ok {
			t.Fatalf("entry %d: no package %s", en.ID, en.Key["package_name"])
		}
		switch en.Result {
		case "deleted":
			if !p.Deleted {
				t.Errorf("entry %d says %s was deleted; it is not", en.ID, p.Name)
			}
		case "not sent", "refused":
			if p.Deleted {
				t.Errorf("entry %d says %s was %s; it is deleted", en.ID, p.Name, en.Result)
			}
		default:
			t.Errorf("entry %d (%s): result %q", en.ID, p.Name, en.Result)
		}
	}
	if results["not sent"] == 0 || results["deleted"] < stopAfter/2 {
		t.Errorf("results %v: want some deleted and some recorded but not sent", results)
	}

	// The undo restores what was deleted and leaves alone what was never
	// sent: restoring a live package would only be refused.
	exp, err := NewProvider(j).Expand(context.Background(), provider.Request{Params: map[string]string{"statement": strconv.FormatInt(entries[0].Statement, 10)}}, []*schema.Provider{ghs})
	if err != nil {
		t.Fatal(err)
	}
	if len(exp.Keys) != results["deleted"] {
		t.Errorf("the undo restores %d packages, want the %d deleted", len(exp.Keys), results["deleted"])
	}
	for _, k := range exp.Keys {
		if p, ok := sb.Package("octocat", "container", k["package_name"]); !ok || !p.Deleted {
			t.Errorf("the undo would restore %s, which was not deleted", k["package_name"])
		}
	}
}
