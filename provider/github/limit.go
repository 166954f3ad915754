package github

import (
	"io"
	"net/http"
	"sync"
)

// limitTransport bounds the requests in flight across every call the provider
// is running, so --concurrency holds for a whole statement: the pages of one
// listing and the listings of an IN list share the same slots, and GitHub's
// limit of 100 concurrent requests is a limit across all of them. A slot is
// held from sending until the body is closed; waits between retries hold none,
// as retryTransport sits above this one.
type limitTransport struct {
	next  http.RoundTripper
	slots chan struct{}
}

func newLimitTransport(next http.RoundTripper, n int) *limitTransport {
	return &limitTransport{next: next, slots: make(chan struct{}, n)}
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case t.slots <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		<-t.slots
		return nil, err
	}
	resp.Body = &slotBody{ReadCloser: resp.Body, release: func() { <-t.slots }}
	return resp, nil
}

// slotBody gives the slot back when the body is closed or read to its end,
// once: go-github reads an error answer whole and swaps the body for a copy,
// so the one it closes is not this one.
type slotBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *slotBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(b.release)
	}
	return n, err
}

func (b *slotBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
