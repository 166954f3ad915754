package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/schema"
)

// Resolving checks every name of a parsed statement against the catalog and
// binds each column to the table it comes from (ColName.Metadata), so that
// planning and rendering for SQLite need no second lookup. What SQLite would
// reject anyway (a function it lacks) is left to its own check at Prepare;
// what the dialect cannot say is refused here, at its place.

// tableRef is one table of a FROM clause: a resource, or a subquery.
type tableRef struct {
	alias   string    // the name columns are qualified with
	res     *resource // nil for a subquery
	derived []string  // a subquery's column names
	open    bool      // a subquery with unnamed columns: any name may be one
	offset  int       // where the table is named in the script
	scope   *scope    // the SELECT whose FROM holds it
}

// scope is one SELECT: its tables, its select-list aliases and the terms of
// its WHERE and JOIN … ON conditions that are joined by AND.
type scope struct {
	parent    *scope
	tables    []*tableRef
	aliases   []string
	conjuncts []sqlparser.Expr
	open      bool // columns are not checked (ORDER BY of a UNION)
}

// analysis is what resolving learned about a statement.
type analysis struct {
	r        *statementReader
	refs     []*tableRef // resource tables, in the order they are named
	tables   map[*sqlparser.AliasedTableExpr]*tableRef
	stars    map[*sqlparser.StarExpr]*tableRef // t.* and the table t is
	named    map[string]int                    // how often each name was met, to point at the right one
	subquery bool
	join     bool
}

func newAnalysis(r *statementReader) *analysis {
	return &analysis{r: r, tables: map[*sqlparser.AliasedTableExpr]*tableRef{},
		stars: map[*sqlparser.StarExpr]*tableRef{}, named: map[string]int{}}
}

// nameParts splits a table name as written, with a three-part name that
// reading quoted into one, back into its parts.
func nameParts(t sqlparser.TableName) []string {
	var parts []string
	if !t.Qualifier.IsEmpty() {
		parts = append(parts, strings.Split(t.Qualifier.String(), ".")...)
	}
	return append(parts, strings.Split(t.Name.String(), ".")...)
}

func (a *analysis) selectStatement(node sqlparser.SelectStatement, parent *scope) error {
	switch n := node.(type) {
	case *sqlparser.Select:
		return a.selectScope(n, parent)
	case *sqlparser.ParenSelect:
		return a.selectStatement(n.Select, parent)
	case *sqlparser.Union:
		if err := a.selectStatement(n.Left, parent); err != nil {
			return err
		}
		if err := a.selectStatement(n.Right, parent); err != nil {
			return err
		}
		// ORDER BY of a union names the union's columns: SQLite checks them.
		sc := &scope{parent: parent, open: true}
		for _, o := range n.OrderBy {
			if err := a.expr(o.Expr, sc); err != nil {
				return err
			}
		}
		return a.limit(n.Limit, sc)
	}
	return a.r.errorAt(a.r.toks[0].start, "", "this form of SELECT is not supported")
}

