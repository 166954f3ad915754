package github

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// limitedSandbox is the sandbox behind GitHub's documented limits and ETags.
func limitedSandbox(t testing.TB, users []sandbox.UserSeed, opts sandbox.LimitOptions) (*sandbox.Server, *sandbox.Limits, string) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Users: users, RateLimit: 1 << 30})
	lim := sandbox.NewLimits(sb, opts)
	srv := httptest.NewServer(lim)
	t.Cleanup(srv.Close)
	return sb, lim, srv.URL + "/"
}

func configured(t testing.TB, cfg provider.Config) *Provider {
	t.Helper()
	p := New(nil)
	if err := p.Configure(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCacheRevalidates(t *testing.T) {
	users := []sandbox.UserSeed{{Login: "octocat", Packages: 900}}
	_, lim, base := limitedSandbox(t, users, sandbox.LimitOptions{})
	dir := filepath.Join(t.TempDir(), "http")
	p := configured(t, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}, CacheDir: dir})
	other := configured(t, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken + "2"}, CacheDir: dir})
	uncached := configured(t, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}})

	list := func(p *Provider) ([][]any, sandbox.LimitStats) {
		t.Helper()
		before := lim.Stats()
		out := run(p, listReq("octocat", "npm"))
		if out.err != nil {
			t.Fatal(out.err)
		}
		after := lim.Stats()
		return out.rows, sandbox.LimitStats{
			Requests: after.Requests - before.Requests, Primary: after.Primary - before.Primary,
			NotModified: after.NotModified - before.NotModified, BodyBytes: after.BodyBytes - before.BodyBytes,
		}
	}
	first, cold := list(p)
	defer func() {
		t.Logf("a listing of %d pages: %d body bytes cold, revalidated 304s move none", cold.Requests, cold.BodyBytes)
	}()
	if cold.Primary == 0 || cold.Primary != cold.Requests || cold.NotModified != 0 {
		t.Fatalf("first listing: %+v, want every request counted", cold)
	}
	tests := []struct {
		name        string
		p           *Provider
		wantPrimary int // requests counted against the primary limit
	}{
		{"the same token again: every page revalidated, none counted", p, 0},
		{"another token shares no answer", other, cold.Requests},
		{"the other token again", other, 0},
		{"no cache: every page counted", uncached, cold.Requests},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, st := list(tt.p)
			if st.Requests != cold.Requests || st.Primary != tt.wantPrimary || st.NotModified != cold.Requests-tt.wantPrimary {
				t.Errorf("%+v, want %d requests, %d counted", st, cold.Requests, tt.wantPrimary)
			}
			if tt.wantPrimary == 0 && st.BodyBytes != 0 {
				t.Errorf("%d body bytes moved for 304s", st.BodyBytes)
			}
			if !reflect.DeepEqual(rows, first) {
				t.Error("rows differ from the first listing")
			}
		})
	}

	// A change is seen at once: the revalidation gets the new page.
	name := first[0][1].(string)
	if out := run(p, pkgReq("delete_package_for_user", "octocat", "npm", name)); out.err != nil {
		t.Fatal(out.err)
	}
	after, st := list(p)
	if len(after) != len(first)-1 || st.Primary == 0 {
		t.Errorf("after a DELETE: %d rows (want %d), %+v", len(after), len(first)-1, st)
	}

	// Private files, and no token in any of them.
	entries := 0
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() {
			if info.Mode().Perm() != 0o700 {
				t.Errorf("%s: mode %v, want 0700", path, info.Mode().Perm())
			}
			return nil
		}
		entries++
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", path, info.Mode().Perm())
		}
		data, err := os.ReadFile(path)
		if bytes.Contains(data, []byte(testToken)) || bytes.Contains([]byte(path), []byte(testToken)) {
			t.Errorf("%s holds the token", path)
		}
		return err
	})
	if err != nil || entries == 0 {
		t.Fatalf("walking the cache: %v, %d entries", err, entries)
	}
}

// TestPacedDeletes sends a bulk DELETE's worth of calls, as the engine does
// (several at once), to a server that enforces the secondary points limit
// and the concurrency cap over a short window: none may be refused, and the
// whole takes close to the time the points allow, or, with an interval
// between mutations, no less than the intervals add up to.
func TestPacedDeletes(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds")
	}
	const window = 400 * time.Millisecond
	tests := []struct {
		name     string
		deletes  int
		interval time.Duration
	}{
		{"paced by the points", 1000, 0},
		// GitHub's best practice of 1 s between mutations, in a window of
		// 400 ms standing for a minute.
		{"an interval between mutations", 240, window / 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			users := []sandbox.UserSeed{{Login: "octocat", Packages: tt.deletes}}
			_, lim, base := limitedSandbox(t, users, sandbox.LimitOptions{Window: window, MaxConcurrent: 100})
			p := configured(t, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}, Concurrency: 16, RateWindow: window, MutationInterval: tt.interval})

			var names [][2]string
			for _, typ := range packageTypes {
				out := run(p, listReq("octocat", typ))
				if out.err != nil {
					t.Fatal(out.err)
				}
				for _, r := range out.rows {
					names = append(names, [2]string{typ, r[1].(string)})
				}
			}
			if len(names) != tt.deletes {
				t.Fatalf("listed %d packages, want %d", len(names), tt.deletes)
			}
			listed := lim.Stats()

			begin := time.Now()
			var wg sync.WaitGroup
			sem := make(chan struct{}, 16)
			errs := make(chan error, len(names))
			for _, n := range names {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					out := run(p, pkgReq("delete_package_for_user", "octocat", n[0], n[1]))
					if out.err != nil {
						if pe, ok := provider.AsError(out.err); ok && pe.HTTPStatus == 400 {
							return // over 5,000 downloads: refused, as GitHub does
						}
						errs <- out.err
					}
				}()
			}
			wg.Wait()
			took := time.Since(begin)
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			st := lim.Stats()
			if st.SecondaryRefused != 0 {
				t.Errorf("%d requests refused for the secondary limit", st.SecondaryRefused)
			}
			sent := st.Requests - listed.Requests
			points := sent * writePoints
			allowed := time.Duration(float64(points) / secondaryPoints * float64(window))
			t.Logf("%d DELETEs (%d points) in %s; the points allow %s (%.2fx); most in one window %d, most in flight %d",
				sent, points, took.Round(time.Millisecond), allowed.Round(time.Millisecond),
				float64(took)/float64(allowed), st.MaxPoints, st.MaxInFlight)
			if tt.interval == 0 && took > allowed*13/10 {
				t.Errorf("took %s, more than 1.3x the %s the points allow", took, allowed)
			}
			if least := time.Duration(sent-1) * tt.interval; took < least {
				t.Errorf("took %s, less than the %s the intervals add up to", took, least)
			}
		})
	}
}
