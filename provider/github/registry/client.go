package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
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

	// referrersAPI is whether the registry serves the referrers API, learnt
	// from its first answer and kept: a registry without it (ghcr.io) is
	// asked once, not once per subject.
	referrersAPI atomic.Int32
	// referrers are the referrers API's answers, by image@digest, reused
	// for referrersFresh: a DELETE's check then asks nothing its SELECT
	// asked. An answer can only miss a referrer pushed after it, whose own
	// manifest, read as a version, names its subject all the same.
	referrers map[string]answer
}

type answer struct {
	at   time.Time
	refs []Referrer
}

// referrersFresh is how long a referrers answer is reused.
const referrersFresh = time.Minute

// The states of Client.referrersAPI.
const (
	referrersUnknown int32 = iota
	referrersServed
	referrersAbsent
)

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
	c := &Client{url: u, host: u.Host, token: cfg.Token, concurrency: cfg.Concurrency, userAgent: cfg.UserAgent, transport: cfg.Transport, cache: auth.NewCache(), manifests: map[string]*Manifest{}, referrers: map[string]answer{}}
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

// Reads counts what reads of a package sent.
type Reads struct {
	Requests  int64 // every HTTP request, token requests and challenges included
	Manifests int64
	Configs   int64
	Referrers int64 // subjects the referrers API answered for
}

// Tally counts one call's registry requests as they are sent. OnRequest,
// when set, is told the count after each request, from the goroutine that
// sent it; it must be safe for concurrent use. The zero Tally counts.
type Tally struct {
	mu        sync.Mutex
	reads     Reads
	OnRequest func(Reads)
}

func (t *Tally) add(r Reads) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.reads = t.reads.Add(r)
	now := t.reads
	t.mu.Unlock()
	if t.OnRequest != nil && r.Requests > 0 {
		t.OnRequest(now)
	}
}

// Reads is what was counted so far.
func (t *Tally) Reads() Reads {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reads
}

// ReadManifests reads the manifest of each digest of one image (owner/name)
// once, at most Concurrency at a time; a digest read before is not read
// again. Any read that fails fails the whole: a graph built on some
// manifests would call needed versions garbage. The manifests returned are
// the caller's own.
func (c *Client) ReadManifests(ctx context.Context, image string, digests []string, tally *Tally) (map[string]*Manifest, error) {
	repo, err := c.repository(image, tally)
	if err != nil {
		return nil, err
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
		tally.add(Reads{Manifests: 1})
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
			return nil, err
		}
	}
	if err := each(ctx, c.concurrency, uniq[min(1, len(uniq)):], read); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadPlatforms reads the config blob of each image manifest, once per