func (a *analysis) selectScope(sel *sqlparser.Select, parent *scope) error {
	if sel.Lock != "" {
		return a.r.errorAt(a.r.findWord(strings.Fields(sel.Lock)[0]), "", "%s is not supported", strings.ToUpper(strings.TrimSpace(sel.Lock)))
	}
	sc := &scope{parent: parent}
	var on []sqlparser.Expr
	for _, te := range sel.From {
		if err := a.tableExpr(te, sc, &on); err != nil {
			return err
		}
	}
	for _, se := range sel.SelectExprs {
		switch e := se.(type) {
		case *sqlparser.StarExpr:
			if !e.TableName.IsEmpty() {
				t, err := a.qualifier(e.TableName, sc)
				if err != nil {
					return err
				}
				if t != nil {
					a.stars[e] = t
				}
			}
		case *sqlparser.AliasedExpr:
			if err := a.expr(e.Expr, sc); err != nil {
				return err
			}
			if !e.As.IsEmpty() {
				sc.aliases = append(sc.aliases, e.As.String())
			}
		default:
			return a.r.errorAt(a.r.toks[0].start, "", "%s is not supported", sqlparser.String(se))
		}
	}
	for _, cond := range on {
		if err := a.expr(cond, sc); err != nil {
			return err
		}
		sc.conjuncts = append(sc.conjuncts, splitAnd(cond)...)
	}
	if sel.Where != nil {
		if err := a.expr(sel.Where.Expr, sc); err != nil {
			return err
		}
		sc.conjuncts = append(sc.conjuncts, splitAnd(sel.Where.Expr)...)
	}
	for _, g := range sel.GroupBy {
		if err := a.expr(g, sc); err != nil {
			return err
		}
	}
	if sel.Having != nil {
		if err := a.expr(sel.Having.Expr, sc); err != nil {
			return err
		}
	}
	for _, o := range sel.OrderBy {
		if err := a.expr(o.Expr, sc); err != nil {
			return err
		}
	}
	return a.limit(sel.Limit, sc)
}

func (a *analysis) limit(l *sqlparser.Limit, sc *scope) error {
	if l == nil {
		return nil
	}
	for _, e := range []sqlparser.Expr{l.Offset, l.Rowcount} {
		if err := checkLimitValue(a.r, e); err != nil {
			return err
		}
		if e != nil {
			if err := a.expr(e, sc); err != nil {
				return err
			}
		}
	}
	return nil
}

// tableExpr adds the tables of one FROM item to the scope and collects the
// ON conditions, which are resolved once every table is known.
func (a *analysis) tableExpr(te sqlparser.TableExpr, sc *scope, on *[]sqlparser.Expr) error {
	switch t := te.(type) {
	case *sqlparser.ParenTableExpr:
		for _, inner := range t.Exprs {
			if err := a.tableExpr(inner, sc, on); err != nil {
				return err
			}
		}
		return nil
	case *sqlparser.JoinTableExpr:
		a.join = true
		if err := a.tableExpr(t.LeftExpr, sc, on); err != nil {
			return err
		}
		if err := a.tableExpr(t.RightExpr, sc, on); err != nil {
			return err
		}
		if t.Condition.On != nil {
			*on = append(*on, t.Condition.On)
		}
		return nil
	case *sqlparser.AliasedTableExpr:
		return a.aliasedTable(t, sc)
	}
	return a.r.errorAt(a.r.toks[0].start, "", "this FROM clause is not supported")
}

func (a *analysis) aliasedTable(t *sqlparser.AliasedTableExpr, sc *scope) error {
	if t.Hints != nil {
		return a.r.errorAt(a.r.findWord("index"), "", "index hints are not supported")
	}
	if len(t.Partitions) > 0 {
		return a.r.errorAt(a.r.findWord("partition"), "", "PARTITION is not supported")
	}
	ref := &tableRef{alias: t.As.String(), scope: sc}
	switch e := t.Expr.(type) {
	case sqlparser.TableName:
		if e.Qualifier.IsEmpty() && e.Name.String() == "dual" {
			return nil
		}
		parts := nameParts(e)
		key := strings.ToLower(strings.Join(parts, "."))
		ref.offset = a.r.findNth(a.named[key], parts...)
		a.named[key]++
		res, msg, hint := a.r.e.cat.lookup(parts)
		if res == nil {
			return a.r.errorAt(ref.offset, hint, "%s", msg)
		}
		ref.res = res
		if ref.alias == "" {
			ref.alias = res.shortName()
		}
		a.refs = append(a.refs, ref)
	case *sqlparser.Subquery:
		a.subquery = true
		ref.offset = a.r.toks[0].start
		if err := a.selectStatement(e.Select, nil); err != nil {
			return err
		}
		ref.derived, ref.open = derivedColumns(e.Select)
	default:
		return a.r.errorAt(a.r.toks[0].start, "", "this FROM clause is not supported")
	}
	if ref.alias != "" {
		for _, other := range sc.tables {
			if strings.EqualFold(other.alias, ref.alias) {
				return a.r.errorAt(ref.offset, "give each an alias: … AS a JOIN … AS b",
					"table %s is named twice in one FROM clause", ref.alias)
			}
		}
	}
	sc.tables = append(sc.tables, ref)
	a.tables[t] = ref
	return nil
}

