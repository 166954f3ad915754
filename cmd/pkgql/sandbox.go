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

func (a *app) sandboxCommand() *cobra.Command {
	var (
		listen      string
		latency     time.Duration
		token       string
		scopes      []string
		noReferrers bool
	)
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
			if latency < 0 {
				return usageError{Err: fmt.Errorf("--latency %s: use a positive duration", latency)}
			}
			if cmd.Flags().Changed("scopes") && token == "" {
				return usageError{Err: errors.New("--scopes needs --token: scopes belong to a token")}
			}
			srv, ln, err := sandbox.Listen(listen, sandbox.Options{Latency: latency, Token: token, Scopes: scopes, NoReferrersAPI: noReferrers})
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
					n += len(sandbox.ImageRepos(o.Login, !noReferrers))
				}
				orgs = append(orgs, fmt.Sprintf("%s (%d packages; admins %s)", o.Login, n, strings.Join(o.Admins, ", ")))
			}
			fmt.Fprintf(a.stdout, "Users: %s. %s\n", strings.Join(users, ", "), tokenNote(token, scopes))
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
			case <-cmd.Context().Done():
			}
			// Stopping is what Ctrl-C is for here: a clean exit.
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			srv.Close()
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			fmt.Fprintln(a.stderr, "pkgql sandbox: stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	cmd.Flags().DurationVar(&latency, "latency", 0, "wait this long before every answer, like a distant server")
	cmd.Flags().StringVar(&token, "token", "", "require this token on every request (default: none needed)")
	cmd.Flags().StringSliceVar(&scopes, "scopes", nil, "the token's scopes, e.g. read:packages,delete:packages (default: all)")
	cmd.Flags().BoolVar(&noReferrers, "no-referrers-api", false, "serve a registry without the OCI referrers API, as ghcr.io is: referrers requests answer 404, and SBOMs come with the referrers tag schema index")
	return cmd
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
