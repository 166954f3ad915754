package shell

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// historyLimit is how many entries are kept, in the file and for Up.
const historyLimit = 1000

// history is what was typed at the terminal, one entry a line, kept in a
// file (mode 0600) across runs. Entries never hold a credential: see
// historyEntries.
type history struct {
	path    string // "" keeps this session's entries in memory only
	entries []string
}

// loadHistory reads the history file; a missing file is an empty history.
// A file that holds more than historyLimit entries, or entries that carry a
// credential, is rewritten without them.
func loadHistory(path string, secrets secretParams) (*history, error) {
	h := &history{path: path}
	if path == "" {
		return h, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return &history{}, err
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for _, l := range lines {
		if l = strings.TrimRight(l, "\r"); strings.TrimSpace(l) != "" && !secrets.carried(l) {
			h.entries = append(h.entries, l)
		}
	}
	h.entries = h.entries[max(0, len(h.entries)-historyLimit):]
	if len(h.entries) != len(lines) {
		if err := h.rewrite(); err != nil {
			return &history{}, err
		}
	}
	return h, nil
}

// add keeps an entry, unless it repeats the last one, and appends it to the
// file at once: a shell that is killed loses nothing, and shells running
// side by side each add their own.
func (h *history) add(entry string) error {
	if n := len(h.entries); n > 0 && h.entries[n-1] == entry {
		return nil
	}
	h.entries = append(h.entries, entry)
	if len(h.entries) > historyLimit {
		h.entries = h.entries[1:]
	}
	if h.path == "" {
		return nil
	}
	f, err := openPrivate(h.path, os.O_APPEND)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(entry + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// rewrite replaces the file with the entries kept, atomically.
func (h *history) rewrite() error {
	tmp := h.path + ".new"
	os.Remove(tmp)
	f, err := openPrivate(tmp, os.O_EXCL)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, e := range h.entries {
		b.WriteString(e + "\n")
	}
	_, err = f.WriteString(b.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, h.path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// openPrivate opens a file for writing that only its owner may read, in a
// directory only its owner may enter if it has to be made. A file that
// exists with a wider mode is narrowed: statements name users and packages.
func openPrivate(path string, flag int) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|flag, 0o600)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}