// derivedColumns names the columns of a subquery in FROM; open is set when
// some are expressions without an alias, whose names only SQLite knows.
func derivedColumns(sel sqlparser.SelectStatement) (cols []string, open bool) {
	for {
		switch s := sel.(type) {
		case *sqlparser.ParenSelect:
			sel = s.Select
			continue
		case *sqlparser.Union:
			sel = s.Left
			continue
		case *sqlparser.Select:
			for _, se := range s.SelectExprs {
				switch e := se.(type) {
				case *sqlparser.AliasedExpr:
					switch {
					case !e.As.IsEmpty():
						cols = append(cols, e.As.String())
					case isColName(e.Expr):
						cols = append(cols, e.Expr.(*sqlparser.ColName).Name.String())
					default:
						open = true
					}
				default:
					open = true // * brings the inner tables' columns
				}
			}
			return cols, open
		}
		return nil, true
	}
}

// timeComparison checks a string compared with a time field: it must read
// as a time. The column is resolved first, to know it is one.
func (a *analysis) timeComparison(n *sqlparser.ComparisonExpr, sc *scope) error {
	for _, side := range []sqlparser.Expr{n.Left, n.Right} {
		if err := a.expr(side, sc); err != nil {
			return err
		}
	}
	if lit, ok := timeLiteral(n); ok {
		if _, ok := parseTime(string(lit.Val)); !ok {
			return a.r.errorAt(a.r.findString(string(lit.Val)), "write '2024-01-31', '2024-01-31 12:00:00' or '2024-01-31T12:00:00Z'",
				"%q is not a time", string(lit.Val))
		}
	}
	return nil
}

// timeLiteral is the string a time field is compared with, if any.
func timeLiteral(n *sqlparser.ComparisonExpr) (*sqlparser.SQLVal, bool) {
	switch n.Operator {
	case sqlparser.EqualStr, sqlparser.NotEqualStr, sqlparser.LessThanStr, sqlparser.LessEqualStr,
		sqlparser.GreaterThanStr, sqlparser.GreaterEqualStr, sqlparser.NullSafeEqualStr:
	default:
		return nil, false
	}
	for _, sides := range [][2]sqlparser.Expr{{n.Left, n.Right}, {n.Right, n.Left}} {
		c, ok := sides[0].(*sqlparser.ColName)
		if !ok {
			continue
		}
		t, ok := c.Metadata.(*tableRef)
		if !ok {
			continue
		}
		if col := t.col(c.Name.String()); col == nil || col.format != schema.DateTime {
			continue
		}
		if v, ok := sides[1].(*sqlparser.SQLVal); ok && v.Type == sqlparser.StrVal {
			return v, true
		}
	}
	return nil, false
}

// quotedHint adds, for a name written in double quotes, that those make a
// name: a MySQL user may have meant a string.
func (r *statementReader) quotedHint(name, hint string) string {
	for _, t := range r.toks {
		if t.quote == '"' && t.val == name {
			h := fmt.Sprintf("double quotes make a name; write '%s' for a string", strings.ReplaceAll(name, "'", "''"))
			if hint != "" {
				h = hint + " (" + h + ")"
			}
			return h
		}
	}
	return hint
}

// isConcat reports a || (which the parser holds as ^).
func isConcat(e sqlparser.Expr) bool {
	b, ok := e.(*sqlparser.BinaryExpr)
	return ok && b.Operator == sqlparser.BitXorStr
}

