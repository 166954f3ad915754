package pgwire

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/semaphore"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/schema"
)

// DefaultAddr is where the server listens unless told otherwise: loopback,
// so that nothing outside the machine reaches the user's GitHub token.
const DefaultAddr = "127.0.0.1:5466"

// cutAfter is how long Shutdown waits, after cancelling the running
// statements, before it closes the connections that have not ended.
const cutAfter = 250 * time.Millisecond

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("pgwire: server closed")

// Engine is what a connection needs of pkgql's engine: pkgql's engine behind
// an adapter, where the server is built.
type Engine interface {
	// Prepare reads and checks a whole script; when it fails, nothing of
	// the script runs, and a rowset.PlacedError says where.
	Prepare(script string) ([]Statement, error)
	// Run runs a statement this engine prepared, writing its result set to
	// sink. Cancelling ctx stops it.
	Run(ctx context.Context, st Statement, sink rowset.Sink) error
	// Catalog is the providers' schemas, which the catalog tables describe.
	Catalog() []*schema.Provider
	Close() error
}

// Statement is one prepared statement.
type Statement interface {
	Kind() rowset.Kind
}

// NewEngineFunc makes the engine of one connection. confirm answers a bulk
// DELETE's question for that connection: the engine asks it before deleting.
type NewEngineFunc func(ctx context.Context, confirm func(ctx context.Context, question string) bool) (Engine, error)

// Options configures a Server.
type Options struct {
	// Addr is the TCP address ListenAndServe listens on; DefaultAddr if empty.
	Addr string
	// Password, when set, is required from every client, by SCRAM-SHA-256.
	// When empty any client that reaches the address is served.
	Password string
	// NewEngine makes a fresh engine for each connection: engines are never
	// shared between connections (the provider processes behind them are).
	NewEngine NewEngineFunc
	// Version is pkgql's version, shown by SELECT version().
	Version string
	// Timeout bounds every statement unless the session sets
	// statement_timeout; 0 means no limit.
	Timeout time.Duration
	// Grace is how long Close lets running statements finish before it
	// cancels them; 5 s if zero.
	Grace  time.Duration
	Logger hclog.Logger
}

// Server serves the Postgres wire protocol (version 3) over pkgql's engine.
type Server struct {
	opts Options
	log  hclog.Logger
	auth *scramAuth

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[uint32]*conn
	nextKey   uint32
	closing   atomic.Bool
	wg        sync.WaitGroup

	// forceCtx ends every connection's statements once the grace period of
	// a shutdown is over.
	forceCtx    context.Context
	forceCancel context.CancelFunc

	// input holds the bytes of the client messages being read or answered.
	input *semaphore.Weighted
}

// NewServer checks the options and returns a server that serves nothing yet.
func NewServer(opts Options) (*Server, error) {
	if opts.NewEngine == nil {
		return nil, errors.New("pgwire: Options.NewEngine is required")
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.Grace <= 0 {
		opts.Grace = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger.Named("pgwire"),
		listeners: map[net.Listener]struct{}{},
		conns:     map[uint32]*conn{},
		input:     semaphore.NewWeighted(inputBudget),
	}
	if opts.Password != "" {
		a, err := newSCRAMAuth(opts.Password)
		if err != nil {
			return nil, err
		}
		s.auth = a
	}
	s.forceCtx, s.forceCancel = context.WithCancel(context.Background())
	return s, nil
}

// ListenAndServe listens on Options.Addr and serves until Shutdown or Close.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("pgwire: listen on %s: %w", s.opts.Addr, err)
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln, each served by its own goroutine, until
// Shutdown or Close; then it returns ErrServerClosed. Serve closes ln.
func (s *Server) Serve(ln net.Listener) error {
	if !s.trackListener(ln, true) {
		ln.Close()
		return ErrServerClosed
	}
	defer s.trackListener(ln, false)
	if s.opts.Password == "" && !isLoopback(ln.Addr()) {
		s.log.Warn("serving on a non-loopback address without a password: anyone who reaches it can query and delete packages with your GitHub token; set PKGQL_SERVE_PASSWORD", "addr", ln.Addr().String())
	}
	s.log.Info("serving the Postgres protocol", "addr", ln.Addr().String(), "password", s.auth != nil)
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Out of file descriptors and the like: back off, as net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "error", err, "delay", delay)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("pgwire: accept: %w", err)
		}
		delay = 0
		c := s.newConn(nc)
		if c == nil {
			nc.Close()
			return ErrServerClosed
		}
		go func() {
			defer s.wg.Done()
			defer s.forget(c)
			c.serve()
		}()
	}
}

// Addr returns the address of the first listener being served, or nil.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ln := range s.listeners {
		return ln.Addr()
	}
	return nil
}

func (s *Server) trackListener(ln net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.listeners, ln)
		return true
	}
	if s.closing.Load() {
		return false
	}
	s.listeners[ln] = struct{}{}
	return true
}

// newConn registers a connection under a fresh backend key, or returns nil
// when the server is closing.
func (s *Server) newConn(nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return nil
	}
	s.nextKey++
	for s.conns[s.nextKey] != nil || s.nextKey == 0 {
		s.nextKey++
	}
	c := newConn(s, nc, s.nextKey)
	s.conns[c.key] = c
	s.wg.Add(1)
	return c
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c.key)
}

// cancel honours a CancelRequest: the statement that the connection with
// that backend key is running, if any, is cancelled. A wrong secret does
// nothing, as in Postgres, so a stranger cannot cancel others' statements.
func (s *Server) cancel(key uint32, secret []byte) {
	s.mu.Lock()
	c := s.conns[key]
	s.mu.Unlock()
	if c == nil || !c.cancelRunning(secret) {
		s.log.Debug("cancel request matches no connection", "key", key)
	}
}

// Shutdown stops accepting connections and ends the open ones: an idle
// connection at once, a busy one once its running statement has answered.
// When ctx ends first, running statements are cancelled and their
// connections closed. Shutdown returns when every connection's goroutine has
// ended.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true)
	var errs []error
	for ln := range s.listeners {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	conns := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	// A connection waiting for its next message wakes up and says goodbye;
	// one running a statement does so after answering it.
	for _, c := range conns {
		c.wake()
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("grace period over: cancelling running statements")
		s.forceCancel()
		// A cancelled statement answers at once with 57P01; a connection
		// still stuck after that (a client that does not read) is cut.
		select {
		case <-done:
		case <-time.After(cutAfter):
			s.mu.Lock()
			for _, c := range s.conns {
				c.nc.Close()
			}
			s.mu.Unlock()
			<-done
		}
	}
	s.forceCancel()
	return errors.Join(errs...)
}

// Close is Shutdown with Options.Grace as the grace period.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.Grace)
	defer cancel()
	return s.Shutdown(ctx)
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
