package engine

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/schema"
)

// Planning reads, for each resource table of a statement, which params the
// statement binds (= or IN under AND, an OR of equalities, or a join or
// subquery that supplies them row by row), chooses the method those params
// allow, and counts the calls its literals make. A table no method can read
// is an error here, before any call. The virtual table's BestIndex (vtab.go)
// then chooses only among the methods chosen here, so SQLite's join order
// decides which constraints a scan passes, never which method it calls.

// maxCalls bounds the calls the IN lists of one table may fan out to.
const maxCalls = 1000

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
func (r *stmtReader) planRef(t *tableRef, verb schema.Verb) (*refPlan, error) {
	rp := &refPlan{ref: t, bound: boundParams(t)}
	isBound := func(p string) bool { _, ok := rp.bound[p]; return ok }
	m, missing, conflict := chooseMethod(t.res, verb, isBound, isBound, nil)
	if m == nil {
		msg, hint := noMethodMessage(t.res, verb, missing, conflict, slices.Collect(maps.Keys(rp.bound)))
		return nil, r.errorAt(t.offset, hint, "%s", msg)
	}
	if err := r.planCalls(rp, m); err != nil {
		return nil, err
	}
	return rp, nil
}

// planCalls sets the method of a table and the calls its literals make.
func (r *stmtReader) planCalls(rp *refPlan, m *schema.Method) error {
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
			return r.errorAt(r.find(b.column), "narrow the IN lists, or list with fewer params bound and filter in WHERE",
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
func (r *stmtReader) checkLiterals(root sqlparser.SQLNode) error {
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
