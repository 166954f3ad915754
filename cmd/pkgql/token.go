package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"
)

// credentials is the GitHub token pkgql sends, and where it was found. The
// token goes to the provider through Configure and nowhere else.
type credentials struct {
	token  string
	source string // "--token-file PATH", "GITHUB_TOKEN", "GH_TOKEN", "gh auth token"; "" when none
}

// tokenSources names what findToken tries, in order, for messages.
const tokenSources = "--token-file, GITHUB_TOKEN, GH_TOKEN or `gh auth token`"

// ghTimeout bounds `gh auth token`, which may read a keyring.
const ghTimeout = 5 * time.Second

// findToken looks for a token: --token-file, then GITHUB_TOKEN, then GH_TOKEN,
// then `gh auth token` for apiURL's host when gh is installed. Finding none is
// not an error: public data needs no token, and a 401 says how to give one.
// An unreadable or empty --token-file is a usage error.
func findToken(ctx context.Context, tokenFile, apiURL string) (credentials, error) {
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return credentials{}, usageError{fmt.Errorf("--token-file: %w", err)}
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return credentials{}, usageError{fmt.Errorf("--token-file %s: the file is empty", tokenFile)}
		}
		return credentials{token: tok, source: "--token-file " + tokenFile}, nil
	}
	for _, env := range tokenEnv {
		if tok := strings.TrimSpace(os.Getenv(env)); tok != "" {
			return credentials{token: tok, source: env}, nil
		}
	}
	if tok := ghToken(ctx, apiURL); tok != "" {
		return credentials{token: tok, source: "gh auth token"}, nil
	}
	return credentials{}, nil
}

// tokenEnv are the variables that may hold a token.
var tokenEnv = []string{"GITHUB_TOKEN", "GH_TOKEN"}

// ghToken asks the GitHub CLI for its token for apiURL's host. Any failure
// (gh missing, not logged in, a host gh does not know) is silent: it only
// means this source has no token.
func ghToken(ctx context.Context, apiURL string) string {
	u, err := url.Parse(apiURL)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil || host == "localhost" {
		return "" // a local server is never a gh host
	}
	path, err := exec.LookPath("gh")
	if err != nil {
		return ""
	}
	args := []string{"auth", "token"}
	if host != "api.github.com" {
		// GitHub Enterprise Server: gh knows it by its web host.
		args = append(args, "--hostname", strings.TrimPrefix(host, "api."))
	}
	ctx, cancel := context.WithTimeout(ctx, ghTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
