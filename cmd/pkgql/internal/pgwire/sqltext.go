package pgwire

import (
	"strings"

	"github.com/xwb1989/sqlparser"
)

// The server reads query text with the engine's own tokenizer (xwb1989/sqlparser),
// so that quotes, escapes and comments are understood exactly as the engine will
// understand them: a ';' or a '$1' inside a string literal is never cut or
// replaced.

// piece is one statement of a query string.
type piece struct {
	text  string
	start int // byte offset of text in the query string
}

// token is one token of a statement, with its byte offsets.
type token struct {
	typ        int
	val        string
	start, end int
}

// scan returns the tokens of text, comments dropped. The offsets are exact
// for the tokens the server looks at by position: words, numbers and one-byte
// tokens. A lexical error is one more token: the engine reports it.
func scan(text string) []token {
	tkn := sqlparser.NewStringTokenizer(text)
	var out []token
	prev := -1
	for {
		typ, val := tkn.Scan()
		// After Scan the tokenizer looks at the byte after the token; Position
		// counts that byte 1-based.
		end := min(tkn.Position-1, len(text))
		if typ == 0 {
			return out
		}
		// Tokens of a MySQL "/*! ... */" comment come from a tokenizer of their
		// own and do not move Position: they have no offset here, and the
		// engine reads them.
		if typ == sqlparser.COMMENT || end <= prev {
			continue
		}
		prev = end
		start := end - 1
		if len(val) > 0 && len(val) <= end {
			start = end - len(val)
		}
		out = append(out, token{typ: typ, val: string(val), start: start, end: end})
	}
}

// splitStatements cuts a query string at its top-level semicolons. Pieces that
// hold nothing but blanks and comments are left out, so "" and "-- ping" have
// no statement at all.
func splitStatements(query string) []piece {
	var out []piece
	start, seen := 0, false
	for _, t := range scan(query) {
		if t.typ == ';' {
			if seen {
				out = append(out, piece{text: query[start:t.start], start: start})
			}
			start, seen = t.end, false
			continue
		}
		seen = true
	}
	if seen {
		out = append(out, piece{text: query[start:], start: start})
	}
	return out
}

// paramRef is one $n placeholder in a statement.
type paramRef struct {
	n          int // 1-based
	start, end int
}

// findParams returns the $n placeholders of a statement, in order. The
// tokenizer has no '$': it reads "$" as a one-byte lexical error, so a
// placeholder is that byte followed at once by an integer.
func findParams(text string) []paramRef {
	toks := scan(text)
	var out []paramRef
	for i := 0; i+1 < len(toks); i++ {
		d, num := toks[i], toks[i+1]
		if d.typ != sqlparser.LEX_ERROR || d.val != "$" || num.typ != sqlparser.INTEGRAL || num.start != d.end {
			continue
		}
		n := 0
		for _, c := range num.val {
			n = n*10 + int(c-'0')
			if n > maxParams {
				n = maxParams + 1
				break
			}
		}
		out = append(out, paramRef{n: n, start: d.start, end: num.end})
		i++
	}
	return out
}

// maxParams is the most parameters one statement may have, as in Postgres.
const maxParams = 65535

// substitution is a statement with its placeholders replaced by literals, and
// the map back from its offsets to the client's text, so that an error's
// position points at what the client wrote.
type substitution struct {
	text  string
	spans []span
}

type span struct {
	origStart, origEnd int
	newStart, newEnd   int
}

// substitute replaces every placeholder by literals[n-1].
func substitute(text string, refs []paramRef, literals []string) substitution {
	if len(refs) == 0 {
		return substitution{text: text}
	}
	var b strings.Builder
	var spans []span
	last := 0
	for _, r := range refs {
		b.WriteString(text[last:r.start])
		s := span{origStart: r.start, origEnd: r.end, newStart: b.Len()}
		b.WriteString(literals[r.n-1])
		s.newEnd = b.Len()
		spans = append(spans, s)
		last = r.end
	}
	b.WriteString(text[last:])
	return substitution{text: b.String(), spans: spans}
}

// origOffset maps a byte offset in the substituted text to the client's text.
// An offset inside a literal points at its placeholder.
func (s substitution) origOffset(off int) int {
	shift := 0
	for _, sp := range s.spans {
		if off < sp.newStart {
			break
		}
		if off < sp.newEnd {
			return sp.origStart
		}
		shift = sp.origEnd - sp.newEnd
	}
	return off + shift
}
