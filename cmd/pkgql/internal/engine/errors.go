package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
)

// Error is a statement that cannot be read, checked or run. It says where
// (line and column in the script, both from 1; 0 when the error has no place
// of its own), which statement (its index in the script, from 0), what went
// wrong and, when there is one, what the user probably meant.
//
// A provider's error travels inside it unchanged: errors.As finds the
// *provider.Error with the API's status and message.
type Error struct {
	Line, Column int
	Statement    int
	Message      string
	Hint         string
	Err          error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	b.WriteString(e.Message)
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Place and Parts make an Error a rowset.PlacedError.
func (e *Error) Place() (line, column int)     { return e.Line, e.Column }
func (e *Error) Parts() (message, hint string) { return e.Message, e.Hint }

var _ rowset.PlacedError = (*Error)(nil)

// source is a script with the offsets its lines start at, so that a byte
// offset becomes a line and a column a person can find.
type source struct {
	text  string
	lines []int
}

func newSource(text string) *source {
	s := &source{text: text, lines: []int{0}}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			s.lines = append(s.lines, i+1)
		}
	}
	return s
}

// position turns a byte offset into a line and a column counted in
// characters, both from 1.
func (s *source) position(offset int) (line, col int) {
	offset = max(0, min(offset, len(s.text)))
	i, found := slices.BinarySearch(s.lines, offset)
	if !found {
		i--
	}
	start := s.lines[i]
	return i + 1, utf8.RuneCountInString(s.text[start:offset]) + 1
}

// errorAt builds an Error placed at a byte offset of the script.
func (s *source) errorAt(offset, stmt int, hint, format string, args ...any) *Error {
	line, col := s.position(offset)
	return &Error{Line: line, Column: col, Statement: stmt, Message: fmt.Sprintf(format, args...), Hint: hint}
}

// suggest returns the candidate closest to name, or "" when none is close
// enough to be what the user meant.
func suggest(name string, candidates []string) string {
	best, bestDist := "", 0
	lname := strings.ToLower(name)
	for _, c := range candidates {
		d := levenshtein.ComputeDistance(lname, strings.ToLower(c))
		if best == "" || d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" && bestDist <= max(2, utf8.RuneCountInString(name)/3) {
		return best
	}
	// A name cut short (@user for @username) is far by distance, close by
	// intent: suggest the one candidate it begins.
	var prefixed []string
	for _, c := range candidates {
		if len(lname) >= 3 && strings.HasPrefix(strings.ToLower(c), lname) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

// didYouMean is the hint for an unknown name.
func didYouMean(name string, candidates []string) string {
	if s := suggest(name, candidates); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return ""
}

// wrap places err at the start of the statement it came from, unless it
// already has a place. A provider's error keeps its own words and stays
// reachable with errors.As.
func (st *Statement) wrap(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Line == 0 {
			out := *e
			out.Line, out.Column = st.src.position(st.offset)
			out.Statement = st.index
			return &out
		}
		return err
	}
	out := st.src.errorAt(st.offset, st.index, "", "%s", cleanSQLiteMessage(err.Error()))
	if msg, hint, ok := tooBig(err); ok {
		out.Message, out.Hint = msg, hint
	}
	out.Err = err
	if pe, ok := provider.AsError(err); ok {
		out.Message = pe.Error()
	}
	return out
}

// cleanSQLiteMessage drops the driver's wrapping ("SQL logic error: … (1)")
// around SQLite's own message, which is the part a user can act on.
func cleanSQLiteMessage(msg string) string {
	for _, prefix := range []string{"SQL logic error: ", "sqlite: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	if i := strings.LastIndex(msg, " ("); i > 0 && strings.HasSuffix(msg, ")") {
		if code := msg[i+2 : len(msg)-1]; code != "" && strings.Trim(code, "0123456789") == "" {
			msg = msg[:i]
		}
	}
	return msg
}

// joinList writes names as "a, b and c".
func joinList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
