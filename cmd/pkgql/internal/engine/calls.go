package engine

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// A statement's provider calls. Each call runs in its own goroutine and hands
// its rows to readers through a buffer:
//
//   - alone in a statement (one table, no join or subquery), a call streams:
//     the buffer holds a bounded window of rows, the provider waits when it is
//     full, and a reader that stops early (LIMIT met) cancels the call;
//   - in a statement that may read the same call more than once (a self-join,
//     a subquery SQLite evaluates again), calls are kept: every reader
//     replays the same rows, and the call is made once.
//
// The IN lists of a table fan out to calls that run concurrently, up to
// Config.Concurrency, while SQLite reads them one after another.

// streamWindow is how many rows a streaming call may run ahead of its reader.
const streamWindow = 512

// runState is one statement being run.
type runState struct {
	ctx    context.Context
	cancel context.CancelFunc
	e      *Engine
	shared bool // calls are kept for readers that come again
	// fanout are, per resource and method, the param sets the IN lists of
	// the statement call with; the first of them read starts the others.
	fanout map[string][]map[string]string
	joins  map[string]*joinFanout

	// gated holds the statement's rows back while any call of it has not
	// yet sent its first batch (see holding).
	gated bool

	mu        sync.Mutex
	calls     map[string]*providerCall
	unsettled int             // calls that have sent nothing yet, while gated
	started   map[string]bool // fan-outs already started
	err       error           // the first error a table met
	wg        sync.WaitGroup
	sem       chan struct{}
}

func (e *Engine) newRun(ctx context.Context, shared bool, fanout map[string][]map[string]string) *runState {
	ctx, cancel := context.WithCancel(ctx)
	return &runState{
		ctx: ctx, cancel: cancel, e: e, shared: shared, fanout: fanout,
		calls: map[string]*providerCall{}, started: map[string]bool{},
		sem: make(chan struct{}, e.cfg.Concurrency),
	}
}

// finish stops every call still running and waits for them.
func (run *runState) finish() {
	run.cancel()
	run.wg.Wait()
}

// fail records the first error a table met, so that Run reports it as it is
// rather than as SQLite's rewording.
func (run *runState) fail(err error) error {
	run.mu.Lock()
	defer run.mu.Unlock()
	if run.err == nil {
		run.err = err
	}
	return err
}

func (run *runState) firstError() error {
	run.mu.Lock()
	defer run.mu.Unlock()
	return run.err
}

// callKey identifies a call: the same method with the same params, limit and
// columns answers the same rows.
func callKey(req provider.Request) string {
	var b strings.Builder
	b.WriteString(req.Service + "." + req.Resource + "." + req.Method)
	for _, k := range slices.Sorted(maps.Keys(req.Params)) {
		b.WriteString("\x00" + k + "=" + req.Params[k])
	}
	b.WriteString("\x00limit=" + strconv.FormatInt(req.Limit, 10))
	b.WriteString("\x00cols=" + strings.Join(req.Columns, ","))
	return b.String()
}

func fanoutKey(res *resource, method string) string { return res.name + "." + method }

// open returns a reader of the call req names, starting the call unless the
// statement already has it (kept, or started ahead by a fan-out).
func (run *runState) open(res *resource, req provider.Request) *callReader {
	key := callKey(req)
	run.mu.Lock()
	c := run.calls[key]
	if c == nil || !c.keep && c.readers > 0 {
		c = run.newCall(res, req, key)
	}
	c.readers++
	run.mu.Unlock()
	run.demand(c)
	run.startFanout(res, req)
	run.startJoinFanout(res, req)
	return &callReader{c: c}
}

// newCall registers a call; run.mu is held.
func (run *runState) newCall(res *resource, req provider.Request, key string) *providerCall {
	ctx, cancel := context.WithCancel(run.ctx)
	c := &providerCall{run: run, res: res, req: req, ctx: ctx, cancel: cancel, keep: run.shared}
	c.cond = sync.NewCond(&c.mu)
	context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	run.calls[key] = c
	if run.gated {
		c.unsettled = true
		run.unsettled++
	}
	return c
}

// holding tells whether a call of the statement has yet to send its first
// batch. A listing sends its first only once it has found room for all its
// pages in the primary budget, so until every call has, a row passed on
// could be followed by a call refused for the budget, and a statement that
// fails would have given part of its answer.
func (run *runState) holding() bool {
	run.mu.Lock()
	defer run.mu.Unlock()
	return run.unsettled > 0
}

// settle marks the call as past its first batch, or done.
func (c *providerCall) settle() {
	run := c.run
	run.mu.Lock()
	defer run.mu.Unlock()
	if c.unsettled {
		c.unsettled = false
		run.unsettled--
	}
}