// concatAt is the offset of the statement's first ||.
func (r *statementReader) concatAt() int {
	for _, t := range r.toks {
		if t.typ == sqlparser.OR && t.val == "" {
			return t.start
		}
	}
	return r.toks[0].start
}

func isColName(e sqlparser.Expr) bool {
	_, ok := e.(*sqlparser.ColName)
	return ok
}

// splitAnd returns the terms of e that are joined by AND.
func splitAnd(e sqlparser.Expr) []sqlparser.Expr {
	switch n := e.(type) {
	case *sqlparser.AndExpr:
		return append(splitAnd(n.Left), splitAnd(n.Right)...)
	case *sqlparser.ParenExpr:
		if _, ok := n.Expr.(*sqlparser.AndExpr); ok {
			return splitAnd(n.Expr)
		}
	}
	return []sqlparser.Expr{e}
}

// deniedFunctions reach outside the statement: files, extensions, SQLite's
// internals. They are refused before SQLite sees them (its authorizer refuses
// them too).
var deniedFunctions = map[string]bool{
	"load_extension": true, "readfile": true, "writefile": true, "edit": true,
	"fts3_tokenizer": true, "sqlite_offset": true, "zipfile": true, "sqlar_compress": true,
	"sqlar_uncompress": true, "shell_add_schema": true,
}

// expr resolves the names in one expression and refuses what the dialect
// cannot say.
func (a *analysis) expr(e sqlparser.Expr, sc *scope) error {
	return sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		switch n := node.(type) {
		case *sqlparser.Subquery:
			a.subquery = true
			return false, a.selectStatement(n.Select, sc)
		case *sqlparser.ColName:
			return false, a.column(n, sc)
		case *sqlparser.FuncExpr:
			name := n.Name.Lowered()
			if !n.Qualifier.IsEmpty() {
				return false, a.r.errorAt(a.r.find(n.Qualifier.String(), n.Name.String()), "", "qualified function names are not supported")
			}
			if deniedFunctions[name] || strings.HasPrefix(name, "sqlite_") && name != "sqlite_version" {
				return false, a.r.errorAt(a.r.find(n.Name.String()), "", "function %s is not allowed", n.Name.String())
			}
		case *sqlparser.GroupConcatExpr:
			if len(n.OrderBy) > 0 {
				return false, a.r.errorAt(a.r.findWord("group_concat"), "", "GROUP_CONCAT with ORDER BY is not supported")
			}
		case *sqlparser.BinaryExpr:
			if iv, ok := n.Right.(*sqlparser.IntervalExpr); ok {
				if n.Operator != sqlparser.PlusStr && n.Operator != sqlparser.MinusStr {
					return false, a.r.errorAt(a.r.findWord("interval"), "write t + INTERVAL … or t - INTERVAL …", "INTERVAL is added to or subtracted from a time")
				}
				if _, err := intervalOf(iv, false); err != nil {
					return false, a.r.errorAt(a.r.findWord("interval"), "", "%v", err)
				}
				return false, a.expr(n.Left, sc)
			}
			// || is ^ to the parser (respell): Postgres ranks it below
			// arithmetic, SQLite above, so a mix without parentheses would
			// mean something else to one of them.
			if n.Operator != sqlparser.BitXorStr && (isConcat(n.Left) || isConcat(n.Right)) {
				return false, a.r.errorAt(a.r.concatAt(), "write parentheses: (a || b) + c or a || (b + c)",
					"|| next to %s is read differently by Postgres and SQLite", n.Operator)
			}
		case *sqlparser.UnaryExpr:
			if n.Operator == sqlparser.BinaryStr || n.Operator == sqlparser.UBinaryStr {
				return false, a.r.errorAt(a.r.findWord(strings.TrimSpace(n.Operator)), "", "%s is not supported", strings.ToUpper(strings.TrimSpace(n.Operator)))
			}
		case *sqlparser.SQLVal:
			switch n.Type {
			case sqlparser.BitVal:
				return false, a.r.errorAt(a.r.toks[0].start, "write the number", "bit literals (b'…') are not supported")
			case sqlparser.ValArg:
				return false, a.r.errorAt(a.r.toks[0].start, "", "placeholders are not supported: write the value")
			}
		case *sqlparser.IntervalExpr:
			return false, a.r.errorAt(a.r.findWord("interval"), "write t + INTERVAL '7 days', or datetime(t, '+7 days')", "INTERVAL is added to or subtracted from a time")
		case *sqlparser.ComparisonExpr:
			return false, a.timeComparison(n, sc)
		case *sqlparser.MatchExpr:
			return false, a.r.errorAt(a.r.findWord("match"), "use LIKE", "MATCH … AGAINST is not supported")
		case *sqlparser.ConvertExpr:
			if _, hint := sqliteCast(n.Type); hint != "" {
				return false, a.r.errorAt(a.r.findWord(strings.ToLower(n.Type.Type)), hint, "CAST … AS %s is not supported", strings.ToUpper(sqlparser.String(n.Type)))
			}
		case *sqlparser.ConvertUsingExpr:
			return false, a.r.errorAt(a.r.findWord("using"), "", "CONVERT … USING is not supported")
		case *sqlparser.ValuesFuncExpr, *sqlparser.Default, sqlparser.ListArg:
			return false, a.r.errorAt(a.r.toks[0].start, "", "%s is not supported", strings.ToUpper(sqlparser.String(n)))
		}
		return true, nil
	}, e)
}

