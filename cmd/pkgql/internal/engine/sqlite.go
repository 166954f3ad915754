package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The engine's SQLite is in memory, private and shut: its driver is the
// engine's own (the virtual table module is registered on it alone), every
// connection has an authorizer that allows reading and nothing else, and only
// statements the engine rendered from a checked SELECT reach it.
//
// A sqliteConn is one connection with every resource's table created on it. A
// statement takes a connection for as long as it runs, so the tables know which
// statement's calls they serve.

// moduleName is the virtual table module on the engine's private driver.
const moduleName = "pkgql"

// The driver and its module are the package's: one registration serves every
// Engine, and a closed Engine leaves nothing registered behind (the driver
// keeps what is registered on it for the life of the process).
var (
	driverOnce sync.Once
	theDriver  *sqlite.Driver
	driverErr  error
	tables     = &module{conns: map[int64]*sqliteConn{}}
	connIDs    atomic.Int64
)

func engineDriver() (*sqlite.Driver, error) {
	driverOnce.Do(func() {
		theDriver = &sqlite.Driver{}
		driverErr = theDriver.RegisterModule(moduleName, tables)
		for name, impl := range timeFunctions {
			if driverErr == nil {
				driverErr = theDriver.RegisterFunction(name, impl)
			}
		}
	})
	return theDriver, driverErr
}

type sqliteDB struct {
	db     *sql.DB
	cat    *catalog
	mu     sync.Mutex
	idle   []*sqliteConn
	closed bool
}

// sqliteConn is one SQLite connection and the statement it runs.
type sqliteConn struct {
	id   int64
	cat  *catalog
	conn *sql.Conn
	run  atomic.Pointer[runState]
	// plans are the scan plans of the statement being prepared or run.
	plans atomic.Pointer[scanPlans]
}

func (s *sqliteConn) current() *runState { return s.run.Load() }

// connector opens in-memory databases on the engine's driver.
type connector struct{ d *sqlite.Driver }

// Double-quoted names that match no column are errors, not strings (SQLite's
// "DQS" fallback), and LIKE is case-sensitive, as in Postgres (ILIKE ignores
// case).
func (c connector) Connect(context.Context) (driver.Conn, error) {
	return c.d.Open("file::memory:?mode=memory&_dqs=0&_pragma=case_sensitive_like(1)")
}
func (c connector) Driver() driver.Driver { return c.d }

func openSQLite(cat *catalog) (*sqliteDB, error) {
	d, err := engineDriver()
	if err != nil {
		return nil, fmt.Errorf("engine: sqlite: %w", err)
	}
	return &sqliteDB{db: sql.OpenDB(connector{d}), cat: cat}, nil
}

func (s *sqliteDB) close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle, s.closed = nil, true
	s.mu.Unlock()
	for _, sc := range idle {
		sc.close()
	}
	return s.db.Close()
}

// acquire takes an idle connection or opens one.
func (s *sqliteDB) acquire(ctx context.Context) (*sqliteConn, error) {
	for {
		s.mu.Lock()
		n := len(s.idle)
		if n == 0 {
			s.mu.Unlock()
			break
		}
		sc := s.idle[n-1]
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		// A connection a cancelled statement broke is dropped, not reused.
		if err := sc.conn.PingContext(ctx); err == nil {
			return sc, nil
		}
		sc.close()
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: sqlite: %w", err)
	}
	sc := &sqliteConn{id: connIDs.Add(1), cat: s.cat, conn: conn}
	tables.mu.Lock()
	tables.conns[sc.id] = sc
	tables.mu.Unlock()
	for _, res := range s.cat.resources {
		q := fmt.Sprintf("CREATE VIRTUAL TABLE temp.%s USING %s(%d, %d)", quoteIdent(res.name), moduleName, sc.id, res.index)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			sc.close()
			return nil, fmt.Errorf("engine: sqlite: %s: %w", res.name, err)
		}
	}
	if err := setLimits(conn); err != nil {
		sc.close()
		return nil, fmt.Errorf("engine: sqlite: %w", err)
	}
	err = conn.Raw(func(dc any) error {
		a, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("the driver has no authorizer")
		}
		return a.RegisterAuthorizer(authorize)
	})
	if err != nil {
		sc.close()
		return nil, fmt.Errorf("engine: sqlite: %w", err)
	}
	return sc, nil
}

