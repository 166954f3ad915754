package engine

import (
	"strconv"
	"strings"

	"github.com/xwb1989/sqlparser"
)

// Reading turns a script into statements. Everything goes through sqlparser's
// Tokenizer: it splits the script (strings and comments respected), reads the
// forms MySQL grammar lacks (SHOW … IN, DESCRIBE, EXPLAIN, EXEC @param = value),
// rewrites three-part names into one quoted name the parser accepts, and
// respells or refuses the tokens MySQL reads otherwise than Postgres and
// SQLite (double-quoted names, ||, ::, …; see docs/dialect.md). SELECT and
// DELETE are then parsed by sqlparser into an AST, or, with WITH or a window
// function, handed to SQLite whole (direct.go).

// token is one lexical token of the script as sqlparser's Tokenizer reads it.
type token struct {
	typ        int
	val        string // strings decoded; keywords in lower case
	start, end int    // byte offsets in the script
	// quote is the quote a string or a name was written in: ', " or `.
	quote byte
}

// word reports whether the token is an identifier or keyword spelled w. A
// quoted name is never a keyword.
func (t token) word(w string) bool {
	return t.quote == 0 && t.isName() && strings.EqualFold(t.val, w)
}

// isName reports whether the token can be a name: an identifier, or a
// keyword used as one (a resource may be called "status").
func (t token) isName() bool {
	switch t.typ {
	case sqlparser.ID:
		return true
	case sqlparser.STRING, sqlparser.INTEGRAL, sqlparser.FLOAT, sqlparser.HEX, sqlparser.HEXNUM,
		sqlparser.BIT_LITERAL, sqlparser.VALUE_ARG, sqlparser.LIST_ARG, sqlparser.COMMENT, sqlparser.LEX_ERROR:
		return false
	}
	if t.typ < 256 || t.val == "" {
		return false
	}
	for _, r := range t.val {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (t token) punct(c byte) bool { return t.typ == int(c) }

// tokenize reads the whole script. Comments are dropped; a token the
// Tokenizer cannot read is an error at its place.
func tokenize(src *source) (out []token, err *Error) {
	tkn := sqlparser.NewStringTokenizer(src.text)
	prevEnd, stmts := 0, 0
	defer func() {
		// The Tokenizer panics on some malformed input: that is an error in
		// the script, at the token being read.
		if p := recover(); p != nil {
			out, err = nil, src.errorAt(skipBlank(src.text, prevEnd), stmts, "", "the statement cannot be read here")
		}
	}()
	for {
		start := skipBlank(src.text, prevEnd)
		if strings.HasPrefix(src.text[start:], "/*!") {
			// The Tokenizer reads their text as SQL, out of place.
			return nil, src.errorAt(start, stmts, "", "MySQL-specific comments (/*! … */) are not supported")
		}
		typ, val := tkn.Scan()
		end := tkn.Position - 1
		if typ == 0 {
			return out, nil
		}
		if typ == sqlparser.LEX_ERROR && string(val) == "::" {
			typ = tokCast
		}
		if typ == sqlparser.LEX_ERROR {
			return nil, lexError(src, start, stmts)
		}
		prevEnd = end
		t := token{typ: typ, val: string(val), start: start, end: end}
		if typ == sqlparser.LIST_ARG && strings.HasPrefix(t.val, "::") && len(t.val) > 2 {
			// x::int reads as x and the list placeholder "::int": it is a cast
			// and a type name.
			out = append(out, token{typ: tokCast, val: "::", start: start, end: start + 2})
			t = token{typ: sqlparser.ID, val: t.val[2:], start: start + 2, end: end}
		}
		if err := src.readLikePostgres(&t, stmts); err != nil {
			return nil, err
		}
		switch typ {
		case sqlparser.COMMENT:
			continue
		case ';':
			if len(out) > 0 && !out[len(out)-1].punct(';') {
				stmts++
			}
		}
		out = append(out, t)
	}
}

// readLikePostgres makes a token mean what it means in Postgres and SQLite,
// or refuses it where MySQL's reading differs and cannot be mapped: a
// double-quoted text is a name, not a string; a backslash in a string is
// itself in Postgres but an escape to the Tokenizer (which also moves where
// the string ends); '#' starts a comment only in MySQL; Postgres nests
// comments, MySQL does not.
func (src *source) readLikePostgres(t *token, stmt int) *Error {
	raw := src.text[t.start:t.end]
	switch t.typ {
	case sqlparser.STRING:
		if strings.ContainsRune(raw, '\\') {
			return backslashError(src, t.start+strings.IndexByte(raw, '\\'), stmt)
		}
		if raw != "" && (raw[0] == '"' || raw[0] == '\'') {
			t.quote = raw[0]
		}
		if t.quote == '"' {
			t.typ = sqlparser.ID
		}
	case sqlparser.ID:
		if raw != "" && raw[0] == '`' {
			t.quote = '`'
		}
	case sqlparser.COMMENT:
		if raw[0] == '#' {
			return src.errorAt(t.start, stmt, "write -- for a comment", "# starts a comment only in MySQL (in Postgres it is an operator): it is not read")
		}
		if strings.HasPrefix(raw, "/*") && strings.Contains(raw[2:], "/*") {
			return src.errorAt(t.start, stmt, "", "nested comments are read differently by MySQL and Postgres: write one /* … */ at a time")
		}
	}
	return nil
}

func skipBlank(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
		i++
	}
	return i
}

// lexError words what the Tokenizer could not read.
func lexError(src *source, at, stmt int) *Error {
	rest := src.text[at:]
	switch {
	case rest == "":
		return src.errorAt(at, stmt, "", "unexpected end of script")
	case (rest[0] == '\'' || rest[0] == '"') && strings.ContainsRune(rest, '\\'):
		// The Tokenizer took a backslash for an escape of the closing quote.
		return backslashError(src, at+strings.IndexByte(rest, '\\'), stmt)
	case rest[0] == '\'' || rest[0] == '"':
		return src.errorAt(at, stmt, "close it with "+rest[:1], "unterminated string")
	case rest[0] == '`':
		return src.errorAt(at, stmt, "close it with `", "unterminated quoted name")
	case strings.HasPrefix(rest, "/*"):
		return src.errorAt(at, stmt, "close it with */", "unterminated comment")
	case len(rest) > 1 && rest[0]|0x20 == 'x' && rest[1] == '\'':
		return src.errorAt(at, stmt, "", "malformed hex literal")
	case len(rest) > 1 && rest[0]|0x20 == 'b' && rest[1] == '\'':
		return src.errorAt(at, stmt, "", "malformed bit literal")
	case rest[0] == ':':
		return src.errorAt(at, stmt, "", "placeholders are not supported: write the value")
	case rest[0] == 0:
		return src.errorAt(at, stmt, "", "NUL character in the statement")
	}
	r := []rune(rest[:min(len(rest), 4)])[0]
	return src.errorAt(at, stmt, "", "unexpected character %s", strconv.QuoteRune(r))
}

func backslashError(src *source, at, stmt int) *Error {
	return src.errorAt(at, stmt, "write char(92) for a backslash: 'a' || char(92) || 'b'",
		"a backslash in a quoted text is an escape in MySQL and itself in Postgres and SQLite: it is not read")
}

// split cuts the tokens into statements at each ';'. Empty statements are
// dropped.
func split(toks []token) [][]token {
	var out [][]token
	begin := 0
	for i, t := range toks {
		if t.punct(';') {
			if i > begin {
				out = append(out, toks[begin:i])
			}
			begin = i + 1
		}
	}
	if begin < len(toks) {
		out = append(out, toks[begin:])
	}
	return out
}

// statementReader reads one statement, from its tokens and the catalog its
// names resolve against, into what it asks: the resource tables it reads,
// the params its WHERE binds, the SQL SQLite is to run. Its planner
// (plan.go) turns that into methods and calls. The reader knows where each
// token is in the script, so every error of either points at its place.
type statementReader struct {
	e     *Engine
	src   *source
	index int
	toks  []token
	// unbindKeys are tokens translate writes as +name (direct.go).
	unbindKeys map[int]bool
}

func (r *statementReader) errorAt(offset int, hint, format string, args ...any) *Error {
	return r.src.errorAt(offset, r.index, hint, format, args...)
}

func (r *statementReader) text() string {
	return r.src.text[r.toks[0].start:r.toks[len(r.toks)-1].end]
}

// end is the offset just past the statement, where "unexpected end" points.
func (r *statementReader) end() int { return r.toks[len(r.toks)-1].end }

// maxStatement bounds the text of one statement: far above any statement a
// person writes, far below what would tie up the engine.
const maxStatement = 1 << 20

// read reads the statement by its first word.
func (r *statementReader) read() (*Statement, error) {
	if n := r.end() - r.toks[0].start; n > maxStatement {
		return nil, r.errorAt(r.toks[0].start, "split it, or move long lists into a subquery",
			"the statement is %d bytes long; at most %d are read", n, maxStatement)
	}
	st := &Statement{src: r.src, index: r.index, offset: r.toks[0].start, text: r.text()}
	first := r.toks[0]
	var err error
	switch {
	case (first.word("select") || first.punct('(') || first.word("with")) && r.needsSQLite():
		st.kind = KindSelect
		st.sel, err = r.readSQLiteSelect()
	case first.word("select") || first.punct('('):
		st.kind = KindSelect
		st.sel, err = r.readSelect()
	case first.word("delete") && r.needsSQLite():
		st.kind = KindDelete
		st.del, err = r.readSQLiteDelete()
	case first.word("delete"):
		st.kind = KindDelete
		st.del, err = r.readDelete()
	case first.word("exec") || first.word("execute"):
		st.kind = KindExec
		st.exec, err = r.readExec()
	case first.word("show"):
		st.kind = KindShow
		st.show, err = r.readShow()
	case first.word("describe") || first.word("desc"):
		st.kind = KindDescribe
		st.desc, err = r.readDescribe()
	case first.word("explain"):
		st.kind = KindExplain
		st.explain, err = r.readExplain()
	default:
		return nil, r.errorAt(first.start, "the statements are SELECT, DELETE, EXEC, SHOW, DESCRIBE and EXPLAIN",
			"%s is not supported", strings.ToUpper(r.src.text[first.start:first.end]))
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

func (r *statementReader) readExplain() (*Statement, error) {
	if len(r.toks) < 2 {
		return nil, r.errorAt(r.end(), "", "EXPLAIN needs a SELECT or DELETE to explain")
	}
	inner := &statementReader{e: r.e, src: r.src, index: r.index, toks: r.toks[1:]}
	next := inner.toks[0]
	if !next.word("select") && !next.word("delete") && !next.word("with") && !next.punct('(') {
		return nil, r.errorAt(next.start, "", "EXPLAIN explains a SELECT or a DELETE")
	}
	return inner.read()
}

// checkTokens rejects, at their place, the forms MySQL's grammar reads
// differently from Postgres and SQLite and that have no mapping: `!` (NOT in
// MySQL, factorial in Postgres), `^` (XOR in MySQL, power in Postgres), `&&`
// (AND in MySQL, overlap in Postgres), REGEXP, placeholders.
func (r *statementReader) checkTokens() error {
	for _, t := range r.toks {
		switch {
		case t.punct('!'):
			return r.errorAt(t.start, "write NOT", "! is not read: it is NOT in MySQL and factorial in Postgres")
		case t.punct('^'):
			return r.errorAt(t.start, "write power(a, b) for a power", "^ is not read: it is XOR in MySQL and a power in Postgres")
		case t.typ == sqlparser.AND && t.val == "":
			return r.errorAt(t.start, "write AND", "&& is not read: it is AND in MySQL and an array operator in Postgres")
		case t.word("regexp") || t.word("rlike"):
			return r.errorAt(t.start, "use LIKE, or ILIKE to ignore case", "%s is not supported", strings.ToUpper(t.val))
		case t.typ == sqlparser.VALUE_ARG || t.typ == sqlparser.LIST_ARG:
			return r.errorAt(t.start, "", "placeholders are not supported: write the value")
		}
	}
	return nil
}

// respellTime writes the time forms of Postgres that MySQL's grammar lacks:
// EXTRACT(field FROM t) as date_part('field', t), and interval '30 days' with
// a unit the renderer knows to read from the string. It returns the last
// token it replaces.
func (r *statementReader) respellTime(i int) (int, string, bool) {
	toks := r.toks
	switch {
	case toks[i].word("extract") && i+3 < len(toks) && toks[i+1].punct('(') && toks[i+2].isName() && toks[i+3].word("from"):
		return i + 3, "date_part('" + strings.ToLower(toks[i+2].val) + "',", true
	case toks[i].word("interval") && i+1 < len(toks) && toks[i+1].typ == sqlparser.STRING &&
		(i+2 == len(toks) || !intervalUnits[strings.ToLower(toks[i+2].val)]):
		return i + 1, "interval " + r.src.text[toks[i+1].start:toks[i+1].end] + " " + pgIntervalUnit, true
	}
	return i, "", false
}

// respell is how a token is written for the parser when MySQL's grammar
// would read it otherwise: a double-quoted name in backticks; || (concat in
// Postgres and SQLite, OR in MySQL) as ^, which the parser ranks as SQLite
// ranks || and which the renderer writes back as ||; ILIKE as REGEXP, which
// the renderer writes as a LIKE of lower-cased sides. checkTokens refused the
// ^ and REGEXP a user wrote, so each one the parser returns came from here.
func respell(t token) (string, bool) {
	switch {
	case t.quote == '"':
		return quoteBacktick(t.val), true
	case t.typ == sqlparser.OR && t.val == "":
		return "^", true
	case t.word("ilike"):
		return "regexp", true
	}
	return "", false
}

// chain is a dotted name (a.b.c) and the tokens it spans.
type chain struct {
	parts      []string
	first, end int // token indexes: [first, end)
}

// chainAt reads the dotted name starting at token i.
func chainAt(toks []token, i int) chain {
	c := chain{first: i, end: i}
	for c.end < len(toks) && toks[c.end].isName() {
		c.parts = append(c.parts, toks[c.end].val)
		c.end++
		if c.end+1 < len(toks) && toks[c.end].punct('.') && toks[c.end+1].isName() {
			c.end++
			continue
		}
		break
	}
	return c
}

// segment maps a stretch of the rewritten text back to the script.
type segment struct {
	newStart, newEnd   int
	origStart, origEnd int
}

// rewritten is a statement's text as the parser gets it, with the map back to
// the script for the parser's error positions.
type rewritten struct {
	text     string
	segments []segment
}

// toScript maps an offset in the rewritten text to the script.
func (rw *rewritten) toScript(off int) int {
	for i := len(rw.segments) - 1; i >= 0; i-- {
		s := rw.segments[i]
		if off < s.newStart {
			continue
		}
		if off >= s.newEnd {
			return s.origEnd + (off - s.newEnd)
		}
		if s.newEnd-s.newStart == s.origEnd-s.origStart {
			return s.origStart + (off - s.newStart)
		}
		if off == s.newStart {
			return s.origStart
		}
		return s.origEnd
	}
	return off
}

// rewrite quotes every name of a provider's resource written in three parts
// (github.packages.user_packages, maybe followed by .column) into one name,
// `github.packages.user_packages`, which the parser reads as a table or a
// qualifier. Two-part names are the parser's own (service.resource, or
// table.column) and stay as they are.
func (r *statementReader) rewrite(edits []rewriteEdit) *rewritten {
	base := r.toks[0].start
	rw := &rewritten{}
	var b strings.Builder
	copied := base
	replace := func(first, last token, text string) {
		b.WriteString(r.src.text[copied:first.start])
		newStart := b.Len()
		b.WriteString(text)
		rw.segments = append(rw.segments, segment{newStart: newStart, newEnd: b.Len(), origStart: first.start - base, origEnd: last.end - base})
		copied = last.end
	}
	insert := func(at token, text string) {
		b.WriteString(r.src.text[copied:at.start])
		newStart := b.Len()
		b.WriteString(text)
		rw.segments = append(rw.segments, segment{newStart: newStart, newEnd: b.Len(), origStart: at.start - base, origEnd: at.start - base})
		copied = at.start
	}
	for i := 0; i < len(r.toks); i++ {
		if j, ok := applyEdits(edits, i, func(text string) { insert(r.toks[i], text) }, func(last int, text string) { replace(r.toks[i], r.toks[last], text) }); ok {
			i = j
			continue
		}
		if r.toks[i].isName() && (i == 0 || !r.toks[i-1].punct('.')) {
			c := chainAt(r.toks, i)
			if _, ok := r.e.cat.provider(c.parts[0]); ok && len(c.parts) >= 3 {
				replace(r.toks[c.first], r.toks[c.first+4], quoteBacktick(strings.Join(c.parts[:3], ".")))
				i = c.first + 4
				continue
			}
		}
		if j, s, ok := r.respellTime(i); ok {
			replace(r.toks[i], r.toks[j], s)
			i = j
			continue
		}
		if s, ok := respell(r.toks[i]); ok {
			replace(r.toks[i], r.toks[i], s)
		}
	}
	b.WriteString(r.src.text[copied:r.end()])
	// A trailing blank puts the parser's end-of-input position past the last
	// token, so that "unexpected end" can be told from an error on that token.
	b.WriteByte(' ')
	rw.text = b.String()
	return rw
}

func quoteBacktick(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// parse hands the rewritten statement to sqlparser. A syntax error keeps the
// parser's position, mapped back to the script.
func (r *statementReader) parse() (stmt sqlparser.Statement, err error) {
	if err := r.checkTokens(); err != nil {
		return nil, err
	}
	edits, err := r.pgEdits(false)
	if err != nil {
		return nil, err
	}
	rw := r.rewrite(edits)
	defer func() {
		if p := recover(); p != nil {
			stmt, err = nil, r.errorAt(r.toks[0].start, "", "the statement cannot be read: %v", p)
		}
	}()
	stmt, perr := sqlparser.ParseStrictDDL(rw.text)
	if perr != nil {
		return nil, r.syntaxError(rw, perr)
	}
	return stmt, nil
}

// syntaxError places the parser's error at the token it stopped on.
func (r *statementReader) syntaxError(rw *rewritten, perr error) error {
	msg := perr.Error()
	what, after, found := strings.Cut(msg, " at position ")
	if !found {
		return r.errorAt(r.toks[0].start, "", "syntax error: %s", msg)
	}
	if what == "max nesting level reached" {
		what = "too deeply nested"
	}
	if j := strings.IndexFunc(after, func(c rune) bool { return c < '0' || c > '9' }); j >= 0 {
		after = after[:j]
	}
	n, err := strconv.Atoi(after)
	if err != nil {
		return r.errorAt(r.toks[0].start, "", "syntax error: %s", msg)
	}
	// The parser reports one past the character it looked ahead at, which is
	// the end of the token it could not take.
	off := r.toks[0].start + rw.toScript(n-1)
	if off > r.end() {
		return r.errorAt(r.end(), "", "%s: unexpected end of statement", what)
	}
	at := 0
	for i, t := range r.toks {
		if t.end <= off {
			at = i
		}
	}
	if e := r.unknownChain(at); e != nil {
		return e
	}
	// A name reading quoted into one token is reported whole.
	start, end := r.toks[at].start, r.toks[at].end
	if c, ok := r.chainAround(at); ok && len(c.parts) >= 3 {
		start, end = r.toks[c.first].start, r.toks[c.first+4].end
	}
	return r.errorAt(start, r.syntaxHint(at), "%s near %q", what, r.src.text[start:end])
}

// syntaxHint names the dialect's way for a form users often bring from
// elsewhere.
func (r *statementReader) syntaxHint(at int) string {
	if at > 0 && strings.EqualFold(r.src.text[r.toks[at-1].start:r.toks[at-1].end], "as") {
		switch strings.ToLower(r.src.text[r.toks[at].start:r.toks[at].end]) {
		case "integer", "int", "bigint":
			return "CAST(x AS SIGNED) makes a whole number"
		case "text", "varchar", "string":
			return "CAST(x AS CHAR) makes a string"
		case "real", "float", "double":
			return "x * 1.0 makes a number with a fraction"
		}
	}
	return ""
}

// chainAround returns the dotted name token i is part of.
func (r *statementReader) chainAround(i int) (chain, bool) {
	for ; i >= 0; i-- {
		if !r.toks[i].isName() && !r.toks[i].punct('.') {
			return chain{}, false
		}
		if r.toks[i].isName() && (i == 0 || !r.toks[i-1].punct('.')) {
			return chainAt(r.toks, i), true
		}
	}
	return chain{}, false
}

// unknownChain turns a syntax error inside a dotted name of three or more
// parts into the error the user needs: that resource does not exist.
func (r *statementReader) unknownChain(at int) error {
	c, ok := r.chainAround(at)
	if !ok || len(c.parts) < 3 || c.end <= at {
		return nil
	}
	if res, _, _ := r.e.cat.lookup(c.parts[:3]); res != nil {
		return nil
	}
	name := strings.Join(c.parts[:3], ".")
	return r.errorAt(r.toks[c.first].start, r.e.cat.hintFor(name), "unknown resource %s", name)
}

// find returns the offset of the first name spelled as parts (a.b), or of the
// statement when there is none: the place to point at for an error about it.
func (r *statementReader) find(parts ...string) int { return r.findNth(0, parts...) }

// findNth is find for the name's n-th occurrence, from 0.
func (r *statementReader) findNth(n int, parts ...string) int {
	for i := range r.toks {
		if i > 0 && r.toks[i-1].punct('.') {
			continue
		}
		c := chainAt(r.toks, i)
		if len(c.parts) < len(parts) {
			continue
		}
		// A column may be written with its table: match the tail.
		tail := c.parts[len(c.parts)-len(parts):]
		ok := true
		for j := range parts {
			if !strings.EqualFold(tail[j], parts[j]) {
				ok = false
				break
			}
		}
		if ok {
			if n == 0 {
				return r.toks[c.first+2*(len(c.parts)-len(parts))].start
			}
			n--
		}
	}
	return r.toks[0].start
}

// findString returns the offset of the first string literal with value v.
func (r *statementReader) findString(v string) int {
	for _, t := range r.toks {
		if t.typ == sqlparser.STRING && t.val == v {
			return t.start
		}
	}
	return r.toks[0].start
}

// findWord returns the offset of the first token spelled w.
func (r *statementReader) findWord(w string) int {
	for _, t := range r.toks {
		if t.word(w) {
			return t.start
		}
	}
	return r.toks[0].start
}

// expect checks token i with ok; what says what was expected there.
func (r *statementReader) expect(i int, what string, ok func(token) bool) error {
	if i >= len(r.toks) {
		return r.errorAt(r.end(), "", "unexpected end of statement: expected %s", what)
	}
	if !ok(r.toks[i]) {
		t := r.toks[i]
		return r.errorAt(t.start, "", "expected %s, found %q", what, r.src.text[t.start:t.end])
	}
	return nil
}

// readName reads a dotted name at token i and returns it with the index
// after it.
func (r *statementReader) readName(i int, what string) (chain, int, error) {
	if err := r.expect(i, what, token.isName); err != nil {
		return chain{}, 0, err
	}
	c := chainAt(r.toks, i)
	return c, c.end, nil
}

// done checks that nothing follows token i.
func (r *statementReader) done(i int) error {
	if i < len(r.toks) {
		t := r.toks[i]
		return r.errorAt(t.start, "", "unexpected %q after the end of the statement", r.src.text[t.start:t.end])
	}
	return nil
}

// resolveResource resolves the dotted name c to a resource.
func (r *statementReader) resolveResource(c chain) (*resource, error) {
	res, msg, hint := r.e.cat.lookup(c.parts)
	if res == nil {
		return nil, r.errorAt(r.toks[c.first].start, hint, "%s", msg)
	}
	return res, nil
}

// literal reads a value token as text: a string, a number, TRUE/FALSE or
// NULL (isNull). A leading minus is taken with a number.
func (r *statementReader) literal(i int) (val string, isNull bool, next int, err error) {
	if i >= len(r.toks) {
		return "", false, i, r.errorAt(r.end(), "", "unexpected end of statement: expected a value")
	}
	t := r.toks[i]
	switch {
	case t.typ == sqlparser.STRING:
		return t.val, false, i + 1, nil
	case t.typ == sqlparser.INTEGRAL || t.typ == sqlparser.FLOAT:
		return t.val, false, i + 1, nil
	case t.punct('-') && i+1 < len(r.toks) && (r.toks[i+1].typ == sqlparser.INTEGRAL || r.toks[i+1].typ == sqlparser.FLOAT):
		return "-" + r.toks[i+1].val, false, i + 2, nil
	case t.typ == sqlparser.TRUE || t.typ == sqlparser.FALSE:
		return strings.ToLower(t.val), false, i + 1, nil
	case t.typ == sqlparser.NULL:
		return "", true, i + 1, nil
	}
	return "", false, i, r.errorAt(t.start, "", "expected a value (a string or a number), found %q", r.src.text[t.start:t.end])
}
