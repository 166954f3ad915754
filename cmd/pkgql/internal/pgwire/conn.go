package pgwire

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/pgcatalog"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
)

const (
	// startupTimeout bounds the startup and authentication exchange, so that
	// a client that connects and says nothing does not hold a goroutine.
	startupTimeout = 30 * time.Second
	// maxMessage bounds one client message; a longer statement is refused
	// before it is read into memory. The engine reads scripts of up to 16
	// MiB, so a longer message could only fail later, after copies of it
	// took many times its size; the margin is for Bind's framing.
	maxMessage = 16<<20 + 64<<10
	// inputBudget bounds the client messages held at once by all
	// connections of one server: maxMessage alone lets every client hold 16
	// MiB at the same time.
	inputBudget = 64 << 20
	// budgetWait is how long a message waits for its share of inputBudget
	// before it is refused.
	budgetWait = 5 * time.Second
	// smallMessage is read without a reservation: the reader's own buffer
	// holds that much per connection anyway.
	smallMessage = 8 << 10
	// flushEvery is how many bytes of rows are held before they are sent.
	flushEvery = 64 << 10
)

// conn is one client connection. One goroutine reads its messages and
// answers them in order; a CancelRequest (on another connection) and the
// server's shutdown reach it only through cancelRunning and wake.
type conn struct {
	srv *Server
	nc  net.Conn
	in  *bufio.Reader // nc's read side, so that a message's length is read before its body
	be  *pgproto3.Backend
	msg *msgReader // what be reads: one message at a time, so that in holds the next one's header
	log hclog.Logger

	key    uint32
	secret []byte // set once at startup, under rmu

	user, database string
	settings       map[string]string

	eng Engine
	// cat answers catalog queries; opened on the first.
	cat *pgcatalog.Session
	// cursors are the DECLAREd cursors, by name.
	cursors map[string]*cursor
	// inTx is set between BEGIN and COMMIT or ROLLBACK.
	inTx bool
	// ctx ends when the server's grace period is over.
	ctx context.Context

	wmu sync.Mutex // be's write side: the engine may call Confirm and the sink from its own goroutines

	rmu       sync.Mutex
	runCancel context.CancelFunc // of the running statement
	woken     bool               // the server is shutting down: stop reading

	stmts   map[string]*prepared
	portals map[string]*portal
	// inBatch is set between an extended-protocol message and its Sync;
	// skipping is set by an error in the batch: messages are ignored until
	// Sync, as in Postgres.
	inBatch, skipping bool
	batch             int // Syncs so far

	rowBuf  []byte
	rowVals [][]byte
}

func newConn(s *Server, nc net.Conn, key uint32) *conn {
	c := &conn{
		srv:      s,
		nc:       nc,
		key:      key,
		log:      s.log.With("conn", key, "remote", nc.RemoteAddr().String()),
		ctx:      s.forceCtx,
		settings: map[string]string{},
		stmts:    map[string]*prepared{},
		portals:  map[string]*portal{},
		cursors:  map[string]*cursor{},
	}
	c.in = bufio.NewReaderSize(nc, smallMessage)
	c.msg = &msgReader{r: c.in, n: 1 << 62}
	c.be = pgproto3.NewBackend(c.msg, nc)
	c.be.SetMaxBodyLen(maxMessage)
	return c
}

func (c *conn) serve() {
	defer c.nc.Close()
	defer func() {
		c.closeCursors(true)
		c.dropPortals()
		if c.cat != nil {
			_ = c.cat.Close()
		}
		if c.eng != nil {
			if err := c.eng.Close(); err != nil {
				c.log.Warn("closing the engine", "error", err)
			}
		}
	}()
	c.setReadDeadline(time.Now().Add(startupTimeout))
	if !c.startup() {
		return
	}
	c.setReadDeadline(time.Time{})
	c.log.Debug("session started", "user", c.user, "database", c.database)
	for {
		held, ok := c.reserve()
		if !ok {
			return
		}
		if held < 0 {
			continue
		}
		msg, err := c.be.Receive()
		if err != nil {
			c.srv.input.Release(held)
			c.readFailed(err)
			return
		}
		more := c.dispatch(msg)
		c.srv.input.Release(held)
		if !more {
			return
		}
	}
}