// config, and sets its Platform: for images that no index describes.
func (c *Client) ReadPlatforms(ctx context.Context, image string, images []*Manifest, tally *Tally) error {
	repo, err := c.repository(image, tally)
	if err != nil {
		return err
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
	return each(ctx, c.concurrency, configs, func(ctx context.Context, m *Manifest) error {
		p, err := c.readPlatform(ctx, repo, image, m)
		if err != nil {
			return err
		}
		tally.add(Reads{Configs: 1})
		mu.Lock()
		for _, same := range byConfig[m.Config] {
			same.Platform = p
		}
		mu.Unlock()
		return nil
	})
}

// Referrer is a manifest the referrers API lists for a subject.
type Referrer struct {
	Digest       string
	MediaType    string
	ArtifactType string
}

// ReadReferrers asks the referrers API what refers to each digest of one
// image: one request per digest (more only when the registry pages its
// answer), none for a digest asked within referrersFresh, Concurrency at a
// time. served is false when the registry has no
// referrers API: it answered 404 (the distribution spec forbids that answer
// to a registry that serves the API), redirected off its host (as ghcr.io
// does) or answered something that is not an image index. That is learnt
// from the first request, alone, and kept: a registry without the API is
// not asked again, and what it would have told is what the referrers tag
// schema and cosign's tags tell, which are versions the graph reads anyway.
func (c *Client) ReadReferrers(ctx context.Context, image string, digests []string, tally *Tally) (refs map[string][]Referrer, served bool, err error) {
	if c.referrersAPI.Load() == referrersAbsent {
		return nil, false, nil
	}
	repo, err := c.repository(image, tally)
	if err != nil {
		return nil, false, err
	}
	// Never the tag schema fallback of oras: those tags are versions the
	// graph has read already.
	repo.SetReferrersCapability(true)
	refs = make(map[string][]Referrer, len(digests))
	uniq := make([]string, 0, len(digests))
	now := time.Now()
	c.mu.Lock()
	for _, d := range digests {
		if _, ok := refs[d]; ok {
			continue
		}
		if a, ok := c.referrers[image+"@"+d]; ok && now.Sub(a.at) < referrersFresh {
			refs[d] = slices.Clone(a.refs)
			continue
		}
		refs[d] = nil
		uniq = append(uniq, d)
	}
	c.mu.Unlock()
	var mu sync.Mutex
	read := func(ctx context.Context, d string) error {
		dg, err := digest.Parse(d)
		if err != nil {
			return fmt.Errorf("version name %q of %s is not a digest", d, image)
		}
		var found []Referrer
		err = repo.Referrers(ctx, ocispec.Descriptor{Digest: dg}, "", func(page []ocispec.Descriptor) error {
			for _, r := range page {
				found = append(found, Referrer{Digest: r.Digest.String(), MediaType: r.MediaType, ArtifactType: r.ArtifactType})
			}
			return nil
		})
		if err != nil {
			if noReferrersAPI(err) {
				c.referrersAPI.CompareAndSwap(referrersUnknown, referrersAbsent)
				return errNoReferrersAPI
			}
			return c.readError("referrers", image, d, err)
		}
		c.referrersAPI.CompareAndSwap(referrersUnknown, referrersServed)
		tally.add(Reads{Referrers: 1})
		mu.Lock()
		refs[d] = found
		mu.Unlock()
		c.mu.Lock()
		if len(c.referrers) >= maxCached {
			clear(c.referrers)
		}
		c.referrers[image+"@"+d] = answer{at: now, refs: found}
		c.mu.Unlock()
		return nil
	}
	if len(uniq) > 0 && c.referrersAPI.Load() == referrersUnknown {
		// The first alone: it tells whether the API is there at all.
		if err := read(ctx, uniq[0]); err != nil {
			if errors.Is(err, errNoReferrersAPI) {
				return nil, false, nil
			}
			return nil, false, err
		}
		uniq = uniq[1:]
	}
	if err := each(ctx, c.concurrency, uniq, read); err != nil {
		if errors.Is(err, errNoReferrersAPI) {
			// A registry that served the API a moment ago and now denies
			// it cannot be told from an outage.
			return nil, false, fmt.Errorf("the registry %s served the referrers API, then answered as one without it", c.host)
		}
		return nil, false, err
	}
	return refs, true, nil
}

var errNoReferrersAPI = errors.New("no referrers API")

// noReferrersAPI tells the answers of a registry without the referrers API
// from failures. oras reports a 404 other than NAME_UNKNOWN, and an answer
// that is not an image index, as ErrUnsupported; a redirect is not followed
// (referrersRedirect), so it arrives as an error response with a 3xx status.
func noReferrersAPI(err error) bool {
	if errors.Is(err, errdef.ErrUnsupported) {
		return true
	}
	var er *errcode.ErrorResponse
	return errors.As(err, &er) && er.StatusCode >= 300 && er.StatusCode < 400
}

// Add sums what two steps read.
func (r Reads) Add(o Reads) Reads {
	return Reads{Requests: r.Requests + o.Requests, Manifests: r.Manifests + o.Manifests, Configs: r.Configs + o.Configs, Referrers: r.Referrers + o.Referrers}
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

func (c *Client) repository(image string, tally *Tally) (*remote.Repository, error) {
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
	hc := &http.Client{Transport: &guardTransport{host: c.host, next: c.transport, tally: tally}, CheckRedirect: referrersRedirect}
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

// referrersRedirect keeps a referrers request on the registry: ghcr.io
// answers one with 303 to a rate-limited page of github.com, which is no
// referrers API. Blobs may still be fetched from the storage a registry
// redirects to.
func referrersRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if strings.Contains(via[0].URL.Path, "/referrers/") && !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
		return http.ErrUseLastResponse
	}
	return nil
}

// guardTransport counts requests and keeps credentials on the registry's
// host: a token endpoint elsewhere (the distribution spec allows one) gets
// no GitHub token, and the read fails saying why.
type guardTransport struct {
	host  string
	next  http.RoundTripper
	tally *Tally
}

func (t *guardTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") != "" && !strings.EqualFold(r.URL.Host, t.host) {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, fmt.Errorf("the registry %s sent pkgql to %s for a token; the GitHub token goes to the configured registry only (set --registry-url to the registry that serves the images)", t.host, r.URL.Host)
	}
	t.tally.add(Reads{Requests: 1})
	return t.next.RoundTrip(r)
}
