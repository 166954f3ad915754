package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// session runs a shell over input and records what it ran and reported.
type session struct {
	ran      []Request
	reported []string
	out      bytes.Buffer // prompts, help, notices
	results  bytes.Buffer
	failed   int
	err      error
}

func (s *session) scripts() []string {
	var out []string
	for _, r := range s.ran {
		out = append(out, r.Script)
	}
	return out
}

// runShell runs a shell over input; run answers each script (nil: it
// succeeds and writes "ran" to the results).
func runShell(t *testing.T, input string, interactive bool, run func(*Shell, Request) error) *session {
	t.Helper()
	s := &session{}
	if run == nil {
		run = func(_ *Shell, r Request) error { _, err := io.WriteString(r.Out, "ran\n"); return err }
	}
	var sh *Shell
	sh = New(Config{
		In: strings.NewReader(input), Out: &s.out, Results: &s.results, Interactive: interactive,
		Catalog:  shopCatalog,
		Formats:  []string{"table", "json", "csv", "text", "markdown"},
		Settings: Settings{Format: "table", Pager: true},
		Run: func(_ context.Context, r Request) error {
			s.ran = append(s.ran, r)
			return run(sh, r)
		},
		Report: func(err error) { s.reported = append(s.reported, err.Error()) },
	})
	s.failed, s.err = sh.Loop(context.Background())
	if s.err != nil {
		t.Fatalf("Loop: %v", s.err)
	}
	return s
}

// inOrder checks that out holds each of want, in order.
func inOrder(t *testing.T, what, out string, want ...string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("%s lacks %q (in order):\n%s", what, w, out)
		}
		rest = rest[i+len(w):]
	}
}

