// Package pgcatalog answers the Postgres catalog queries that clients send to
// discover what they can query — psql's \d commands, PgJDBC's
// DatabaseMetaData (DBeaver, Metabase, Trino), SQLAlchemy's inspector,
// Grafana's pickers — from the schemas the providers declared, without any
// call to a provider.
//
// A Session is a private in-memory SQLite database, built when a connection
// first asks, that holds pg_catalog's and information_schema's tables with
// Postgres 15's columns: each provider a database, each service a schema,
// each resource a table, each field and each param a column, each
// description in pg_description. A query is read by Postgres' lexical rules
// and rewritten for SQLite (translate.go); the functions clients call
// (format_type, pg_get_expr, has_table_privilege, current_setting, …) are
// SQL functions of the catalog's own driver (funcs.go).
package pgcatalog

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"

	"github.com/pkgql/pkgql/schema"
)

// Info is what a session's functions answer about the connection.
type Info struct {
	Database, User string
	// Version is what version() says.
	Version string
	PID     int64
	// Setting reads a session setting; ok is false for an unknown one.
	Setting func(name string) (value string, ok bool)
	// Settings lists the session's settings, for pg_settings.
	Settings func() [][2]string
	// Set changes a session setting, for set_config(); nil refuses.
	Set func(name, value string) error
}

// Column is a result column and its Postgres type.
type Column struct {
	Name string
	OID  uint32
}

// Result is a catalog query's answer: catalog answers are small, and held.
type Result struct {
	Cols []Column
	Rows [][]any // nil, int64, float64, string or bool
}

// Session is one connection's catalog.
type Session struct {
	id    int64
	info  Info
	model model
	db    *sql.DB
	conn  *sql.Conn
	mu    sync.Mutex
}

var (
	driverOnce sync.Once
	theDriver  *sqlite.Driver
	driverErr  error
	sessions   sync.Map // id → *Session, for the functions
	sessionIDs atomic.Int64
)

type connector struct{ d *sqlite.Driver }

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(":memory:") }
func (c connector) Driver() driver.Driver                        { return c.d }

// Open builds the catalog of the providers for one connection.
func Open(ctx context.Context, providers []*schema.Provider, info Info) (*Session, error) {
	driverOnce.Do(func() {
		theDriver = &sqlite.Driver{}
		driverErr = registerFunctions(theDriver)
	})
	if driverErr != nil {
		return nil, fmt.Errorf("pgcatalog: %w", driverErr)
	}
	s := &Session{id: sessionIDs.Add(1), info: info, model: newModel(providers, info.Database)}
	s.db = sql.OpenDB(connector{theDriver})
	conn, err := s.db.Conn(ctx)
	if err != nil {
		s.db.Close()
		return nil, fmt.Errorf("pgcatalog: %w", err)
	}
	s.conn = conn
	sessions.Store(s.id, s)
	if err := s.build(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("pgcatalog: %w", err)
	}
	return s, nil
}

// Close releases the session's database.
func (s *Session) Close() error {
	sessions.Delete(s.id)
	if s.conn != nil {
		s.conn.Close()
	}
	return s.db.Close()
}

func lookupSession(id int64) *Session {
	v, ok := sessions.Load(id)
	if !ok {
		return nil
	}
	return v.(*Session)
}

func (s *Session) build(ctx context.Context) error {
	if _, err := s.conn.ExecContext(ctx, "ATTACH ':memory:' AS information_schema"); err != nil {
		return err
	}
	for _, t := range tables {
		where := "main"
		if t.schema == "information_schema" {
			where = "information_schema"
		}
		q := fmt.Sprintf("CREATE TABLE %s.%s (%s)", where, t.name, t.cols)
		if _, err := s.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	tx, err := s.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins := func(tbl string, vals ...any) error {
		q := "INSERT INTO " + tbl + " VALUES (" + strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",") + ")"
		_, err := tx.ExecContext(ctx, q, vals...)
		if err != nil {
			return fmt.Errorf("%s: %w", tbl, err)
		}
		return nil
	}
	if err := s.fill(ins); err != nil {
		return err
	}
	return tx.Commit()
}

