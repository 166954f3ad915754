package output

import (
	"bufio"
	"fmt"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
)

// jsonSink writes each result set as one JSON array of objects on one line,
// keys in column order. Rows stream out as they come: nothing is held but the
// current row.
type jsonSink struct {
	opts Options
	s    *stream
	w    *bufio.Writer
	keys [][]byte // each column name, quoted, with its colon
	rows int
	line []byte
}

func newJSONSink(opts Options) *jsonSink { return &jsonSink{opts: opts, s: newStream(opts.Out)} }

func (j *jsonSink) Begin(cols []rowset.Column) error {
	if err := j.s.begin(); err != nil {
		return err
	}
	j.w = bufio.NewWriterSize(&j.s.out, 64<<10)
	j.keys = j.keys[:0]
	for _, name := range uniqueKeys(cols) {
		j.keys = append(j.keys, append(appendJSONString(nil, name), ':'))
	}
	j.rows = 0
	_, err := j.w.WriteString("[")
	return err
}

func (j *jsonSink) Row(values []any) error {
	if len(values) != len(j.keys) {
		return fmt.Errorf("output: a row has %d values for %d columns", len(values), len(j.keys))
	}
	b := j.line[:0]
	if j.rows > 0 {
		b = append(b, ',')
	}
	b = append(b, '{')
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, j.keys[i]...)
		var err error
		if b, err = appendJSON(b, v); err != nil {
			return fmt.Errorf("column %s: %w", j.keys[i][:len(j.keys[i])-1], err)
		}
	}
	b = append(b, '}')
	j.line = b
	j.rows++
	_, err := j.w.Write(b)
	return err
}

func (j *jsonSink) End(summary string) error {
	if _, err := j.w.WriteString("]\n"); err != nil {
		return err
	}
	if err := j.w.Flush(); err != nil {
		return err
	}
	j.s.end()
	return writeSummary(j.opts, summary)
}

// uniqueKeys names the columns for JSON objects, where a key may appear once
// (RFC 8259 leaves duplicates to each reader, and most keep only the last):
// a name that repeats an earlier one gets _2, _3, … — the first free one, so
// SELECT 1 AS a, 2 AS a gives {"a":1,"a_2":2}.
func uniqueKeys(cols []rowset.Column) []string {
	taken := make(map[string]bool, len(cols))
	for _, c := range cols {
		taken[c.Name] = true
	}
	seen := make(map[string]bool, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		name := c.Name
		if seen[name] {
			for n := 2; ; n++ {
				if cand := fmt.Sprintf("%s_%d", c.Name, n); !taken[cand] {
					name = cand
					break
				}
			}
			taken[name] = true
		}
		seen[name] = true
		names[i] = name
	}
	return names
}
