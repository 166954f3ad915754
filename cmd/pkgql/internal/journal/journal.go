// Package journal keeps the local record of every change pkgql makes, in
// SQLite under the user's state directory, and serves it as the built-in
// provider pkgql.local.journal: SELECT reads it, and EXEC
// pkgql.local.journal.undo @statement = N restores what statement N deleted.
//
// Each change is written before its request is sent and completed after its
// answer, so a run that dies mid-statement leaves a record of every request
// that may have been applied: an entry without a result.
package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// Journal is an open journal. It is safe for concurrent use, and several
// pkgql processes may share one file.
type Journal struct {
	db *sql.DB
	// writes go to one writer, which commits those that are waiting
	// together: a bulk statement's calls in flight share one commit, and so
	// one sync to disk, instead of taking turns at the file's write lock.
	writes chan write
	// mu guards closed; a sender holds it for reading so that Close, which
	// closes writes, waits for the sends under way.
	mu      sync.RWMutex
	closed  bool
	stopped chan struct{} // closed once the writer has written everything
}

var errClosed = errors.New("the journal is closed")

// write is one statement for the writer; the answer comes back on done.
type write struct {
	query string
	args  []any
	done  chan writeResult
}

type writeResult struct {
	id  int64 // the row inserted, for an INSERT
	err error
}

const schemaSQL = `
CREATE TABLE IF NOT EXISTS statements (
	id   INTEGER PRIMARY KEY,
	at   TEXT NOT NULL,
	text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
	id          INTEGER PRIMARY KEY,
	statement   INTEGER NOT NULL REFERENCES statements(id),
	sent_at     TEXT NOT NULL,
	answered_at TEXT,
	provider    TEXT NOT NULL,
	service     TEXT NOT NULL,
	resource    TEXT NOT NULL,
	method      TEXT NOT NULL,
	key         TEXT NOT NULL,
	http_status INTEGER,
	result      TEXT,
	message     TEXT
);
CREATE INDEX IF NOT EXISTS entries_statement ON entries(statement);
`

// Open opens (creating it if need be) the journal at path, private to the
// user.
func Open(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the journal's directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	f.Close()
	// WAL and a busy timeout let several pkgql processes write one journal;
	// synchronous=FULL makes an entry durable before its request goes out.
	dsn := "file:" + filepath.ToSlash(path) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	if _, err := db.Exec(schemaSQL); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening the journal %s: %w", path, err)
	}
	j := &Journal{db: db, writes: make(chan write, maxBatch), stopped: make(chan struct{})}
	go j.writer()
	return j, nil
}

// Close closes the journal once the writes under way are written.
func (j *Journal) Close() error {
	j.mu.Lock()
	if !j.closed {
		j.closed = true
		close(j.writes)
	}
	j.mu.Unlock()
	<-j.stopped
	return j.db.Close()
}

// maxBatch bounds the writes of one commit, and how many wait for the
// writer before a sender waits too.
const maxBatch = 256

// writer commits the writes waiting when it is free in one transaction: each
// is durable (synchronous=FULL) before its caller hears back, as one at a
// time, at the cost of one sync for all.
func (j *Journal) writer() {
	defer close(j.stopped)
	for w := range j.writes {
		batch := []write{w}
	gather:
		for len(batch) < maxBatch {
			select {
			case w, ok := <-j.writes:
				if !ok {
					break gather
				}
				batch = append(batch, w)
			default:
				break gather
			}
		}
		results, err := j.commit(batch)
		for i, w := range batch {
			if err != nil {
				results[i].err = err
			}
			w.done <- results[i]
		}
	}
}

func (j *Journal) commit(batch []write) ([]writeResult, error) {
	results := make([]writeResult, len(batch))
	tx, err := j.db.Begin()
	if err != nil {
		return results, err
	}
	defer tx.Rollback()
	for i, w := range batch {
		res, err := tx.Exec(w.query, w.args...)
		if err != nil {
			return results, err
		}
		results[i].id, _ = res.LastInsertId()
	}
	return results, tx.Commit()
}

