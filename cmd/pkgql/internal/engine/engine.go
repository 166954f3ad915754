// Package engine runs pkgql statements: it reads them (xwb1989/sqlparser and its
// Tokenizer), checks and plans them against the schemas the providers declared,
// evaluates SELECT in embedded SQLite through virtual tables that call the
// providers, and performs DELETE and EXEC exactly once per bound key.
//
// Data flows one way: text → statements → plan → provider calls → rows → SQLite
// → Sink. The engine knows schemas, never a provider's API.
package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// ProviderBinding binds a provider to the schema it declared: what the engine
// plans against and what it calls.
type ProviderBinding struct {
	Schema   *schema.Provider
	Provider provider.Provider
}

// Config configures an Engine.
type Config struct {
	Providers []ProviderBinding
	// DryRun prints the calls a statement would make and makes none that change
	// anything. Reads that are needed to find the keys of a bulk DELETE are made.
	DryRun bool
	// Yes confirms every bulk DELETE in advance.
	Yes bool
	// SkipGuard deletes what a Guarded method's check would refuse, without
	// asking it (--allow-broken-images). Never the default.
	SkipGuard bool
	// Confirm is asked before a bulk DELETE when Yes is not set; nil means no.
	Confirm func(ctx context.Context, question string) bool
	// Concurrency bounds the calls one statement has in flight (IN fan-out).
	Concurrency int
	// Progress, when set, receives the providers' progress reports, from
	// several goroutines at once when calls run concurrently.
	Progress func(provider.Progress)
	// MutationProgress, when set, is told how many calls of a mutation have
	// ended, of how many, as each one ends.
	MutationProgress func(done, total int)
	// Journal, when set, records every mutation call before it is sent and
	// completes the record after.
	Journal Journal
	Logger  hclog.Logger
}

// Journal is where mutations are recorded. Statement is called once per
// mutating statement; Sent before each call's request goes out (a call whose
// record cannot be written is not made); Answered after.
type Journal interface {
	Statement(ctx context.Context, text string) (int64, error)
	Sent(ctx context.Context, statement int64, prov, service, resource, method string, key map[string]string) (int64, error)
	Answered(entry int64, status int, result, message string) error
}

// Expander is implemented by a provider whose EXEC method stands for calls of
// other providers' methods, such as the journal's undo: the engine asks it
// for the calls and runs them as one bulk mutation, shown and confirmed like
// a bulk DELETE.
type Expander interface {
	Expand(ctx context.Context, req provider.Request, catalog []*schema.Provider) (Expansion, error)
}

// Expansion is the calls an EXEC stands for: one method of one resource,
// once per key.
type Expansion struct {
	Provider, Service, Resource, Method string
	Keys                                []map[string]string
}

// Kind says what a statement does; rowset holds it, so that what serves
// statements need not depend on the engine.
type Kind = rowset.Kind

const (
	KindSelect   = rowset.KindSelect
	KindDelete   = rowset.KindDelete
	KindExec     = rowset.KindExec
	KindShow     = rowset.KindShow
	KindDescribe = rowset.KindDescribe
	KindExplain  = rowset.KindExplain
)

// defaultConcurrency bounds the calls a statement has in flight when Config
// does not: well under GitHub's limit of 100 concurrent requests.
const defaultConcurrency = 8

// maxScript bounds a whole script.
const maxScript = 16 << 20

// Engine reads, plans and runs statements against the providers it was given.
// It is safe for concurrent use: each running statement has its own SQLite
// connection.
type Engine struct {
	cfg    Config
	log    hclog.Logger
	cat    *catalog
	sqlite *sqliteDB
	budget budget
}

// New checks the providers' schemas and opens the engine's SQLite.
func New(cfg Config) (*Engine, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = defaultConcurrency
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	cat, err := newCatalog(cfg.Providers)
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, log: cfg.Logger, cat: cat}
	e.budget.remaining = -1
	show := cfg.Progress
	e.cfg.Progress = func(p provider.Progress) {
		e.budget.note(p)
		if show != nil {
			show(p)
		}
	}
	if e.sqlite, err = openSQLite(cat); err != nil {
		return nil, err
	}
	return e, nil
}

// Close releases the engine's SQLite. Providers are the caller's to close.
func (e *Engine) Close() error { return e.sqlite.close() }

// Catalog returns the providers' schemas, for completion, docs and SHOW. They
// are the engine's own: read them, do not change them.
func (e *Engine) Catalog() []*schema.Provider { return e.cat.providers }

// Statement is one checked statement of a script, ready to run.
type Statement struct {
	kind   Kind
	text   string
	index  int
	offset int
	src    *source

	sel     *selectPlan
	del     *deletePlan
	exec    *execPlan
	show    *showStmt
	desc    *describeStmt
	explain *Statement
}

// Kind says what the statement does.
func (s *Statement) Kind() Kind { return s.kind }

// Text is the statement as written in the script, without its ';'.
func (s *Statement) Text() string { return s.text }

// Prepare reads and checks a whole script: names, params, types and plans.
// An error anywhere means no statement is returned, so nothing runs. The
// error is an *Error with the line and column it points at.
func (e *Engine) Prepare(script string) ([]*Statement, error) {
	if len(script) > maxScript {
		return nil, &Error{Message: fmt.Sprintf("the script is %d bytes long; at most %d are read", len(script), maxScript)}
	}
	src := newSource(script)
	if i := strings.IndexByte(script, 0); i >= 0 {
		// SQLite reads text up to a NUL and the Tokenizer past it: what
		// each would make of the rest differs, so it is refused here.
		return nil, src.errorAt(i, 0, "remove it: a NUL character (\\x00) is never part of SQL text", "NUL character in the statement")
	}
	toks, lerr := tokenize(src)
	if lerr != nil {
		return nil, lerr
	}
	var out []*Statement
	for i, stoks := range split(toks) {
		r := &statementReader{e: e, src: src, index: i, toks: stoks}
		st, err := r.read()
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// Run runs one prepared statement and writes its result set to sink.
// Cancelling ctx stops it and every call it has in flight.
func (e *Engine) Run(ctx context.Context, st *Statement, sink rowset.Sink) error {
	switch st.kind {
	case KindSelect:
		return e.runSelect(ctx, st, st.sel, sink)
	case KindDelete:
		return e.runDelete(ctx, st, sink)
	case KindExec:
		return e.runExec(ctx, st, sink)
	case KindShow:
		return e.runShow(st, sink)
	case KindDescribe:
		return e.runDescribe(st, sink)
	case KindExplain:
		return e.runExplain(ctx, st, sink)
	}
	return fmt.Errorf("engine: statement of kind %q cannot run", st.kind)
}
