package main

import (
	"errors"
	"fmt"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/host"
)

// cliError is a failure the command line words itself (a timeout, a provider
// that died, a missing token), keeping the error it explains.
type cliError = host.Error

// report prints a failed statement's error on stderr:
//
//	error: line 2, column 1: <what went wrong>
//	hint: <what to do>
//
// with the position when the engine gave one, never a stack trace.
func (a *app) report(err error) {
	var (
		ce   *cliError
		ee   *engine.Error
		msg  = err.Error()
		hint string
	)
	switch {
	case errors.As(err, &ce):
		msg, hint = ce.Msg, ce.Hint
	case errors.As(err, &ee):
		msg, hint = ee.Message, ee.Hint
	}
	fmt.Fprintf(a.stderr, "error: %s%s\n", position(err), msg)
	if hint != "" {
		fmt.Fprintf(a.stderr, "hint: %s\n", hint)
	}
}

// position is "line L, column C: " when the engine placed err in the script.
func position(err error) string {
	var ee *engine.Error
	if errors.As(err, &ee) && ee.Line > 0 {
		return fmt.Sprintf("line %d, column %d: ", ee.Line, ee.Column)
	}
	return ""
}
