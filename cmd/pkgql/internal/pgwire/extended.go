package pgwire

import (
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/pgcatalog"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
)

// The extended protocol: Parse keeps a statement with $n placeholders; Bind
// substitutes the values as literals and has the engine read and check the
// result; Execute runs it. See the package doc for how Describe learns the
// columns.

// prepared is a statement kept by Parse.
type prepared struct {
	query string // as the client sent it
	// text is the one statement in query and base where it starts; text is
	// empty for an empty query.
	text string
	base int
	refs []paramRef
	oids []uint32 // one per parameter: the client's types, 0 where it gave none
	// session is set when the server answers the statement itself.
	session *sessionStmt
	// late is set when Describe could not give the columns: Execute sends
	// them first. held is the result Describe ran ahead, in batch heldBatch.
	late      bool
	held      *result
	heldBatch int
}

// portal is a bound statement.
type portal struct {
	stmt    *prepared
	subst   substitution
	engine  Statement
	formats []int16
	// res holds rows run ahead by Describe, or read a few at a time by
	// Execute with a row limit; next is the first row not yet sent.
	res  *result
	next int
	done bool
	tag  string
	// described is set once the client has the portal's columns.
	described bool
	// cat is a catalog query's result, held once run.
	cat *pgcatalog.Result
	// cur streams a read-only statement's rows a batch at a time, for
	// Execute with a row limit; sent counts the rows sent.
	cur  *cursor
	sent int64
}

func (p *portal) origin() *origin {
	return &origin{query: p.stmt.query, base: p.stmt.base, subst: p.subst}
}

func (c *conn) parse(m *pgproto3.Parse) error {
	if _, dup := c.stmts[m.Name]; dup && m.Name != "" {
		return &pgError{code: codeDuplicateStatement, pos: -1, msg: fmt.Sprintf("prepared statement %q already exists", m.Name)}
	}
	p := &prepared{query: m.Query}
	pieces := splitStatements(m.Query)
	if len(pieces) > 1 {
		return &stmtError{err: &pgError{code: codeSyntax, pos: 0, msg: "cannot insert multiple commands into a prepared statement",
			hint: "send one statement per Parse, or use the simple query protocol"},
			origin: &origin{query: m.Query, base: pieces[1].start, subst: substitution{text: pieces[1].text}}}
	}
	n := len(m.ParameterOIDs)
	if len(pieces) == 1 {
		p.text, p.base = pieces[0].text, pieces[0].start
		o := &origin{query: m.Query, base: p.base, subst: substitution{text: p.text}}
		p.refs = findParams(p.text)
		for _, r := range p.refs {
			if r.n < 1 || r.n > maxParams {
				return &stmtError{err: &pgError{code: codeUndefinedParameter, pos: r.start,
					msg: fmt.Sprintf("there is no parameter $%d", r.n)}, origin: o}
			}
			n = max(n, r.n)
		}
		s, err := c.classify(p.text)
		if err != nil {
			return &stmtError{err: err, origin: o}
		}
		if s != nil && s.catalog == "" && len(p.refs) > 0 {
			return &stmtError{err: &pgError{code: codeFeatureNotSupported, pos: p.refs[0].start,
				msg: "parameters are not supported in session statements such as SET and SHOW"}, origin: o}
		}
		p.session = s
	}
	p.oids = make([]uint32, n)
	copy(p.oids, m.ParameterOIDs)
	c.stmts[m.Name] = p
	c.send(&pgproto3.ParseComplete{})
	return nil
}

