package pgwire

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
)

// DECLARE name CURSOR FOR query, FETCH [FORWARD] n | ALL | NEXT FROM name,
// MOVE and CLOSE, as psycopg2's named cursors and SQLAlchemy's stream_results
// send them. The query runs in its own goroutine from DECLARE on, and its
// rows wait in a small channel until a FETCH takes them: the provider pages
// only as far as the client has read (plus the channel and one page), and
// nothing holds the whole result. A cursor WITHOUT HOLD (the default) ends
// at COMMIT or ROLLBACK, as in Postgres; every cursor ends with CLOSE, CLOSE
// ALL, DISCARD ALL or the connection.

// cursorBuffer is how many rows a cursor reads ahead of its FETCHes.
const cursorBuffer = 256

// cursor is a statement running into a channel.
type cursor struct {
	name   string
	hold   bool
	cancel context.CancelFunc
	begun  chan struct{} // closed at Begin, or when the statement ends before it
	rows   chan []any    // closed when the statement ends
	cols   []rowset.Column
	err    error // set before rows is closed
	ctx    context.Context
}

func (cu *cursor) Begin(cols []rowset.Column) error {
	cu.cols = slices.Clone(cols)
	close(cu.begun)
	return nil
}

func (cu *cursor) Row(values []any) error {
	row := slices.Clone(values)
	for i, v := range row {
		if j, ok := v.(provider.JSON); ok {
			row[i] = slices.Clone(j)
		}
	}
	select {
	case cu.rows <- row:
		return nil
	case <-cu.ctx.Done():
		return cu.ctx.Err()
	}
}

func (cu *cursor) End(string) error { return nil }

// startCursor runs the statement into a cursor, bounded by timeout when it
// is not 0.
func (c *conn) startCursor(name string, hold bool, st Statement, timeout time.Duration) *cursor {
	ctx, cancel := context.WithCancel(c.ctx)
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(c.ctx, timeout)
	}
	cu := &cursor{name: name, hold: hold, cancel: cancel, ctx: ctx,
		begun: make(chan struct{}), rows: make(chan []any, cursorBuffer)}
	go func() {
		err := c.eng.Run(ctx, st, cu)
		select {
		case <-cu.begun:
		default:
			close(cu.begun)
		}
		if ctx.Err() != nil && err != nil {
			switch {
			case c.ctx.Err() != nil:
				err = &pgError{code: codeAdminShutdown, pos: -1, msg: "canceling statement: pkgql serve is shutting down"}
			case errors.Is(ctx.Err(), context.DeadlineExceeded):
				err = &pgError{code: codeQueryCanceled, pos: -1, msg: fmt.Sprintf("canceling statement due to statement timeout (%s)", timeout),
					hint: "raise it with SET statement_timeout = '60s', or 0 for no limit"}
			default:
				err = &pgError{code: codeQueryCanceled, pos: -1, msg: "canceling statement due to user request"}
			}
		}
		cu.err = err
		close(cu.rows)
	}()
	return cu
}

// close stops the cursor's statement and waits for it to end.
func (cu *cursor) close() {
	cu.cancel()
	for range cu.rows {
	}
}

// closeCursors ends the connection's cursors; all of them, or those
// without hold (at the end of a transaction).
func (c *conn) closeCursors(all bool) {
	for name, cu := range c.cursors {
		if all || !cu.hold {
			cu.close()
			delete(c.cursors, name)
		}
	}
}

