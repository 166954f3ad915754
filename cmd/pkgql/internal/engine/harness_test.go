package engine

import (
	"context"
	"slices"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
	"github.com/pkgql/pkgql/provider"
)

// harness is an engine over the synthetic shop provider: its data is plain
// Go values a test reads to derive the answers, and it logs every call and
// request, so a test counts what a statement cost.
type harness struct {
	t testing.TB
	p *testprovider.Provider
	e *Engine
}

// newHarness configures the provider with opts.Token, the one it answers.
func newHarness(t testing.TB, opts testprovider.Options, cfg Config) *harness {
	t.Helper()
	p := testprovider.New(opts)
	ctx := context.Background()
	if err := p.Configure(ctx, provider.Config{Settings: map[string]string{"token": opts.Token}}); err != nil {
		t.Fatal(err)
	}
	sch, err := p.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Providers = []ProviderBinding{{Schema: sch, Provider: p}}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return &harness{t: t, p: p, e: e}
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

func (r result) column(name string) []any {
	i := slices.IndexFunc(r.cols, func(c rowset.Column) bool { return c.Name == name })
	if i < 0 {
		panic("no column " + name)
	}
	out := make([]any, len(r.rows))
	for j, row := range r.rows {
		out[j] = row[i]
	}
	return out
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

// truth is a shop's live items of one category, read from the provider's
// data without the engine: the answer the engine is checked against.
func (h *harness) truth(shop, category string) []testprovider.Item {
	return h.p.Items(shop, category)
}

// deleted reports whether the provider holds the item as deleted.
func (h *harness) deleted(shop, category, name string) bool {
	h.t.Helper()
	it, ok := h.p.Item(shop, category, name)
	if !ok {
		h.t.Fatalf("no item %s/%s/%s", shop, category, name)
	}
	return it.Deleted
}

// reset forgets the calls and requests logged so far.
func (h *harness) reset() { h.p.Reset() }

// log returns the requests the provider made since the last reset.
func (h *harness) log() []testprovider.Request { return h.p.Log() }

// requests counts the requests since the last reset by kind.
func (h *harness) requests() map[string]int { return h.p.Counts() }

// calls returns the requests the engine handed the provider since the last
// reset.
func (h *harness) calls() []provider.Request { return h.p.Calls() }

func toStrings(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i], _ = v.(string)
	}
	return out
}
