package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

const (
	deleteHello  = "DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'"
	restoreHello = "EXEC github.packages.user_packages.restore_package_for_user @username = 'octocat', @package_type = 'npm', @package_name = 'hello'"
)

func TestDryRunDelete(t *testing.T) {
	t.Parallel()
	s, url := apiServer(t, sandbox.Options{})
	r := runPkgql(t, "exec", "--github-url", url, "--dry-run", "-o", "text", deleteHello)
	if r.code != 0 {
		t.Fatal(r)
	}
	if !strings.Contains(r.stdout, "DELETE") || !strings.Contains(r.stdout, "/users/octocat/packages/npm/hello") {
		t.Errorf("dry run does not show the call:\n%s", r)
	}
	for _, req := range s.Log() {
		if req.Method != "GET" {
			t.Errorf("dry run made a %s %s", req.Method, req.Path)
		}
	}
	if p, _ := s.Package("octocat", "npm", "hello"); p.Deleted {
		t.Error("dry run deleted the package")
	}
}

// DELETE then EXEC restore, against a server that wants a token; the token
// never shows in any output, --debug logs included.
func TestDeleteRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	const token = "ghp_e2eSECRETtoken0123456789abcdefABCDEF"
	s, url := apiServer(t, sandbox.Options{Token: token, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	count := "SELECT COUNT(*) FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND name = 'hello'"
	var outputs []string
	step := func(env []string, args ...string) result {
		t.Helper()
		r := pkgql(t, invocation{args: append([]string{"--github-url", url, "--debug", "-o", "text", "--no-headers"}, args...), env: env})
		outputs = append(outputs, r.stdout, r.stderr)
		return r
	}
	withEnv := []string{"GITHUB_TOKEN=" + token}

	if r := step(withEnv, "exec", deleteHello); r.code != 0 {
		t.Fatal(r)
	}
	if p, _ := s.Package("octocat", "npm", "hello"); !p.Deleted {
		t.Fatal("DELETE did not delete the package")
	}
	if r := step([]string{"GH_TOKEN=" + token}, "exec", count); r.code != 0 || r.stdout != "0\n" {
		t.Fatalf("the deleted package is still listed:\n%s", r)
	}
	if r := step(withEnv, "exec", deleteHello); r.code != 1 || !strings.Contains(r.stderr, "404") {
		t.Errorf("deleting a deleted package: want a 404 error\n%s", r)
	}
	if r := step(nil, "--token-file", tokenFile, "exec", restoreHello); r.code != 0 {
		t.Fatal(r)
	}
	if p, _ := s.Package("octocat", "npm", "hello"); p.Deleted {
		t.Fatal("EXEC restore did not restore the package")
	}
	if r := step(withEnv, "exec", count); r.code != 0 || r.stdout != "1\n" {
		t.Fatalf("the restored package is not listed:\n%s", r)
	}
	if st := s.Stats(); st.Mutations != 2 || st.ByKind[sandbox.KindDelete] != 2 || st.ByKind[sandbox.KindRestore] != 1 {
		t.Errorf("mutations %+v, want one delete, one failed delete, one restore", st)
	}
	for _, out := range outputs {
		if strings.Contains(out, token) || strings.Contains(out, token[4:20]) {
			t.Fatalf("the token appears in an output:\n%s", out)
		}
	}
	if !strings.Contains(strings.Join(outputs, ""), "[DEBUG]") {
		t.Error("--debug printed no debug log")
	}
}

// A 401 without a token says how to give one.
func TestUnauthorizedWithoutToken(t *testing.T) {
	t.Parallel()
	_, url := apiServer(t, sandbox.Options{Token: "ghp_required"})
	r := runPkgql(t, "exec", "--github-url", url,
		"SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'")
	if r.code != 1 {
		t.Fatal(r)
	}
	for _, want := range []string{"error: ", "401", "Bad credentials", "hint: no GitHub token was found", "GITHUB_TOKEN", "--token-file"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

func TestAuthStatus(t *testing.T) {
	t.Parallel()
	const token = "ghp_authSTATUS0123456789abcdefghijklmn"
	_, url := apiServer(t, sandbox.Options{Token: token, Scopes: []string{"read:packages", "delete:packages"}})
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		env    []string
		code   int
		stdout []string
		stderr []string
	}{
		{"GITHUB_TOKEN", nil, []string{"GITHUB_TOKEN=" + token}, 0,
			[]string{"Token:      from GITHUB_TOKEN", "Scopes:     read:packages, delete:packages", "Rate limit: "}, nil},
		{"GH_TOKEN", nil, []string{"GH_TOKEN=" + token}, 0, []string{"from GH_TOKEN", "Accepted:   yes"}, nil},
		{"token file first", []string{"--token-file", tokenFile}, []string{"GITHUB_TOKEN=wrong"}, 0, []string{"from --token-file " + tokenFile}, nil},
		{"refused", nil, []string{"GITHUB_TOKEN=ghp_wrong"}, 1, []string{"from GITHUB_TOKEN"}, []string{"401", "wrong, expired or revoked"}},
		{"none", nil, nil, 1, []string{"none found"}, []string{"error: no GitHub token"}},
		{"empty token file", []string{"--token-file", os.DevNull}, nil, 2, nil, []string{"is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := pkgql(t, invocation{args: append([]string{"auth", "status", "--github-url", url}, tc.args...), env: tc.env})
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stdout+r.stderr, token) {
				t.Error("the token was shown")
			}
		})
	}
}
