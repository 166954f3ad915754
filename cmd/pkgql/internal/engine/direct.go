package engine

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/schema"
)

// Statements MySQL's grammar cannot read — WITH, window functions (OVER) —
// go to SQLite whole. The Tokenizer still reads every token: resource names
// are resolved against the catalog and written as their virtual tables,
// strings become bound arguments, quoted names are written SQLite's way.
// SQLite's planner then plans the statement through each table's BestIndex,
// which sees the params the statement binds; preparing it (EXPLAIN QUERY
// PLAN) runs BestIndex and no Filter, so a table no method can serve is
// refused before any call. Running it is the same as any SELECT: calls kept
// and shared within the statement, LIMIT passed down where SQLite offers it,
// IN lists one call per value.

// needsSQLite reports whether the statement has a form only SQLite reads.
func (r *statementReader) needsSQLite() bool {
	for i, t := range r.toks {
		if t.word("with") && (i == 0 || r.toks[i-1].punct('(')) || t.word("over") && i > 0 && (r.toks[i-1].punct(')')) || t.word("window") {
			return true
		}
	}
	return false
}

// tableRefTok is a resource named in a statement read by SQLite.
type tableRefTok struct {
	res    *resource
	offset int
}

// translated is a statement written for SQLite from its tokens.
type translated struct {
	sql  string
	args []any
	refs []tableRefTok
	// lits are the literals binding params; whole the result columns that
	// are whole numbers by their form.
	lits  paramLits
	whole map[int]bool
}

// planTranslated reads what the translated statement binds and has it
// planned.
func (r *statementReader) planTranslated(tr *translated) (*selectPlan, error) {
	lits, err := r.checkParamLiterals(tr.refs)
	if err != nil {
		return nil, err
	}
	tr.lits, tr.whole = lits, r.wholeItems()
	return r.planner().planSQLite(tr)
}

// cteNames are the names a WITH defines: a name followed by AS ( or by a
// column list and AS (, after WITH, RECURSIVE or a comma.
func (r *statementReader) cteNames() map[string]bool {
	out := map[string]bool{}
	for i := 1; i+2 < len(r.toks); i++ {
		prev := r.toks[i-1]
		if !(prev.word("with") || prev.word("recursive") || prev.punct(',')) || !r.toks[i].isName() {
			continue
		}
		j := i + 1
		if r.toks[j].punct('(') {
			for j < len(r.toks) && !r.toks[j].punct(')') {
				j++
			}
			j++
		}
		if j+1 < len(r.toks) && r.toks[j].word("as") && r.toks[j+1].punct('(') {
			out[strings.ToLower(r.toks[i].val)] = true
		}
	}
	return out
}

// translate writes tokens [from, end) for SQLite after prefix.
func (r *statementReader) translate(prefix string, from int) (*translated, error) {
	ctes := r.cteNames()
	edits, err := r.pgEdits(true)
	if err != nil {
		return nil, err
	}
	aliases, tail := r.aliasEdits(from)
	edits = append(edits, aliases...)
	tr := &translated{}
	var b strings.Builder
	b.WriteString(prefix)
	copied := r.toks[from].start
	replace := func(first, last token, text string) {
		b.WriteString(r.src.text[copied:first.start])
		b.WriteString(text)
		copied = last.end
	}
	for i := from; i < len(r.toks); i++ {
		t := r.toks[i]
		if r.unbindKeys[i] {
			b.WriteString(r.src.text[copied:t.start])
			b.WriteString("+")
			copied = t.start
		}
		if j, ok := applyEdits(edits, i, func(text string) {
			b.WriteString(r.src.text[copied:t.start])
			b.WriteString(text)
			copied = t.start
		}, func(last int, text string) { replace(t, r.toks[last], text) }); ok {
			i = j
			continue
		}
		if t.isName() && (i == 0 || !r.toks[i-1].punct('.')) {
			c := chainAt(r.toks, i)
			inExtract := i >= 4 && r.toks[i-4].word("extract") && r.toks[i-3].punct('(')
			afterFrom := i > 0 && (r.toks[i-1].word("from") && !inExtract || r.toks[i-1].word("join"))
			function := c.end < len(r.toks) && r.toks[c.end].punct('(')
			_, isProvider := r.e.cat.provider(c.parts[0])
			if len(c.parts) >= 3 && isProvider || afterFrom && !function && !(len(c.parts) == 1 && ctes[strings.ToLower(c.parts[0])]) {
				n := min(3, len(c.parts))
				parts := c.parts[:n]
				if n == 1 {
					// "github.packages.user_packages", as the parser's path reads it.
					parts = strings.Split(parts[0], ".")
				}
				res, msg, hint := r.e.cat.lookup(parts)
				if res == nil {
					return nil, r.errorAt(t.start, hint, "%s", msg)
				}
				replace(t, r.toks[c.first+2*n-2], quoteIdent(res.name))
				tr.refs = append(tr.refs, tableRefTok{res: res, offset: t.start})
				i = c.first + 2*n - 2
				continue
			}
		}
		if t.word("extract") && i+3 < len(r.toks) && r.toks[i+1].punct('(') && r.toks[i+2].isName() && r.toks[i+3].word("from") {
			replace(t, r.toks[i+3], "date_part('"+strings.ToLower(r.toks[i+2].val)+"',")
			i += 3
			continue
		}
		if t.word("datetime") && i+1 < len(r.toks) && r.toks[i+1].punct('(') {
			text := "strftime('" + timeFormat + "', "
			if i+2 < len(r.toks) && r.toks[i+2].punct(')') {
				text += "'now'"
			}
			replace(t, r.toks[i+1], text)
			i++
			continue
		}
		if s, ok, err := r.sqliteSpelling(i); err != nil {
			return nil, err
		} else if ok {
			if t.typ == sqlparser.STRING {
				tr.args = append(tr.args, t.val)
			}
			replace(t, t, s)
		}
	}
	b.WriteString(r.src.text[copied:r.end()])
	b.WriteString(tail)
	tr.sql = b.String()
	return tr, nil
}

