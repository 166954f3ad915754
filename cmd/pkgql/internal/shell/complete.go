package shell

import (
	"slices"
	"strings"

	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/schema"
)

// completer proposes what may come at the cursor, from the statement typed
// so far (read with the Tokenizer) and the schemas the providers declared:
// keywords; provider, service and resource names part by part; the columns
// of the resources the statement names (fields and params); after
// EXEC provider.service.resource. its methods, then their @params; and the
// values of params that only take a few, after "package_type = '".
type completer struct {
	catalog func() []*schema.Provider
}

var (
	statementKeywords = []string{"SELECT", "DELETE", "EXEC", "SHOW", "DESCRIBE", "EXPLAIN"}
	showKeywords      = []string{"PROVIDERS", "SERVICES", "RESOURCES", "METHODS"}
	clauseKeywords    = []string{
		"FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "BETWEEN", "AS",
		"DISTINCT", "JOIN", "LEFT", "ON", "GROUP BY", "ORDER BY", "HAVING", "ASC", "DESC",
		"LIMIT", "OFFSET", "COUNT", "SUM", "MIN", "MAX", "AVG", "JSON_EXTRACT",
	}
)

// Name depths: how many parts of provider.service.resource.method a
// context wants.
const (
	toProvider = 1
	toService  = 2
	toResource = 3
	toMethod   = 4
)

// complete returns the candidates for the word that ends at pos in text,
// each the whole word as it would then read, and the offset where that word
// starts. text may hold earlier statements and lines: only the statement at
// the cursor counts, and its text after the cursor too (the FROM of a
// SELECT usually follows the columns being typed).
func (c *completer) complete(text string, pos int) (start int, candidates []string) {
	before := text[:pos]
	s := scan(before)
	if s.broken {
		return pos, nil
	}
	toks := code(s.toks)
	for i := len(toks) - 1; i >= 0; i-- {
		if toks[i].is(';') { // only the statement at the cursor counts
			off := toks[i].end
			start, candidates = c.complete(text[off:], pos-off)
			return start + off, candidates
		}
	}
	st := c.statement(text, pos)
	switch s.open {
	case 0:
	case '\'', '"':
		q := before[s.openAt : s.openAt+1]
		prefix := before[s.openAt+1:]
		for _, v := range st.enum(valueColumn(toks)) {
			if hasPrefixFold(v, prefix) {
				candidates = append(candidates, q+v+q)
			}
		}
		return s.openAt, candidates
	default: // in a comment or a quoted name
		return pos, nil
	}
	start, i := pos, len(toks)
	if i > 0 && toks[i-1].end == pos && (toks[i-1].word() || toks[i-1].is('.')) {
		i--
		for i > 0 && toks[i-1].end == toks[i].start && (toks[i-1].word() || toks[i-1].is('.')) {
			i--
		}
		start = toks[i].start
	}
	return start, c.candidates(toks[:i], before[start:], st)
}

// candidates completes word after the tokens ctx of its statement.
func (c *completer) candidates(ctx []token, word string, st stmtInfo) []string {
	parts := strings.Split(word, ".")
	if len(ctx) > 0 && ctx[0].kw("EXPLAIN") {
		if ctx = ctx[1:]; len(ctx) == 0 {
			return matchWords(word, "SELECT", "DELETE", "EXEC")
		}
	}
	if len(ctx) == 0 {
		return matchWords(word, statementKeywords...)
	}
	prev := ctx[len(ctx)-1]
	switch verb := strings.ToUpper(ctx[0].val); {
	case verb == "EXEC":
		return c.execCandidates(ctx, word, st)
	case verb == "SHOW":
		return c.showCandidates(ctx, word)
	case verb == "DESCRIBE" || verb == "DESC":
		switch {
		case len(ctx) == 1:
			return append(matchWords(word, "EXTENDED"), c.names(parts, toResource, "")...)
		case len(ctx) == 2 && ctx[1].kw("EXTENDED"):
			return c.names(parts, toResource, "")
		}
		return nil
	case verb == "DELETE" && len(ctx) == 1:
		return matchWords(word, "FROM")
	case prev.kw("FROM") || prev.kw("JOIN"):
		return c.names(parts, toResource, "")
	}
	if len(parts) > 1 {
		if names := c.names(parts, toResource, ""); len(names) > 0 {
			return names
		}
		return st.qualified(parts)
	}
	if word == "" {
		if vals := st.enum(valueColumn(ctx)); len(vals) > 0 {
			return quoted(vals)
		}
	}
	return append(st.columns(word), matchWords(word, clauseKeywords...)...)
}

