package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	t.Parallel()
	const tok = "ghp_abcdef"
	for _, tc := range []struct {
		name    string
		secrets []string
		writes  []string
		want    string
	}{
		{"no secret set", nil, []string{"no secret set\n"}, "no secret set\n"},
		{"too short to hide", []string{"x"}, []string{"x marks\n"}, "x marks\n"},
		{"in one write", []string{tok}, []string{"token " + tok + " and " + tok + " again\n"}, "token " + redacted + " and " + redacted + " again\n"},
		{"nothing to hide", []string{tok}, []string{"nothing to hide\n"}, "nothing to hide\n"},
		{"cut across writes", []string{tok}, []string{`[{"m":"ghp_`, `abc`, `def"}]` + "\n"}, `[{"m":"` + redacted + `"}]` + "\n"},
		{"a start that was not one", []string{tok}, []string{"ends with ghp_", "xyz\n"}, "ends with ghp_xyz\n"},
		{"held to the flush", []string{tok}, []string{"ends with ghp_ab"}, "ends with ghp_ab"},
		{"two secrets", []string{tok, "hunter22"}, []string{"hunter", "22 " + tok[:3], tok[3:] + "\n"}, redacted + " " + redacted + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := newRedactor(&buf)
			r.hide(tc.secrets...)
			for _, w := range tc.writes {
				n, err := r.Write([]byte(w))
				if err != nil || n != len(w) {
					t.Errorf("Write = %d, %v; want %d", n, err, len(w))
				}
			}
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Errorf("wrote %q, want %q", buf.String(), tc.want)
			}
			for _, s := range tc.secrets {
				if len(s) >= minSecret && strings.Contains(buf.String(), s) {
					t.Errorf("%q shows", s)
				}
			}
		})
	}
}
