package github

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Retries live in an http.RoundTripper under go-github rather than around
// Client.Do, for three reasons:
//   - go-github remembers a secondary-rate-limit answer and refuses every
//     request until its Retry-After has passed on the wall clock; retried
//     below it, a wait that ended well never reaches that bookkeeping, and
//     tests can shorten waits without go-github refusing the retry.
//   - every request of every method (get, each page of a listing, the GET
//     that re-checks a change) gets the same policy in one place, and the
//     listing code stays a plain sequence of pages.
//   - only the transport sees whether a connection failed before the request
//     was written (a dial error), the one case where resending a DELETE or
//     POST is provably safe.
//
// A GET is retried whole: a 200's body is read inside the retry loop, so a
// connection that breaks mid-body is retried like one that broke before the
// headers, and a page is never half-read.

// retryPolicy says how often requests are retried and how long to wait. The
// waits are injectable so that tests run fast.
type retryPolicy struct {
	attempts int           // tries per request, the first included
	base     time.Duration // the first backoff; it doubles per attempt
	max      time.Duration // the longest backoff
	// maxWait is the longest rate-limit wait taken; a longer one fails the
	// call with the reset time instead.
	maxWait time.Duration
	// secondaryBase is the first wait after a secondary-limit refusal that
	// says neither how long to wait nor that the primary budget is spent:
	// GitHub's docs ask for at least a minute, then exponentially more on
	// each refusal after it. secondaryMax caps those waits.
	secondaryBase time.Duration
	secondaryMax  time.Duration
	// headerTimeout bounds the wait for a response's headers, and
	// idleTimeout each wait for more of its body: a server that stalls
	// fails the attempt rather than hanging the statement.
	headerTimeout time.Duration
	idleTimeout   time.Duration
	// maxStalls is how many attempts of one request may stall before it
	// fails: with the defaults a stalled server ends a GET within a minute
	// and a change with its checking GET within a minute and a half.
	maxStalls int
	// maxBody is the largest answer read; GitHub's pages are far smaller.
	maxBody int64
	sleep   func(ctx context.Context, d time.Duration) error
	now     func() time.Time
	jitter  func(d time.Duration) time.Duration // a random duration in [0, d)
}

func defaultRetryPolicy() retryPolicy {
	return retryPolicy{
		attempts:      4,
		base:          200 * time.Millisecond,
		max:           5 * time.Second,
		maxWait:       60 * time.Second,
		secondaryBase: time.Minute,
		secondaryMax:  5 * time.Minute,
		headerTimeout: 30 * time.Second,
		idleTimeout:   30 * time.Second,
		maxStalls:     2,
		maxBody:       defaultMaxBody,
		sleep:         sleepContext,
		now:           time.Now,
		jitter:        func(d time.Duration) time.Duration { return rand.N(d) },
	}
}

// backoff is the wait before retry number attempt (1 for the first retry):
// exponential, capped, with jitter so that concurrent page fetches that failed
// together do not retry together. Half of it is fixed so that a retry never
// comes back at once.
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := p.max
	if attempt < 31 {
		d = min(p.base<<(attempt-1), p.max)
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + p.jitter(half)
}