// demand starts a call a reader waits for, without waiting for a slot: the
// slots bound the calls started ahead, and a reader must never wait behind
// them.
func (run *runState) demand(c *providerCall) {
	if c.claim() {
		run.start(c, false)
	}
}

// startFanout starts, ahead of SQLite, the other calls of the IN lists that
// req is one of.
func (run *runState) startFanout(res *resource, req provider.Request) {
	fk := fanoutKey(res, req.Method)
	run.mu.Lock()
	sets := run.fanout[fk]
	if run.started[fk] || len(sets) < 2 || !slices.ContainsFunc(sets, func(s map[string]string) bool { return maps.Equal(s, req.Params) }) {
		run.mu.Unlock()
		return
	}
	run.started[fk] = true
	var ahead []*providerCall
	for _, params := range sets {
		r := req
		r.Params = params
		key := callKey(r)
		if run.calls[key] == nil {
			ahead = append(ahead, run.newCall(res, r, key))
		}
	}
	run.mu.Unlock()
	run.wg.Add(1)
	go func() {
		defer run.wg.Done()
		for _, c := range ahead {
			select {
			case run.sem <- struct{}{}:
			case <-run.ctx.Done():
				return
			}
			if c.claim() {
				run.start(c, true)
			} else {
				<-run.sem
			}
		}
	}()
}

// start runs the call in its own goroutine; slot says it holds a slot of the
// fan-out.
func (run *runState) start(c *providerCall, slot bool) {
	run.e.log.Debug("call", "resource", c.res.name, "method", c.req.Method, "params", redacted(c.res.schema, c.req.Params),
		"limit", c.req.Limit, "columns", c.req.Columns, "ahead", slot)
	run.wg.Add(1)
	go func() {
		defer run.wg.Done()
		if slot {
			defer func() { <-run.sem }()
		}
		_, err := c.res.backend.Provider.Call(c.ctx, c.req, c.emit)
		if err == nil {
			// A call that failed keeps the rows held: the statement fails.
			c.settle()
		}
		c.mu.Lock()
		c.done, c.err = true, err
		c.cond.Broadcast()
		c.mu.Unlock()
	}()
}

// providerCall is one provider call and the rows it has sent.
type providerCall struct {
	run    *runState
	res    *resource
	req    provider.Request
	ctx    context.Context
	cancel context.CancelFunc
	keep   bool
	// unsettled: the statement is gated and the call has sent nothing yet;
	// guarded by run.mu.
	unsettled bool

	mu       sync.Mutex
	cond     *sync.Cond
	claimed  bool
	batches  [][][]any // rows not yet dropped
	base     int       // index of batches[0] among all batches sent
	buffered int       // rows held for a streaming reader
	done     bool
	err      error
	readers  int
}

// claim marks the call as started; only the first claim starts it.
func (c *providerCall) claim() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.claimed {
		return false
	}
	c.claimed = true
	return true
}

// emit takes a batch from the provider. A streaming call waits while its
// reader is a window behind.
func (c *providerCall) emit(b provider.Batch) error {
	if b.Progress != nil && c.run.e.cfg.Progress != nil {
		c.run.e.cfg.Progress(*b.Progress)
	}
	c.settle()
	if len(b.Rows) == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches = append(c.batches, b.Rows)
	c.buffered += len(b.Rows)
	c.cond.Broadcast()
	for !c.keep && c.buffered > streamWindow && c.ctx.Err() == nil {
		c.cond.Wait()
	}
	return c.ctx.Err()
}

// callReader reads a call's rows from the first.
type callReader struct {
	c     *providerCall
	batch int // index among all batches sent
	row   int
}

// next returns the next row, nil at the end, waiting for the provider.
func (r *callReader) next() ([]any, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if i := r.batch - c.base; i < len(c.batches) {
			b := c.batches[i]
			if r.row < len(b) {
				r.row++
				return b[r.row-1], nil
			}
			if !c.keep {
				// A streaming call has one reader: what it has read is dropped.
				c.buffered -= len(b)
				c.batches[0] = nil
				c.batches = c.batches[1:]
				c.base++
				c.cond.Broadcast()
			}
			r.batch++
			r.row = 0
			continue
		}
		if c.done {
			return nil, c.err
		}
		if err := c.run.ctx.Err(); err != nil {
			return nil, err
		}
		c.cond.Wait()
	}
}

// close ends a reader. A streaming call whose reader leaves is cancelled: no
// one will read what it would still fetch.
func (r *callReader) close() {
	if r.c.keep {
		return
	}
	r.c.cancel()
}

// redacted is params as they may be logged: values of secret params are not.
func redacted(res *schema.Resource, params map[string]string) map[string]string {
	out := make(map[string]string, len(params))
	for k, v := range params {
		if res.Secret(k) {
			v = schema.Redacted
		}
		out[k] = v
	}
	return out
}
