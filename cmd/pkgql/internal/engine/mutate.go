package engine

import (
	"context"
	"fmt"

	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// DELETE and EXEC call their method once per key, and only on keys that are
// named in full: literals in the statement, or rows a SELECT found and the
// user confirmed. A dry run shows the REST calls and makes none that change
// anything.

// deletePlan is a checked DELETE.
type deletePlan struct {
	res    *resource
	method *schema.Method
	// keys are the param sets the statement names in full; nil when its
	// WHERE is wider than the key and find must look for them.
	keys []map[string]string
	find *selectPlan
	// fixed are optional params bound by a literal, sent with every key found.
	fixed map[string]string
}

// execPlan is a checked EXEC.
type execPlan struct {
	res    *resource
	method *schema.Method
	params map[string]string
}

func (r *statementReader) readDelete() (*deletePlan, error) {
	stmt, err := r.parse()
	if err != nil {
		return nil, err
	}
	d, ok := stmt.(*sqlparser.Delete)
	if !ok {
		return nil, r.errorAt(r.toks[0].start, "", "expected a DELETE")
	}
	switch {
	case len(d.Targets) > 0:
		return nil, r.errorAt(r.toks[0].start, "", "DELETE from several tables is not supported")
	case len(d.OrderBy) > 0:
		return nil, r.errorAt(r.findWord("order"), "", "DELETE … ORDER BY is not supported")
	case d.Limit != nil:
		return nil, r.errorAt(r.findWord("limit"), "", "DELETE … LIMIT is not supported")
	case len(d.Partitions) > 0:
		return nil, r.errorAt(r.findWord("partition"), "", "PARTITION is not supported")
	}
	var te *sqlparser.AliasedTableExpr
	if len(d.TableExprs) == 1 {
		te, _ = d.TableExprs[0].(*sqlparser.AliasedTableExpr)
	}
	if te == nil {
		return nil, r.errorAt(r.toks[0].start, "", "DELETE deletes from one resource")
	}
	if _, isName := te.Expr.(sqlparser.TableName); !isName {
		return nil, r.errorAt(r.toks[0].start, "", "DELETE deletes from one resource")
	}
	a := newAnalysis(r)
	sc := &scope{}
	if err := a.aliasedTable(te, sc); err != nil {
		return nil, err
	}
	if len(a.refs) != 1 {
		return nil, r.errorAt(r.toks[0].start, "", "DELETE deletes from one resource")
	}
	ref := a.refs[0]
	methods := ref.res.schema.MethodsFor(schema.Delete)
	if len(methods) == 0 {
		return nil, r.errorAt(ref.offset, "SHOW METHODS IN "+ref.res.name+" lists what it can do", "%s has no DELETE method", ref.res.name)
	}
	if d.Where == nil {
		return nil, r.errorAt(r.end(), fmt.Sprintf("bind %s with = or IN", joinList(methods[0].Required)),
			"DELETE needs a WHERE clause naming what to delete")
	}
	if err := a.expr(d.Where.Expr, sc); err != nil {
		return nil, err
	}
	sc.conjuncts = splitAnd(d.Where.Expr)
	if err := r.checkLiterals(d.Where); err != nil {
		return nil, err
	}
	return r.planner().planDelete(a, ref, d)
}

func (r *statementReader) readExec() (*execPlan, error) {
	c, i, err := r.readName(1, "a method: EXEC provider.service.resource.method")
	if err != nil {
		return nil, err
	}
	if res, _, _ := r.e.cat.lookup(c.parts); res != nil {
		var names []string
		for _, m := range res.schema.MethodsFor(schema.Exec) {
			names = append(names, res.name+"."+m.Name)
		}
		return nil, r.errorAt(r.toks[c.first].start, "its EXEC methods are "+joinList(names),
			"EXEC names a method in full: %s.method", res.name)
	}
	if len(c.parts) < 3 || len(c.parts) > 4 {
		return nil, r.errorAt(r.toks[c.first].start, "", "EXEC names a method in full: provider.service.resource.method")
	}
	res, msg, hint := r.e.cat.lookup(c.parts[:len(c.parts)-1])
	if res == nil {
		return nil, r.errorAt(r.toks[c.first].start, hint, "%s", msg)
	}
	name := c.parts[len(c.parts)-1]
	methodAt := r.toks[c.end-1].start
	var m *schema.Method
	var names []string
	for j := range res.schema.Methods {
		mm := &res.schema.Methods[j]
		names = append(names, mm.Name)
		if strings.EqualFold(mm.Name, name) {
			m = mm
		}
	}
	if m == nil {
		return nil, r.errorAt(methodAt, didYouMean(name, names), "unknown method %q of %s", name, res.name)
	}
	if m.Verb != schema.Exec {
		return nil, r.errorAt(methodAt, fmt.Sprintf("it runs with %s", m.Verb), "%s is not an EXEC method", m.Name)
	}
	x := &execPlan{res: res, method: m, params: map[string]string{}}
	takes := slices.Concat(m.Required, m.Optional)
	for i < len(r.toks) {
		t := r.toks[i]
		if !t.isName() || !strings.HasPrefix(t.val, "@") || len(t.val) < 2 {
			return nil, r.errorAt(t.start, "", "expected @param = value, found %q", r.src.text[t.start:t.end])
		}
		pname := t.val[1:]
		k := slices.IndexFunc(takes, func(p string) bool { return strings.EqualFold(p, pname) })
		if k < 0 {
			at := make([]string, len(takes))
			for j, p := range takes {
				at[j] = "@" + p
			}
			return nil, r.errorAt(t.start, didYouMean(t.val, at), "%s takes no param %s", m.Name, t.val)
		}
		pname = takes[k]
		if _, dup := x.params[pname]; dup {
			return nil, r.errorAt(t.start, "", "@%s is given twice", pname)
		}
		if err := r.expect(i+1, "=", func(t token) bool { return t.punct('=') }); err != nil {
			return nil, err
		}
		valAt := i + 2
		v, isNull, next, err := r.literal(valAt)
		if err != nil {
			return nil, err
		}
		if isNull {
			return nil, r.errorAt(r.toks[valAt].start, "leave it out instead", "@%s cannot be NULL", pname)
		}
		p, _ := res.schema.Param(pname)
		if msg, hint := checkValue(p, v); msg != "" {
			return nil, r.errorAt(r.toks[valAt].start, hint, "%s", msg)
		}
		x.params[pname] = v
		i = next
		if i < len(r.toks) {
			if err := r.expect(i, "',' or the end of the statement", func(t token) bool { return t.punct(',') }); err != nil {
				return nil, err
			}
			i++
			if i == len(r.toks) {
				return nil, r.errorAt(r.end(), "", "unexpected end of statement: expected @param = value")
			}
		}
	}
	var missing []string
	for _, p := range m.Required {
		if _, ok := x.params[p]; !ok {
			missing = append(missing, "@"+p)
		}
	}
	if len(missing) > 0 {
		return nil, r.errorAt(r.end(), fmt.Sprintf("add %s = '…'", missing[0]), "%s needs %s", m.Name, joinList(missing))
	}
	return x, nil
}

func (e *Engine) runExec(ctx context.Context, st *Statement, sink rowset.Sink) error {
	x := st.exec
	if ex, ok := x.res.backend.Provider.(Expander); ok {
		return e.runExpanded(ctx, st, ex, sink)
	}
	keys := []map[string]string{x.params}
	if e.cfg.DryRun {
		return dryRun(x.res.schema, x.method, keys, nil, sink)
	}
	return e.mutate(ctx, st, x.res, x.method, keys, nil, "done", sink)
}

func (e *Engine) runDelete(ctx context.Context, st *Statement, sink rowset.Sink) error {
	dp := st.del
	keys := dp.keys
	if dp.find != nil {
		var err error
		if keys, err = e.findKeys(ctx, st, dp); err != nil {
			return err
		}
	}
	refusals, err := e.guard(ctx, st, dp.res, keys)
	if err != nil {
		return err
	}
	if e.cfg.DryRun {
		return dryRun(dp.res.schema, dp.method, keys, refusals, sink)
	}
	if dp.find != nil && len(keys) > 0 && !e.cfg.Yes {
		if e.cfg.Confirm == nil {
			// Nobody can be asked (a script): the statement did not do what it
			// says, so it fails, after listing what it would have deleted.
			if err := unconfirmed(dp, keys, sink); err != nil {
				return err
			}
			hint := "check the list, then run again with --yes (pkgql shell asks instead; --dry-run shows the calls)"
			if dp.method.Caveat != "" {
				hint += "; note: " + dp.method.Caveat
			}
			return st.wrap(&Error{
				Message: fmt.Sprintf("%s this DELETE and none was deleted: a WHERE wider than the key needs confirmation", matches(len(keys))),
				Hint:    hint,
			})
		}
		if !e.cfg.Confirm(ctx, question(st, dp.method, keys)) {
			return unconfirmed(dp, keys, sink)
		}
	}
	return e.mutate(ctx, st, dp.res, dp.method, keys, refusals, "deleted", sink)
}

// findKeys runs the DELETE's SELECT and reads the key of every row.
func (e *Engine) findKeys(ctx context.Context, st *Statement, dp *deletePlan) ([]map[string]string, error) {
	var keys []map[string]string
	var missing string
	err := e.query(ctx, st, dp.find, func([]rowset.Column) error { return nil }, func(vals []any) error {
		key := make(map[string]string, len(vals)+len(dp.fixed))
		for i, p := range dp.method.Required {
			if vals[i] == nil {
				missing = p
				return errStop
			}
			key[p] = valueText(vals[i])
		}
		for p, v := range dp.fixed {
			key[p] = v
		}
		keys = append(keys, key)
		return nil
	}, func(int) error { return nil })
	if missing != "" {
		return nil, st.wrap(&Error{
			Message: fmt.Sprintf("the rows of %s that match do not carry %s, which %s needs", dp.res.name, missing, dp.method.Name),
			Hint:    fmt.Sprintf("bind %s in WHERE with = or IN, e.g. %s IN (SELECT … FROM %s WHERE …)", missing, missing, dp.res.name),
		})
	}
	return keys, err
}

// valueText is a row value as a param's text.
func valueText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case provider.JSON:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// errStop ends a query early; the caller knows why.
var errStop = &Error{Message: "stopped"}

func keyText(m *schema.Method, key map[string]string) string {
	parts := make([]string, 0, len(m.Required))
	for _, p := range m.Required {
		parts = append(parts, p+"="+key[p])
	}
	return strings.Join(parts, " ")
}

// question asks to confirm a DELETE whose keys a SELECT found.
func question(st *Statement, m *schema.Method, keys []map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nmatches %d to delete with %s:\n", st.text, len(keys), m.Name)
	for i, k := range keys {
		if i == 20 {
			fmt.Fprintf(&b, "  … and %d more\n", len(keys)-i)
			break
		}
		b.WriteString("  " + keyText(m, k) + "\n")
	}
	if m.Caveat != "" {
		b.WriteString("Note: " + m.Caveat + "\n")
	}
	b.WriteString("Delete them?")
	return b.String()
}

func keyColumns(res *resource, m *schema.Method) []rowset.Column {
	var cols []rowset.Column
	for _, p := range m.Required {
		prm, _ := res.schema.Param(p)
		cols = append(cols, rowset.Column{Name: p, Type: prm.Type})
	}
	return cols
}

// matches says how many rows a DELETE matches, in words.
func matches(n int) string {
	if n == 1 {
		return "1 row matches"
	}
	return fmt.Sprintf("%d rows match", n)
}

// unconfirmed reports the keys a DELETE would delete and that it deleted none.
func unconfirmed(dp *deletePlan, keys []map[string]string, sink rowset.Sink) error {
	cols := append(keyColumns(dp.res, dp.method), rowset.Column{Name: "result", Type: schema.String})
	if err := sink.Begin(cols); err != nil {
		return err
	}
	for _, k := range keys {
		row := make([]any, 0, len(cols))
		for _, p := range dp.method.Required {
			row = append(row, k[p])
		}
		if err := sink.Row(append(row, "not deleted")); err != nil {
			return err
		}
	}
	return sink.End(fmt.Sprintf("%d would be deleted; none was", len(keys)))
}

// dryRun reports the REST calls a mutation would make.
// For a guarded method it adds what the check would refuse, and leaves
// those calls out of the count.
func dryRun(res *schema.Resource, m *schema.Method, keys []map[string]string, refusals []string, sink rowset.Sink) error {
	cols := []rowset.Column{{Name: "method", Type: schema.String}, {Name: "verb", Type: schema.String}, {Name: "path", Type: schema.String}}
	if refusals != nil {
		cols = append(cols, rowset.Column{Name: "refused", Type: schema.String})
	}
	if err := sink.Begin(cols); err != nil {
		return err
	}
	refused := 0
	for i, k := range keys {
		verb, path := httpCall(res, m, k)
		row := []any{m.Name, verb, path}
		if refusals != nil {
			var r any
			if refusals[i] != "" {
				r = refusals[i]
				refused++
			}
			row = append(row, r)
		}
		if err := sink.Row(row); err != nil {
			return err
		}
	}
	n := len(keys) - refused
	summary := fmt.Sprintf("dry run: %d %s, none made", n, plural(n, "call", "calls"))
	if refused > 0 {
		summary += fmt.Sprintf("; %d refused by the check", refused)
	}
	return sink.End(summary)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// httpCall renders a method's route with params as the provider sends it,
// through the same schema.Route.Render; secret params show as REDACTED.
func httpCall(res *schema.Resource, m *schema.Method, params map[string]string) (verb, path string) {
	return m.Route.Verb, m.Route.Render(params, res.Secret)
}

// outcome is what one call of a mutation ended with.
type outcome struct {
	result  string // the method's word for success, "refused", "unknown", "not sent" or "failed"
	status  int
	message string
	err     error
}

// refusedKinds are the errors where the API answered and said no: a reason
// the user can read, not a fault.
var refusedKinds = []string{provider.KindAPI, provider.KindNotFound, provider.KindAuth, provider.KindInvalid}

// unknown is the result of a change that may have been made: its answer
// was lost and nothing could tell.
const unknown = "unknown"

// NotSent is the result of a change the statement was stopped before
// sending: nothing was asked of the API, so nothing changed.
const NotSent = "not sent"

// classify words a call's end. stopped tells that the statement was stopped
// while the call was in flight: its request may have reached the API, so
// what it did is unknown unless its answer came.
func classify(res provider.Result, err error, done string, stopped bool) outcome {
	if err == nil {
		return outcome{result: done, status: res.HTTPStatus, message: res.Message}
	}
	pe, ok := provider.AsError(err)
	switch {
	case stopped && (!ok || pe.Kind == provider.KindCanceled || pe.Kind == provider.KindUnavailable):
		return outcome{result: unknown, message: "may have been " + done + ": the statement was stopped before the answer came; SELECT it to see", err: err}
	case !ok:
		return outcome{result: "failed", message: err.Error(), err: err}
	}
	o := outcome{result: "failed", status: pe.HTTPStatus, message: pe.Message, err: err}
	switch {
	case slices.Contains(refusedKinds, pe.Kind):
		o.result = "refused"
	case pe.Kind == provider.KindUncertain:
		o.result = unknown
		o.message = "may have been " + done + ": " + pe.Message
	}
	if pe.Hint != "" {
		o.message += "; " + pe.Hint
	}
	return o
}

// runExpanded runs the calls an Expander's EXEC stands for: previewed and
// confirmed like a bulk DELETE, then made through mutate like any other.
func (e *Engine) runExpanded(ctx context.Context, st *Statement, ex Expander, sink rowset.Sink) error {
	x := st.exec
	req := provider.Request{Service: x.res.service, Resource: x.res.schema.Name, Method: x.method.Name, Params: x.params}
	exp, err := ex.Expand(ctx, req, e.cat.providers)
	if err != nil {
		return st.wrap(err)
	}
	name := exp.Provider + "." + exp.Service + "." + exp.Resource
	res, ok := e.cat.byName[name]
	var m *schema.Method
	if ok {
		m, ok = res.schema.Method(exp.Method)
	}
	if !ok {
		return st.wrap(&Error{Message: fmt.Sprintf("%s stands for %s.%s, which no provider declares", x.method.Name, name, exp.Method),
			Hint: "start the provider that declares it (SHOW PROVIDERS lists those running)"})
	}
	keys := exp.Keys
	if e.cfg.DryRun {
		return dryRun(res.schema, m, keys, nil, sink)
	}
	if len(keys) > 0 && !e.cfg.Yes {
		if e.cfg.Confirm == nil {
			if err := notCalled(res, m, keys, sink); err != nil {
				return err
			}
			return st.wrap(&Error{
				Message: fmt.Sprintf("%s would call %s %d %s and made none: it needs confirmation", x.method.Name, m.Name, len(keys), plural(len(keys), "time", "times")),
				Hint:    "check the list, then run again with --yes (pkgql shell asks instead; --dry-run shows the calls)",
			})
		}
		if !e.cfg.Confirm(ctx, strings.Replace(question(st, m, keys), "to delete with", "to call", 1)) {
			return notCalled(res, m, keys, sink)
		}
	}
	return e.mutate(ctx, st, res, m, keys, nil, "done", sink)
}

// notCalled reports the calls an expanded EXEC would make, and that it made
// none.
func notCalled(res *resource, m *schema.Method, keys []map[string]string, sink rowset.Sink) error {
	cols := append(keyColumns(res, m), rowset.Column{Name: "result", Type: schema.String})
	if err := sink.Begin(cols); err != nil {
		return err
	}
	for _, k := range keys {
		row := make([]any, 0, len(cols))
		for _, p := range m.Required {
			row = append(row, k[p])
		}
		if err := sink.Row(append(row, "not called")); err != nil {
			return err
		}
	}
	return sink.End(fmt.Sprintf("%d %s of %s would be made; none was", len(keys), plural(len(keys), "call", "calls"), m.Name))
}

// mutationGrace is how long the calls in flight when a statement is stopped
// still have for their answers: a change GitHub made is then reported as
// made. It ends well within the time an interrupted process has to leave.
const mutationGrace = 400 * time.Millisecond

// mutate calls m once per key, up to Config.Concurrency at a time, and
// reports every key: done, refused (with the API's reason), unknown (the
// answer was lost: it may have been done) or failed. Keys not yet sent when
// the statement is stopped are not sent. Run fails when any key was not
// done, after the report is written.
func (e *Engine) mutate(ctx context.Context, st *Statement, res *resource, m *schema.Method, keys []map[string]string, refusals []string, done string, sink rowset.Sink) error {
	// The calls run under a context that outlives ctx by mutationGrace, so
	// that a stop does not throw away the answers already on their way.
	callCtx, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	stopWatch := context.AfterFunc(ctx, func() {
		time.AfterFunc(mutationGrace, cancelCalls)
	})
	defer stopWatch()
	out := make([]outcome, len(keys))
	if err := e.checkBudget(ctx, res, m.Name, callCost(m, len(keys))); err != nil {
		return st.wrap(err)
	}
	rec, err := e.startRecord(ctx, st)
	if err != nil {
		return st.wrap(err)
	}
	var ended atomic.Int64
	// A call is recorded in the journal before it takes one of the
	// Concurrency slots, and up to journalAhead times as many calls are
	// recorded ahead of one: the journal commits the entries waiting
	// together, so that its sync to disk, which can take longer than the
	// request, is shared instead of holding up every call in turn.
	ahead := make(chan struct{}, journalAhead*e.cfg.Concurrency)
	sem := make(chan struct{}, e.cfg.Concurrency)
	interrupted := func() outcome {
		return outcome{result: NotSent, message: "not sent: the statement was interrupted", err: ctx.Err()}
	}
	// The slots go to the calls in the keys' order, however their journal
	// writes end: each call's turn is the one before it taking its slot.
	turn := make(chan struct{})
	close(turn)
	var wg sync.WaitGroup
	for i, k := range keys {
		if refusals != nil && refusals[i] != "" {
			out[i] = outcome{result: "refused", message: "kept: " + refusals[i],
				err: &Error{Message: "kept: " + refusals[i], Hint: "delete what needs it in the same statement, or see --allow-broken-images"}}
			continue
		}
		select {
		case ahead <- struct{}{}:
		case <-ctx.Done():
			out[i] = interrupted()
			continue
		}
		mine, next := turn, make(chan struct{})
		turn = next
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-ahead }()
			req := provider.Request{Service: res.service, Resource: res.schema.Name, Method: m.Name, Params: k}
			entry, err := rec.sent(callCtx, res, m, k)
			if err != nil {
				<-mine
				close(next)
				out[i] = outcome{result: "failed", message: "not sent: " + err.Error(), err: err}
			} else {
				out[i] = e.call(ctx, callCtx, mine, next, sem, res, req, done, interrupted)
				rec.answered(entry, out[i])
			}
			if e.cfg.MutationProgress != nil {
				e.cfg.MutationProgress(int(ended.Add(1)), len(keys))
			}
		}()
	}
	wg.Wait()

	cols := append(keyColumns(res, m),
		rowset.Column{Name: "result", Type: schema.String}, rowset.Column{Name: "status", Type: schema.Integer}, rowset.Column{Name: "message", Type: schema.String})
	if err := sink.Begin(cols); err != nil {
		return err
	}
	counts := map[string]int{}
	var firstErr error
	for i, k := range keys {
		o := out[i]
		counts[o.result]++
		if o.err != nil && firstErr == nil {
			firstErr = o.err
		}
		row := make([]any, 0, len(cols))
		for _, p := range m.Required {
			row = append(row, k[p])
		}
		var status any
		if o.status != 0 {
			status = int64(o.status)
		}
		if err := sink.Row(append(row, o.result, status, o.message)); err != nil {
			return err
		}
	}
	var summary []string
	for _, word := range []string{done, "refused", unknown, NotSent, "failed"} {
		if counts[word] > 0 || word == done {
			summary = append(summary, fmt.Sprintf("%d %s", counts[word], word))
		}
	}
	if err := sink.End(strings.Join(summary, ", ")); err != nil {
		return err
	}
	bad := len(keys) - counts[done]
	switch {
	case bad == 0:
		return nil
	case len(keys) == 1:
		return st.wrap(firstErr)
	}
	return st.wrap(&Error{
		Message: fmt.Sprintf("%d of %d calls of %s did not succeed (%s)", bad, len(keys), m.Name, strings.Join(summary[1:], ", ")),
		Hint:    "the report lists each one with its reason",
		Err:     firstErr,
	})
}

