package pgcatalog

import (
	"fmt"
	"strconv"
	"strings"
)

// translate rewrites a Postgres catalog query for the catalog's SQLite:
//
//	pg_catalog.x                       x (the catalog's tables and functions are SQLite's own)
//	OPERATOR(pg_catalog.~), ~, !~      REGEXP, NOT REGEXP (Go's regexp, which reads psql's patterns)
//	~~, ILIKE                          LIKE (SQLite's LIKE ignores ASCII case)
//	COLLATE name                       dropped
//	x::type                            CAST(x AS …) for text, integer and real types; reg* casts by name or oid
//	ARRAY[a, b], array(SELECT …)       JSON arrays, which array_to_string, = ANY and [i] read
//	x = ANY(arr), x <> ALL(arr)        x IN / NOT IN the array's values
//	unnest(a) t, generate_series(a, b) s(r) in FROM     subqueries SQLite can read
//	IS [NOT] DISTINCT FROM             IS NOT, IS
//	current_user, current_setting(…)   the session's values
//	FETCH FIRST n ROWS ONLY            LIMIT n
//
// Unnamed result columns are named as Postgres names them (a function's
// name, a cast's type, ?column?).
func translate(q string, sid int64) (out string, err error) {
	toks, err := lex(q)
	if err != nil {
		return "", &Error{Msg: err.Error(), Query: q}
	}
	if err := balanced(toks); err != nil {
		return "", err
	}
	defer func() {
		// The rewrite reads balanced brackets; anything it still cannot
		// read is an error of the query, not a crash of the server.
		if p := recover(); p != nil {
			out, err = "", &Error{Msg: fmt.Sprintf("the query cannot be read (%v)", p), Query: q}
		}
	}()
	toks = nameColumns(toks)
	toks = simple(toks, sid)
	toks, err = casts(toks, sid)
	if err != nil {
		return "", err
	}
	toks = arrays(toks)
	toks = fromFunctions(toks)
	toks = likeEscapes(toks)
	return render(toks), nil
}

