package main

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// cmdRun is what one in-process command line left.
type cmdRun struct {
	code           int
	stdout, stderr string
}

// runIn runs args in-process as pkgql would, in env, with the command build
// returns in place of the command of the same name: the global flags are
// parsed and checked and the exit status chosen as in a real run, and the
// command's runF runs instead of the command.
func runIn(t *testing.T, env map[string]string, stdin string, build func(*app) *cobra.Command, args ...string) cmdRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := newApp(envOf(env), strings.NewReader(stdin), &stdout, &stderr)
	code := runApp(t, a, build, args...)
	return cmdRun{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// runApp is runIn on a's streams; it returns the exit status.
func runApp(t *testing.T, a *app, build func(*app) *cobra.Command, args ...string) int {
	t.Helper()
	root := a.rootCommand()
	cmd := build(a)
	if !replaceCommand(root, cmd) {
		t.Fatalf("pkgql has no command %s", cmd.Name())
	}
	root.SetArgs(args)
	c, err := root.ExecuteContextC(context.Background())
	return a.exit(context.Background(), c, err)
}

// envOf is an environment that holds env and nothing else.
func envOf(env map[string]string) environ {
	return environ{lookup: func(name string) (string, bool) { v, ok := env[name]; return v, ok }}
}

// replaceCommand puts cmd where root has a command of its name.
func replaceCommand(parent, cmd *cobra.Command) bool {
	for _, c := range parent.Commands() {
		if c.Name() == cmd.Name() {
			parent.RemoveCommand(c)
			parent.AddCommand(cmd)
			return true
		}
		if replaceCommand(c, cmd) {
			return true
		}
	}
	return false
}

// check checks that r is the usage error whose message holds want, and that
// the command's runF did not run; want "" checks that it ran and the
// command line exited 0.
func (r cmdRun) check(t *testing.T, want string, ran bool) bool {
	t.Helper()
	if want == "" {
		if r.code != exitOK || !ran {
			t.Errorf("exit %d, ran %v, stderr:\n%s", r.code, ran, r.stderr)
			return false
		}
		return true
	}
	if r.code != exitUsage || !strings.HasPrefix(r.stderr, "error: ") || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", r.code, r.stderr, exitUsage, want)
	}
	if ran {
		t.Error("the command ran")
	}
	return false
}

