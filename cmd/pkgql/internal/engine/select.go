package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// selectPlan is a checked SELECT: the SQL SQLite runs, the plan of each
// resource table, and SQLite's own plan, which Prepare checked against it.
type selectPlan struct {
	node   sqlparser.SelectStatement
	sql    string
	args   []any
	refs   []*refPlan
	shared bool
	fanout map[string][]map[string]string
	joins  map[string]*joinFanout // tables a join binds, whose calls start ahead
	scans  []eqpScan
	// plans are the scan plans BestIndex made for the statement, which
	// running it reads again.
	plans *scanPlans
	// direct are the resources of a statement SQLite read whole (node is
	// nil then): see direct.go.
	direct []tableRefTok
	lits   paramLits    // the literals binding params, when node is nil
	whole  map[int]bool // the columns wholeItems found, when node is nil
}

func (r *statementReader) readSelect() (*selectPlan, error) {
	stmt, err := r.parse()
	if err != nil {
		return nil, err
	}
	sel, ok := stmt.(sqlparser.SelectStatement)
	if !ok {
		return nil, r.errorAt(r.toks[0].start, "", "expected a SELECT")
	}
	a := newAnalysis(r)
	if err := a.selectStatement(sel, nil); err != nil {
		return nil, err
	}
	if err := r.checkLiterals(sel); err != nil {
		return nil, err
	}
	return r.planner().planSelect(a, sel)
}

// runSelect runs the SQL on a connection whose tables serve this statement's
// calls, and streams SQLite's rows to the sink.
func (e *Engine) runSelect(ctx context.Context, st *Statement, q *selectPlan, sink rowset.Sink) error {
	return e.query(ctx, st, q, func(cols []rowset.Column) error { return sink.Begin(cols) }, sink.Row, func(n int) error {
		return sink.End(rowCount(n))
	})
}

func rowCount(n int) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