// sqliteCast is the SQLite type a CAST target means, or a hint when SQLite
// has none that gives MySQL's answer. SIGNED and UNSIGNED become INTEGER,
// which truncates toward zero as SQLite's CAST does.
func sqliteCast(t *sqlparser.ConvertType) (typ, hint string) {
	switch strings.ToLower(t.Type) {
	case "signed", "unsigned", "signed integer", "unsigned integer":
		return "integer", ""
	case "char", "nchar":
		if t.Length != nil {
			return "", "use SUBSTR(x, 1, n) to cut a string"
		}
		return "text", ""
	case "decimal":
		return "", "use ROUND(x, n), or CAST(x AS SIGNED) for a whole number"
	case "date", "datetime", "time":
		return "", "use SQLite's date(x), datetime(x) or time(x)"
	case "json":
		return "", "use json(x)"
	}
	return "", "the CAST types are SIGNED, UNSIGNED and CHAR"
}

// column binds a column name to its table, searching the SELECT it is in,
// then the SELECTs around it.
func (a *analysis) column(col *sqlparser.ColName, sc *scope) error {
	name := col.Name.String()
	if !col.Qualifier.IsEmpty() {
		t, err := a.qualifier(col.Qualifier, sc)
		if err != nil || t == nil {
			return err
		}
		if !t.has(name) {
			parts := append(nameParts(col.Qualifier), name)
			return a.r.errorAt(a.r.find(parts...), didYouMean(name, t.columnNames()),
				"unknown column %q in %s", name, t.describe())
		}
		col.Metadata = t
		return nil
	}
	for s := sc; s != nil; s = s.parent {
		var found []*tableRef
		for _, t := range s.tables {
			if t.has(name) {
				found = append(found, t)
			}
		}
		if len(found) > 1 {
			return a.r.errorAt(a.r.find(name), fmt.Sprintf("qualify it: %s.%s", found[0].alias, name),
				"column %q is ambiguous: %s and %s both have it", name, found[0].alias, found[1].alias)
		}
		if len(found) == 1 {
			col.Metadata = found[0]
			return nil
		}
		if s.open || slices.ContainsFunc(s.aliases, func(al string) bool { return strings.EqualFold(al, name) }) ||
			slices.ContainsFunc(s.tables, func(t *tableRef) bool { return t.open }) {
			return nil
		}
	}
	var candidates, in []string
	for s := sc; s != nil; s = s.parent {
		for _, t := range s.tables {
			candidates = append(candidates, t.columnNames()...)
			in = append(in, t.describe())
		}
		candidates = append(candidates, s.aliases...)
	}
	if len(in) == 0 {
		return a.r.errorAt(a.r.find(name), "", "unknown column %q: the statement reads no table", name)
	}
	return a.r.errorAt(a.r.find(name), a.r.quotedHint(name, didYouMean(name, candidates)), "unknown column %q in %s", name, strings.Join(in, ", "))
}

