package pgwire

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query string
		want  []string
	}{
		{"", nil},
		{"  ", nil},
		{"-- ping", nil},
		{"/* nothing */ ;; ;", nil},
		{"SELECT 1", []string{"SELECT 1"}},
		{"SELECT 1;", []string{"SELECT 1"}},
		{"SET a = 1; SELECT 2 ;SHOW a", []string{"SET a = 1", " SELECT 2 ", "SHOW a"}},
		{"SELECT 'a;b'; SELECT \"c;d\"", []string{"SELECT 'a;b'", " SELECT \"c;d\""}},
		{"SELECT 1 -- a; comment\n; SELECT 2", []string{"SELECT 1 -- a; comment\n", " SELECT 2"}},
		{"SELECT 'it''s;'; BEGIN", []string{"SELECT 'it''s;'", " BEGIN"}},
		{"SELECT 'unterminated; SELECT 2", []string{"SELECT 'unterminated; SELECT 2"}},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range splitStatements(tt.query) {
			got = append(got, p.text)
			if tt.query[p.start:p.start+len(p.text)] != p.text {
				t.Errorf("%q: piece %q does not start at %d", tt.query, p.text, p.start)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("splitStatements(%q) = %q, want %q", tt.query, got, tt.want)
		}
	}
}

func TestSubstituteParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text     string
		literals []string
		want     string
	}{
		{"SELECT 1", nil, "SELECT 1"},
		{"SELECT * FROM t WHERE a = $1", []string{"'x'"}, "SELECT * FROM t WHERE a = 'x'"},
		{"SELECT $2, $1, $2", []string{"1", "'b'"}, "SELECT 'b', 1, 'b'"},
		// Not placeholders: inside strings, quoted names and comments, or not followed by a number.
		{"SELECT '$1', \"$1\", `$1` /* $1 */ -- $1\n, $1", []string{"7"}, "SELECT '$1', \"$1\", `$1` /* $1 */ -- $1\n, 7"},
		{"SELECT $ 1, $1", []string{"9"}, "SELECT $ 1, 9"},
		{"SELECT $10", []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "'ten'"}, "SELECT 'ten'"},
	}
	for _, tt := range tests {
		got := substitute(tt.text, findParams(tt.text), tt.literals)
		if got.text != tt.want {
			t.Errorf("substitute(%q) = %q, want %q", tt.text, got.text, tt.want)
		}
	}
}

func TestOrigOffsetPointsAtTheClientsText(t *testing.T) {
	t.Parallel()
	text := "SELECT x FROM t WHERE a = $1 AND bogus = $2"
	sub := substitute(text, findParams(text), []string{"'a long value'", "2"})
	for _, word := range []string{"SELECT", "bogus", "AND"} {
		if got, want := sub.origOffset(strings.Index(sub.text, word)), strings.Index(text, word); got != want {
			t.Errorf("%s: origOffset = %d, want %d", word, got, want)
		}
	}
	// Inside a literal: its placeholder.
	if got, want := sub.origOffset(strings.Index(sub.text, "long")), strings.Index(text, "$1"); got != want {
		t.Errorf("inside the literal: origOffset = %d, want %d", got, want)
	}
}

func TestParamLiteral(t *testing.T) {
	t.Parallel()
	tests := []struct {
		oid    uint32
		format int16
		raw    []byte
		want   string
		code   string
	}{
		{0, 0, nil, "NULL", ""},
		{0, 0, []byte("octocat"), "'octocat'", ""},
		{oidText, 0, []byte("it's"), `'it''s'`, ""},
		{0, 0, []byte(`a\'; DELETE`), `('a' || char(92) || '''; DELETE')`, ""},
		{oidInt8, 0, []byte("42"), "42", ""},
		{oidInt4, 0, []byte("-3"), "(-3)", ""},
		{oidInt8, 0, []byte("4x"), "", codeInvalidTextRepresentation},
		{oidFloat8, 0, []byte("1.5"), "1.5", ""},
		{oidFloat8, 0, []byte("NaN"), "", codeInvalidTextRepresentation},
		{oidBool, 0, []byte("t"), "TRUE", ""},
		{oidBool, 0, []byte("maybe"), "", codeInvalidTextRepresentation},
		{oidInt8, 1, []byte{0, 0, 0, 0, 0, 0, 0, 7}, "7", ""},
		{oidInt4, 1, []byte{0xff, 0xff, 0xff, 0xfe}, "(-2)", ""},
		{oidBool, 1, []byte{1}, "TRUE", ""},
		{oidText, 1, []byte("npm"), "'npm'", ""},
		{oidJSONB, 1, []byte("\x01{}"), "'{}'", ""},
		{oidInt8, 1, []byte{1, 2}, "", codeInvalidBinary},
		{0, 1, []byte("x"), "", codeInvalidBinary},
		{0, 0, []byte{0xff, 0xfe}, "", codeCharacterNotInRepertoire},
		{0, 2, []byte("x"), "", codeProtocolViolation},
	}
	for _, tt := range tests {
		got, err := paramLiteral(1, tt.oid, tt.format, tt.raw)
		var pe *pgError
		switch {
		case tt.code == "" && err != nil:
			t.Errorf("paramLiteral(%d, %d, %q): %v", tt.oid, tt.format, tt.raw, err)
		case tt.code != "" && (!errors.As(err, &pe) || pe.code != tt.code):
			t.Errorf("paramLiteral(%d, %d, %q) = %q, %v; want SQLSTATE %s", tt.oid, tt.format, tt.raw, got, err, tt.code)
		case got != tt.want:
			t.Errorf("paramLiteral(%d, %d, %q) = %q, want %q", tt.oid, tt.format, tt.raw, got, tt.want)
		}
	}
}

func TestLineColumn(t *testing.T) {
	t.Parallel()
	text := "SELECT 'é'\n  FROM x\nWHERE bogus"
	tests := []struct{ line, col, want int }{
		{1, 1, 0},
		{1, 9, strings.Index(text, "é")},
		{1, 10, strings.Index(text, "é") + 2},
		{2, 3, strings.Index(text, "FROM")},
		{3, 7, strings.Index(text, "bogus")},
		{9, 1, len(text)},
	}
	for _, tt := range tests {
		if got := lineColumn(text, tt.line, tt.col); got != tt.want {
			t.Errorf("lineColumn(%d, %d) = %d, want %d", tt.line, tt.col, got, tt.want)
		}
	}
}
