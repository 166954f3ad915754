package main

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/spf13/cobra"
)

// At a terminal the shell is interactive, and edits lines when its output
// goes to the terminal too.
func TestNewCmdShellAtATerminal(t *testing.T) {
	t.Parallel()
	controller, terminal, err := openPTY(80, 24)
	if err != nil {
		t.Skip("no pseudo-terminal:", err)
	}
	t.Cleanup(func() { controller.Close(); terminal.Close() })
	for _, tc := range []struct {
		name   string
		stdout io.Writer
		want   shellOptions
	}{
		{"output to the terminal", terminal, shellOptions{Interactive: true, Editor: true}},
		{"output to a file", &bytes.Buffer{}, shellOptions{Interactive: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			a := newApp(envOf(map[string]string{"PKGQL_HISTORY": "", "PAGER": ""}), terminal, tc.stdout, &stderr)
			var got *shellOptions
			code := runApp(t, a, func(a *app) *cobra.Command {
				return a.newCmdShell(func(_ context.Context, o *shellOptions) error { got = o; return nil })
			}, "shell")
			if code != exitOK || got == nil {
				t.Fatalf("exit %d:\n%s", code, &stderr)
			}
			if got.Interactive != tc.want.Interactive || got.Editor != tc.want.Editor {
				t.Errorf("interactive %v, editor %v; want %v, %v", got.Interactive, got.Editor, tc.want.Interactive, tc.want.Editor)
			}
		})
	}
}