// systemNamespaces are the schemas every Postgres database has.
var systemNamespaces = []namespace{{oidPgCatalog, "pg_catalog", "system catalog schema"},
	{oidPublic, "public", "standard public schema: empty, as pkgql's tables are in the schemas of their services"},
	{oidInformationSchema, "information_schema", ""}}

// fill writes the rows of the catalog's tables.
func (s *Session) fill(ins func(tbl string, vals ...any) error) error {
	m := s.model
	user := s.info.User
	for _, n := range systemNamespaces {
		if err := ins("pg_namespace", n.oid, n.name, oidOwner, nil); err != nil {
			return err
		}
		if n.desc != "" {
			if err := ins("pg_description", n.oid, oidPgNamespaceRel, 0, n.desc); err != nil {
				return err
			}
		}
	}
	for _, n := range m.namespaces {
		if err := ins("pg_namespace", n.oid, n.name, oidOwner, nil); err != nil {
			return err
		}
		if n.desc != "" {
			if err := ins("pg_description", n.oid, oidPgNamespaceRel, 0, n.desc); err != nil {
				return err
			}
		}
		if err := ins("information_schema.schemata", s.info.Database, n.name, user, nil, nil, "UTF8", nil); err != nil {
			return err
		}
	}
	for _, name := range []string{"pg_catalog", "public", "information_schema"} {
		if err := ins("information_schema.schemata", s.info.Database, name, user, nil, nil, "UTF8", nil); err != nil {
			return err
		}
	}
	for _, t := range pgTypes {
		if err := ins("pg_type", t.oid, t.name, oidPgCatalog, oidOwner, t.len, t.byval, "b", t.category,
			false, true, ",", 0, nil, t.elem, t.array, t.input, strings.TrimSuffix(t.input, "in")+"out", nil, nil, nil, nil, nil,
			"i", "p", false, 0, -1, 0, 0, nil, nil, nil); err != nil {
			return err
		}
	}
	for i, d := range m.databases {
		if err := ins("pg_database", int64(firstOID-100+i), d, oidOwner, 6, "c", false, true, -1, 0, 0, 1663, "C.UTF-8", "C.UTF-8", nil, nil, nil); err != nil {
			return err
		}
	}
	if !containsFold(m.databases, s.info.Database) {
		if err := ins("pg_database", int64(firstOID-100+len(m.databases)), s.info.Database, oidOwner, 6, "c", false, true, -1, 0, 0, 1663, "C.UTF-8", "C.UTF-8", nil, nil, nil); err != nil {
			return err
		}
	}
	if err := ins("pg_roles", oidOwner, user, false, true, false, false, true, false, -1, "********", nil, false, nil); err != nil {
		return err
	}
	if err := ins("pg_user", user, oidOwner, false, false, false, false, "********", nil, nil); err != nil {
		return err
	}
	if err := ins("pg_am", 2, "heap", "heap_tableam_handler", "t"); err != nil {
		return err
	}
	if err := ins("pg_tablespace", 1663, "pg_default", oidOwner, nil, nil); err != nil {
		return err
	}
	for i, f := range functionNames() {
		if err := ins("pg_proc", int64(firstOID-2000+i), f, oidPgCatalog, oidOwner, 12, 1, 0, 0, nil, "f", false, false, false, false, "s", "s", 0, 0, 25, "", nil, nil, nil, nil, nil, f, nil, nil, nil, nil); err != nil {
			return err
		}
	}
	for _, r := range m.relations {
		if err := ins("pg_class", r.oid, r.name, r.nsp, 0, 0, oidOwner, 2, r.oid, 0, 0, -1, 0, 0, false, false, "p", "r",
			len(r.cols), 0, false, false, false, false, false, true, "d", false, 0, 0, 0, nil, nil, nil); err != nil {
			return err
		}
		if r.desc != "" {
			if err := ins("pg_description", r.oid, oidPgClassRel, 0, r.desc); err != nil {
				return err
			}
		}
		if err := ins("information_schema.tables", s.info.Database, r.schema, r.name, "BASE TABLE", nil, nil, nil, nil, nil, "NO", "NO", nil); err != nil {
			return err
		}
		for i, c := range r.cols {
			t, _ := typeByOID(c.typ)
			if err := ins("pg_attribute", r.oid, c.name, c.typ, -1, t.len, i+1, 0, -1, -1, t.byval, "i", "x", "", false,
				false, false, "", "", false, true, 0, collation(c.typ), nil, nil, nil, nil); err != nil {
				return err
			}
			if c.desc != "" {
				if err := ins("pg_description", r.oid, oidPgClassRel, i+1, c.desc); err != nil {
					return err
				}
			}
			var precision, radix any
			switch c.typ {
			case 20:
				precision, radix = 64, 2
			case 701:
				precision, radix = 53, 2
			}
			if err := ins("information_schema.columns", s.info.Database, r.schema, r.name, c.name, i+1, nil, "YES",
				t.formatted, nil, nil, precision, radix, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
				s.info.Database, "pg_catalog", t.name, nil, nil, nil, nil, fmt.Sprint(i+1), "NO", "NO", nil, nil, nil, nil,
				nil, "NO", "NEVER", nil, "NO"); err != nil {
				return err
			}
		}
	}
	return nil
}

