package github

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
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
	// packages lists every package of the user, one DELETE each.
	packages := func(t *testing.T, p *Provider, n int) []provider.Request {
		var reqs []provider.Request
		for _, typ := range packageTypes {
			out := run(p, listReq("octocat", typ))
			if out.err != nil {
				t.Fatal(out.err)
			}
			for _, r := range out.rows {
				reqs = append(reqs, pkgReq("delete_package_for_user", "octocat", typ, r[1].(string)))
			}
		}
		if len(reqs) != n {
			t.Fatalf("listed %d packages, want %d", len(reqs), n)
		}
		return reqs
	}
	// versions lists the live versions of the user's npm packages until it
	// has n, one DELETE each.
	versions := func(t *testing.T, p *Provider, n int) []provider.Request {
		var reqs []provider.Request
		out := run(p, listReq("octocat", "npm"))
		if out.err != nil {
			t.Fatal(out.err)
		}
		for _, r := range out.rows {
			name := r[1].(string)
			params := map[string]string{"username": "octocat", "package_type": "npm", "package_name": name}
			vs := run(p, provider.Request{Service: "packages", Resource: "package_versions",
				Method: "get_all_package_versions_for_package_owned_by_user", Params: params, Columns: []string{"id"}})
			if vs.err != nil {
				t.Fatal(vs.err)
			}
			for _, v := range vs.rows {
				if len(reqs) == n {
					return reqs
				}
				key := maps.Clone(params)
				key["package_version_id"] = strconv.FormatInt(v[0].(int64), 10)
				reqs = append(reqs, provider.Request{Service: "packages", Resource: "package_versions",
					Method: "delete_package_version_for_user", Params: key})
			}
		}
		t.Fatalf("found %d versions, want %d", len(reqs), n)
		return nil
	}
	tests := []struct {
		name     string
		packages int // the user's
		deletes  int
		targets  func(t *testing.T, p *Provider, n int) []provider.Request
		interval time.Duration
	}{
		{"1,000 versions paced by the points", 1500, 1000, versions, 0},
		{"1,000 packages paced by the points", 1000, 1000, packages, 0},
		// GitHub's best practice of 1 s between mutations, in a window of
		// 400 ms standing for a minute.
		{"an interval between mutations", 240, 240, packages, window / 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			users := []sandbox.UserSeed{{Login: "octocat", Packages: tt.packages}}
			_, lim, base := limitedSandbox(t, users, sandbox.LimitOptions{Window: window, MaxConcurrent: 100})
			p := configured(t, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}, Concurrency: 16, RateWindow: window, MutationInterval: tt.interval})
			reqs := tt.targets(t, p, tt.deletes)
			listed := lim.Stats()
			// The listing's points leave the window before the DELETEs
			// start, so that the figure is the DELETEs' alone.
			time.Sleep(window + window/50)

			begin := time.Now()
			var wg sync.WaitGroup
			sem := make(chan struct{}, 16)
			errs := make(chan error, len(reqs))
			for _, req := range reqs {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					out := run(p, req)
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

// A listing whose pages after the first cannot fit in the primary budget
// page 1 reported stops there and returns no row: never halfway through.
func TestListingStopsAfterPageOne(t *testing.T) {
	t.Parallel()
	users := []sandbox.UserSeed{{Login: "octocat", Packages: 3000}}
	_, _, base := limitedSandbox(t, users, sandbox.LimitOptions{})
	all := run(configured(t, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}}), listReq("octocat", "npm"))
	if all.err != nil {
		t.Fatal(all.err)
	}
	pages := (len(all.rows) + perPage - 1) / perPage
	if pages < 3 {
		t.Fatalf("%d pages: the test needs three or more", pages)
	}
	tests := []struct {
		name     string
		primary  int   // the token's budget, an hour
		limit    int64 // the call's LIMIT; 0 for none
		wantRows int   // 0: the listing is refused after page 1
	}{
		{"one request short: refused", pages - 1, 0, 0},
		{"just enough: read whole", pages, 0, len(all.rows)},
		{"a LIMIT needing one page more fits", 2, 2 * perPage, 2 * perPage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, lim, base := limitedSandbox(t, users, sandbox.LimitOptions{Primary: tt.primary})
			p := configured(t, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}})
			req := listReq("octocat", "npm")
			req.Limit = tt.limit
			out := run(p, req)
			st := lim.Stats()
			if st.PrimaryRefused != 0 {
				t.Errorf("%d requests refused for the primary limit: the listing ran into it", st.PrimaryRefused)
			}
			if tt.wantRows > 0 {
				if out.err != nil || len(out.rows) != tt.wantRows {
					t.Fatalf("err %v, %d rows, want %d", out.err, len(out.rows), tt.wantRows)
				}
				return
			}
			pe := mustProviderError(t, out.err)
			msg := out.err.Error()
			cost := fmt.Sprintf("the %d after page 1 would cost %d requests", pages-1, pages-1)
			left := fmt.Sprintf("which has %d left", pages-2)
			if pe.Kind != provider.KindRateLimit || pe.Reset.IsZero() ||
				!strings.Contains(msg, cost) || !strings.Contains(msg, left) || !strings.Contains(msg, "the limit resets at") {
				t.Errorf("error %q (kind %s), want %q, %q and the reset", msg, pe.Kind, cost, left)
			}
			if len(out.rows) != 0 || len(out.batches) != 0 {
				t.Errorf("%d rows in %d batches sent before the refusal", len(out.rows), len(out.batches))
			}
			if st.Requests != 1 {
				t.Errorf("%d requests, want page 1 alone", st.Requests)
			}
		})
	}
}

