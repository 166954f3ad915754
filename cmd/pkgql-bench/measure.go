package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pkgql/pkgql/provider"
)

// Every measured process is started by a launcher, this benchmark run as
// `pkgql-bench launch REPORT CMD ARGS...`, which times the child from start
// to exit and reads its rusage. The launcher is there because of how Linux
// counts peak RSS. ru_maxrss is the process's high-water mark, but a child
// started the way Go starts processes (vfork: the child runs in the parent's
// memory until exec) has the parent's high-water mark written into its own at
// exec. Started straight from the benchmark, whose sandbox holds hundreds of
// MiB at 100k packages, every process would report at least that. The
// launcher is small, so what it adds is a floor of a few MiB (its own VmHWM,
// which it reports; a figure not above it is flagged).
//
// pkgql is two processes: the host (`pkgql exec`) and the provider
// (`pkgql provider github`, which the host starts through go-plugin). The
// host's ru_maxrss is the larger of its own peak and those of the children it
// reaped, so on its own it says max(host, provider). A run that measures
// memory therefore starts the host with --provider-path pointing at this
// benchmark, which (seeing envProvider) runs the real provider as its child
// with stdio, environment and TLS key passed through, so that the go-plugin
// handshake and mutual TLS are the real ones. When the provider exits, the wrapper reads
// its rusage with waitid(WNOWAIT) — exact, and without reaping it — writes it
// to the file envRusage names and exits. The provider, never reaped by the
// wrapper, passes to the benchmark, a child subreaper, which reaps it; so its
// peak never reaches the host's figure, which is then max(host, wrapper's
// VmHWM), and a host figure not above the wrapper's is flagged.
//
// The wrapper adds a process start, so wall times come from the other runs,
// which start pkgql exactly as a user does.

// Environment of the provider wrapper.
const (
	envProvider = "PKGQL_BENCH_PROVIDER" // the pkgql executable whose provider the wrapper runs
	envRusage   = "PKGQL_BENCH_RUSAGE"   // where the wrapper writes its report
)

// sample is what one run of a process cost.
type sample struct {
	start       time.Time
	wall        time.Duration
	requests    int           // as the server counted them
	maxInFlight int           // most requests the server served at once
	cpu         time.Duration // user + system time of the process and the children it reaped (pkgql: host and provider)
	rss         int64         // KiB: the process's peak (the host's, for pkgql)
	providerRSS int64         // KiB: the provider's peak, when measured
	out, stderr []byte
}

// measure runs cmd to its end under the launcher, against srv, and reads
// what it cost. With providerReport set, cmd's provider runs under the
// wrapper, and its peak RSS is read from that file.
func (b binaries) measure(srv *server, cmd *exec.Cmd, providerReport string) (sample, error) {
	srv.ResetStats()
	report := filepath.Join(b.scratch, "launch")
	launcher := exec.Command(b.self, append([]string{"launch", report}, cmd.Args...)...)
	launcher.Env = cmd.Env
	var stdout, stderr bytes.Buffer
	launcher.Stdout, launcher.Stderr = &stdout, &stderr
	if err := launcher.Run(); err != nil {
		return sample{}, fmt.Errorf("launching %s: %v\n%s", cmd.Path, err, lastLines(stderr.String(), 10))
	}
	// start (unix ns), wall (ns), child ru_maxrss (KiB), child CPU (ns), launcher VmHWM (KiB), exit status
	v, err := readNumbers(report, 6)
	if err != nil {
		return sample{}, err
	}
	if v[5] != 0 {
		return sample{}, fmt.Errorf("%s: exit status %d\n%s", strings.Join(cmd.Args, " "), v[5], lastLines(stderr.String(), 10))
	}
	if err := srv.settle(); err != nil {
		return sample{}, err
	}
	st := srv.Stats()
	s := sample{start: time.Unix(0, v[0]), wall: time.Duration(v[1]), rss: v[2], cpu: time.Duration(v[3]),
		requests: st.Total, maxInFlight: st.MaxInFlight, out: stdout.Bytes(), stderr: stderr.Bytes()}
	if s.rss <= v[4] {
		return s, fmt.Errorf("%s: its peak RSS (%d KiB) is not above the launcher's (%d KiB), so it is not its own", cmd.Path, s.rss, v[4])
	}
	if providerReport != "" {
		// pid, provider ru_maxrss (KiB), wrapper VmHWM (KiB)
		w, err := readNumbers(providerReport, 3)
		if err != nil {
			return s, fmt.Errorf("the provider wrapper: %w", err)
		}
		if _, err := unix.Wait4(int(w[0]), nil, 0, nil); err != nil {
			return s, fmt.Errorf("reaping the provider (pid %d): %w; is the benchmark a child subreaper?", w[0], err)
		}
		s.providerRSS = w[1]
		if s.rss <= w[2] || s.providerRSS <= w[2] {
			return s, fmt.Errorf("the host's or the provider's peak RSS (%d, %d KiB) is not above the provider wrapper's (%d KiB)", s.rss, s.providerRSS, w[2])
		}
	}
	return s, nil
}

