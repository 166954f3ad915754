package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// RestoreWindow is how long GitHub keeps a deleted package or version
// restorable.
const RestoreWindow = 30 * 24 * time.Hour

// Provider serves the journal as pkgql.local.journal, in the host's own
// process.
type Provider struct {
	j   *Journal
	now func() time.Time
}

// NewProvider returns the built-in provider over j.
func NewProvider(j *Journal) *Provider { return &Provider{j: j, now: time.Now} }

var (
	_ provider.Provider = (*Provider)(nil)
	_ engine.Expander   = (*Provider)(nil)
)

// Schema declares pkgql.local.journal.
func (p *Provider) Schema(context.Context) (*schema.Provider, error) {
	return &schema.Provider{
		Name:        "pkgql",
		Version:     "0.1.0",
		Description: "pkgql's own local data.",
		Services: []schema.Service{{
			Name:        "local",
			Title:       "Local data",
			Description: "What pkgql keeps on this machine.",
			Resources: []schema.Resource{{
				Name:  "journal",
				Title: "The journal of changes",
				Description: "Every change pkgql made from this machine (DELETE and EXEC calls), one row a call, " +
					"written before the request was sent and completed with GitHub's answer after. " +
					"A row without a result was never answered (pkgql was stopped; a bulk statement records its calls a little ahead of sending them): it may have been applied, and undo restores it.",
				Fields: []schema.Field{
					{Name: "id", Type: schema.Integer, Description: "The entry's number."},
					{Name: "statement", Type: schema.Integer, Description: "The number of the statement that made the call; undo takes it."},
					{Name: "statement_text", Type: schema.String, Description: "The statement as it was written."},
					{Name: "sent_at", Type: schema.String, Description: "When the call was about to be sent: an RFC 3339 date-time."},
					{Name: "answered_at", Type: schema.String, Description: "When its answer came, or null when none was recorded."},
					{Name: "resource", Type: schema.String, Description: "The resource called: provider.service.resource."},
					{Name: "method", Type: schema.String, Description: "The method called."},
					{Name: "params", Type: schema.Object, Description: "The params it was called with, secret ones left out."},
					{Name: "http_status", Type: schema.Integer, Description: "The status of the API's answer, or null."},
					{Name: "result", Type: schema.String, Description: "deleted, done, refused or failed; null when no answer was recorded."},
					{Name: "message", Type: schema.String, Description: "The API's account of the result."},
				},
				Params: []schema.Param{
					{Name: "statement", Type: schema.Integer, Field: "statement", Description: "The number of a statement in the journal."},
				},
				Methods: []schema.Method{
					{Name: "list_entries", Verb: schema.Select, Optional: []string{"statement"},
						Description: "Lists the journal's entries in the order they were sent; with statement bound, one statement's."},
					{Name: "undo", Verb: schema.Exec, Required: []string{"statement"},
						Description: "Restores what a statement deleted: for each of its calls that deleted (or may have deleted) something " +
							"less than 30 days ago, the method its resource declares undoes it, with the same key. " +
							"Shown first and made only with --yes (or the shell's confirmation), like a bulk DELETE; --dry-run shows the calls."},
				},
			}},
		}},
	}, nil
}

// Configure takes nothing: the journal is local.
func (p *Provider) Configure(context.Context, provider.Config) error { return nil }

// Call lists entries; undo is expanded by the engine, never called.
func (p *Provider) Call(ctx context.Context, req provider.Request, emit func(provider.Batch) error) (provider.Result, error) {
	if req.Method != "list_entries" {
		return provider.Result{}, &provider.Error{Kind: provider.KindUnsupported, Message: "no method " + req.Method + " to call"}
	}
	n, err := statementParam(req.Params)
	if err != nil {
		return provider.Result{}, err
	}
	entries, err := p.j.Entries(ctx, n)
	if err != nil {
		return provider.Result{}, err
	}
	cols := req.Columns
	if len(cols) == 0 {
		cols = []string{"id", "statement", "statement_text", "sent_at", "answered_at", "resource", "method", "params", "http_status", "result", "message"}
	}
	var rows [][]any
	for _, e := range entries {
		row := make([]any, len(cols))
		for i, c := range cols {
			row[i] = entryValue(e, c)
		}
		rows = append(rows, row)
		if req.Limit > 0 && int64(len(rows)) >= req.Limit {
			break
		}
	}
	if err := emit(provider.Batch{Rows: rows}); err != nil {
		return provider.Result{}, err
	}
	return provider.Result{}, nil
}

