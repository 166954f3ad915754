package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/schema"
)

// EXPLAIN shows the plan and makes no call: for each resource table the
// method, the REST calls, what the calls take over (params, LIMIT) and what
// SQLite does on the host; then the SQL SQLite runs. It is one text column,
// a line a row, as PostgreSQL prints its plans.

// maxShownCalls is how many calls of one table EXPLAIN lists.
const maxShownCalls = 10

func (e *Engine) runExplain(ctx context.Context, st *Statement, sink rowset.Sink) error {
	if res := st.explain.firstResource(); res != nil {
		// The budget EXPLAIN states is asked of the API, which answers it
		// without spending any of it: a plan read before the first
		// statement of a session still says what is left.
		if err := e.askBudget(ctx, res); err != nil {
			return err
		}
	}
	var lines []string
	switch in := st.explain; in.kind {
	case KindSelect:
		lines = explainSelect(in.sel, "")
	case KindDelete:
		lines = explainDelete(in.del)
	}
	lines = append(lines, e.costLines(st.explain)...)
	rows := make([][]any, len(lines))
	for i, l := range lines {
		rows[i] = []any{l}
	}
	if err := sink.Begin([]rowset.Column{{Name: "plan", Type: schema.String}}); err != nil {
		return err
	}
	for _, row := range rows {
		if err := sink.Row(row); err != nil {
			return err
		}
	}
	return sink.End("no call made")
}

func explainDelete(dp *deletePlan) []string {
	verb, tmpl := dp.method.Route.Verb, dp.method.Route.Path
	head := fmt.Sprintf("DELETE from %s with %s (%s %s)", dp.res.name, dp.method.Name, verb, tmpl)
	lines := []string{head}
	if why := whyMethod(dp.method); why != "" {
		lines = append(lines, "  "+why)
	}
	guarded := func() {
		if dp.method.Guarded {
			lines = append(lines, "  guarded: before any call, the provider checks every key found as a whole; a key it refuses is reported with its reason and not deleted")
			if dp.method.GuardReads != "" {
				lines = append(lines, "  the check reads: "+strings.Join(strings.Split(dp.method.GuardReads, "\n"), " + "))
			}
		}
	}
	if dp.find == nil {
		lines = append(lines, "  the WHERE names every key in full: no SELECT, no confirmation")
		guarded()
		return append(lines, callLines(dp.res.schema, dp.method, dp.keys, "  ")...)
	}
	guarded()
	lines = append(lines, "  the WHERE is wider than the key: a SELECT finds the keys first")
	lines = append(lines, explainSelect(dp.find, "  ")...)
	return append(lines, fmt.Sprintf("  then %s once per key found, after confirmation (--yes): %s %s", dp.method.Name, verb, tmpl))
}

// whyMethod says why a method that excludes params was chosen: what it
// binds, and which params it needs unbound.
func whyMethod(m *schema.Method) string {
	if len(m.Excludes) == 0 {
		return ""
	}
	if len(m.Required) == 0 {
		return fmt.Sprintf("chosen because %s %s not bound (a method that takes them would be chosen instead)",
			joinList(m.Excludes), plural(len(m.Excludes), "is", "are"))
	}
	return fmt.Sprintf("chosen because %s %s bound and %s not (a method that takes them would be chosen instead)",
		joinList(m.Required), plural(len(m.Required), "is", "are"), joinList(m.Excludes))
}

// callLines lists the calls a set of params makes.
func callLines(res *schema.Resource, m *schema.Method, combos []map[string]string, indent string) []string {
	if len(combos) == 0 {
		return []string{indent + "calls: none (a param is compared with NULL, which nothing equals)"}
	}
	lines := []string{fmt.Sprintf("%scalls: %d", indent, len(combos))}
	for i, c := range combos {
		if i == maxShownCalls {
			lines = append(lines, fmt.Sprintf("%s  … and %d more", indent, len(combos)-i))
			break
		}
		verb, path := httpCall(res, m, c)
		lines = append(lines, fmt.Sprintf("%s  %s %s", indent, verb, path))
	}
	return lines
}

