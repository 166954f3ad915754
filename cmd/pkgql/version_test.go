package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionString(t *testing.T) {
	t.Parallel()
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build information", nil, false, "pkgql (no build information)"},
		{"a tagged release", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.0"}}, true,
			"pkgql v0.3.0 (go1.26.8)"},
		{"a build from a clone", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "4e7f853c0ffee4e7f853c0ffee", "vcs.time", "2026-11-25T07:01:00Z", "vcs.modified", "false")}, true,
			"pkgql (devel) (commit 4e7f853c0ffe, 2026-11-25T07:01:00Z, go1.26.8)"},
		{"with local changes", &debug.BuildInfo{GoVersion: "go1.26.8",
			Settings: vcs("vcs.revision", "4e7f853", "vcs.modified", "true")}, true,
			"pkgql (devel) (commit 4e7f853 with local changes, go1.26.8)"},
	} {
		if got := versionString(tc.info, tc.ok); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// `pkgql version` and `pkgql --version` print the same line, and need no
// token, provider or network.
func TestVersionCommand(t *testing.T) {
	t.Parallel()
	a, b := runPkgql(t, "version"), runPkgql(t, "--version")
	if a.code != 0 || b.code != 0 || !strings.HasPrefix(a.stdout, "pkgql ") || a.stdout != b.stdout || a.stderr != "" {
		t.Fatalf("version:\n%s\n--version:\n%s", a, b)
	}
}
