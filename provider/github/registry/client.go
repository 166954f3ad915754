package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

// DefaultURL is GitHub's container registry.
const DefaultURL = "https://ghcr.io"

// Bounds on what one read may bring back: manifests and image configs are
// small JSON documents, and a registry that answers more is not one.
const (
	maxManifestBytes = 4 << 20
	maxConfigBytes   = 1 << 20
)

// Config is how to reach the registry.
type Config struct {
	URL         string // "" is DefaultURL
	Token       string // the GitHub token; "" reads public images anonymously
	Concurrency int    // reads in flight at once; 0 is 8
	UserAgent   string
	// Transport carries the requests; nil is a clone of http.DefaultTransport
	// with a header timeout. The token never reaches a host but URL's.
	Transport http.RoundTripper
}

// Client reads manifests from one registry. It is safe for concurrent use.
type Client struct {
	url         *url.URL
	host        string
	token       string
	concurrency int
	userAgent   string
	transport   http.RoundTripper
	cache       auth.Cache // registry tokens, shared by every read

	// A manifest named by digest never changes, so one read serves every
	// later statement: a bulk DELETE's check reuses what its SELECT read.
	mu        sync.Mutex
	manifests map[string]*Manifest // by image@digest; at most maxCached
}

// maxCached bounds the manifests kept, far above any package's versions.
const maxCached = 200_000

// New checks cfg and returns a client; it sends nothing.
func New(cfg Config) (*Client, error) {
	raw := cfg.URL
	if raw == "" {
		raw = DefaultURL
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("the registry URL %q cannot be read", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("the registry URL %q needs https:// (or http:// for a local registry)", raw)
	case u.Host == "":
		return nil, fmt.Errorf("the registry URL %q has no host", raw)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "":
		return nil, fmt.Errorf("the registry URL %q must be a scheme and host only, such as https://ghcr.io", raw)
	}
	c := &Client{url: u, host: u.Host, token: cfg.Token, concurrency: cfg.Concurrency, userAgent: cfg.UserAgent, transport: cfg.Transport, cache: auth.NewCache(), manifests: map[string]*Manifest{}}
	if c.concurrency <= 0 {
		c.concurrency = 8
	}
	if c.userAgent == "" {
		c.userAgent = "pkgql"
	}
	if c.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 30 * time.Second
		c.transport = t
	}
	return c, nil
}

// Host is the registry's host[:port], as image references name it.
func (c *Client) Host() string { return c.host }

// Reads counts what one read of a package sent.
type Reads struct {
	Requests  int64 // every HTTP request, token requests and challenges included
	Manifests int64
	Configs   int64
}

// ReadManifests reads the manifest of each digest of one image (owner/name)
// once, at most Concurrency at a time; a digest read before is not read
// again. Any read that fails fails the whole: a graph built on some
// manifests would call needed versions garbage. The manifests returned are
// the caller's own.
func (c *Client) ReadManifests(ctx context.Context, image string, digests []string) (map[string]*Manifest, Reads, error) {
	var reads Reads
	repo, err := c.repository(image, &reads.Requests)
	if err != nil {
		return nil, reads, err
	}
	out := make(map[string]*Manifest, len(digests))
	uniq := make([]string, 0, len(digests))
	c.mu.Lock()
	for _, d := range digests {
		if _, ok := out[d]; ok {
			continue
		}
		if m := c.manifests[image+"@"+d]; m != nil {
			cp := *m
			out[d] = &cp
			continue
		}
		out[d] = nil
		uniq = append(uniq, d)
	}
	c.mu.Unlock()
	var mu sync.Mutex
	read := func(ctx context.Context, d string) error {
		m, err := c.readManifest(ctx, repo, image, d)
		if err != nil {
			return err
		}
		atomic.AddInt64(&reads.Manifests, 1)
		cp := *m
		mu.Lock()
		out[d] = &cp
		mu.Unlock()
		c.mu.Lock()
		if len(c.manifests) < maxCached {
			c.manifests[image+"@"+d] = m
		}
		c.mu.Unlock()
		return nil
	}
	if len(uniq) > 0 {
		// The first read alone: it meets the challenge and fetches the
		// registry token that every other read then reuses.
		if err := read(ctx, uniq[0]); err != nil {
			return nil, reads, err
		}
	}
	if err := each(ctx, c.concurrency, uniq[min(1, len(uniq)):], read); err != nil {
		return nil, reads, err
	}
	return out, reads, nil
}

// ReadPlatforms reads the config blob of each image manifest, once per
// config, and sets its Platform: for images that no index describes.
func (c *Client) ReadPlatforms(ctx context.Context, image string, images []*Manifest) (Reads, error) {
	var reads Reads
	repo, err := c.repository(image, &reads.Requests)
	if err != nil {
		return reads, err
	}
	byConfig := map[string][]*Manifest{}
	var configs []*Manifest
	for _, m := range images {
		if !m.ImageConfig {
			continue
		}
		if byConfig[m.Config] == nil {
			configs = append(configs, m)
		}
		byConfig[m.Config] = append(byConfig[m.Config], m)
	}
	var mu sync.Mutex
	err = each(ctx, c.concurrency, configs, func(ctx context.Context, m *Manifest) error {
		p, err := c.readPlatform(ctx, repo, image, m)
		if err != nil {
			return err
		}
		atomic.AddInt64(&reads.Configs, 1)
		mu.Lock()
		for _, same := range byConfig[m.Config] {
			same.Platform = p
		}
		mu.Unlock()
		return nil
	})
	return reads, err
}

