package pgwire

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/pgcatalog"
)

// Queries of pg_catalog and information_schema, and Postgres-dialect SELECTs
// of constants (SELECT current_setting('server_version_num')::int), are
// answered by the connection's catalog (package pgcatalog), built from the
// providers' schemas on the connection's first such query. They cost no
// provider call.

// catalogSession opens the connection's catalog on first use.
func (c *conn) catalogSession() (*pgcatalog.Session, error) {
	if c.cat != nil {
		return c.cat, nil
	}
	version := c.srv.opts.Version
	if version == "" {
		version = "(devel)"
	}
	cat, err := pgcatalog.Open(c.ctx, c.eng.Catalog(), pgcatalog.Info{
		Database: c.database,
		User:     c.user,
		Version:  "PostgreSQL " + serverVersion + " — pkgql " + version + ", SQL over GitHub Packages",
		PID:      int64(c.key),
		Setting: func(name string) (string, bool) {
			if _, known := settingNames[name]; !known {
				if _, set := c.settings[name]; !set {
					return "", false
				}
			}
			return c.setting(name), true
		},
		Settings: c.allSettings,
		Set: func(name, value string) error {
			if err := checkSetting(name, value, false); err != nil {
				return err
			}
			c.settings[name] = value
			if c.isReported(name) {
				c.sendStatus(name)
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	c.cat = cat
	return cat, nil
}

// allSettings lists the session's settings by name.
func (c *conn) allSettings() [][2]string {
	var out [][2]string
	seen := map[string]bool{}
	for n := range settingNames {
		seen[n] = true
		out = append(out, [2]string{n, c.setting(n)})
	}
	for n := range c.settings {
		if !seen[n] {
			out = append(out, [2]string{n, c.setting(n)})
		}
	}
	return out
}

func (c *conn) catalogQuery(text string) (*pgcatalog.Result, error) {
	cat, err := c.catalogSession()
	if err != nil {
		return nil, err
	}
	c.log.Debug("catalog query", "sql", text)
	res, err := cat.Query(c.ctx, text)
	if err != nil {
		var ce *pgcatalog.Error
		if errors.As(err, &ce) {
			hint := "pkgql's catalog answers the pg_catalog and information_schema queries of psql, PgJDBC, SQLAlchemy and Grafana; " + c.catalogHint()
			if strings.HasPrefix(ce.Msg, "no such table") {
				hint = "the catalog's tables and functions (pg_catalog, information_schema, current_setting, version, …) cannot be mixed with pkgql's tables: query them on their own"
			}
			return nil, &pgError{code: codeFeatureNotSupported, pos: -1, msg: ce.Error(), hint: hint}
		}
		return nil, err
	}
	return res, nil
}

// catalogColumns describes a catalog result in the formats asked for.
func catalogColumns(res *pgcatalog.Result, formats []int16) ([]column, error) {
	if len(formats) > 1 && len(formats) != len(res.Cols) {
		return nil, &pgError{code: codeProtocolViolation, pos: -1, msg: "bind message has a result format per column, but not as many as the statement's columns"}
	}
	out := make([]column, len(res.Cols))
	for i, col := range res.Cols {
		out[i] = column{name: col.Name, oid: col.OID, size: typeSize(col.OID)}
		switch {
		case len(formats) == 1:
			out[i].format = formats[0]
		case len(formats) > 1:
			out[i].format = formats[i]
		}
	}
	return out, nil
}

func typeSize(oid uint32) int16 {
	switch oid {
	case oidInt8, oidFloat8:
		return 8
	case oidInt4, oidOID, oidFloat4:
		return 4
	case oidInt2:
		return 2
	case oidBool, oidChar:
		return 1
	case oidName:
		return 64
	}
	return -1
}

// sendCatalogRows sends rows from next on, at most limit of them (0: all),
// then PortalSuspended when rows remain, else the command tag. It returns
// the next row to send.
func (c *conn) sendCatalogRows(res *pgcatalog.Result, cols []column, next, limit int) (int, error) {
	end := len(res.Rows)
	if limit > 0 {
		end = min(end, next+limit)
	}
	var err error
	for ; next < end; next++ {
		if c.rowBuf, c.rowVals, err = appendRow(c.rowBuf, c.rowVals, cols, res.Rows[next]); err != nil {
			return next, err
		}
		c.send(&pgproto3.DataRow{Values: c.rowVals})
	}
	if next < len(res.Rows) {
		c.send(&pgproto3.PortalSuspended{})
		return next, nil
	}
	c.send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT " + strconv.Itoa(len(res.Rows)))})
	return next, nil
}

// runCatalog answers a catalog query of the simple protocol.
func (c *conn) runCatalog(text string, formats []int16, describe bool) error {
	res, err := c.catalogQuery(text)
	if err != nil {
		return err
	}
	cols, err := catalogColumns(res, formats)
	if err != nil {
		return err
	}
	if describe {
		c.send(rowDescription(cols))
	}
	_, err = c.sendCatalogRows(res, cols, 0, 0)
	return err
}

// appendCatalogBinary writes the binary form of the catalog's own types.
func appendCatalogBinary(buf []byte, c column, v any) ([]byte, bool) {
	switch c.oid {
	case oidInt4, oidOID:
		if i, ok := v.(int64); ok {
			return binary.BigEndian.AppendUint32(buf, uint32(i)), true
		}
	case oidInt2:
		if i, ok := v.(int64); ok {
			return binary.BigEndian.AppendUint16(buf, uint16(i)), true
		}
	case oidFloat4:
		switch f := v.(type) {
		case float64:
			return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(f))), true
		case int64:
			return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(f))), true
		}
	case oidName, oidChar:
		if s, ok := v.(string); ok {
			return append(buf, s...), true
		}
	}
	return buf, false
}

// describeCatalogStatement describes a prepared catalog query: one without
// parameters is run now (it costs no call); one with parameters is
// described when it runs.
func (c *conn) describeCatalogStatement(p *prepared) error {
	if len(p.oids) > 0 {
		p.late = true
		c.send(&pgproto3.NoData{})
		return nil
	}
	res, err := c.catalogQuery(p.text)
	if err != nil {
		return &stmtError{err: err, origin: &origin{query: p.query, base: p.base, subst: substitution{text: p.text}}}
	}
	cols, err := catalogColumns(res, nil)
	if err != nil {
		return err
	}
	c.send(rowDescription(cols))
	return nil
}

func (c *conn) portalCatalog(pt *portal) error {
	if pt.cat != nil {
		return nil
	}
	res, err := c.catalogQuery(pt.subst.text)
	if err != nil {
		return &stmtError{err: err, origin: pt.origin()}
	}
	pt.cat = res
	return nil
}

func (c *conn) describeCatalogPortal(pt *portal) error {
	if err := c.portalCatalog(pt); err != nil {
		return err
	}
	cols, err := catalogColumns(pt.cat, pt.formats)
	if err != nil {
		return err
	}
	pt.described = true
	c.send(rowDescription(cols))
	return nil
}

func (c *conn) executeCatalog(pt *portal, limit int) error {
	if err := c.portalCatalog(pt); err != nil {
		return err
	}
	cols, err := catalogColumns(pt.cat, pt.formats)
	if err != nil {
		return err
	}
	if pt.stmt.late && !pt.described {
		pt.described = true
		c.send(rowDescription(cols))
	}
	pt.next, err = c.sendCatalogRows(pt.cat, cols, pt.next, limit)
	if err == nil && pt.next >= len(pt.cat.Rows) {
		pt.done, pt.tag = true, "SELECT 0"
	}
	return err
}
