package pgwire

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/schema"
)

// SQLAlchemy asks what a string comes back as (SELECT CAST('test plain
// returns' AS VARCHAR(60))), and Postgres answers with the literal cut or
// padded to the length. The engine reads MySQL's SQL, which has no varchar
// or text type, so the server answers a SELECT without FROM whose every item
// is such a CAST. (Session functions such as version() and
// current_setting() are the catalog's: catalog.go.)

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
// every item is a string literal CAST to a string type; anything else is the
// engine's.
func constantSelect(toks []token) (*sessionStmt, error) {
	items := selectItems(toks[1:])
	if items == nil {
		return nil, nil
	}
	cols := make([]rowset.Column, len(items))
	for i, it := range items {
		cols[i] = rowset.Column{Name: it.name, Type: it.typ}
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
		it, n := castItem(toks[i:])
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
