package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// pkgqlPath is pkgql built once for every test of the package.
var pkgqlPath string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "pkgql-bench-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if pkgqlPath, err = buildPkgql(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// result is one pkgql process's outcome.
type result struct {
	stdout, stderr string
	code           int
}

// runPkgql runs `pkgql exec ARGS` against srv, as a user does, and waits
// until the server has finished every request it made.
func runPkgql(t *testing.T, srv *server, args ...string) result {
	t.Helper()
	b := binaries{pkgql: pkgqlPath, pluginDir: t.TempDir()}
	cmd := b.pkgqlCmd(srv.URL, 8, "", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("pkgql did not run: %v", err)
	}
	if err := srv.settle(); err != nil {
		t.Fatal(err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

// testDataset is the bench user with n container packages, for tests.
func testDataset(t *testing.T, n int) dataset {
	t.Helper()
	d, err := newDataset(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// testServer serves d, with the defaults' users besides, and the options
// edit changes.
func testServer(t *testing.T, d dataset, edit func(*sandbox.Options)) *server {
	t.Helper()
	opts := d.options(0)
	opts.Users = append(opts.Users, sandbox.DefaultSeed()...)
	if edit != nil {
		edit(&opts)
	}
	srv, err := startServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}