func entryValue(e Entry, col string) any {
	orNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	switch col {
	case "id":
		return e.ID
	case "statement":
		return e.Statement
	case "statement_text":
		return e.StatementText
	case "sent_at":
		return e.SentAt.Format(time.RFC3339)
	case "answered_at":
		if e.AnsweredAt == nil {
			return nil
		}
		return e.AnsweredAt.Format(time.RFC3339)
	case "resource":
		return e.Provider + "." + e.Service + "." + e.Resource
	case "method":
		return e.Method
	case "params":
		b, _ := jsonObject(e.Key)
		return provider.JSON(b)
	case "http_status":
		if e.HTTPStatus == 0 {
			return nil
		}
		return int64(e.HTTPStatus)
	case "result":
		return orNil(e.Result)
	case "message":
		return orNil(e.Message)
	}
	return nil
}

func statementParam(params map[string]string) (int64, error) {
	v, ok := params["statement"]
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, &provider.Error{Kind: provider.KindInvalid, Param: "statement", Message: fmt.Sprintf("statement %q is not a statement number", v)}
	}
	return n, nil
}

// Expand turns undo @statement = N into the calls that reverse what N did:
// each of its calls whose method declares an UndoneBy, which deleted
// something (or may have: no answer was recorded, or the answer was lost)
// within GitHub's 30 days.
func (p *Provider) Expand(ctx context.Context, req provider.Request, catalog []*schema.Provider) (engine.Expansion, error) {
	n, err := statementParam(req.Params)
	if err != nil {
		return engine.Expansion{}, err
	}
	if ok, err := p.j.StatementExists(ctx, n); err != nil || !ok {
		if err == nil {
			err = &provider.Error{Kind: provider.KindNotFound, Param: "statement",
				Message: fmt.Sprintf("the journal has no statement %d", n),
				Hint:    "SELECT DISTINCT statement, statement_text FROM pkgql.local.journal lists those it has"}
		}
		return engine.Expansion{}, err
	}
	entries, err := p.j.Entries(ctx, n)
	if err != nil {
		return engine.Expansion{}, err
	}
	var exp engine.Expansion
	var expired, undoable int
	for _, e := range entries {
		r, m := findMethod(catalog, e)
		// Refused, failed and never sent changed nothing; an entry without
		// a result, or unknown, may have, and is restored.
		if m == nil || m.UndoneBy == "" || e.Result == "refused" || e.Result == "failed" || e.Result == engine.NotSent {
			continue
		}
		undoable++
		if p.now().Sub(e.SentAt) > RestoreWindow {
			expired++
			continue
		}
		if exp.Method == "" {
			exp = engine.Expansion{Provider: e.Provider, Service: e.Service, Resource: e.Resource, Method: m.UndoneBy}
		} else if exp.Provider != e.Provider || exp.Service != e.Service || exp.Resource != e.Resource || exp.Method != m.UndoneBy {
			return engine.Expansion{}, &provider.Error{Kind: provider.KindUnsupported,
				Message: fmt.Sprintf("statement %d changed more than one resource; undo restores one at a time", n)}
		}
		undo, _ := r.Method(m.UndoneBy)
		key := map[string]string{}
		for p, v := range e.Key {
			if undo.Takes(p) {
				key[p] = v
			}
		}
		if !slices.ContainsFunc(exp.Keys, func(k map[string]string) bool { return equalKeys(k, key) }) {
			exp.Keys = append(exp.Keys, key)
		}
	}
	switch {
	case undoable == 0:
		return engine.Expansion{}, &provider.Error{Kind: provider.KindInvalid, Param: "statement",
			Message: fmt.Sprintf("statement %d deleted nothing that can be restored", n),
			Hint:    "SELECT method, params, result FROM pkgql.local.journal WHERE statement = " + strconv.FormatInt(n, 10) + " shows what it did"}
	case expired == undoable:
		return engine.Expansion{}, &provider.Error{Kind: provider.KindInvalid, Param: "statement",
			Message: fmt.Sprintf("statement %d deleted what it deleted more than 30 days ago: GitHub restores only within 30 days", n)}
	}
	return exp, nil
}

// findMethod finds the resource and method an entry called in the schemas
// the providers declare now.
func findMethod(catalog []*schema.Provider, e Entry) (*schema.Resource, *schema.Method) {
	for _, p := range catalog {
		if p.Name != e.Provider {
			continue
		}
		r, m, ok := p.Call(e.Service, e.Resource, e.Method)
		if !ok {
			return nil, nil
		}
		return r, m
	}
	return nil, nil
}

func jsonObject(m map[string]string) ([]byte, error) {
	if m == nil {
		m = map[string]string{}
	}
	return json.Marshal(m)
}

func equalKeys(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
