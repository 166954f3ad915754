package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/host"
)

// newCmdAuth builds `pkgql auth`, which runs only its subcommands.
func (a *app) newCmdAuth() *cobra.Command {
	auth := &cobra.Command{
		Use:   "auth",
		Short: "Check the GitHub token pkgql uses",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	auth.AddCommand(a.newCmdAuthStatus(nil))
	return auth
}

// authStatusOptions is what `pkgql auth status` checks.
type authStatusOptions struct {
	// Sandbox is --sandbox: the sandbox needs no token, and none is checked.
	Sandbox bool
}

// newCmdAuthStatus builds `pkgql auth status`; runF, when set, runs in its
// place.
func (a *app) newCmdAuthStatus(runF func(context.Context, *authStatusOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show where the token comes from and what it may do",
		Long: `Show which token source pkgql uses — --token-file, GITHUB_TOKEN, GH_TOKEN or
` + "`gh auth token`" + `, the first that has one — and have the provider ask its
API once (GET /user) whether it accepts the token, with its scopes (GitHub's
X-OAuth-Scopes header) and the rate limit left. The token itself is never
shown.

Exit status 1 when no token is found or the API refuses it.`,
		Example: `  pkgql auth status
  pkgql auth status --token-file ~/.config/pkgql/token
  pkgql auth status --github-url https://github.example.com/api/v3/`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := &authStatusOptions{Sandbox: a.opts.sandbox}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return a.runAuthStatus(cmd.Context(), opts)
		},
	}
}

// runAuthStatus prints, for each provider that declares a secret setting,
// where its value was found and what the provider's API makes of it. The
// provider asks: the host knows no API.
func (a *app) runAuthStatus(ctx context.Context, opts *authStatusOptions) error {
	if opts.Sandbox {
		fmt.Fprintln(a.stdout, "The sandbox needs no token: --sandbox sends none.")
		return nil
	}
	// One fresh answer: a cached one could tell of scopes since changed.
	a.opts.noCache = true
	running, err := a.startProviders(ctx)
	if err != nil {
		return err
	}
	defer func() {
		for _, rp := range running {
			rp.Process.Kill()
		}
	}()
	o := a.hostOptions()
	var checked []*host.Running
	for _, rp := range running {
		if _, ok := (host.Settings{Decl: rp.Schema.Settings}).Secret(); !ok {
			continue
		}
		if err := o.Configure(ctx, rp, true); err != nil {
			return err
		}
		checked = append(checked, rp)
	}
	for i, rp := range checked {
		if len(checked) > 1 {
			if i > 0 {
				fmt.Fprintln(a.stdout)
			}
			fmt.Fprintf(a.stdout, "Provider:   %s\n", rp.Name)
		}
		if err := a.checkAuth(ctx, rp); err != nil {
			return err
		}
	}
	return nil
}

// checkAuth prints one provider's credentials' source and its API's answer.
func (a *app) checkAuth(ctx context.Context, rp *host.Running) error {
	secret, _ := rp.Settings.Secret()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := rp.Process.CheckAuth(ctx)
	if err != nil {
		return fmt.Errorf("provider %s: %w", rp.Name, err)
	}
	fmt.Fprintf(a.stdout, "API:        %s\n", st.API)
	source, found := rp.Settings.Sources[secret.Name]
	if !found {
		fmt.Fprintf(a.stdout, "Token:      none found (tried %s)\n", host.SourcesOf(secret))
		msg := fmt.Sprintf("no %s: %s", secret.Description, secret.Hint)
		if secret.Needs != "" {
			msg += "; " + secret.Needs
		}
		return errors.New(msg)
	}
	fmt.Fprintf(a.stdout, "Token:      from %s\n", source)
	switch {
	case st.Failure != "":
		return fmt.Errorf("asking %s about the token: %s", st.API, st.Failure)
	case st.HTTPStatus == http.StatusUnauthorized:
		return fmt.Errorf("the API answered 401 %s: the token from %s is wrong, expired or revoked", st.Message, source)
	case !st.Accepted:
		return fmt.Errorf("the API answered %d %s: the token could not be checked", st.HTTPStatus, st.Message)
	}
	if st.Login != "" {
		a.logger.Debug("credentials accepted", "provider", rp.Name, "login", st.Login)
	}
	fmt.Fprintf(a.stdout, "Accepted:   yes\n")
	switch {
	case !st.ScopesReported:
		fmt.Fprintf(a.stdout, "Scopes:     not reported (a fine-grained or GitHub App token: its permissions are set on GitHub)\n")
	case len(st.Scopes) == 0:
		fmt.Fprintf(a.stdout, "Scopes:     none\n")
	default:
		fmt.Fprintf(a.stdout, "Scopes:     %s\n", strings.Join(st.Scopes, ", "))
	}
	if st.RateLimit >= 0 && st.RateRemaining >= 0 {
		line := fmt.Sprintf("%d of %d requests left", st.RateRemaining, st.RateLimit)
		if st.RateReset > 0 {
			line += ", resets at " + time.Unix(st.RateReset, 0).UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(a.stdout, "Rate limit: %s\n", line)
	}
	return nil
}
