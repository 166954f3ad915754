package host

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// The user's directories, found through getenv rather than the process's
// environment, so that a command line run in-process (a test, or a host
// embedding pkgql) keeps its state, cache and history where its own
// environment says.

// HomeDir is $HOME, or os.UserHomeDir where HOME is not how the system names
// it (Windows, Plan 9).
func HomeDir(getenv func(string) string) (string, error) {
	if runtime.GOOS != "windows" && runtime.GOOS != "plan9" {
		if h := getenv("HOME"); h != "" {
			return h, nil
		}
		return "", errors.New("$HOME is not defined")
	}
	return os.UserHomeDir()
}

// CacheDir is os.UserCacheDir read through getenv: $XDG_CACHE_HOME, else
// ~/.cache (on macOS and Windows, the system's own place).
func CacheDir(getenv func(string) string) (string, error) {
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		return os.UserCacheDir()
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return d, nil
	}
	home, err := HomeDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".cache"), nil
}

// StateDir is where pkgql keeps what it must not lose (the journal):
// $XDG_STATE_HOME/pkgql, else ~/.local/state/pkgql on Unix, else the user's
// config directory.
func StateDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "pkgql"), nil
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "pkgql"), nil
	}
	home, err := HomeDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state", "pkgql"), nil
}
