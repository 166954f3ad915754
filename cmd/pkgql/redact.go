package main

import (
	"bytes"
	"io"
	"sync"
)

// redactor writes to stderr with the token replaced, in case any message or
// log line ever carried it. Providers and the engine are written not to; this
// is the last guard before a terminal or a CI log.
type redactor struct {
	mu     sync.Mutex
	w      io.Writer
	secret []byte
}

const redacted = "[token redacted]"

func newRedactor(w io.Writer) *redactor { return &redactor{w: w} }

// minSecret is the shortest secret worth hiding: replacing every "x" of a
// one-letter test token would garble messages and protect nothing.
const minSecret = 4

// hide sets the secret to hide from now on.
func (r *redactor) hide(secret string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(secret) < minSecret {
		secret = ""
	}
	r.secret = []byte(secret)
}

// Write hides the secret within each write; callers write whole lines.
func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := p
	if len(r.secret) > 0 && bytes.Contains(p, r.secret) {
		out = bytes.ReplaceAll(p, r.secret, []byte(redacted))
	}
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// file is the underlying writer, to ask whether it is a terminal.
func (r *redactor) file() io.Writer { return r.w }
