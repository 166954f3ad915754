package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// pkgqlBin is the executable the tests run as pkgql, and that serves the
// provider processes: this test binary, which is pkgql when asPkgql is set.
var pkgqlBin string

// asPkgql makes the test binary run as pkgql itself, as main does: the tests'
// pkgql processes and provider processes need no build of their own. Set in
// the test process, it is inherited by every process started from it.
const asPkgql = "PKGQL_TEST_BINARY_IS_PKGQL"

// testPluginDir is an empty plugin directory, so that no plugin installed on
// the machine joins the tests.
var testPluginDir string

func TestMain(m *testing.M) {
	if os.Getenv(asPkgql) == "1" {
		main()
	}
	os.Exit(setUpAndRun(m))
}

func setUpAndRun(m *testing.M) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv(asPkgql, "1")
	// pkgql runs in this process too: it sees no more of the machine's
	// environment than a pkgql process started with testEnv.
	for _, name := range strippedEnv {
		os.Unsetenv(name)
	}
	dir, err := os.MkdirTemp("", "pkgql-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Named pkgql, so that commands that call pkgql by name find it on PATH.
	pkgqlBin = filepath.Join(dir, "bin", "pkgql")
	if err := os.Mkdir(filepath.Dir(pkgqlBin), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := os.Symlink(self, pkgqlBin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// pkgql's cache and journal stay out of the user's directories; Go's
	// build cache, which defaults to one of them, stays where it is, or every
	// go command the tests run would build from nothing.
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go env GOCACHE:", err)
		return 1
	}
	os.Setenv("GOCACHE", strings.TrimSpace(string(gocache)))
	os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	os.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	testPluginDir = filepath.Join(dir, "plugins")
	if err := os.Mkdir(testPluginDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// result is what one run of pkgql left.
type result struct {
	stdout, stderr string
	code           int
	elapsed        time.Duration
}

// invocation is one run of pkgql to make.
type invocation struct {
	args  []string
	env   []string // added to the test environment
	stdin string
}

// strippedEnv is what the machine's environment must not give the tests'
// pkgql: a token, an API or plugins of its own.
var strippedEnv = []string{"GITHUB_TOKEN", "GH_TOKEN", "PKGQL_GITHUB_URL", "PKGQL_REGISTRY_URL", "PKGQL_PLUGIN_DIR"}

// testEnv is the environment pkgql runs in: no token, no API URL and no
// plugins from the machine, unless a test adds them.
// TestMain has taken them out of this process's environment.
func testEnv(extra ...string) []string {
	return append(append(os.Environ(), "PKGQL_PLUGIN_DIR="+testPluginDir), extra...)
}

func command(inv invocation) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.Command(pkgqlBin, inv.args...)
	cmd.Env = testEnv(inv.env...)
	cmd.Stdin = strings.NewReader(inv.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// pkgql runs pkgql to its end, within a minute, in this process as main
// does but for the signals: in the test environment, on its own streams,
// with real provider processes.
func pkgql(t *testing.T, inv invocation) result {
	t.Helper()
	env := map[string]string{}
	for _, kv := range testEnv(inv.env...) {
		name, value, _ := strings.Cut(kv, "=")
		env[name] = value
	}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr lockedBuffer
	begin := time.Now()
	code := execute(ctx, environ{lookup: lookup}, inv.args, strings.NewReader(inv.stdin), &stdout, &stderr)
	if ctx.Err() != nil {
		t.Fatalf("pkgql %q did not finish within a minute\nstderr: %s", inv.args, stderr.String())
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code, elapsed: time.Since(begin)}
}

// lockedBuffer is a buffer the provider processes' log relays may still
// write to while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// pkgqlProcess runs pkgql as a process of its own to its end, within a
// minute, for what only a process can show.
func pkgqlProcess(t *testing.T, inv invocation) result {
	t.Helper()
	cmd, stdout, stderr := command(inv)
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("pkgql %q did not finish within a minute\nstderr: %s", inv.args, stderr)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode(), elapsed: time.Since(begin)}
}

// runPkgql runs pkgql with args only.
func runPkgql(t *testing.T, args ...string) result {
	t.Helper()
	return pkgql(t, invocation{args: args})
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// apiServer is a sandbox over HTTP on loopback, for tests that count
// requests or inspect state.
func apiServer(t *testing.T, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	s := sandbox.New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL + "/"
}

// children lists the pids whose parent is pid, from /proc.
func children(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc on this system")
	}
	var out []int
	for _, e := range entries {
		var child int
		if _, err := fmt.Sscanf(e.Name(), "%d", &child); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces, so read after ')'.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		var ppid int
		if len(fields) > 1 {
			fmt.Sscanf(fields[1], "%d", &ppid)
		}
		if ppid == pid {
			out = append(out, child)
		}
	}
	return out
}

// alive reports whether pid is a live process (not gone, not a zombie).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z" && syscall.Kill(pid, 0) == nil
}

// waitFor polls cond every 10 ms until it holds or the time is up.
func waitFor(ctx context.Context, cond func() bool) bool {
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
}
