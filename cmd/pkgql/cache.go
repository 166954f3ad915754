package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// httpCacheDir is where the GitHub provider keeps the answers it revalidates
// with conditional requests: the user's cache directory, pkgql/http.
func httpCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "pkgql", "http"), nil
}

func (a *app) cacheCommand() *cobra.Command {
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
	cache.AddCommand(&cobra.Command{
		Use:   "clear",
		Short: "Delete every cached answer",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			dir, err := httpCacheDir()
			if err != nil {
				return fmt.Errorf("finding the cache directory: %w", err)
			}
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("clearing the HTTP cache: %w", err)
			}
			fmt.Fprintf(a.stdout, "cleared %s\n", dir)
			return nil
		},
	})
	cache.AddCommand(&cobra.Command{
		Use:   "dir",
		Short: "Print the cache directory",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			dir, err := httpCacheDir()
			if err != nil {
				return fmt.Errorf("finding the cache directory: %w", err)
			}
			fmt.Fprintln(a.stdout, dir)
			return nil
		},
	})
	return cache
}