func (c *conn) bind(m *pgproto3.Bind) error {
	p, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return &pgError{code: codeInvalidStatementName, pos: -1, msg: fmt.Sprintf("prepared statement %q does not exist", m.PreparedStatement)}
	}
	if old, dup := c.portals[m.DestinationPortal]; dup {
		if m.DestinationPortal != "" {
			return &pgError{code: "42P03", pos: -1, msg: fmt.Sprintf("portal %q already exists", m.DestinationPortal)}
		}
		// A new unnamed portal replaces the old one, and ends what it streams.
		if old.cur != nil {
			old.cur.close()
		}
	}
	if len(m.Parameters) != len(p.oids) {
		return &pgError{code: codeProtocolViolation, pos: -1,
			msg: fmt.Sprintf("bind message supplies %d parameters, but prepared statement %q requires %d", len(m.Parameters), m.PreparedStatement, len(p.oids))}
	}
	if f := len(m.ParameterFormatCodes); f > 1 && f != len(m.Parameters) {
		return &pgError{code: codeProtocolViolation, pos: -1,
			msg: fmt.Sprintf("bind message has %d parameter formats but %d parameters", f, len(m.Parameters))}
	}
	literals := make([]string, len(m.Parameters))
	for i, raw := range m.Parameters {
		var format int16
		switch len(m.ParameterFormatCodes) {
		case 0:
		case 1:
			format = m.ParameterFormatCodes[0]
		default:
			format = m.ParameterFormatCodes[i]
		}
		lit, err := paramLiteral(i+1, p.oids[i], format, raw)
		if err != nil {
			return err
		}
		literals[i] = lit
	}
	pt := &portal{stmt: p, subst: substitute(p.text, p.refs, literals), formats: slices.Clone(m.ResultFormatCodes)}
	if held := p.held; held != nil {
		p.held = nil
		// Rows run ahead by Describe serve the Execute that follows it, not
		// one long after.
		if c.batch-p.heldBatch <= 1 {
			st, err := c.prepareOne(pt.subst.text)
			if err != nil {
				return &stmtError{err: err, origin: pt.origin()}
			}
			pt.engine, pt.res = st, held
			pt.tag = heldTag(st.Kind(), held)
			c.portals[m.DestinationPortal] = pt
			c.send(&pgproto3.BindComplete{})
			return nil
		}
	}
	if p.session == nil && p.text != "" {
		st, err := c.prepareOne(pt.subst.text)
		if err != nil {
			return &stmtError{err: err, origin: pt.origin()}
		}
		pt.engine = st
	}
	c.portals[m.DestinationPortal] = pt
	c.send(&pgproto3.BindComplete{})
	return nil
}

// prepareOne has the engine read and check one statement.
func (c *conn) prepareOne(text string) (Statement, error) {
	stmts, err := c.eng.Prepare(text)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, &pgError{code: codeSyntax, pos: -1, msg: "cannot insert multiple commands into a prepared statement"}
	}
	return stmts[0], nil
}

func (c *conn) describe(m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		p, ok := c.stmts[m.Name]
		if !ok {
			return &pgError{code: codeInvalidStatementName, pos: -1, msg: fmt.Sprintf("prepared statement %q does not exist", m.Name)}
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: p.oids})
		if p.session != nil && p.session.catalog != "" {
			return c.describeCatalogStatement(p)
		}
		cols, err := c.statementColumns(p)
		if err != nil {
			return err
		}
		return c.sendDescription(cols, nil)
	case 'P':
		pt, ok := c.portals[m.Name]
		if !ok {
			return &pgError{code: codeInvalidCursorName, pos: -1, msg: fmt.Sprintf("portal %q does not exist", m.Name)}
		}
		if pt.stmt.session != nil && pt.stmt.session.catalog != "" {
			return c.describeCatalogPortal(pt)
		}
		cols, err := c.portalColumns(pt)
		if err != nil {
			return err
		}
		pt.described = true
		return c.sendDescription(cols, pt.formats)
	}
	return &pgError{code: codeProtocolViolation, pos: -1, msg: fmt.Sprintf("invalid Describe type %q", m.ObjectType)}
}

func (c *conn) sendDescription(cols []rowset.Column, formats []int16) error {
	if cols == nil {
		c.send(&pgproto3.NoData{})
		return nil
	}
	wc, err := wireColumns(cols, formats)
	if err != nil {
		return err
	}
	c.send(rowDescription(wc))
	return nil
}

// portalColumns learns a portal's columns. An engine statement's columns
// come from running it: the rows are held for the Execute that follows.
func (c *conn) portalColumns(pt *portal) ([]rowset.Column, error) {
	switch {
	case pt.stmt.session != nil:
		return pt.stmt.session.columns(c)
	case pt.engine == nil:
		return nil, nil
	case readOnlyKind(pt.engine.Kind()):
		return c.portalCursor(pt)
	}
	if err := c.runAhead(pt); err != nil {
		return nil, err
	}
	return pt.res.cols, nil
}

// runAhead runs a portal's statement to its end and holds the result.
func (c *conn) runAhead(pt *portal) error {
	if pt.res != nil || pt.done {
		return nil
	}
	res := &result{}
	if err := c.run(pt.engine, res); err != nil {
		return &stmtError{err: err, origin: pt.origin()}
	}
	pt.res = res
	pt.tag = heldTag(pt.engine.Kind(), res)
	return nil
}

