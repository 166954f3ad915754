// Package rowset is the shape of a statement and its result as they leave the
// engine: what kind of statement it is, its result's columns and the Sink that
// receives its rows, and the error that points into the script. Writers of
// results (the output formats, the Postgres server) depend on it alone, not on
// the engine that produces them.
package rowset

import (
	"slices"

	"github.com/pkgql/pkgql/schema"
)

// Column describes one column of a result set. Type is empty when SQLite
// computed the value and its type is not known in advance.
type Column struct {
	Name string
	Type schema.Type
	// Format is schema.DateTime for a time: RFC 3339 text in UTC.
	Format schema.Format
}

// Sink receives the result sets of statements: output writers, the Postgres
// server and tests implement it. Every statement produces exactly one result
// set: Begin, Row for each row, then End. A statement that fails may stop
// after Begin or a Row, without End; the error of the run says why.
//
// Row values are nil, int64, float64, string, bool or provider.JSON (an object
// field, as JSON text). The slice is reused after Row returns.
type Sink interface {
	Begin(cols []Column) error
	Row(values []any) error
	// End closes the result set with a short summary ("3 rows", "1 deleted").
	End(summary string) error
}

// Kind says what a statement does.
type Kind string

const (
	KindSelect   Kind = "SELECT"
	KindDelete   Kind = "DELETE"
	KindExec     Kind = "EXEC"
	KindShow     Kind = "SHOW"
	KindDescribe Kind = "DESCRIBE"
	KindExplain  Kind = "EXPLAIN"
)

// PlacedError is a statement's error that points into the script it was read
// from, so that a client can show where.
type PlacedError interface {
	error
	// Place is the line and the column (in characters) the error points at,
	// both from 1; 0 and 0 when it has no place of its own.
	Place() (line, column int)
	// Parts are the message and the hint (empty when there is none) that
	// the error's text joins.
	Parts() (message, hint string)
}

// Table is a Sink that keeps one result set in memory: its columns, its rows
// and its summary. It copies what it is handed, which a Sink may not keep.
type Table struct {
	Columns []Column
	Rows    [][]any
	Summary string
}

func (t *Table) Begin(cols []Column) error {
	t.Columns, t.Rows = slices.Clone(cols), nil
	return nil
}

func (t *Table) Row(vals []any) error {
	t.Rows = append(t.Rows, slices.Clone(vals))
	return nil
}

func (t *Table) End(summary string) error {
	t.Summary = summary
	return nil
}