// sqliteSpelling is how token i is written for SQLite, when not as typed.
func (r *statementReader) sqliteSpelling(i int) (string, bool, error) {
	t := r.toks[i]
	switch {
	case t.typ == sqlparser.STRING:
		return "?", true, nil
	case t.quote == '"' || t.quote == '`':
		return quoteIdent(t.val), true, nil
	case t.typ == sqlparser.NULL_SAFE_EQUAL:
		return " IS ", true, nil
	case t.word("ilike"):
		return "", false, r.errorAt(t.start, "write lower(a) LIKE lower(b)", "ILIKE is not read in a statement with WITH or OVER")
	case t.word("current_timestamp") || t.word("localtimestamp"):
		return "now()", true, nil
	case t.word("interval"):
		return "", false, r.errorAt(t.start, "write datetime(t, '-30 days')", "INTERVAL is not read in a statement with WITH or OVER")
	case t.word("div"):
		return "", false, r.errorAt(t.start, "write CAST(a / b AS INTEGER)", "DIV is not read in a statement with WITH or OVER")
	}
	return "", false, nil
}

// readSQLiteSelect reads a SELECT that SQLite reads whole.
func (r *statementReader) readSQLiteSelect() (*selectPlan, error) {
	if err := r.checkTokens(); err != nil {
		return nil, err
	}
	if len(r.toks) > 1 && r.toks[1].word("recursive") {
		// A recursive CTE can run without end, over rows no call bounds.
		return nil, r.errorAt(r.toks[1].start, "", "WITH RECURSIVE is not supported")
	}
	depth := 0
	for _, t := range r.toks {
		switch {
		case t.punct('('):
			depth++
		case t.punct(')'):
			depth--
		case depth == 0 && (t.word("delete") || t.word("insert") || t.word("update") || t.word("replace")):
			return nil, r.errorAt(t.start, "write DELETE FROM … WHERE … IN (SELECT …), with the WITH inside the subquery",
				"WITH … %s is not supported", strings.ToUpper(t.val))
		}
	}
	tr, err := r.translate("", 0)
	if err != nil {
		return nil, err
	}
	return r.planTranslated(tr)
}

// wholeItems finds, in the outermost select list, the columns that are whole
// numbers in every row by their form: a ranking or counting window function
// (or COUNT) on its own, or an integer literal.
func (r *statementReader) wholeItems() map[int]bool {
	out := map[int]bool{}
	for n, it := range r.selectItems() {
		out[n] = wholeItem(r.toks[it[0]:it[1]])
	}
	return out
}

