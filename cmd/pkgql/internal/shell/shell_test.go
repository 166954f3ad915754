package shell

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestComplete(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"SHOW PROVIDERS;", true},
		{"SHOW PROVIDERS", false},
		{"SELECT 1;\n", true},
		{"SELECT 1; -- a comment", true},
		{"SELECT 1; /* a comment */", true},
		{"SELECT ';'", false},
		{"SELECT 'it''s;", false},
		{"SELECT 'unterminated;\n", false},
		{"SELECT \"x;\" FROM t\n;", true},
		{"SELECT 1 /* ; */", false},
		{"SELECT 1 /* unterminated ;", false},
		{"-- only a comment;", false},
		{"EXEC a.b.c.d @p = 'x';", true},
		{"SELECT 1; SELECT 2", false},
		{"", false},
	} {
		if got := Complete(tc.text); got != tc.want {
			t.Errorf("Complete(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// session runs a shell over input and records what it ran and reported.
type session struct {
	ran      []string
	reported []string
	out      bytes.Buffer
	failed   int
	err      error
}

func runShell(t *testing.T, input string, interactive bool, run func(*Shell, string) error) *session {
	t.Helper()
	s := &session{}
	var sh *Shell
	sh = New(Config{
		In: strings.NewReader(input), Out: &s.out, Interactive: interactive,
		Run: func(_ context.Context, script string) error {
			s.ran = append(s.ran, script)
			return run(sh, script)
		},
		Report: func(err error) { s.reported = append(s.reported, err.Error()) },
	})
	s.failed, s.err = sh.Loop(context.Background())
	return s
}

func TestLoop(t *testing.T) {
	t.Parallel()
	fail := errors.New("no such table")
	for _, tc := range []struct {
		name        string
		input       string
		interactive bool
		run         func(*Shell, string) error
		wantRan     []string
		wantFailed  int
		wantOut     []string
	}{
		{
			name:    "statements over lines",
			input:   "SHOW\n PROVIDERS;\n\nSELECT ';'\n FROM t;\n",
			run:     func(*Shell, string) error { return nil },
			wantRan: []string{"SHOW\n PROVIDERS;\n", "SELECT ';'\n FROM t;\n"},
		},
		{
			name:       "a failed statement is reported and the loop goes on",
			input:      "SELECT nope;\nSHOW PROVIDERS;\n",
			run:        func(_ *Shell, s string) error { return map[bool]error{true: fail}[strings.Contains(s, "nope")] },
			wantRan:    []string{"SELECT nope;\n", "SHOW PROVIDERS;\n"},
			wantFailed: 1,
		},
		{
			name:    "the last statement runs without its semicolon",
			input:   "SHOW PROVIDERS",
			run:     func(*Shell, string) error { return nil },
			wantRan: []string{"SHOW PROVIDERS\n"},
		},
		{
			name:    "quit stops reading",
			input:   "SHOW PROVIDERS;\n.quit\nSHOW SERVICES IN github;\n",
			run:     func(*Shell, string) error { return nil },
			wantRan: []string{"SHOW PROVIDERS;\n"},
		},
		{
			name:        "prompts and help when interactive",
			input:       ".help\nSHOW\nPROVIDERS;\n",
			interactive: true,
			run:         func(*Shell, string) error { return nil },
			wantRan:     []string{"SHOW\nPROVIDERS;\n"},
			wantOut:     []string{"Type .help", prompt, "Statements end with", prompt, continuing},
		},
		{
			name:        "confirmation read from the input",
			input:       "DELETE FROM t WHERE x;\nyes\nDELETE FROM t WHERE y;\nn\n",
			interactive: true,
			run: func(sh *Shell, s string) error {
				if !sh.Confirm(context.Background(), "Delete 2 packages?") {
					return errors.New("not confirmed")
				}
				return nil
			},
			wantRan:    []string{"DELETE FROM t WHERE x;\n", "DELETE FROM t WHERE y;\n"},
			wantFailed: 1,
			wantOut:    []string{"Delete 2 packages? [y/N] ", "Delete 2 packages? [y/N] "},
		},
		{
			name:  "no confirmation when not interactive",
			input: "DELETE FROM t WHERE x;\nyes\n",
			run: func(sh *Shell, s string) error {
				if !sh.Confirm(context.Background(), "Delete?") {
					return errors.New("not confirmed")
				}
				return nil
			},
			// "yes" is not an answer here: it is read as a statement.
			wantRan:    []string{"DELETE FROM t WHERE x;\n", "yes\n"},
			wantFailed: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := runShell(t, tc.input, tc.interactive, tc.run)
			if s.err != nil {
				t.Fatalf("Loop: %v", s.err)
			}
			if strings.Join(s.ran, "|") != strings.Join(tc.wantRan, "|") {
				t.Errorf("ran %q, want %q", s.ran, tc.wantRan)
			}
			if s.failed != tc.wantFailed || len(s.reported) != tc.wantFailed {
				t.Errorf("failed %d, reported %q; want %d", s.failed, s.reported, tc.wantFailed)
			}
			rest := s.out.String()
			for _, w := range tc.wantOut {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (in order): %q", w, s.out.String())
				}
				rest = rest[i+len(w):]
			}
			if !tc.interactive && s.out.Len() != 0 {
				t.Errorf("non-interactive shell wrote %q", s.out.String())
			}
		})
	}
}

// Cancelling the context ends a loop that is blocked reading its input.
func TestLoopStopsOnCancel(t *testing.T) {
	t.Parallel()
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	sh := New(Config{In: r, Out: io.Discard, Run: func(context.Context, string) error { return nil }, Report: func(error) {}})
	done := make(chan error, 1)
	go func() { _, err := sh.Loop(ctx); done <- err }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Loop = %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Loop did not stop")
	}
}
