package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// The whole program against a server that enforces GitHub's limits and sends
// ETags, in sequence: a listing read twice costs no primary request the
// second time; a bulk DELETE is paced to the points with no refusal; the
// journal says what it did, and its undo restores exactly that.
func TestAtGitHubsLimits(t *testing.T) {
	const window = 300 * time.Millisecond
	sb := sandbox.New(sandbox.Options{Users: []sandbox.UserSeed{{Login: "octocat", Packages: 300}}})
	lim := sandbox.NewLimits(sb, sandbox.LimitOptions{Window: window})
	srv := httptest.NewServer(lim)
	t.Cleanup(srv.Close)
	dirs := t.TempDir()
	env := []string{"GITHUB_TOKEN=ghp_limits0123456789", "XDG_CACHE_HOME=" + dirs + "/cache", "XDG_STATE_HOME=" + dirs + "/state"}
	exec := func(args ...string) result {
		t.Helper()
		return pkgql(t, invocation{args: append([]string{"--github-url", srv.URL + "/", "--registry-url", srv.URL, "--rate-window", window.String(), "-o", "json"}, args...), env: env})
	}

	count := "SELECT COUNT(*) AS n FROM github.packages.user_packages WHERE username = 'octocat' AND package_type IN ('npm', 'maven', 'rubygems', 'docker', 'nuget', 'container')"
	before := lim.Stats()
	if r := exec("exec", count); r.code != 0 || r.stdout != `[{"n":300}]`+"\n" {
		t.Fatalf("first listing: %s", r)
	}
	cold := lim.Stats()
	if r := exec("exec", count); r.code != 0 || r.stdout != `[{"n":300}]`+"\n" {
		t.Fatalf("second listing: %s", r)
	}
	warm := lim.Stats()
	if cold.Primary == before.Primary || warm.Primary != cold.Primary || warm.NotModified-cold.NotModified != cold.Requests-before.Requests {
		t.Errorf("primary requests: %d cold, %d warm (%d 304s); want none warm", cold.Primary-before.Primary, warm.Primary-cold.Primary, warm.NotModified-cold.NotModified)
	}
	if r := exec("--no-cache", "exec", count); r.code != 0 || lim.Stats().Primary == warm.Primary {
		t.Errorf("--no-cache: %s, primary %d", r, lim.Stats().Primary-warm.Primary)
	}
	if r := exec("cache", "clear"); r.code != 0 || !strings.Contains(r.stdout, "pkgql/http") {
		t.Errorf("cache clear: %s", r)
	}

	// A bulk DELETE of every npm package: some are refused (5,000
	// downloads), none for a rate limit.
	del := "DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND version_count >= 0"
	// Each pkgql process paces what it sends itself, and a new one does not
	// know what the ones before it spent: a process that paces a bulk
	// change starts once their points have left the window, as a second
	// pkgql with the same token must (docs/rate-limits.md).
	newWindow := func() { time.Sleep(window + window/50) }
	newWindow()
	startDel := lim.Stats()
	r := exec("--yes", "exec", del)
	var report []struct {
		Name   string `json:"package_name"`
		Result string `json:"result"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &report); err != nil || len(report) == 0 {
		t.Fatalf("bulk DELETE: %v\n%s", err, r)
	}
	if st := lim.Stats(); st.SecondaryRefused != startDel.SecondaryRefused {
		t.Errorf("%d requests refused for the secondary limit", st.SecondaryRefused-startDel.SecondaryRefused)
	}
	var deleted []string
	for _, row := range report {
		if row.Result == "deleted" {
			deleted = append(deleted, row.Name)
		}
	}
	if len(deleted) == 0 {
		t.Fatalf("nothing deleted: %s", r)
	}

	// The journal names every call; the undo restores exactly the deleted.
	r = exec("exec", "SELECT COUNT(*) AS n, SUM(result = 'deleted') AS deleted FROM pkgql.local.journal WHERE statement = 1")
	if want := fmt.Sprintf(`[{"n":%d,"deleted":%d}]`, len(report), len(deleted)); strings.TrimSpace(r.stdout) != want {
		t.Errorf("journal: %s, want %s", r.stdout, want)
	}
	if r := exec("exec", "EXEC pkgql.local.journal.undo @statement = 1"); r.code != 1 || !strings.Contains(r.stderr, "needs confirmation") {
		t.Errorf("undo without --yes: %s", r)
	}
	newWindow()
	if r := exec("--yes", "exec", "EXEC pkgql.local.journal.undo @statement = 1"); r.code != 0 {
		t.Fatalf("undo: %s", r)
	}
	r = exec("exec", "SELECT COUNT(*) AS n FROM pkgql.local.journal WHERE statement = 2 AND method = 'restore_package_for_user' AND result = 'done'")
	if want := fmt.Sprintf(`[{"n":%d}]`, len(deleted)); strings.TrimSpace(r.stdout) != want {
		t.Errorf("restores: %s, want %s", r.stdout, want)
	}
	for _, n := range deleted {
		if p, _ := sb.Package("octocat", "npm", n); p.Deleted {
			t.Errorf("%s is still deleted", n)
		}
	}

	// Versions too: all but the newest of a container's, then undone. The
	// image guard would keep the tagged ones; this is about the journal.
	const image = "package_type = 'container' AND package_name = 'tools/builder'"
	live := func() (n int) {
		for _, v := range sb.Versions("octocat", "container", "tools/builder") {
			if !v.Deleted {
				n++
			}
		}
		return n
	}
	before2 := live()
	newWindow()
	r = exec("--yes", "--allow-broken-images", "exec", "DELETE FROM github.packages.package_versions WHERE username = 'octocat' AND "+image+
		" AND id NOT IN (SELECT MAX(id) FROM github.packages.package_versions WHERE username = 'octocat' AND "+image+")")
	if r.code != 0 {
		t.Fatalf("versions DELETE: %s", r)
	}
	if live() != 1 || before2 < 2 {
		t.Fatalf("%d versions live after the DELETE, %d before", live(), before2)
	}
	newWindow()
	if r := exec("--yes", "exec", "EXEC pkgql.local.journal.undo @statement = 3"); r.code != 0 || live() != before2 {
		t.Errorf("versions undo: %d live, %d before\n%s", live(), before2, r)
	}
	if st := lim.Stats(); st.SecondaryRefused != 0 {
		t.Errorf("%d requests refused for the secondary limit", st.SecondaryRefused)
	}
}
