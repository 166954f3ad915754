package pgcatalog

import (
	"fmt"
	"strings"
)

// Catalog queries are Postgres' own SQL (psql's \d, PgJDBC's DatabaseMetaData,
// SQLAlchemy's inspector): casts with ::, OPERATOR(pg_catalog.~), E'' strings,
// ARRAY[...] and = ANY(...). The engine's reader is MySQL's; these queries are
// read here by Postgres' lexical rules and rewritten for SQLite token by token.

type tokKind int

const (
	tIdent  tokKind = iota // a bare word, lower-cased in val
	tQIdent                // a "quoted" identifier, val unquoted
	tString                // a string literal, val decoded
	tNumber
	tOp    // operator characters: + - * / < > = ~ ! @ # % ^ & | ` ?
	tPunct // ( ) , ; [ ] . :
	tParam // $n
)

type tok struct {
	kind tokKind
	val  string
	pos  int // byte offset in the query
}

func (t tok) is(word string) bool { return t.kind == tIdent && t.val == word }
func (t tok) p(s string) bool     { return (t.kind == tPunct || t.kind == tOp) && t.val == s }

const opChars = "+-*/<>=~!@#%^&|`?"

// lex reads a query by Postgres' lexical rules. Comments are dropped.
func lex(q string) ([]tok, error) {
	var out []tok
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(q[i:], "--"):
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case strings.HasPrefix(q[i:], "/*"):
			depth, j := 0, i
			for j < len(q) {
				if strings.HasPrefix(q[j:], "/*") {
					depth++
					j += 2
				} else if strings.HasPrefix(q[j:], "*/") {
					depth--
					j += 2
					if depth == 0 {
						break
					}
				} else {
					j++
				}
			}
			if depth != 0 {
				return nil, fmt.Errorf("unterminated comment at %d", i)
			}
			i = j
		case (c == 'E' || c == 'e') && i+1 < len(q) && q[i+1] == '\'':
			s, n, err := escapeString(q, i+1)
			if err != nil {
				return nil, err
			}
			out = append(out, tok{tString, s, i})
			i = n
		case c == '\'':
			s, n, err := plainString(q, i)
			if err != nil {
				return nil, err
			}
			out = append(out, tok{tString, s, i})
			i = n
		case c == '"':
			j := i + 1
			var b strings.Builder
			for {
				if j >= len(q) {
					return nil, fmt.Errorf("unterminated quoted identifier at %d", i)
				}
				if q[j] == '"' {
					if j+1 < len(q) && q[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(q[j])
				j++
			}
			out = append(out, tok{tQIdent, b.String(), i})
			i = j + 1
		case c == '$' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			out = append(out, tok{tParam, q[i:j], i})
			i = j
		case c == '$':
			// Dollar quoting: $tag$ ... $tag$.
			j := i + 1
			for j < len(q) && isIdentChar(q[j]) {
				j++
			}
			if j >= len(q) || q[j] != '$' {
				return nil, fmt.Errorf("unexpected $ at %d", i)
			}
			tag := q[i : j+1]
			end := strings.Index(q[j+1:], tag)
			if end < 0 {
				return nil, fmt.Errorf("unterminated dollar-quoted string at %d", i)
			}
			out = append(out, tok{tString, q[j+1 : j+1+end], i})
			i = j + 1 + end + len(tag)
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
			j := i
			for j < len(q) && (q[j] >= '0' && q[j] <= '9' || q[j] == '.' || q[j] == 'e' || q[j] == 'E' ||
				(q[j] == '-' || q[j] == '+') && (q[j-1] == 'e' || q[j-1] == 'E')) {
				j++
			}
			out = append(out, tok{tNumber, q[i:j], i})
			i = j
		case isIdentStart(c):
			j := i
			for j < len(q) && isIdentChar(q[j]) {
				j++
			}
			out = append(out, tok{tIdent, strings.ToLower(q[i:j]), i})
			i = j
		case c == ':' && i+1 < len(q) && q[i+1] == ':':
			out = append(out, tok{tPunct, "::", i})
			i += 2
		case strings.IndexByte("(),;[].:", c) >= 0:
			out = append(out, tok{tPunct, string(c), i})
			i++
		case strings.IndexByte(opChars, c) >= 0:
			j := i
			for j < len(q) && strings.IndexByte(opChars, q[j]) >= 0 && !strings.HasPrefix(q[j:], "--") && !strings.HasPrefix(q[j:], "/*") {
				j++
			}
			out = append(out, tok{tOp, q[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at %d", c, i)
		}
	}
	return out, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' }

func plainString(q string, i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for {
		if j >= len(q) {
			return "", 0, fmt.Errorf("unterminated string at %d", i)
		}
		if q[j] == '\'' {
			if j+1 < len(q) && q[j+1] == '\'' {
				b.WriteByte('\'')
				j += 2
				continue
			}
			return b.String(), j + 1, nil
		}
		b.WriteByte(q[j])
		j++
	}
}

// escapeString reads E'...' with backslash escapes, starting at its quote.
func escapeString(q string, i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for {
		if j >= len(q) {
			return "", 0, fmt.Errorf("unterminated string at %d", i)
		}
		switch q[j] {
		case '\'':
			if j+1 < len(q) && q[j+1] == '\'' {
				b.WriteByte('\'')
				j += 2
				continue
			}
			return b.String(), j + 1, nil
		case '\\':
			if j+1 >= len(q) {
				return "", 0, fmt.Errorf("unterminated string at %d", i)
			}
			switch e := q[j+1]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			default:
				b.WriteByte(e)
			}
			j += 2
		default:
			b.WriteByte(q[j])
			j++
		}
	}
}