// query runs a planned SELECT and hands its columns, each row and the count
// to the callbacks. Row values are converted for a Sink.
func (e *Engine) query(ctx context.Context, st *Statement, q *selectPlan, begin func([]rowset.Column) error, row func([]any) error, end func(int) error) error {
	c := selectCost(q)
	if !c.bounded && len(q.refs) > 0 {
		// Only gets by key are counted exactly: a listing's pages are
		// checked by the provider once page 1 tells how many there are.
		var names []string
		for _, rp := range q.refs {
			if !slices.Contains(names, rp.method.Name) {
				names = append(names, rp.method.Name)
			}
		}
		if err := e.checkBudget(ctx, q.refs[0].ref.res, strings.Join(names, " and "), c); err != nil {
			return st.wrap(err)
		}
	}
	sc, err := e.sqlite.acquire(ctx)
	if err != nil {
		return st.wrap(err)
	}
	defer e.sqlite.release(sc)
	run := e.newRun(ctx, q.shared, q.fanout)
	run.joins = q.joins
	// A statement of several calls, one a listing, holds its rows until each
	// call has sent its first batch: a listing refused after page 1 for the
	// primary budget then fails the statement whole. A single listing needs
	// no holding: the provider refuses it before its first row.
	run.gated = c.bounded && (c.unknown != "" || c.requests > maxListingPages)
	// Calls that rows of another table start (a join) are made until the
	// last row: one refused late would leave the rows before it shown and
	// the answer half given, so such a statement holds every row to its
	// end. The calls' rows are kept for replay in such a statement anyway.
	holdAll := c.unknown != ""
	defer run.finish()
	sc.run.Store(run)
	sc.plans.Store(q.plans)
	e.log.Debug("sqlite", "sql", q.sql)
	rows, err := sc.conn.QueryContext(run.ctx, q.sql, q.args...)
	if err != nil {
		return st.wrap(run.cause(ctx, err))
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return st.wrap(run.cause(ctx, err))
	}
	cols := make([]rowset.Column, len(types))
	for i, t := range types {
		cols[i] = rowset.Column{Name: t.Name(), Type: schemaType(t.DatabaseTypeName())}
		if strings.EqualFold(t.DatabaseTypeName(), timeDecl) {
			cols[i].Format = schema.DateTime
		}
	}
	whole := wholeColumns(q.node)
	if q.node == nil {
		whole = q.whole
	}
	for i := range cols {
		if whole[i] && cols[i].Type == "" {
			cols[i].Type = schema.Integer
		}
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	out := func(vals []any) error {
		if n == 0 {
			// A computed column (COUNT(*), an expression) has no declared
			// type: its first value gives one, so that typed clients (the
			// Postgres server's int8, float8) see numbers as numbers.
			inferTypes(cols, vals)
			if err := begin(cols); err != nil {
				return err
			}
		}
		for i, v := range vals {
			vals[i] = fromSQLite(v, cols[i].Type)
		}
		n++
		return row(vals)
	}
	var held [][]any // rows SQLite gave while run.holding
	flush := func() error {
		for _, h := range held {
			if err := out(h); err != nil {
				return err
			}
		}
		held = nil
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return st.wrap(run.cause(ctx, err))
		}
		if holdAll || run.gated && run.holding() {
			held = append(held, slices.Clone(vals))
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		if err := out(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return st.wrap(run.cause(ctx, err))
	}
	if err := run.firstError(); err != nil {
		return st.wrap(err)
	}
	if err := flush(); err != nil {
		return err
	}
	if n == 0 {
		if err := begin(cols); err != nil {
			return err
		}
	}
	return end(n)
}

// inferTypes gives each column without a declared type one from its value in
// the first row. A number is a Number, whole or not, because a later row may
// hold a fraction (SUM over a mix, a CASE of 1 and 2.5) and a typed client
// cannot take one in an integer column; what wholeColumns proves whole was
// typed Integer before the first row.
func inferTypes(cols []rowset.Column, first []any) {
	for i := range cols {
		if cols[i].Type != "" {
			continue
		}
		switch x := first[i].(type) {
		case int64, float64:
			cols[i].Type = schema.Number
		case string:
			cols[i].Type = schema.String
			if t, ok := parseTime(x); ok && canonicalTime(t) == x {
				// A time computed in the canonical layout (date_trunc, now).
				cols[i].Format = schema.DateTime
			}
		}
	}
}

// wholeColumns finds the result columns that are whole numbers in every row:
// SQLite keeps integers integers through COUNT, SUM, MIN, MAX, + - * / %, and
// a literal 1 is one.
func wholeColumns(node sqlparser.SelectStatement) map[int]bool {
	for {
		u, ok := node.(*sqlparser.Union)
		if !ok {
			break
		}
		node = u.Left
	}
	sel, ok := node.(*sqlparser.Select)
	if !ok {
		return nil
	}
	out := map[int]bool{}
	for i, se := range sel.SelectExprs {
		switch e := se.(type) {
		case *sqlparser.StarExpr:
			// A star's width is known only to SQLite: positions after it
			// cannot be matched.
			return out
		case *sqlparser.AliasedExpr:
			if isWhole(e.Expr) {
				out[i] = true
			}
		}
	}
	return out
}

// wholeFunctions return whole numbers whatever their arguments.
var wholeFunctions = map[string]bool{"count": true, "length": true, "json_array_length": true, "date_part": true,
	"instr": true, "unicode": true, "sign": true, "changes": true}

// keepWhole return whole numbers for whole arguments.
var keepWhole = map[string]bool{"sum": true, "min": true, "max": true, "abs": true, "coalesce": true, "ifnull": true}

// isWhole reports an expression whose value is a whole number (or NULL) in
// every row.
func isWhole(e sqlparser.Expr) bool {
	switch n := e.(type) {
	case *sqlparser.SQLVal:
		return n.Type == sqlparser.IntVal
	case *sqlparser.ParenExpr:
		return isWhole(n.Expr)
	case *sqlparser.UnaryExpr:
		return n.Operator == sqlparser.UMinusStr && isWhole(n.Expr)
	case *sqlparser.ColName:
		_, col := refOf(n)
		return col != nil && col.typ == schema.Integer
	case *sqlparser.BinaryExpr:
		switch n.Operator {
		case sqlparser.PlusStr, sqlparser.MinusStr, sqlparser.MultStr, sqlparser.DivStr, sqlparser.ModStr, sqlparser.IntDivStr:
			return isWhole(n.Left) && isWhole(n.Right) || n.Operator == sqlparser.IntDivStr
		}
	case *sqlparser.ConvertExpr:
		typ, _ := sqliteCast(n.Type)
		return typ == "integer"
	case *sqlparser.CaseExpr:
		for _, w := range n.Whens {
			if !isWhole(w.Val) {
				return false
			}
		}
		return n.Else == nil || isWhole(n.Else)
	case *sqlparser.FuncExpr:
		name := n.Name.Lowered()
		if wholeFunctions[name] {
			return true
		}
		if !keepWhole[name] || len(n.Exprs) == 0 {
			return false
		}
		for _, se := range n.Exprs {
			ae, ok := se.(*sqlparser.AliasedExpr)
			if !ok || !isWhole(ae.Expr) {
				return false
			}
		}
		return true
	}
	return false
}

// cause is what a failed query is reported as: the caller's cancellation,
// the error a table met (a provider's, or a missing param) as it was, or
// SQLite's own.
func (run *runState) cause(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if first := run.firstError(); first != nil {
		return first
	}
	return err
}

// fromSQLite turns a SQLite value into a Sink's: object fields as JSON,
// booleans as bool, blobs as text.
func fromSQLite(v any, t schema.Type) any {
	switch x := v.(type) {
	case string:
		if t == schema.Object {
			return provider.JSON(x)
		}
	case []byte:
		if t == schema.Object {
			return provider.JSON(x)
		}
		return string(x)
	case int64:
		if t == schema.Boolean {
			return x != 0
		}
	}
	return v
}
