package github

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// limitTransport bounds the requests in flight across every call the provider
// is running, so --concurrency holds for a whole statement: the pages of one
// listing and the listings of an IN list share the same slots, and GitHub's
// limit of 100 concurrent requests is a limit across all of them. Waits
// between retries hold no slot, as retryTransport sits above this one.
//
// A slot must come back however the answer ends, and callers above cannot be
// trusted to close the body they got: go-github's CheckResponse reads an
// error answer's body and puts an io.NopCloser in its place, so the close
// that follows never reaches the connection's body. An error answer is
// therefore read here, whole (it is small) and the slot given back before it
// goes up; a success holds its slot until its body is read to the end, fails
// or is closed, whichever comes first.
type limitTransport struct {
	next  http.RoundTripper
	slots chan struct{}
}

// maxErrorBody is the most of an error answer that is kept. GitHub's error
// bodies are a message and a documentation URL; the rest of a larger one is
// dropped unread.
const maxErrorBody = 1 << 20

func newLimitTransport(next http.RoundTripper, n int) *limitTransport {
	return &limitTransport{next: next, slots: make(chan struct{}, n)}
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case t.slots <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	release := func() { <-t.slots }
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		release()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(data))
		return resp, nil
	}
	resp.Body = &slotBody{body: resp.Body, release: release}
	return resp, nil
}

// inUse is how many slots are held now.
func (t *limitTransport) inUse() int { return len(t.slots) }

// slotBody gives the slot back once, at the first of: the end of the body, a
// failed read, or Close.
type slotBody struct {
	body    io.ReadCloser
	once    sync.Once
	release func()
}

func (b *slotBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err != nil {
		b.once.Do(b.release)
	}
	return n, err
}

func (b *slotBody) Close() error {
	err := b.body.Close()
	b.once.Do(b.release)
	return err
}
