package engine

import (
	"strings"

	"github.com/xwb1989/sqlparser"
)

// renderer writes a checked AST as SQLite SQL through sqlparser's
// TrackedBuffer: resource names become their virtual tables, names are
// quoted the SQLite way, string literals become bound arguments (so no
// quoting rule of either dialect can change their meaning), and the few MySQL
// forms SQLite spells differently are respelled.
type renderer struct {
	a    *analysis
	args []any
}

// render returns the SQL for SQLite and its arguments.
func render(node sqlparser.SQLNode, a *analysis) (string, []any) {
	rd := &renderer{a: a}
	buf := sqlparser.NewTrackedBuffer(rd.format)
	buf.Myprintf("%v", node)
	return buf.String(), rd.args
}

// operand wraps compound expressions in parentheses: the two dialects rank
// some operators differently (bitwise ones, chained comparisons), and the
// parentheses keep the parser's reading.
func operand(e sqlparser.Expr) (string, sqlparser.Expr) {
	switch e.(type) {
	case *sqlparser.BinaryExpr, *sqlparser.ComparisonExpr, *sqlparser.RangeCond, *sqlparser.IsExpr,
		*sqlparser.AndExpr, *sqlparser.OrExpr, *sqlparser.NotExpr, *sqlparser.UnaryExpr:
		return "(%v)", e
	}
	return "%v", e
}

func (rd *renderer) format(buf *sqlparser.TrackedBuffer, node sqlparser.SQLNode) {
	switch n := node.(type) {
	case *sqlparser.Select:
		rd.selectStmt(buf, n)
	case *sqlparser.Union:
		typ := n.Type
		if typ == sqlparser.UnionDistinctStr {
			typ = sqlparser.UnionStr
		}
		buf.Myprintf("%v %s %v%v%v", n.Left, typ, n.Right, n.OrderBy, n.Limit)
	case *sqlparser.AliasedTableExpr:
		if t, ok := rd.a.tables[n]; ok && t.res != nil {
			buf.WriteString(quoteIdent(t.res.name) + " AS " + quoteIdent(t.alias))
			return
		}
		buf.Myprintf("%v", n.Expr)
		if !n.As.IsEmpty() {
			buf.WriteString(" AS " + quoteIdent(n.As.String()))
		}
	case *sqlparser.JoinTableExpr:
		join := n.Join
		if join == sqlparser.StraightJoinStr {
			join = sqlparser.JoinStr
		}
		buf.Myprintf("%v %s %v%v", n.LeftExpr, join, n.RightExpr, n.Condition)
	case *sqlparser.ColName:
		if t, ok := n.Metadata.(*tableRef); ok && t.alias != "" {
			buf.WriteString(quoteIdent(t.alias) + ".")
		} else if !n.Qualifier.IsEmpty() {
			buf.WriteString(quoteIdent(n.Qualifier.Name.String()) + ".")
		}
		buf.WriteString(quoteIdent(n.Name.String()))
	case sqlparser.ColIdent:
		buf.WriteString(quoteIdent(n.String()))
	case sqlparser.TableIdent:
		buf.WriteString(quoteIdent(n.String()))
	case *sqlparser.StarExpr:
		if t, ok := rd.a.stars[n]; ok && t.alias != "" {
			buf.WriteString(quoteIdent(t.alias) + ".")
		} else if !n.TableName.IsEmpty() {
			buf.WriteString(quoteIdent(n.TableName.Name.String()) + ".")
		}
		buf.WriteString("*")
	case *sqlparser.AliasedExpr:
		buf.Myprintf("%v", n.Expr)
		if !n.As.IsEmpty() {
			buf.WriteString(" AS " + quoteIdent(n.As.String()))
		}
	case *sqlparser.SQLVal:
		switch n.Type {
		case sqlparser.StrVal:
			rd.args = append(rd.args, string(n.Val))
			buf.WriteString("?")
		case sqlparser.HexVal:
			buf.WriteString("X'" + string(n.Val) + "'")
		default:
			buf.Write(n.Val)
		}
	case *sqlparser.FuncExpr:
		rd.function(buf, n)
	case *sqlparser.ComparisonExpr:
		if lit, ok := timeLiteral(n); ok {
			// Compared as times: the string in the canonical layout.
			t, _ := parseTime(string(lit.Val))
			n = &sqlparser.ComparisonExpr{Operator: n.Operator, Left: n.Left, Right: n.Right, Escape: n.Escape}
			canon := sqlparser.NewStrVal([]byte(canonicalTime(t)))
			if n.Left == sqlparser.Expr(lit) {
				n.Left = canon
			} else {
				n.Right = canon
			}
		}
		op := n.Operator
		lf, l := operand(n.Left)
		rf, r := operand(n.Right)
		switch op {
		case sqlparser.NullSafeEqualStr:
			op = "IS"
		case sqlparser.RegexpStr, sqlparser.NotRegexpStr:
			// ILIKE (respell): LIKE is case-sensitive on the engine's SQLite.
			op = "like"
			if n.Operator == sqlparser.NotRegexpStr {
				op = "not like"
			}
			lf, rf = "lower("+lf+")", "lower("+rf+")"
		}
		buf.Myprintf(lf+" %s "+rf, l, op, r)
		if n.Escape != nil {
			buf.Myprintf(" escape %v", n.Escape)
		}
	case *sqlparser.BinaryExpr:
		if iv, ok := n.Right.(*sqlparser.IntervalExpr); ok {
			mods, _ := intervalOf(iv, n.Operator == sqlparser.MinusStr)
			buf.WriteString("strftime('" + timeFormat + "', ")
			buf.Myprintf("%v", n.Left)
			for _, m := range mods {
				rd.args = append(rd.args, m)
				buf.WriteString(", ?")
			}
			buf.WriteString(")")
			return
		}
		lf, l := operand(n.Left)
		rf, r := operand(n.Right)
		switch n.Operator {
		case sqlparser.IntDivStr:
			buf.Myprintf("cast("+lf+" / "+rf+" as integer)", l, r)
			return
		case sqlparser.BitXorStr:
			buf.Myprintf(lf+" || "+rf, l, r)
			return
		}
		buf.Myprintf(lf+" %s "+rf, l, n.Operator, r)
	case *sqlparser.UnaryExpr:
		f, e := operand(n.Expr)
		if n.Operator == sqlparser.BangStr {
			buf.Myprintf("not "+f, e)
			return
		}
		buf.Myprintf("%s"+f, n.Operator, e)
	case *sqlparser.ConvertExpr:
		typ, _ := sqliteCast(n.Type)
		buf.Myprintf("cast(%v as ", n.Expr)
		buf.WriteString(typ + ")")
	case *sqlparser.GroupConcatExpr:
		buf.Myprintf("group_concat(%s%v", n.Distinct, n.Exprs)
		if sep, ok := strings.CutPrefix(n.Separator, " separator "); ok {
			rd.args = append(rd.args, strings.TrimSuffix(strings.TrimPrefix(sep, "'"), "'"))
			buf.WriteString(", ?")
		}
		buf.WriteString(")")
	default:
		node.Format(buf)
	}
}