// execCandidates completes EXEC provider.service.resource.method @p = 'v', …
func (c *completer) execCandidates(ctx []token, word string, st stmtInfo) []string {
	if len(ctx) == 1 {
		return c.names(strings.Split(word, "."), toMethod, schema.Exec)
	}
	parts, next := chain(ctx, 1)
	if len(parts) != toMethod {
		return nil
	}
	res := c.resource(parts[:toResource])
	if res == nil {
		return nil
	}
	m, ok := methodFold(res, parts[3])
	if !ok {
		return nil
	}
	prev := ctx[len(ctx)-1]
	switch {
	case (next == len(ctx) || prev.is(',')) && (word == "" || strings.HasPrefix(word, "@")):
		var out []string
		for _, p := range slices.Concat(m.Required, m.Optional) {
			if !st.bound[strings.ToLower(p)] && hasPrefixFold("@"+p, word) {
				out = append(out, "@"+p+" = ")
			}
		}
		return out
	case prev.is('=') && word == "":
		return quoted(st.enum(valueColumn(ctx)))
	}
	return nil
}

// showCandidates completes SHOW PROVIDERS | SERVICES IN p | RESOURCES IN
// p.s | METHODS IN p.s.r.
func (c *completer) showCandidates(ctx []token, word string) []string {
	switch len(ctx) {
	case 1:
		return matchWords(word, showKeywords...)
	case 2:
		if !ctx[1].kw("PROVIDERS") {
			return matchWords(word, "IN")
		}
	case 3:
		if !ctx[2].kw("IN") {
			return nil
		}
		depth := map[string]int{"SERVICES": toProvider, "RESOURCES": toService, "METHODS": toResource}[strings.ToUpper(ctx[1].val)]
		return c.names(strings.Split(word, "."), depth, "")
	}
	return nil
}

// names completes the last of parts, a dotted name that a context wants
// depth parts deep: "git" → "github.", "github.packages.user_pa" →
// "github.packages.user_packages ". Methods are those of verb, if given.
func (c *completer) names(parts []string, depth int, verb schema.Verb) []string {
	level := len(parts) - 1
	if level >= depth {
		return nil
	}
	var names []string
	switch level {
	case 0:
		for _, p := range c.catalog() {
			names = append(names, p.Name)
		}
	case 1:
		if p := c.provider(parts[0]); p != nil {
			for _, s := range p.Services {
				names = append(names, s.Name)
			}
		}
	case 2:
		if s := c.service(parts[:2]); s != nil {
			for _, r := range s.Resources {
				names = append(names, r.Name)
			}
		}
	case 3:
		if r := c.resource(parts[:3]); r != nil {
			for _, m := range r.Methods {
				if verb == "" || m.Verb == verb {
					names = append(names, m.Name)
				}
			}
		}
	}
	qual := strings.Join(parts[:level], ".")
	if level > 0 {
		qual += "."
	}
	suffix := " "
	if level+1 < depth {
		suffix = "."
	}
	var out []string
	for _, n := range names {
		if hasPrefixFold(n, parts[level]) {
			out = append(out, qual+n+suffix)
		}
	}
	return out
}