// secondaryWait is the wait before resending a request after its refusal
// number n (1 for the first) for a secondary limit that named no wait: the
// base, doubled per refusal, plus up to a quarter more so that requests
// refused together do not come back together, and never over the cap. The
// jitter only adds, so the first wait is never under the minute GitHub asks.
func (p retryPolicy) secondaryWait(n int) time.Duration {
	d := p.secondaryMax
	if n < 31 {
		d = min(p.secondaryBase<<(n-1), p.secondaryMax)
	}
	if q := d / 4; q > 0 {
		d += p.jitter(q)
	}
	return min(d, p.secondaryMax)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryTransport retries what can safely be retried, counts requests and
// logs each one. It never logs headers or the query, where the token and the
// restore token travel.
type retryTransport struct {
	next   http.RoundTripper
	policy retryPolicy
	logger hclog.Logger
	// pause holds every request of the token until a time, while one of them
	// backs off from a secondary limit; nil where nothing is paced.
	pause func(time.Time)
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	stats := statsFrom(ctx)
	// A request counts once written to the wire. net/http itself replays a GET
	// whose reused connection turned out dead; that replay counts too, and a
	// dial that failed does not.
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				stats.requests.Add(1)
			}
		},
	}))
	// GET and HEAD carry no body and change nothing: any failure can be retried.
	replayable := req.Method == http.MethodGet || req.Method == http.MethodHead
	stalls := 0
	unsaid := 0 // secondary-limit refusals that named no wait
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		resp, err := t.attempt(req)
		if err == nil && replayable && resp.StatusCode < 300 {
			err = bufferBody(resp, t.policy.maxBody)
			if err != nil {
				resp = nil
			}
		}
		if stall := (*stallError)(nil); errors.As(err, &stall) {
			stalls++
		}
		t.log(req, resp, err, attempt, time.Since(start))
		last := attempt >= t.policy.attempts
		if err != nil {
			if ctx.Err() != nil || last || !retryable(err, replayable) || stalls >= t.policy.maxStalls {
				return nil, err
			}
			if err := t.policy.sleep(ctx, t.policy.backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		stats.noteRate(resp)
		if wait, limited := rateLimitWait(resp, t.policy.now()); limited {
			// GitHub refused the request without acting on it, so even a
			// DELETE can be sent again once the wait is over.
			if secondaryUnsaid(resp) {
				unsaid++
				wait = t.policy.secondaryWait(unsaid)
				if t.pause != nil && !last {
					t.pause(t.policy.now().Add(wait))
				}
			} else if wait > t.policy.maxWait {
				return resp, nil
			}
			if last {
				return resp, nil
			}
			discard(resp)
			t.logger.Debug("rate limited; waiting", "method", req.Method, "path", req.URL.EscapedPath(), "wait", wait)
			if err := t.policy.sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode >= 500 && replayable && !last {
			discard(resp)
			if err := t.policy.sleep(ctx, t.policy.backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		return resp, nil
	}
}

// attempt sends req once, under the stall timeouts: the headers must come
// within headerTimeout and each read of the body must bring a byte within
// idleTimeout, or the attempt ends with a stallError.
func (t *retryTransport) attempt(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	w := &watch{cancel: cancel, idle: t.policy.idleTimeout}
	w.timer = time.AfterFunc(t.policy.headerTimeout, func() { cancel(&stallError{wait: t.policy.headerTimeout, what: "its answer's headers"}) })
	// A cancelled RoundTrip returns at once while net/http may still be
	// writing the request on the connection it got. The attempt waits for
	// that write to end, so that once a Call has returned no request of it
	// is still being sent.
	var gotConn atomic.Bool
	wrote := make(chan struct{})
	var wroteOnce sync.Once
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn:      func(httptrace.GotConnInfo) { gotConn.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) { wroteOnce.Do(func() { close(wrote) }) },
	})
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		if gotConn.Load() {
			select {
			case <-wrote:
			case <-time.After(writeWait):
			}
		}
		w.stop()
		if cause, ok := context.Cause(ctx).(*stallError); ok {
			return nil, cause
		}
		return nil, err
	}
	w.timer.Stop()
	w.ctx, w.body = ctx, resp.Body
	w.arm()
	resp.Body = w
	return resp, nil
}

// writeWait bounds the wait for a cancelled request's write to end; it ends
// in microseconds once the connection is closed.
const writeWait = time.Second

// stallError is a server that sent nothing for too long.
type stallError struct {
	wait time.Duration
	what string
}

func (e *stallError) Error() string {
	return fmt.Sprintf("nothing came for %s while waiting for %s", e.wait, e.what)
}
func (e *stallError) Timeout() bool   { return true }
func (e *stallError) Temporary() bool { return true }

// watch is a body whose reads must each bring data within idle.
type watch struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	body   io.ReadCloser
	idle   time.Duration
	timer  *time.Timer
}

func (w *watch) arm() {
	w.timer = time.AfterFunc(w.idle, func() { w.cancel(&stallError{wait: w.idle, what: "more of its answer's body"}) })
}

func (w *watch) Read(p []byte) (int, error) {
	n, err := w.body.Read(p)
	if n > 0 {
		w.timer.Reset(w.idle)
	}
	if err != nil && err != io.EOF {
		if cause, ok := context.Cause(w.ctx).(*stallError); ok {
			err = cause
		}
	}
	return n, err
}

func (w *watch) Close() error {
	err := w.body.Close()
	w.stop()
	return err
}

func (w *watch) stop() {
	w.timer.Stop()
	w.cancel(nil)
}

func (t *retryTransport) log(req *http.Request, resp *http.Response, err error, attempt int, d time.Duration) {
	if !t.logger.IsDebug() {
		return
	}
	args := []any{"method", req.Method, "path", req.URL.EscapedPath(), "duration", d.String(), "attempt", attempt}
	if resp != nil {
		args = append(args, "status", resp.StatusCode)
	}
	if err != nil {
		// Transport errors name the address, never the URL with its query.
		args = append(args, "error", err.Error())
	}
	t.logger.Debug("github request", args...)
}

// defaultMaxBody bounds one answer. A page of 100 packages with their
// repository objects is under a megabyte; a larger answer is not GitHub's.
const defaultMaxBody = 32 << 20

// tooLargeError is an answer larger than the provider reads.
type tooLargeError struct {
	path  string
	limit int64
}

func (e *tooLargeError) Error() string {
	size := fmt.Sprintf("%d bytes", e.limit)
	if e.limit%(1<<20) == 0 {
		size = fmt.Sprintf("%d MiB", e.limit>>20)
	}
	return fmt.Sprintf("the answer to GET %s is larger than %s, the most pkgql reads", e.path, size)
}

