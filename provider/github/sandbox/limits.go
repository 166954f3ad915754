package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits puts GitHub's documented rate limits and conditional requests in
// front of any handler (the sandbox, or a test's own server), so that a client
// can be checked against them without GitHub:
//
//   - ETags: a 200 to a GET carries a strong ETag of its body; a GET whose
//     If-None-Match names it is answered 304 Not Modified, without a body.
//   - the primary limit: Primary requests per token per hour. A 304 does
//     not count, as GitHub documents. Spent, a request is answered 403 with
//     x-ratelimit-remaining 0 and x-ratelimit-reset.
//   - the secondary points limit: Points points per Window over all of a
//     token's requests (GET, HEAD, OPTIONS 1 point; other methods 5), counted
//     over a sliding window on arrival. Over it, a request is answered 429
//     (or 403) with retry-after, and its points are not counted.
//   - the concurrency limit: more than MaxConcurrent requests in flight at
//     once are answered 403, "secondary rate limit", without retry-after.
//
// Window is GitHub's minute, shortened in tests so that minutes pass in
// seconds.
type Limits struct {
	next http.Handler
	opts LimitOptions

	mu       sync.Mutex
	tokens   map[string]*tokenUse
	inFlight int
	stats    LimitStats
}

// LimitOptions sets the limits; a zero field takes GitHub's value.
type LimitOptions struct {
	Primary       int           // requests per hour; 0 → 5,000
	Points        int           // secondary points per Window; 0 → 900
	Window        time.Duration // 0 → one minute
	MaxConcurrent int           // 0 → 100
	// Status is the status of a points refusal: 429 or 403; 0 → 429.
	Status int
}

// LimitStats count what Limits saw.
type LimitStats struct {
	Requests    int // every request, refused or not
	Primary     int // requests counted against the primary limit
	NotModified int // 304 answers, which are free
	// SecondaryRefused counts requests refused for the points or
	// concurrency limit; PrimaryRefused those refused for the primary one.
	SecondaryRefused int
	PrimaryRefused   int
	MaxInFlight      int
	// MaxPoints is the most points counted in any Window.
	MaxPoints int
	// BodyBytes is the size of the bodies sent.
	BodyBytes int64
}

type tokenUse struct {
	primary int
	reset   time.Time
	spent   []pointSpend // within the last Window, oldest first
	points  int          // in spent
}

type pointSpend struct {
	at     time.Time
	points int
}

// NewLimits returns next behind the limits.
func NewLimits(next http.Handler, opts LimitOptions) *Limits {
	if opts.Primary <= 0 {
		opts.Primary = 5000
	}
	if opts.Points <= 0 {
		opts.Points = 900
	}
	if opts.Window <= 0 {
		opts.Window = time.Minute
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 100
	}
	if opts.Status == 0 {
		opts.Status = http.StatusTooManyRequests
	}
	return &Limits{next: next, opts: opts, tokens: map[string]*tokenUse{}}
}

// Stats returns the counts so far.
func (l *Limits) Stats() LimitStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

const secondaryMessage = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. " +
	"If you reach out to GitHub Support for help, please include the request ID."

const rateLimitDoc = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"

