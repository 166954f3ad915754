package main

import (
	"context"
	"encoding/json"
	"fmt"
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
	r := pkgqlProcess(t, invocation{args: []string{"provider", "github"}})
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

// terminal is pkgql running in a tmux pane: a tmux server of its own, one
// session, keys sent and the screen read as a user would.
type terminal struct {
	t    *testing.T
	sock string
}

// startTerminal runs pkgql with args in a fresh tmux server, width × height,
// with env added to the test environment. The pane shows "[exit N]" when
// pkgql ends. tmux missing skips the test.
func startTerminal(t *testing.T, width, height int, env []string, args ...string) *terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	term := &terminal{t: t, sock: filepath.Join(t.TempDir(), "tmux")}
	line := pkgqlBin
	for _, a := range args {
		line += " '" + a + "'"
	}
	cmd := exec.Command("tmux", "-S", term.sock, "new-session", "-d", "-x", fmt.Sprint(width), "-y", fmt.Sprint(height),
		"-s", "pkgql", line+`; echo "[exit $?]"; sleep 600`)
	for _, kv := range testEnv(env...) {
		if !strings.HasPrefix(kv, "TMUX=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-S", term.sock, "kill-server").Run() })
	return term
}

func (term *terminal) tmux(args ...string) string {
	term.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", term.sock}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// typeLine types text and, unless it is empty, Enter.
func (term *terminal) typeLine(text string) {
	term.t.Helper()
	term.typeText(text)
	term.keys("Enter")
}

// typeText types text as it is.
func (term *terminal) typeText(text string) {
	term.t.Helper()
	if text == "" {
		return
	}
	// tmux reads an argument that ends with ";" as the end of its command.
	if strings.HasSuffix(text, ";") {
		text = strings.TrimSuffix(text, ";") + `\;`
	}
	term.tmux("send-keys", "-t", "pkgql", "-l", text)
}

// keys presses keys by their tmux names (Enter, Tab, Up, C-c, C-d).
func (term *terminal) keys(keys ...string) {
	term.t.Helper()
	term.tmux(append([]string{"send-keys", "-t", "pkgql"}, keys...)...)
}

// screen is the pane's text, scrolled-off lines included, wrapped lines
// joined.
func (term *terminal) screen() string {
	term.t.Helper()
	return term.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "pkgql")
}

// waitFor waits until the screen shows want count times, and returns it.
func (term *terminal) waitFor(want string, count int) string {
	term.t.Helper()
	return term.waitUntil(fmt.Sprintf("%q (%d times)", want, count), func(s string) bool { return strings.Count(s, want) >= count })
}