// selectItems are the items of the outermost select list, each as the token
// range [start, end).
func (r *statementReader) selectItems() [][2]int {
	// The outermost select list follows the last SELECT at depth 0.
	depth, sel := 0, -1
	for i, t := range r.toks {
		switch {
		case t.punct('('):
			depth++
		case t.punct(')'):
			depth--
		case depth == 0 && t.word("select"):
			sel = i
		}
	}
	if sel < 0 {
		return nil
	}
	var items [][2]int
	begin := sel + 1
	if begin < len(r.toks) && r.toks[begin].word("distinct") {
		begin++
	}
	depth = 0
	for i := begin; i <= len(r.toks); i++ {
		if i < len(r.toks) {
			t := r.toks[i]
			switch {
			case t.punct('('):
				depth++
				continue
			case t.punct(')'):
				depth--
				continue
			}
			// IS [NOT] DISTINCT FROM is no FROM clause.
			clause := t.word("from") && !(i > 0 && r.toks[i-1].word("distinct"))
			if depth > 0 || !(t.punct(',') || clause) {
				continue
			}
		}
		items = append(items, [2]int{begin, i})
		if i == len(r.toks) || !r.toks[i].punct(',') {
			break
		}
		begin = i + 1
	}
	return items
}

// aliasEdits name each unnamed computed column of the outermost select list
// after its text as written: SQLite would name it after the text it was
// handed, with ? for each string.
func (r *statementReader) aliasEdits(from int) (edits []rewriteEdit, tail string) {
	for _, it := range r.selectItems() {
		item := r.toks[it[0]:it[1]]
		if it[0] < from || len(item) == 0 || hasAlias(item) || isPlainName(item) {
			continue
		}
		alias := " AS " + quoteIdent(r.src.text[item[0].start:item[len(item)-1].end])
		if it[1] == len(r.toks) {
			tail = alias
			continue
		}
		edits = append(edits, rewriteEdit{first: it[1], last: it[1] - 1, text: alias + " "})
	}
	return edits, tail
}

// hasAlias reports a select item that names its column: … AS name, or an
// expression followed by a name.
func hasAlias(item []token) bool {
	n := len(item)
	if n < 2 || !item[n-1].isName() {
		return false
	}
	prev := item[n-2]
	return prev.word("as") || prev.punct(')') || prev.typ == sqlparser.STRING || prev.typ == sqlparser.INTEGRAL ||
		prev.typ == sqlparser.FLOAT || prev.isName() && !operatorWords[strings.ToLower(prev.val)] && !prev.punct('.')
}

// isPlainName reports a column named as it is (a, t.a), or a star.
func isPlainName(item []token) bool {
	for i, t := range item {
		if i%2 == 0 && !(t.isName() || t.punct('*')) || i%2 == 1 && !t.punct('.') {
			return false
		}
	}
	return len(item)%2 == 1
}

// wholeCounters are the functions whose value is a whole number.
var wholeCounters = map[string]bool{"row_number": true, "rank": true, "dense_rank": true, "ntile": true, "count": true}

// wholeItem reads one select item: f(…) [OVER (…)] or an integer, then an
// optional alias.
func wholeItem(item []token) bool {
	if len(item) == 0 {
		return false
	}
	i := 0
	switch {
	case item[0].typ == sqlparser.INTEGRAL:
		i = 1
	case wholeCounters[strings.ToLower(item[0].val)] && item[0].quote == 0 && len(item) > 1 && item[1].punct('('):
		i = skipParens(item, 1)
		if i < len(item) && item[i].word("over") {
			i++
			if i < len(item) && item[i].punct('(') {
				i = skipParens(item, i)
			} else if i < len(item) {
				i++ // a named window
			}
		}
	default:
		return false
	}
	if i < len(item) && item[i].word("as") {
		i++
	}
	if i < len(item) && item[i].isName() {
		i++
	}
	return i == len(item)
}