// function writes a function call, with the time functions in the canonical
// layout (time.go): datetime() as strftime, CURRENT_TIMESTAMP as now().
func (rd *renderer) function(buf *sqlparser.TrackedBuffer, n *sqlparser.FuncExpr) {
	switch n.Name.Lowered() {
	case "datetime":
		buf.WriteString("strftime('" + timeFormat + "'")
		if len(n.Exprs) == 0 {
			buf.WriteString(", 'now'")
		}
		for _, e := range n.Exprs {
			buf.Myprintf(", %v", e)
		}
		buf.WriteString(")")
		return
	case "current_timestamp", "localtimestamp", "utc_timestamp":
		if len(n.Exprs) == 0 {
			buf.WriteString("now()")
			return
		}
	case "current_date", "utc_date":
		if len(n.Exprs) == 0 {
			buf.WriteString("date('now')")
			return
		}
	case "current_time", "utc_time":
		if len(n.Exprs) == 0 {
			buf.WriteString("time('now')")
			return
		}
	}
	n.Format(buf)
}

func (rd *renderer) selectStmt(buf *sqlparser.TrackedBuffer, n *sqlparser.Select) {
	buf.Myprintf("select %s", n.Distinct)
	for i, se := range n.SelectExprs {
		if i > 0 {
			buf.WriteString(", ")
		}
		buf.Myprintf("%v", se)
		if e, ok := se.(*sqlparser.AliasedExpr); ok && e.As.IsEmpty() && !isColName(e.Expr) {
			// SQLite would name the column after this rendering (with ? for
			// strings): name it after the statement's own text instead.
			buf.WriteString(" AS " + quoteIdent(sqlparser.String(e.Expr)))
		}
	}
	if !isDual(n.From) {
		buf.Myprintf(" from %v", n.From)
	}
	buf.Myprintf("%v%v%v%v%v", n.Where, n.GroupBy, n.Having, n.OrderBy, n.Limit)
}

// isDual reports a FROM clause that reads no table (SELECT 1).
func isDual(from sqlparser.TableExprs) bool {
	if len(from) != 1 {
		return false
	}
	t, ok := from[0].(*sqlparser.AliasedTableExpr)
	if !ok {
		return false
	}
	name, ok := t.Expr.(sqlparser.TableName)
	return ok && name.Qualifier.IsEmpty() && name.Name.String() == "dual"
}
