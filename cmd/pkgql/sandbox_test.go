package main

import (
	"bufio"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// `pkgql sandbox --token --scopes` serves an API that wants that token and
// grants those scopes, so the token docs can be tried for real: auth status
// reports the scopes, a wrong token is refused, and a DELETE without
// delete:packages gets GitHub's 403.
func TestSandboxCommandToken(t *testing.T) {
	t.Parallel()
	const token = "sandbox-t0ken-for-test"
	url := startSandboxCommand(t, token, "--token", token, "--scopes", "read:packages")

	status := pkgql(t, invocation{args: []string{"--github-url", url, "auth", "status"}, env: []string{"GITHUB_TOKEN=" + token}})
	if status.code != 0 || !strings.Contains(status.stdout, "Scopes:     read:packages") {
		t.Errorf("auth status with the sandbox's token:\n%s", status)
	}
	wrong := pkgql(t, invocation{args: []string{"--github-url", url, "auth", "status"}, env: []string{"GITHUB_TOKEN=not-the-sandbox-token"}})
	if wrong.code != 1 || !strings.Contains(wrong.stderr, "401 Bad credentials") {
		t.Errorf("auth status with another token:\n%s", wrong)
	}
	del := pkgql(t, invocation{env: []string{"GITHUB_TOKEN=" + token}, args: []string{"--github-url", url, "exec",
		"DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'"}})
	if del.code != 1 || !strings.Contains(del.stdout, "403") || !strings.Contains(del.stdout, "delete:packages") {
		t.Errorf("a DELETE without delete:packages:\n%s", del)
	}
	for _, r := range []result{status, wrong, del} {
		if strings.Contains(r.stdout+r.stderr, token) {
			t.Errorf("the token is shown:\n%s", r)
		}
	}
}

// TestSandboxCommandNoReferrersAPI: `pkgql sandbox --no-referrers-api`
// serves the push history a registry without the referrers API keeps, one
// version more (the SBOM's referrers tag schema index), and the graph read
// from it keeps the same versions in use.
func TestSandboxCommandNoReferrersAPI(t *testing.T) {
	t.Parallel()
	url := startSandboxCommand(t, "", "--no-referrers-api")
	r := pkgql(t, invocation{args: []string{"--github-url", url, "--registry-url", strings.TrimSuffix(url, "/"), "exec", "-o", "csv", "--no-headers",
		"SELECT count(*), sum(in_use), sum(json_extract(tags, '$[0]') = 'sha256-' || substr(signs, 8)) " + appVersions}})
	if r.code != 0 || strings.TrimSpace(r.stdout) != "46,34,1" {
		t.Errorf("versions, in use, referrers tag schema indexes:\n%s", r)
	}
}

// startSandboxCommand runs `pkgql sandbox` on a free port with args and
// returns the URL it prints; secret, when set, must not be in its banner.
func startSandboxCommand(t *testing.T, secret string, args ...string) string {
	t.Helper()
	cmd := exec.Command(pkgqlBin, append([]string{"sandbox", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = testEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	found := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if m := regexp.MustCompile(`at (http://\S+/)$`).FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
			if secret != "" && strings.Contains(lines.Text(), secret) {
				found <- "the banner shows the token: " + lines.Text()
			}
		}
	}()
	var url string
	select {
	case url = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("pkgql sandbox printed no URL")
	}
	if !strings.HasPrefix(url, "http://") {
		t.Fatal(url)
	}
	return url
}

// The banner's package counts are the packages each owner has: what a
// listing over every package type finds, for every owner whose packages the
// authenticated user (octocat) sees in full (not initech's private ones).
func TestSandboxBannerCounts(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(pkgqlBin, "sandbox", "--listen", "127.0.0.1:0")
	cmd.Env = testEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	banner := make(chan []string, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if strings.HasPrefix(sc.Text(), "Organizations: ") {
				banner <- lines
				return
			}
		}
		banner <- lines
	}()
	var lines []string
	select {
	case lines = <-banner:
	case <-time.After(30 * time.Second):
		t.Fatal("pkgql sandbox printed no banner")
	}
	text := strings.Join(lines, "\n")
	url := regexp.MustCompile(`at (http://\S+/)\n`).FindStringSubmatch(text)
	if url == nil {
		t.Fatalf("no URL in the banner:\n%s", text)
	}
	var owners []struct{ kind, login, count string }
	for _, l := range lines {
		kind, list, ok := strings.Cut(l, ": ")
		if !ok || (kind != "Users" && kind != "Organizations") {
			continue
		}
		for _, m := range regexp.MustCompile(`(\w+) \((\d+) packages(?:; admins ([\w, ]+))?\)`).FindAllStringSubmatch(list, -1) {
			if kind == "Organizations" && !slices.Contains(strings.Split(m[3], ", "), "octocat") {
				continue
			}
			owners = append(owners, struct{ kind, login, count string }{kind, m[1], m[2]})
		}
	}
	if len(owners) == 0 {
		t.Fatalf("no owners in the banner:\n%s", text)
	}
	for _, o := range owners {
		param := "username"
		if o.kind == "Organizations" {
			param = "org"
		}
		r := pkgql(t, invocation{args: []string{"--github-url", url[1], "-o", "csv", "exec",
			"SELECT count(*) AS n FROM github.packages.packages WHERE " + param + " = '" + o.login +
				"' AND package_type IN ('npm', 'maven', 'rubygems', 'docker', 'nuget', 'container')"}})
		if got := strings.TrimSpace(strings.TrimPrefix(r.stdout, "n\n")); r.code != 0 || got != o.count {
			t.Errorf("the banner says %s has %s packages; a listing finds %q:\n%s", o.login, o.count, got, r)
		}
	}
}