// skipParens returns the index after the parenthesis that closes the one at i.
func skipParens(toks []token, i int) int {
	depth := 0
	for ; i < len(toks); i++ {
		if toks[i].punct('(') {
			depth++
		} else if toks[i].punct(')') {
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

// paramLits are the literal values a statement binds each param of a
// resource to, by resource and param name. A nil list means the param is
// compared more than once or with something other than literals: EXPLAIN
// then cannot name its calls.
type paramLits map[string]map[string][]string

func (l paramLits) add(res, param string, vals []string) {
	if l[res] == nil {
		l[res] = map[string][]string{}
	}
	if _, seen := l[res][param]; seen && !slices.Equal(l[res][param], vals) {
		vals = nil
	}
	l[res][param] = vals
}

// checkParamLiterals checks `param = 'value'` and `param IN ('a', 'b')`
// against the param's type and values, so that a typo is an error rather than
// an empty answer, and returns the literals it found.
func (r *statementReader) checkParamLiterals(refs []tableRefTok) (paramLits, error) {
	found := paramLits{}
	for i := 0; i+2 < len(r.toks); i++ {
		t := r.toks[i]
		if !t.isName() {
			continue
		}
		var p *schema.Param
		var owners []string
		for _, ref := range refs {
			if _, col := ref.res.column(t.val); col != nil && col.param != nil {
				p = col.param
				owners = append(owners, ref.res.name)
			}
		}
		if p == nil {
			continue
		}
		var lits []token
		switch {
		case r.comparedFrom(i):
			// The param is the right side, compared with another column.
			lits = []token{{}}
		case r.toks[i+1].punct('='):
			lits = r.toks[i+2 : i+3]
		case r.toks[i+1].word("in") && r.toks[i+2].punct('('):
			for j := i + 3; j < len(r.toks) && !r.toks[j].punct(')'); j++ {
				if !r.toks[j].punct(',') {
					lits = append(lits, r.toks[j])
				}
			}
		}
		vals := []string{}
		for _, l := range lits {
			if l.typ != sqlparser.STRING && l.typ != sqlparser.INTEGRAL {
				vals = nil
				continue
			}
			if msg, hint := checkValue(p, l.val); msg != "" {
				return nil, r.errorAt(l.start, hint, "%s", msg)
			}
			if vals != nil && !slices.Contains(vals, l.val) {
				vals = append(vals, l.val)
			}
		}
		if len(lits) == 0 {
			// Named but not compared by = or IN, which alone bind a
			// param: in a select list, or with another operator.
			continue
		}
		for _, o := range owners {
			found.add(strings.ToLower(o), p.Name, vals)
		}
	}
	return found, nil
}

var (
	sqliteNoSuch = regexp.MustCompile(`^no such (column|table|function): (.+)$`)
	sqliteNear   = regexp.MustCompile(`^near "(.*)": syntax error$`)
)

// sqliteError places an error SQLite gave when preparing the statement at
// the token it names.
func (r *statementReader) sqliteError(tr *translated, err error) error {
	msg := cleanSQLiteMessage(err.Error())
	if m := sqliteNoSuch.FindStringSubmatch(msg); m != nil {
		// With double-quoted strings off, SQLite asks about a quoted name.
		if q, ok := strings.CutSuffix(m[2], " - should this be a string literal in single-quotes?"); ok {
			m[2] = strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(q, `"`), `"`), `""`, `"`)
		}
		parts := strings.Split(m[2], ".")
		name := parts[len(parts)-1]
		switch m[1] {
		case "column":
			var cols []string
			var in []string
			for _, ref := range tr.refs {
				cols = append(cols, ref.res.columnNames()...)
				in = append(in, ref.res.name)
			}
			return r.errorAt(r.find(name), r.quotedHint(name, didYouMean(name, cols)), "unknown column %q in %s", m[2], strings.Join(in, ", "))
		case "table":
			return r.errorAt(r.find(name), r.e.cat.hintFor(m[2]), "unknown resource %s", m[2])
		}
		return r.errorAt(r.find(name), "", "%s", msg)
	}
	if m := sqliteNear.FindStringSubmatch(msg); m != nil {
		for _, t := range r.toks {
			if strings.EqualFold(r.src.text[t.start:t.end], m[1]) {
				return r.errorAt(t.start, "", "syntax error near %q", m[1])
			}
		}
		return r.errorAt(r.toks[0].start, "", "syntax error near %q", m[1])
	}
	if strings.Contains(msg, "incomplete input") {
		return r.errorAt(r.end(), "", "syntax error: unexpected end of statement")
	}
	return r.errorAt(r.toks[0].start, "", "%s", msg)
}

// keyInSubquery finds, at the DELETE's own level, the key params compared
// with IN (SELECT …): the tokens of their names.
func (r *statementReader) keyInSubquery(keys []string) map[int]bool {
	out := map[int]bool{}
	depth := 0
	for i, t := range r.toks {
		switch {
		case t.punct('('):
			depth++
		case t.punct(')'):
			depth--
		case depth == 0 && t.isName() && i+3 < len(r.toks) && r.toks[i+1].word("in") && r.toks[i+2].punct('(') && r.toks[i+3].word("select") &&
			!(i > 0 && r.toks[i-1].punct('.')) && slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(k, t.val) }):
			out[i] = true
		}
	}
	return out
}

