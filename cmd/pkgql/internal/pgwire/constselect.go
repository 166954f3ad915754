package pgwire

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/schema"
)

// Drivers and BI tools ask a few constant questions when they connect: where
// they are (SELECT current_database(), version()) and, in SQLAlchemy's case,
// what a string comes back as (SELECT CAST('test plain returns' AS
// VARCHAR(60))). The engine reads MySQL's SQL and knows neither Postgres'
// session functions nor its string types, so the server answers a SELECT
// without FROM whose every item is one of these.

// sessionFunctions are the functions of SELECT f(), ... that the server
// answers: the ones drivers and BI tools call to learn where they are.
var sessionFunctions = map[string]func(c *conn, arg string) any{
	"version": func(c *conn, _ string) any {
		v := c.srv.opts.Version
		if v == "" {
			v = "(devel)"
		}
		return "PostgreSQL " + serverVersion + " — pkgql " + v + ", SQL over GitHub Packages"
	},
	"current_database": func(c *conn, _ string) any { return c.database },
	"current_catalog":  func(c *conn, _ string) any { return c.database },
	"current_schema":   func(c *conn, _ string) any { return "public" },
	"current_user":     func(c *conn, _ string) any { return c.user },
	"session_user":     func(c *conn, _ string) any { return c.user },
	"user":             func(c *conn, _ string) any { return c.user },
	"pg_backend_pid":   func(c *conn, _ string) any { return int64(c.key) },
	"current_setting":  func(c *conn, arg string) any { return c.setting(arg) },
}

// keywordFunctions are called without parentheses in SQL.
var keywordFunctions = map[string]bool{"current_user": true, "session_user": true, "user": true, "current_catalog": true, "current_schema": true}

// stringTypes are the Postgres string types a literal may be CAST to, by the
// name Postgres gives the column of such a CAST.
var stringTypes = map[string]string{
	"varchar": "varchar", "text": "text", "char": "bpchar", "character": "bpchar", "bpchar": "bpchar",
}

// selectItem is one item of a constant SELECT.
type selectItem struct {
	name  string
	typ   schema.Type
	value func(c *conn) any
}

// constantSelect answers SELECT item [[AS] alias], ... with no FROM, where
// every item is a session function or a string literal CAST to a string
// type; anything else is the engine's. A session function beside anything
// else is refused here, since the engine would only call it an unknown
// column.
func constantSelect(toks []token) (*sessionStmt, error) {
	items := selectItems(toks[1:])
	if items == nil {
		return nil, sessionFunctionElsewhere(toks)
	}
	cols := make([]engine.Column, len(items))
	for i, it := range items {
		cols[i] = engine.Column{Name: it.name, Type: it.typ}
	}
	return &sessionStmt{cols: cols, exec: func(c *conn) ([][]any, string, error) {
		row := make([]any, len(items))
		for i, it := range items {
			row[i] = it.value(c)
		}
		return [][]any{row}, "SELECT 1", nil
	}}, nil
}

// selectItems reads the items of a constant SELECT, or returns nil when toks
// are not one.
func selectItems(toks []token) []selectItem {
	var items []selectItem
	i := 0
	for i < len(toks) {
		it, n := sessionFunctionItem(toks[i:])
		if n == 0 {
			it, n = castItem(toks[i:])
		}
		if n == 0 {
			return nil
		}
		i += n
		if i < len(toks) && word(toks[i]) == "as" {
			i++
		}
		if i < len(toks) && toks[i].typ != ',' {
			if toks[i].typ != sqlparser.ID && toks[i].typ != sqlparser.STRING {
				return nil
			}
			it.name = toks[i].val
			i++
		}
		items = append(items, it)
		if i < len(toks) {
			if toks[i].typ != ',' {
				return nil
			}
			i++
		}
	}
	return items
}