func collation(typ int64) int64 {
	if typ == 25 {
		return 100
	}
	return 0
}

func containsFold(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}

// Query answers one catalog query.
func (s *Session) Query(ctx context.Context, q string) (*Result, error) {
	text, err := translate(q, s.id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if mentions(q, "pg_settings") {
		if err := s.refreshSettings(ctx); err != nil {
			return nil, err
		}
	}
	rows, err := s.conn.QueryContext(ctx, text)
	if err != nil {
		return nil, &Error{Msg: strings.TrimSuffix(strings.TrimPrefix(err.Error(), "SQL logic error: "), " (1)"), Query: text}
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	res := &Result{Cols: make([]Column, len(cts))}
	declared := make([]string, len(cts))
	for i, ct := range cts {
		declared[i] = strings.ToLower(ct.DatabaseTypeName())
		res.Cols[i] = Column{Name: ct.Name(), OID: declaredOIDs[declared[i]]}
	}
	for rows.Next() {
		vals := make([]any, len(cts))
		ptrs := make([]any, len(cts))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			vals[i] = normalize(v, res.Cols[i].OID)
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, &Error{Msg: err.Error(), Query: text}
	}
	// Computed columns take the type of their first value.
	for i := range res.Cols {
		if res.Cols[i].OID != 0 {
			continue
		}
		res.Cols[i].OID = 25
		for _, r := range res.Rows {
			switch r[i].(type) {
			case int64:
				res.Cols[i].OID = 20
			case float64:
				res.Cols[i].OID = 701
			case bool:
				res.Cols[i].OID = 16
			case nil:
				continue
			}
			break
		}
		if res.Cols[i].OID == 20 {
			for _, r := range res.Rows {
				if _, ok := r[i].(float64); ok {
					res.Cols[i].OID = 701
				}
			}
		}
	}
	return res, nil
}

// normalize turns a SQLite value into the Go value of its Postgres type.
func normalize(v any, oid uint32) any {
	switch x := v.(type) {
	case []byte:
		v = string(x)
	}
	if oid == 16 {
		switch x := v.(type) {
		case int64:
			return x != 0
		case string:
			return x == "t" || x == "true" || x == "1"
		}
	}
	return v
}

func (s *Session) refreshSettings(ctx context.Context) error {
	if _, err := s.conn.ExecContext(ctx, "DELETE FROM pg_settings"); err != nil {
		return err
	}
	if s.info.Settings == nil {
		return nil
	}
	for _, kv := range s.info.Settings() {
		if _, err := s.conn.ExecContext(ctx, `INSERT INTO pg_settings (name, setting, category, short_desc, context, vartype, source, boot_val, reset_val, pending_restart)
			VALUES (?, ?, 'pkgql', '', 'user', 'string', 'session', ?, ?, 0)`, kv[0], kv[1], kv[1], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// Error is a catalog query SQLite could not answer.
type Error struct {
	Msg   string
	Query string // as rewritten for SQLite
}

func (e *Error) Error() string { return "catalog query: " + e.Msg }