// journalAhead is how many times Concurrency calls may be recorded in the
// journal and waiting for a slot. A run that dies can leave as many entries
// of calls it never sent, which say, as every entry without an answer does,
// that the change may have been made.
const journalAhead = 4

// call makes one call of a mutation in one of sem's slots, taken once turn
// is closed, unless the statement was stopped before; it closes next once
// it has a slot or will not have one.
func (e *Engine) call(ctx, callCtx context.Context, turn <-chan struct{}, next chan struct{}, sem chan struct{}, res *resource, req provider.Request, done string, interrupted func() outcome) outcome {
	slot := func() bool {
		defer close(next)
		select {
		case <-turn:
		case <-ctx.Done():
			return false
		}
		select {
		case sem <- struct{}{}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !slot() {
		return interrupted()
	}
	defer func() { <-sem }()
	if ctx.Err() != nil {
		return interrupted()
	}
	r, err := res.backend.Provider.Call(callCtx, req, func(provider.Batch) error { return nil })
	return classify(r, err, done, ctx.Err() != nil)
}

// record is a mutating statement's entry in the journal; without a journal
// it records nothing.
type record struct {
	e         *Engine
	statement int64
}

func (e *Engine) startRecord(ctx context.Context, st *Statement) (*record, error) {
	r := &record{e: e}
	if e.cfg.Journal == nil {
		return r, nil
	}
	var err error
	if r.statement, err = e.cfg.Journal.Statement(ctx, st.text); err != nil {
		return nil, &Error{Message: "no call was made: " + err.Error(),
			Hint: "pkgql records every change before it sends it; fix the journal's directory, or run with --no-journal"}
	}
	return r, nil
}

// sent records a call before it is made; secret params stay out.
func (r *record) sent(ctx context.Context, res *resource, m *schema.Method, key map[string]string) (int64, error) {
	if r.e.cfg.Journal == nil {
		return 0, nil
	}
	k := make(map[string]string, len(key))
	for p, v := range key {
		if !res.schema.Secret(p) {
			k[p] = v
		}
	}
	return r.e.cfg.Journal.Sent(ctx, r.statement, res.provider, res.service, res.schema.Name, m.Name, k)
}

func (r *record) answered(entry int64, o outcome) {
	if r.e.cfg.Journal == nil {
		return
	}
	if err := r.e.cfg.Journal.Answered(entry, o.status, o.result, o.message); err != nil {
		r.e.log.Warn("the journal could not record an answer", "entry", entry, "error", err)
	}
}
