package main

import (
	"context"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/host"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// interruptGrace is how long a command has to wind down after SIGINT or
// SIGTERM before the process leaves anyway. The provider processes are ended
// either way, and the whole exit stays within a second.
const interruptGrace = 700 * time.Millisecond

// interrupted is the cause of a context that a signal cancelled.
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string { return "interrupted" }

// exitCode is 128 plus the signal's number, as shells report it: 130 for
// SIGINT (Ctrl-C), 143 for SIGTERM.
func (i interrupted) exitCode() int {
	if s, ok := i.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

// notifyInterrupt returns a context that SIGINT or SIGTERM cancels, with an
// interrupted cause. Once a signal came, the process exits within
// interruptGrace even if the command is stuck, and at once on a second signal.
func notifyInterrupt(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		var sig os.Signal
		select {
		case sig = <-signals:
		case <-done:
			return
		}
		cause := interrupted{sig}
		cancel(cause)
		leave := func() {
			host.KillAll()
			os.Exit(cause.exitCode())
		}
		select {
		case <-signals:
			leave()
		case <-time.After(interruptGrace):
			leave()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel(nil)
	}
}
