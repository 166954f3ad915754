package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
)

// The engine's SQLite is in memory, private and shut: its driver is the
// engine's own (the virtual table module is registered on it alone), every
// connection has an authorizer that allows reading and nothing else, and only
// statements the engine rendered from a checked SELECT reach it.
//
// A session is one connection with every resource's table created on it. A
// statement takes a session for as long as it runs, so the tables know which
// statement's calls they serve.

// moduleName is the virtual table module on the engine's private driver.
const moduleName = "pkgql"

type sqliteDB struct {
	db     *sql.DB
	mod    *module
	mu     sync.Mutex
	idle   []*session
	nextID atomic.Int64
}

// session is one SQLite connection and the statement it runs.
type session struct {
	id   int
	conn *sql.Conn
	run  atomic.Pointer[runState]
}

func (s *session) current() *runState { return s.run.Load() }

// connector opens in-memory databases on the engine's driver.
type connector struct{ d *sqlite.Driver }

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(":memory:") }
func (c connector) Driver() driver.Driver                         { return c.d }

func openSQLite(e *Engine) (*sqliteDB, error) {
	d := &sqlite.Driver{}
	mod := &module{e: e, sessions: map[int]*session{}}
	if err := d.RegisterModule(moduleName, mod); err != nil {
		return nil, fmt.Errorf("engine: sqlite: %w", err)
	}
	return &sqliteDB{db: sql.OpenDB(connector{d}), mod: mod}, nil
}

func (s *sqliteDB) close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	for _, sess := range idle {
		_ = sess.conn.Close()
	}
	return s.db.Close()
}

// acquire takes an idle session or opens one.
func (s *sqliteDB) acquire(ctx context.Context, cat *catalog) (*session, error) {
	s.mu.Lock()
	if n := len(s.idle); n > 0 {
		sess := s.idle[n-1]
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		return sess, nil
	}
	s.mu.Unlock()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: sqlite: %w", err)
	}
	sess := &session{id: int(s.nextID.Add(1)), conn: conn}
	s.mod.mu.Lock()
	s.mod.sessions[sess.id] = sess
	s.mod.mu.Unlock()
	for _, res := range cat.resources {
		q := fmt.Sprintf("CREATE VIRTUAL TABLE temp.%s USING %s(%d, %d)", quoteIdent(res.name), moduleName, sess.id, res.index)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("engine: sqlite: %s: %w", res.name, err)
		}
	}
	err = conn.Raw(func(dc any) error {
		a, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("the driver has no authorizer")
		}
		return a.RegisterAuthorizer(authorize)
	})
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("engine: sqlite: %w", err)
	}
	return sess, nil
}

func (s *sqliteDB) release(sess *session) {
	sess.run.Store(nil)
	s.mu.Lock()
	s.idle = append(s.idle, sess)
	s.mu.Unlock()
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
	state int // planCall or planMissing
}

// explainPlan prepares q on a session without running it and reads, from
// EXPLAIN QUERY PLAN, which plan SQLite chose for each virtual table. SQLite's
// own errors (an unknown function, a misused aggregate) surface here, before
// anything runs.
func (e *Engine) explainPlan(ctx context.Context, q string, args []any) ([]eqpScan, []string, error) {
	sess, err := e.sqlite.acquire(ctx, e.cat)
	if err != nil {
		return nil, nil, err
	}
	defer e.sqlite.release(sess)
	rows, err := sess.conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var scans []eqpScan
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, nil, err
		}
		lines = append(lines, detail)
		const marker = " VIRTUAL TABLE INDEX "
		i := strings.Index(detail, marker)
		if i < 0 || !strings.HasPrefix(detail, "SCAN ") {
			continue
		}
		num, idxStr, _ := strings.Cut(detail[i+len(marker):], ":")
		state, _ := strconv.Atoi(num)
		sp := &scanPlan{}
		if err := json.Unmarshal([]byte(idxStr), sp); err != nil {
			continue
		}
		scans = append(scans, eqpScan{alias: detail[len("SCAN "):i], plan: sp, state: state})
	}
	return scans, lines, rows.Err()
}

// quoteIdent quotes a name for SQLite.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