// launchMain is `pkgql-bench launch REPORT CMD ARGS...`: it runs CMD with
// its own stdio and environment and writes what it cost to REPORT.
func launchMain(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: pkgql-bench launch REPORT CMD ARGS...")
		return 2
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, "launch:", err)
		return 1
	}
	ps := cmd.ProcessState
	var maxrss int64
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		maxrss = ru.Maxrss // KiB on Linux
	}
	hwm, err := vmHWM()
	if err == nil {
		err = writeNumbers(args[0], start.UnixNano(), int64(wall), maxrss, int64(ps.UserTime()+ps.SystemTime()), hwm, int64(ps.ExitCode()))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "launch:", err)
		return 1
	}
	return 0
}

// becomeSubreaper makes the provider processes that wrappers leave behind
// the benchmark's to reap.
func becomeSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER): %w", err)
	}
	return nil
}

// wrapProvider is the benchmark run as the host's provider plugin: it runs
// `pkgql provider github` as its child and reports the child's peak RSS.
func wrapProvider(pkgql, report string) int {
	// The provider dies with the thread that started it (Pdeathsig), so that a
	// wrapper killed by the host leaves nothing behind; this thread lives as
	// long as the process.
	runtime.LockOSThread()
	cmd := exec.Command(pkgql, "provider", "github")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// The host passes the provider its TLS key on a descriptor; it becomes
	// the child's descriptor 3.
	if fd, err := strconv.Atoi(os.Getenv(provider.EnvTLSFD)); err == nil {
		cmd.ExtraFiles = []*os.File{os.NewFile(uintptr(fd), "tls key")}
		cmd.Env = append(os.Environ(), provider.EnvTLSFD+"=3")
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "provider wrapper:", err)
		return 1
	}
	pid := cmd.Process.Pid
	var info unix.Siginfo
	var ru unix.Rusage
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, &ru)
		if err == nil {
			break
		}
		if err != unix.EINTR {
			fmt.Fprintln(os.Stderr, "provider wrapper: waitid:", err)
			return 1
		}
	}
	hwm, err := vmHWM()
	if err == nil {
		err = writeNumbers(report, int64(pid), ru.Maxrss, hwm)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "provider wrapper:", err)
		return 1
	}
	return 0
}

// vmHWM is this process's own peak resident set in KiB, from
// /proc/self/status: unlike ru_maxrss, it does not start from the parent's.
func vmHWM() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}

// writeNumbers writes numbers to a file, one line.
func writeNumbers(path string, v ...int64) error {
	return os.WriteFile(path, []byte(strings.Trim(fmt.Sprint(v), "[]")+"\n"), 0o600)
}

// readNumbers reads a report of n numbers and removes it for the next run.
func readNumbers(path string, n int) ([]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("no report: %w", err)
	}
	os.Remove(path)
	f := strings.Fields(string(b))
	if len(f) != n {
		return nil, fmt.Errorf("the report %q does not hold %d numbers", b, n)
	}
	v := make([]int64, n)
	for i, s := range f {
		if v[i], err = strconv.ParseInt(s, 10, 64); err != nil {
			return nil, fmt.Errorf("the report %q: %w", b, err)
		}
	}
	return v, nil
}

// lastLines is the end of a process's stderr, for an error message.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
