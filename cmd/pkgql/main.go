// Command pkgql answers SQL about GitHub Packages and changes them with SQL.
//
// The command line is the host: it reads the flags, starts the provider
// processes (by default this same executable, re-run with the hidden
// `provider github` command) and configures them with the connection settings
// they declare (package host), hands statements to the engine and writes the
// result sets in the chosen output format. Commands:
//
//	pkgql exec "STATEMENT; ..."    pkgql exec -f FILE.sql    run statements
//	pkgql shell                                            an interactive loop
//	pkgql sandbox --listen ADDR                            the local GitHub-compatible API
//	pkgql docs --out DIR                                   the reference, from the schema
//	pkgql auth status                                      which token, which scopes
//
// Exit status: 0 ok, 1 a statement failed, 2 a usage error, 130 interrupted.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/pkgql/pkgql/provider"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program: it returns the exit status, and every way out of
// it — a result, an error, a panic, a signal — ends the provider processes.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	defer provider.CleanupClients()
	ctx, stop := notifyInterrupt(context.Background())
	defer stop()
	return execute(ctx, processEnviron, args, stdin, stdout, stderr)
}

// execute runs one command line in env and returns its exit status. Every
// provider process it starts has ended when it returns, but for a panic,
// which run's cleanup covers: tests call it in-process, many at once.
func execute(ctx context.Context, env environ, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "error: internal error: %v\n", r)
			code = exitFailure
		}
	}()
	a := newApp(env, stdin, stdout, stderr)
	root := a.rootCommand()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	return a.exit(ctx, cmd, err)
}

// environ is what a run takes from the process around it, so that a test
// can give each run its own.
type environ struct {
	lookup func(string) (string, bool)
	// executable serves the bundled provider (its hidden provider command);
	// empty means this process's own executable.
	executable string
}

var processEnviron = environ{lookup: os.LookupEnv}

func (e environ) getenv(name string) string {
	v, _ := e.lookup(name)
	return v
}