// waitUntil waits until the screen is as shown says, and returns it.
func (term *terminal) waitUntil(what string, shown func(screen string) bool) string {
	term.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := term.screen()
		if shown(s) {
			return s
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("the terminal does not show %s:\n%s", what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The shell at a terminal: multi-line statements, Tab completion, output
// formats, the confirmation of a bulk DELETE, and history that the next
// shell recalls with Up, without the line that carried a token.
func TestShellInTerminal(t *testing.T) {
	t.Parallel()
	history := filepath.Join(t.TempDir(), "history")
	env := []string{"PKGQL_HISTORY=" + history, "PAGER="}
	term := startTerminal(t, 200, 50, env, "--sandbox", "shell")
	term.waitFor("pkgql> ", 1)

	term.typeLine("SELECT name, version_count")
	term.waitFor("   ...> ", 1)
	term.typeLine("  FROM github.packages.user_packages")
	term.typeLine("  WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';")
	term.waitFor("| hello ", 1)
	term.waitFor("\n1 row\n", 1)

	term.typeText("SHOW METHODS IN github.packages.user_pa")
	term.keys("Tab")
	term.waitFor("pkgql> SHOW METHODS IN github.packages.user_packages ", 1)
	term.typeLine(";")
	term.waitFor("| restore_package_for_user ", 1)

	term.typeLine(".output json")
	term.waitFor("output: json", 1)
	const count = "SELECT COUNT(*) AS n FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm';"
	term.typeLine(count)
	s := term.waitFor(`[{"n":`, 1)
	before := s[strings.Index(s, `[{"n":`):]
	before = before[:strings.Index(before, "]")+1]

	term.typeLine("DELETE FROM github.packages.user_packages")
	term.typeLine("  WHERE username = 'octocat' AND package_type = 'npm' AND version_count = 0;")
	term.waitFor("Delete them? [y/N] ", 1)
	term.typeLine("n")
	term.waitFor(`"result":"not deleted"`, 1)
	term.typeLine(count)
	if s := term.waitFor(`[{"n":`, 2); strings.Count(s, before) != 2 {
		t.Fatalf("the count changed after answering no (%s before):\n%s", before, s)
	}

	term.typeLine(".dryrun on")
	term.typeLine("EXEC github.packages.user_packages.restore_package_for_user @username = 'octocat',")
	term.typeLine("  @package_type = 'npm', @package_name = 'hello', @token = 'ghp_typed_in_the_shell';")
	term.waitFor(`"path":"/users/octocat/packages/npm/hello/restore?token=REDACTED"`, 1)
	term.typeLine(".dryrun off")
	term.typeLine("SHOW SERVICES IN github;")
	term.waitFor(`[{"name":"github.packages"`, 1)
	term.keys("C-d")
	term.waitFor("[exit 0]", 1)

	fi, err := os.Stat(history)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the history file has mode %v, want 0600", fi.Mode().Perm())
	}
	kept, _ := os.ReadFile(history)
	for _, want := range []string{
		"SELECT name, version_count FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';\n",
		"SHOW METHODS IN github.packages.user_packages ;\n",
		".output json\n",
		"SHOW SERVICES IN github;\n",
	} {
		if !strings.Contains(string(kept), want) {
			t.Errorf("the history lacks %q:\n%s", want, kept)
		}
	}
	if strings.Contains(string(kept), "ghp_typed_in_the_shell") || strings.Contains(string(kept), "restore_package_for_user") {
		t.Errorf("the history kept the statement with a token:\n%s", kept)
	}

	// The next shell recalls the last statement with Up, and runs it.
	next := startTerminal(t, 200, 50, env, "--sandbox", "shell")
	next.waitFor("pkgql> ", 1)
	next.keys("Up")
	next.waitFor("pkgql> SHOW SERVICES IN github;", 1)
	next.keys("Enter")
	next.waitFor("| github.packages ", 1)
	next.keys("C-d")
	next.waitFor("[exit 0]", 1)
}

// Results longer than the terminal go through the pager; when it ends, the
// shell prompts again.
func TestShellPagesLongResults(t *testing.T) {
	t.Parallel()
	env := []string{"PKGQL_HISTORY="}
	paged := func(screen string) bool { // less waits at its ":" prompt
		lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
		return lines[len(lines)-1] == ":"
	}
	if _, err := exec.LookPath("less"); err == nil {
		env = append(env, "PAGER=less -FRX")
	} else {
		pager := filepath.Join(t.TempDir(), "pager")
		if err := os.WriteFile(pager, []byte("#!/bin/sh\necho '[paged]'\ncat\nread -r answer </dev/tty\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		env = append(env, "PAGER="+pager)
		paged = func(screen string) bool { return strings.Contains(screen, "[paged]") }
	}
	term := startTerminal(t, 120, 10, env, "--sandbox", "shell")
	term.waitFor("pkgql> ", 1)
	term.typeLine(".schema github.packages.user_packages")
	// The pager draws the table, then its prompt: wait for that prompt, or
	// for the shell's, which comes instead when the table is not paged.
	s := term.waitUntil("the table, paged or not", func(s string) bool {
		return strings.Contains(s, "| id ") && (paged(s) || strings.HasSuffix(strings.TrimSpace(s), "pkgql>"))
	})
	if !paged(s) {
		t.Fatalf("the results were not paged:\n%s", s)
	}
	term.keys("q")
	term.keys("Enter")
	term.waitFor("pkgql> ", 2)
	// Off, the same results are written straight out.
	term.typeLine(".pager off")
	term.typeLine("DESCRIBE github.packages.user_packages;")
	// The second table is drawn before the prompt that follows it: wait for
	// the prompt, which a pager would keep from showing.
	s = term.waitUntil("the table and the prompt after it", func(s string) bool {
		return strings.Count(s, "| id ") >= 2 && strings.HasSuffix(strings.TrimSpace(s), "pkgql>")
	})
	if paged(s) {
		t.Fatalf("paged with .pager off:\n%s", s)
	}
	term.keys("C-d")
	term.waitFor("[exit 0]", 1)
}

// Ctrl-C stops the running statement, not the shell: its provider goes on
// serving the next statement.
func TestShellCtrlC(t *testing.T) {
	t.Parallel()
	srv, url := slowServer(t, 30*time.Millisecond)
	term := startTerminal(t, 200, 50, []string{"PKGQL_HISTORY="}, "--github-url", url, "shell")
	term.waitFor("pkgql> ", 1)
	term.typeLine(slowListing + ";")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !waitFor(ctx, func() bool { return srv.Stats().Total > 3 }) {
		t.Fatal("the listing did not start")
	}
	term.keys("C-c")
	term.waitFor("error: the statement was cancelled (Ctrl-C)", 1)
	// Longer than a process that took Ctrl-C for itself would take to go.
	time.Sleep(time.Second)
	term.typeLine("SELECT name FROM github.packages.user_packages WHERE username = 'big' AND package_type = 'container' LIMIT 1;")
	term.waitFor("\n1 row\n", 1)
	term.keys("C-d")
	term.waitFor("[exit 1]", 1) // the cancelled statement failed
}
