package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// A bulk DELETE whose pkgql is killed (SIGKILL, no chance to clean up) once
// the server has applied some of its DELETEs: its provider process goes too,
// and a fresh pkgql finds in the journal every version the server deleted,
// none claimed deleted that the server still has, and an entry for every
// DELETE that reached the server; the undo restores exactly what the server
// deleted, and reports the entries whose versions were never deleted rather
// than count them restored.
func TestJournalAfterKilledDelete(t *testing.T) {
	t.Parallel()
	const (
		org      = "cleanup"
		pkg      = "web-assets"
		versions = 301
		// killAt is the DELETE whose answer is held until the host is
		// killed: the server has applied it, and pkgql never hears so.
		killAt = 60
	)
	// The latency keeps DELETEs in flight, at the server and in the
	// provider, when the host is killed.
	sb := sandbox.New(sandbox.Options{Latency: 5 * time.Millisecond, Users: []sandbox.UserSeed{{Login: "octocat", Packages: 4}},
		Orgs: []sandbox.OrgSeed{{Login: org, Packages: 4, Admins: []string{"octocat"}, Large: []sandbox.LargePackage{{Name: pkg, Versions: versions}}}}})
	var (
		applied  atomic.Int64
		reached  = make(chan struct{})
		killed   = make(chan struct{})
		release  sync.Once
		released = func() { release.Do(func() { close(killed) }) }
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, r)
		if r.Method == http.MethodDelete && rec.Code == http.StatusNoContent && applied.Add(1) == killAt {
			close(reached)
			<-killed
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(released) // before srv.Close, which waits for the held handler

	dirs := t.TempDir()
	env := []string{"GITHUB_TOKEN=ghp_crash0123456789abcdef", "XDG_CACHE_HOME=" + dirs + "/cache", "XDG_STATE_HOME=" + dirs + "/state"}
	flags := []string{"--github-url", srv.URL + "/", "--registry-url", srv.URL, "--rate-window", "1s", "-o", "json"}
	live := func() map[int64]bool {
		ids := map[int64]bool{}
		for _, v := range sb.Versions(org, "npm", pkg) {
			if !v.Deleted {
				ids[v.ID] = true
			}
		}
		return ids
	}
	before := live()
	if len(before) != versions {
		t.Fatalf("seeded %d live versions, want %d", len(before), versions)
	}

	// All but the newest: the server refuses to delete a package's last
	// version.
	where := fmt.Sprintf("FROM github.packages.package_versions WHERE org = '%s' AND package_type = 'npm' AND package_name = '%s'", org, pkg)
	del := "DELETE " + where + " AND id < (SELECT MAX(id) " + where + ")"
	cmd, _, _ := command(invocation{args: append(append([]string{"--yes"}, flags...), "exec", del), env: env})
	// No pipes: the provider must end because its host is gone, not because
	// a pipe closed.
	stderr, err := os.Create(filepath.Join(dirs, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, stderr
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	provider := 0
	if !waitFor(ctx, func() bool {
		for _, pid := range children(t, cmd.Process.Pid) {
			if cmdline(pid) == "provider github" {
				provider = pid
			}
		}
		return provider != 0
	}) {
		t.Fatal("no provider process after 20 s")
	}
	select {
	case <-reached:
	case <-done:
		b, _ := os.ReadFile(stderr.Name())
		t.Fatalf("pkgql ended before %d DELETEs were applied (%d were): %s", killAt, applied.Load(), b)
	case <-ctx.Done():
		t.Fatalf("%d DELETEs applied after 20 s, want %d", applied.Load(), killAt)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	killedAfter := time.Since(begin)
	released()
	if !waitFor(ctx, func() bool { return !alive(provider) }) {
		syscall.Kill(provider, syscall.SIGKILL)
		t.Errorf("provider process %d outlived its killed host", provider)
	}
	// The provider's requests under way when it went may still be served:
	// the server's state is read once none is.
	if !waitFor(ctx, func() bool { return sb.Stats().InFlight == 0 }) {
		t.Fatalf("requests still in flight: %+v", sb.Stats())
	}

	after := live()
	deleted := map[int64]bool{} // what the server deleted
	for id := range before {
		if !after[id] {
			deleted[id] = true
		}
	}
	arrived := map[int64]bool{} // every DELETE that reached the server
	for _, r := range sb.Log() {
		if r.Method == http.MethodDelete {
			id, err := strconv.ParseInt(r.Path[strings.LastIndexByte(r.Path, '/')+1:], 10, 64)
			if err != nil {
				t.Fatalf("DELETE %s: %v", r.Path, err)
			}
			arrived[id] = true
		}
	}
	if len(deleted) < killAt || len(deleted) >= versions-1 {
		t.Fatalf("the server deleted %d of the %d versions; the kill was to come after %d and before all", len(deleted), versions-1, killAt)
	}

	type entry struct {
		Params struct {
			ID string `json:"package_version_id"`
		} `json:"params"`
		Status   *int    `json:"http_status"`
		Result   *string `json:"result"`
		Answered *string `json:"answered_at"`
	}
	r := pkgql(t, invocation{args: append(flags, "exec", "SELECT params, http_status, result, answered_at FROM pkgql.local.journal WHERE statement = 1"), env: env})
	var entries []entry
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &entries); r.code != 0 || err != nil {
		t.Fatalf("journal: %v\n%s", err, r)
	}
	journal := map[int64]entry{}
	unanswered := 0
	for _, e := range entries {
		id, err := strconv.ParseInt(e.Params.ID, 10, 64)
		if err != nil || !before[id] {
			t.Errorf("entry for version %q, which the DELETE did not select", e.Params.ID)
			continue
		}
		if _, dup := journal[id]; dup {
			t.Errorf("two entries for version %d", id)
		}
		journal[id] = e
		switch {
		case e.Result == nil:
			unanswered++
			if e.Status != nil || e.Answered != nil {
				t.Errorf("version %d: no result, but status %v, answered at %v", id, *e.Status, *e.Answered)
			}
		case *e.Result == "deleted":
			if !deleted[id] || e.Status == nil || *e.Status != http.StatusNoContent {
				t.Errorf("version %d: the journal says deleted (status %v), the server has it deleted: %v", id, e.Status, deleted[id])
			}
		default:
			t.Errorf("version %d: result %q; the server answered every DELETE it served 204", id, *e.Result)
		}
	}
	for id := range deleted {
		if e, ok := journal[id]; !ok {
			t.Errorf("version %d was deleted by the server and has no entry", id)
		} else if e.Result != nil && *e.Result != "deleted" {
			t.Errorf("version %d was deleted by the server, the journal says %q", id, *e.Result)
		}
	}
	for id := range arrived {
		if _, ok := journal[id]; !ok {
			t.Errorf("the DELETE of version %d reached the server without an entry", id)
		}
	}
	neverSent := 0
	for id, e := range journal {
		if !arrived[id] {
			neverSent++
			if e.Result != nil {
				t.Errorf("version %d: its DELETE never reached the server, the journal says %q", id, *e.Result)
			}
		}
	}
	if len(journal) == versions-1 {
		t.Errorf("every version has an entry: the statement recorded all of them before it was killed")
	}
	t.Logf("killed after %s: %d DELETEs reached the server, %d applied; the journal has %d entries, %d without an answer (%d of them never sent)",
		killedAfter.Round(time.Millisecond), len(arrived), len(deleted), len(journal), unanswered, neverSent)

	r = pkgql(t, invocation{args: append(append([]string{"--yes"}, flags...), "exec", "EXEC pkgql.local.journal.undo @statement = 1"), env: env})
	var report []struct {
		ID     string `json:"package_version_id"`
		Result string `json:"result"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &report); err != nil {
		t.Fatalf("undo's report: %v\n%s", err, r)
	}
	restoredNow := live()
	for id := range before {
		if !restoredNow[id] {
			t.Errorf("version %d is still deleted after the undo", id)
		}
	}
	if len(restoredNow) != len(before) {
		t.Errorf("%d live after the undo, %d before the DELETE", len(restoredNow), len(before))
	}
	reported, notRestored := map[int64]bool{}, 0
	for _, row := range report {
		id, _ := strconv.ParseInt(row.ID, 10, 64)
		reported[id] = true
		switch restored := row.Result == "done"; {
		case deleted[id] && !restored:
			t.Errorf("undo: version %d, deleted by the server, reported %q", id, row.Result)
		case !deleted[id] && restored:
			t.Errorf("undo: version %d, never deleted, reported restored", id)
		case !deleted[id]:
			notRestored++
			// GitHub answers 404 to the restore of a version that is
			// not deleted.
			if row.Result != "refused" || row.Status != http.StatusNotFound {
				t.Errorf("undo: version %d, never deleted, reported %q (%d), want refused (404)", id, row.Result, row.Status)
			}
		}
	}
	for id := range journal {
		if !reported[id] {
			t.Errorf("undo: no row for version %d of the journal", id)
		}
	}
	if wantCode := min(notRestored, 1); r.code != wantCode {
		t.Errorf("undo exited %d with %d versions not restored, want %d\n%s", r.code, notRestored, wantCode, r)
	}
	t.Logf("undo: %d calls, %d restored, %d reported not restored", len(report), len(report)-notRestored, notRestored)
}

// A statement that cannot fit in the primary budget the server has left
// fails with the budget's account, through the whole program: one whose
// requests are counted before the run (an IN list of DELETEs, gets by key)
// sends nothing but GET /rate_limit, which costs none of the budget; a
// listing whose page 1 tells, by rel="last", that the rest cannot fit stops
// there and prints no row. One more request of budget and each runs whole.
func TestTooBigForTheBudget(t *testing.T) {
	t.Parallel()
	const (
		del4 = `DELETE FROM github.packages.user_packages WHERE username IN ('octocat', 'hubot') AND package_type = 'npm' AND package_name IN ('hello', 'left-pad-legacy')`
		get4 = `SELECT name FROM github.packages.user_packages WHERE username IN ('octocat', 'hubot') AND package_type = 'npm' AND package_name IN ('hello', 'left-pad-legacy')`
		list = `SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'`
	)
	many := []sandbox.UserSeed{{Login: "octocat", Packages: 3000}}
	// pages is how many pages the listing takes, as the server counts them.
	sb, url := apiServer(t, sandbox.Options{Users: many})
	whole := pkgql(t, invocation{args: []string{"--github-url", url, "-o", "json", "exec", list}, env: []string{"GITHUB_TOKEN=ghp_budget0123456789"}})
	var rows []map[string]any
	if err := json.Unmarshal([]byte(whole.stdout), &rows); whole.code != 0 || err != nil {
		t.Fatalf("the listing: %v\n%s", err, whole)
	}
	pages := sb.Stats().ByKind[sandbox.KindList]
	if pages < 3 {
		t.Fatalf("the listing takes %d pages: the test needs three or more", pages)
	}

	tests := []struct {
		name      string
		users     []sandbox.UserSeed // nil: the default seed
		rateLimit int
		statement string
		wantErr   []string // parts of the error; nil: it runs whole
		wantSent  int      // requests other than GET /rate_limit
		wantRows  int      // rows printed when it runs whole; 0: not counted
	}{
		{"4 DELETEs, 3 left", nil, 3, del4,
			[]string{"would send 4 requests of delete_package_for_user (20 secondary-limit points)", "primary budget has 3 left, renewed at ", "nothing was sent"}, 0, 0},
		{"4 DELETEs, 4 left", nil, 4, del4, nil, 4, 4},
		{"4 gets by key, 3 left", nil, 3, get4,
			[]string{"would send 4 requests of get_package_for_user (4 secondary-limit points)", "primary budget has 3 left, renewed at ", "nothing was sent"}, 0, 0},
		{"4 gets by key, 4 left", nil, 4, get4, nil, 4, 0},
		{"a listing one page short", many, pages - 1, list,
			[]string{fmt.Sprintf("the %d after page 1 would cost %d requests of the primary rate limit, which has %d left", pages-1, pages-1, pages-2),
				"no row of it was returned", "the limit resets at"}, 1, 0},
		{"a listing with just enough", many, pages, list, nil, pages, len(rows)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb, url := apiServer(t, sandbox.Options{Users: tt.users, RateLimit: tt.rateLimit})
			r := pkgql(t, invocation{args: []string{"--github-url", url, "--yes", "-o", "json", "exec", tt.statement},
				env: []string{"GITHUB_TOKEN=ghp_budget0123456789", "XDG_CACHE_HOME=" + t.TempDir(), "XDG_STATE_HOME=" + t.TempDir()}})
			sent := 0
			for _, req := range sb.Log() {
				if req.Path != "/rate_limit" {
					sent++
				}
			}
			if sent != tt.wantSent {
				t.Errorf("%d requests besides GET /rate_limit (%v), want %d", sent, sb.Log(), tt.wantSent)
			}
			if tt.wantErr == nil {
				var got []map[string]any
				if err := json.Unmarshal([]byte(r.stdout), &got); r.code != 0 || err != nil {
					t.Fatalf("%v\n%s", err, r)
				}
				if tt.wantRows != 0 && len(got) != tt.wantRows {
					t.Errorf("%d rows, want %d", len(got), tt.wantRows)
				}
				return
			}
			if r.code == 0 || strings.TrimSpace(r.stdout) != "" {
				t.Errorf("exit %d with output, want a failure and no row\n%s", r.code, r)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("no %q in the error:\n%s", want, r.stderr)
				}
			}
		})
	}
}
