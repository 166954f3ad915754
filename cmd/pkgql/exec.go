package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// execOptions is what `pkgql exec` runs.
type execOptions struct {
	// Script is the statements, from the argument, -f FILE or standard input.
	Script string
}

// newCmdExec builds `pkgql exec`. runF, when set, is run with the options
// instead of the statements, so that a test can check what the command line
// makes of its arguments.
func (a *app) newCmdExec(runF func(context.Context, *execOptions) error) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   `exec [flags] ("STATEMENT; STATEMENT ..." | -f FILE.sql)`,
		Short: "Run statements and print their results",
		Long: `Run one or more statements separated by ";" and print each result set.

The whole script is read and checked before its first statement runs: an
error anywhere in it means nothing runs. Statements then run in order and
the first that fails stops the script (exit status 1).

-f reads the statements from a file, or from standard input when FILE is -.`,
		Example: `  pkgql --sandbox exec "SELECT name, version_count FROM github.packages.user_packages
                        WHERE username = 'octocat' AND package_type = 'container'
                        ORDER BY version_count DESC LIMIT 5"

  # Count versions by type, as JSON (one array per result set, on one line)
  pkgql exec -o json "SELECT package_type, COUNT(*) AS n, SUM(version_count) AS versions
                      FROM github.packages.user_packages
                      WHERE username = 'octocat' AND package_type IN ('npm', 'container')
                      GROUP BY package_type"

  # See what a DELETE would call, then delete and restore
  pkgql exec --dry-run "DELETE FROM github.packages.user_packages
                        WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'"
  pkgql exec "EXEC github.packages.user_packages.restore_package_for_user
              @username = 'octocat', @package_type = 'npm', @package_name = 'hello'"

  # From a file, or from standard input
  pkgql exec -f examples/select_basic.sql
  echo "SHOW PROVIDERS" | pkgql exec -f -`,
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case file != "" && len(args) > 0:
				return usageError{Err: errors.New("give the statements as an argument or with -f, not both")}
			case file == "" && len(args) == 0:
				return usageError{Err: errors.New(`no statements: pkgql exec "STATEMENT; ..." or pkgql exec -f FILE.sql`)}
			case len(args) > 1:
				return usageError{Err: fmt.Errorf("want the statements as one argument, got %d: quote them (pkgql exec \"SELECT ...\")", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			script, err := a.readScript(file, args)
			if err != nil {
				return err
			}
			opts := &execOptions{Script: script}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return a.runExec(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "read the statements from FILE (- for standard input)")
	return cmd
}

// runExec runs the script and writes its result sets.
func (a *app) runExec(ctx context.Context, opts *execOptions) error {
	sink, flush, err := a.newSink()
	if err != nil {
		return usageError{Err: err}
	}
	defer flush()
	s, err := a.openRunner(ctx, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.RunScript(ctx, opts.Script, sink)
}

// readScript returns the statements to run; an unreadable file or an empty
// script is a usage error.
func (a *app) readScript(file string, args []string) (string, error) {
	var script string
	switch {
	case file == "-":
		b, err := io.ReadAll(a.stdin)
		if err != nil {
			return "", usageError{Err: fmt.Errorf("reading standard input: %w", err)}
		}
		script = string(b)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usageError{Err: fmt.Errorf("-f: %w", err)}
		}
		script = string(b)
	default:
		script = args[0]
	}
	if strings.TrimSpace(script) == "" {
		return "", usageError{Err: errors.New("no statements to run: the script is empty")}
	}
	return script, nil
}