func explainSelect(q *selectPlan, indent string) []string {
	if q.node == nil {
		return explainSQLite(q, indent)
	}
	var lines []string
	for _, rp := range q.refs {
		ref, res, scan, m := rp.ref, rp.ref.res, rp.scan, rp.method
		lines = append(lines, fmt.Sprintf("%s%s AS %s", indent, res.name, ref.alias))
		lines = append(lines, fmt.Sprintf("%s  method: %s (%s)", indent, m.Name, m.Route))
		if why := whyMethod(m); why != "" {
			lines = append(lines, indent+"  "+why)
		}
		if rp.combos != nil {
			lines = append(lines, callLines(res.schema, m, rp.combos, indent+"  ")...)
		} else {
			var per []string
			for _, p := range m.Required {
				if b := rp.bound[p]; b != nil && !b.literal() {
					per = append(per, fmt.Sprintf("%s from %s", p, b.dynamic))
				}
			}
			verb, tmpl := m.Route.Verb, m.Route.Path
			lines = append(lines, fmt.Sprintf("%s  calls: one per value of %s, as the other tables supply them: %s %s",
				indent, strings.Join(per, ", "), verb, tmpl))
		}
		var pushed []string
		consumed := map[string]bool{}
		if scan != nil {
			for _, a := range scan.args {
				switch a {
				case argLimit:
					pushed = append(pushed, "LIMIT "+limitText(q.node))
				case argOffset:
				default:
					pushed = append(pushed, boundParamText(a, rp.bound[a], res, m))
					if _, col := res.column(a); col.hidden || slices.Contains(m.Required, a) {
						consumed[a] = true
					}
				}
			}
			var cols []string
			for _, i := range scan.cols {
				cols = append(cols, res.cols[i].name)
			}
			if len(cols) > 0 {
				lines = append(lines, fmt.Sprintf("%s  columns read: %s", indent, strings.Join(cols, ", ")))
			}
			lines = append(lines, extraReads(res.schema, cols, indent+"  ")...)
		}
		if len(pushed) > 0 {
			lines = append(lines, fmt.Sprintf("%s  pushed down to the calls: %s", indent, strings.Join(pushed, ", ")))
		}
		var host []string
		for _, c := range ref.scope.conjuncts {
			if !references(c, ref) {
				continue
			}
			if name, b := conjunctParam(c, ref); b != nil && consumed[name] {
				continue
			}
			host = append(host, sqlparser.String(c))
		}
		if len(host) > 0 {
			lines = append(lines, fmt.Sprintf("%s  filtered on the host: %s", indent, strings.Join(host, " AND ")))
		}
	}
	if ops := hostOperations(q); len(ops) > 0 {
		lines = append(lines, fmt.Sprintf("%son the host (SQLite): %s", indent, strings.Join(ops, ", ")))
	}
	lines = append(lines, indent+"SQLite: "+q.sql)
	if len(q.args) > 0 {
		var args []string
		for _, a := range q.args {
			args = append(args, fmt.Sprintf("'%v'", a))
		}
		lines = append(lines, indent+"  with "+strings.Join(args, ", "))
	}
	return lines
}

// bindingText shows how a pushed-down param is bound.
func boundParamText(param string, b *boundParam, res *resource, m *schema.Method) string {
	if b == nil {
		return param
	}
	var s string
	switch {
	case !b.literal():
		s = fmt.Sprintf("%s = %s (row by row)", param, b.dynamic)
	case len(b.values) == 1:
		s = fmt.Sprintf("%s = '%s'", param, b.values[0])
	default:
		s = fmt.Sprintf("%s IN ('%s')", param, strings.Join(b.values, "', '"))
	}
	if _, col := res.column(param); col != nil && !col.hidden && !slices.Contains(m.Required, param) {
		s += " (checked again on the host)"
	}
	return s
}

func limitText(node sqlparser.SelectStatement) string {
	if s, ok := node.(*sqlparser.Select); ok && s.Limit != nil {
		return sqlparser.String(s.Limit.Rowcount)
	}
	return ""
}

