package sandbox

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

const defaultRateLimit = 5000

// rateLimiter models GitHub's primary rate limit: a budget of requests per
// client per hour, where the hour starts at the client's first request.
type rateLimiter struct {
	mu      sync.Mutex
	limit   int
	buckets map[string]*bucket
}

type bucket struct {
	used  int
	reset time.Time
}

// rate is what one request learned about its client's budget.
type rate struct {
	limit, remaining, used int
	reset                  time.Time
	exceeded               bool
}

func newRateLimiter(limit int) *rateLimiter {
	if limit <= 0 {
		limit = defaultRateLimit
	}
	return &rateLimiter{limit: limit, buckets: map[string]*bucket{}}
}

// take spends one request of client's budget, unless it is already spent.
func (l *rateLimiter) take(client string, now time.Time) rate {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[client]
	if b == nil || !now.Before(b.reset) {
		b = &bucket{reset: now.Add(time.Hour)}
		l.buckets[client] = b
	}
	if b.used >= l.limit {
		return rate{limit: l.limit, used: b.used, reset: b.reset, exceeded: true}
	}
	b.used++
	return rate{limit: l.limit, remaining: l.limit - b.used, used: b.used, reset: b.reset}
}

// peek is client's budget, unspent: GET /rate_limit costs none of it.
func (l *rateLimiter) peek(client string, now time.Time) rate {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[client]
	if b == nil || !now.Before(b.reset) {
		return rate{limit: l.limit, remaining: l.limit, reset: now.Add(time.Hour)}
	}
	return rate{limit: l.limit, remaining: max(l.limit-b.used, 0), used: b.used, reset: b.reset}
}

// setHeaders writes the headers GitHub sends with every REST response; go-github
// reads them to back off, and tells a primary rate limit from other 403s by
// x-ratelimit-remaining being 0.
func (r rate) setHeaders(h http.Header) {
	h.Set("X-Ratelimit-Limit", strconv.Itoa(r.limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(r.remaining))
	h.Set("X-Ratelimit-Used", strconv.Itoa(r.used))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(r.reset.Unix(), 10))
	h.Set("X-Ratelimit-Resource", "core")
}

// rateLimitMessage is GitHub's wording, which differs for authenticated
// clients (named by user ID) and anonymous ones (named by IP address).
func rateLimitMessage(token, ip string) string {
	if token != "" {
		// The sandbox has no token → user table; a hash keeps the ID stable.
		return fmt.Sprintf("API rate limit exceeded for user ID %d.", hashString(token)%100_000_000)
	}
	return "API rate limit exceeded for " + ip + ". (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)"
}
