package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// sandboxOptions is what `pkgql sandbox` serves.
type sandboxOptions struct {
	// Listen is the address to listen on.
	Listen string
	// Server is the sandbox's latency, token, scopes and registry.
	Server sandbox.Options
}

// newCmdSandbox builds `pkgql sandbox`; runF, when set, runs in its place.
func (a *app) newCmdSandbox(runF func(context.Context, *sandboxOptions) error) *cobra.Command {
	opts := &sandboxOptions{}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve a seeded GitHub-compatible Packages API on this machine",
		Long: `Serve the sandbox: an in-memory API that answers GitHub's user-package
endpoints the way GitHub does (Link pagination, rate-limit headers, error
bodies, the 5,000-download rule, 30-day restore), seeded with the same
packages every time. It needs no token unless --token asks for one; then
every request must carry it, as GitHub's would. --scopes makes it answer
with those X-OAuth-Scopes and refuse deletes and restores without the scopes
GitHub requires, to try pkgql auth status and scope errors. Deleted packages
stay deleted until restored or until the sandbox stops.

Point pkgql (or any GitHub client) at the URL it prints. Ctrl-C stops it.`,
		Example: `  pkgql sandbox --listen 127.0.0.1:8080
  # in another terminal
  pkgql --github-url http://127.0.0.1:8080/ exec "SHOW RESOURCES IN github.packages"
  PKGQL_GITHUB_URL=http://127.0.0.1:8080/ pkgql shell

  # slow answers, to watch the progress line and concurrent paging
  pkgql sandbox --listen 127.0.0.1:8080 --latency 200ms

  # a token that can read but not delete
  pkgql sandbox --listen 127.0.0.1:8080 --token sandbox-token --scopes read:packages
  GITHUB_TOKEN=sandbox-token pkgql --github-url http://127.0.0.1:8080/ auth status

  # a registry without the referrers API, as ghcr.io is
  pkgql sandbox --listen 127.0.0.1:8080 --no-referrers-api`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Server.Latency < 0 {
				return usageError{Err: fmt.Errorf("--latency %s: use a positive duration", opts.Server.Latency)}
			}
			if cmd.Flags().Changed("scopes") && opts.Server.Token == "" {
				return usageError{Err: errors.New("--scopes needs --token: scopes belong to a token")}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return a.runSandbox(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	cmd.Flags().DurationVar(&opts.Server.Latency, "latency", 0, "wait this long before every answer, like a distant server")
	cmd.Flags().StringVar(&opts.Server.Token, "token", "", "require this token on every request (default: none needed)")
	cmd.Flags().StringSliceVar(&opts.Server.Scopes, "scopes", nil, "the token's scopes, e.g. read:packages,delete:packages (default: all)")
	cmd.Flags().BoolVar(&opts.Server.NoReferrersAPI, "no-referrers-api", false, "serve a registry without the OCI referrers API, as ghcr.io is: referrers requests answer 404, and SBOMs come with the referrers tag schema index")
	return cmd
}

// runSandbox serves the sandbox until the process is interrupted.
func (a *app) runSandbox(ctx context.Context, opts *sandboxOptions) error {
	srv, ln, err := sandbox.Listen(opts.Listen, opts.Server)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	url := "http://" + ln.Addr().String() + "/"
	var users []string
	for _, u := range sandbox.DefaultSeed() {
		users = append(users, fmt.Sprintf("%s (%d packages)", u.Login, u.Packages))
	}
	fmt.Fprintf(a.stdout, "pkgql sandbox: serving a GitHub-compatible Packages API at %s\n", url)
	var orgs []string
	for _, o := range sandbox.DefaultOrgs() {
		n := o.Packages
		if o.Images {
			// Each image repository is a container package of its own.
			n += len(sandbox.ImageRepos(o.Login, !opts.Server.NoReferrersAPI))
		}
		orgs = append(orgs, fmt.Sprintf("%s (%d packages; admins %s)", o.Login, n, strings.Join(o.Admins, ", ")))
	}
	fmt.Fprintf(a.stdout, "Users: %s. %s\n", strings.Join(users, ", "), tokenNote(opts.Server.Token, opts.Server.Scopes))
	fmt.Fprintf(a.stdout, "Organizations: %s. The authenticated user is octocat.\n", strings.Join(orgs, ", "))
	fmt.Fprintf(a.stdout, "Point pkgql at it:\n")
	fmt.Fprintf(a.stdout, "  pkgql --github-url %s exec \"SHOW RESOURCES IN github.packages\"\n", url)
	fmt.Fprintf(a.stdout, "  export PKGQL_GITHUB_URL=%s\n", url)
	fmt.Fprintf(a.stdout, "Its container registry (the images of every container package) is at %s:\n", strings.TrimSuffix(url, "/"))
	fmt.Fprintf(a.stdout, "  export PKGQL_REGISTRY_URL=%s\n", strings.TrimSuffix(url, "/"))
	fmt.Fprintf(a.stdout, "Stop with Ctrl-C.\n")

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("sandbox: %w", err)
	case <-ctx.Done():
	}
	// Stopping is what Ctrl-C is for here: a clean exit.
	stopping, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(stopping); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	srv.Close()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(a.stderr, "pkgql sandbox: stopped")
	return nil
}

// tokenNote says what a client must send. It never repeats the token: the
// person who chose it knows it, and a terminal log need not.
func tokenNote(token string, scopes []string) string {
	switch {
	case token == "":
		return "No token needed."
	case scopes == nil:
		return "Requests need the token given with --token, with every scope."
	default:
		return fmt.Sprintf("Requests need the token given with --token; its scopes: %s.", strings.Join(scopes, ", "))
	}
}
