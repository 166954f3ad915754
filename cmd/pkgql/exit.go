package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/host"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // a statement failed, or a command could not do its work
	exitUsage   = 2 // bad flags or arguments, an unreadable -f file
)

// usageError is a mistake in how pkgql was called.
type usageError = host.UsageError

// alreadyReported ends a command whose errors were shown as they happened
// (the shell goes on after a failed statement).
type alreadyReported struct{ failed int }

func (r alreadyReported) Error() string { return fmt.Sprintf("%d statements failed", r.failed) }

// exit reports err, if any, and chooses the exit status.
func (a *app) exit(ctx context.Context, cmd *cobra.Command, err error) int {
	if err == nil {
		return exitOK
	}
	var sig interrupted
	if errors.As(context.Cause(ctx), &sig) {
		host.KillAll() // nothing to wait for: the statement was abandoned
		fmt.Fprintln(a.stderr, "interrupted")
		return sig.exitCode()
	}
	var usage usageError
	if errors.As(err, &usage) || !a.started {
		fmt.Fprintf(a.stderr, "error: %s\n", err)
		name := "pkgql"
		if cmd != nil {
			name = cmd.CommandPath()
		}
		fmt.Fprintf(a.stderr, "Run '%s --help' for usage.\n", name)
		return exitUsage
	}
	if errors.As(err, new(alreadyReported)) {
		return exitFailure
	}
	a.report(err)
	return exitFailure
}

// noArgs refuses positional arguments, as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{Err: fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])}
	}
	return nil
}