// qualifier finds the table a qualified name (t.col, t.*) refers to: an alias,
// or a resource named in full when it has no alias of its own.
func (a *analysis) qualifier(q sqlparser.TableName, sc *scope) (*tableRef, error) {
	parts := nameParts(q)
	var aliases []string
	for s := sc; s != nil; s = s.parent {
		if s.open {
			return nil, nil
		}
		for _, t := range s.tables {
			if len(parts) == 1 && strings.EqualFold(t.alias, parts[0]) {
				return t, nil
			}
			if len(parts) > 1 && t.res != nil && strings.EqualFold(t.alias, t.res.shortName()) {
				if res, _, _ := a.r.e.cat.lookup(parts); res == t.res {
					return t, nil
				}
			}
			aliases = append(aliases, t.alias)
		}
	}
	name := strings.Join(parts, ".")
	return nil, a.r.errorAt(a.r.find(parts...), didYouMean(name, aliases), "unknown table %q", name)
}

func (t *tableRef) has(name string) bool {
	if t.res != nil {
		_, c := t.res.column(name)
		return c != nil
	}
	return t.open || slices.ContainsFunc(t.derived, func(c string) bool { return strings.EqualFold(c, name) })
}

func (t *tableRef) columnNames() []string {
	if t.res != nil {
		return t.res.columnNames()
	}
	return t.derived
}

// describe names the table in an error: the resource, with its alias when it
// has one of its own.
func (t *tableRef) describe() string {
	if t.res == nil {
		if t.alias == "" {
			return "the subquery"
		}
		return "subquery " + t.alias
	}
	if strings.EqualFold(t.alias, t.res.shortName()) {
		return t.res.name
	}
	return fmt.Sprintf("%s (%s)", t.res.name, t.alias)
}

// col returns the resource column a name bound to this table refers to.
func (t *tableRef) col(name string) *column {
	if t.res == nil {
		return nil
	}
	_, c := t.res.column(name)
	return c
}

// refOf returns the resource table a column was bound to, and its column.
func refOf(e sqlparser.Expr) (*tableRef, *column) {
	c, ok := e.(*sqlparser.ColName)
	if !ok {
		return nil, nil
	}
	t, ok := c.Metadata.(*tableRef)
	if !ok || t.res == nil {
		return nil, nil
	}
	return t, t.col(c.Name.String())
}

// checkLimitValue refuses a LIMIT or OFFSET literal that SQLite would only
// call a "datatype mismatch": a number beyond a 64-bit integer, or not whole.
func checkLimitValue(r *statementReader, e sqlparser.Expr) error {
	v, ok := e.(*sqlparser.SQLVal)
	if !ok {
		return nil
	}
	at := r.findWord("limit")
	switch v.Type {
	case sqlparser.IntVal:
		if _, err := strconv.ParseInt(string(v.Val), 10, 64); err != nil {
			return r.errorAt(at, "use a number up to 9223372036854775807, or leave LIMIT out to read every row",
				"LIMIT %s is too large", v.Val)
		}
	case sqlparser.FloatVal:
		return r.errorAt(at, "use a whole number such as 100", "LIMIT and OFFSET take a whole number, not %s", v.Val)
	}
	return nil
}