func TestLoop(t *testing.T) {
	t.Parallel()
	fail := errors.New("no such table")
	for _, tc := range []struct {
		name        string
		input       string
		interactive bool
		run         func(*Shell, Request) error
		wantRan     []string
		wantFailed  int
		wantOut     []string
	}{
		{
			name:    "statements over lines",
			input:   "SHOW\n PROVIDERS;\n\nSELECT ';'\n FROM t;\n",
			wantRan: []string{"SHOW\n PROVIDERS;\n", "SELECT ';'\n FROM t;\n"},
		},
		{
			name:    "two statements on a line run together; a third waits for its end",
			input:   "SELECT 1; SELECT 2; SELECT\n 3;\n",
			wantRan: []string{"SELECT 1; SELECT 2;", " SELECT\n 3;\n"},
		},
		{
			name:    "a comment after the end stays with its statement",
			input:   "SELECT 1; -- one\nSELECT /* ; */ 2;\n",
			wantRan: []string{"SELECT 1; -- one\n", "SELECT /* ; */ 2;\n"},
		},
		{
			name:    "a lone ; runs nothing; a comment goes with the statement after it",
			input:   ";\n-- nothing;\nSELECT 1;\n",
			wantRan: []string{"-- nothing;\nSELECT 1;\n"},
		},
		{
			name:       "a failed statement is reported and the loop goes on",
			input:      "SELECT nope;\nSHOW PROVIDERS;\n",
			run:        func(_ *Shell, r Request) error { return map[bool]error{true: fail}[strings.Contains(r.Script, "nope")] },
			wantRan:    []string{"SELECT nope;\n", "SHOW PROVIDERS;\n"},
			wantFailed: 1,
		},
		{
			name:    "from a pipe, the last statement runs without its semicolon",
			input:   "SHOW PROVIDERS",
			wantRan: []string{"SHOW PROVIDERS\n"},
		},
		{
			name:        "at a terminal, a statement left without its semicolon is dropped",
			input:       "DELETE FROM t WHERE x = 1",
			interactive: true,
			wantOut:     []string{continuing, `(the statement without ";" was not run)`},
		},
		{
			name:    "quit stops reading",
			input:   "SHOW PROVIDERS;\n\\q\nSHOW SERVICES IN shop;\n",
			wantRan: []string{"SHOW PROVIDERS;\n"},
		},
		{
			name:    "a command is only a command where a statement would start",
			input:   "SELECT\n.5;\n.quit\n",
			wantRan: []string{"SELECT\n.5;\n"},
		},
		{
			name:        "prompts and help when interactive",
			input:       ".help\nSHOW\nPROVIDERS;\n",
			interactive: true,
			wantRan:     []string{"SHOW\nPROVIDERS;\n"},
			wantOut:     []string{"Type .help", prompt, "Statements end with", ".output [FORMAT]", prompt, continuing},
		},
		{
			name:        "confirmation read from the input, after the question's lines",
			input:       "DELETE FROM t WHERE x;\nyes\nDELETE FROM t WHERE y;\nn\n",
			interactive: true,
			run: func(sh *Shell, r Request) error {
				if !sh.Confirm(context.Background(), "DELETE …\nmatches 2:\n  a\n  b\nDelete them?") {
					return errors.New("not confirmed")
				}
				return nil
			},
			wantRan:    []string{"DELETE FROM t WHERE x;\n", "DELETE FROM t WHERE y;\n"},
			wantFailed: 1,
			wantOut:    []string{"matches 2:\n  a\n  b\nDelete them? [y/N] ", "Delete them? [y/N] "},
		},
		{
			name:        "the end of the input answers no",
			input:       "DELETE FROM t WHERE x;\n",
			interactive: true,
			run: func(sh *Shell, r Request) error {
				if !sh.Confirm(context.Background(), "Delete?") {
					return errors.New("not confirmed")
				}
				return nil
			},
			wantRan:    []string{"DELETE FROM t WHERE x;\n"},
			wantFailed: 1,
		},
		{
			name:  "no confirmation when not interactive",
			input: "DELETE FROM t WHERE x;\nyes\n",
			run: func(sh *Shell, r Request) error {
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
			if strings.Join(s.scripts(), "|") != strings.Join(tc.wantRan, "|") {
				t.Errorf("ran %q, want %q", s.scripts(), tc.wantRan)
			}
			if s.failed != tc.wantFailed || len(s.reported) != tc.wantFailed {
				t.Errorf("failed %d, reported %q; want %d", s.failed, s.reported, tc.wantFailed)
			}
			inOrder(t, "output", s.out.String(), tc.wantOut...)
			if !tc.interactive && s.out.Len() != 0 {
				t.Errorf("non-interactive shell wrote %q", s.out.String())
			}
		})
	}
}