// reserve takes the next message's size from the server's input budget
// before its body is read. It returns the bytes held, to be released once
// the message is answered; -1 when the message was refused and skipped;
// false when the connection ends.
func (c *conn) reserve() (int64, bool) {
	hdr, err := c.in.Peek(5)
	if err != nil {
		c.readFailed(err)
		return 0, false
	}
	size := int64(binary.BigEndian.Uint32(hdr[1:])) + 1
	c.msg.n = size
	if size <= smallMessage || size-5 > maxMessage {
		// Small messages need no share; an overlong one is refused by
		// Receive from its header.
		return 0, true
	}
	ctx, cancel := context.WithTimeout(c.ctx, budgetWait)
	defer cancel()
	if c.srv.input.Acquire(ctx, size) == nil {
		return size, true
	}
	typ := hdr[0]
	c.log.Warn("message refused: input budget in use", "bytes", size)
	if _, err := io.CopyN(io.Discard, c.in, size); err != nil {
		c.readFailed(err)
		return 0, false
	}
	msg := fmt.Sprintf("message of %d bytes refused: the other connections' messages hold the %d bytes pkgql serve buffers at once; retry when they are answered, or send shorter statements", size-1, inputBudget)
	if typ != 'Q' {
		// Mid extended-protocol batch the skipped message leaves the
		// batch unusable: end the connection rather than guess.
		c.fatal(codeOutOfMemory, msg)
		return 0, false
	}
	c.sendError(&pgError{code: codeOutOfMemory, pos: -1, msg: msg}, nil)
	if err := c.ready(); err != nil {
		return 0, false
	}
	return -1, true
}

// dispatch answers one message; false ends the connection.
func (c *conn) dispatch(msg pgproto3.FrontendMessage) bool {
	var err error
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.simpleQuery(m.String)
		err = c.ready()
	case *pgproto3.Parse:
		c.extended(func() error { return c.parse(m) })
	case *pgproto3.Bind:
		c.extended(func() error { return c.bind(m) })
	case *pgproto3.Describe:
		c.extended(func() error { return c.describe(m) })
	case *pgproto3.Execute:
		c.extended(func() error { return c.execute(m) })
	case *pgproto3.Close:
		c.extended(func() error { return c.closeObject(m) })
	case *pgproto3.Sync:
		c.inBatch, c.skipping = false, false
		c.batch++
		// Sync ends the implicit transaction, and portals live no longer;
		// within BEGIN … COMMIT they live until COMMIT, as JDBC's fetch
		// size needs.
		if !c.inTx {
			c.dropPortals()
		}
		err = c.ready()
	case *pgproto3.Flush:
		err = c.flush()
	case *pgproto3.Terminate:
		return false
	case *pgproto3.FunctionCall:
		c.sendError(&pgError{code: codeFeatureNotSupported, pos: -1, msg: "pkgql does not support the function call protocol"}, nil)
		err = c.ready()
	default:
		c.fatal(codeProtocolViolation, fmt.Sprintf("unexpected %T message", msg))
		return false
	}
	if err != nil {
		c.log.Debug("write failed", "error", err)
		return false
	}
	if c.srv.closing.Load() && !c.inBatch {
		c.fatal(codeAdminShutdown, "terminating connection: pkgql serve is shutting down")
		return false
	}
	return true
}

// readFailed ends a connection whose read failed: the client left, or the
// server is shutting down and woke the read.
func (c *conn) readFailed(err error) {
	switch {
	case c.srv.closing.Load():
		c.fatal(codeAdminShutdown, "terminating connection: pkgql serve is shutting down")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		c.log.Debug("client left")
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.fatal(codeProtocolViolation, "timed out waiting for the startup message")
	default:
		var tooLong *pgproto3.ExceededMaxBodyLenErr
		if errors.As(err, &tooLong) {
			c.fatal(codeProtocolViolation, fmt.Sprintf("message of %d bytes is longer than the %d bytes pkgql accepts", tooLong.ActualBodyLen, maxMessage))
			return
		}
		c.log.Debug("read failed", "error", err)
		c.fatal(codeProtocolViolation, err.Error())
	}
}

func (c *conn) send(msgs ...pgproto3.BackendMessage) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for _, m := range msgs {
		c.be.Send(m)
	}
}

func (c *conn) flush() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.be.Flush()
}

func (c *conn) ready() error {
	c.send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	return c.flush()
}

func (c *conn) notice(msg string) {
	c.send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "00000", Message: msg})
}

func (c *conn) sendError(err error, o *origin) {
	r := errorResponse(err, o, c.srv.forceCtx.Err() != nil)
	c.log.Debug("statement failed", "code", r.Code, "error", r.Message)
	c.send(r)
}

