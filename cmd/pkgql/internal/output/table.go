package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/schema"
)

// tableSink renders each result set with go-pretty, as a boxed table or as a
// Markdown table. Column widths depend on every row, so rows are held until
// End. Numeric columns are right-aligned; on a terminal (Width > 0) the widest
// columns are cut with "…" until a row fits.
type tableSink struct {
	opts    Options
	cols    []rowset.Column
	numeric []bool
	rows    [][]string
	sets    int
}

func newTableSink(opts Options) *tableSink { return &tableSink{opts: opts} }

func (t *tableSink) Begin(cols []rowset.Column) error {
	t.cols = cols
	t.rows = t.rows[:0]
	t.numeric = make([]bool, len(cols))
	for i, c := range cols {
		// A computed column has no declared type: its values decide.
		t.numeric[i] = c.Type == schema.Integer || c.Type == schema.Number || c.Type == ""
	}
	return nil
}

func (t *tableSink) Row(values []any) error {
	if len(values) != len(t.cols) {
		return fmt.Errorf("output: a row has %d values for %d columns", len(values), len(t.cols))
	}
	row := make([]string, len(values))
	for i, v := range values {
		s, err := cell(v, nullText)
		if err != nil {
			return err
		}
		switch v.(type) {
		case nil, int64, float64:
		default:
			t.numeric[i] = false
		}
		row[i] = s
	}
	t.rows = append(t.rows, row)
	return nil
}

func (t *tableSink) End(summary string) error {
	if len(t.cols) > 0 {
		if err := t.render(); err != nil {
			return err
		}
	}
	t.sets++
	return writeSummary(t.opts, summary)
}

func (t *tableSink) render() error {
	tw := table.NewWriter()
	style := table.StyleDefault
	style.Format.Header = text.FormatDefault
	tw.SetStyle(style)

	header := make(table.Row, len(t.cols))
	for i, c := range t.cols {
		header[i] = c.Name
	}
	if !t.opts.NoHeaders {
		tw.AppendHeader(header)
	}
	for _, r := range t.rows {
		row := make(table.Row, len(r))
		for i, s := range r {
			row[i] = s
		}
		tw.AppendRow(row)
	}

	configs := make([]table.ColumnConfig, len(t.cols))
	for i := range t.cols {
		configs[i] = table.ColumnConfig{Number: i + 1}
		if t.numeric[i] {
			configs[i].Align = text.AlignRight
		}
	}
	if t.opts.Format == Table && t.opts.Width > 0 {
		caps := fitColumns(t.naturalWidths(), t.opts.Width-tableOverhead(len(t.cols)))
		for i, c := range caps {
			if c > 0 {
				configs[i].WidthMax = c
				configs[i].WidthMaxEnforcer = cut
			}
		}
	}
	tw.SetColumnConfigs(configs)

	var out string
	if t.opts.Format == Markdown {
		out = tw.RenderMarkdown()
	} else {
		out = tw.Render()
	}
	if t.sets > 0 {
		out = "\n" + out
	}
	_, err := io.WriteString(t.opts.Out, out+"\n")
	return err
}

// naturalWidths is the width each column would take uncut.
func (t *tableSink) naturalWidths() []int {
	w := make([]int, len(t.cols))
	if !t.opts.NoHeaders {
		for i, c := range t.cols {
			w[i] = text.LongestLineLen(c.Name)
		}
	}
	for _, r := range t.rows {
		for i, s := range r {
			w[i] = max(w[i], text.LongestLineLen(s))
		}
	}
	return w
}

// cut shortens each line of a cell to maxLen columns, marking the cut.
func cut(s string, maxLen int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = text.Snip(l, maxLen, "…")
	}
	return strings.Join(lines, "\n")
}
