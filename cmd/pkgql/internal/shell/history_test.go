package shell

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// History is written as it is typed, read back by the next shell, kept
// private, and never holds a credential.
func TestHistoryFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "dir", "history")
	h, err := loadHistory(path, testSecrets)
	if err != nil || len(h.entries) != 0 {
		t.Fatalf("a missing file: %v, %q", err, h.entries)
	}
	for _, e := range []string{"SHOW PROVIDERS;", "SHOW PROVIDERS;", ".output json"} {
		if err := h.add(e); err != nil {
			t.Fatal(err)
		}
	}
	assertFile(t, path, "SHOW PROVIDERS;\n.output json\n")
	for _, p := range []string{path, filepath.Dir(path)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]os.FileMode{true: 0o700, false: 0o600}[fi.IsDir()]; fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}

	again, err := loadHistory(path, testSecrets)
	if err != nil || strings.Join(again.entries, "|") != "SHOW PROVIDERS;|.output json" {
		t.Fatalf("reloaded: %v, %q", err, again.entries)
	}
	if err := again.add("SELECT 1;"); err != nil {
		t.Fatal(err)
	}
	assertFile(t, path, "SHOW PROVIDERS;\n.output json\nSELECT 1;\n")
}

// A file written by hand, or by an older pkgql, with credentials, too many
// entries or a wide mode, is cleaned when it is read.
func TestHistoryFileCleaned(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history")
	var b strings.Builder
	for i := range historyLimit + 5 {
		fmt.Fprintf(&b, "SELECT %d;\n", i)
	}
	b.WriteString("EXEC a.b.c.d @token = 'ghp_secret';\n\nSELECT last;\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := loadHistory(path, testSecrets)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.entries) != historyLimit || h.entries[0] != "SELECT 6;" || h.entries[len(h.entries)-1] != "SELECT last;" {
		t.Fatalf("%d entries, %q … %q", len(h.entries), h.entries[0], h.entries[len(h.entries)-1])
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "ghp_secret") || strings.Count(string(data), "\n") != historyLimit {
		t.Errorf("the file was not rewritten: %d lines", strings.Count(string(data), "\n"))
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := os.Stat(path + ".new"); !os.IsNotExist(err) {
		t.Errorf("the temporary file is left: %v", err)
	}
}

// A history that cannot be written says so and the shell goes on.
func TestHistoryFileUnwritable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := loadHistory(filepath.Join(blocker, "history"), testSecrets) // a file is not a directory
	if err == nil && h.add("SELECT 1;") == nil {
		t.Fatal("no error for a history under a file")
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s holds %q, want %q", path, got, want)
	}
}

// A quit leaves the shell without entering the history: recalled with the
// up arrow, it would only end the next session. (The file is the Editor's,
// which needs a terminal; the entries are the same ones.)
func TestHistoryKeepsNoQuit(t *testing.T) {
	t.Parallel()
	for _, quit := range []string{".quit", ".exit", `\q`, "quit", "EXIT", ".quit;"} {
		t.Run(quit, func(t *testing.T) {
			t.Parallel()
			sh := New(Config{
				In: strings.NewReader("SELECT 1;\n.timer on\n" + quit + "\nSELECT 2;\n"), Out: io.Discard, Results: io.Discard,
				Interactive: true,
				Formats:     []string{"table"},
				Settings:    Settings{Format: "table"},
				Run:         func(context.Context, Request) error { return nil },
				Report:      func(err error) { t.Errorf("reported %v", err) },
			})
			if _, err := sh.Loop(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(sh.hist.entries, "|"); got != "SELECT 1;|.timer on" {
				t.Errorf("history holds %q, want SELECT 1; and .timer on", got)
			}
		})
	}
}

// A statement that holds the token in use is never written to the history,
// whatever the token looks like; others are.
func TestHistoryKeepsNoSecretInUse(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history")
	const secret = "s3cr3t-sandbox-token-42"
	s := New(Config{Out: io.Discard, Secrets: func() []string { return []string{"", secret} }})
	s.hist = &history{path: path}
	s.in = newPlainReader(strings.NewReader(""), nil)
	defer s.in.close()
	for _, typed := range []string{
		"SELECT 1;",
		"SELECT * FROM shop.store.items WHERE shop = '" + secret + "';",
		"SELECT '" + secret[:10] + "' AS part;",
		"SELECT 'ghp_0123456789abcdefghijABCDEFGHIJ012345' AS pasted;",
	} {
		s.remember(typed)
	}
	assertFile(t, path, "SELECT 1;\nSELECT '"+secret[:10]+"' AS part;\n")
}
