package engine

import (
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// A value that would take a gigabyte is refused by SQLite's own length
// limit, with pkgql's words; the session goes on, and values well within
// the limit still work.
func TestValueSizeIsBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	for _, q := range []string{
		"SELECT length(printf('%.*c', 1000000000, 'x'))",
		"SELECT length(randomblob(1000000000))",
		"SELECT length(zeroblob(1000000000))",
		"SELECT length(replace(printf('%.*c', 1000000, 'x'), 'x', printf('%.*c', 1000, 'y')))",
	} {
		_, err := h.exec(q)
		if err == nil || !strings.Contains(err.Error(), "larger than 32 MiB") {
			t.Errorf("%s: %v", q, err)
		}
	}
	r := h.one("SELECT length(printf('%.*c', 1000000, 'x')) AS n")
	if got := r.column("n"); len(got) != 1 || got[0] != int64(1000000) {
		t.Errorf("a 1 MB value: %v", got)
	}
}
