package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// slowListing is a listing of many pages from a server that answers slowly,
// long enough to act on pkgql while it runs.
const slowListing = "SELECT COUNT(*) FROM github.packages.user_packages WHERE username = 'big' AND package_type = 'container'"

func slowServer(t *testing.T, latency time.Duration) (*sandbox.Server, string) {
	t.Helper()
	return apiServer(t, sandbox.Options{
		Users:      []sandbox.UserSeed{{Login: "big", Packages: 50_000}},
		Latency:    latency,
		ListWindow: -1,
	})
}

// started is pkgql running in the background, with its provider process.
type started struct {
	cmd      *exec.Cmd
	stdout   *strings.Builder
	stderr   *strings.Builder
	done     chan struct{}
	provider int // the provider process's pid
}

// startListing starts pkgql on a slow listing and waits until its provider
// process runs and the listing's first page has been answered.
func startListing(t *testing.T, s *sandbox.Server, url string, env []string, args ...string) *started {
	t.Helper()
	cmd, stdout, stderr := command(invocation{args: append([]string{"exec", "--github-url", url}, append(args, slowListing)...), env: env})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	st := &started{cmd: cmd, done: make(chan struct{})}
	var out, errOut strings.Builder
	st.stdout, st.stderr = &out, &errOut
	go func() {
		cmd.Wait()
		out.WriteString(stdout.String())
		errOut.WriteString(stderr.String())
		close(st.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-st.done
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ok := waitFor(ctx, func() bool {
		for _, pid := range children(t, cmd.Process.Pid) {
			if cmdline(pid) == "provider github" {
				st.provider = pid
			}
		}
		return st.provider != 0 && s.Stats().Total > 0
	})
	if !ok {
		t.Fatalf("no provider process, or no request, after 20 s; requests %d", s.Stats().Total)
	}
	return st
}

// cmdline is a process's arguments after the executable, space-separated.
func cmdline(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return ""
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	return strings.Join(args[1:], " ")
}

func (st *started) wait(t *testing.T, within time.Duration) (code int, elapsed time.Duration) {
	t.Helper()
	begin := time.Now()
	select {
	case <-st.done:
	case <-time.After(within):
		t.Fatalf("pkgql still runs after %s", within)
	}
	return st.cmd.ProcessState.ExitCode(), time.Since(begin)
}

// The provider is a child process of pkgql while a statement runs, gets no
// token through its environment, and is gone when pkgql is.
func TestProviderProcessLifetime(t *testing.T) {
	t.Parallel()
	const token = "ghp_lifetime0123456789abcdefghijklmnopq"
	s, url := slowServer(t, 20*time.Millisecond)
	st := startListing(t, s, url, []string{"GITHUB_TOKEN=" + token})
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(st.provider) + "/environ")
	if err == nil && strings.Contains(string(environ), token) {
		t.Error("the provider process has the token in its environment: it must come through Configure only")
	}
	code, _ := st.wait(t, 30*time.Second)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, st.stderr)
	}
	if st.stdout.String() == "" {
		t.Error("no result")
	}
	if alive(st.provider) {
		t.Errorf("provider process %d outlived pkgql", st.provider)
	}
}

// Ctrl-C during a long listing: pkgql and its provider are gone within a
// second, exit status 130.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	s, url := slowServer(t, 300*time.Millisecond)
	st := startListing(t, s, url, nil, "--concurrency", "2")
	if err := st.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, elapsed := st.wait(t, 5*time.Second)
	if code != 130 {
		t.Errorf("exit %d, want 130\n%s", code, st.stderr)
	}
	if elapsed > time.Second {
		t.Errorf("pkgql took %s to stop, want under 1 s", elapsed)
	}
	t.Logf("stopped %s after SIGINT", elapsed.Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if !waitFor(ctx, func() bool { return !alive(st.provider) }) {
		t.Errorf("provider process %d outlived pkgql", st.provider)
	}
	if strings.Contains(st.stderr.String(), "goroutine ") {
		t.Errorf("stderr:\n%s", st.stderr)
	}
}

// A provider process that dies mid-query is named, with exit status 1.
func TestProviderKilled(t *testing.T) {
	t.Parallel()
	s, url := slowServer(t, 200*time.Millisecond)
	st := startListing(t, s, url, nil, "--concurrency", "2")
	if err := syscall.Kill(st.provider, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	code, _ := st.wait(t, 10*time.Second)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !regexp.MustCompile(`(?m)^error: (line \d+, column \d+: )?provider github exited unexpectedly\n`).MatchString(st.stderr.String()) {
		t.Errorf("stderr:\n%s", st.stderr)
	}
	if st.stdout.String() != "" {
		t.Errorf("a partial answer was printed: %q", st.stdout)
	}
}

// pkgql killed outright cannot end its provider: the provider notices its
// host is gone and ends itself, leaving no orphan. The host here is an idle
// server, so no broken pipe ends the provider by chance.
func TestHostKilled(t *testing.T) {
	t.Parallel()
	cmd, _, _ := command(invocation{args: []string{"--sandbox", "serve", "--listen", "127.0.0.1:0"}})
	// No pipes to the test: the provider must end because its host is gone,
	// not because a pipe closed. Stderr goes to a file, which tells when the
	// server listens: its provider has then finished its handshake, and can no
	// longer die of writing it to a host that is gone.
	log, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	provider := 0
	if !waitFor(ctx, func() bool {
		b, _ := os.ReadFile(log.Name())
		if !strings.Contains(string(b), "listening on") {
			return false
		}
		for _, pid := range children(t, cmd.Process.Pid) {
			if cmdline(pid) == "provider github" {
				provider = pid
			}
		}
		return provider != 0
	}) {
		t.Fatal("no listening server with a provider process after 20 s")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if !waitFor(ctx, func() bool { return !alive(provider) }) {
		syscall.Kill(provider, syscall.SIGKILL)
		t.Errorf("provider process %d outlived its killed host", provider)
	}
}

// --timeout bounds a statement.
func TestTimeout(t *testing.T) {
	t.Parallel()
	_, url := slowServer(t, 300*time.Millisecond)
	r := runPkgql(t, "exec", "--github-url", url, "--timeout", "500ms", slowListing)
	if r.code != 1 || !strings.Contains(r.stderr, "did not finish within 500ms") {
		t.Fatal(r)
	}
	if r.elapsed > 5*time.Second {
		t.Errorf("took %s", r.elapsed)
	}
}
