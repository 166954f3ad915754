package main

import "testing"

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{"https://api.github.com", "https://api.github.com/", false},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", false},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/", false},
		{"ftp://example.com/", "", true},
		{"api.github.com", "", true},
		{"https://user:secret@api.github.com/", "", true},
	} {
		got, err := normalizeURL(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("normalizeURL(%q) = %q, %v", tc.in, got, err)
		}
	}
}
