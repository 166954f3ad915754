package github

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"
	"github.com/hashicorp/go-hclog"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/registry"
	"github.com/pkgql/pkgql/schema"
)

const (
	// DefaultBaseURL is GitHub's public REST API.
	DefaultBaseURL = "https://api.github.com/"
	// DefaultConcurrency is how many pages of one listing are fetched at once:
	// enough to hide GitHub's latency, far below its secondary limit of 100
	// concurrent requests.
	DefaultConcurrency = 8
	// MaxConcurrency is GitHub's secondary limit on concurrent requests.
	MaxConcurrency   = 100
	defaultUserAgent = "pkgql"
)

// The connection settings the provider declares, by name.
const (
	SettingToken       = "token"
	SettingBaseURL     = "base_url"
	SettingRegistryURL = "registry_url"
)

// settings declares what the provider needs to reach GitHub. The host finds
// each value (flag, then environment, then the GitHub CLI for the token) and
// hands it to Configure; the provider reads nothing from its own
// environment.
func settings() []schema.Setting {
	return []schema.Setting{
		{Name: SettingBaseURL, Description: "GitHub API URL", Flag: "github-url", Env: []string{"PKGQL_GITHUB_URL"}, Default: DefaultBaseURL},
		{Name: SettingToken, Description: "GitHub token", Flag: "token-file", Env: []string{"GITHUB_TOKEN", "GH_TOKEN"},
			// gh knows a GitHub Enterprise Server by its web host.
			Command: []string{"gh", "auth", "token", "--hostname", "{" + SettingBaseURL + ".host}"},
			Secret:  true,
			Hint:    "set GITHUB_TOKEN or GH_TOKEN, run `gh auth login`, or pass --token-file FILE",
			Needs:   "a classic token needs read:packages, and delete:packages and write:packages to delete and restore"},
		{Name: SettingRegistryURL, Description: "container registry URL", Flag: "registry-url", Env: []string{"PKGQL_REGISTRY_URL"}, Default: registry.DefaultURL},
	}
}

// Provider is the GitHub provider. It is safe for concurrent Calls.
type Provider struct {
	logger   hclog.Logger
	services []service
	policy   retryPolicy
	pacers   pacers
	books    pageBooks

	mu   sync.RWMutex
	conn *conn
}

// conn is what Configure sets up: a go-github client over the retry
// transport.
type conn struct {
	gh          *github.Client
	transport   *http.Transport
	limit       *limitTransport
	concurrency int
	// token is kept to be hidden from what GitHub's answers echo back;
	// it is never logged.
	token    string
	registry *registry.Client
	pages    *pageBook
}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider, configured for GitHub's public API without a
// token until Configure says otherwise. A nil logger logs nothing.
func New(logger hclog.Logger) *Provider {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	p := &Provider{logger: logger, services: declarations(), policy: defaultRetryPolicy()}
	if err := p.Configure(context.Background(), provider.Config{}); err != nil {
		panic(err) // the defaults are constants
	}
	return p
}

// Schema returns the declaration of every resource.
func (p *Provider) Schema(context.Context) (*schema.Provider, error) {
	s := deriveSchema(p.services)
	s.Settings = settings()
	if err := s.Validate(); err != nil {
		return nil, &provider.Error{Kind: provider.KindInternal, Message: err.Error()}
	}
	return s, nil
}

