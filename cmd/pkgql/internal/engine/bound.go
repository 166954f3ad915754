package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/schema"
)

// What a statement asks of each resource table is read from its WHERE: the
// params it binds, with = or IN under AND, an OR of equalities, or a join or
// subquery that supplies them row by row. The literals compared with a param
// are checked against its type and values here, so that a typo is an error
// and not an empty answer. Choosing a method from them is the planner's
// (plan.go).

// boundParam is how one param of a resource table gets its value.
type boundParam struct {
	values  []string // literal values, in the order written
	dynamic string   // what supplies it row by row (a column of a join, a subquery)
	null    bool     // compared with NULL, which is never true: no call
	column  string   // the column as written, to point at
	// from and fromCol are the other resource table and its column that bind
	// the param in a join (v.package_name = p.name).
	from    *tableRef
	fromCol string
}

func (b *boundParam) literal() bool { return b.dynamic == "" }

// literalValue reads a literal as the text a param takes.
func literalValue(e sqlparser.Expr) (v string, isNull, ok bool) {
	switch n := e.(type) {
	case *sqlparser.SQLVal:
		switch n.Type {
		case sqlparser.StrVal, sqlparser.IntVal, sqlparser.FloatVal:
			return string(n.Val), false, true
		}
	case *sqlparser.NullVal:
		return "", true, true
	case sqlparser.BoolVal:
		return strconv.FormatBool(bool(n)), false, true
	case *sqlparser.UnaryExpr:
		if n.Operator == sqlparser.UMinusStr {
			if v, _, ok := literalValue(n.Expr); ok {
				if _, err := strconv.ParseFloat(v, 64); err == nil {
					return "-" + v, false, true
				}
			}
		}
	case *sqlparser.ParenExpr:
		return literalValue(n.Expr)
	}
	return "", false, false
}

// references reports whether e reads a column of table t.
func references(e sqlparser.SQLNode, t *tableRef) bool {
	found := false
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		if c, ok := node.(*sqlparser.ColName); ok && c.Metadata == t {
			found = true
		}
		return !found, nil
	}, e)
	return found
}

// boundParams reads the params of table t that the conditions of its SELECT
// bind. A literal binding wins over one that comes row by row.
func boundParams(t *tableRef) map[string]*boundParam {
	out := map[string]*boundParam{}
	for _, c := range t.scope.conjuncts {
		name, b := conjunctParam(c, t)
		if b == nil {
			continue
		}
		if old, ok := out[name]; !ok || !old.literal() && b.literal() {
			out[name] = b
		}
	}
	return out
}

// conjunctParam reads one AND term: the param of t it binds, if any.
func conjunctParam(c sqlparser.Expr, t *tableRef) (string, *boundParam) {
	for {
		p, ok := c.(*sqlparser.ParenExpr)
		if !ok {
			break
		}
		c = p.Expr
	}
	switch n := c.(type) {
	case *sqlparser.ComparisonExpr:
		switch n.Operator {
		case sqlparser.EqualStr:
			for _, sides := range [][2]sqlparser.Expr{{n.Left, n.Right}, {n.Right, n.Left}} {
				ref, col := refOf(sides[0])
				if ref != t || col == nil || col.param == nil || references(sides[1], t) {
					continue
				}
				b := &boundParam{column: col.name}
				if v, isNull, ok := literalValue(sides[1]); ok {
					b.null = isNull
					if !isNull {
						b.values = []string{v}
					}
				} else {
					b.dynamic = sqlparser.String(sides[1])
					if o, ocol := refOf(sides[1]); o != nil && ocol != nil {
						b.from, b.fromCol = o, ocol.name
					}
				}
				return col.param.Name, b
			}
		case sqlparser.InStr:
			ref, col := refOf(n.Left)
			if ref != t || col == nil || col.param == nil || references(n.Right, t) {
				return "", nil
			}
			b := &boundParam{column: col.name}
			tuple, ok := n.Right.(sqlparser.ValTuple)
			if !ok {
				b.dynamic = "the values of " + sqlparser.String(n.Right)
				return col.param.Name, b
			}
			for _, e := range tuple {
				v, isNull, ok := literalValue(e)
				if !ok {
					return col.param.Name, &boundParam{column: col.name, dynamic: sqlparser.String(n.Right)}
				}
				if !isNull && !slices.Contains(b.values, v) {
					b.values = append(b.values, v)
				}
			}
			b.null = len(b.values) == 0
			return col.param.Name, b
		}
	case *sqlparser.OrExpr:
		return orOfEqualities(n, t)
	}
	return "", nil
}

