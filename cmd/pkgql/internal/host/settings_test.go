package host

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"

	"github.com/pkgql/pkgql/provider/github"
)

// TestFindSettings checks the order of the sources of the GitHub provider's
// declared settings, with a stand-in for the GitHub CLI on PATH that prints
// the arguments it was given.
const defaultGitHubURL = "https://api.github.com/"

func TestFindSettings(t *testing.T) {
	decl, err := github.New(nil).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	gh := "#!/bin/sh\necho \"gh-token:$*\"\n"
	if err := os.WriteFile(filepath.Join(bin, "gh"), []byte(gh), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("  from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		args       []string
		githubTok  string
		ghTok      string
		path       string
		noSecrets  bool
		wantToken  string
		wantSource string
		wantURL    string
		wantUsage  bool
	}{
		{"token file first", []string{"--token-file", file}, "env", "gh", bin, false, "from-file", "--token-file " + file, defaultGitHubURL, false},
		{"GITHUB_TOKEN", nil, "env", "gh", bin, false, "env", "GITHUB_TOKEN", defaultGitHubURL, false},
		{"GH_TOKEN", nil, "", "gh", bin, false, "gh", "GH_TOKEN", defaultGitHubURL, false},
		{"gh auth token", nil, "", "", bin, false, "gh-token:auth token --hostname github.com", "gh auth token", defaultGitHubURL, false},
		{"gh for GitHub Enterprise", []string{"--github-url", "https://ghe.example.com/api/v3/"}, "", "", bin, false,
			"gh-token:auth token --hostname ghe.example.com", "gh auth token", "https://ghe.example.com/api/v3/", false},
		{"gh is not asked about a local server", []string{"--github-url", "http://127.0.0.1:8080/"}, "", "", bin, false, "", "", "http://127.0.0.1:8080/", false},
		{"no gh on PATH", nil, "", "", t.TempDir(), false, "", "", defaultGitHubURL, false},
		{"no secrets for the sandbox", []string{"--token-file", file}, "env", "gh", bin, true, "", "", defaultGitHubURL, false},
		{"unreadable token file", []string{"--token-file", filepath.Join(bin, "missing")}, "env", "", bin, false, "", "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GITHUB_TOKEN", tc.githubTok)
			t.Setenv("GH_TOKEN", tc.ghTok)
			t.Setenv("PATH", tc.path)
			t.Setenv("PKGQL_GITHUB_URL", "")
			t.Setenv("PKGQL_REGISTRY_URL", "")
			// The flags the GitHub provider's settings name, as pkgql declares them.
			fs := pflag.NewFlagSet("pkgql", pflag.ContinueOnError)
			fs.String("github-url", defaultGitHubURL, "")
			fs.String("token-file", "", "")
			fs.String("registry-url", "", "")
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			found, err := FindSettings(context.Background(), decl.Settings, fs, os.Getenv, !tc.noSecrets)
			if tc.wantUsage {
				if !errors.As(err, new(UsageError)) {
					t.Fatalf("want a usage error, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tok, source := found.Values[github.SettingToken], found.Sources[github.SettingToken]
			if tok != tc.wantToken || source != tc.wantSource {
				t.Errorf("token %q from %q, want %q from %q", tok, source, tc.wantToken, tc.wantSource)
			}
			if got := found.Values[github.SettingBaseURL]; got != tc.wantURL {
				t.Errorf("base URL %q, want %q", got, tc.wantURL)
			}
			if got := found.Values[github.SettingRegistryURL]; got != "https://ghcr.io" {
				t.Errorf("registry URL %q, want the declared default", got)
			}
		})
	}
}

func TestSourcesOf(t *testing.T) {
	t.Parallel()
	decl, err := github.New(nil).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st, ok := decl.Setting(github.SettingToken)
	if !ok {
		t.Fatal("no token setting")
	}
	if got, want := SourcesOf(st), "--token-file, GITHUB_TOKEN, GH_TOKEN or `gh auth token`"; got != want {
		t.Errorf("sourcesOf = %q, want %q", got, want)
	}
}