func TestNewCmdServe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		args      []string
		env       map[string]string
		want      serveOptions
		wantUsage string
	}{
		{"defaults", []string{"serve"}, nil, serveOptions{Listen: "127.0.0.1:5466"}, ""},
		{"an address and a password", []string{"serve", "--listen", "0.0.0.0:6543"}, map[string]string{servePasswordEnv: "s3cret"},
			serveOptions{Listen: "0.0.0.0:6543", Password: "s3cret"}, ""},
		{"on the sandbox", []string{"--sandbox", "serve", "--listen", "127.0.0.1:0"}, nil, serveOptions{Listen: "127.0.0.1:0"}, ""},
		{"no port", []string{"serve", "--listen", "localhost"}, nil, serveOptions{},
			"--listen localhost: address localhost: missing port in address"},
		{"an argument", []string{"serve", "psql"}, nil, serveOptions{}, `unknown command "psql" for "pkgql serve"`},
		{"a bad global flag", []string{"--concurrency", "0", "serve"}, nil, serveOptions{}, "--concurrency 0: use a number from 1 to 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *serveOptions
			r := runIn(t, tc.env, "", func(a *app) *cobra.Command {
				return a.newCmdServe(func(_ context.Context, o *serveOptions) error { got = o; return nil })
			}, tc.args...)
			if r.check(t, tc.wantUsage, got != nil) && *got != tc.want {
				t.Errorf("options %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestNewCmdSandbox(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		args      []string
		want      sandboxOptions
		wantUsage string
	}{
		{"defaults", []string{"sandbox"}, sandboxOptions{Listen: "127.0.0.1:8080"}, ""},
		{"every flag", []string{"sandbox", "--listen", "127.0.0.1:0", "--latency", "200ms", "--token", "sandbox-token",
			"--scopes", "read:packages,delete:packages", "--no-referrers-api"},
			sandboxOptions{Listen: "127.0.0.1:0", Server: sandbox.Options{Latency: 200 * time.Millisecond, Token: "sandbox-token",
				Scopes: []string{"read:packages", "delete:packages"}, NoReferrersAPI: true}}, ""},
		{"a token with every scope", []string{"sandbox", "--token", "sandbox-token"},
			sandboxOptions{Listen: "127.0.0.1:8080", Server: sandbox.Options{Token: "sandbox-token"}}, ""},
		{"scopes without a token", []string{"sandbox", "--scopes", "read:packages"}, sandboxOptions{},
			"--scopes needs --token: scopes belong to a token"},
		{"a negative latency", []string{"sandbox", "--latency", "-1s"}, sandboxOptions{}, "--latency -1s: use a positive duration"},
		{"a latency that is no duration", []string{"sandbox", "--latency", "slow"}, sandboxOptions{}, `invalid argument "slow" for "--latency"`},
		{"an argument", []string{"sandbox", "8080"}, sandboxOptions{}, `pkgql sandbox takes no arguments, got "8080"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *sandboxOptions
			r := runIn(t, nil, "", func(a *app) *cobra.Command {
				return a.newCmdSandbox(func(_ context.Context, o *sandboxOptions) error { got = o; return nil })
			}, tc.args...)
			if r.check(t, tc.wantUsage, got != nil) && !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("options %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestNewCmdShell(t *testing.T) {
	t.Parallel()
	// The history file is found in the command line's environment, not
	// this process's.
	const home = "/home/mona"
	for _, tc := range []struct {
		name      string
		args      []string
		env       map[string]string
		want      shellOptions
		wantUsage string
	}{
		// Standard input is no terminal here: no prompts, no line editing.
		{"defaults", []string{"shell"}, map[string]string{"HOME": home},
			shellOptions{HistoryFile: filepath.Join(home, ".pkgql", "history"), Pager: []string{"less", "-FRX"}}, ""},
		{"no home", []string{"shell"}, nil,
			shellOptions{Pager: []string{"less", "-FRX"}}, ""},
		{"a history file and a pager", []string{"shell"}, map[string]string{"PKGQL_HISTORY": "/tmp/h", "PAGER": "most -s"},
			shellOptions{HistoryFile: "/tmp/h", Pager: []string{"most", "-s"}}, ""},
		{"no history, no pager", []string{"shell"}, map[string]string{"PKGQL_HISTORY": "", "PAGER": ""}, shellOptions{}, ""},
		{"an argument", []string{"shell", "q.sql"}, nil, shellOptions{}, `pkgql shell takes no arguments, got "q.sql"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *shellOptions
			r := runIn(t, tc.env, "SHOW PROVIDERS;", func(a *app) *cobra.Command {
				return a.newCmdShell(func(_ context.Context, o *shellOptions) error { got = o; return nil })
			}, tc.args...)
			if !r.check(t, tc.wantUsage, got != nil) {
				return
			}
			if got.Interactive != tc.want.Interactive || got.Editor != tc.want.Editor || got.HistoryFile != tc.want.HistoryFile ||
				!slices.Equal(got.Pager, tc.want.Pager) {
				t.Errorf("options %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestNewCmdDocs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		args      []string
		want      docsOptions
		wantUsage string
	}{
		{"defaults", []string{"docs"}, docsOptions{Out: "docs"}, ""},
		{"a directory", []string{"docs", "--out", "/tmp/docs"}, docsOptions{Out: "/tmp/docs"}, ""},
		{"a directory as an argument", []string{"docs", "/tmp/docs"}, docsOptions{}, `pkgql docs takes no arguments, got "/tmp/docs"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *docsOptions
			r := runIn(t, nil, "", func(a *app) *cobra.Command {
				return a.newCmdDocs(func(_ context.Context, o *docsOptions) error { got = o; return nil })
			}, tc.args...)
			if r.check(t, tc.wantUsage, got != nil) && *got != tc.want {
				t.Errorf("options %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestNewCmdAuthStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		args      []string
		want      authStatusOptions
		wantUsage string
	}{
		{"the token's sources", []string{"auth", "status"}, authStatusOptions{}, ""},
		{"a token file", []string{"--token-file", "/tmp/token", "auth", "status"}, authStatusOptions{}, ""},
		{"the sandbox", []string{"--sandbox", "auth", "status"}, authStatusOptions{Sandbox: true}, ""},
		{"an argument", []string{"auth", "status", "octocat"}, authStatusOptions{}, `pkgql auth status takes no arguments, got "octocat"`},
		{"the sandbox and a URL", []string{"--sandbox", "--github-url", "http://127.0.0.1:1/", "auth", "status"}, authStatusOptions{},
			"--sandbox and --github-url cannot be used together"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *authStatusOptions
			r := runIn(t, nil, "", func(a *app) *cobra.Command {
				return a.newCmdAuthStatus(func(_ context.Context, o *authStatusOptions) error { got = o; return nil })
			}, tc.args...)
			if r.check(t, tc.wantUsage, got != nil) && *got != tc.want {
				t.Errorf("options %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestNewCmdCache(t *testing.T) {
	t.Parallel()
	// The cache directory is found in the command line's environment, not
	// this process's.
	env := map[string]string{"XDG_CACHE_HOME": "/var/cache/mona"}
	dir := filepath.Join("/var/cache/mona", "pkgql", "http")
	for _, tc := range []struct {
		name      string
		args      []string
		wantUsage string
	}{
		{"clear", []string{"cache", "clear"}, ""},
		{"dir", []string{"cache", "dir"}, ""},
		{"clear an argument", []string{"cache", "clear", "all"}, `pkgql cache clear takes no arguments, got "all"`},
		{"dir an argument", []string{"cache", "dir", "http"}, `pkgql cache dir takes no arguments, got "http"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *cacheOptions
			runF := func(_ context.Context, o *cacheOptions) error { got = o; return nil }
			build := func(a *app) *cobra.Command { return a.newCmdCacheClear(runF) }
			if tc.args[1] == "dir" {
				build = func(a *app) *cobra.Command { return a.newCmdCacheDir(runF) }
			}
			r := runIn(t, env, "", build, tc.args...)
			if r.check(t, tc.wantUsage, got != nil) && got.Dir != dir {
				t.Errorf("the cache directory is %q, want %q", got.Dir, dir)
			}
		})
	}
}

func TestNewCmdVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		args      []string
		wantUsage string
	}{
		{"version", []string{"version"}, ""},
		// No global flag is checked: the version prints whatever they say.
		{"after a bad global flag", []string{"--output", "yaml", "version"}, ""},
		{"a flag", []string{"version", "--short"}, `unknown flag: --short`},
		{"an argument", []string{"version", "short"}, `unknown command "short" for "pkgql version"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *versionOptions
			r := runIn(t, nil, "", func(a *app) *cobra.Command {
				return a.newCmdVersion(func(_ context.Context, o *versionOptions) error { got = o; return nil })
			}, tc.args...)
			if r.check(t, tc.wantUsage, got != nil) && got.Line != versionLine() {
				t.Errorf("the line is %q, want %q", got.Line, versionLine())
			}
		})
	}
}