// Add sums what two steps read.
func (r Reads) Add(o Reads) Reads {
	return Reads{Requests: r.Requests + o.Requests, Manifests: r.Manifests + o.Manifests, Configs: r.Configs + o.Configs}
}

// each runs f on every item, Concurrency at a time; the first error stops
// the rest.
func each[T any](ctx context.Context, limit int, items []T, f func(context.Context, T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for _, it := range items {
		g.Go(func() error { return f(ctx, it) })
	}
	return g.Wait()
}

func (c *Client) repository(image string, requests *int64) (*remote.Repository, error) {
	repo, err := remote.NewRepository(c.host + "/" + strings.ToLower(image))
	if err != nil {
		return nil, fmt.Errorf("%q is not an image name the registry accepts: %w", image, err)
	}
	repo.PlainHTTP = c.url.Scheme == "http"
	repo.ManifestMediaTypes = ManifestMediaTypes
	repo.MaxMetadataBytes = maxManifestBytes
	var cred auth.CredentialFunc
	if c.token != "" {
		// ghcr.io's token endpoint takes the GitHub token as the password
		// of Basic auth; the user name is not checked.
		cred = auth.StaticCredential(c.host, auth.Credential{Username: "pkgql", Password: c.token})
	}
	hc := &http.Client{Transport: &guardTransport{host: c.host, next: c.transport, requests: requests}}
	repo.Client = &auth.Client{Client: hc, Cache: c.cache, Credential: cred, Header: http.Header{"User-Agent": {c.userAgent}}}
	return repo, nil
}

func (c *Client) readManifest(ctx context.Context, repo *remote.Repository, image, d string) (*Manifest, error) {
	if _, err := digest.Parse(d); err != nil {
		return nil, fmt.Errorf("version name %q of %s is not a digest", d, image)
	}
	desc, rc, err := repo.Manifests().FetchReference(ctx, d)
	if err != nil {
		return nil, c.readError("manifest", image, d, err)
	}
	defer rc.Close()
	body, err := content.ReadAll(rc, desc)
	if err != nil {
		return nil, c.readError("manifest", image, d, err)
	}
	return ParseManifest(d, desc.MediaType, body)
}

func (c *Client) readPlatform(ctx context.Context, repo *remote.Repository, image string, m *Manifest) (string, error) {
	desc := ocispec.Descriptor{Digest: digest.Digest(m.Config), Size: m.ConfigSize}
	if desc.Size <= 0 || desc.Size > maxConfigBytes {
		return "", fmt.Errorf("the image config of %s in %s declares %d bytes, more than an image config holds", m.Digest, image, desc.Size)
	}
	rc, err := repo.Blobs().Fetch(ctx, desc)
	if err != nil {
		return "", c.readError("image config", image, m.Config, err)
	}
	defer rc.Close()
	body, err := content.ReadAll(rc, desc)
	if err != nil {
		return "", c.readError("image config", image, m.Config, err)
	}
	return ParsePlatform(body)
}

// ReadError is a registry read that failed.
type ReadError struct {
	What, Ref string // "manifest", "owner/app@sha256:…"
	Status    int    // the registry's HTTP status; 0 when it did not answer
	Err       error
}

func (e *ReadError) Error() string {
	s := "reading " + e.What + " " + e.Ref + ": "
	if e.Status != 0 {
		s += fmt.Sprintf("the registry answered %d %s", e.Status, http.StatusText(e.Status))
		var er *errcode.ErrorResponse
		if errors.As(e.Err, &er) && len(er.Errors) > 0 {
			s += " (" + er.Errors.Error() + ")"
		}
		return s
	}
	return s + e.Err.Error()
}

func (e *ReadError) Unwrap() error { return e.Err }

func (c *Client) readError(what, image, ref string, err error) error {
	re := &ReadError{What: what, Ref: c.host + "/" + image + "@" + ref, Err: err}
	var er *errcode.ErrorResponse
	if errors.As(err, &er) {
		re.Status = er.StatusCode
	} else if strings.Contains(err.Error(), "not found") {
		re.Status = http.StatusNotFound
	}
	return re
}

// guardTransport counts requests and keeps credentials on the registry's
// host: a token endpoint elsewhere (the distribution spec allows one) gets
// no GitHub token, and the read fails saying why.
type guardTransport struct {
	host     string
	next     http.RoundTripper
	requests *int64
}

func (t *guardTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") != "" && !strings.EqualFold(r.URL.Host, t.host) {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, fmt.Errorf("the registry %s sent pkgql to %s for a token; the GitHub token goes to the configured registry only (set --registry-url to the registry that serves the images)", t.host, r.URL.Host)
	}
	atomic.AddInt64(t.requests, 1)
	return t.next.RoundTrip(r)
}
