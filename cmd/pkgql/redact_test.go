package main

import (
	"bytes"
	"testing"
)

func TestRedactor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		secret, write, want string
	}{
		{"", "no secret set\n", "no secret set\n"},
		{"ghp_abc", "token ghp_abc and ghp_abc again\n", "token " + redacted + " and " + redacted + " again\n"},
		{"ghp_abc", "nothing to hide\n", "nothing to hide\n"},
	} {
		var buf bytes.Buffer
		r := newRedactor(&buf)
		r.hide(tc.secret)
		n, err := r.Write([]byte(tc.write))
		if err != nil || n != len(tc.write) {
			t.Errorf("Write = %d, %v; want %d", n, err, len(tc.write))
		}
		if buf.String() != tc.want {
			t.Errorf("wrote %q, want %q", buf.String(), tc.want)
		}
	}
}