// sessionFunctionItem reads [pg_catalog.]f(), current_setting('name') or a
// keyword function, and says how many tokens it took (0: none of these).
func sessionFunctionItem(toks []token) (selectItem, int) {
	i := 0
	if len(toks) > 2 && word(toks[0]) == "pg_catalog" && toks[1].typ == '.' {
		i = 2
	}
	if i >= len(toks) {
		return selectItem{}, 0
	}
	name := word(toks[i])
	fn, ok := sessionFunctions[name]
	if !ok {
		return selectItem{}, 0
	}
	i++
	var arg string
	switch {
	case i+1 < len(toks) && toks[i].typ == '(' && toks[i+1].typ == ')':
		i += 2
	case name == "current_setting" && i+2 < len(toks) && toks[i].typ == '(' && toks[i+1].typ == sqlparser.STRING && toks[i+2].typ == ')':
		arg = toks[i+1].val
		i += 3
	case keywordFunctions[name]:
	default:
		return selectItem{}, 0
	}
	it := selectItem{name: name, typ: schema.String, value: func(c *conn) any { return fn(c, arg) }}
	if name == "pg_backend_pid" {
		it.typ = schema.Integer
	}
	return it, i
}

// castItem reads CAST('literal' AS type[(n)]) for a string type, and says how
// many tokens it took (0: not such a CAST). The value is what Postgres makes
// of it: varchar(n) cuts the literal to n characters, char(n) also pads it
// with blanks to n, and char alone is char(1).
func castItem(toks []token) (selectItem, int) {
	if len(toks) < 6 || word(toks[0]) != "cast" || toks[1].typ != '(' || toks[2].typ != sqlparser.STRING || word(toks[3]) != "as" {
		return selectItem{}, 0
	}
	lit := toks[2].val
	i := 4
	typ := word(toks[i])
	i++
	if (typ == "character" || typ == "char") && i < len(toks) && word(toks[i]) == "varying" {
		typ = "varchar"
		i++
	}
	colName, ok := stringTypes[typ]
	if !ok {
		return selectItem{}, 0
	}
	length := -1
	if colName == "bpchar" {
		length = 1
	}
	if i+2 < len(toks) && toks[i].typ == '(' && toks[i+1].typ == sqlparser.INTEGRAL && toks[i+2].typ == ')' && typ != "text" {
		n, err := strconv.Atoi(toks[i+1].val)
		if err != nil || n < 1 {
			return selectItem{}, 0
		}
		length = n
		i += 3
	}
	if i >= len(toks) || toks[i].typ != ')' {
		return selectItem{}, 0
	}
	if length >= 0 && utf8.RuneCountInString(lit) > length {
		lit = string([]rune(lit)[:length])
	}
	if colName == "bpchar" {
		lit += strings.Repeat(" ", length-utf8.RuneCountInString(lit))
	}
	return selectItem{name: colName, typ: schema.String, value: func(*conn) any { return lit }}, i + 1
}

// sessionFunctionElsewhere refuses a SELECT without FROM that calls a session
// function beside other expressions: the server answers session functions
// only in a SELECT of its own, and the engine does not know them.
func sessionFunctionElsewhere(toks []token) error {
	depth := 0
	for _, t := range toks {
		switch {
		case t.typ == '(':
			depth++
		case t.typ == ')':
			depth--
		case depth == 0 && word(t) == "from":
			return nil
		}
	}
	for i := 1; i < len(toks); i++ {
		t := toks[i]
		name := word(t)
		if _, ok := sessionFunctions[name]; !ok || word(toks[i-1]) == "as" {
			continue
		}
		call := i+1 < len(toks) && toks[i+1].typ == '('
		if !call && !keywordFunctions[name] {
			continue
		}
		if call {
			name += "()"
		}
		return &pgError{code: codeFeatureNotSupported, pos: t.start,
			msg:  fmt.Sprintf("session functions such as %s can only be selected on their own", name),
			hint: fmt.Sprintf("select it in a statement of its own: SELECT %s", name)}
	}
	return nil
}