func (l *Limits) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	token := r.Header.Get("Authorization")
	points := 5
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		points = 1
	}

	l.mu.Lock()
	l.stats.Requests++
	l.inFlight++
	l.stats.MaxInFlight = max(l.stats.MaxInFlight, l.inFlight)
	over := l.inFlight > l.opts.MaxConcurrent
	u := l.tokens[token]
	if u == nil || !now.Before(u.reset) {
		u = &tokenUse{reset: now.Add(time.Hour)}
		l.tokens[token] = u
	}
	drop := 0
	for drop < len(u.spent) && now.Sub(u.spent[drop].at) >= l.opts.Window {
		u.points -= u.spent[drop].points
		drop++
	}
	u.spent = u.spent[drop:]
	var refuse func() // answers the request here, without next
	switch {
	case over:
		l.stats.SecondaryRefused++
		refuse = func() { writeLimitError(w, http.StatusForbidden, secondaryMessage) }
	case u.points+points > l.opts.Points:
		l.stats.SecondaryRefused++
		// Retry once enough of the oldest points have left the window.
		need, wait := u.points+points-l.opts.Points, time.Duration(0)
		for _, s := range u.spent {
			need -= s.points
			if need <= 0 {
				wait = s.at.Add(l.opts.Window).Sub(now)
				break
			}
		}
		status := l.opts.Status
		refuse = func() {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeLimitError(w, status, secondaryMessage)
		}
	case r.Method == http.MethodGet && r.URL.Path == rateLimitPath:
		// GitHub documents that GET /rate_limit does not count against the
		// primary limit; its point counts against the secondary one.
		u.spent = append(u.spent, pointSpend{at: now, points: points})
		u.points += points
		remaining, reset := l.opts.Primary-u.primary, u.reset
		refuse = func() {
			setPrimaryHeaders(w.Header(), l.opts.Primary, remaining, reset)
			writeRateLimits(w, l.opts.Primary, remaining, reset)
		}
	case u.primary >= l.opts.Primary:
		l.stats.PrimaryRefused++
		reset := u.reset
		refuse = func() {
			setPrimaryHeaders(w.Header(), l.opts.Primary, 0, reset)
			writeLimitError(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.")
		}
	default:
		u.spent = append(u.spent, pointSpend{at: now, points: points})
		u.points += points
		l.stats.MaxPoints = max(l.stats.MaxPoints, u.points)
		u.primary++ // given back below for a 304
	}
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.inFlight--
		l.mu.Unlock()
	}()
	if refuse != nil {
		refuse()
		return
	}

	rec := httptest.NewRecorder()
	l.next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	status := rec.Code
	etag := ""
	if r.Method == http.MethodGet && status == http.StatusOK {
		sum := sha256.Sum256(body)
		etag = `"` + hex.EncodeToString(sum[:16]) + `"`
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			status, body = http.StatusNotModified, nil
		}
	}

	l.mu.Lock()
	if status == http.StatusNotModified {
		u.primary--
		l.stats.NotModified++
	} else {
		l.stats.Primary++
	}
	remaining, reset := l.opts.Primary-u.primary, u.reset
	l.stats.BodyBytes += int64(len(body))
	l.mu.Unlock()

	h := w.Header()
	for k, v := range rec.Header() {
		h[k] = v
	}
	setPrimaryHeaders(h, l.opts.Primary, remaining, reset)
	if etag != "" {
		h.Set("ETag", etag)
		h.Set("Cache-Control", "private, max-age=60, s-maxage=60")
		h.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
	}
	if status == http.StatusNotModified {
		h.Del("Content-Type")
		h.Del("Content-Length")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// etagMatch is If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func setPrimaryHeaders(h http.Header, limit, remaining int, reset time.Time) {
	h.Set("X-Ratelimit-Limit", strconv.Itoa(limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Ratelimit-Used", strconv.Itoa(limit-remaining))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-Ratelimit-Resource", "core")
}

// rateLimitPath is GitHub's GET /rate_limit.
const rateLimitPath = "/rate_limit"

// writeRateLimits answers GET /rate_limit as GitHub does: the core (REST)
// budget under resources, and again as the deprecated rate object. The
// other resources are reported full, as nothing here spends them.
func writeRateLimits(w http.ResponseWriter, limit, remaining int, reset time.Time) {
	type rate struct {
		Limit     int    `json:"limit"`
		Used      int    `json:"used"`
		Remaining int    `json:"remaining"`
		Reset     int64  `json:"reset"`
		Resource  string `json:"resource,omitempty"`
	}
	core := rate{Limit: limit, Used: limit - remaining, Remaining: remaining, Reset: reset.Unix()}
	full := func(n int) rate { return rate{Limit: n, Remaining: n, Reset: reset.Unix()} }
	body := struct {
		Resources map[string]rate `json:"resources"`
		Rate      rate            `json:"rate"`
	}{
		Resources: map[string]rate{"core": core, "search": full(30), "code_search": full(10), "graphql": full(limit)},
		Rate:      core,
	}
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func writeLimitError(w http.ResponseWriter, status int, msg string) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"message":%q,"documentation_url":%q,"status":"%d"}`, msg, rateLimitDoc, status)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