// declareStatement reads DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE]
// [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query.
func declareStatement(text string, toks []token) (*sessionStmt, error) {
	if len(toks) < 2 {
		return nil, &pgError{code: codeSyntax, pos: len(text), msg: "DECLARE needs a cursor name: DECLARE name CURSOR FOR SELECT …"}
	}
	name := toks[1].val
	hold := false
	i := 2
	for ; i < len(toks); i++ {
		w := word(toks[i])
		switch w {
		case "binary":
			return nil, &pgError{code: codeFeatureNotSupported, pos: toks[i].start, msg: "binary cursors are not supported"}
		case "asensitive", "insensitive", "no", "cursor":
			continue
		case "scroll":
			if word(toks[i-1]) != "no" {
				return nil, &pgError{code: codeFeatureNotSupported, pos: toks[i].start, msg: "scrollable cursors are not supported: pkgql's cursors read forward only"}
			}
			continue
		case "with", "without":
			if i+1 < len(toks) && word(toks[i+1]) == "hold" {
				hold = w == "with"
				i++
				continue
			}
		}
		break
	}
	if i >= len(toks) || word(toks[i]) != "for" || i+1 >= len(toks) {
		return nil, &pgError{code: codeSyntax, pos: len(text), msg: "DECLARE needs FOR and a query: DECLARE name CURSOR FOR SELECT …"}
	}
	query := strings.TrimSpace(text[toks[i+1].start:])
	return &sessionStmt{run: func(c *conn, _ []int16, _ bool) error {
		if _, dup := c.cursors[name]; dup {
			return &pgError{code: "42P03", pos: -1, msg: fmt.Sprintf("cursor %q already exists", name)}
		}
		st, err := c.prepareOne(query)
		if err != nil {
			return err
		}
		if k := st.Kind(); k == rowset.KindDelete || k == rowset.KindExec {
			return &pgError{code: codeFeatureNotSupported, pos: -1, msg: "a cursor reads a query: SELECT, SHOW, DESCRIBE or EXPLAIN"}
		}
		c.cursors[name] = c.startCursor(name, hold, st, 0)
		c.send(&pgproto3.CommandComplete{CommandTag: []byte("DECLARE CURSOR")})
		return nil
	}}, nil
}

// fetchStatement reads FETCH / MOVE [NEXT | FORWARD [n | ALL] | n | ALL]
// [FROM | IN] name.
func fetchStatement(toks []token) (*sessionStmt, error) {
	move := word(toks[0]) == "move"
	count := int64(1)
	i := 1
	switch word(at(toks, i)) {
	case "next":
		i++
	case "forward":
		i++
		if t := at(toks, i); t.typ == sqlparser.INTEGRAL {
			count, _ = strconv.ParseInt(t.val, 10, 64)
			i++
		} else if word(t) == "all" {
			count = -1
			i++
		}
	case "all":
		count = -1
		i++
	case "prior", "first", "last", "absolute", "relative", "backward":
		return nil, &pgError{code: codeFeatureNotSupported, pos: toks[i].start, msg: "pkgql's cursors read forward only: FETCH [FORWARD] n, ALL or NEXT"}
	default:
		if t := at(toks, i); t.typ == sqlparser.INTEGRAL {
			count, _ = strconv.ParseInt(t.val, 10, 64)
			i++
		}
	}
	if w := word(at(toks, i)); w == "from" || w == "in" {
		i++
	}
	if i != len(toks)-1 {
		return nil, &pgError{code: codeSyntax, pos: -1, msg: "FETCH takes a count and a cursor name: FETCH FORWARD 100 FROM name"}
	}
	name := toks[i].val
	lookup := func(c *conn) (*cursor, error) {
		cu, ok := c.cursors[name]
		if !ok {
			return nil, &pgError{code: codeInvalidCursorName, pos: -1, msg: fmt.Sprintf("cursor %q does not exist", name)}
		}
		return cu, nil
	}
	st := &sessionStmt{run: func(c *conn, formats []int16, describe bool) error {
		cu, err := lookup(c)
		if err != nil {
			return err
		}
		return c.fetch(cu, count, move, formats, describe)
	}}
	if !move {
		// Describe of a FETCH waits for the cursor's columns.
		st.describe = func(c *conn) ([]rowset.Column, error) {
			cu, err := lookup(c)
			if err != nil {
				return nil, err
			}
			<-cu.begun
			if cu.cols == nil {
				return nil, nil
			}
			return cu.cols, nil
		}
	}
	return st, nil
}

func at(toks []token, i int) token {
	if i < len(toks) {
		return toks[i]
	}
	return token{}
}

// fetch sends up to count rows of the cursor (all when count < 0).
func (c *conn) fetch(cu *cursor, count int64, move bool, formats []int16, describe bool) error {
	c.rmu.Lock()
	c.runCancel = cu.cancel
	c.rmu.Unlock()
	defer func() {
		c.rmu.Lock()
		c.runCancel = nil
		c.rmu.Unlock()
	}()
	<-cu.begun
	var cols []column
	if !move {
		if cu.cols == nil {
			// The statement failed before its first row.
			for range cu.rows {
			}
			if cu.err != nil {
				return cu.err
			}
		}
		var err error
		if cols, err = wireColumns(cu.cols, formats); err != nil {
			return err
		}
		if describe {
			c.send(rowDescription(cols))
		}
	}
	var n int64
	for count < 0 || n < count {
		row, ok := <-cu.rows
		if !ok {
			if cu.err != nil {
				return cu.err
			}
			break
		}
		n++
		if move {
			continue
		}
		var err error
		if c.rowBuf, c.rowVals, err = appendRow(c.rowBuf, c.rowVals, cols, row); err != nil {
			return err
		}
		c.send(&pgproto3.DataRow{Values: c.rowVals})
	}
	tag := "FETCH "
	if move {
		tag = "MOVE "
	}
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag + strconv.FormatInt(n, 10))})
	return nil
}