// A Budget request reads GET /rate_limit, which costs none of the primary
// budget it reports, from the sandbox's model of the limits and from the
// sandbox itself.
func TestBudgetRequest(t *testing.T) {
	t.Parallel()
	users := []sandbox.UserSeed{{Login: "octocat", Packages: 30}}
	_, lim, limited := limitedSandbox(t, users, sandbox.LimitOptions{Primary: 50})
	plain := httptest.NewServer(sandbox.New(sandbox.Options{Users: users, RateLimit: 50}))
	t.Cleanup(plain.Close)
	for _, base := range []string{limited, plain.URL + "/"} {
		p := configured(t, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}})
		budget := func() (int64, int64) {
			t.Helper()
			out := run(p, provider.Request{Service: "packages", Resource: "user_packages", Budget: true})
			if out.err != nil || len(out.rows) != 0 || len(out.batches) != 1 || out.batches[0].Progress == nil {
				t.Fatalf("err %v, batches %+v", out.err, out.batches)
			}
			return out.batches[0].Progress.RateLimitRemaining, out.batches[0].Progress.RateLimitReset
		}
		for want := int64(50); want >= 48; want-- {
			remaining, reset := budget()
			if remaining != want || reset < time.Now().Unix() {
				t.Errorf("%s: budget %d, reset %d, want %d and a reset to come", base, remaining, reset, want)
			}
			if out := run(p, listReq("octocat", "npm")); out.err != nil {
				t.Fatal(out.err)
			}
		}
	}
	if st := lim.Stats(); st.Primary != 3 || st.Requests != 6 {
		t.Errorf("limits model: %d requests, %d counted; want 6, the 3 listings", st.Requests, st.Primary)
	}
}

// Listings of one token running at once are checked together: one whose
// pages would fit alone is refused after its page 1 while another has the
// budget booked, and neither runs into the primary limit.
func TestListingsShareTheBudget(t *testing.T) {
	t.Parallel()
	users := []sandbox.UserSeed{{Login: "octocat", Packages: 3000}}
	_, _, base := limitedSandbox(t, users, sandbox.LimitOptions{})
	all := run(configured(t, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}}), listReq("octocat", "npm"))
	if all.err != nil {
		t.Fatal(all.err)
	}
	pages := (len(all.rows) + perPage - 1) / perPage
	// Both page 1s and the first listing's other pages fit; the second's
	// other pages do not, beside them.
	_, lim, base := limitedSandbox(t, users, sandbox.LimitOptions{Primary: 2 + pages - 1 + 1})
	p := configured(t, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}})
	paged := make(chan struct{})
	resume := make(chan struct{})
	first := make(chan result, 1)
	go func() {
		var out result
		n := 0
		out.res, out.err = p.Call(t.Context(), listReq("octocat", "npm"), func(b provider.Batch) error {
			if n++; n == 1 {
				close(paged)
				<-resume
			}
			out.rows = append(out.rows, b.Rows...)
			return nil
		})
		first <- out
	}()
	<-paged
	second := run(p, listReq("octocat", "npm"))
	close(resume)
	if pe := mustProviderError(t, second.err); pe.Kind != provider.KindRateLimit ||
		!strings.Contains(second.err.Error(), fmt.Sprintf("%d of them due to listings already under way", pages-1)) {
		t.Errorf("second listing: %v", second.err)
	}
	if len(second.rows) != 0 {
		t.Errorf("the refused listing sent %d rows", len(second.rows))
	}
	if out := <-first; out.err != nil || len(out.rows) != len(all.rows) {
		t.Errorf("first listing: %v, %d rows of %d", out.err, len(out.rows), len(all.rows))
	}
	if st := lim.Stats(); st.PrimaryRefused != 0 || st.Requests != pages+1 {
		t.Errorf("%+v: want %d requests, none refused", st, pages+1)
	}
	// Once read, the pages are booked no more: the same listing fits again
	// in a budget that holds it.
	_, _, base = limitedSandbox(t, users, sandbox.LimitOptions{Primary: pages})
	p = configured(t, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}})
	if out := run(p, listReq("octocat", "npm")); out.err != nil {
		t.Fatal(out.err)
	}
	if b := p.books.get(tokenKey(testToken, base)); b.booked != 0 {
		t.Errorf("%d pages still booked after the listing", b.booked)
	}
}
