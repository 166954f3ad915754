package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
)

// TestNewCmdExec checks what `pkgql exec` makes of its arguments, with a
// runF in place of running the statements.
func TestNewCmdExec(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "q.sql")
	if err := os.WriteFile(file, []byte("SHOW PROVIDERS"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		args      []string
		stdin     string
		want      string
		wantUsage string
	}{
		{"an argument", []string{"SELECT 1"}, "", "SELECT 1", ""},
		{"a file", []string{"-f", file}, "", "SHOW PROVIDERS", ""},
		{"standard input", []string{"-f", "-"}, "SHOW SERVICES IN github", "SHOW SERVICES IN github", ""},
		{"both", []string{"-f", file, "SELECT 1"}, "", "", "not both"},
		{"neither", nil, "", "", "no statements"},
		{"unquoted", []string{"SELECT", "1"}, "", "", "quote them"},
		{"an empty script", []string{"  "}, "", "", "the script is empty"},
		{"a missing file", []string{"-f", filepath.Join(t.TempDir(), "none.sql")}, "", "", "-f: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *execOptions
			r := runIn(t, nil, tc.stdin, func(a *app) *cobra.Command {
				return a.newCmdExec(func(_ context.Context, o *execOptions) error { got = o; return nil })
			}, append([]string{"exec"}, tc.args...)...)
			if r.check(t, tc.wantUsage, got != nil) && got.Script != tc.want {
				t.Errorf("options %+v, want the script %q", got, tc.want)
			}
		})
	}
}
