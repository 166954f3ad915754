package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// arrivals records when each request reached the server and when its answer
// left, in front of the limits model, so that a phase of a statement (its
// DELETEs, an undo's restores) can be timed from inside one pkgql run.
type arrivals struct {
	next http.Handler
	mu   sync.Mutex
	seen []arrival
}

type arrival struct {
	method   string
	at, done time.Time
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	a.next.ServeHTTP(w, r)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen = append(a.seen, arrival{method: r.Method, at: at, done: time.Now()})
}

// phase is what the requests of one method, from the first to arrive to the
// last to be answered, cost and took.
type phase struct {
	requests int
	took     time.Duration
	// points are the phase's and those still in the window when its first
	// request arrived (the listing that found the targets): the server
	// counts both against the phase.
	points  int
	allowed time.Duration // points ÷ 900 × window
}

func (a *arrivals) phase(method string, window time.Duration) phase {
	a.mu.Lock()
	defer a.mu.Unlock()
	var first, last time.Time
	n := 0
	for _, s := range a.seen {
		if s.method != method {
			continue
		}
		n++
		if first.IsZero() || s.at.Before(first) {
			first = s.at
		}
		if s.done.After(last) {
			last = s.done
		}
	}
	p := phase{requests: n, took: last.Sub(first)}
	for _, s := range a.seen {
		if s.at.After(first.Add(-window)) && !s.at.After(last) {
			p.points += 1
			if s.method != http.MethodGet && s.method != http.MethodHead {
				p.points += 4 // a mutation costs 5 points, a read 1
			}
		}
	}
	p.allowed = time.Duration(float64(p.points) / 900 * float64(window))
	return p
}