// Configure sets the declared settings — the token, the API's base URL
// (GitHub Enterprise's https://HOST/api/v3/, or a local server), the
// registry's — how many requests one Call may have in flight, and the
// User-Agent. The token is sent as "Authorization: Bearer" and nowhere else.
func (p *Provider) Configure(_ context.Context, cfg provider.Config) error {
	token := cfg.Settings[SettingToken]
	base, err := parseBaseURL(cfg.Settings[SettingBaseURL])
	if err != nil {
		return err
	}
	concurrency := cfg.Concurrency
	switch {
	case concurrency == 0:
		concurrency = DefaultConcurrency
	case concurrency < 0 || concurrency > MaxConcurrency:
		return &provider.Error{Kind: provider.KindInvalid,
			Message: fmt.Sprintf("concurrency %d is out of range", concurrency),
			Hint:    fmt.Sprintf("use 1 to %d: GitHub allows at most %d concurrent requests", MaxConcurrency, MaxConcurrency)}
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = concurrency
	limit := newLimitTransport(transport, concurrency)
	// retry → cache → pace → limit: a retry is paced and revalidated like a
	// first try, and a request waiting for its turn holds no slot.
	account := tokenKey(token, base.String())
	pacer := p.pacers.get(account, cfg.RateWindow, cfg.MutationInterval)
	var rt http.RoundTripper = &paceTransport{next: limit, pacer: pacer}
	if cfg.CacheDir != "" {
		if rt, err = newCacheTransport(rt, cfg.CacheDir, account); err != nil {
			return &provider.Error{Kind: provider.KindInvalid, Message: err.Error(),
				Hint: "run with --no-cache, or make the cache directory writable"}
		}
	}
	policy := p.policy
	if cfg.RateWindow > 0 {
		// GitHub's minute, in a server that counts minutes faster.
		policy.secondaryBase = min(cfg.RateWindow, policy.secondaryBase)
		policy.secondaryMax = min(5*cfg.RateWindow, policy.secondaryMax)
	}
	hc := &http.Client{
		Transport:     &retryTransport{next: rt, policy: policy, logger: p.logger, pause: pacer.pause},
		CheckRedirect: stayOn(base),
	}
	gh := github.NewClient(hc)
	if token != "" {
		gh = gh.WithAuthToken(token)
	}
	gh.BaseURL = base
	gh.UserAgent = cfg.UserAgent
	if gh.UserAgent == "" {
		gh.UserAgent = defaultUserAgent
	}

	// The registry's requests share the API's bound on requests in flight,
	// its retries and stall deadlines, and none of its credentials but the
	// token, sent to the registry's own host only. They are neither paced nor
	// cached: the API's points are not the registry's, and a manifest read by
	// digest never changes.
	reg, err := registry.New(registry.Config{URL: cfg.Settings[SettingRegistryURL], Token: token, Concurrency: concurrency,
		UserAgent: gh.UserAgent, Transport: &retryTransport{next: limit, policy: p.policy, logger: p.logger}})
	if err != nil {
		return &provider.Error{Kind: provider.KindInvalid, Message: err.Error(), Hint: "--registry-url (env PKGQL_REGISTRY_URL) takes https://ghcr.io or http://127.0.0.1:PORT"}
	}

	p.mu.Lock()
	old := p.conn
	p.conn = &conn{gh: gh, transport: transport, limit: limit, concurrency: concurrency, token: token, registry: reg, pages: p.books.get(account)}
	p.mu.Unlock()
	if old != nil {
		old.transport.CloseIdleConnections()
	}
	// Never the Config itself: a JSON logger would marshal its token.
	p.logger.Debug("configured", "base_url", redactURL(base), "concurrency", concurrency, "token", token != "",
		"cache", cfg.CacheDir != "", "rate_window", cfg.RateWindow, "mutation_interval", cfg.MutationInterval)
	return nil
}

// stayOn lets redirects within the API's origin (scheme, host and port) be
// followed and refuses any other: go-github's token transport adds the
// Authorization header to every request, a redirected one too, so following
// a redirect elsewhere would hand the token to whoever the API points at.
func stayOn(base *url.URL) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return &redirectError{status: req.Response.StatusCode, from: via[0].URL, reason: "stopped after 10 redirects"}
		}
		if req.URL.Scheme != base.Scheme || !strings.EqualFold(req.URL.Host, base.Host) {
			return &redirectError{status: req.Response.StatusCode, from: via[0].URL, to: req.URL, api: base}
		}
		return nil
	}
}

// parseBaseURL checks a base URL and adds the trailing slash go-github needs.
func parseBaseURL(s string) (*url.URL, error) {
	if s == "" {
		s = DefaultBaseURL
	}
	u, err := url.Parse(s)
	bad := func(why string) error {
		return &provider.Error{Kind: provider.KindInvalid,
			Message: fmt.Sprintf("the GitHub API URL %q %s", s, why),
			Hint:    "use https://api.github.com/, https://HOST/api/v3/ for GitHub Enterprise, or http://127.0.0.1:PORT/ for a local server"}
	}
	switch {
	case err != nil:
		return nil, bad("cannot be read")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, bad("needs http:// or https://")
	case u.Host == "":
		return nil, bad("has no host")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, bad("must not carry credentials, a query or a fragment")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// Call performs one method once. Params are checked before any request;
// rows go to emit in batches, in GitHub's order.
func (p *Provider) Call(ctx context.Context, req provider.Request, emit func(provider.Batch) error) (provider.Result, error) {
	if req.Budget {
		return p.budget(ctx, emit)
	}
	if res, m, err := lookup(p.services, req); err == nil && res.name == "package_versions" {
		switch {
		case req.Check && m.Guarded:
			return p.check(ctx, req, emit)
		case m.Verb != schema.Select:
		case len(req.Columns) == 0:
			// Every field: the graph's too.
			for _, f := range res.fields {
				req.Columns = append(req.Columns, f.Name)
			}
			return p.callWithGraph(ctx, req, emit)
		case slices.ContainsFunc(req.Columns, isGraphField):
			return p.callWithGraph(ctx, req, emit)
		}
	}
	return p.callPlain(ctx, req, emit)
}

// callPlain performs a method with what the REST API answers alone.
func (p *Provider) callPlain(ctx context.Context, req provider.Request, emit func(provider.Batch) error) (provider.Result, error) {
	res, m, err := lookup(p.services, req)
	if err != nil {
		return provider.Result{}, err
	}
	p.mu.RLock()
	cn := p.conn
	p.mu.RUnlock()
	c := &call{
		gh: cn.gh, policy: p.policy, logger: p.logger, concurrency: cn.concurrency, token: cn.token, pages: cn.pages,
		service: req.Service, res: res, m: m, params: req.Params, limit: req.Limit,
		emit: emit, stats: newCallStats(),
	}
	if c.params == nil {
		c.params = map[string]string{}
	}
	if err := checkParams(res, m, c.params); err != nil {
		return provider.Result{}, c.failure(err)
	}
	rows, err := res.layout(req.Columns, c.params)
	if err != nil {
		return provider.Result{}, c.failure(err)
	}
	c.rows = rows
	result, err := c.run(withStats(ctx, c.stats))
	result.Requests = c.stats.requests.Load()
	if err != nil {
		return result, c.failure(err)
	}
	return result, nil
}
