package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The shell reads statements over several lines from a pipe, runs each as
// it ends, goes on after a failure and exits 1 for it.
func TestShellFromPipe(t *testing.T) {
	t.Parallel()
	r := pkgql(t, invocation{
		args: []string{"--sandbox", "-o", "json", "shell"},
		stdin: "SHOW\n  PROVIDERS;\n" +
			"SELECT nope FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm';\n" +
			"SELECT name FROM github.packages.user_packages\n WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';\n",
	})
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (one statement failed)\n%s", r.code, r)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 2 || lines[1] != `[{"name":"hello"}]` {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	var providers []map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &providers); err != nil || len(providers) == 0 {
		t.Errorf("SHOW PROVIDERS: %q %v", lines[0], err)
	}
	if !strings.Contains(r.stderr, "error: ") || strings.Contains(r.stderr, "pkgql> ") {
		t.Errorf("stderr (an error, and no prompt when not a terminal):\n%s", r.stderr)
	}
}

// --provider-path and the plugin directory start another binary as the
// provider; here a script that runs pkgql's own provider command.
func TestExternalProvider(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "pkgql-provider-github")
	script := "#!/bin/sh\nexec " + pkgqlBin + " provider github\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		inv  invocation
	}{
		{"--provider-path", invocation{args: []string{"--provider-path", wrapper, "--debug", "exec", "--sandbox", "-o", "text", "SHOW PROVIDERS"}}},
		{"plugin directory", invocation{args: []string{"--debug", "exec", "--sandbox", "-o", "text", "SHOW PROVIDERS"}, env: []string{"PKGQL_PLUGIN_DIR=" + dir}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := pkgql(t, tc.inv)
			if r.code != 0 || !strings.Contains(r.stdout, "github") {
				t.Fatal(r)
			}
			if !strings.Contains(r.stderr, wrapper) {
				t.Errorf("the debug log does not show %s started:\n%s", wrapper, r.stderr)
			}
		})
	}
	r := runPkgql(t, "--provider-path", filepath.Join(dir, "missing"), "exec", "SHOW PROVIDERS")
	if r.code != 2 || !strings.Contains(r.stderr, "--provider-path") {
		t.Errorf("a missing provider binary:\n%s", r)
	}
}

// The provider command refuses to run without the host's handshake.
func TestProviderCommandByHand(t *testing.T) {
	t.Parallel()
	r := runPkgql(t, "provider", "github")
	if r.code == 0 || !strings.Contains(r.stderr, "plugin") {
		t.Errorf("want a refusal:\n%s", r)
	}
}

// The progress line shows on a terminal's stderr and never in a pipe.
func TestProgress(t *testing.T) {
	t.Parallel()
	_, url := slowServer(t, 30*time.Millisecond)
	piped := runPkgql(t, "exec", "--github-url", url, "-o", "text", slowListing)
	if piped.code != 0 || strings.Contains(piped.stderr, "\r") || piped.stderr != "" {
		t.Errorf("progress in a pipe:\n%s", piped)
	}
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) to give pkgql a terminal")
	}
	// stderr on a terminal, stdout to a file.
	dir := t.TempDir()
	outFile, sqlFile := filepath.Join(dir, "out"), filepath.Join(dir, "listing.sql")
	if err := os.WriteFile(sqlFile, []byte(slowListing), 0o644); err != nil {
		t.Fatal(err)
	}
	shellCmd := pkgqlBin + " exec --github-url " + url + " -o text -f " + sqlFile + " > " + outFile
	cmd := exec.Command(script, "-qec", shellCmd, "/dev/null")
	cmd.Env = testEnv()
	term, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, term)
	}
	for _, want := range []string{"\r", "rows · ", "requests", "rate limit"} {
		if !strings.Contains(string(term), want) {
			t.Errorf("terminal output lacks %q: %q", want, term)
		}
	}
	out, _ := os.ReadFile(outFile)
	if string(out) != piped.stdout {
		t.Errorf("stdout with progress %q, without %q", out, piped.stdout)
	}
}
