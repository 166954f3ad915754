package main

import (
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/pkgql/pkgql/provider/github"
)

// newCmdProvider is how pkgql serves its bundled provider: the host re-runs
// its own executable as `pkgql provider github`, a go-plugin process that
// refuses to start without the host's handshake.
func (a *app) newCmdProvider() *cobra.Command {
	cmd := &cobra.Command{
		Use:    "provider",
		Short:  "Serve a bundled provider as a plugin (started by pkgql itself)",
		Hidden: true,
		Args:   noArgs,
		// A plugin process needs none of the host's flags checked or logging.
		PersistentPreRun: func(*cobra.Command, []string) { a.started = true },
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "github",
		Short:   "Serve the GitHub provider over go-plugin",
		Example: "  # pkgql starts this itself; run by hand it refuses, lacking the handshake\n  pkgql provider github",
		Args:    noArgs,
		Run: func(*cobra.Command, []string) {
			// A terminal's Ctrl-C reaches the whole process group; the host
			// decides what it stops (a statement in the shell, or everything),
			// and ends this process itself.
			signal.Ignore(os.Interrupt)
			github.Serve()
		},
	})
	return cmd
}
