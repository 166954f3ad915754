package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
	"github.com/hashicorp/go-hclog"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// call is one Call in progress: the method, its checked params, the columns
// wanted and where rows go.
type call struct {
	gh          *github.Client
	policy      retryPolicy
	logger      hclog.Logger
	concurrency int
	token       string // only to hide it; see failure
	pages       *pageBook

	service string
	res     *resource
	m       *method
	params  map[string]string
	limit   int64
	rows    *rowPlan // how answers are laid out as rows

	emit    func(provider.Batch) error
	emitErr error // what emit returned, so it goes back to the host unchanged
	sent    int64 // rows handed to emit
	stats   *callStats
}

// run performs the method: a get, a listing or a change, as its verb and
// route say.
func (c *call) run(ctx context.Context) (provider.Result, error) {
	switch {
	case c.m.Verb != schema.Select:
		return c.mutate(ctx)
	case c.m.Unique:
		return c.get(ctx)
	}
	return c.list(ctx)
}

// path is a route rendered with the call's params, relative to the base URL.
func (c *call) path(r schema.Route) string {
	return strings.TrimPrefix(r.Render(c.params, nil), "/")
}

// get reads one object: one request.
func (c *call) get(ctx context.Context) (provider.Result, error) {
	rows, resp, err := c.getRows(ctx, c.path(c.m.Route))
	if resp != nil {
		c.pages.answered(nil, 0, resp.Rate)
	}
	if err != nil {
		return provider.Result{}, err
	}
	if err := c.send(rows, 1, 1); err != nil && err != errLimitReached {
		return provider.Result{}, err
	}
	return provider.Result{HTTPStatus: resp.StatusCode}, nil
}

// getRows sends a GET through go-github and lays its answer out as rows,
// straight from the buffer the retry transport read it into (which closing
// the body gives back), without a second copy.
func (c *call) getRows(ctx context.Context, u string) ([][]any, *github.Response, error) {
	req, err := c.gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.gh.BareDo(ctx, req)
	if err != nil {
		return nil, resp, err
	}
	defer resp.Body.Close()
	var data []byte
	if bb, ok := resp.Body.(*bufferedBody); ok {
		data = bb.Bytes()
	} else if data, err = io.ReadAll(resp.Body); err != nil {
		return nil, resp, err
	}
	rows, err := c.rows.decode(data)
	if err != nil {
		return nil, resp, &badJSONError{path: req.URL.EscapedPath(), size: len(data), err: err}
	}
	return rows, resp, nil
}

// badJSONError is an answer that came whole but is not the JSON expected:
// cut short by the server, or not GitHub's.
type badJSONError struct {
	path string
	size int
	err  error
}

func (e *badJSONError) Error() string {
	return fmt.Sprintf("the answer to GET %s (%d bytes) is not the JSON expected: %v", e.path, e.size, e.err)
}

// errLimitReached stops a listing once LIMIT rows are sent; it never reaches
// the host.
var errLimitReached = errors.New("limit reached")

// send hands rows to the host with the progress so far, keeping to the limit.
// It returns errLimitReached once the limit is met.
func (c *call) send(rows [][]any, pagesDone, pagesTotal int64) error {
	full := false
	if c.limit > 0 && c.sent+int64(len(rows)) >= c.limit {
		rows = rows[:c.limit-c.sent]
		full = true
	}
	c.sent += int64(len(rows))
	err := c.emit(provider.Batch{Rows: rows, Progress: &provider.Progress{
		PagesDone:          pagesDone,
		PagesTotal:         pagesTotal,
		Rows:               c.sent,
		Requests:           c.stats.requests.Load(),
		RateLimitRemaining: c.stats.remaining.Load(),
		RateLimitReset:     c.stats.reset.Load(),
	}})
	if err != nil {
		c.emitErr = err
		return err
	}
	if full {
		return errLimitReached
	}
	return nil
}

// mutate sends the DELETE or POST of the method's route, and never makes
// the change twice. Such a request is not simply sent again when its answer
// is lost: the retry transport resends it only when it provably never left (a
// failed dial). When GitHub answers 5xx, or the connection breaks after the
// request went out, GitHub may have acted anyway, so the method's verify GET
// looks first (a version's DELETE looks at the version): if it answers the
// done status, the change is done; otherwise it is sent again, a bounded
// number of times.
func (c *call) mutate(ctx context.Context) (provider.Result, error) {
	verb, u := c.m.Route.Verb, c.path(c.m.Route)
	for attempt := 1; ; attempt++ {
		req, err := c.gh.NewRequest(verb, u, nil)
		if err != nil {
			return provider.Result{}, err
		}
		resp, err := c.gh.Do(ctx, req, nil)
		if err == nil {
			return provider.Result{HTTPStatus: resp.StatusCode, Message: c.m.doneMsg}, nil
		}
		if !mayHaveActed(ctx, err) {
			return provider.Result{}, err
		}
		status, cerr := c.verifyStatus(ctx)
		if cerr != nil {
			return provider.Result{}, c.uncertain(verb, err, cerr)
		}
		if status == c.m.doneStatus {
			c.logger.Debug("change confirmed by a GET after a failed answer", "method", verb, "path", req.URL.EscapedPath(), "status", status)
			return provider.Result{HTTPStatus: http.StatusNoContent, Message: c.m.doneMsg}, nil
		}
		if attempt >= c.policy.attempts {
			return provider.Result{}, err
		}
		if err := c.policy.sleep(ctx, c.policy.backoff(attempt)); err != nil {
			return provider.Result{}, err
		}
	}
}

// verifyStatus is the status of the method's verify GET: 200 or 404.
func (c *call) verifyStatus(ctx context.Context) (int, error) {
	req, err := c.gh.NewRequest(http.MethodGet, c.path(c.m.verify), nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.gh.Do(ctx, req, nil)
	var er *github.ErrorResponse
	switch {
	case err == nil:
		return resp.StatusCode, nil
	case errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound:
		return http.StatusNotFound, nil
	default:
		return 0, err
	}
}

// mayHaveActed reports whether a failed change may still have been made:
// GitHub answered with a server error, or the connection failed after the
// request was sent.
func mayHaveActed(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		return er.Response != nil && er.Response.StatusCode >= 500
	}
	return isNetError(err) && !neverSent(err)
}
