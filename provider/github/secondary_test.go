package github

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// refusing puts a GitHub-shaped refusal in front of the sandbox: the first
// times requests are answered with refuse, the rest reach the sandbox.
func refusing(t *testing.T, times int, refuse func(w http.ResponseWriter)) (string, func() int) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Users: []sandbox.UserSeed{{Login: "octocat", Packages: 3}}})
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		refused := n <= times
		mu.Unlock()
		if refused {
			refuse(w)
			return
		}
		sb.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/", func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// waitLog records the waits a policy asks for, without waiting.
type waitLog struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *waitLog) sleep(ctx context.Context, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.d = append(l.d, d)
	return ctx.Err()
}

func (l *waitLog) waits() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.d)
}

// GitHub's docs on a secondary rate limit: honour retry-after; else, with
// x-ratelimit-remaining 0, wait until x-ratelimit-reset; else wait at least
// a minute, then exponentially longer on each refusal after it. A 403 that
// is no rate limit is not retried.
func TestSecondaryLimitWaits(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	const base, capped = 60 * time.Millisecond, 200 * time.Millisecond
	refusal := func(status int, msg string, header ...string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"message":%q,"documentation_url":"https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"}`, msg)
		}
	}
	const secondary = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
	tests := []struct {
		name      string
		refuse    func(w http.ResponseWriter)
		times     int
		wantWaits []time.Duration
		wantKind  string // the call's error kind; "" for success
	}{
		// Jitter is fixed at half its range: a quarter of d, halved.
		{"403 secondary without headers: a base, then doubling", refusal(403, secondary), 3,
			[]time.Duration{base + base/8, 2*base + 2*base/8, capped}, ""},
		{"with x-ratelimit-remaining above 0", refusal(403, secondary, "X-RateLimit-Remaining", "4000"), 1,
			[]time.Duration{base + base/8}, ""},
		{"429 without headers", refusal(429, "Too Many Requests"), 2,
			[]time.Duration{base + base/8, 2*base + 2*base/8}, ""},
		{"refused on every attempt", refusal(403, secondary), 10,
			[]time.Duration{base + base/8, 2*base + 2*base/8, capped}, provider.KindRateLimit},
		{"retry-after is honoured as it is", refusal(403, secondary, "Retry-After", "1"), 1,
			[]time.Duration{time.Second}, ""},
		{"remaining 0: until the reset", refusal(403, "API rate limit exceeded for user ID 1.",
			"X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(now.Add(4*time.Second).Unix(), 10)), 1,
			[]time.Duration{4 * time.Second}, ""},
		{"a 403 that is no rate limit", refusal(403, "Must have admin rights to Repository."), 1, nil, provider.KindAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, requests := refusing(t, tt.times, tt.refuse)
			p := New(nil)
			log := &waitLog{}
			p.policy.sleep = log.sleep
			p.policy.now = func() time.Time { return now }
			p.policy.jitter = func(d time.Duration) time.Duration { return d / 2 }
			p.policy.secondaryBase, p.policy.secondaryMax = base, capped
			if err := p.Configure(t.Context(), provider.Config{Settings: map[string]string{SettingBaseURL: url, SettingToken: testToken}}); err != nil {
				t.Fatal(err)
			}
			out := run(p, listReq("octocat", "npm"))
			if got := log.waits(); !slices.Equal(got, tt.wantWaits) {
				t.Errorf("waits %v, want %v", got, tt.wantWaits)
			}
			wantRequests := min(tt.times, p.policy.attempts-1) + 1
			if tt.wantKind == provider.KindAuth {
				wantRequests = 1
			}
			if n := requests(); n != wantRequests {
				t.Errorf("%d requests, want %d", n, wantRequests)
			}
			if tt.wantKind == "" {
				if out.err != nil || len(out.rows) == 0 {
					t.Fatalf("err %v, %d rows", out.err, len(out.rows))
				}
				return
			}
			if pe := mustProviderError(t, out.err); pe.Kind != tt.wantKind {
				t.Errorf("kind %q, want %q: %v", pe.Kind, tt.wantKind, out.err)
			}
		})
	}
}

// The default waits are GitHub's: a minute first, then two, then four, each
// with up to a quarter more, never over five minutes.
func TestSecondaryWaitDefaults(t *testing.T) {
	p := defaultRetryPolicy()
	tests := []struct {
		n        int
		min, max time.Duration
	}{
		{1, time.Minute, time.Minute + 15*time.Second},
		{2, 2 * time.Minute, 2*time.Minute + 30*time.Second},
		{3, 4 * time.Minute, 5 * time.Minute},
		{4, 5 * time.Minute, 5 * time.Minute},
		{40, 5 * time.Minute, 5 * time.Minute},
	}
	for _, tt := range tests {
		for range 50 {
			if d := p.secondaryWait(tt.n); d < tt.min || d > tt.max {
				t.Fatalf("refusal %d: wait %s, want %s to %s", tt.n, d, tt.min, tt.max)
			}
		}
	}
}

// While one request backs off from a refusal that named no wait, the other
// requests of the token wait too: sent meanwhile, they would only prolong
// the limit.
func TestSecondaryBackoffHoldsTheToken(t *testing.T) {
	t.Parallel()
	const base = 200 * time.Millisecond
	refused := make(chan time.Time, 1)
	url, _ := refusing(t, 1, func(w http.ResponseWriter) {
		refused <- time.Now()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"message":"You have exceeded a secondary rate limit."}`)
	})
	p := New(nil)
	p.policy.secondaryBase = base
	if err := p.Configure(t.Context(), provider.Config{Settings: map[string]string{SettingBaseURL: url, SettingToken: testToken}}); err != nil {
		t.Fatal(err)
	}
	first := make(chan result, 1)
	go func() { first <- run(p, listReq("octocat", "npm")) }()
	at := <-refused
	// The refusal is answered; give the retry loop a moment to pause the
	// token, then send another request of it.
	time.Sleep(20 * time.Millisecond)
	if out := run(p, listReq("octocat", "maven")); out.err != nil {
		t.Fatal(out.err)
	}
	if held := time.Since(at); held < base {
		t.Errorf("the second request was answered %s after the refusal, before the %s backoff ended", held, base)
	}
	if out := <-first; out.err != nil {
		t.Fatal(out.err)
	}
}
