package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite examples/*.out, examples/*.err and docs/reference from what pkgql prints now")

const examplesDir = "../../examples"

// exampleArgs is how an example runs: the README quotes this command. A
// first line "-- flags: ..." adds flags, such as --dry-run.
func exampleArgs(file string, sql []byte) []string {
	args := []string{"exec", "--sandbox", "-o", "text"}
	first, _, _ := strings.Cut(string(sql), "\n")
	if extra, ok := strings.CutPrefix(first, "-- flags:"); ok {
		args = append(args, strings.Fields(extra)...)
	}
	return append(args, "-f", file)
}

// TestExamples runs every examples/NAME.sql against the sandbox and compares
// stdout with NAME.out. An example that is meant to fail has NAME.err, its
// exact stderr, and must exit 1; the others must exit 0 and print nothing on
// stderr. The sandbox's seed is fixed, so the outputs are too.
func TestExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in %s: %v", examplesDir, err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".sql")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sql, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r := runPkgql(t, exampleArgs(file, sql)...)
			outFile := strings.TrimSuffix(file, ".sql") + ".out"
			errFile := strings.TrimSuffix(file, ".sql") + ".err"
			if *update {
				writeGolden(t, outFile, r.stdout, true)
				writeGolden(t, errFile, r.stderr, r.code != 0)
				return
			}
			wantOut := readGolden(t, outFile)
			wantErr, failing := readOptional(t, errFile)
			wantCode := 0
			if failing {
				wantCode = 1
			}
			if r.code != wantCode {
				t.Fatalf("exit %d, want %d\n%s", r.code, wantCode, r)
			}
			if r.stdout != wantOut {
				t.Errorf("stdout differs from %s (go test -run TestExamples -update rewrites it)\n--- got:\n%s\n--- want:\n%s", outFile, r.stdout, wantOut)
			}
			if r.stderr != wantErr {
				t.Errorf("stderr differs from %s\n--- got:\n%s\n--- want:\n%s", errFile, r.stderr, wantErr)
			}
		})
	}
}

func readGolden(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run TestExamples -update writes it)", err)
	}
	return string(b)
}

func readOptional(t *testing.T, path string) (string, bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b), true
}

// writeGolden writes content to path, or removes path when keep is false.
func writeGolden(t *testing.T, path, content string, keep bool) {
	t.Helper()
	if !keep {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		return
	}
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, []byte(content)) {
		return
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
