package pgwire

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
)

// wireSink streams an engine result set to the client as it comes: the row
// description (in the simple protocol, or when a portal's Describe asked for
// it), a DataRow per row, flushed every flushEvery bytes, and the command
// tag. A result set that fails halfway is followed by the error, so the
// client never takes a partial answer for a whole one.
type wireSink struct {
	c        *conn
	kind     rowset.Kind
	formats  []int16
	describe bool

	cols    []column
	rows    int64
	changed int64 // keys a DELETE or EXEC changed
	result  int   // index of a mutation report's result column, or -1
	pending int
	summary string
	ended   bool
}

func (s *wireSink) Begin(cols []rowset.Column) error {
	wc, err := wireColumns(cols, s.formats)
	if err != nil {
		return err
	}
	s.cols = wc
	s.result = resultColumn(s.kind, cols)
	if s.describe {
		s.c.send(rowDescription(wc))
	}
	return nil
}

func (s *wireSink) Row(values []any) error {
	if s.cols == nil {
		return fmt.Errorf("pgwire: Row before Begin")
	}
	var err error
	c := s.c
	c.rowBuf, c.rowVals, err = appendRow(c.rowBuf, c.rowVals, s.cols, values)
	if err != nil {
		return err
	}
	c.send(&pgproto3.DataRow{Values: c.rowVals})
	s.rows++
	if changedKey(s.result, values) {
		s.changed++
	}
	s.pending += len(c.rowBuf)
	if s.pending >= flushEvery {
		s.pending = 0
		return c.flush()
	}
	return nil
}

func (s *wireSink) End(summary string) error {
	s.summary, s.ended = summary, true
	return nil
}

// complete sends the command tag of a statement that ran to its end.
func (s *wireSink) complete() {
	if (s.kind == rowset.KindDelete || s.kind == rowset.KindExec) && s.summary != "" {
		s.c.notice(s.summary)
	}
	s.c.send(&pgproto3.CommandComplete{CommandTag: []byte(commandTag(s.kind, s.rows, s.changed))})
}

// commandTag is the tag Postgres clients read a statement's outcome from:
// "SELECT n" with the rows of every statement that reads, "DELETE n" and
// "EXEC n" with the packages changed (the rows of their report say which).
func commandTag(kind rowset.Kind, rows, changed int64) string {
	switch kind {
	case rowset.KindDelete:
		return "DELETE " + strconv.FormatInt(changed, 10)
	case rowset.KindExec:
		return "EXEC " + strconv.FormatInt(changed, 10)
	}
	return "SELECT " + strconv.FormatInt(rows, 10)
}

// resultColumn finds the "result" column of a DELETE's or EXEC's report,
// which says for each key whether it was changed; -1 for other result sets
// (a dry run's calls).
func resultColumn(kind rowset.Kind, cols []rowset.Column) int {
	if kind != rowset.KindDelete && kind != rowset.KindExec {
		return -1
	}
	for i, c := range cols {
		if c.Name == "result" {
			return i
		}
	}
	return -1
}

// changedKey reports whether a report row is of a key the statement
// changed: "deleted" by a DELETE, "done" by an EXEC. Refused, failed and
// unconfirmed keys were not.
func changedKey(result int, row []any) bool {
	if result < 0 || result >= len(row) {
		return false
	}
	v, _ := row[result].(string)
	return v == "deleted" || v == "done"
}

// heldTag is the command tag of a result held in memory.
func heldTag(kind rowset.Kind, r *result) string {
	idx := resultColumn(kind, r.cols)
	var changed int64
	for _, row := range r.rows {
		if changedKey(idx, row) {
			changed++
		}
	}
	return commandTag(kind, int64(len(r.rows)), changed)
}

// result is a result set held in memory: what a portal's Describe ran ahead
// of its Execute, or a portal read a few rows at a time.
type result struct {
	cols    []rowset.Column
	rows    [][]any
	summary string
}

func (r *result) Begin(cols []rowset.Column) error {
	r.cols = slices.Clone(cols)
	return nil
}

func (r *result) Row(values []any) error {
	row := slices.Clone(values)
	for i, v := range row {
		if j, ok := v.(provider.JSON); ok {
			row[i] = slices.Clone(j)
		}
	}
	r.rows = append(r.rows, row)
	return nil
}

func (r *result) End(summary string) error {
	r.summary = summary
	return nil
}
