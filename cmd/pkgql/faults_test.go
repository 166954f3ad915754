package main

import (
	"strings"
	"testing"
)

// With one request slot, error answers in a session leave it free: every
// later statement of the same shell runs.
func TestShellGoesOnAfterErrorAnswers(t *testing.T) {
	t.Parallel()
	missing := "SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'missing';\n"
	listing := "SELECT COUNT(*) AS n FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm';\n"
	nobody := "SELECT name FROM github.packages.user_packages WHERE username = 'nobody-at-all' AND package_type = 'npm';\n"
	r := pkgql(t, invocation{
		args:  []string{"--sandbox", "--concurrency", "1", "--timeout", "10s", "-o", "json", "shell"},
		stdin: missing + listing + nobody + missing + listing,
	})
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || len(lines) != 2 || !strings.HasPrefix(lines[0], `[{"n":`) || lines[1] != lines[0] {
		t.Fatalf("want both listings answered and exit 1 for the three errors:\n%s", r)
	}
	if strings.Count(r.stderr, "answered 404") != 3 || strings.Contains(r.stderr, "did not finish") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}
