package output

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
)

// textSink writes tab-separated lines for scripts (cut, awk, while read):
// a header line unless NoHeaders, NULL as NULL, and tab, newline, carriage
// return and backslash escaped as \t \n \r \\ so that every row is one line.
type textSink struct {
	opts  Options
	s     *stream
	w     *bufio.Writer
	ncols int
}

var textEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)

func newTextSink(opts Options) *textSink { return &textSink{opts: opts, s: newStream(opts.Out)} }

func (t *textSink) Begin(cols []rowset.Column) error {
	if err := t.s.begin(); err != nil {
		return err
	}
	t.w = bufio.NewWriterSize(&t.s.out, 64<<10)
	t.ncols = len(cols)
	if t.opts.NoHeaders {
		return nil
	}
	for i, c := range cols {
		if i > 0 {
			t.w.WriteByte('\t')
		}
		textEscaper.WriteString(t.w, c.Name)
	}
	return t.w.WriteByte('\n')
}

func (t *textSink) Row(values []any) error {
	if len(values) != t.ncols {
		return fmt.Errorf("output: a row has %d values for %d columns", len(values), t.ncols)
	}
	for i, v := range values {
		s, err := cell(v, nullText)
		if err != nil {
			return err
		}
		if i > 0 {
			t.w.WriteByte('\t')
		}
		if _, err := textEscaper.WriteString(t.w, s); err != nil {
			return err
		}
	}
	return t.w.WriteByte('\n')
}

func (t *textSink) End(summary string) error {
	if err := t.w.Flush(); err != nil {
		return err
	}
	t.s.end()
	return writeSummary(t.opts, summary)
}
