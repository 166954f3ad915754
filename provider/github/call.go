package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-json-experiment/json"
	"github.com/google/go-github/v60/github"
	"github.com/hashicorp/go-hclog"

	"github.com/pkgql/pkgql/provider"
)

// call is one Call in progress: the method, its checked params, the columns
// wanted and where rows go.
type call struct {
	gh          *github.Client
	policy      retryPolicy
	logger      hclog.Logger
	concurrency int
	hasToken    bool

	service string
	res     *resource
	m       *method
	params  map[string]string
	limit   int64
	columns []column
	decode  json.Options // how answers are decoded for the columns

	emit    func(provider.Batch) error
	emitErr error // what emit returned, so it goes back to the host unchanged
	sent    int64 // rows handed to emit
	stats   *callStats
}

// row lays out one package in the order of the columns wanted.
func (c *call) row(p *rawPackage) []any {
	row := make([]any, len(c.columns))
	for i, col := range c.columns {
		row[i] = col(p)
	}
	return row
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

// mutate sends a DELETE or POST that changes a package, and never makes the
// change twice. Such a request is not simply sent again when its answer is
// lost: the retry transport resends it only when it provably never left (a
// failed dial). When GitHub
// answers 5xx, or the connection breaks after the request went out, GitHub
// may have acted anyway, so the package is looked at with a GET first: if it
// is already in the wanted state (doneStatus is the GET's status then) the
// change is done; otherwise it is sent again, a bounded number of times.
func (c *call) mutate(ctx context.Context, verb, u, doneMsg string, doneStatus int) (provider.Result, error) {
	for attempt := 1; ; attempt++ {
		req, err := c.gh.NewRequest(verb, u, nil)
		if err != nil {
			return provider.Result{}, err
		}
		resp, err := c.gh.Do(ctx, req, nil)
		if err == nil {
			return provider.Result{HTTPStatus: resp.StatusCode, Message: doneMsg}, nil
		}
		if !mayHaveActed(ctx, err) {
			return provider.Result{}, err
		}
		status, cerr := c.packageStatus(ctx)
		if cerr != nil {
			return provider.Result{}, c.uncertain(verb, err, cerr)
		}
		if status == doneStatus {
			c.logger.Debug("change confirmed by a GET after a failed answer", "method", verb, "path", req.URL.EscapedPath(), "status", status)
			return provider.Result{HTTPStatus: http.StatusNoContent, Message: doneMsg}, nil
		}
		if attempt >= c.policy.attempts {
			return provider.Result{}, err
		}
		if err := c.policy.sleep(ctx, c.policy.backoff(attempt)); err != nil {
			return provider.Result{}, err
		}
	}
}

// getJSON sends a GET through go-github and decodes the answer into v
// straight from the buffer the retry transport read it into, without the
// second copy a json.Decoder would make.
func (c *call) getJSON(ctx context.Context, u string, v any) (*github.Response, error) {
	req, err := c.gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.gh.BareDo(ctx, req)
	if err != nil {
		return resp, err
	}
	defer resp.Body.Close()
	var data []byte
	if bb, ok := resp.Body.(*bufferedBody); ok {
		data = bb.Bytes()
	} else if data, err = io.ReadAll(resp.Body); err != nil {
		return resp, err
	}
	if err := json.Unmarshal(data, v, c.decode); err != nil {
		return resp, fmt.Errorf("the answer to GET %s is not the JSON expected: %w", req.URL.EscapedPath(), err)
	}
	return resp, nil
}

// packageStatus is the status of a GET of the package: 200 or 404.
func (c *call) packageStatus(ctx context.Context) (int, error) {
	req, err := c.gh.NewRequest(http.MethodGet, packagePath(c), nil)
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
