// Package output writes the result sets of statements for people and for
// scripts. Each format is a rowset.Sink: the engine streams a statement's
// columns and rows into it, and the sink writes them to the command's stdout.
//
// Formats and how they show values:
//
//	format    NULL    object field        numbers    header
//	table     NULL    compact JSON        right      yes (--no-headers drops it)
//	markdown  NULL    compact JSON        right      yes
//	text      NULL    compact JSON        as is      yes; tab-separated, \t \n \r \\ escaped
//	csv       empty   compact JSON text   as is      yes; RFC 4180
//	json      null    JSON object         numbers    keys; one array per result set, one line
//
// json, csv and text stream rows as they come; table and markdown hold a
// result set until it ends, because column widths depend on every row.
// Summaries ("3 rows") never go to Out: only to Summary, which the command
// line sets for table output on a terminal.
package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
)

// Format names an output format, as -o/--output takes it.
type Format string

const (
	Table    Format = "table"
	JSON     Format = "json"
	CSV      Format = "csv"
	Text     Format = "text"
	Markdown Format = "markdown"
)

// Formats lists every format, in the order help shows them.
var Formats = []Format{Table, JSON, CSV, Text, Markdown}

// ParseFormat reads a format name.
func ParseFormat(name string) (Format, error) {
	for _, f := range Formats {
		if string(f) == strings.ToLower(name) {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown output format %q: use one of %s", name, strings.Join(names, ", "))
}

// Options configures a sink.
type Options struct {
	Format Format
	Out    io.Writer
	// NoHeaders drops the header row (table, markdown, text, csv).
	NoHeaders bool
	// Width, when positive, is the terminal's width: table cells are cut so
	// that rows fit in it.
	Width int
	// Summary, when set, receives each result set's summary on a line.
	Summary io.Writer
}

// New returns the sink for opts.Format; an unknown format is an error.
func New(opts Options) (rowset.Sink, error) {
	switch opts.Format {
	case Table, Markdown:
		return newTableSink(opts), nil
	case JSON:
		return newJSONSink(opts), nil
	case CSV:
		return newCSVSink(opts), nil
	case Text:
		return newTextSink(opts), nil
	}
	_, err := ParseFormat(string(opts.Format))
	return nil, err
}

// writeSummary writes a result set's summary where the options say.
func writeSummary(opts Options, summary string) error {
	if opts.Summary == nil || summary == "" {
		return nil
	}
	_, err := fmt.Fprintln(opts.Summary, summary)
	return err
}
