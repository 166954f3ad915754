package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/shell"
)

func (a *app) shellCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "shell",
		Short: "Type statements interactively",
		Long: `Read statements from the terminal (or from standard input) and run each as soon
as it ends with ";". A statement may span lines. A failed statement is
reported and the shell goes on; the exit status is 1 if any failed.

A DELETE whose WHERE matches packages by more than their full key lists the
packages and asks before deleting them (--yes answers in advance).

Type .help for help and .quit (or Ctrl-D) to leave.`,
		Example: `  pkgql shell
  pkgql --sandbox shell
  pkgql shell -o json < statements.sql`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sink, err := a.newSink()
			if err != nil {
				return usageError{err}
			}
			var s *session
			sh := shell.New(shell.Config{
				In:          a.stdin,
				Out:         a.stderr,
				Interactive: isTerminal(a.stdin),
				Run: func(ctx context.Context, script string) error {
					return s.runScript(ctx, script, sink)
				},
				Report: a.report,
			})
			s, err = a.openSession(cmd.Context(), sh.Confirm)
			if err != nil {
				return err
			}
			defer s.close()
			failed, err := sh.Loop(cmd.Context())
			if err != nil {
				return err
			}
			if failed > 0 {
				return alreadyReported{failed}
			}
			return nil
		},
	}
}
