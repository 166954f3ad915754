package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pkgql/pkgql/schema"
)

func (a *app) authCommand() *cobra.Command {
	auth := &cobra.Command{
		Use:   "auth",
		Short: "Check the GitHub token pkgql uses",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	auth.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show where the token comes from and what it may do",
		Long: `Show which token source pkgql uses — --token-file, GITHUB_TOKEN, GH_TOKEN or
` + "`gh auth token`" + `, the first that has one — and ask the API once (GET on its
root) whether it accepts the token, with its scopes (GitHub's X-OAuth-Scopes
header) and the rate limit left. The token itself is never shown.

Exit status 1 when no token is found or the API refuses it.`,
		Example: `  pkgql auth status
  pkgql auth status --token-file ~/.config/pkgql/token
  pkgql auth status --github-url https://github.example.com/api/v3/`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.opts.sandbox {
				fmt.Fprintln(a.stdout, "The sandbox needs no token: --sandbox sends none.")
				return nil
			}
			return a.authStatus(cmd.Context())
		},
	})
	return auth
}

// authStatus prints, for each provider that declares a secret, where its
// value was found and what the API says of it.
func (a *app) authStatus(ctx context.Context) error {
	running, err := a.startProviders(ctx)
	if err != nil {
		return err
	}
	defer func() {
		for _, rp := range running {
			rp.process.Kill()
		}
	}()
	for _, rp := range running {
		if err := a.configure(ctx, rp, true); err != nil {
			return err
		}
		st, ok := rp.settings.secret()
		if !ok {
			continue
		}
		if err := a.checkSecret(ctx, rp, st); err != nil {
			return err
		}
	}
	return nil
}

func (a *app) checkSecret(ctx context.Context, rp *runningProvider, st *schema.Setting) error {
	token, source := rp.settings.values[st.Name], rp.settings.sources[st.Name]
	fmt.Fprintf(a.stdout, "API:        %s\n", a.opts.githubURL)
	if token == "" {
		fmt.Fprintf(a.stdout, "Token:      none found (tried %s)\n", sourcesOf(st))
		return fmt.Errorf("no %s: %s", st.Description, st.Hint)
	}
	fmt.Fprintf(a.stdout, "Token:      from %s\n", source)

	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.opts.githubURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", userAgent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("asking %s about the token: %w", a.opts.githubURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))

	// GitHub checks credentials before routing: any answer but 401 means
	// the token was accepted, and carries its scopes.
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("the API answered 401 %s: the token from %s is wrong, expired or revoked", apiMessage(body, resp.Status), source)
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests {
		return fmt.Errorf("the API answered %d %s: the token could not be checked", resp.StatusCode, apiMessage(body, resp.Status))
	}
	fmt.Fprintf(a.stdout, "Accepted:   yes\n")
	scopes, reported := resp.Header["X-Oauth-Scopes"]
	switch {
	case !reported:
		fmt.Fprintf(a.stdout, "Scopes:     not reported (a fine-grained or GitHub App token: its permissions are set on GitHub)\n")
	case strings.TrimSpace(strings.Join(scopes, "")) == "":
		fmt.Fprintf(a.stdout, "Scopes:     none\n")
	default:
		fmt.Fprintf(a.stdout, "Scopes:     %s\n", strings.Join(scopes, ", "))
	}
	if left, limit := resp.Header.Get("X-Ratelimit-Remaining"), resp.Header.Get("X-Ratelimit-Limit"); left != "" && limit != "" {
		line := fmt.Sprintf("%s of %s requests left", left, limit)
		if reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			line += ", resets at " + time.Unix(reset, 0).UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(a.stdout, "Rate limit: %s\n", line)
	}
	return nil
}

// apiMessage is the message of a GitHub error body, or the HTTP status text.
func apiMessage(body []byte, status string) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		return e.Message
	}
	_, text, _ := strings.Cut(status, " ")
	return text
}
