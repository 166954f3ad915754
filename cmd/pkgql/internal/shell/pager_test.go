package shell

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
)

func TestScreenLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text  string
		width int
		want  int
	}{
		{"", 80, 0},
		{"a\nb\n", 80, 2},
		{"a\nb", 80, 2},
		{"\n\n", 80, 2},
		{strings.Repeat("x", 80) + "\n", 80, 1},
		{strings.Repeat("x", 81) + "\n", 80, 2},
		{strings.Repeat("x", 200) + "\r\n", 80, 3},
		{strings.Repeat("界", 41) + "\n", 80, 2}, // wide runes take two columns
		{strings.Repeat("x", 200) + "\n", 0, 1},
	} {
		if got := screenLines([]byte(tc.text), tc.width); got != tc.want {
			t.Errorf("screenLines(%d bytes, %d) = %d, want %d", len(tc.text), tc.width, got, tc.want)
		}
	}
}

// Results longer than the terminal go through the pager program; shorter
// ones, or all when .pager is off or nothing is a terminal, go straight.
func TestPager(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to run a pager")
	}
	// The pager marks what it shows.
	pager := []string{"sh", "-c", "echo '[paged]'; cat"}
	for _, tc := range []struct {
		name   string
		input  string
		rows   int // each statement's lines of output
		height int
		pager  []string
		want   string // how the results begin
		notice string
	}{
		{"long results are paged", "SELECT 1;\n", 30, 24, pager, "[paged]\nrow 1\n", ""},
		{"a script's results are paged together", "SELECT 1; SELECT 2;\n", 12, 24, pager, "[paged]\nrow 1\n", ""},
		{"short results are not", "SELECT 1;\n", 5, 24, pager, "row 1\n", ""},
		{"none on a pipe", "SELECT 1;\n", 30, 0, pager, "row 1\n", ""},
		{"none when switched off", ".pager off\nSELECT 1;\n", 30, 24, pager, "row 1\n", ""},
		{"none without a pager", "SELECT 1;\n", 30, 24, nil, "row 1\n", ""},
		{"a pager that cannot start", "SELECT 1;\nSELECT 2;\n", 30, 24, []string{"/nonexistent/pager"}, "row 1\n", `pager "/nonexistent/pager" could not start`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var results, out bytes.Buffer
			sh := New(Config{
				In: strings.NewReader(tc.input), Out: &out, Results: &results, Interactive: true,
				Settings: Settings{Pager: true},
				Pager:    tc.pager,
				Screen:   func() (int, int) { return 80, tc.height },
				Run: func(_ context.Context, r Request) error {
					for range strings.Count(r.Script, "SELECT") {
						for i := range tc.rows {
							fmt.Fprintf(r.Out, "row %d\n", i+1)
						}
					}
					return nil
				},
				Report: func(err error) { t.Error(err) },
			})
			if _, err := sh.Loop(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(results.String(), tc.want) {
				t.Errorf("results begin %q, want %q", results.String()[:min(20, results.Len())], tc.want)
			}
			if n := strings.Count(results.String(), "row 1\n"); n != strings.Count(tc.input, "SELECT") {
				t.Errorf("%d result sets shown, want one a statement", n)
			}
			if strings.Count(out.String(), "could not start") > 1 || !strings.Contains(out.String(), tc.notice) {
				t.Errorf("notices: %q, want %q once", out.String(), tc.notice)
			}
		})
	}
}

// Results held for the pager are shown before a confirmation question, so
// that the question comes after what led to it.
func TestConfirmShowsHeldResults(t *testing.T) {
	t.Parallel()
	var terminal bytes.Buffer // results and questions on one screen
	var sh *Shell
	sh = New(Config{
		In: strings.NewReader("SELECT 1; DELETE FROM t WHERE x;\ny\n"), Out: &terminal, Results: &terminal, Interactive: true,
		Settings: Settings{Pager: true},
		Pager:    []string{"cat"},
		Screen:   func() (int, int) { return 80, 24 },
		Run: func(ctx context.Context, r Request) error {
			io.WriteString(r.Out, "the select's rows\n")
			if !sh.Confirm(ctx, "Delete them?") {
				t.Error("not confirmed")
			}
			io.WriteString(r.Out, "the delete's rows\n")
			return nil
		},
		Report: func(err error) { t.Error(err) },
	})
	if _, err := sh.Loop(context.Background()); err != nil {
		t.Fatal(err)
	}
	inOrder(t, "terminal", terminal.String(), "the select's rows\n", "Delete them? [y/N] ", "the delete's rows\n")
}