func (c *completer) provider(name string) *schema.Provider {
	for _, p := range c.catalog() {
		if strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

func (c *completer) service(parts []string) *schema.Service {
	if p := c.provider(parts[0]); p != nil {
		for i := range p.Services {
			if strings.EqualFold(p.Services[i].Name, parts[1]) {
				return &p.Services[i]
			}
		}
	}
	return nil
}

func (c *completer) resource(parts []string) *schema.Resource {
	if s := c.service(parts[:2]); s != nil {
		for i := range s.Resources {
			if strings.EqualFold(s.Resources[i].Name, parts[2]) {
				return &s.Resources[i]
			}
		}
	}
	return nil
}

func methodFold(r *schema.Resource, name string) (*schema.Method, bool) {
	for i := range r.Methods {
		if strings.EqualFold(r.Methods[i].Name, name) {
			return &r.Methods[i], true
		}
	}
	return nil, false
}

// stmtInfo is what the whole statement at the cursor says, wherever the
// cursor is in it: the resources it names, their aliases, and the @params
// an EXEC already gives.
type stmtInfo struct {
	resources []*schema.Resource
	aliases   map[string]*schema.Resource // lower-cased alias
	bound     map[string]bool             // lower-cased param names, without "@"
}

// statement reads the statement of text that holds pos (text starts with
// it), up to its ";".
func (c *completer) statement(text string, pos int) stmtInfo {
	st := stmtInfo{aliases: map[string]*schema.Resource{}, bound: map[string]bool{}}
	toks := code(scan(text).toks)
	for i, t := range toks {
		if t.is(';') && t.start >= pos {
			toks = toks[:i]
			break
		}
	}
	for i := 0; i < len(toks); {
		parts, next := chain(toks, i)
		if next == i {
			i++
			continue
		}
		if len(parts) >= toResource {
			if r := c.resource(parts[:toResource]); r != nil {
				if !slices.Contains(st.resources, r) {
					st.resources = append(st.resources, r)
				}
				a := next
				if a < len(toks) && toks[a].kw("AS") {
					a++
				}
				if a < len(toks) && toks[a].typ == sqlparser.ID {
					st.aliases[strings.ToLower(toks[a].val)] = r
				}
			}
		}
		if len(parts) == 1 && strings.HasPrefix(parts[0], "@") && next < len(toks) && toks[next].is('=') {
			st.bound[strings.ToLower(parts[0][1:])] = true
		}
		i = next
	}
	return st
}

// chain reads the dotted name that starts at toks[i], written without
// blanks: its parts, and the index of the token after it.
func chain(toks []token, i int) (parts []string, next int) {
	if i >= len(toks) || !toks[i].word() {
		return nil, i
	}
	parts, j := []string{toks[i].val}, i+1
	for j+1 < len(toks) && toks[j].is('.') && toks[j].start == toks[j-1].end &&
		toks[j+1].word() && toks[j+1].start == toks[j].end {
		parts = append(parts, toks[j+1].val)
		j += 2
	}
	return parts, j
}

// columns are the columns of the statement's resources that start with
// prefix: fields, then the params that are not fields.
func (st stmtInfo) columns(prefix string) []string {
	var out []string
	for _, r := range st.resources {
		for _, name := range columnNames(r) {
			if hasPrefixFold(name, prefix) && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// qualified completes alias.column.
func (st stmtInfo) qualified(parts []string) []string {
	r, ok := st.aliases[strings.ToLower(parts[0])]
	if len(parts) != 2 || !ok {
		return nil
	}
	var out []string
	for _, name := range columnNames(r) {
		if hasPrefixFold(name, parts[1]) {
			out = append(out, parts[0]+"."+name)
		}
	}
	return out
}

func columnNames(r *schema.Resource) []string {
	var names []string
	for _, f := range r.Fields {
		names = append(names, f.Name)
	}
	for _, p := range r.HiddenParams() {
		names = append(names, p.Name)
	}
	return names
}

// enum is the values a param of the statement's resources takes, if it
// lists them.
func (st stmtInfo) enum(name string) []string {
	name = strings.TrimPrefix(name, "@")
	if name == "" {
		return nil
	}
	for _, r := range st.resources {
		for _, p := range r.Params {
			if strings.EqualFold(p.Name, name) && len(p.Enum) > 0 {
				return p.Enum
			}
		}
	}
	return nil
}

// valueColumn is the name whose value comes next after ctx: "name =",
// "name IN (" or "name IN ('a', ".
func valueColumn(ctx []token) string {
	n := len(ctx)
	if n >= 2 && ctx[n-1].is('=') && ctx[n-2].word() {
		return ctx[n-2].val
	}
	for n >= 2 && ctx[n-1].is(',') && ctx[n-2].typ == sqlparser.STRING {
		n -= 2
	}
	if n >= 3 && ctx[n-1].is('(') && ctx[n-2].kw("IN") && ctx[n-3].word() {
		return ctx[n-3].val
	}
	return ""
}

func quoted(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = "'" + v + "'"
	}
	return out
}

// matchWords returns the keywords that start with word, followed by a
// space, in lower case when word is typed in lower case.
func matchWords(word string, keywords ...string) []string {
	lower := word != "" && word == strings.ToLower(word)
	var out []string
	for _, k := range keywords {
		if hasPrefixFold(k, word) {
			if lower {
				k = strings.ToLower(k)
			}
			out = append(out, k+" ")
		}
	}
	return out
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
