package github

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// header builds a header from name, value pairs.
func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// Transient faults on a page are retried on that same page: the listing that
// succeeds has every row exactly once, in order.
func TestListRetriesFaults(t *testing.T) {
	t.Parallel()
	status := func(code int, kv ...string) sandbox.Fault {
		return sandbox.Fault{Status: code, Header: header(kv...), Docs: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}
	}
	reset := sandbox.Fault{Reset: true}
	midBody := sandbox.Fault{Status: http.StatusOK, Header: header("Content-Length", "100000"), Body: `[{"id":1,`}
	cases := []struct {
		name      string
		fault     sandbox.Fault
		times     int // how many times page 3 fails
		wantWaits []time.Duration
		// fresh closes every connection after its answer, so that net/http
		// never replays on a reused one and each fault reaches the retry loop.
		fresh bool
	}{
		{"502 then success", status(502), 1, []time.Duration{100 * time.Millisecond}, false},
		{"503 three times", status(503), 3, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}, false},
		{"connection reset", reset, 2, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, true},
		{"reset mid-body", midBody, 1, []time.Duration{100 * time.Millisecond}, false},
		{"secondary limit with Retry-After", status(403, "Retry-After", "7"), 1, []time.Duration{7 * time.Second}, false},
		{"429 with Retry-After", status(429, "Retry-After", "2"), 2, []time.Duration{2 * time.Second, 2 * time.Second}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 530)}}
			sb := sandbox.New(opts)
			srv := httptest.NewServer(sb)
			t.Cleanup(srv.Close)
			srv.Config.SetKeepAlivesEnabled(!tc.fresh)
			want := sandboxJSON(t, opts, srv.URL, "/users/octocat/packages?package_type=npm&per_page=100")
			fault := tc.fault
			fault.Query, fault.Times = map[string]string{"page": "3"}, tc.times
			sb.SetFaults(fault)
			p, s := testProvider(t, srv.URL, 4, nil)
			out := run(p, listReq("octocat", "npm"))
			if out.err != nil {
				t.Fatal(out.err)
			}
			if len(out.rows) != len(want) {
				t.Fatalf("%d rows, want %d", len(out.rows), len(want))
			}
			for i, row := range out.rows {
				checkRow(t, row, want[i])
			}
			page3 := 0
			for _, l := range requestLines(sb) {
				if strings.Contains(l, "page=3") {
					page3++
				}
			}
			if page3 != tc.times+1 || arrived(sb) != 6+tc.times || out.res.Requests != int64(6+tc.times) {
				t.Errorf("page 3 asked %d times, %d requests in all (result says %d)", page3, arrived(sb), out.res.Requests)
			}
			if got := s.waits(); !slices.Equal(got, tc.wantWaits) {
				t.Errorf("waits %v, want %v", got, tc.wantWaits)
			}
		})
	}
}

// A page that keeps failing fails the listing: never fewer rows in silence.
func TestListFailsWhenAPageKeepsFailing(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 950)}})
	sb.SetFaults(sandbox.Fault{Query: map[string]string{"page": "7"}, Status: http.StatusBadGateway, Message: "Server Error"})
	p, _ := testProvider(t, base, 3, nil)
	var rows int
	_, err := p.Call(t.Context(), listReq("octocat", "npm"), func(b provider.Batch) error {
		rows += len(b.Rows)
		return nil
	})
	pe := mustProviderError(t, err)
	if pe.Kind != provider.KindUnavailable || pe.HTTPStatus != 502 {
		t.Fatalf("err %v", pe)
	}
	if rows > 600 {
		t.Errorf("%d rows sent past the failed page", rows)
	}
	page7 := 0
	for _, l := range requestLines(sb) {
		if strings.Contains(l, "page=7") {
			page7++
		}
	}
	if page7 != 4 {
		t.Errorf("page 7 tried %d times, want 4", page7)
	}
}

// A primary limit that resets soon is waited for; x-ratelimit-reset says until
// when.
func TestRateLimitResetSoonIsWaited(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 0, "hello")}})
	resetAt := time.Now().Add(5 * time.Second).Truncate(time.Second)
	sb.SetFaults(sandbox.Fault{Times: 1, Status: http.StatusForbidden, Message: "API rate limit exceeded",
		Header: header("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(resetAt.Unix(), 10))})
	p, s := testProvider(t, base, 8, nil)
	now := time.Now()
	p.policy.now = func() time.Time { return now }
	if err := p.Configure(t.Context(), provider.Config{Settings: map[string]string{SettingBaseURL: base}}); err != nil {
		t.Fatal(err)
	}
	out := run(p, pkgReq("get_package_for_user", "octocat", "npm", "hello"))
	if out.err != nil {
		t.Fatal(out.err)
	}
	if w := s.waits(); len(w) != 1 || w[0] != resetAt.Sub(now) {
		t.Errorf("waits %v, want %v", w, resetAt.Sub(now))
	}
	if arrived(sb) != 2 {
		t.Errorf("%d requests", arrived(sb))
	}
}

// A GET whose answer does not come in time is tried again.
func TestGetRetriesTimeout(t *testing.T) {
	t.Parallel()
	opts := sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 0, "hello")}}
	sb, base := startSandbox(t, opts)
	want := sandboxJSON(t, opts, base, "/users/octocat/packages/npm/hello")[0]
	sb.SetFaults(sandbox.Fault{Times: 1, Stall: true}) // the first answer never comes
	p, s := testProvider(t, base, 8, nil)
	// Long enough for the second answer to come in time while the other
	// tests keep both cores busy; the first never comes at all.
	p.policy.headerTimeout = time.Second
	if err := p.Configure(t.Context(), provider.Config{Settings: map[string]string{SettingBaseURL: base}}); err != nil {
		t.Fatal(err)
	}
	out := run(p, pkgReq("get_package_for_user", "octocat", "npm", "hello"))
	if out.err != nil {
		t.Fatal(out.err)
	}
	checkRow(t, out.rows[0], want)
	if arrived(sb) != 2 || len(s.waits()) != 1 {
		t.Errorf("%d requests, waits %v", arrived(sb), s.waits())
	}
}