// orOfEqualities reads `p = 'a' OR p = 'b'`, which SQLite plans as IN.
func orOfEqualities(e sqlparser.Expr, t *tableRef) (string, *boundParam) {
	var terms []sqlparser.Expr
	var flatten func(sqlparser.Expr)
	flatten = func(e sqlparser.Expr) {
		switch n := e.(type) {
		case *sqlparser.OrExpr:
			flatten(n.Left)
			flatten(n.Right)
		case *sqlparser.ParenExpr:
			flatten(n.Expr)
		default:
			terms = append(terms, e)
		}
	}
	flatten(e)
	var name string
	b := &boundParam{}
	for _, term := range terms {
		cmp, ok := term.(*sqlparser.ComparisonExpr)
		if !ok || cmp.Operator != sqlparser.EqualStr {
			return "", nil
		}
		ref, col := refOf(cmp.Left)
		v, isNull, lit := literalValue(cmp.Right)
		if ref != t || col == nil || col.param == nil || !lit || (name != "" && name != col.param.Name) {
			return "", nil
		}
		name = col.param.Name
		b.column = col.name
		if !isNull && !slices.Contains(b.values, v) {
			b.values = append(b.values, v)
		}
	}
	b.null = len(b.values) == 0
	return name, b
}

// checkValue checks one literal against a param's type and values.
func checkValue(p *schema.Param, v string) (msg, hint string) {
	if strings.ContainsRune(v, 0) {
		return fmt.Sprintf("invalid value for %s: it contains a NUL character", p.Name), ""
	}
	if len(p.Enum) > 0 && !slices.Contains(p.Enum, v) {
		hint = "it is one of " + joinList(p.Enum)
		if s := suggest(v, p.Enum); s != "" {
			hint = fmt.Sprintf("did you mean %q? It is one of %s", s, joinList(p.Enum))
		}
		return fmt.Sprintf("invalid value %q for %s", v, p.Name), hint
	}
	var err error
	switch p.Type {
	case schema.Integer:
		_, err = strconv.ParseInt(v, 10, 64)
	case schema.Number:
		_, err = strconv.ParseFloat(v, 64)
	case schema.Boolean:
		_, err = strconv.ParseBool(v)
	}
	if err != nil {
		return fmt.Sprintf("invalid value %q for %s: it takes %s %s", v, p.Name, article(p.Type), p.Type), ""
	}
	return "", ""
}

func article(t schema.Type) string {
	if strings.ContainsRune("aeiou", rune(string(t)[0])) {
		return "an"
	}
	return "a"
}

// checkLiterals checks every literal a param column is compared with, so that
// a typo (package_type = 'dockr') is an error, not an empty answer.
func (r *statementReader) checkLiterals(root sqlparser.SQLNode) error {
	var first error
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		cmp, ok := node.(*sqlparser.ComparisonExpr)
		if !ok || first != nil {
			return first == nil, nil
		}
		for _, sides := range [][2]sqlparser.Expr{{cmp.Left, cmp.Right}, {cmp.Right, cmp.Left}} {
			_, col := refOf(sides[0])
			if col == nil || col.param == nil {
				continue
			}
			var lits []sqlparser.Expr
			switch cmp.Operator {
			case sqlparser.EqualStr, sqlparser.NotEqualStr, sqlparser.NullSafeEqualStr:
				lits = []sqlparser.Expr{sides[1]}
			case sqlparser.InStr, sqlparser.NotInStr:
				if tuple, ok := sides[1].(sqlparser.ValTuple); ok {
					lits = tuple
				}
			}
			for _, e := range lits {
				v, isNull, ok := literalValue(e)
				if !ok || isNull {
					continue
				}
				if msg, hint := checkValue(col.param, v); msg != "" {
					at := r.findString(v)
					if at == r.toks[0].start {
						at = r.find(col.name)
					}
					first = r.errorAt(at, hint, "%s", msg)
					return false, nil
				}
			}
		}
		return true, nil
	}, root)
	return first
}
