package pgwire

import (
	"errors"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/pgcatalog"
)

// step is one statement of a query string, ready to run.
type step struct {
	session *sessionStmt
	stmt    Statement
	origin  *origin
}

// simpleQuery answers a Query message: every statement in the string is
// read and checked before the first one runs, then they run in order until
// one fails.
func (c *conn) simpleQuery(q string) {
	steps, err := c.planQuery(q)
	if err != nil {
		var o *origin
		var se *stmtError
		if errors.As(err, &se) {
			o = se.origin
		}
		c.sendError(err, o)
		return
	}
	if len(steps) == 0 {
		c.send(&pgproto3.EmptyQueryResponse{})
		return
	}
	for _, s := range steps {
		if err := c.runStep(s, nil, true); err != nil {
			c.sendError(err, s.origin)
			return
		}
	}
}

// planQuery reads a query string into steps. A string of engine statements
// only goes to the engine whole, which checks it as one script; statements
// the server answers itself are cut out, and each engine statement around
// them is checked on its own, all before anything runs.
func (c *conn) planQuery(q string) ([]step, error) {
	pieces := splitStatements(q)
	sessions := make([]*sessionStmt, len(pieces))
	mixed := false
	for i, p := range pieces {
		o := &origin{query: q, base: p.start, subst: substitution{text: p.text}}
		s, err := c.classify(p.text)
		if err != nil {
			return nil, &stmtError{err: err, origin: o}
		}
		sessions[i] = s
		mixed = mixed || s != nil
	}
	if len(pieces) == 0 {
		return nil, nil
	}
	if !mixed {
		o := &origin{query: q, subst: substitution{text: q}}
		stmts, err := c.eng.Prepare(q)
		if err != nil {
			return nil, &stmtError{err: err, origin: o}
		}
		steps := make([]step, len(stmts))
		for i, st := range stmts {
			steps[i] = step{stmt: st, origin: o}
		}
		return steps, nil
	}
	var steps []step
	for i, p := range pieces {
		o := &origin{query: q, base: p.start, subst: substitution{text: p.text}}
		if sessions[i] != nil {
			steps = append(steps, step{session: sessions[i], origin: o})
			continue
		}
		stmts, err := c.eng.Prepare(p.text)
		if err != nil {
			return nil, &stmtError{err: err, origin: o}
		}
		for _, st := range stmts {
			steps = append(steps, step{stmt: st, origin: o})
		}
	}
	return steps, nil
}

// classify finds the statements the server answers itself, and refuses
// queries of the Postgres catalogs; (nil, nil) means the engine's.
func (c *conn) classify(text string) (*sessionStmt, error) {
	if pgcatalog.Handles(text) {
		return &sessionStmt{catalog: text}, nil
	}
	toks := scan(text)
	if s, err := sessionStatement(text, toks); s != nil || err != nil {
		return s, err
	}
	return nil, refuseCatalog(toks, c.catalogHint())
}

// catalogHint says where pkgql's own catalog is, naming a real service.
func (c *conn) catalogHint() string {
	for _, p := range c.eng.Catalog() {
		if len(p.Services) == 0 {
			continue
		}
		s := p.Services[0]
		name := p.Name + "." + s.Name
		hint := "list the tables with SHOW RESOURCES IN " + name
		if len(s.Resources) > 0 {
			hint += " and their columns with DESCRIBE " + name + "." + s.Resources[0].Name
		}
		return hint
	}
	return "list the tables with SHOW PROVIDERS, SHOW SERVICES IN <provider> and SHOW RESOURCES IN <provider>.<service>"
}

// runStep runs one statement and sends its rows and command tag. describe
// says whether the row description goes first (always in the simple
// protocol; in the extended one only when Describe asked for it, and then
// before Execute).
func (c *conn) runStep(s step, formats []int16, describe bool) error {
	if s.session != nil {
		return c.runSession(s.session, formats, describe)
	}
	sink := &wireSink{c: c, kind: s.stmt.Kind(), formats: formats, describe: describe}
	if err := c.run(s.stmt, sink); err != nil {
		return err
	}
	sink.complete()
	return nil
}

func (c *conn) runSession(s *sessionStmt, formats []int16, describe bool) error {
	if s.run != nil {
		return s.run(c, formats, describe)
	}
	if s.catalog != "" {
		return c.runCatalog(s.catalog, formats, describe)
	}
	rows, tag, err := s.exec(c)
	if err != nil {
		return err
	}
	if s.cols != nil {
		cols, err := wireColumns(s.cols, formats)
		if err != nil {
			return err
		}
		if describe {
			c.send(rowDescription(cols))
		}
		for _, r := range rows {
			if c.rowBuf, c.rowVals, err = appendRow(c.rowBuf, c.rowVals, cols, r); err != nil {
				return err
			}
			c.send(&pgproto3.DataRow{Values: c.rowVals})
		}
	}
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	return nil
}
