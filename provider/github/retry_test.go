package github

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
)

// Transient faults on a page are retried on that same page: the listing that
// succeeds has every row exactly once, in order.
func TestListRetriesFaults(t *testing.T) {
	t.Parallel()
	type fault func(t *testing.T, w http.ResponseWriter)
	status := func(code int, header ...string) fault {
		return func(_ *testing.T, w http.ResponseWriter) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			writeError(w, code, http.StatusText(code), "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
		}
	}
	reset := func(t *testing.T, w http.ResponseWriter) { hijackClose(t, w) }
	midBody := func(t *testing.T, w http.ResponseWriter) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[{\"id\":1,")
		buf.Flush()
		conn.Close()
	}
	cases := []struct {
		name      string
		fault     fault
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
			f := newFakeGitHub(t)
			f.srv.Config.SetKeepAlivesEnabled(!tc.fresh)
			want := f.addPackages("octocat", "npm", 530, nil)
			var mu sync.Mutex
			failures := 0
			f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
				if r.URL.Query().Get("page") != "3" {
					return false
				}
				mu.Lock()
				defer mu.Unlock()
				if failures == tc.times {
					return false
				}
				failures++
				tc.fault(t, w)
				return true
			}
			p, s := testProvider(t, f.srv.URL, 4, nil)
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
			for _, l := range f.requestLog() {
				if strings.Contains(l, "page=3") {
					page3++
				}
			}
			if page3 != tc.times+1 || f.requests.Load() != int64(6+tc.times) || out.res.Requests != int64(6+tc.times) {
				t.Errorf("page 3 asked %d times, %d requests in all (result says %d)", page3, f.requests.Load(), out.res.Requests)
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
	f := newFakeGitHub(t)
	f.addPackages("octocat", "npm", 950, nil)
	f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if r.URL.Query().Get("page") == "7" {
			writeError(w, 502, "Server Error", "")
			return true
		}
		return false
	}
	p, _ := testProvider(t, f.srv.URL, 3, nil)
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
	for _, l := range f.requestLog() {
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
	f := newFakeGitHub(t)
	f.addPackages("octocat", "npm", 1, func(int) string { return "hello" })
	resetAt := time.Now().Add(5 * time.Second).Truncate(time.Second)
	f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if n > 1 {
			return false
		}
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(resetAt.Unix(), 10))
		writeError(w, 403, "API rate limit exceeded", "")
		return true
	}
	p, s := testProvider(t, f.srv.URL, 8, nil)
	now := time.Now()
	p.policy.now = func() time.Time { return now }
	if err := p.Configure(t.Context(), provider.Config{Settings: map[string]string{SettingBaseURL: f.srv.URL}}); err != nil {
		t.Fatal(err)
	}
	out := run(p, pkgReq("get_package_for_user", "octocat", "npm", "hello"))
	if out.err != nil {
		t.Fatal(out.err)
	}
	if w := s.waits(); len(w) != 1 || w[0] != resetAt.Sub(now) {
		t.Errorf("waits %v, want %v", w, resetAt.Sub(now))
	}
	if f.requests.Load() != 2 {
		t.Errorf("%d requests", f.requests.Load())
	}
}

// A GET whose answer does not come in time is tried again.
func TestGetRetriesTimeout(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	want := f.addPackages("octocat", "npm", 1, func(int) string { return "hello" })[0]
	f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if n > 1 {
			return false
		}
		select { // the first answer never comes
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return true
	}
	p, s := testProvider(t, f.srv.URL, 8, nil)
	p.policy.headerTimeout = 100 * time.Millisecond
	if err := p.Configure(t.Context(), provider.Config{Settings: map[string]string{SettingBaseURL: f.srv.URL}}); err != nil {
		t.Fatal(err)
	}
	out := run(p, pkgReq("get_package_for_user", "octocat", "npm", "hello"))
	if out.err != nil {
		t.Fatal(out.err)
	}
	checkRow(t, out.rows[0], want)
	if f.requests.Load() != 2 || len(s.waits()) != 1 {
		t.Errorf("%d requests, waits %v", f.requests.Load(), s.waits())
	}
}
