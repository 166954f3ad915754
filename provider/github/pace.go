package github

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"
)

// GitHub's secondary limits, as its REST docs state them: no more than 900
// points a minute, a GET (HEAD, OPTIONS) costing 1 point and a POST, PATCH,
// PUT or DELETE 5; no more than 100 requests at once (limitTransport holds
// that one).
const (
	secondaryPoints = 900
	secondaryWindow = time.Minute
	readPoints      = 1
	writePoints     = 5
)

// requestPoints is what a request costs against the secondary limit.
func requestPoints(method string) int {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return readPoints
	}
	return writePoints
}

// pacer keeps the requests sent with one token within GitHub's secondary
// points limit, so a bulk DELETE or a JOIN that fans out over thousands of
// packages is spread over the minutes the points allow instead of bursting
// into 403s and 429s. Every call of the provider process shares it: the
// calls of one statement, and in pkgql serve every session, as serve runs one
// provider process for its token.
//
// GitHub counts points per endpoint; the pacer counts every endpoint in one
// budget. That reading never exceeds GitHub's, whichever way a server groups
// its endpoints, and costs little: the statements that need pacing spend
// nearly all their points on one endpoint (a DELETE per version, a GET per
// package), the listing that finds them a few points more.
//
// It is a sliding window: in any span of window+margin, at most limit points
// are spent. A request's points count from when it is sent until a window
// after its answer came back, the latest moment the server can have counted
// it, so that a server counting arrivals in a window of its own (sliding or
// fixed, aligned anyhow) never counts more than the limit, however late a
// request arrived on a busy machine.
type pacer struct {
	limit    int
	window   time.Duration
	margin   time.Duration
	interval time.Duration // least time between two mutations; 0 for none
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error

	mu           sync.Mutex
	sent         []*spend // sent, or answered within the window
	used         int      // points in sent
	pausedUntil  time.Time
	lastMutation time.Time
}

// spend is one request's points; at is when it was answered, zero while it
// is in flight.
type spend struct {
	at     time.Time
	points int
}

// newPacer returns a pacer for GitHub's limit counted over window (its minute
// unless a test shortens it).
func newPacer(window, interval time.Duration) *pacer {
	if window <= 0 {
		window = secondaryWindow
	}
	return &pacer{
		limit:    secondaryPoints,
		window:   window,
		margin:   max(window/50, 10*time.Millisecond),
		interval: interval,
		now:      time.Now,
		sleep:    sleepContext,
	}
}

// wait blocks until a request costing points may be sent, and counts it;
// the caller calls answered on the spend once the answer is in.
func (p *pacer) wait(ctx context.Context, points int, mutation bool) (*spend, error) {
	for {
		sp, d := p.reserve(points, mutation)
		if sp != nil {
			return sp, nil
		}
		if err := p.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
}

// answered starts the span after which the request's points are free again.
func (p *pacer) answered(sp *spend) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sp.at = p.now()
}

// reserve counts the request and returns its spend when it may go now, or
// else how long to wait before asking again.
func (p *pacer) reserve(points int, mutation bool) (*spend, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	span := p.window + p.margin
	kept := p.sent[:0]
	for _, s := range p.sent {
		if !s.at.IsZero() && now.Sub(s.at) >= span {
			p.used -= s.points
			continue
		}
		kept = append(kept, s)
	}
	clear(p.sent[len(kept):])
	p.sent = kept

	start := now
	if p.pausedUntil.After(start) {
		start = p.pausedUntil
	}
	if mutation && p.interval > 0 && !p.lastMutation.IsZero() {
		if next := p.lastMutation.Add(p.interval); next.After(start) {
			start = next
		}
	}
	if over := p.used + points - p.limit; over > 0 {
		// The request fits once the earliest answered spends worth `over`
		// points have left the window; while too many are in flight, the
		// next answer tells more, so look again soon.
		answered := make([]*spend, 0, len(p.sent))
		for _, s := range p.sent {
			if !s.at.IsZero() {
				answered = append(answered, s)
			}
		}
		slices.SortFunc(answered, func(a, b *spend) int { return a.at.Compare(b.at) })
		next, freed := now.Add(p.margin), 0
		for _, s := range answered {
			freed += s.points
			if freed >= over {
				next = s.at.Add(span)
				break
			}
		}
		if next.After(start) {
			start = next
		}
	}
	if start.After(now) {
		return nil, start.Sub(now)
	}
	sp := &spend{points: points}
	p.sent = append(p.sent, sp)
	p.used += points
	if mutation {
		p.lastMutation = now
	}
	return sp, 0
}

// pause holds every request until t: GitHub has said to wait, and a request
// sent before then only prolongs the limit.
func (p *pacer) pause(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.pausedUntil) {
		p.pausedUntil = t
	}
}

// paceTransport waits for the pacer before each request goes out. It sits
// under the retry transport, so retries are paced too, and over the
// concurrency limit, so a waiting request holds no slot. A rate-limit answer
// pauses every request of the token for as long as GitHub asks.
type paceTransport struct {
	next  http.RoundTripper
	pacer *pacer
}

func (t *paceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	points := requestPoints(req.Method)
	sp, err := t.pacer.wait(req.Context(), points, points == writePoints)
	if err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	t.pacer.answered(sp)
	if err != nil {
		return nil, err
	}
	now := t.pacer.now()
	// A refusal that names no wait pauses the token from the retry loop,
	// which alone knows how many times the request was refused.
	if wait, limited := rateLimitWait(resp, now); limited && wait > 0 && !secondaryUnsaid(resp) {
		t.pacer.pause(now.Add(wait))
	}
	return resp, nil
}

// pacers hands out one pacer per token, API and pacing, for the life of the
// provider process: Configure may be called again with the same token (a new
// engine in pkgql serve) and must not start the count afresh.
type pacers struct {
	mu sync.Mutex
	m  map[pacerKey]*pacer
}

type pacerKey struct {
	account          string // tokenKey of the token and the API's URL
	window, interval time.Duration
}

func (ps *pacers) get(account string, window, interval time.Duration) *pacer {
	if window <= 0 {
		window = secondaryWindow
	}
	k := pacerKey{account, window, interval}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.m == nil {
		ps.m = map[pacerKey]*pacer{}
	}
	p := ps.m[k]
	if p == nil {
		p = newPacer(window, interval)
		ps.m[k] = p
	}
	return p
}
