package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/schema"
)

// The planner turns what a statement asks, as its reader found it, into what
// the engine will do: for each resource table, from the params the statement
// binds (bound.go), the method those params allow and the calls its literals
// make, and SQLite's plan of the SQL it runs. A table no method can read is
// an error here, before any call. The virtual table's BestIndex (vtab.go)
// then chooses only among the methods chosen here, so SQLite's join order
// decides which constraints a scan passes, never which method it calls.

// statementPlanner plans one statement its reader has read. Its errors
// point into the statement through the reader.
type statementPlanner struct {
	e *Engine
	r *statementReader
}

func (r *statementReader) planner() *statementPlanner { return &statementPlanner{e: r.e, r: r} }

// maxCalls bounds the calls the IN lists of one table may fan out to.
const maxCalls = 1000

// refPlan is the plan of one resource table.
type refPlan struct {
	ref    *tableRef
	bound  map[string]*boundParam
	method *schema.Method
	// scan is the plan SQLite chose to read the table with, from those
	// BestIndex made with method.
	scan *scanPlan
	// combos are the param sets of the calls the literals make, in the order
	// written; nil when a param comes row by row.
	combos []map[string]string
}

// chooseMethod picks the method of a verb whose required params are all
// bound and whose excluded params are all absent, preferring the one that
// needs the most (a get by key over a listing). present tells which params the
// statement binds at all, usable now or not: a method that excludes one of
// them is never chosen, in any join order. With no method, it returns the
// params the closest method misses, or, when methods were complete but
// excluded, the params that exclude each other. allowed, when not nil, says
// which methods may be chosen at all.
func chooseMethod(res *resource, verb schema.Verb, bound, present func(string) bool, allowed func(*schema.Method) bool) (best *schema.Method, missing, conflict []string) {
	for _, m := range res.schema.MethodsFor(verb) {
		if allowed != nil && !allowed(&m) {
			continue
		}
		var miss []string
		for _, p := range m.Required {
			if !bound(p) {
				miss = append(miss, p)
			}
		}
		var excluded []string
		for _, p := range m.Excludes {
			if present(p) {
				excluded = append(excluded, p)
			}
		}
		switch {
		case len(miss) == 0 && len(excluded) == 0:
			if best == nil || len(m.Required) > len(best.Required) {
				if mm, ok := res.schema.Method(m.Name); ok {
					best = mm
				}
			}
		case len(miss) == 0:
			for _, p := range excluded {
				if !slices.Contains(conflict, p) {
					conflict = append(conflict, p)
				}
			}
		case len(excluded) == 0 && (missing == nil || len(miss) < len(missing)):
			missing = miss
		}
	}
	if best != nil {
		return best, nil, nil
	}
	if conflict != nil {
		slices.Sort(conflict)
		return nil, nil, conflict
	}
	return nil, missing, nil
}

// conflictMessage words params that select different methods and cannot be
// bound together.
func conflictMessage(res *resource, verb schema.Verb, conflict []string) (msg, hint string) {
	msg = fmt.Sprintf("%s cannot bind %s together", res.name, joinList(conflict))
	var takes []string
	for _, p := range conflict {
		var names []string
		for _, m := range res.schema.MethodsFor(verb) {
			if slices.Contains(m.Required, p) {
				names = append(names, m.Name)
			}
		}
		if len(names) > 0 {
			takes = append(takes, fmt.Sprintf("%s chooses %s", p, strings.Join(names, " or ")))
		}
	}
	return msg, "bind one of them: each chooses a different method (" + strings.Join(takes, "; ") + ")"
}

// noMethodMessage words why no method of the verb serves the table. present
// are the params the statement binds: the methods they exclude are not
// offered.
func noMethodMessage(res *resource, verb schema.Verb, missing, conflict, present []string) (msg, hint string) {
	if len(conflict) > 0 {
		return conflictMessage(res, verb, conflict)
	}
	return missingMessage(res, verb, missing, present)
}

// missingMessage words a table no method can serve: the params it lacks and
// what each method of the verb would take.
func missingMessage(res *resource, verb schema.Verb, missing, present []string) (msg, hint string) {
	methods := res.schema.MethodsFor(verb)
	if len(methods) == 0 || len(missing) == 0 {
		return fmt.Sprintf("%s cannot be used with %s", res.name, verb), "SHOW METHODS IN " + res.name + " lists what it can do"
	}
	noun := "param"
	if len(missing) > 1 {
		noun = "params"
	}
	msg = fmt.Sprintf("%s needs the required %s %s", res.name, noun, joinList(missing))
	var takes []string
	for _, m := range methods {
		if slices.ContainsFunc(m.Excludes, func(p string) bool { return slices.Contains(present, p) }) {
			continue
		}
		t := fmt.Sprintf("%s takes %s", m.Name, joinList(m.Required))
		if len(m.Optional) > 0 {
			t += " (optional " + joinList(m.Optional) + ")"
		}
		takes = append(takes, t)
	}
	example := missing[0]
	return msg, fmt.Sprintf("bind %s with = or IN in WHERE (e.g. %s = '…'); %s", joinList(missing), example, strings.Join(takes, "; "))
}

