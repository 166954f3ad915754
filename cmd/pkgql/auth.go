package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
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
			creds, err := findToken(cmd.Context(), a.opts.tokenFile, a.opts.githubURL)
			if err != nil {
				return err
			}
			a.stderr.hide(creds.token)
			return a.authStatus(cmd.Context(), creds)
		},
	})
	return auth
}

// authStatus prints the token's source and what the API says of it.
func (a *app) authStatus(ctx context.Context, creds credentials) error {
	fmt.Fprintf(a.stdout, "API:        %s\n", a.opts.githubURL)
	if creds.token == "" {
		fmt.Fprintf(a.stdout, "Token:      none found (tried %s)\n", tokenSources)
		return errors.New("no GitHub token: set GITHUB_TOKEN or GH_TOKEN, run `gh auth login`, or pass --token-file FILE; " +
			"a classic token needs read:packages, and delete:packages and write:packages to delete and restore")
	}
	fmt.Fprintf(a.stdout, "Token:      from %s\n", creds.source)

	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.opts.githubURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+creds.token)
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
		return fmt.Errorf("the API answered 401 %s: the token from %s is wrong, expired or revoked", apiMessage(body, resp.Status), creds.source)
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
