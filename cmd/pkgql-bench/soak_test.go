package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// TestSoak runs 200 statements in a row in one pkgql process, then 200 more
// spread over 8 concurrent processes, against one server that answers 5% of
// requests with a 502. Every answer must be exact, and the server must end
// with no more goroutines or open files than it started with.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("a soak test; run without -short")
	}
	ctx := context.Background()
	d := testDataset(t, 1000)
	qs := mix(d)
	for _, name := range containerNames(t, d, 20) {
		qs = append(qs, query{
			name: "get " + name,
			sql:  "SELECT id, name FROM github.packages.user_packages WHERE username = 'bench' AND package_type = 'container' AND package_name = '" + name + "'",
			job:  job{Kind: "get", User: benchUser, Types: []string{listType}, Name: name},
		})
	}
	if err := answers(ctx, d, qs); err != nil {
		t.Fatal(err)
	}
	srv := testServer(t, d, func(o *sandbox.Options) {
		o.FailRate = 0.05
		o.Seed = 5
	})

	// script runs statements first.. of the rotation through qs in one
	// process and checks each answer.
	script := func(first, count int) error {
		var sqls []string
		var wants []query
		for i := first; i < first+count; i++ {
			q := qs[i%len(qs)]
			sqls = append(sqls, q.sql+";")
			wants = append(wants, q)
		}
		file := filepath.Join(t.TempDir(), "soak.sql")
		if err := os.WriteFile(file, []byte(strings.Join(sqls, "\n")), 0o600); err != nil {
			return err
		}
		res := runPkgql(t, srv, "-f", file)
		if res.code != 0 {
			return fmt.Errorf("exit status %d\n%s", res.code, lastLines(res.stderr, 20))
		}
		lines := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
		if len(lines) != count {
			return fmt.Errorf("%d result sets for %d statements", len(lines), count)
		}
		for i, line := range lines {
			if err := sameAnswer([]byte(line), wants[i].want); err != nil {
				return fmt.Errorf("statement %d (%s): %w", first+i+1, wants[i].name, err)
			}
		}
		return nil
	}

	if err := script(0, len(qs)); err != nil { // warms the server up
		t.Fatal(err)
	}
	base := settledResources(t)

	if err := script(0, 200); err != nil {
		t.Fatalf("200 statements in a row: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for p := range 8 {
		wg.Go(func() { errs[p] = script(p*25, 25) })
	}
	wg.Wait()
	for p, err := range errs {
		if err != nil {
			t.Errorf("process %d of 8: %v", p+1, err)
		}
	}

	failed := 0
	for _, r := range srv.Log() {
		if r.Status == 502 {
			failed++
		}
	}
	if failed == 0 {
		t.Error("the server answered no request with 502: the soak did not exercise retries")
	}
	t.Logf("%d requests, %d answered 502", srv.Stats().Total, failed)
	noGrowth(t, base)
}

// resources are what a server leaks when it leaks.
type resources struct{ goroutines, fds int }

func currentResources(t *testing.T) resources {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return resources{goroutines: runtime.NumGoroutine(), fds: len(fds)}
}

// settledResources reads the process's resources once they stop changing:
// the connections of clients that have exited take a moment to close.
func settledResources(t *testing.T) resources {
	t.Helper()
	prev := currentResources(t)
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		now := currentResources(t)
		if now == prev {
			break
		}
		prev = now
	}
	return prev
}

// noGrowth fails unless the process comes back to at most base within 5s.
func noGrowth(t *testing.T, base resources) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		now := currentResources(t)
		if now.goroutines <= base.goroutines && now.fds <= base.fds {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server grew from %d goroutines and %d open files to %d and %d", base.goroutines, base.fds, now.goroutines, now.fds)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