// hostOperations lists what SQLite does over the rows of the outermost
// SELECT: DISTINCT, GROUP BY, HAVING, ORDER BY and a LIMIT not pushed down.
func hostOperations(q *selectPlan) []string {
	s, ok := q.node.(*sqlparser.Select)
	if !ok {
		return []string{"UNION"}
	}
	var ops []string
	if s.Distinct != "" {
		ops = append(ops, "DISTINCT")
	}
	if len(s.GroupBy) > 0 {
		ops = append(ops, strings.TrimSpace(sqlparser.String(s.GroupBy)))
	}
	if s.Having != nil {
		ops = append(ops, strings.TrimSpace(sqlparser.String(s.Having)))
	}
	if len(s.OrderBy) > 0 {
		ops = append(ops, strings.TrimSpace(sqlparser.String(s.OrderBy)))
	}
	if s.Limit != nil {
		pushed := slices.ContainsFunc(q.scans, func(sc eqpScan) bool { return sc.plan.limited() })
		l := strings.TrimSpace(sqlparser.String(s.Limit))
		if pushed {
			l += " (also pushed down)"
		}
		ops = append(ops, l)
	}
	return ops
}

// extraReads says what the provider reads besides its calls for the columns
// named: each cost their Reads list, once, on one line.
func extraReads(res *schema.Resource, cols []string, indent string) []string {
	var named, costs []string
	for _, c := range cols {
		f, ok := res.Field(c)
		if !ok || f.Reads == "" {
			continue
		}
		named = append(named, c)
		for _, r := range strings.Split(f.Reads, "\n") {
			if !slices.Contains(costs, r) {
				costs = append(costs, r)
			}
		}
	}
	if len(named) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%salso reads, for %s: %s", indent, strings.Join(named, ", "), strings.Join(costs, " + "))}
}

// explainSQLite shows the plan of a statement SQLite read whole: each table
// scan with the method BestIndex chose and what it takes over.
func explainSQLite(q *selectPlan, indent string) []string {
	var lines []string
	for _, s := range q.scans {
		res := s.plan.res
		lines = append(lines, fmt.Sprintf("%s%s AS %s", indent, res.name, s.alias))
		m := s.plan.method
		lines = append(lines, fmt.Sprintf("%s  method: %s (%s %s)", indent, m.Name, m.Route.Verb, m.Route.Path))
		params, limited := scanParams(s.plan)
		if combos, ok := q.lits.combos(res.name, params); ok {
			lines = append(lines, callLines(res.schema, m, combos, indent+"  ")...)
		} else {
			lines = append(lines, fmt.Sprintf("%s  calls: one per value of %s that SQLite passes (the same call once per statement): %s %s",
				indent, joinList(params), m.Route.Verb, m.Route.Path))
		}
		var cols []string
		for _, i := range s.plan.cols {
			cols = append(cols, res.cols[i].name)
		}
		if len(cols) > 0 {
			lines = append(lines, fmt.Sprintf("%s  columns read: %s", indent, strings.Join(cols, ", ")))
		}
		if limited {
			lines = append(lines, indent+"  pushed down to the calls: LIMIT")
		}
	}
	// One line: the statement's own line breaks are blanks to SQLite, and
	// its strings are bound arguments, shown after it.
	lines = append(lines, indent+"SQLite: "+strings.Join(strings.Fields(q.sql), " "))
	if len(q.args) > 0 {
		var args []string
		for _, a := range q.args {
			args = append(args, fmt.Sprintf("'%v'", a))
		}
		lines = append(lines, indent+"  with "+strings.Join(args, ", "))
	}
	return lines
}

// scanParams are the params a scan passes to its calls, and whether it
// passes a LIMIT too.
func scanParams(sp *scanPlan) (params []string, limited bool) {
	for _, a := range sp.args {
		switch a {
		case argLimit:
			limited = true
		case argOffset:
		default:
			params = append(params, a)
		}
	}
	return params, limited
}

// firstResource is the resource of the statement's first table or method,
// nil for one that reads none.
func (st *Statement) firstResource() *resource {
	switch st.kind {
	case KindSelect:
		if len(st.sel.refs) > 0 {
			return st.sel.refs[0].ref.res
		}
		for _, sc := range st.sel.scans {
			if sc.plan != nil {
				return sc.plan.res
			}
		}
	case KindDelete:
		return st.del.res
	case KindExec:
		return st.exec.res
	}
	return nil
}
