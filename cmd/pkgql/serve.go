package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/pgengine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/pgwire"
)

// servePasswordEnv names the variable that holds the password of pkgql serve.
const servePasswordEnv = "PKGQL_SERVE_PASSWORD"

// serveGrace is how long running statements may finish after Ctrl-C; it fits
// within the time the process has to wind down after a signal.
const serveGrace = interruptGrace / 2

// serveOptions is what `pkgql serve` serves with.
type serveOptions struct {
	// Listen is the TCP address to listen on, host:port.
	Listen string
	// Password is what clients must give, from $PKGQL_SERVE_PASSWORD; ""
	// asks for none.
	Password string
}

// newCmdServe builds `pkgql serve`; runF, when set, runs in its place.
func (a *app) newCmdServe(runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the Postgres wire protocol, for psql, drivers and BI tools",
		Long: `serve answers the Postgres wire protocol on a TCP address, so that psql,
Postgres drivers (pgx, JDBC, psycopg) and BI tools run pkgql statements as if
pkgql were a Postgres server. Each connection is a session of its own; the
provider processes are shared by all of them.

It listens on loopback by default. Set ` + servePasswordEnv + ` to require a
password (SCRAM-SHA-256) — do, before listening on any other address: the
server acts with your GitHub token. TLS is not spoken; reach a remote server
through an SSH tunnel.

Database github, schema packages: packages.user_packages names
github.packages.user_packages. psql's \d commands, PgJDBC's DatabaseMetaData
(DBeaver, Metabase), SQLAlchemy's inspector and Grafana's pickers read a
pg_catalog and information_schema made from the providers' schemas, at no
API cost. COPY (SELECT …) TO STDOUT, DECLARE/FETCH cursors, SET, SHOW and
BEGIN READ ONLY work as in Postgres.
A DELETE whose WHERE is wider than the package's key needs a confirmation:
a client gives it with SET pkgql.yes = on in its session (each bulk DELETE
sends a notice that says so); pkgql --yes serve gives it for every session.`,
		Example: `  # Serve the built-in sandbox and query it with psql
  pkgql --sandbox serve &
  psql -h 127.0.0.1 -p 5466 -c "SELECT name, version_count FROM github.packages.user_packages
                               WHERE username = 'octocat' AND package_type = 'npm'"

  # Serve GitHub with your token, on another port, with a password
  PKGQL_SERVE_PASSWORD=s3cret pkgql serve --listen 127.0.0.1:6543
  PGPASSWORD=s3cret psql -h 127.0.0.1 -p 6543

  # From Go: pgx.Connect(ctx, "postgres://pkgql@127.0.0.1:5466/pkgql")`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// A malformed address fails before any provider starts; one
			// that cannot be listened on fails when it is tried.
			if _, _, err := net.SplitHostPort(opts.Listen); err != nil {
				return usageError{Err: fmt.Errorf("--listen %s: %w", opts.Listen, err)}
			}
			opts.Password = a.env.getenv(servePasswordEnv)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return a.runServe(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", pgwire.DefaultAddr, "TCP address to listen on (host:port)")
	return cmd
}

// runServe starts the providers once, then serves connections until the
// process is interrupted, each with an engine of its own over them.
func (a *app) runServe(ctx context.Context, opts *serveOptions) error {
	s, err := a.openRunner(ctx, nil, restartProviders)
	if err != nil {
		return err
	}
	defer s.Close()
	// Many connections' statements run at once: no single progress line can
	// show them.
	s.Progress = nil
	newEngine := func(_ context.Context, confirm func(context.Context, string) bool) (pgwire.Engine, error) {
		return pgengine.New(s.EngineConfig(a.opts.dryRun, confirm))
	}
	srv, err := pgwire.NewServer(pgwire.Options{
		Addr:      opts.Listen,
		Password:  opts.Password,
		NewEngine: newEngine,
		Version:   buildVersion(),
		Timeout:   a.opts.timeout,
		Grace:     serveGrace,
		Logger:    a.logger,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return usageError{Err: fmt.Errorf("--listen %s: %w", opts.Listen, err)}
	}
	fmt.Fprintf(a.stderr, "pkgql serve: %s\n", listening(ln.Addr()))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	begin := time.Now()
	if err := srv.Close(); err != nil {
		a.logger.Warn("shutting down", "error", err)
	}
	if err := <-served; err != nil && !errors.Is(err, pgwire.ErrServerClosed) {
		return err
	}
	a.logger.Debug("server stopped", "took", strconv.Quote(time.Since(begin).String()))
	return context.Cause(ctx)
}

// listening says where the server listens and how to connect from this
// machine: an address that listens on every interface is reached on
// loopback.
func listening(addr net.Addr) string {
	where := addr.String()
	host, port, _ := net.SplitHostPort(where)
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host, where = "127.0.0.1", where+" (every interface)"
	}
	return fmt.Sprintf("listening on %s; connect with: psql -h %s -p %s", where, host, port)
}

// buildVersion is the module version pkgql was built as, "(devel)" for a
// build from a work tree.
func buildVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
