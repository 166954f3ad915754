package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestFindToken checks the order of the token sources, with a stand-in for
// the GitHub CLI on PATH that prints the arguments it was given.
func TestFindToken(t *testing.T) {
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
		file       string
		githubTok  string
		ghTok      string
		path       string
		url        string
		wantToken  string
		wantSource string
		wantUsage  bool
	}{
		{"token file first", file, "env", "gh", bin, defaultGitHubURL, "from-file", "--token-file " + file, false},
		{"GITHUB_TOKEN", "", "env", "gh", bin, defaultGitHubURL, "env", "GITHUB_TOKEN", false},
		{"GH_TOKEN", "", "", "gh", bin, defaultGitHubURL, "gh", "GH_TOKEN", false},
		{"gh auth token", "", "", "", bin, defaultGitHubURL, "gh-token:auth token", "gh auth token", false},
		{"gh for GitHub Enterprise", "", "", "", bin, "https://ghe.example.com/api/v3/", "gh-token:auth token --hostname ghe.example.com", "gh auth token", false},
		{"gh is not asked about a local server", "", "", "", bin, "http://127.0.0.1:8080/", "", "", false},
		{"no gh on PATH", "", "", "", t.TempDir(), defaultGitHubURL, "", "", false},
		{"unreadable token file", filepath.Join(bin, "missing"), "env", "", bin, defaultGitHubURL, "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GITHUB_TOKEN", tc.githubTok)
			t.Setenv("GH_TOKEN", tc.ghTok)
			t.Setenv("PATH", tc.path)
			creds, err := findToken(context.Background(), tc.file, tc.url)
			if tc.wantUsage {
				if !errors.As(err, new(usageError)) {
					t.Fatalf("want a usage error, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if creds.token != tc.wantToken || creds.source != tc.wantSource {
				t.Errorf("got %q from %q, want %q from %q", creds.token, creds.source, tc.wantToken, tc.wantSource)
			}
		})
	}
}

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{"https://api.github.com", "https://api.github.com/", false},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", false},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/", false},
		{"ftp://example.com/", "", true},
		{"api.github.com", "", true},
		{"https://user:secret@api.github.com/", "", true},
	} {
		got, err := normalizeURL(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("normalizeURL(%q) = %q, %v", tc.in, got, err)
		}
	}
}
