package githubtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// harness is an engine over the real GitHub provider talking HTTP to the
// sandbox: nothing the project owns is replaced. The provider is wrapped only
// to record the requests the engine hands it, and the sandbox only to count
// the HTTP requests as they arrive (its own Stats are written after it
// answers, so a count read right after a statement could miss the last one).
type harness struct {
	t   testing.TB
	sb  *sandbox.Server
	url string
	e   *engine.Engine
	rec *recorder
	in  *arrivals
}

// arrivals logs the requests the sandbox receives, before it answers them.
type arrivals struct {
	next http.Handler
	mu   sync.Mutex
	log  []sandbox.Request
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.log = append(a.log, sandbox.Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery})
	a.mu.Unlock()
	a.next.ServeHTTP(w, r)
}

// recorder passes every call to the provider and keeps its request, and the
// most calls it had in flight at once.
type recorder struct {
	provider.Provider
	mu       sync.Mutex
	reqs     []provider.Request
	inFlight int
	peak     int
}

func (r *recorder) Call(ctx context.Context, req provider.Request, emit func(provider.Batch) error) (provider.Result, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.inFlight++
	r.peak = max(r.peak, r.inFlight)
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inFlight--
		r.mu.Unlock()
	}()
	return r.Provider.Call(ctx, req, emit)
}

func (r *recorder) maxInFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak
}

func (r *recorder) requests() []provider.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func newHarness(t testing.TB, opts sandbox.Options, cfg engine.Config) *harness {
	t.Helper()
	sb := sandbox.New(opts)
	in := &arrivals{next: sb}
	hs := httptest.NewServer(in)
	t.Cleanup(hs.Close)
	p := github.New(nil)
	ctx := context.Background()
	if err := p.Configure(ctx, provider.Config{Settings: map[string]string{github.SettingBaseURL: hs.URL, github.SettingRegistryURL: hs.URL, github.SettingToken: opts.Token}}); err != nil {
		t.Fatal(err)
	}
	sch, err := p.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Provider: p}
	cfg.Providers = []engine.ProviderBinding{{Schema: sch, Provider: rec}}
	e, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return &harness{t: t, sb: sb, url: hs.URL, e: e, rec: rec, in: in}
}

// result is what a statement wrote to its sink.
type result struct {
	cols    []rowset.Column
	rows    [][]any
	summary string
}

// resultOf is what a statement wrote to t.
func resultOf(t *rowset.Table) result {
	return result{cols: t.Columns, rows: t.Rows, summary: t.Summary}
}

// exec prepares and runs a script, returning each statement's result.
func (h *harness) exec(script string) ([]result, error) {
	sts, err := h.e.Prepare(script)
	if err != nil {
		return nil, err
	}
	var out []result
	for _, st := range sts {
		c := &rowset.Table{}
		err := h.e.Run(context.Background(), st, c)
		out = append(out, resultOf(c))
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// one runs a single statement that must succeed.
func (h *harness) one(script string) result {
	h.t.Helper()
	res, err := h.exec(script)
	if err != nil {
		h.t.Fatalf("%s: %v", script, err)
	}
	if len(res) != 1 {
		h.t.Fatalf("%s: %d results", script, len(res))
	}
	return res[0]
}

// reset forgets the requests counted so far.
func (h *harness) reset() {
	h.in.mu.Lock()
	h.in.log = nil
	h.in.mu.Unlock()
}

// log returns the requests that reached the sandbox since the last reset.
func (h *harness) log() []sandbox.Request {
	h.in.mu.Lock()
	defer h.in.mu.Unlock()
	return slices.Clone(h.in.log)
}