// closeStatement reads CLOSE name | ALL.
func closeStatement(toks []token) (*sessionStmt, error) {
	if len(toks) != 2 {
		return nil, &pgError{code: codeSyntax, pos: -1, msg: "CLOSE takes a cursor name, or ALL"}
	}
	name, all := toks[1].val, word(toks[1]) == "all"
	return &sessionStmt{exec: func(c *conn) ([][]any, string, error) {
		if all {
			c.closeCursors(true)
			return nil, "CLOSE CURSOR ALL", nil
		}
		cu, ok := c.cursors[name]
		if !ok {
			return nil, "", &pgError{code: codeInvalidCursorName, pos: -1, msg: fmt.Sprintf("cursor %q does not exist", name)}
		}
		cu.close()
		delete(c.cursors, name)
		return nil, "CLOSE CURSOR", nil
	}}, nil
}

// readOnlyKind reports whether a statement of the kind only reads, so that
// starting it early (at a portal's Describe) changes nothing.
func readOnlyKind(k rowset.Kind) bool {
	return k == rowset.KindSelect || k == rowset.KindShow || k == rowset.KindDescribe || k == rowset.KindExplain
}

// portalCursor starts a portal's statement and waits for its columns. The
// rows wait in the cursor for the Executes that follow.
func (c *conn) portalCursor(pt *portal) ([]rowset.Column, error) {
	if pt.cur == nil {
		if err := c.checkReadOnly(pt.engine); err != nil {
			return nil, err
		}
		pt.cur = c.startCursor("", false, pt.engine, c.statementTimeout())
	}
	c.rmu.Lock()
	c.runCancel = pt.cur.cancel
	c.rmu.Unlock()
	<-pt.cur.begun
	c.rmu.Lock()
	c.runCancel = nil
	c.rmu.Unlock()
	if pt.cur.cols == nil {
		for range pt.cur.rows {
		}
		err := pt.cur.err
		if err == nil {
			err = fmt.Errorf("the statement ended before its columns were known")
		}
		pt.cur, pt.done = nil, true
		return nil, &stmtError{err: err, origin: pt.origin()}
	}
	return pt.cur.cols, nil
}

// executeCursor sends up to limit rows of a portal (0: all), then
// PortalSuspended if the limit was reached, else the command tag.
func (c *conn) executeCursor(pt *portal, limit int64) error {
	cols, err := c.portalCursor(pt)
	if err != nil {
		return err
	}
	wc, err := wireColumns(cols, pt.formats)
	if err != nil {
		return err
	}
	if pt.stmt.late && !pt.described {
		pt.described = true
		c.send(rowDescription(wc))
	}
	c.rmu.Lock()
	c.runCancel = pt.cur.cancel
	c.rmu.Unlock()
	defer func() {
		c.rmu.Lock()
		c.runCancel = nil
		c.rmu.Unlock()
	}()
	var n int64
	pending := 0
	for limit == 0 || n < limit {
		row, ok := <-pt.cur.rows
		if !ok {
			cur := pt.cur
			pt.cur, pt.done = nil, true
			pt.tag = "SELECT 0"
			if cur.err != nil {
				return &stmtError{err: cur.err, origin: pt.origin()}
			}
			c.send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT " + strconv.FormatInt(pt.sent, 10))})
			return nil
		}
		n++
		pt.sent++
		if c.rowBuf, c.rowVals, err = appendRow(c.rowBuf, c.rowVals, wc, row); err != nil {
			return err
		}
		c.send(&pgproto3.DataRow{Values: c.rowVals})
		if pending += len(c.rowBuf); pending >= flushEvery {
			pending = 0
			if err := c.flush(); err != nil {
				return err
			}
		}
	}
	c.send(&pgproto3.PortalSuspended{})
	return nil
}

// dropPortals forgets every portal, ending the statements they stream.
func (c *conn) dropPortals() {
	for _, pt := range c.portals {
		if pt.cur != nil {
			pt.cur.close()
		}
	}
	clear(c.portals)
}
