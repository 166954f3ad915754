package engine

import (
	"strings"

	"github.com/xwb1989/sqlparser"
)

// Postgres forms that MySQL's grammar lacks and SQLite spells otherwise are
// rewritten token by token before either reads the statement: x::type,
// FETCH FIRST n ROWS ONLY, and (for the parser) IS NOT DISTINCT FROM.

// tokCast is the token of "::", which the Tokenizer reads as an error.
const tokCast = -2

// castSpelling is what x::type becomes for the parser (MySQL's CAST types)
// and for SQLite: text before and after the operand.
type castSpelling struct{ before, after string }

// castFor maps a Postgres type name to its spelling; ok is false for a type
// with none.
func castFor(typ string, forSQLite bool) (castSpelling, bool) {
	switch typ {
	case "int", "integer", "int2", "int4", "int8", "bigint", "smallint":
		if forSQLite {
			return castSpelling{"CAST(", " AS INTEGER)"}, true
		}
		return castSpelling{"CAST(", " AS SIGNED)"}, true
	case "text", "varchar", "character varying", "char", "character", "name":
		if forSQLite {
			return castSpelling{"CAST(", " AS TEXT)"}, true
		}
		return castSpelling{"CAST(", " AS CHAR)"}, true
	case "real", "float", "float4", "float8", "double precision", "numeric", "decimal":
		if forSQLite {
			return castSpelling{"CAST(", " AS REAL)"}, true
		}
		return castSpelling{"((", ") * 1.0)"}, true
	case "timestamptz", "timestamp", "timestamp with time zone", "timestamp without time zone":
		if forSQLite {
			return castSpelling{"strftime('" + timeFormat + "', ", ")"}, true
		}
		return castSpelling{"datetime(", ")"}, true
	case "date":
		return castSpelling{"date(", ")"}, true
	case "json", "jsonb":
		return castSpelling{"json(", ")"}, true
	}
	return castSpelling{}, false
}

// rewriteEdit is one change to a statement's text: tokens [first, last]
// replaced by text, or — with last < first — text put before token first.
type rewriteEdit struct {
	first, last int
	text        string
}

// pgEdits finds the edits for x::type and FETCH FIRST in the statement's
// tokens.
func (r *statementReader) pgEdits(forSQLite bool) ([]rewriteEdit, error) {
	var edits []rewriteEdit
	toks := r.toks
	for i, t := range toks {
		switch {
		case t.typ == tokCast:
			s := r.operandStart(i)
			if s < 0 {
				return nil, r.errorAt(t.start, "write CAST(x AS type)", ":: needs a value before it")
			}
			typ, end := r.castType(i + 1)
			spell, ok := castFor(typ, forSQLite)
			if !ok {
				at := t.start
				if i+1 < len(toks) {
					at = toks[i+1].start
				}
				return nil, r.errorAt(at, "the types are integer, bigint, text, varchar, real, numeric, timestamptz, date and jsonb",
					"::%s is not supported", typ)
			}
			edits = append(edits, rewriteEdit{first: s, last: s - 1, text: spell.before}, rewriteEdit{first: i, last: end - 1, text: spell.after})
		case !forSQLite && t.word("is") && i+3 < len(toks) && toks[i+1].word("not") && toks[i+2].word("distinct") && toks[i+3].word("from"):
			edits = append(edits, rewriteEdit{first: i, last: i + 3, text: "<=>"})
		case !forSQLite && t.word("is") && i+2 < len(toks) && toks[i+1].word("distinct") && toks[i+2].word("from"):
			return nil, r.errorAt(t.start, "write NOT (a <=> b), or a IS NOT DISTINCT FROM b for the opposite", "IS DISTINCT FROM is not read here")
		case t.word("fetch"):
			// [OFFSET m ROW[S]] FETCH FIRST|NEXT n ROW[S] ONLY
			if i+4 >= len(toks) || !(toks[i+1].word("first") || toks[i+1].word("next")) || toks[i+2].typ != sqlparser.INTEGRAL ||
				!(toks[i+3].word("rows") || toks[i+3].word("row")) || !toks[i+4].word("only") {
				return nil, r.errorAt(t.start, "write FETCH FIRST n ROWS ONLY, or LIMIT n", "this FETCH is not read")
			}
			first, text := i, "LIMIT "+toks[i+2].val
			if i >= 3 && toks[i-3].word("offset") && toks[i-2].typ == sqlparser.INTEGRAL && (toks[i-1].word("rows") || toks[i-1].word("row")) {
				first, text = i-3, text+" OFFSET "+toks[i-2].val
			}
			edits = append(edits, rewriteEdit{first: first, last: i + 4, text: text})
		}
	}
	return edits, nil
}

// applyEdits applies the edits at token i: the insertions before it, then a
// replacement starting at it, if any, whose last token it returns.
func applyEdits(edits []rewriteEdit, i int, insert func(string), replace func(last int, text string)) (int, bool) {
	for _, e := range edits {
		if e.first == i && e.last < e.first {
			insert(e.text)
		}
	}
	for _, e := range edits {
		if e.first == i && e.last >= e.first {
			replace(e.last, e.text)
			return e.last, true
		}
	}
	return i, false
}

// operandStart is the first token of the value a :: at token i casts: a
// literal, a dotted name, a parenthesized expression or a function call.
func (r *statementReader) operandStart(i int) int {
	j := i - 1
	if j < 0 {
		return -1
	}
	t := r.toks[j]
	switch {
	case t.punct(')'):
		depth := 0
		for ; j >= 0; j-- {
			if r.toks[j].punct(')') {
				depth++
			} else if r.toks[j].punct('(') {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if j < 0 {
			return -1
		}
		if j > 0 && r.toks[j-1].word("over") {
			// f(…) OVER (…): the window function call as a whole.
			return r.operandStart(j - 1)
		}
		if j > 0 && r.toks[j-1].isName() {
			j--
		}
	case t.isName() && (t.typ == sqlparser.ID || !operatorWords[strings.ToLower(t.val)]):
	case t.typ == sqlparser.STRING || t.typ == sqlparser.INTEGRAL || t.typ == sqlparser.FLOAT || t.typ == sqlparser.NULL:
		return j
	default:
		return -1
	}
	for j >= 2 && r.toks[j-1].punct('.') && r.toks[j-2].isName() {
		j -= 2
	}
	return j
}

// castType reads the type name after ::, of one or more words, and returns
// it in lower case with the index after it.
func (r *statementReader) castType(i int) (string, int) {
	var words []string
	for i < len(r.toks) && r.toks[i].isName() && r.toks[i].quote == 0 {
		w := strings.ToLower(r.toks[i].val)
		if len(words) > 0 && !multiWordType(strings.Join(words, " ")+" "+w) {
			break
		}
		words = append(words, w)
		i++
	}
	return strings.Join(words, " "), i
}

// operatorWords are keywords that cannot end a value.
var operatorWords = map[string]bool{"select": true, "where": true, "and": true, "or": true, "not": true, "by": true,
	"on": true, "when": true, "then": true, "else": true, "case": true, "in": true, "is": true, "like": true,
	"between": true, "from": true, "as": true, "distinct": true, "having": true, "limit": true, "offset": true}

func multiWordType(prefix string) bool {
	for _, t := range []string{"double precision", "character varying", "timestamp with time zone", "timestamp without time zone"} {
		if strings.HasPrefix(t, prefix) {
			return true
		}
	}
	return false
}
