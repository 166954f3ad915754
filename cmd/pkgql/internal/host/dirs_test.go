package host

import (
	"runtime"
	"testing"
)

// The user's directories come from the environment given, never from the
// process's own.
func TestDirs(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || runtime.GOOS == "ios" || runtime.GOOS == "plan9" {
		t.Skip("the system's own places")
	}
	t.Setenv("HOME", "/home/process")
	t.Setenv("XDG_CACHE_HOME", "/process/cache")
	t.Setenv("XDG_STATE_HOME", "/process/state")
	for _, tc := range []struct {
		name               string
		env                map[string]string
		home, cache, state string // "" for an error
	}{
		{"XDG", map[string]string{"HOME": "/home/mona", "XDG_CACHE_HOME": "/c", "XDG_STATE_HOME": "/s"}, "/home/mona", "/c", "/s/pkgql"},
		{"home only", map[string]string{"HOME": "/home/mona"}, "/home/mona", "/home/mona/.cache", "/home/mona/.local/state/pkgql"},
		{"nothing", nil, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(name string) string { return tc.env[name] }
			for _, d := range []struct {
				what string
				f    func(func(string) string) (string, error)
				want string
			}{{"home", HomeDir, tc.home}, {"cache", CacheDir, tc.cache}, {"state", StateDir, tc.state}} {
				got, err := d.f(getenv)
				if d.want == "" && err == nil || d.want != "" && got != d.want {
					t.Errorf("%s = %q, %v; want %q", d.what, got, err, d.want)
				}
			}
		})
	}
}
