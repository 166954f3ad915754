package engine

import (
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

// A value that would take a gigabyte is refused by SQLite's own length
// limit, with pkgql's words; the session goes on, and values well within
// the limit still work.
func TestValueSizeIsBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
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

// LIMIT values SQLite would only call a datatype mismatch, and a NUL byte
// that SQLite and the Tokenizer would read differently, get errors that say
// what is wrong and where.
func TestUnreadableValues(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	for _, tc := range []struct{ sql, want string }{
		{"SELECT 1 LIMIT 18446744073709551615", "line 1, column 10: LIMIT 18446744073709551615 is too large"},
		{"SELECT 1 LIMIT 1e23", "line 1, column 10: LIMIT and OFFSET take a whole number, not 1e23"},
		{"SELECT 1 LIMIT 2 OFFSET 1.5", "LIMIT and OFFSET take a whole number, not 1.5"},
		{"SELECT 1 AS \"a\x00b\"", "line 1, column 15: NUL character in the statement"},
		{"SELECT 1;\nSELECT 'a\x00'", "line 2, column 10: NUL character"},
	} {
		_, err := h.exec(tc.sql)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %s", tc.sql, err, tc.want)
		}
	}
	if r := h.one("SELECT 1 AS n LIMIT 9223372036854775807"); len(r.column("n")) != 1 {
		t.Errorf("the largest LIMIT: %v", r.column("n"))
	}
}
