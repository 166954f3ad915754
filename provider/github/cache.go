package github

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/bartventer/httpcache"
	"github.com/bartventer/httpcache/store"
	"github.com/bartventer/httpcache/store/driver"
)

// Conditional requests. GitHub answers a GET with an ETag, and a later GET
// that sends it back in If-None-Match with 304 Not Modified when nothing
// changed; a 304 does not count against the primary rate limit and carries no
// body. The cache keeps the answers on disk so that a listing read again —
// in the next statement, the next run — costs no rate limit and moves only
// headers.
//
// The RFC 9111 logic is bartventer/httpcache's (go-github's docs recommend
// it; maintained, no dependencies, validation, Vary and 304 freshening per
// the RFC). Two things are ours:
//   - every GET is revalidated: the request goes in with Cache-Control:
//     no-cache, which RFC 9111 §5.2.1.4 says forbids serving a stored answer
//     without asking the origin, so an answer is never stale unasked. The
//     directive is taken off again before the request leaves, and the
//     answer's stale-if-error and stale-while-revalidate, the two ways the
//     library may still serve a stored answer unasked, are taken off before
//     the library sees it.
//   - the store: each token has a directory of its own, named by an HMAC of
//     the token and the API's URL, so two tokens never share an answer and
//     the token is nowhere on disk. Authorization is taken off the answer's
//     Vary for the same reason: the library would record the value it varied
//     on. Directories are 0700, files 0600, written whole (a temporary file,
//     then a rename) so a crash never leaves half an answer.
//
// Mutations bypass the cache: a DELETE or POST goes straight through.

// cacheScheme is the URL scheme the store is registered under.
const cacheScheme = "pkgql-dir"

var registerStore sync.Once

// newCacheTransport returns a transport that revalidates every GET against
// the answers stored under dir for the account (see tokenKey), or an error
// when dir cannot be made private.
func newCacheTransport(next http.RoundTripper, dir, account string) (http.RoundTripper, error) {
	registerStore.Do(func() {
		store.Register(cacheScheme, driver.DriverFunc(func(u *url.URL) (driver.Conn, error) {
			return openDirStore(u.Path)
		}))
	})
	sub := filepath.Join(dir, account)
	if _, err := openDirStore(sub); err != nil {
		return nil, err
	}
	dsn := (&url.URL{Scheme: cacheScheme, Path: sub}).String()
	var cached http.RoundTripper
	err := func() (err error) {
		// The library panics when its store cannot be opened.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("opening the HTTP cache in %s: %v", sub, r)
			}
		}()
		cached = httpcache.NewTransport(dsn, httpcache.WithUpstream(&originTransport{next: next}))
		return nil
	}()
	if err != nil {
		return nil, err
	}
	return &cacheTransport{cached: cached, next: next}, nil
}

// tokenKey names a token's account on an API without holding the token: an
// HMAC-SHA256 of the token, keyed by the API's URL.
func tokenKey(token, baseURL string) string {
	m := hmac.New(sha256.New, []byte("pkgql "+baseURL))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// cacheTransport sends GETs through the cache, always to be revalidated, and
// everything else past it.
type cacheTransport struct {
	cached http.RoundTripper
	next   http.RoundTripper
}

func (t *cacheTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Set("Cache-Control", "no-cache")
	resp, err := t.cached.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Request = req
	return resp, nil
}

// originTransport is what the cache sends requests through: it takes off
// what only the cache was to read, both ways.
type originTransport struct{ next http.RoundTripper }

func (t *originTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Cache-Control") == "no-cache" {
		req = req.Clone(req.Context())
		req.Header.Del("Cache-Control")
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotModified {
		// The library answers with the stored body and never closes this
		// one, which holds a slot of the concurrency limit until closed.
		discard(resp)
		resp.Body = http.NoBody
	}
	if vary := resp.Header.Values("Vary"); len(vary) > 0 {
		var keep []string
		for _, v := range vary {
			for _, name := range strings.Split(v, ",") {
				if name = strings.TrimSpace(name); name != "" && !strings.EqualFold(name, "Authorization") {
					keep = append(keep, name)
				}
			}
		}
		resp.Header.Del("Vary")
		if len(keep) > 0 {
			resp.Header.Set("Vary", strings.Join(keep, ", "))
		}
	}
	if cc := resp.Header.Values("Cache-Control"); len(cc) > 0 {
		var keep []string
		for _, v := range cc {
			for _, d := range strings.Split(v, ",") {
				d = strings.TrimSpace(d)
				name, _, _ := strings.Cut(strings.ToLower(d), "=")
				if d != "" && name != "stale-if-error" && name != "stale-while-revalidate" {
					keep = append(keep, d)
				}
			}
		}
		resp.Header.Del("Cache-Control")
		if len(keep) > 0 {
			resp.Header.Set("Cache-Control", strings.Join(keep, ", "))
		}
	}
	return resp, nil
}

// dirStore is the cache's store: one file per entry in a private directory.
type dirStore struct{ dir string }

func openDirStore(dir string) (*dirStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the HTTP cache directory: %w", err)
	}
	// MkdirAll leaves a directory that was there as it was.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making the HTTP cache directory private: %w", err)
	}
	return &dirStore{dir: dir}, nil
}

// path names an entry's file by a hash of its key: keys are URLs.
func (s *dirStore) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(s.dir, hex.EncodeToString(sum[:]))
}

func (s *dirStore) Get(key string) ([]byte, error) {
	data, err := os.ReadFile(s.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.Join(driver.ErrNotExist, err)
	}
	return data, err
}

func (s *dirStore) Set(key string, value []byte) error {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	final := s.path(key)
	tmp := final + "." + hex.EncodeToString(rnd[:]) + ".tmp"
	if err := os.WriteFile(tmp, value, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func (s *dirStore) Delete(key string) error {
	err := os.Remove(s.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return errors.Join(driver.ErrNotExist, err)
	}
	return err
}
