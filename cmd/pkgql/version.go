package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// versionString says which build this is, from what the Go toolchain put in
// the binary: the module version for `go install …@vX`, else the VCS
// revision and whether the tree had changes, so a bug report names a commit.
func versionString(info *debug.BuildInfo, ok bool) string {
	if !ok {
		return "pkgql (no build information)"
	}
	version := info.Main.Version
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	var parts []string
	if rev := settings["vcs.revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if settings["vcs.modified"] == "true" {
			rev += " with local changes"
		}
		parts = append(parts, "commit "+rev)
	}
	if t := settings["vcs.time"]; t != "" {
		parts = append(parts, t)
	}
	parts = append(parts, info.GoVersion)
	if version == "" {
		version = "(devel)"
	}
	return fmt.Sprintf("pkgql %s (%s)", version, strings.Join(parts, ", "))
}

func versionLine() string { return versionString(debug.ReadBuildInfo()) }

// versionOptions is what `pkgql version` prints.
type versionOptions struct {
	// Line is the version line, as --version prints it too.
	Line string
}

// newCmdVersion builds `pkgql version`; runF, when set, runs in its place.
func (a *app) newCmdVersion(runF func(context.Context, *versionOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit it was built from and the Go version",
		Args:  cobra.NoArgs,
		// No flags to check and no logger to set up.
		PersistentPreRun: func(*cobra.Command, []string) { a.started = true },
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := &versionOptions{Line: versionLine()}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return a.runVersion(opts)
		},
	}
}

func (a *app) runVersion(opts *versionOptions) error {
	_, err := fmt.Fprintln(a.stdout, opts.Line)
	return err
}