func (c *conn) execute(m *pgproto3.Execute) error {
	pt, ok := c.portals[m.Portal]
	if !ok {
		return &pgError{code: codeInvalidCursorName, pos: -1, msg: fmt.Sprintf("portal %q does not exist", m.Portal)}
	}
	switch {
	case pt.stmt.text == "":
		c.send(&pgproto3.EmptyQueryResponse{})
		return nil
	case pt.done:
		// A portal that has run to its end has no more rows.
		c.send(&pgproto3.CommandComplete{CommandTag: []byte(pt.tag)})
		return nil
	case pt.stmt.session != nil && pt.stmt.session.catalog != "":
		return c.executeCatalog(pt, int(m.MaxRows))
	case pt.stmt.session != nil:
		pt.done, pt.tag = true, ""
		return c.runSession(pt.stmt.session, pt.formats, false)
	case pt.cur != nil || pt.res == nil && m.MaxRows > 0 && readOnlyKind(pt.engine.Kind()):
		return c.executeCursor(pt, int64(m.MaxRows))
	case pt.res == nil && m.MaxRows == 0:
		// The usual case: stream the rows as the engine produces them.
		sink := &wireSink{c: c, kind: pt.engine.Kind(), formats: pt.formats, describe: pt.stmt.late && !pt.described}
		if err := c.run(pt.engine, sink); err != nil {
			return &stmtError{err: err, origin: pt.origin()}
		}
		sink.complete()
		pt.done, pt.tag = true, commandTag(pt.engine.Kind(), 0, 0)
		return nil
	}
	if err := c.runAhead(pt); err != nil {
		return err
	}
	if pt.stmt.late && !pt.described {
		pt.described = true
		if err := c.sendDescription(pt.res.cols, pt.formats); err != nil {
			return err
		}
	}
	return c.sendHeld(pt, int(m.MaxRows))
}

// sendHeld sends up to max held rows of a portal (all when max is 0), then
// PortalSuspended if rows remain, else the command tag.
func (c *conn) sendHeld(pt *portal, limit int) error {
	cols, err := wireColumns(pt.res.cols, pt.formats)
	if err != nil {
		return err
	}
	end := len(pt.res.rows)
	if limit > 0 {
		end = min(end, pt.next+limit)
	}
	for ; pt.next < end; pt.next++ {
		if c.rowBuf, c.rowVals, err = appendRow(c.rowBuf, c.rowVals, cols, pt.res.rows[pt.next]); err != nil {
			return err
		}
		c.send(&pgproto3.DataRow{Values: c.rowVals})
	}
	if pt.next < len(pt.res.rows) {
		c.send(&pgproto3.PortalSuspended{})
		return nil
	}
	kind := pt.engine.Kind()
	if (kind == rowset.KindDelete || kind == rowset.KindExec) && pt.res.summary != "" {
		c.notice(pt.res.summary)
	}
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(pt.tag)})
	pt.done, pt.res = true, nil
	pt.tag = commandTag(kind, 0, 0)
	return nil
}

func (c *conn) closeObject(m *pgproto3.Close) error {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		if pt, ok := c.portals[m.Name]; ok && pt.cur != nil {
			pt.cur.close()
		}
		delete(c.portals, m.Name)
	default:
		return &pgError{code: codeProtocolViolation, pos: -1, msg: fmt.Sprintf("invalid Close type %q", m.ObjectType)}
	}
	c.send(&pgproto3.CloseComplete{})
	return nil
}

// statementColumns answers Describe of a prepared statement, before any
// value is bound, without running anything that could not be run now: a
// statement of the server's own has its columns; an engine statement without
// parameters that only reads (SELECT, SHOW, DESCRIBE, EXPLAIN) is run ahead,
// and its rows are held for the portal bound from it in the next batch. A
// statement with parameters, or a DELETE or EXEC, cannot be described
// before it runs: the answer is NoData, and its Execute sends the
// RowDescription before the rows (the late description; pgx reads it, and
// clients that Describe the portal never see it).
func (c *conn) statementColumns(p *prepared) ([]rowset.Column, error) {
	switch {
	case p.session != nil:
		return p.session.columns(c)
	case p.text == "":
		return nil, nil
	case len(p.oids) > 0:
		p.late = true
		return nil, nil
	}
	st, err := c.prepareOne(p.text)
	if err != nil {
		return nil, &stmtError{err: err, origin: &origin{query: p.query, base: p.base, subst: substitution{text: p.text}}}
	}
	if k := st.Kind(); k == rowset.KindDelete || k == rowset.KindExec {
		p.late = true
		return nil, nil
	}
	res := &result{}
	if err := c.run(st, res); err != nil {
		return nil, &stmtError{err: err, origin: &origin{query: p.query, base: p.base, subst: substitution{text: p.text}}}
	}
	p.held, p.heldBatch = res, c.batch
	return res.cols, nil
}