// planRef plans one resource table for a verb.
func (pl *statementPlanner) planRef(t *tableRef, verb schema.Verb) (*refPlan, error) {
	rp := &refPlan{ref: t, bound: boundParams(t)}
	isBound := func(p string) bool { _, ok := rp.bound[p]; return ok }
	m, missing, conflict := chooseMethod(t.res, verb, isBound, isBound, nil)
	if m == nil {
		msg, hint := noMethodMessage(t.res, verb, missing, conflict, slices.Collect(maps.Keys(rp.bound)))
		return nil, pl.r.errorAt(t.offset, hint, "%s", msg)
	}
	if err := pl.planCalls(rp, m); err != nil {
		return nil, err
	}
	return rp, nil
}

// planCalls sets the method of a table and the calls its literals make.
func (pl *statementPlanner) planCalls(rp *refPlan, m *schema.Method) error {
	rp.method, rp.combos = m, nil
	combos := []map[string]string{{}}
	for _, p := range slices.Concat(m.Required, m.Optional) {
		b, ok := rp.bound[p]
		if !ok {
			continue
		}
		if !b.literal() {
			return nil
		}
		if b.null {
			rp.combos = []map[string]string{}
			return nil
		}
		if len(combos)*len(b.values) > maxCalls {
			return pl.r.errorAt(pl.r.find(b.column), "narrow the IN lists, or list with fewer params bound and filter in WHERE",
				"the IN lists of %s would make more than %d calls", rp.ref.res.name, maxCalls)
		}
		next := make([]map[string]string, 0, len(combos)*len(b.values))
		for _, c := range combos {
			for _, v := range b.values {
				nc := make(map[string]string, len(c)+1)
				for k, cv := range c {
					nc[k] = cv
				}
				nc[p] = v
				next = append(next, nc)
			}
		}
		combos = next
	}
	rp.combos = combos
	return nil
}

// planSelect plans every resource table, renders the statement for SQLite and
// has SQLite plan it: its errors, and a table its planner could not bind,
// stop the statement here.
func (pl *statementPlanner) planSelect(a *analysis, sel sqlparser.SelectStatement) (*selectPlan, error) {
	q := &selectPlan{node: sel, shared: len(a.refs) > 1 || a.subquery || a.join, fanout: map[string][]map[string]string{}}
	for _, ref := range a.refs {
		rp, err := pl.planRef(ref, schema.Select)
		if err != nil {
			return nil, err
		}
		q.refs = append(q.refs, rp)
	}
	q.sql, q.args = render(sel, a)
	q.plans = &scanPlans{methods: map[*resource][]*schema.Method{}}
	for _, rp := range q.refs {
		q.plans.methods[rp.ref.res] = append(q.plans.methods[rp.ref.res], rp.method)
	}
	scans, err := pl.e.explainPlan(context.Background(), q.sql, q.args, q.plans)
	if err != nil {
		return nil, pl.r.errorAt(pl.r.toks[0].start, "", "%s", cleanSQLiteMessage(err.Error()))
	}
	used := map[int]bool{}
	for _, rp := range q.refs {
		for i, s := range scans {
			if !used[i] && s.alias == rp.ref.alias {
				used[i], rp.scan = true, s.plan
				break
			}
		}
	}
	for _, rp := range q.refs {
		s := rp.scan
		if s == nil {
			continue
		}
		if s.method == nil {
			// SQLite found no order of the tables that binds this one with
			// the method planned for it: a join that only binds it from the
			// nullable side, for one.
			msg, hint := noMethodMessage(rp.ref.res, schema.Select, s.missing, s.conflict, s.present)
			return nil, pl.r.errorAt(rp.ref.offset, hint, "%s", msg)
		}
		if s.method != rp.method {
			// A table read twice (a self-join) whose reads were planned
			// with different methods: SQLite may give either to either.
			if err := pl.planCalls(rp, s.method); err != nil {
				return nil, err
			}
		}
	}
	q.scans = scans
	for _, rp := range q.refs {
		if len(rp.combos) > 1 {
			k := fanoutKey(rp.ref.res, rp.method.Name)
			q.fanout[k] = append(q.fanout[k], rp.combos...)
		}
	}
	q.joins = joinFanouts(q.refs)
	if s, ok := sel.(*sqlparser.Select); ok && s.Limit != nil {
		// With a LIMIT the first call may be enough: none is made ahead.
		q.fanout, q.joins = nil, nil
	}
	return q, nil
}