// exec has the writer run query and waits until it is committed. Once
// handed over, a write is completed even if ctx ends.
func (j *Journal) exec(ctx context.Context, query string, args ...any) (int64, error) {
	w := write{query: query, args: args, done: make(chan writeResult, 1)}
	if err := j.send(ctx, w); err != nil {
		return 0, err
	}
	r := <-w.done
	return r.id, r.err
}

// send hands w to the writer.
func (j *Journal) send(ctx context.Context, w write) error {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.closed {
		return errClosed
	}
	select {
	case j.writes <- w:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Statement records a statement that is about to change something, and
// returns its number.
func (j *Journal) Statement(ctx context.Context, text string) (int64, error) {
	id, err := j.exec(ctx, `INSERT INTO statements(at, text) VALUES (?, ?)`, stamp(time.Now()), text)
	if err != nil {
		return 0, fmt.Errorf("writing the journal: %w", err)
	}
	return id, nil
}

// Sent records a change before its request goes out — the method of
// provider.service.resource, called with key (secret params left out) — and
// returns the entry's number for Answered.
func (j *Journal) Sent(ctx context.Context, statement int64, prov, service, resource, method string, key map[string]string) (int64, error) {
	keyJSON, err := json.Marshal(key)
	if err != nil {
		return 0, err
	}
	id, err := j.exec(ctx,
		`INSERT INTO entries(statement, sent_at, provider, service, resource, method, key) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		statement, stamp(time.Now()), prov, service, resource, method, string(keyJSON))
	if err != nil {
		return 0, fmt.Errorf("writing the journal: %w", err)
	}
	return id, nil
}

// Answered completes an entry with what the change ended with. It is written
// even when the statement's context was cancelled: the answer is in.
func (j *Journal) Answered(entry int64, status int, result, message string) error {
	var st any
	if status != 0 {
		st = status
	}
	_, err := j.exec(context.Background(),
		`UPDATE entries SET answered_at = ?, http_status = ?, result = ?, message = ? WHERE id = ?`,
		stamp(time.Now()), st, result, message, entry)
	if err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	return nil
}

// Entry is one recorded change.
type Entry struct {
	ID, Statement                       int64
	StatementText                       string
	SentAt                              time.Time
	AnsweredAt                          *time.Time
	Provider, Service, Resource, Method string
	Key                                 map[string]string
	HTTPStatus                          int    // 0 when no answer was recorded
	Result                              string // "" when no answer was recorded: it may have been applied
	Message                             string
}

// Entries returns the entries of one statement (statement > 0) or of all, in
// the order they were sent.
func (j *Journal) Entries(ctx context.Context, statement int64) ([]Entry, error) {
	q := `SELECT e.id, e.statement, s.text, e.sent_at, e.answered_at, e.provider, e.service, e.resource, e.method, e.key,
	             e.http_status, e.result, e.message
	        FROM entries e JOIN statements s ON s.id = e.statement`
	var args []any
	if statement > 0 {
		q += ` WHERE e.statement = ?`
		args = append(args, statement)
	}
	rows, err := j.db.QueryContext(ctx, q+` ORDER BY e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var sent, key string
		var answered, result, message sql.NullString
		var status sql.NullInt64
		if err := rows.Scan(&e.ID, &e.Statement, &e.StatementText, &sent, &answered, &e.Provider, &e.Service, &e.Resource,
			&e.Method, &key, &status, &result, &message); err != nil {
			return nil, fmt.Errorf("reading the journal: %w", err)
		}
		e.SentAt, _ = time.Parse(time.RFC3339Nano, sent)
		if answered.Valid {
			t, _ := time.Parse(time.RFC3339Nano, answered.String)
			e.AnsweredAt = &t
		}
		if err := json.Unmarshal([]byte(key), &e.Key); err != nil {
			return nil, fmt.Errorf("reading the journal: entry %d: %w", e.ID, err)
		}
		e.HTTPStatus, e.Result, e.Message = int(status.Int64), result.String, message.String
		out = append(out, e)
	}
	return out, errors.Join(rows.Err())
}

// StatementExists reports whether the journal has statement n.
func (j *Journal) StatementExists(ctx context.Context, n int64) (bool, error) {
	var one int
	err := j.db.QueryRowContext(ctx, `SELECT 1 FROM statements WHERE id = ?`, n).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