// balanced checks that every ( and [ is closed, in order.
func balanced(ts []tok) error {
	var open []tok
	for _, t := range ts {
		if t.kind != tPunct {
			continue
		}
		switch t.val {
		case "(", "[":
			open = append(open, t)
		case ")", "]":
			want := "("
			if t.val == "]" {
				want = "["
			}
			if len(open) == 0 || open[len(open)-1].val != want {
				return &Error{Msg: fmt.Sprintf("unbalanced %s at %d", t.val, t.pos)}
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		t := open[len(open)-1]
		return &Error{Msg: fmt.Sprintf("%s at %d is not closed", t.val, t.pos)}
	}
	return nil
}

const tRaw tokKind = 100

func raw(s string) tok        { return tok{kind: tRaw, val: s} }
func ident(s string) tok      { return tok{kind: tIdent, val: s} }
func punct(s string) tok      { return tok{kind: tPunct, val: s} }
func number(n int64) tok      { return tok{kind: tNumber, val: strconv.FormatInt(n, 10)} }
func isOpenParen(t tok) bool  { return t.kind == tPunct && t.val == "(" }
func isCloseParen(t tok) bool { return t.kind == tPunct && t.val == ")" }
func nameTok(t tok) bool      { return t.kind == tIdent || t.kind == tQIdent }
func at(ts []tok, i int) tok {
	if i >= 0 && i < len(ts) {
		return ts[i]
	}
	return tok{kind: -1}
}

// keywords are the words before "(" that are not function names.
var keywords = map[string]bool{
	"in": true, "and": true, "or": true, "not": true, "when": true, "then": true, "else": true, "select": true,
	"from": true, "where": true, "on": true, "exists": true, "any": true, "all": true, "as": true, "by": true,
	"values": true, "case": true, "is": true, "like": true, "between": true, "distinct": true, "using": true,
	"join": true, "union": true, "except": true, "intersect": true, "over": true, "filter": true, "with": true,
	"regexp": true, "end": true,
}

// matching finds the index of the bracket closing the one at i.
func matching(ts []tok, i int) int {
	open, closeB := ts[i].val, ")"
	if open == "[" {
		closeB = "]"
	}
	depth := 0
	for j := i; j < len(ts); j++ {
		if ts[j].kind == tPunct && ts[j].val == open {
			depth++
		} else if ts[j].kind == tPunct && ts[j].val == closeB {
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(ts) - 1
}

// openingBefore finds the bracket that opens the one closing at i.
func openingBefore(ts []tok, i int) int {
	closeB, open := ts[i].val, "("
	if closeB == "]" {
		open = "["
	}
	depth := 0
	for j := i; j >= 0; j-- {
		if ts[j].kind == tPunct && ts[j].val == closeB {
			depth++
		} else if ts[j].kind == tPunct && ts[j].val == open {
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return 0
}

// operandStart finds where the primary expression ending just before end
// starts: a name (dotted), a literal, a call, a parenthesized expression, or
// any of these subscripted.
func operandStart(ts []tok, end int) int {
	i := end - 1
	if i < 0 {
		return 0
	}
	for {
		t := ts[i]
		switch {
		case t.kind == tPunct && (t.val == ")" || t.val == "]"):
			o := openingBefore(ts, i)
			if o > 0 && ts[o].val == "(" && ts[o-1].kind == tIdent && !keywords[ts[o-1].val] {
				o--
			} else if o > 0 && ts[o].val == "(" && ts[o-1].kind == tQIdent {
				o--
			} else if ts[o].val == "[" {
				// arr[i]: the array is the operand's start.
				if o > 0 {
					i = o - 1
					continue
				}
			}
			i = o
		}
		// A dotted name: a.b.c.
		for i >= 2 && ts[i-1].kind == tPunct && ts[i-1].val == "." && nameTok(ts[i-2]) {
			i -= 2
		}
		return i
	}
}

func simple(ts []tok, sid int64) []tok {
	sidTok := number(sid)
	var out []tok
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		switch {
		case (t.is("pg_catalog") || t.is("information_schema") && at(ts, i+2).kind == tIdent && at(ts, i+3).val == "(") && at(ts, i+1).p("."):
			i++
			continue
		case t.is("operator") && at(ts, i+1).p("("):
			j := matching(ts, i+1)
			op := ts[j-1]
			out = append(out, mapOp(op)...)
			i = j
			continue
		case t.is("collate") && nameTok(at(ts, i+1)):
			i++
			if at(ts, i+1).p(".") && nameTok(at(ts, i+2)) {
				i += 2
			}
			continue
		case t.kind == tOp:
			out = append(out, mapOp(t)...)
			continue
		case t.is("ilike"):
			out = append(out, ident("like"))
			continue
		case t.is("is") && at(ts, i+1).is("distinct") && at(ts, i+2).is("from"):
			out = append(out, ident("is"), ident("not"))
			i += 2
			continue
		case t.is("is") && at(ts, i+1).is("not") && at(ts, i+2).is("distinct") && at(ts, i+3).is("from"):
			out = append(out, ident("is"))
			i += 3
			continue
		case t.is("limit") && at(ts, i+1).is("all"):
			i++
			continue
		case t.is("fetch") && (at(ts, i+1).is("first") || at(ts, i+1).is("next")):
			j := i + 2
			n := tok{kind: tNumber, val: "1"}
			if at(ts, j).kind == tNumber {
				n = ts[j]
				j++
			}
			if (at(ts, j).is("rows") || at(ts, j).is("row")) && at(ts, j+1).is("only") {
				out = append(out, ident("limit"), n)
				i = j + 1
				continue
			}
		case t.is("json_build_object") && at(ts, i+1).p("("):
			out = append(out, ident("json_object"))
			continue
		case t.kind == tIdent && at(out, len(out)-1).is("as") && reservedAliases[t.val]:
			out = append(out, tok{kind: tQIdent, val: t.val})
			continue
		case t.is("string_agg") && at(ts, i+1).p("("):
			out = append(out, ident("group_concat"))
			continue
		case t.is("array_agg") && at(ts, i+1).p("("):
			out = append(out, ident("json_group_array"))
			continue
		case t.kind == tIdent && sessionFuncs[t.val] != nil && !strings.HasPrefix(t.val, "pkgql_") && !at(out, len(out)-1).p("."):
			if at(ts, i+1).p("(") {
				out = append(out, t, punct("("), sidTok)
				if !at(ts, i+2).p(")") {
					out = append(out, punct(","))
				}
				i++
				continue
			}
			if keywordFunctions[t.val] && !at(ts, i-1).is("as") {
				out = append(out, t, punct("("), sidTok, punct(")"))
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// reservedAliases are words SQLite reserves that Postgres takes as aliases.
var reservedAliases = map[string]bool{"default": true, "order": true, "group": true, "table": true, "check": true,
	"index": true, "references": true, "primary": true, "unique": true, "limit": true, "offset": true,
	"values": true, "to": true, "transaction": true, "natural": true, "full": true}

// keywordFunctions are called without parentheses.
var keywordFunctions = map[string]bool{"current_user": true, "session_user": true, "current_role": true, "user": true,
	"current_catalog": true, "current_schema": true}

func mapOp(t tok) []tok {
	switch t.val {
	case "~":
		return []tok{raw("REGEXP")}
	case "!~":
		return []tok{raw("NOT REGEXP")}
	case "~*":
		return []tok{raw("REGEXP")}
	case "!~*":
		return []tok{raw("NOT REGEXP")}
	case "~~", "~~*":
		return []tok{raw("LIKE")}
	case "!~~", "!~~*":
		return []tok{raw("NOT LIKE")}
	}
	return []tok{t}
}

// castType reads the type after "::" at i and says where it ends; arr is set
// for an array type.
func castType(ts []tok, i int) (name string, end int, arr bool) {
	j := i
	var parts []string
	for j < len(ts) && nameTok(ts[j]) {
		parts = append(parts, ts[j].val)
		j++
		if at(ts, j).p(".") && nameTok(at(ts, j+1)) {
			parts = nil
			j++
			continue
		}
		// Types spelled in several words.
		w := strings.Join(parts, " ")
		if w == "character" || w == "double" || w == "timestamp" || w == "time" || w == "timestamp with" ||
			w == "timestamp without" || w == "timestamp with time" || w == "timestamp without time" || w == "time with" || w == "time with time" {
			continue
		}
		break
	}
	name = strings.Join(parts, " ")
	if at(ts, j).p("(") {
		j = matching(ts, j) + 1
	}
	for at(ts, j).p("[") && at(ts, j+1).p("]") {
		arr = true
		j += 2
	}
	return name, j, arr
}

func casts(ts []tok, sid int64) ([]tok, error) {
	var out []tok
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if !(t.kind == tPunct && t.val == "::") {
			out = append(out, t)
			continue
		}
		name, end, arr := castType(ts, i+1)
		if name == "" {
			return nil, &Error{Msg: fmt.Sprintf("a type name must follow :: at %d", t.pos)}
		}
		start := operandStart(out, len(out))
		operand := append([]tok(nil), out[start:]...)
		out = out[:start]
		literal := len(operand) == 1 && operand[0].kind == tString
		var rep []tok
		call := func(fn string, args ...[]tok) []tok {
			r := []tok{ident(fn), punct("(")}
			for k, a := range args {
				if k > 0 {
					r = append(r, punct(","))
				}
				r = append(r, a...)
			}
			return append(r, punct(")"))
		}
		sidArg := []tok{number(sid)}
		switch {
		case arr:
			rep = operand
		case name == "regclass":
			if literal {
				rep = call("pkgql_regclass_in", sidArg, operand)
			} else {
				rep = call("pkgql_regclass_out", sidArg, operand)
			}
		case name == "regtype":
			if literal {
				rep = call("pkgql_regtype_in", operand)
			} else {
				rep = call("pkgql_regtype_out", operand)
			}
		case name == "regnamespace":
			rep = call("pkgql_regnamespace_out", sidArg, operand)
		case name == "regproc" || name == "regprocedure" || name == "regrole" || name == "regoper":
			rep = operand
		case textTypes[name] && len(operand) > 0 && operand[0].is("pkgql_regclass_in"):
			// 'name'::regclass::text is the table's name.
			rep = append([]tok{ident("pkgql_regclass_out"), punct("(")}, operand[2:]...)
		case textTypes[name]:
			rep = append(append([]tok{ident("cast"), punct("(")}, operand...), ident("as"), ident("text"), punct(")"))
		case intTypes[name]:
			rep = append(append([]tok{ident("cast"), punct("(")}, operand...), ident("as"), ident("integer"), punct(")"))
		case realTypes[name]:
			rep = append(append([]tok{ident("cast"), punct("(")}, operand...), ident("as"), ident("real"), punct(")"))
		case name == "bool" || name == "boolean":
			if literal {
				b, _ := strconv.ParseBool(strings.ToLower(operand[0].val))
				v := strings.ToLower(operand[0].val)
				if b || v == "t" || v == "on" || v == "yes" || v == "y" {
					rep = []tok{ident("true")}
				} else {
					rep = []tok{ident("false")}
				}
			} else {
				rep = operand
			}
		default:
			rep = operand
		}
		out = append(out, rep...)
		i = end - 1
	}
	return out, nil
}

var (
	textTypes = map[string]bool{"text": true, "varchar": true, "character varying": true, "name": true, "char": true,
		"bpchar": true, "character": true, "sql_identifier": true, "character_data": true, "yes_or_no": true, "unknown": true}
	intTypes = map[string]bool{"int": true, "int2": true, "int4": true, "int8": true, "integer": true, "bigint": true,
		"smallint": true, "oid": true, "cardinal_number": true, "xid": true, "int2vector": true}
	realTypes = map[string]bool{"float4": true, "float8": true, "real": true, "double precision": true, "numeric": true, "decimal": true}
)

// arrays rewrites ARRAY[…], array(SELECT …), = ANY(…), <> ALL(…) and a[i].
func arrays(ts []tok) []tok {
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		switch {
		case t.is("array") && at(ts, i+1).p("["):
			j := matching(ts, i+1)
			rep := append([]tok{ident("json_array"), punct("(")}, ts[i+2:j]...)
			rep = append(rep, punct(")"))
			ts = splice(ts, i, j+1, rep)
		case t.is("array") && at(ts, i+1).p("(") && at(ts, i+2).is("select"):
			j := matching(ts, i+1)
			inner := ts[i+3 : j]
			from := len(inner)
			depth := 0
			for k, x := range inner {
				if isOpenParen(x) {
					depth++
				} else if isCloseParen(x) {
					depth--
				} else if depth == 0 && (x.is("from") || x.is("order") && from == len(inner)) {
					from = k
					if x.is("from") {
						break
					}
				}
			}
			rep := []tok{punct("("), ident("select"), ident("json_group_array"), punct("(")}
			rep = append(rep, inner[:from]...)
			rep = append(rep, punct(")"))
			rep = append(rep, inner[from:]...)
			rep = append(rep, punct(")"))
			ts = splice(ts, i, j+1, rep)
		case (t.is("any") || t.is("some") || t.is("all")) && at(ts, i+1).p("(") && i > 0 && (ts[i-1].p("=") || ts[i-1].p("<>") || ts[i-1].p("!=")):
			j := matching(ts, i+1)
			neg := t.is("all")
			var rep []tok
			if neg {
				rep = []tok{ident("not")}
			}
			rep = append(rep, ident("in"), punct("("))
			if at(ts, i+2).is("select") {
				rep = append(rep, ts[i+2:j]...)
			} else {
				rep = append(rep, ident("select"), ident("value"), ident("from"), ident("json_each"), punct("("))
				rep = append(rep, ts[i+2:j]...)
				rep = append(rep, punct(")"))
			}
			rep = append(rep, punct(")"))
			ts = splice(ts, i-1, j+1, rep)
			i--
		case t.p(".") && i > 0 && isCloseParen(ts[i-1]) && nameTok(at(ts, i+1)) && !at(ts, i+2).p("("):
			// (composite).field
			o := openingBefore(ts, i-1)
			rep := append([]tok{ident("pkgql_field"), punct("(")}, ts[o:i]...)
			rep = append(rep, punct(","), tok{kind: tString, val: ts[i+1].val}, punct(")"))
			ts = splice(ts, o, i+2, rep)
			i = o
		case t.p("[") && i > 0 && (nameTok(ts[i-1]) || isCloseParen(ts[i-1])):
			j := matching(ts, i)
			start := operandStart(ts, i)
			rep := append([]tok{ident("pkgql_subscript"), punct("(")}, ts[start:i]...)
			rep = append(rep, punct(","))
			rep = append(rep, ts[i+1:j]...)
			rep = append(rep, punct(")"))
			ts = splice(ts, start, j+1, rep)
			i = start
		}
	}
	return ts
}

func splice(ts []tok, from, to int, rep []tok) []tok {
	out := make([]tok, 0, len(ts)-(to-from)+len(rep))
	out = append(out, ts[:from]...)
	out = append(out, rep...)
	return append(out, ts[to:]...)
}

// fromFunctions rewrites the set-returning functions of FROM clauses.
func fromFunctions(ts []tok) []tok {
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if t.kind != tIdent || keywords[t.val] || t.is("json_each") || t.is("pkgql_series") || !at(ts, i+1).p("(") || i == 0 {
			continue
		}
		prev := ts[i-1]
		if !(prev.is("from") || prev.is("join") || prev.p(",") && inFrom(ts, i)) {
			continue
		}
		j := matching(ts, i+1)
		args := ts[i+2 : j]
		k := j + 1
		alias, col := t.val, t.val
		if at(ts, k).is("as") {
			k++
		}
		if nameTok(at(ts, k)) && !keywords[at(ts, k).val] && !at(ts, k).is("where") && !at(ts, k).is("left") && !at(ts, k).is("inner") && !at(ts, k).is("order") {
			alias, col = ts[k].val, ts[k].val
			k++
			if at(ts, k).p("(") && nameTok(at(ts, k+1)) && at(ts, k+2).p(")") {
				col = ts[k+1].val
				k += 3
			}
		}
		var rep []tok
		switch {
		case !t.is("unnest") && !t.is("generate_series"):
			// A function of one value: a table of one row.
			rep = []tok{punct("("), ident("select")}
			rep = append(rep, ts[i:j+1]...)
			rep = append(rep, ident("as"), tok{kind: tQIdent, val: col}, punct(")"), tok{kind: tQIdent, val: alias})
		case t.is("unnest"):
			rep = []tok{punct("("), ident("select"), ident("value"), ident("as"), {kind: tQIdent, val: col},
				ident("from"), ident("json_each"), punct("(")}
			rep = append(rep, args...)
			rep = append(rep, punct(")"), punct(")"), tok{kind: tQIdent, val: alias})
		default:
			comma := 0
			depth := 0
			for n, a := range args {
				if isOpenParen(a) {
					depth++
				} else if isCloseParen(a) {
					depth--
				} else if depth == 0 && a.p(",") {
					comma = n
					break
				}
			}
			lo, hi := args[:comma], args[comma+1:]
			rep = []tok{punct("("), ident("with"), ident("recursive"), ident("pkgql_series"), punct("("), ident("v"), punct(")"),
				ident("as"), punct("("), ident("select")}
			rep = append(rep, lo...)
			rep = append(rep, ident("union"), ident("all"), ident("select"), ident("v"), tok{kind: tOp, val: "+"}, number(1),
				ident("from"), ident("pkgql_series"), ident("where"), ident("v"), tok{kind: tOp, val: "<"}, punct("("))
			rep = append(rep, hi...)
			rep = append(rep, punct(")"), punct(")"), ident("select"), ident("v"), ident("as"), tok{kind: tQIdent, val: col},
				ident("from"), ident("pkgql_series"), punct(")"), tok{kind: tQIdent, val: alias})
		}
		ts = splice(ts, i, k, rep)
	}
	return ts
}

// likeEscapes gives LIKE Postgres' default escape character, the
// backslash, which SQLite's LIKE has none of (PgJDBC escapes _ in names).
func likeEscapes(ts []tok) []tok {
	var out []tok
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		out = append(out, t)
		isLike := t.is("like") || t.kind == tRaw && strings.HasSuffix(t.val, "LIKE")
		if isLike && at(ts, i+1).kind == tString && !at(ts, i+2).is("escape") {
			out = append(out, ts[i+1], ident("escape"), tok{kind: tString, val: `\`})
			i++
		}
	}
	return out
}

// inFrom reports whether token i is in a FROM clause: the nearest FROM or
// SELECT before it at its depth is a FROM.
func inFrom(ts []tok, i int) bool {
	depth := 0
	for k := i - 1; k >= 0; k-- {
		switch {
		case isCloseParen(ts[k]):
			depth++
		case isOpenParen(ts[k]):
			if depth == 0 {
				return false
			}
			depth--
		case depth == 0 && ts[k].is("from"):
			return true
		case depth == 0 && (ts[k].is("select") || ts[k].is("where") || ts[k].is("on")):
			return false
		}
	}
	return false
}

// nameColumns names the unnamed items of the outermost select list as
// Postgres would, before the rewrite changes their form.
func nameColumns(ts []tok) []tok {
	if len(ts) == 0 || !ts[0].is("select") {
		return ts
	}
	i := 1
	if at(ts, i).is("distinct") {
		i++
	}
	var out []tok
	out = append(out, ts[:i]...)
	for i < len(ts) {
		start, depth := i, 0
		for i < len(ts) {
			x := ts[i]
			if isOpenParen(x) || x.p("[") {
				depth++
			} else if isCloseParen(x) || x.p("]") {
				depth--
			} else if depth == 0 && (x.p(",") || x.is("from") || x.is("where") || x.is("union") || x.is("order") ||
				x.is("limit") || x.is("group") || x.p(";")) {
				break
			}
			i++
		}
		item := ts[start:i]
		out = append(out, item...)
		if n := figureName(item); n != "" {
			out = append(out, ident("as"), tok{kind: tQIdent, val: n})
		}
		if i >= len(ts) || !ts[i].p(",") {
			break
		}
		out = append(out, ts[i])
		i++
	}
	return append(out, ts[i:]...)
}

// figureName is Postgres' FigureColname for an item without an alias, or ""
// when the item has one or SQLite names it the same (a column).
func figureName(item []tok) string {
	n := len(item)
	if n == 0 {
		return ""
	}
	if n >= 2 && nameTok(item[n-1]) && (item[n-2].is("as") || !item[n-2].p(".") && !item[n-2].p("::") && item[n-2].kind != tOp && !keywords[item[n-2].val] && (isCloseParen(item[n-2]) || nameTok(item[n-2]) || item[n-2].kind == tString || item[n-2].kind == tNumber)) {
		if !(item[n-1].kind == tIdent && (keywords[item[n-1].val] || item[n-1].val == "end")) {
			return "" // aliased
		}
	}
	if n == 1 && nameTok(item[0]) && !keywordFunctions[item[0].val] || n == 1 && item[0].p("*") {
		return ""
	}
	if n >= 3 && item[n-2].p(".") && (nameTok(item[n-1]) || item[n-1].p("*")) && operandStart(item, n) == 0 {
		return ""
	}
	return colname(item)
}

func colname(item []tok) string {
	n := len(item)
	if n == 0 {
		return "?column?"
	}
	// A cast: the name of its operand, else of its type.
	depth := 0
	for k := n - 1; k >= 0; k-- {
		if isCloseParen(item[k]) || item[k].p("]") {
			depth++
		} else if isOpenParen(item[k]) || item[k].p("[") {
			depth--
		} else if depth == 0 && item[k].p("::") {
			if name := colname(item[:k]); name != "?column?" && !isCast(item[:k]) {
				return name
			}
			tn, _, _ := castType(item, k+1)
			return castColumnName(tn)
		}
	}
	switch {
	case item[0].is("case"):
		return "case"
	case item[0].is("cast") && n > 1 && item[1].p("("):
		// CAST(x AS type): its type.
		j := matching(item, 1)
		for k := j - 1; k > 1; k-- {
			if item[k].is("as") {
				tn, _, _ := castType(item, k+1)
				return castColumnName(tn)
			}
		}
	case item[0].is("array"):
		return "array"
	case item[0].is("exists"):
		return "exists"
	case n == 1 && keywordFunctions[item[0].val]:
		return item[0].val
	}
	// A call, qualified or not: the function's name.
	k := 0
	for k+2 < n && nameTok(item[k]) && item[k+1].p(".") {
		k += 2
	}
	if k+1 < n && item[k].kind == tIdent && item[k+1].p("(") && matching(item, k+1) == n-1 {
		return item[k].val
	}
	if n == 1 && nameTok(item[0]) {
		return item[0].val
	}
	if n >= 3 && nameTok(item[n-1]) && item[n-2].p(".") {
		return item[n-1].val
	}
	return "?column?"
}

// isCast reports whether an expression is a cast, whose name a cast of it
// replaces.
func isCast(item []tok) bool {
	depth := 0
	for k := len(item) - 1; k >= 0; k-- {
		if isCloseParen(item[k]) || item[k].p("]") {
			depth++
		} else if isOpenParen(item[k]) || item[k].p("[") {
			depth--
		} else if depth == 0 && item[k].p("::") {
			return true
		}
	}
	return len(item) > 0 && item[0].is("cast")
}

func castColumnName(t string) string {
	switch t {
	case "int", "integer":
		return "int4"
	case "bigint":
		return "int8"
	case "smallint":
		return "int2"
	case "boolean":
		return "bool"
	case "varchar", "character varying":
		return "varchar"
	case "char", "character":
		return "bpchar"
	case "real":
		return "float4"
	case "double precision":
		return "float8"
	}
	return t
}

func render(ts []tok) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch t.kind {
		case tQIdent:
			b.WriteString(`"` + strings.ReplaceAll(t.val, `"`, `""`) + `"`)
		case tString:
			b.WriteString(`'` + strings.ReplaceAll(t.val, `'`, `''`) + `'`)
		default:
			b.WriteString(t.val)
		}
	}
	return b.String()
}

// mentions reports whether the query names a word, outside strings.
func mentions(q, word string) bool {
	toks, err := lex(q)
	if err != nil {
		return false
	}
	for _, t := range toks {
		if t.is(word) {
			return true
		}
	}
	return false
}

// Handles reports whether a query is the catalog's: it reads a table of
// pg_catalog or information_schema, or calls one of the catalog's
// functions, and names nothing else.
func Handles(q string) bool {
	toks, err := lex(q)
	if err != nil || len(toks) == 0 {
		return false
	}
	if !(toks[0].is("select") || toks[0].p("(") || toks[0].is("with")) {
		return false
	}
	hasFrom := false
	for i, t := range toks {
		if t.kind != tIdent {
			continue
		}
		if t.val == "from" {
			hasFrom = true
		}
		if (t.val == "pg_catalog" || t.val == "information_schema") && at(toks, i+1).p(".") {
			return true
		}
		prev := at(toks, i-1)
		if strings.HasPrefix(t.val, "pg_") && (prev.is("from") || prev.is("join") || at(toks, i+1).p("(")) {
			return true
		}
		if (prev.is("from") || prev.is("join")) && isCatalogTable(t.val) {
			return true
		}
		if at(toks, i+1).p("(") && (plainFuncs[t.val] != nil && t.val != "regexp" || sessionFuncs[t.val] != nil) {
			return true
		}
	}
	if !hasFrom {
		// A SELECT of constants in Postgres' dialect: casts, current_setting.
		for _, t := range toks {
			if t.p("::") || t.kind == tIdent && keywordFunctions[t.val] {
				return true
			}
		}
	}
	return false
}

func isCatalogTable(name string) bool {
	for _, t := range tables {
		if t.name == name && t.schema == "pg_catalog" {
			return true
		}
	}
	return false
}