// planSQLite has SQLite prepare the statement and reads its plan: SQLite's
// errors, a table no method can serve and a literal a param cannot take stop
// it here, before any call.
func (pl *statementPlanner) planSQLite(tr *translated) (*selectPlan, error) {
	plans := &scanPlans{}
	scans, err := pl.e.explainPlan(context.Background(), tr.sql, tr.args, plans)
	if err != nil {
		return nil, pl.r.sqliteError(tr, err)
	}
	for _, s := range scans {
		if s.plan.method != nil {
			continue
		}
		at := pl.r.toks[0].start
		res := s.plan.res
		for _, ref := range tr.refs {
			if ref.res == res {
				at = ref.offset
				break
			}
		}
		msg, hint := noMethodMessage(res, schema.Select, s.plan.missing, s.plan.conflict, s.plan.present)
		return nil, pl.r.errorAt(at, hint, "%s", msg)
	}
	q := &selectPlan{sql: tr.sql, args: tr.args, shared: true, scans: scans, plans: plans, direct: tr.refs, lits: tr.lits, whole: tr.whole}
	// SQLite asks for the values of an IN list one after another: the
	// first call starts the others ahead (see startFanout), unless a LIMIT
	// pushed down may make them needless.
	q.fanout = map[string][]map[string]string{}
	for _, s := range scans {
		if s.plan.limited() {
			continue
		}
		var params []string
		for _, a := range s.plan.args {
			if a != argOffset {
				params = append(params, a)
			}
		}
		if combos, ok := tr.lits.combos(s.plan.res.name, params); ok && len(combos) > 1 {
			q.fanout[fanoutKey(s.plan.res, s.plan.method.Name)] = combos
		}
	}
	return q, nil
}

// exactKeys reports whether every term of the WHERE binds, with literals, a
// param of a DELETE method that all of them complete: then the statement
// names its keys in full and no SELECT is needed.
func (pl *statementPlanner) exactKeys(t *tableRef) bool {
	seen := map[string]bool{}
	for _, c := range t.scope.conjuncts {
		name, b := conjunctParam(c, t)
		if b == nil || !b.literal() || seen[name] {
			return false
		}
		seen[name] = true
	}
	m, _, _ := chooseMethod(t.res, schema.Delete, func(p string) bool { return seen[p] }, func(p string) bool { return seen[p] }, nil)
	if m == nil {
		return false
	}
	for p := range seen {
		if !m.Takes(p) {
			return false
		}
	}
	return true
}

// planDelete plans a DELETE from one resource: its keys when the WHERE names
// them in full, otherwise the method and the SELECT that finds them.
func (pl *statementPlanner) planDelete(a *analysis, ref *tableRef, d *sqlparser.Delete) (*deletePlan, error) {
	dp := &deletePlan{res: ref.res}
	if pl.exactKeys(ref) {
		rp, err := pl.planRef(ref, schema.Delete)
		if err != nil {
			return nil, err
		}
		dp.method, dp.keys = rp.method, rp.combos
		return dp, nil
	}
	// The WHERE is wider than the key: a SELECT finds the keys first.
	// Keys carried by a field come from the SELECT; the others must be bound,
	// and they tell which owner's method it is.
	bound := boundParams(ref)
	present := func(p string) bool { _, ok := bound[p]; return ok }
	supplied := func(p string) bool {
		prm, ok := ref.res.schema.Param(p)
		return present(p) || ok && prm.Field != ""
	}
	if dp.method, _, _ = chooseMethod(ref.res, schema.Delete, supplied, present, nil); dp.method == nil {
		// The SELECT that finds the keys reports what is missing.
		dp.method, _, _ = chooseMethod(ref.res, schema.Delete, func(string) bool { return true }, present, nil)
	}
	if dp.method == nil {
		rp, err := pl.planRef(ref, schema.Delete)
		if err != nil {
			return nil, err
		}
		dp.method = rp.method
	}
	dp.fixed = map[string]string{}
	for p, b := range bound {
		if slices.Contains(dp.method.Optional, p) && b.literal() && len(b.values) == 1 {
			dp.fixed[p] = b.values[0]
		}
	}
	find := &sqlparser.Select{Distinct: sqlparser.DistinctStr, From: d.TableExprs, Where: d.Where}
	for _, p := range dp.method.Required {
		find.SelectExprs = append(find.SelectExprs, &sqlparser.AliasedExpr{
			Expr: &sqlparser.ColName{Name: sqlparser.NewColIdent(p), Metadata: ref},
		})
	}
	q, err := pl.planSelect(a, find)
	if err != nil {
		return nil, err
	}
	dp.find = q
	return dp, nil
}