func TestMetaCommands(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		input      string
		wantRan    []string
		wantSet    []Settings // the settings each script ran with
		wantFailed int
		wantOut    []string
	}{
		{
			name:    "output format",
			input:   ".output json\nSELECT 1;\n.output CSV;\nSELECT 2;\n.output\n",
			wantRan: []string{"SELECT 1;\n", "SELECT 2;\n"},
			wantSet: []Settings{{Format: "json", Pager: true}, {Format: "csv", Pager: true}},
			wantOut: []string{"output: json", "output: csv", "output: csv"},
		},
		{
			name:       "an unknown format changes nothing",
			input:      ".output yaml\nSELECT 1;\n",
			wantRan:    []string{"SELECT 1;\n"},
			wantSet:    []Settings{{Format: "table", Pager: true}},
			wantFailed: 1,
		},
		{
			name:    "dry run, timer and pager switches",
			input:   ".dryrun on\n.timer ON\n.pager off\nSELECT 1;\n.dryrun off\nSELECT 2;\n.dryrun\n",
			wantRan: []string{"SELECT 1;\n", "SELECT 2;\n"},
			wantSet: []Settings{{Format: "table", DryRun: true, Timer: true}, {Format: "table", Timer: true}},
			wantOut: []string{"dryrun: on", "timer: on", "pager: off", "Time: ", " ms\n", "dryrun: off", "Time: ", "dryrun: off"},
		},
		{
			name:       "a switch takes on or off",
			input:      ".timer maybe\n.pager on off\n",
			wantFailed: 2,
		},
		{
			name:    "schema describes a resource, or lists them all",
			input:   ".schema shop.store.items\n.schema\n",
			wantRan: []string{"DESCRIBE shop.store.items;", "SHOW RESOURCES IN shop.store;\n"},
			wantSet: []Settings{{Format: "table", Pager: true}, {Format: "table", Pager: true}},
		},
		{
			name:    "history lists what was typed, without credentials",
			input:   "SELECT 1;\nSELECT\n  2;\nEXEC a.b.c.d @token = 'ghp_x';\n.history\n",
			wantRan: []string{"SELECT 1;\n", "SELECT\n  2;\n", "EXEC a.b.c.d @token = 'ghp_x';\n"},
			wantSet: []Settings{{Format: "table", Pager: true}, {Format: "table", Pager: true}, {Format: "table", Pager: true}},
			wantOut: []string{"    1  SELECT 1;\n", "    2  SELECT 2;\n", "    3  .history\n"},
		},
		{
			name:       "an unknown command is an error",
			input:      ".tables\n\\d\n",
			wantFailed: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := runShell(t, tc.input, true, nil)
			if strings.Join(s.scripts(), "|") != strings.Join(tc.wantRan, "|") {
				t.Errorf("ran %q, want %q", s.scripts(), tc.wantRan)
			}
			for i, r := range s.ran {
				if i < len(tc.wantSet) && r.Settings != tc.wantSet[i] {
					t.Errorf("script %d ran with %+v, want %+v", i, r.Settings, tc.wantSet[i])
				}
			}
			if s.failed != tc.wantFailed || len(s.reported) != tc.wantFailed {
				t.Errorf("failed %d, reported %q; want %d", s.failed, s.reported, tc.wantFailed)
			}
			for _, r := range s.reported {
				if !strings.Contains(r, "use ") && !strings.Contains(r, ".help") {
					t.Errorf("error %q does not say what to do", r)
				}
			}
			inOrder(t, "output", s.out.String(), tc.wantOut...)
		})
	}
}

// Ctrl-C cancels the running statement and the shell goes on; a Ctrl-C
// that came while nothing ran cancels nothing.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	interrupts := make(chan os.Signal, 1)
	interrupts <- os.Interrupt // pressed in the pager, before the statement
	started := make(chan struct{}, 2)
	var reported []string
	var outcomes []error
	sh := New(Config{
		In:        strings.NewReader("SELECT quick;\nSELECT slow;\nSELECT after;\n"),
		Interrupt: interrupts,
		Run: func(ctx context.Context, r Request) error {
			var err error
			switch {
			case strings.Contains(r.Script, "slow"):
				started <- struct{}{}
				select {
				case <-ctx.Done():
					err = fmt.Errorf("listing stopped: %w", ctx.Err())
				case <-time.After(10 * time.Second):
				}
			default:
				err = ctx.Err()
			}
			outcomes = append(outcomes, err)
			return err
		},
		Report: func(err error) { reported = append(reported, err.Error()) },
	})
	go func() {
		<-started
		interrupts <- os.Interrupt
	}()
	failed, err := sh.Loop(context.Background())
	if err != nil || failed != 1 {
		t.Fatalf("Loop = %d, %v; want 1 failed", failed, err)
	}
	if len(outcomes) != 3 || outcomes[0] != nil || outcomes[1] == nil || outcomes[2] != nil {
		t.Errorf("outcomes %v: want only the slow statement cancelled", outcomes)
	}
	if len(reported) != 1 || reported[0] != ErrCancelled.Error() {
		t.Errorf("reported %q, want %q", reported, ErrCancelled)
	}
}

// Cancelling the context ends a loop that is blocked reading its input.
func TestLoopStopsOnCancel(t *testing.T) {
	t.Parallel()
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	sh := New(Config{In: r, Run: func(context.Context, Request) error { return nil }, Report: func(error) {}})
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