// topLevelNames is the set of names, lower-cased, that the statement uses
// from token from on outside parentheses, as bare or qualified columns.
func (r *statementReader) topLevelNames(from int) map[string]bool {
	out := map[string]bool{}
	depth := 0
	for _, t := range r.toks[from:] {
		switch {
		case t.punct('('):
			depth++
		case t.punct(')'):
			depth--
		case depth == 0 && t.isName():
			out[strings.ToLower(t.val)] = true
		}
	}
	return out
}

// readSQLiteDelete reads a DELETE whose WHERE only SQLite reads (a subquery
// with a window function, for one): its keys are always found by a SELECT
// first, shown, and deleted only once confirmed.
func (r *statementReader) readSQLiteDelete() (*deletePlan, error) {
	if err := r.checkTokens(); err != nil {
		return nil, err
	}
	if len(r.toks) < 3 || !r.toks[1].word("from") {
		return nil, r.errorAt(r.toks[0].start, "", "expected DELETE FROM resource WHERE …")
	}
	c := chainAt(r.toks, 2)
	if len(c.parts) == 0 {
		return nil, r.errorAt(r.toks[2].start, "", "expected the resource to delete from")
	}
	res, msg, hint := r.e.cat.lookup(c.parts)
	if res == nil {
		return nil, r.errorAt(r.toks[2].start, hint, "%s", msg)
	}
	// The params the DELETE's own WHERE names, outside any subquery, tell
	// which owner's method it is (org, username, or neither); a subquery's
	// own params bind only its own tables.
	present := r.topLevelNames(c.end)
	m, _, conflict := chooseMethod(res, schema.Delete, func(string) bool { return true }, func(p string) bool { return present[p] }, nil)
	if m == nil && len(conflict) > 0 {
		msg, hint := noMethodMessage(res, schema.Delete, nil, conflict, slices.Sorted(maps.Keys(present)))
		return nil, r.errorAt(r.toks[2].start, hint, "%s", msg)
	}
	if m == nil {
		return nil, r.errorAt(r.toks[2].start, "SHOW METHODS IN "+res.name+" lists what it can do", "%s has no DELETE method", res.name)
	}
	i := c.end
	qualifier := ""
	if i < len(r.toks) && r.toks[i].word("as") {
		i++
	}
	if i < len(r.toks) && r.toks[i].isName() && !r.toks[i].word("where") {
		qualifier = quoteIdent(r.toks[i].val) + "."
		i++
	}
	if i >= len(r.toks) || !r.toks[i].word("where") {
		return nil, r.errorAt(r.end(), fmt.Sprintf("bind %s with = or IN", joinList(m.Required)), "DELETE needs a WHERE clause naming what to delete")
	}
	cols := make([]string, len(m.Required))
	for j, p := range m.Required {
		cols[j] = qualifier + quoteIdent(p)
	}
	prefix := "SELECT DISTINCT " + strings.Join(cols, ", ") + " "
	// A key bound by IN (SELECT …) would make SQLite check each key found with
	// a call of its own (a GET per package), when the listing the other params
	// bind — often the very call the subquery makes, which the statement shares
	// — answers them all. "+key" keeps SQLite from using the constraint; when
	// that leaves the table without a method, the statement is planned as
	// written.
	r.unbindKeys = r.keyInSubquery(m.Required)
	tr, err := r.translate(prefix, 1)
	r.unbindKeys = nil
	if err != nil {
		return nil, err
	}
	find, err := r.planTranslated(tr)
	if err != nil && len(r.keyInSubquery(m.Required)) > 0 {
		if tr, err = r.translate(prefix, 1); err != nil {
			return nil, err
		}
		find, err = r.planTranslated(tr)
	}
	if err != nil {
		return nil, err
	}
	return &deletePlan{res: res, method: m, find: find, fixed: map[string]string{}}, nil
}

// combos are the param sets a table's calls take when every param SQLite
// passes is bound by literals alone: one call per combination.
func (l paramLits) combos(res string, params []string) ([]map[string]string, bool) {
	combos := []map[string]string{{}}
	for _, p := range params {
		vals := l[strings.ToLower(res)][p]
		if vals == nil {
			return nil, false
		}
		var next []map[string]string
		for _, c := range combos {
			for _, v := range vals {
				n := maps.Clone(c)
				n[p] = v
				next = append(next, n)
			}
		}
		combos = next
	}
	return combos, true
}

// comparedFrom reports whether the name at i, qualified or not, is the right
// side of = or IN.
func (r *statementReader) comparedFrom(i int) bool {
	for i >= 2 && r.toks[i-1].punct('.') {
		i -= 2
	}
	return i >= 1 && (r.toks[i-1].punct('=') || r.toks[i-1].word("in"))
}