// brokenBodyError is an answer whose body ended before its end: the
// connection closed, or broke, mid-body.
type brokenBodyError struct {
	path   string
	read   int64
	length int64 // the Content-Length; -1 when not sent
	err    error
}

func (e *brokenBodyError) Error() string {
	if e.length >= 0 {
		return fmt.Sprintf("the answer to GET %s broke off after %d of its %d bytes: %v", e.path, e.read, e.length, e.err)
	}
	return fmt.Sprintf("the answer to GET %s broke off after %d bytes: %v", e.path, e.read, e.err)
}

func (e *brokenBodyError) Unwrap() error { return e.err }

// bufferBody reads a successful body whole, so that a connection that breaks
// mid-body fails the attempt rather than the decoding above, and no more
// than limit bytes of it. The buffer comes from a pool and goes back when
// the body is closed.
func bufferBody(resp *http.Response, limit int64) error {
	defer resp.Body.Close()
	path := resp.Request.URL.EscapedPath()
	if resp.ContentLength > limit {
		return &tooLargeError{path: path, limit: limit}
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	switch {
	case err != nil:
		bodyPool.Put(buf)
		return &brokenBodyError{path: path, read: n, length: resp.ContentLength, err: err}
	case n > limit:
		return &tooLargeError{path: path, limit: limit}
	}
	resp.Body = &bufferedBody{Reader: bytes.NewReader(buf.Bytes()), buf: buf}
	return nil
}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody keeps an unusually large answer from being held by the pool.
const maxPooledBody = 4 << 20

// bufferedBody is a body read whole. Bytes gives it without a copy, valid
// until Close.
type bufferedBody struct {
	*bytes.Reader
	buf *bytes.Buffer
}

func (b *bufferedBody) Bytes() []byte { return b.buf.Bytes() }

func (b *bufferedBody) Close() error {
	if b.buf != nil {
		if b.buf.Cap() <= maxPooledBody {
			bodyPool.Put(b.buf)
		}
		b.buf, b.Reader = nil, bytes.NewReader(nil)
	}
	return nil
}

// discard drains and closes a body that will not be read, so the connection
// can be reused.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}

// rateLimitWait tells whether resp is GitHub refusing a request for a rate
// limit, and how long it asks to wait: Retry-After when given, else until
// x-ratelimit-reset when x-ratelimit-remaining is 0, else (a secondary limit
// that says neither, see secondaryUnsaid) the minute GitHub's docs ask for
// at least; the retry loop lengthens that on repeats.
func rateLimitWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if secs, err := strconv.ParseInt(ra, 10, 64); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, true
		}
		if at, err := http.ParseTime(ra); err == nil {
			return max(at.Sub(now), 0), true
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(reset, 0).Sub(now), 0), true
		}
		return time.Hour, true
	}
	if secondaryUnsaid(resp) {
		return time.Minute, true
	}
	return 0, false
}

// secondaryUnsaid tells whether resp is a secondary-limit refusal that names
// no wait: a 403 or 429 without a usable Retry-After and without
// x-ratelimit-remaining 0, which is a 429, or a 403 whose message says it
// is a secondary (formerly "abuse") rate limit. Any other 403 is a
// permission refusal and is not retried.
func secondaryUnsaid(resp *http.Response) bool {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return false
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if secs, err := strconv.ParseInt(ra, 10, 64); err == nil && secs >= 0 {
			return false
		}
		if _, err := http.ParseTime(ra); err == nil {
			return false
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		return false
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	msg := bytes.ToLower(peekBody(resp, 1<<16))
	return bytes.Contains(msg, []byte("secondary rate limit")) || bytes.Contains(msg, []byte("abuse"))
}

// peekBody returns up to n bytes of resp's body and leaves the body whole
// for whoever reads it next.
func peekBody(resp *http.Response, n int64) []byte {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, n))
	resp.Body = &peekedBody{Reader: io.MultiReader(bytes.NewReader(head), resp.Body), body: resp.Body}
	if err != nil {
		return nil
	}
	return head
}

// peekedBody is a body whose first bytes were read ahead.
type peekedBody struct {
	io.Reader
	body io.ReadCloser
}

func (b *peekedBody) Close() error { return b.body.Close() }

// retryable tells whether a transport error is worth another attempt. A
// request that may have reached the server is retried only when replaying it
// is harmless.
func retryable(err error, replayable bool) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTimeout || dns.IsTemporary
	}
	if neverSent(err) {
		return true
	}
	return replayable && isNetError(err)
}

// neverSent reports whether the request provably never reached the server:
// the connection was never made.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// isNetError reports whether err is the network failing (a reset, a timeout,
// a connection closed early) rather than a bad request or a TLS refusal.
func isNetError(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
