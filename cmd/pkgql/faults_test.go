package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/host"
)

// With one request slot, error answers in a session leave it free: every
// later statement of the same shell runs.
func TestShellGoesOnAfterErrorAnswers(t *testing.T) {
	t.Parallel()
	missing := "SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'missing';\n"
	listing := "SELECT COUNT(*) AS n FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm';\n"
	nobody := "SELECT name FROM github.packages.user_packages WHERE username = 'nobody-at-all' AND package_type = 'npm';\n"
	r := pkgql(t, invocation{
		args:  []string{"--sandbox", "--concurrency", "1", "--timeout", "10s", "-o", "json", "shell"},
		stdin: missing + listing + nobody + missing + listing,
	})
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || len(lines) != 2 || !strings.HasPrefix(lines[0], `[{"n":`) || lines[1] != lines[0] {
		t.Fatalf("want both listings answered and exit 1 for the three errors:\n%s", r)
	}
	if strings.Count(r.stderr, "answered 404") != 3 || strings.Contains(r.stderr, "did not finish") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// A server that echoes the token back, in an error message or in a value,
// does not get it shown on stdout or stderr, in any format.
func TestEchoedTokenIsHidden(t *testing.T) {
	t.Parallel()
	const token = "ghp_EchoedBack0123456789abcdefghijklmnop"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"message":"token %s may not delete","documentation_url":"https://docs.github.com/rest"}`, auth)
			return
		}
		// The value is long, so the output is written in pieces and the
		// token may be cut between them.
		fmt.Fprintf(w, `{"id":1,"name":"hello","html_url":"%s %s","package_type":"npm"}`, strings.Repeat("x", 5000), auth)
	}))
	t.Cleanup(srv.Close)
	for _, format := range []string{"json", "csv", "table", "text"} {
		r := pkgql(t, invocation{
			args: []string{"--github-url", srv.URL, "-o", format, "exec",
				"SELECT name, html_url FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';" +
					"DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'"},
			env: []string{"GITHUB_TOKEN=" + token},
		})
		if r.code != 1 || !strings.Contains(r.stdout, "[token redacted]") || !strings.Contains(r.stdout, "hello") {
			t.Errorf("-o %s: want the row, the refusal and exit 1:\n%s", format, r)
		}
		if strings.Contains(r.stdout+r.stderr, token) || strings.Contains(r.stdout+r.stderr, token[:20]) {
			t.Errorf("-o %s: the token shows:\n%s", format, r)
		}
	}
}

// DELETEs in flight when Ctrl-C comes are resolved before they are
// reported: those GitHub answers within the grace are deleted, the one
// whose answer never comes is unknown, the one still waiting for a slot is
// not sent, and none is called failed.
func TestInterruptedDeleteIsResolved(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		deleted = map[string]bool{}
		arrived = make(chan string, 4)
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodDelete {
			mu.Lock()
			gone := deleted[name]
			mu.Unlock()
			if gone {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"message":"Package not found."}`))
				return
			}
			fmt.Fprintf(w, `{"id":1,"name":%q}`, name)
			return
		}
		mu.Lock()
		deleted[name] = true
		mu.Unlock()
		arrived <- name
		wait := 300 * time.Millisecond
		if name == "never" {
			wait = time.Minute
		}
		select {
		case <-time.After(wait):
			w.WriteHeader(http.StatusNoContent)
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	cmd, stdout, stderr := command(invocation{
		args: []string{"--github-url", srv.URL, "--concurrency", "3", "-o", "csv", "exec",
			"DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name IN ('a', 'b', 'never', 'later')"},
		env: []string{"GITHUB_TOKEN=ghp_test"},
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		select {
		case <-arrived:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the DELETEs did not arrive\n%s", stderr)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	out := stdout.String()
	for _, want := range []string{"a,npm,octocat,deleted,", "b,npm,octocat,deleted,", "never,npm,octocat,unknown,,may have been deleted",
		"later,npm,octocat,not sent,,not sent: the statement was interrupted"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the report:\n%s\n%s", want, out, stderr)
		}
	}
	if strings.Contains(out, "failed") {
		t.Errorf("a DELETE is reported as failed:\n%s", out)
	}
	mu.Lock()
	defer mu.Unlock()
	if deleted["later"] {
		t.Errorf("the DELETE of later was sent after the interrupt")
	}
}

// --timeout ends a statement whose provider is frozen (SIGSTOP), and pkgql
// leaves at once after it, with the provider process gone.
func TestTimeoutWithFrozenProvider(t *testing.T) {
	t.Parallel()
	s, url := slowServer(t, 300*time.Millisecond)
	st := startListing(t, s, url, nil, "--concurrency", "2", "--timeout", "2s")
	if err := syscall.Kill(st.provider, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(st.provider, syscall.SIGKILL) })
	code, elapsed := st.wait(t, 20*time.Second)
	if code != 1 || !strings.Contains(st.stderr.String(), "did not finish within 2s") {
		t.Errorf("exit %d\n%s", code, st.stderr)
	}
	if elapsed > 4*time.Second {
		t.Errorf("pkgql took %s to leave after a 2 s timeout", elapsed.Round(time.Millisecond))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if !waitFor(ctx, func() bool { return !alive(st.provider) }) {
		t.Errorf("the frozen provider process %d outlived pkgql", st.provider)
	}
}

// serve starts a provider process again after it died: the statement that
// met the death fails, the next ones are answered by a new process. After
// host.MaxRestarts restarts within host.RestartWindow it is left dead, and said so.
func TestServeRestartsDeadProvider(t *testing.T) {
	t.Parallel()
	cmd, addr, _, lines := startServe(t)
	var logged strings.Builder
	var logMu sync.Mutex
	logEnded := make(chan struct{})
	go func() {
		defer close(logEnded)
		for lines.Scan() {
			logMu.Lock()
			logged.WriteString(lines.Text() + "\n")
			logMu.Unlock()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, "postgres://me@"+addr+"/pkgql")
	if err != nil {
		t.Fatal(err)
	}
	query := func() (int64, error) {
		var n int64
		err := conn.QueryRow(ctx, "SELECT version_count FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'").Scan(&n)
		return n, err
	}
	providerPid := func() int {
		for _, pid := range children(t, cmd.Process.Pid) {
			if cmdline(pid) == "provider github" {
				return pid
			}
		}
		return 0
	}
	if _, err := query(); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= host.MaxRestarts; round++ {
		first := providerPid()
		if first == 0 {
			t.Fatal("no provider process")
		}
		if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitFor(ctx, func() bool { return !alive(first) })
		failures := 0
		for range 3 {
			if _, err := query(); err != nil {
				failures++
			}
		}
		if failures > 1 {
			t.Errorf("round %d: %d of 3 statements failed after the provider died, want at most the first", round, failures)
		}
		if n, err := query(); err != nil || n <= 0 {
			t.Fatalf("round %d: after the restart: %d, %v", round, n, err)
		}
		if now := providerPid(); now == 0 || now == first {
			t.Errorf("round %d: provider pid %d, was %d", round, now, first)
		}
	}
	// One death more than the bound: the provider is left dead, and every
	// statement from then on says so, each time, without waiting.
	last := providerPid()
	if err := syscall.Kill(last, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, func() bool { return !alive(last) })
	for i := range 3 {
		if _, err := query(); i > 0 && (err == nil || !strings.Contains(err.Error(), "is not started again")) {
			t.Errorf("statement %d after the bound: %v, want the provider not started again", i+1, err)
		}
	}
	if now := providerPid(); now != 0 {
		t.Errorf("provider pid %d after the bound, want none", now)
	}
	// The log is counted whole: serve is stopped and its stderr read to the
	// end, so no line is still on its way when it is counted.
	conn.Close(ctx)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-logEnded:
	case <-ctx.Done():
		t.Fatal("pkgql serve did not stop on an interrupt")
	}
	logMu.Lock()
	defer logMu.Unlock()
	if c := strings.Count(logged.String(), "started it again"); c != host.MaxRestarts {
		t.Errorf("%d restarts logged, want %d:\n%s", c, host.MaxRestarts, logged.String())
	}
	if c := strings.Count(logged.String(), "not restarting it"); c != 1 {
		t.Errorf("the bound logged %d times, want once:\n%s", c, logged.String())
	}
}
