package shell

import (
	"strings"

	"github.com/xwb1989/sqlparser"
)

// token is one token of the text the user typed, with where it lies in it.
type token struct {
	typ        int
	val        string // the Tokenizer's value: keywords lower-cased, strings unquoted
	start, end int    // text[start:end] is the token as typed
}

// scanned is text read by the same Tokenizer the engine reads statements
// with, so that the shell and the engine agree on where strings, comments and
// statements begin and end.
type scanned struct {
	toks []token // comments included
	// open is the first byte of a string (' or "), quoted name (`) or
	// comment (/) that the text leaves open at its end, at openAt; 0 if none.
	open   byte
	openAt int
	// broken is set when the Tokenizer gave up on the text (it panics on a
	// few malformed inputs): toks holds what came before.
	broken bool
}

func scan(text string) (s scanned) {
	tkn := sqlparser.NewStringTokenizer(text)
	prevEnd := 0
	defer func() {
		if recover() != nil {
			s.broken = true
		}
	}()
	for {
		start := skipBlank(text, prevEnd)
		typ, val := tkn.Scan()
		end := min(tkn.Position-1, len(text))
		switch {
		case typ == 0:
			return s
		case typ == sqlparser.LEX_ERROR && end >= len(text) && start < len(text) && strings.ContainsRune("'\"`/", rune(text[start])):
			s.open, s.openAt = text[start], start
			return s
		}
		s.toks = append(s.toks, token{typ: typ, val: string(val), start: start, end: end})
		if end <= prevEnd && end < len(text) {
			// The Tokenizer did not move: stop rather than loop.
			s.broken = true
			return s
		}
		prevEnd = end
	}
}

func skipBlank(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
		i++
	}
	return i
}

// code returns the tokens that are not comments.
func code(toks []token) []token {
	out := make([]token, 0, len(toks))
	for _, t := range toks {
		if t.typ != sqlparser.COMMENT {
			out = append(out, t)
		}
	}
	return out
}

func (t token) is(punct byte) bool { return t.typ == int(punct) }

// word reports whether the token is a name or a keyword (@params included).
func (t token) word() bool {
	switch t.typ {
	case sqlparser.STRING, sqlparser.COMMENT, sqlparser.LEX_ERROR:
		return false
	}
	return t.val != "" && (isLetter(t.val[0]) || t.val[0] == '@')
}

// kw reports whether the token is the word w, in any case.
func (t token) kw(w string) bool { return t.word() && strings.EqualFold(t.val, w) }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
