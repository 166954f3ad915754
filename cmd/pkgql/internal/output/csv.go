package output

import (
	"encoding/csv"
	"fmt"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
)

// csvSink writes RFC 4180 CSV (encoding/csv): a header row unless NoHeaders,
// NULL as an empty field, object fields as JSON text. Several result sets
// follow one another, each with its own header row.
type csvSink struct {
	opts   Options
	s      *stream
	w      *csv.Writer
	ncols  int
	record []string
}

func newCSVSink(opts Options) *csvSink { return &csvSink{opts: opts, s: newStream(opts.Out)} }

func (c *csvSink) Begin(cols []rowset.Column) error {
	if err := c.s.begin(); err != nil {
		return err
	}
	c.w = csv.NewWriter(&c.s.out)
	c.ncols = len(cols)
	if c.opts.NoHeaders {
		return nil
	}
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = col.Name
	}
	return c.w.Write(header)
}

func (c *csvSink) Row(values []any) error {
	if len(values) != c.ncols {
		return fmt.Errorf("output: a row has %d values for %d columns", len(values), c.ncols)
	}
	c.record = c.record[:0]
	for _, v := range values {
		s, err := cell(v, "")
		if err != nil {
			return err
		}
		c.record = append(c.record, s)
	}
	return c.w.Write(c.record)
}

func (c *csvSink) End(summary string) error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	c.s.end()
	return writeSummary(c.opts, summary)
}
