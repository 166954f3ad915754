package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/host"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/reference"
)

// docsOptions is what `pkgql docs` writes.
type docsOptions struct {
	// Out is the docs directory; the pages go to Out/reference/.
	Out string
}

// newCmdDocs builds `pkgql docs`; runF, when set, runs in its place.
func (a *app) newCmdDocs(runF func(context.Context, *docsOptions) error) *cobra.Command {
	opts := &docsOptions{}
	cmd := &cobra.Command{
		Use:   "docs",
		Short: "Generate the reference pages from the providers' schemas",
		Long: `Write the reference into DIR/reference/: index.md, and one page per resource
with its fields, params, methods (SQL verb, required and optional params,
REST call, full description) and example statements.

The pages come from the schemas the providers declare and nothing else, byte
for byte the same on every run: regenerate into a temporary directory and
diff it with docs/ to check the committed reference is current. Markdown
files in DIR/reference/ that are not generated are removed.`,
		Example: `  pkgql docs --out docs/

  # Is docs/ current?
  pkgql docs --out /tmp/docs && diff -r /tmp/docs/reference docs/reference`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return a.runDocs(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "docs", "the docs directory; pages go to DIR/reference/")
	return cmd
}

// runDocs writes the reference from the schemas the providers declare.
func (a *app) runDocs(ctx context.Context, opts *docsOptions) error {
	running, err := a.startProviders(ctx)
	if err != nil {
		return err
	}
	s := &host.Runner{Providers: running}
	defer s.Close()
	// The engine's catalog is what SHOW and DESCRIBE read too.
	eng, err := engine.New(engine.Config{Providers: s.Bindings(), Logger: a.logger.Named("engine")})
	if err != nil {
		return err
	}
	defer eng.Close()
	if err := reference.Write(opts.Out, eng.Catalog()); err != nil {
		return fmt.Errorf("writing the reference: %w", err)
	}
	fmt.Fprintf(a.stderr, "wrote %s\n", filepath.Join(opts.Out, reference.Dir))
	return nil
}
