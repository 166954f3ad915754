package pgwire_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestDeleteAndRestore(t *testing.T) {
	t.Parallel()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, fixtureOptions{})
			conn := f.connect(t, mode)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			get := "SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = $1"
			if rs, err := query(t, conn, get, "hello"); err != nil || len(rs.rows) != 1 {
				t.Fatalf("before: %v rows, %v", rs.rows, err)
			}

			tag, err := conn.Exec(ctx, "DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = $1", "hello")
			if err != nil {
				t.Fatal(err)
			}
			if !tag.Delete() || tag.RowsAffected() != 1 {
				t.Errorf("DELETE tag %q, want DELETE 1", tag)
			}
			if _, err := query(t, conn, get, "hello"); pgCode(err) != "42704" {
				t.Errorf("after DELETE, the get answered %v, want a 404 (42704)", err)
			}
			// Deleting it again: GitHub's 404, not success.
			if _, err := conn.Exec(ctx, "DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'"); pgCode(err) != "42704" {
				t.Errorf("second DELETE answered %v, want a 404 (42704)", err)
			}

			tag, err = conn.Exec(ctx, "EXEC github.packages.user_packages.restore_package_for_user @username = 'octocat', @package_type = 'npm', @package_name = $1", "hello")
			if err != nil {
				t.Fatal(err)
			}
			if tag.String() != "EXEC 1" {
				t.Errorf("EXEC tag %q, want EXEC 1", tag)
			}
			if rs, err := query(t, conn, get, "hello"); err != nil || len(rs.rows) != 1 {
				t.Errorf("after restore: %v rows, %v", rs.rows, err)
			}
			if st := f.api.Stats(); st.Mutations != 2 || st.ByKind[sandbox.KindDelete] != 2 || st.ByKind[sandbox.KindRestore] != 1 {
				t.Errorf("the API saw %+v, want one delete and one restore that changed state, and the 404", st)
			}
		})
	}
}

func TestBulkDeleteNeedsConfirmation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	var notices []string
	cfg, err := pgx.ParseConfig(f.url("tester", ""))
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n.Message) }
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Wider than the key: the package is deleted only if it has no versions.
	bulk := "DELETE FROM github.packages.user_packages WHERE username = 'hubot' AND package_type = 'npm' AND package_name = 'left-pad-legacy' AND version_count = 0"
	tag, err := conn.Exec(ctx, bulk)
	if err != nil {
		t.Fatal(err)
	}
	if tag.String() != "DELETE 0" || f.api.Stats().Mutations != 0 {
		t.Fatalf("unconfirmed: tag %q, %d packages deleted", tag, f.api.Stats().Mutations)
	}
	if len(notices) == 0 || !strings.Contains(notices[0], "left-pad-legacy") || !strings.Contains(notices[0], "SET pkgql.yes = on") {
		t.Errorf("the question was not sent with how to confirm: %q", notices)
	}
	// A client cannot pass pkgql's command-line flags: no notice names them.
	for _, n := range notices {
		if strings.Contains(n, "--yes") || strings.Contains(n, "--dry-run") {
			t.Errorf("a notice tells a Postgres client about a command-line flag: %q", n)
		}
	}
	if _, err := conn.Exec(ctx, "SET pkgql.yes = on"); err != nil {
		t.Fatal(err)
	}
	tag, err = conn.Exec(ctx, bulk)
	if err != nil {
		t.Fatal(err)
	}
	if tag.String() != "DELETE 1" || f.api.Stats().Mutations != 1 {
		t.Errorf("confirmed: tag %q, %d packages deleted", tag, f.api.Stats().Mutations)
	}
}

// TestCancelRequest cancels a listing held up by a slow API: the statement
// ends at once with 57014 and the session goes on.
func TestCancelRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{latency: 5 * time.Second})
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec} {
		conn := f.connect(t, mode)
		ctx := context.Background()
		go func() {
			time.Sleep(300 * time.Millisecond)
			if err := conn.PgConn().CancelRequest(ctx); err != nil {
				t.Errorf("CancelRequest: %v", err)
			}
		}()
		begin := time.Now()
		_, err := query(t, conn, "SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'")
		if pgCode(err) != "57014" {
			t.Errorf("%s: cancelled query answered %v, want 57014", mode, err)
		}
		if d := time.Since(begin); d > 3*time.Second {
			t.Errorf("%s: the cancelled query took %s", mode, d)
		}
		var v string
		if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
			t.Errorf("%s: the session did not survive the cancel: %v", mode, err)
		}
	}
}

func TestPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{password: "s3cret ünïcode"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tests := []struct {
		password string
		code     string
	}{
		{"s3cret ünïcode", ""},
		{"wrong", "28P01"},
		{"", "28P01"},
	}
	for _, tt := range tests {
		cfg, err := pgx.ParseConfig(f.url("anyone", ""))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Password = tt.password
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if tt.code == "" {
			if err != nil {
				t.Errorf("password %q: %v", tt.password, err)
				continue
			}
			var v string
			if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
				t.Error(err)
			}
			conn.Close(ctx)
			continue
		}
		if pgCode(err) != tt.code {
			t.Errorf("password %q: got %v, want %s", tt.password, err, tt.code)
		}
	}
}

// TestConcurrentSessions runs 8 sessions at once, each with its own queries,
// 200 statements in all, checks every result, and checks that nothing is
// left behind: no goroutine of the server more than before, no connection.
func TestConcurrentSessions(t *testing.T) {
	// Not parallel: it counts the process's goroutines.
	f := newFixture(t, fixtureOptions{})
	users := []string{"octocat", "monalisa", "hubot"}
	types := []string{"npm", "container", "maven"}
	expected := map[string]resultSet{}
	sql := func(u, typ string) string {
		return fmt.Sprintf("SELECT id, name, version_count, owner FROM github.packages.user_packages WHERE username = '%s' AND package_type = '%s' ORDER BY id", u, typ)
	}
	for _, u := range users {
		for _, typ := range types {
			expected[u+typ] = f.direct(t, sql(u, typ))
		}
	}
	round := func(rounds int) {
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mode := modes[i%len(modes)]
				cfg, _ := pgx.ParseConfig(f.url(fmt.Sprintf("session%d", i), ""))
				cfg.DefaultQueryExecMode = mode
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				conn, err := pgx.ConnectConfig(ctx, cfg)
				if err != nil {
					t.Error(err)
					return
				}
				defer conn.Close(ctx)
				for r := range rounds {
					u, typ := users[(i+r)%len(users)], types[(i*r+r)%len(types)]
					got, err := query(t, conn, sql(u, typ))
					if err != nil {
						t.Errorf("session %d: %v", i, err)
						return
					}
					sameResult(t, fmt.Sprintf("session %d (%s) %s %s", i, mode, u, typ), got, expected[u+typ])
				}
			}()
		}
		wg.Wait()
	}
	round(2) // warm up: lazily started goroutines of the engine and SQLite
	goroutines := serverGoroutines()
	round(25) // 200 statements
	// The clients have closed: every connection's goroutine ends, and so
	// does its socket.
	deadline := time.Now().Add(5 * time.Second)
	for (serverGoroutines() > goroutines || serverSockets(t, f.addr.Port) > 0) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := serverGoroutines(); n > goroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines of the server after the sessions, %d before:\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
	if n := serverSockets(t, f.addr.Port); n > 0 {
		t.Errorf("%d connections to the server still open after the sessions", n)
	}
}

// serverGoroutines counts the goroutines running the server's or an
// engine's code. (The process's total also holds the HTTP client's idle
// connections to the API, whose number follows the load's peak.)
func serverGoroutines() int {
	buf := make([]byte, 16<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "/internal/pgwire.(") || strings.Contains(g, "/internal/engine.") || strings.Contains(g, "modernc.org/sqlite") {
			n++
		}
	}
	return n
}

// serverSockets counts the established TCP connections whose local port is
// the server's, from /proc/net/tcp: each is an open file of the server.
func serverSockets(t *testing.T, port int) int {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Skip("no /proc/net/tcp to count connections")
	}
	local := fmt.Sprintf(":%04X", port)
	n := 0
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 3 && strings.HasSuffix(f[1], local) && f[3] == "01" {
			n++
		}
	}
	return n
}

// TestShutdown closes the server with one idle session and one whose
// statement outlasts the grace period.
func TestShutdown(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{latency: 10 * time.Second, grace: 300 * time.Millisecond})
	idle := f.connect(t, pgx.QueryExecModeExec)
	busy := f.connect(t, pgx.QueryExecModeExec)
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() {
		_, err := query(t, busy, "SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'")
		errc <- err
	}()
	time.Sleep(200 * time.Millisecond)
	begin := time.Now()
	if err := f.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("Close took %s with a grace of 300ms", d)
	}
	if err := <-errc; pgCode(err) != "57P01" {
		t.Errorf("the running statement ended with %v, want 57P01", err)
	}
	if err := idle.Ping(ctx); err == nil {
		t.Error("the idle session still answers after Close")
	}
	if _, err := pgx.Connect(ctx, f.url("late", "")); err == nil {
		t.Error("a new session was accepted after Close")
	}
}