// A cleanup of 1,000 versions through the whole program, against the sandbox
// behind the limits model over HTTP with a short window: the DELETE is paced
// to the points with no refusal and finishes close to the time they allow,
// deletes exactly what it selected, and its undo restores exactly that, paced
// alike.
func TestBulkVersionsDelete(t *testing.T) {
	if testing.Short() {
		t.Skip("takes several seconds")
	}
	const (
		window = 400 * time.Millisecond
		org    = "cleanup"
	)
	// 501 live versions each: the DELETE keeps the newest of each, as GitHub
	// refuses to delete a package's last version.
	large := []sandbox.LargePackage{{Name: "web-assets", Versions: 501}, {Name: "api-client", Versions: 501}}
	sb := sandbox.New(sandbox.Options{Users: []sandbox.UserSeed{{Login: "octocat", Packages: 8}},
		Orgs: []sandbox.OrgSeed{{Login: org, Packages: 20, Admins: []string{"octocat"}, Large: large}}})
	lim := sandbox.NewLimits(sb, sandbox.LimitOptions{Window: window})
	rec := &arrivals{next: lim}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	dirs := t.TempDir()
	env := []string{"GITHUB_TOKEN=ghp_bulk0123456789abcdef", "XDG_CACHE_HOME=" + dirs + "/cache", "XDG_STATE_HOME=" + dirs + "/state"}
	exec := func(args ...string) result {
		t.Helper()
		return pkgql(t, invocation{args: append([]string{"--github-url", srv.URL + "/", "--registry-url", srv.URL,
			"--rate-window", window.String(), "-o", "json"}, args...), env: env})
	}
	// live is the sandbox's own account of the packages' live versions.
	live := func() map[int64]bool {
		ids := map[int64]bool{}
		for _, lp := range large {
			for _, v := range sb.Versions(org, "npm", lp.Name) {
				if !v.Deleted {
					ids[v.ID] = true
				}
			}
		}
		return ids
	}
	before := live()
	var keep []int64 // the newest live version of each package
	for _, lp := range large {
		vs := sb.Versions(org, "npm", lp.Name)
		for i := len(vs) - 1; i >= 0; i-- {
			if !vs[i].Deleted {
				keep = append(keep, vs[i].ID)
				break
			}
		}
	}
	if len(before) != 1002 || len(keep) != 2 {
		t.Fatalf("seeded %d live versions, %d newest; want 1,002 and 2", len(before), len(keep))
	}

	versions := fmt.Sprintf("FROM github.packages.package_versions WHERE org = '%s' AND package_type = 'npm' AND package_name IN ('%s', '%s')",
		org, large[0].Name, large[1].Name)
	del := "DELETE " + versions + " AND id NOT IN (SELECT MAX(id) " + versions + " GROUP BY package_name)"
	r := exec("--yes", "exec", del)
	if r.code != 0 {
		t.Fatalf("DELETE: %s", r)
	}
	var report []struct {
		ID     int64  `json:"package_version_id,string"`
		Result string `json:"result"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &report); err != nil {
		t.Fatalf("DELETE's report: %v\n%s", err, r)
	}
	after := live()
	var deleted []int64
	for _, row := range report {
		if row.Result != "deleted" {
			t.Errorf("version %d: %q", row.ID, row.Result)
		}
		if !before[row.ID] || after[row.ID] {
			t.Errorf("version %d reported deleted: live before %v, after %v", row.ID, before[row.ID], after[row.ID])
		}
		deleted = append(deleted, row.ID)
	}
	if len(deleted) != 1000 || len(after) != 2 || !after[keep[0]] || !after[keep[1]] {
		t.Fatalf("%d versions deleted, %d live after (want 1,000 and the newest two, %v)", len(deleted), len(after), keep)
	}
	check := func(name, method string, want int) {
		t.Helper()
		st, p := lim.Stats(), rec.phase(method, window)
		ratio := float64(p.took) / float64(p.allowed)
		t.Logf("%s: %d requests, %d points in play, took %s; the points allow %s (%.2fx); %d secondary refusals, most points in a window %d, most in flight %d",
			name, p.requests, p.points, p.took.Round(time.Millisecond), p.allowed.Round(time.Millisecond), ratio,
			st.SecondaryRefused, st.MaxPoints, st.MaxInFlight)
		if p.requests != want {
			t.Errorf("%s: %d requests of %s, want %d", name, p.requests, method, want)
		}
		if st.SecondaryRefused != 0 {
			t.Errorf("%s: %d requests refused for the secondary limit", name, st.SecondaryRefused)
		}
		if ratio > 1.3 {
			t.Errorf("%s took %s, more than 1.3x the %s the points allow", name, p.took, p.allowed)
		}
	}
	check("DELETE", http.MethodDelete, 1000)
	// The journal has every call, each answered.
	r = exec("exec", "SELECT COUNT(*) AS n, SUM(result = 'deleted' AND http_status = 204) AS deleted FROM pkgql.local.journal WHERE statement = 1")
	if want := `[{"n":1000,"deleted":1000}]`; strings.TrimSpace(r.stdout) != want {
		t.Errorf("journal: %s, want %s", r, want)
	}

	// The undo restores exactly the deleted set, no more: the versions that
	// were deleted before the statement stay deleted. It is another
	// process, which does not know what the DELETE's spent: it starts once
	// that has left the window, as a second pkgql with the same token must
	// be given a window of its own (docs/rate-limits.md).
	time.Sleep(window + window/50)
	if r := exec("--yes", "exec", "EXEC pkgql.local.journal.undo @statement = 1"); r.code != 0 {
		t.Fatalf("undo: %s", r)
	}
	restored := live()
	for id := range restored {
		if !before[id] {
			t.Errorf("version %d restored, but it was not deleted by the statement", id)
		}
	}
	for id := range before {
		if !restored[id] {
			t.Errorf("version %d deleted by the statement is still deleted", id)
		}
	}
	check("undo", http.MethodPost, 1000)
	if n := len(restored); n != len(before) {
		t.Errorf("%d live after the undo, %d before the DELETE", n, len(before))
	}
}
