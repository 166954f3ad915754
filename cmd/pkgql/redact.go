package main

import (
	"bytes"
	"io"
	"sync"
)

// redactor writes to w with the secrets replaced, in case any message, log
// line or value ever carried one. Providers and the engine are written not
// to; this is the last guard before a terminal, a file or a CI log. Result
// sets are written in pieces that may cut a secret in two, so the end of a
// write that could be the start of a secret is held until the next write
// or Flush.
type redactor struct {
	mu      sync.Mutex
	w       io.Writer
	set     *secretSet // shared by the redactors made with over
	pending []byte     // the end of the last write, held: it may begin a secret
}

// secretSet is what redactors hide; it is set once the token is found,
// after the writers were made.
type secretSet struct {
	mu      sync.Mutex
	secrets [][]byte
}

func (s *secretSet) get() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.secrets
}

const redacted = "[token redacted]"

func newRedactor(w io.Writer) *redactor { return &redactor{w: w, set: &secretSet{}} }

// minSecret is the shortest secret worth hiding: replacing every "x" of a
// one-letter test token would garble messages and protect nothing.
const minSecret = 4

// hide sets the secrets to hide from now on, by this redactor and every one
// made from it with over.
func (r *redactor) hide(secrets ...string) {
	var keep [][]byte
	for _, s := range secrets {
		if len(s) >= minSecret {
			keep = append(keep, []byte(s))
		}
	}
	r.set.mu.Lock()
	defer r.set.mu.Unlock()
	r.set.secrets = keep
}

// over returns a redactor over w that hides the same secrets, now and as
// they are set later.
func (r *redactor) over(w io.Writer) *redactor { return &redactor{w: w, set: r.set} }

func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	secrets := r.set.get()
	if len(secrets) == 0 {
		if err := r.flushLocked(); err != nil {
			return 0, err
		}
		if _, err := r.w.Write(p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	data := append(r.pending, p...)
	r.pending = nil
	for _, s := range secrets {
		if bytes.Contains(data, s) {
			data = bytes.ReplaceAll(data, s, []byte(redacted))
		}
	}
	hold := heldBack(secrets, data)
	r.pending = append([]byte(nil), data[len(data)-hold:]...)
	if out := data[:len(data)-hold]; len(out) > 0 {
		if _, err := r.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// heldBack is how many bytes at the end of data could be the start of a
// secret: the longest such end.
func heldBack(secrets [][]byte, data []byte) int {
	hold := 0
	for _, s := range secrets {
		for n := min(len(s)-1, len(data)); n > hold; n-- {
			if bytes.HasPrefix(s, data[len(data)-n:]) {
				hold = n
				break
			}
		}
	}
	return hold
}

// Flush writes what is held back.
func (r *redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flushLocked()
}

func (r *redactor) flushLocked() error {
	if len(r.pending) == 0 {
		return nil
	}
	_, err := r.w.Write(r.pending)
	r.pending = nil
	return err
}

// file is the underlying writer, to ask whether it is a terminal.
func (r *redactor) file() io.Writer { return r.w }
