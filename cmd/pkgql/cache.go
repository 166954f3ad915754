package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/host"
)

// httpCacheDir is where the GitHub provider keeps the answers it revalidates
// with conditional requests: the user's cache directory, pkgql/http.
func httpCacheDir(getenv func(string) string) (string, error) {
	dir, err := host.CacheDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "pkgql", "http"), nil
}

// newCmdCache builds `pkgql cache`, which runs only its subcommands.
func (a *app) newCmdCache() *cobra.Command {
	cache := &cobra.Command{
		Use:   "cache",
		Short: "Manage the HTTP cache of conditional requests",
		Long: `pkgql keeps GitHub's answers to GETs, with their ETags, in the user's cache
directory (pkgql/http), one private directory per token, named by an HMAC of
the token: the token itself is never stored. Every cached GET is sent again
as a conditional request (If-None-Match); GitHub answers 304 Not Modified
when nothing changed, which costs no primary rate limit, and the stored
answer is used. An answer is never used without asking GitHub. --no-cache
turns the cache off for a run.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cache.AddCommand(a.newCmdCacheClear(nil), a.newCmdCacheDir(nil))
	return cache
}

// cacheOptions is the cache directory `pkgql cache clear` and `pkgql cache
// dir` act on.
type cacheOptions struct {
	Dir string
}

// cacheOptionsOf finds the cache directory; not finding it is no usage
// error: the environment lacks a home, the command line is fine.
func (a *app) cacheOptionsOf() (*cacheOptions, error) {
	dir, err := httpCacheDir(a.env.getenv)
	if err != nil {
		return nil, fmt.Errorf("finding the cache directory: %w", err)
	}
	return &cacheOptions{Dir: dir}, nil
}

// newCmdCacheClear builds `pkgql cache clear`; runF, when set, runs in its
// place.
func (a *app) newCmdCacheClear(runF func(context.Context, *cacheOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "clear",
		Short: "Delete every cached answer",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := a.cacheOptionsOf()
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return a.runCacheClear(opts)
		},
	}
}

func (a *app) runCacheClear(opts *cacheOptions) error {
	if err := os.RemoveAll(opts.Dir); err != nil {
		return fmt.Errorf("clearing the HTTP cache: %w", err)
	}
	fmt.Fprintf(a.stdout, "cleared %s\n", opts.Dir)
	return nil
}

// newCmdCacheDir builds `pkgql cache dir`; runF, when set, runs in its place.
func (a *app) newCmdCacheDir(runF func(context.Context, *cacheOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "dir",
		Short: "Print the cache directory",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := a.cacheOptionsOf()
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			fmt.Fprintln(a.stdout, opts.Dir)
			return nil
		},
	}
}