// SQLite's own limits let one value or one statement's text take a
// gigabyte (printf('%.*c', 1e9, 'x'), randomblob(1e9)). pkgql's values are
// GitHub's fields and the JSON objects among them, kilobytes each, so far
// lower limits hold every real statement and keep a hostile one from taking
// the machine's memory.
const (
	maxValueBytes = 32 << 20 // one string or blob, a row's text included
	maxSQLBytes   = 4 << 20  // the rendered text of one statement
)

var limits = []struct{ id, value int }{
	{sqlite3.SQLITE_LIMIT_LENGTH, maxValueBytes},
	{sqlite3.SQLITE_LIMIT_SQL_LENGTH, maxSQLBytes},
	{sqlite3.SQLITE_LIMIT_COLUMN, 2000},
	{sqlite3.SQLITE_LIMIT_EXPR_DEPTH, 1000},
	{sqlite3.SQLITE_LIMIT_COMPOUND_SELECT, 500},
	{sqlite3.SQLITE_LIMIT_FUNCTION_ARG, 127},
	{sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50000},
	{sqlite3.SQLITE_LIMIT_ATTACHED, 0},
}

func setLimits(conn *sql.Conn) error {
	for _, l := range limits {
		if _, err := sqlite.Limit(conn, l.id, l.value); err != nil {
			return fmt.Errorf("setting limit %d: %w", l.id, err)
		}
	}
	return nil
}

// tooBig words SQLite's "string or blob too big" for the limit pkgql set.
func tooBig(err error) (msg, hint string, ok bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code() != sqlite3.SQLITE_TOOBIG {
		return "", "", false
	}
	return fmt.Sprintf("a value in this statement would be larger than %d MiB, the most pkgql holds in one value", maxValueBytes>>20),
		"make the value smaller (substr, a LIMIT on what group_concat or json_group_array gathers)", true
}

// close ends a connection for good.
func (sc *sqliteConn) close() {
	tables.mu.Lock()
	delete(tables.conns, sc.id)
	tables.mu.Unlock()
	_ = sc.conn.Close()
}

func (s *sqliteDB) release(sc *sqliteConn) {
	sc.run.Store(nil)
	sc.plans.Store(nil)
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.idle = append(s.idle, sc)
	}
	s.mu.Unlock()
	if closed {
		sc.close()
	}
}

// authorize lets a statement read and compute, and nothing else: no writes,
// no schema changes, no ATTACH, no PRAGMA, no functions that reach outside,
// no reading SQLite's own tables.
func authorize(action sqlite.AuthorizerActionCode, arg1, arg2, _, _ string) sqlite.AuthorizerReturnCode {
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRecursive:
		return sqlite.AuthorizerOK
	case sqlite.AuthRead:
		if strings.HasPrefix(strings.ToLower(arg1), "sqlite_") {
			return sqlite.AuthorizerDeny
		}
		return sqlite.AuthorizerOK
	case sqlite.AuthFunction:
		name := strings.ToLower(arg2)
		if deniedFunctions[name] || strings.HasPrefix(name, "sqlite_") && name != "sqlite_version" {
			return sqlite.AuthorizerDeny
		}
		return sqlite.AuthorizerOK
	}
	return sqlite.AuthorizerDeny
}

// eqpScan is one virtual table scan in SQLite's plan of a statement.
type eqpScan struct {
	alias string
	plan  *scanPlan
}

// explainPlan prepares q on a connection without running it, BestIndex
// adding the plans it makes to plans, and reads from EXPLAIN QUERY PLAN the
// key of the plan SQLite chose for each virtual table. SQLite's own errors
// (an unknown function, a misused aggregate) surface here, before anything
// runs.
func (e *Engine) explainPlan(ctx context.Context, q string, args []any, plans *scanPlans) ([]eqpScan, error) {
	sc, err := e.sqlite.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer e.sqlite.release(sc)
	sc.plans.Store(plans)
	rows, err := sc.conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var scans []eqpScan
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, err
		}
		// "SCAN <alias> VIRTUAL TABLE INDEX <key>:<label>"
		const marker = " VIRTUAL TABLE INDEX "
		i := strings.Index(detail, marker)
		if i < 0 || !strings.HasPrefix(detail, "SCAN ") {
			continue
		}
		num, _, _ := strings.Cut(detail[i+len(marker):], ":")
		key, err := strconv.Atoi(num)
		sp := plans.plan(key)
		if err != nil || sp == nil {
			return nil, fmt.Errorf("engine: SQLite chose scan plan %q, which BestIndex did not make", detail)
		}
		scans = append(scans, eqpScan{alias: detail[len("SCAN "):i], plan: sp})
	}
	return scans, rows.Err()
}

// quoteIdent quotes a name for SQLite.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