// fatal sends a FATAL error; the caller then ends the connection.
func (c *conn) fatal(code, msg string) {
	c.send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg})
	_ = c.flush()
}

// extended runs one message of the extended protocol, unless an earlier one
// failed; its error is sent and the rest of the batch skipped.
func (c *conn) extended(f func() error) {
	c.inBatch = true
	if c.skipping {
		return
	}
	if err := f(); err != nil {
		var o *origin
		var se *stmtError
		if errors.As(err, &se) {
			o = se.origin
		}
		c.sendError(err, o)
		c.skipping = true
	}
}

// stmtError carries where a statement's error happened.
type stmtError struct {
	err    error
	origin *origin
}

func (e *stmtError) Error() string { return e.err.Error() }
func (e *stmtError) Unwrap() error { return e.err }

// run runs one engine statement, cancellable by a CancelRequest and bounded
// by the session's statement_timeout (else Options.Timeout).
func (c *conn) run(st Statement, sink rowset.Sink) error {
	if err := c.checkReadOnly(st); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(c.ctx)
	timeout := c.statementTimeout()
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(c.ctx, timeout)
	}
	defer cancel()
	c.rmu.Lock()
	c.runCancel = cancel
	c.rmu.Unlock()
	defer func() {
		c.rmu.Lock()
		c.runCancel = nil
		c.rmu.Unlock()
	}()
	err := c.eng.Run(ctx, st, sink)
	switch {
	case err == nil:
		return nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &pgError{code: codeQueryCanceled, pos: -1, msg: fmt.Sprintf("canceling statement due to statement timeout (%s)", timeout),
			hint: "raise it with SET statement_timeout = '60s', or 0 for no limit"}
	case c.ctx.Err() != nil:
		return &pgError{code: codeAdminShutdown, pos: -1, msg: "canceling statement: pkgql serve is shutting down"}
	case ctx.Err() != nil:
		return &pgError{code: codeQueryCanceled, pos: -1, msg: "canceling statement due to user request"}
	}
	return err
}

// statementTimeout is the session's statement_timeout.
func (c *conn) statementTimeout() time.Duration {
	d, _ := parseTimeout(c.setting("statement_timeout"))
	return d
}

// parseTimeout reads a timeout as Postgres takes it: milliseconds, or a
// number with a unit (ms, s, min, h).
func parseTimeout(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(max(ms, 0)) * time.Millisecond, true
	}
	d, err := time.ParseDuration(strings.ReplaceAll(strings.ReplaceAll(v, "min", "m"), " ", ""))
	return max(d, 0), err == nil
}

// cancelRunning cancels the running statement, if the secret is the
// connection's; it reports whether it was.
func (c *conn) cancelRunning(secret []byte) bool {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.secret == nil || subtle.ConstantTimeCompare(c.secret, secret) != 1 {
		return false
	}
	c.log.Debug("cancel request", "running", c.runCancel != nil)
	if c.runCancel != nil {
		c.runCancel()
	}
	return true
}

// wake makes the connection's pending read return, so that it sees the
// server is shutting down.
func (c *conn) wake() {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.woken = true
	_ = c.nc.SetReadDeadline(time.Now())
}

func (c *conn) setReadDeadline(t time.Time) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if !c.woken {
		_ = c.nc.SetReadDeadline(t)
	}
}

// confirm answers a bulk DELETE's question. A network client cannot be asked
// in the middle of a statement, so the answer is the session's pkgql.yes
// setting, and the question is sent as a notice saying how to confirm.
func (c *conn) confirm(_ context.Context, question string) bool {
	if on, _ := parseBool(c.setting("pkgql.yes")); on {
		c.notice(question + " (confirmed by SET pkgql.yes = on)")
		return true
	}
	c.notice(question + "\nNot confirmed: run SET pkgql.yes = on to confirm bulk DELETEs in this session, then the statement again.")
	_ = c.flush()
	return false
}

func randomSecret(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// msgReader gives the backend no more than the current message, so that
// the next message's header stays in the bufio.Reader to be peeked at.
type msgReader struct {
	r *bufio.Reader
	n int64
}

func (m *msgReader) Read(p []byte) (int, error) {
	if m.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > m.n {
		p = p[:m.n]
	}
	k, err := m.r.Read(p)
	m.n -= int64(k)
	return k, err
}
