package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// startServe starts `pkgql --sandbox serve` on a free loopback port and reads
// its stderr until it says where it listens; lines reads on from there. The
// process is killed when the test ends.
func startServe(t *testing.T) (cmd *exec.Cmd, addr, port string, lines *bufio.Scanner) {
	t.Helper()
	cmd = exec.Command(pkgqlBin, "--sandbox", "serve", "--listen", "127.0.0.1:0")
	cmd.Env = testEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	listening := regexp.MustCompile(`listening on (127\.0\.0\.1:(\d+))`)
	lines = bufio.NewScanner(stderr)
	for lines.Scan() {
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			return cmd, m[1], m[2], lines
		}
	}
	t.Fatal("pkgql serve did not say where it listens")
	return nil, "", "", nil
}

// TestServe runs `pkgql --sandbox serve` as a user would: the real binary,
// its provider process over gRPC, psql and pgx as clients, Ctrl-C to stop.
func TestServe(t *testing.T) {
	t.Parallel()
	cmd, addr, port, lines := startServe(t)
	go func() {
		for lines.Scan() {
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, "postgres://me@"+addr+"/pkgql")
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	err = conn.QueryRow(ctx, "SELECT version_count FROM github.packages.user_packages WHERE username = $1 AND package_type = 'npm' AND package_name = 'hello'", "octocat").Scan(&n)
	if err != nil || n <= 0 {
		t.Errorf("pgx: version_count %d, %v", n, err)
	}

	if psql, err := exec.LookPath("psql"); err == nil {
		out, err := exec.CommandContext(ctx, psql, "-h", "127.0.0.1", "-p", port, "-X", "-A", "-t", "-w",
			"-c", "SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "hello" {
			t.Errorf("psql: %q %v", out, err)
		}
	}

	// Ctrl-C: the running session is told, and everything is gone within a second.
	begin := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if d := time.Since(begin); d > time.Second {
		t.Errorf("pkgql serve took %s to stop", d)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("exit: %v, want status 130", err)
	}
	if err := conn.Ping(ctx); err == nil {
		t.Error("the session still answers after the server stopped")
	}
}

func TestServeListening(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr *net.TCPAddr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5466}, "listening on 127.0.0.1:5466; connect with: psql -h 127.0.0.1 -p 5466"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 5466}, "listening on [::1]:5466; connect with: psql -h ::1 -p 5466"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 5469}, "listening on 0.0.0.0:5469 (every interface); connect with: psql -h 127.0.0.1 -p 5469"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 5469}, "listening on [::]:5469 (every interface); connect with: psql -h 127.0.0.1 -p 5469"},
		{&net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 6543}, "listening on 192.0.2.7:6543; connect with: psql -h 192.0.2.7 -p 6543"},
	}
	for _, tt := range tests {
		if got := listening(tt.addr); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestServeEveryInterface listens on every interface without a password: the
// address printed to connect to works, and the user is warned.
func TestServeEveryInterface(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(pkgqlBin, "--sandbox", "serve", "--listen", "0.0.0.0:0")
	cmd.Env = testEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()

	connectWith := regexp.MustCompile(`connect with: psql -h (\S+) -p (\d+)`)
	lines := bufio.NewScanner(stderr)
	var addr string
	warned := false
	for (addr == "" || !warned) && lines.Scan() {
		if m := connectWith.FindStringSubmatch(lines.Text()); m != nil {
			addr = net.JoinHostPort(m[1], m[2])
		}
		warned = warned || strings.Contains(lines.Text(), "without a password")
	}
	go io.Copy(io.Discard, stderr)
	if !warned {
		t.Error("no warning about serving every interface without a password")
	}
	if addr == "" {
		t.Fatal("pkgql serve did not say how to connect")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, "postgres://me@"+addr+"/pkgql")
	if err != nil {
		t.Fatalf("connecting to the address pkgql serve printed: %v", err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		t.Error(err)
	}
}
