// Package sandbox serves a GitHub-compatible Packages REST API from memory.
//
// It answers the Packages endpoints the GitHub provider calls, for users,
// organizations and the authenticated user (/user): packages (list, get,
// delete, restore), their versions (list with state, get, delete, restore) and
// the Docker-migration conflicts, the way api.github.com documents them: the
// same JSON shapes, Link pagination, rate-limit headers, error bodies and
// rules (the 5,000-download limit, the last live version that cannot be
// deleted, the 30-day restore window, organization members who see private
// packages and admins who change them). The provider cannot tell it from
// GitHub, so it backs:
//
//   - `pkgql --sandbox`: in-process through Server.Transport, no token, no network;
//   - `pkgql sandbox --listen ADDR`: over HTTP through Listen;
//   - tests: with net/http/httptest and New, inspecting state with Package,
//     Stats and Log, and injecting failures with Options and SetFaults;
//   - cmd/pkgql-bench: with Latency and a large generated user.
//
// The data comes from UserSeed and OrgSeed values and is deterministic: the
// same Options always give the same packages, versions, IDs and timestamps
// (only a seeded version's deletion time follows the clock, so that the
// 30-day window holds).
package sandbox

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Server. The zero value is the demo sandbox.
type Options struct {
	Token   string        // if set, required as Bearer/token auth
	Scopes  []string      // if set, sent in X-OAuth-Scopes and enforced for delete/restore
	Latency time.Duration // added before every response (benchmarks)
	Users   []UserSeed    // nil → DefaultSeed()
	Orgs    []OrgSeed     // nil → DefaultOrgs() when Users is nil too, else none
	// Viewer is the login of the authenticated user (the token's owner, and
	// every request's when Token is empty): the /user routes are theirs, and
	// organization membership is checked for them. "" → octocat, or the first
	// seeded user. When Viewer is set, a user's packages can be changed only
	// by that user; when not, by anyone.
	Viewer string
	// FailRate is the fraction of requests answered 502 (a deterministic
	// PRNG from Seed draws for every request). A fault is transient, as
	// GitHub's are: one request (method, path and query) is answered 502
	// at most failRun times in failWindow, fewer than the tries a client
	// that retries gives it, however its retries interleave with other
	// clients' requests for the same URL.
	FailRate  float64
	Seed      int64            // PRNG seed for FailRate
	RateLimit int              // requests per token before 403 rate limit; 0 → 5000
	Now       func() time.Time // clock for delete/restore windows; nil → time.Now

	// ListWindow is the largest per_page×page a listing accepts; beyond it
	// GitHub answers 400, so no more than 10,000 packages of one type can be
	// listed. 0 → 10,000; negative → no limit, for benchmarks that list more.
	ListWindow int

	// NoReferrersAPI makes the registry one without the referrers API, as
	// ghcr.io is: /v2/<name>/referrers/<digest> answers 404, and each SBOM
	// is pushed with the referrers tag schema index a client then keeps
	// (tagged sha256-<hex of its subject>), as oras attach does.
	NoReferrersAPI bool
}

// Kinds of request, the keys of Stats.ByKind.
const (
	KindList    = "GET list"
	KindGet     = "GET package"
	KindDelete  = "DELETE"
	KindRestore = "POST restore"
	KindOther   = "other" // no such route: answered 404
	// KindRateLimit is GET /rate_limit, which costs no primary budget.
	KindRateLimit = "GET rate_limit"

	KindListVersions    = "GET versions"
	KindGetVersion      = "GET version"
	KindDeleteVersion   = "DELETE version"
	KindRestoreVersion  = "POST restore version"
	KindDockerConflicts = "GET docker conflicts"
)

// Stats count the requests a Server has seen since New or ResetStats.
type Stats struct {
	Total       int
	ByKind      map[string]int
	Mutations   int // deletes and restores that changed state
	MaxInFlight int // most requests being served at the same time
	// InFlight counts the requests that have arrived and are not in Total
	// yet (waiting, or being answered), so that Total+InFlight counts every
	// request that arrived.
	InFlight int
}

// Request is one entry of the request log.
type Request struct {
	Method string
	Path   string // escaped, as sent: container names show as %2F
	Query  string // raw query string
	Status int    // 499 if the client went away first, 444 if a fault reset the connection
	Time   time.Time
}

// statusClientClosed and statusNoResponse are nginx's codes for a client that
// gave up before the answer and for a connection closed without one; the log
// needs some status for requests that got no answer.
const (
	statusClientClosed = 499
	statusNoResponse   = 444
)

// Server is an in-memory GitHub Packages API. It is safe for concurrent use.
type Server struct {
	opts    Options
	now     func() time.Time
	window  int
	limiter *rateLimiter

	mu    sync.RWMutex
	users map[string]*user // by lower-case login: GitHub logins ignore case
	orgs  map[string]*user // organizations, the same way
	// registry serves the OCI distribution API for the container packages
	// seeded with push histories, at /v2/ and /token.
	registry *Registry
	viewer   string     // lower-case login of the authenticated user
	vmu      sync.Mutex // guards the lazy generation of versions

	failMu   sync.Mutex
	fail     prng
	failures map[string][]time.Time // by request: the 502s FailRate gave it in failWindow

	faultMu sync.Mutex
	faults  []*faultRule

	seq      atomic.Int64
	inFlight atomic.Int64
	peak     atomic.Int64

	statsMu sync.Mutex
	stats   Stats
	log     []Request
}

// New builds a Server and generates its users' packages. Package IDs are
// assigned from 1 in the order of opts.Users. It panics if a login is seeded
// twice, which is a mistake in the caller's Options.
func New(opts Options) *Server {
	s := &Server{
		opts:    opts,
		now:     opts.Now,
		window:  opts.ListWindow,
		limiter: newRateLimiter(opts.RateLimit),
		users:   map[string]*user{},
		orgs:    map[string]*user{},
		fail:    prng{state: uint64(opts.Seed)},
		stats:   Stats{ByKind: map[string]int{}},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.window == 0 {
		s.window = 10_000
	}
	seeds := opts.Users
	if seeds == nil {
		seeds = DefaultSeed()
	}
	nextID := int64(1)
	for _, seed := range seeds {
		key := strings.ToLower(seed.Login)
		if _, dup := s.users[key]; dup {
			panic(fmt.Sprintf("sandbox: user %q is seeded twice", seed.Login))
		}
		if seed.ID == 0 {
			seed.ID = int64(hashString(key)%100_000_000) + 1
		}
		s.users[key] = newUser(seed.Login, seed.ID, generate(seed, nextID))
		nextID += int64(seed.Packages + len(seed.Extra))
	}
	var images []*ImageRepo
	orgs := opts.Orgs
	if orgs == nil && opts.Users == nil {
		orgs = DefaultOrgs()
	}
	for _, seed := range orgs {
		key := strings.ToLower(seed.Login)
		if _, dup := s.users[key]; dup {
			panic(fmt.Sprintf("sandbox: login %q is seeded as a user and an organization", seed.Login))
		}
		if _, dup := s.orgs[key]; dup {
			panic(fmt.Sprintf("sandbox: organization %q is seeded twice", seed.Login))
		}
		if seed.ID == 0 {
			seed.ID = int64(hashString(key)%100_000_000) + 1
		}
		pkgs := generate(UserSeed{Login: seed.Login, ID: seed.ID, Packages: seed.Packages}, nextID)
		nextID += int64(seed.Packages)
		if seed.Images {
			for _, repo := range ImageRepos(seed.Login, !opts.NoReferrersAPI) {
				pkgs = append(pkgs, imagePackage(repo, seed.Login, nextID))
				images = append(images, repo)
				nextID++
			}
		}
		for _, lp := range seed.Large {
			if slices.ContainsFunc(pkgs, func(p *Package) bool { return p.PackageType == "npm" && p.Name == lp.Name }) {
				panic(fmt.Sprintf("sandbox: organization %q has two npm packages %q", seed.Login, lp.Name))
			}
			pkgs = append(pkgs, largePackage(lp, nextID))
			nextID++
		}
		o := newUser(seed.Login, seed.ID, pkgs)
		o.org = true
		o.members, o.admins = map[string]bool{}, map[string]bool{}
		for _, m := range seed.Members {
			o.members[strings.ToLower(m)] = true
		}
		for _, a := range seed.Admins {
			o.members[strings.ToLower(a)] = true
			o.admins[strings.ToLower(a)] = true
		}
		s.orgs[key] = o
	}
	s.registry = NewRegistry(opts.Token, images)
	s.registry.SetReferrersAPI(!opts.NoReferrersAPI)
	s.viewer = strings.ToLower(opts.Viewer)
	if s.viewer == "" {
		s.viewer = "octocat"
		if _, ok := s.users["octocat"]; !ok && len(seeds) > 0 {
			s.viewer = strings.ToLower(seeds[0].Login)
		}
	}
	return s
}

// Listen binds addr for `pkgql sandbox --listen`. The caller starts serving
// with srv.Serve(ln) and owns shutdown; ln.Addr() tells the port when addr
// asked for port 0. The sandbox itself is srv.Handler.(*Server).
func Listen(addr string, opts Options) (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	return &http.Server{Handler: New(opts), ReadHeaderTimeout: 10 * time.Second}, ln, nil
}

// Transport serves requests in-process, for `pkgql --sandbox`: a GitHub client
// given this transport needs no listener and no network, and the URLs in
// responses use whatever base URL the client was configured with.
func (s *Server) Transport() http.RoundTripper { return transport{s} }

type transport struct{ s *Server }

func (t transport) RoundTrip(r *http.Request) (res *http.Response, err error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	defer func() {
		// A fault's Reset aborts the response: there is no connection to drop.
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			res, err = nil, errDropped
		}
	}()
	rec := httptest.NewRecorder()
	t.s.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	res = rec.Result()
	res.Request = r
	return res, nil
}

// Registry is the sandbox's container registry, served at /v2/ beside the
// REST API.
func (s *Server) Registry() *Registry { return s.registry }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if IsRegistryPath(r.URL.Path) {
		s.registry.ServeHTTP(w, r)
		return
	}
	s.enter()
	defer s.inFlight.Add(-1)
	arrived := s.now()
	seq := s.seq.Add(1)
	s.statsMu.Lock()
	s.stats.InFlight++
	s.statsMu.Unlock()

	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Github-Request-Id", requestID(seq))
	version := r.Header.Get("X-GitHub-Api-Version")
	if version == "" {
		version = "2022-11-28"
	}
	h.Set("X-Github-Api-Version-Selected", version)
	if s.opts.Scopes != nil {
		h.Set("X-Oauth-Scopes", strings.Join(s.opts.Scopes, ", "))
	}

	rt := parseRoute(r)
	res := s.serve(r, rt, h)
	if res.link != "" {
		h.Set("Link", res.link)
	}
	for k, v := range res.header {
		h[k] = v
	}
	req := Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Status: res.status, Time: arrived}
	changed := res.status == http.StatusNoContent || res.applied == http.StatusNoContent
	switch {
	case res.reset:
		req.Status = statusNoResponse
		s.record(rt.kind, req, changed)
		dropConn(w)
		return
	case res.stall && res.status == 0:
		<-r.Context().Done()
		req.Status = statusClientClosed
		s.record(rt.kind, req, changed)
		return
	}
	// Recorded before the answer goes out, so a client that has its answer
	// always finds the request in Stats and Log.
	s.record(rt.kind, req, changed)
	w.WriteHeader(res.status)
	if res.body != nil {
		w.Write(res.body)
	}
	if res.stall {
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}
}

// serve runs a request through what stands in front of the handlers: a fault
// rule's wait, the rate limit, so that every answer carries its headers, a
// fault rule's answer, the injected 502s, then credentials.
func (s *Server) serve(r *http.Request, rt route, h http.Header) response {
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return response{status: statusClientClosed}
		}
	}
	f := s.fault(r)
	if f == nil {
		return s.handle(r, rt, h)
	}
	if !f.wait(r) {
		return response{status: statusClientClosed}
	}
	if f.replaces() && !f.Applied {
		s.rate(r, h)
		return f.apply(response{})
	}
	return f.apply(s.handle(r, rt, h))
}

// rate spends a request of its client's budget and sets the rate-limit
// headers. GET /rate_limit spends nothing, as GitHub documents.
func (s *Server) rate(r *http.Request, h http.Header) rate {
	token := credentials(r)
	client := "ip:" + remoteIP(r)
	if token != "" {
		client = "token:" + token
	}
	var rl rate
	if isRateLimitRequest(r) {
		rl = s.limiter.peek(client, s.now())
	} else {
		rl = s.limiter.take(client, s.now())
	}
	rl.setHeaders(h)
	return rl
}

func isRateLimitRequest(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == rateLimitPath
}

// handle answers a request as GitHub would.
func (s *Server) handle(r *http.Request, rt route, h http.Header) response {
	token := credentials(r)
	ip := remoteIP(r)
	rl := s.rate(r, h)
	if isRateLimitRequest(r) {
		if s.opts.Token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) != 1 {
			return errorResponse(http.StatusUnauthorized, "Bad credentials", docsREST)
		}
		rec := httptest.NewRecorder()
		writeRateLimits(rec, rl.limit, rl.remaining, rl.reset)
		return response{status: rec.Code, body: rec.Body.Bytes()}
	}
	if rl.exceeded {
		return errorResponse(http.StatusForbidden, rateLimitMessage(token, ip), docsRateLimit)
	}
	if s.failing(r) {
		return errorResponse(http.StatusBadGateway, "Server Error", docsREST)
	}
	if s.opts.Token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) != 1 {
		return errorResponse(http.StatusUnauthorized, "Bad credentials", docsREST)
	}

	switch rt.kind {
	case KindList:
		return s.listPackages(r, rt)
	case KindGet:
		return s.getPackage(r, rt)
	case KindDelete:
		if !s.hasScope("delete:packages") {
			return errorResponse(http.StatusForbidden, "You need at least delete:packages scope to delete packages.", docsDelete)
		}
		return s.deletePackage(rt)
	case KindRestore:
		if !s.hasScope("write:packages") {
			return errorResponse(http.StatusForbidden, "You need at least write:packages scope to restore packages.", docsRestore)
		}
		return s.restorePackage(rt)
	case KindListVersions:
		return s.listVersions(r, rt)
	case KindDockerConflicts:
		return s.dockerConflicts(r, rt)
	case KindGetVersion:
		return s.getVersion(r, rt)
	case KindDeleteVersion:
		if !s.hasScope("delete:packages") {
			return errorResponse(http.StatusForbidden, "You need at least delete:packages scope to delete package versions.", docsVersions)
		}
		return s.deleteVersion(rt)
	case KindRestoreVersion:
		if !s.hasScope("write:packages") {
			return errorResponse(http.StatusForbidden, "You need at least write:packages scope to restore package versions.", docsVersions)
		}
		return s.restoreVersion(rt)
	}
	return errorResponse(http.StatusNotFound, "Not Found", docsREST)
}

const (
	docsREST      = "https://docs.github.com/rest"
	docsRateLimit = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
	docsPackages  = "https://docs.github.com/rest/packages/packages"
	docsList      = docsPackages + "#list-packages-for-a-user"
	docsGet       = docsPackages + "#get-a-package-for-a-user"
	docsDelete    = docsPackages + "#delete-a-package-for-a-user"
	docsRestore   = docsPackages + "#restore-a-package-for-a-user"
	docsVersions  = docsPackages + "#list-package-versions-for-a-package-owned-by-a-user"
)

// route is what the escaped path names. The path is split before unescaping
// so that a container name sent as owner%2Fimage stays one segment.
type route struct {
	kind                string
	ns                  string // "users", "orgs" or "user" (the authenticated user's)
	username, typ, name string // username is the owner's login, "" for /user
	version             int64
}

func parseRoute(r *http.Request) route {
	seg := strings.Split(r.URL.EscapedPath(), "/")
	for i, v := range seg {
		u, err := url.PathUnescape(v)
		if err != nil {
			return route{kind: KindOther}
		}
		seg[i] = u
	}
	if isRateLimitRequest(r) {
		return route{kind: KindRateLimit}
	}
	if len(seg) < 3 || seg[0] != "" {
		return route{kind: KindOther}
	}
	rt := route{kind: KindOther, ns: seg[1]}
	var rest []string
	switch {
	case seg[1] == "user" && seg[2] == "docker" && len(seg) == 4 && seg[3] == "conflicts" && r.Method == http.MethodGet,
		(seg[1] == "users" || seg[1] == "orgs") && len(seg) == 5 && seg[3] == "docker" && seg[4] == "conflicts" && r.Method == http.MethodGet:
		if seg[1] != "user" {
			rt.username = seg[2]
		}
		rt.kind = KindDockerConflicts
		return rt
	case seg[1] == "user" && seg[2] == "packages":
		rest = seg[3:]
	case (seg[1] == "users" || seg[1] == "orgs") && len(seg) >= 4 && seg[3] == "packages":
		rt.username, rest = seg[2], seg[4:]
	default:
		return rt
	}
	if len(rest) >= 2 {
		rt.typ, rt.name = rest[0], rest[1]
	}
	if len(rest) >= 4 && rest[2] == "versions" {
		id, err := strconv.ParseInt(rest[3], 10, 64)
		if err != nil {
			return rt
		}
		rt.version = id
	}
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		rt.kind = KindList
	case len(rest) == 2 && r.Method == http.MethodGet:
		rt.kind = KindGet
	case len(rest) == 2 && r.Method == http.MethodDelete:
		rt.kind = KindDelete
	case len(rest) == 3 && rest[2] == "restore" && r.Method == http.MethodPost:
		rt.kind = KindRestore
	case len(rest) == 3 && rest[2] == "versions" && r.Method == http.MethodGet:
		rt.kind = KindListVersions
	case len(rest) == 4 && rt.version > 0 && r.Method == http.MethodGet:
		rt.kind = KindGetVersion
	case len(rest) == 4 && rt.version > 0 && r.Method == http.MethodDelete:
		rt.kind = KindDeleteVersion
	case len(rest) == 5 && rt.version > 0 && rest[4] == "restore" && r.Method == http.MethodPost:
		rt.kind = KindRestoreVersion
	}
	return rt
}

// credentials returns the token of an "Authorization: Bearer|token <token>"
// header, the two forms GitHub accepts for tokens.
func credentials(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !(strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token")) {
		return ""
	}
	return strings.TrimSpace(token)
}

func remoteIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func (s *Server) hasScope(scope string) bool {
	if s.opts.Scopes == nil {
		return true
	}
	for _, have := range s.opts.Scopes {
		if have == scope {
			return true
		}
	}
	return false
}

// failRun and failWindow bound FailRate's faults of one request: pkgql tries
// a request 4 times within a few seconds.
const (
	failRun    = 3
	failWindow = 30 * time.Second
)

// failing draws the next number of the FailRate sequence, so the n-th request
// to get this far fails the same way in every run with the same Seed, unless
// r has had failRun faults in failWindow already.
func (s *Server) failing(r *http.Request) bool {
	if s.opts.FailRate <= 0 {
		return false
	}
	s.failMu.Lock()
	defer s.failMu.Unlock()
	if s.fail.float64() >= s.opts.FailRate {
		return false
	}
	key := r.Method + " " + r.URL.RequestURI()
	now := time.Now()
	recent := slices.DeleteFunc(s.failures[key], func(t time.Time) bool { return now.Sub(t) >= failWindow })
	if len(recent) >= failRun {
		s.failures[key] = recent
		return false
	}
	if s.failures == nil {
		s.failures = map[string][]time.Time{}
	}
	s.failures[key] = append(recent, now)
	return true
}

// requestID looks like GitHub's X-GitHub-Request-Id and is unique per request.
func requestID(seq int64) string {
	r := prng{state: uint64(seq)}
	x := r.next()
	return fmt.Sprintf("%04X:%05X:%06X:%06X:%08X", x>>48, (x>>28)&0xFFFFF, (x>>4)&0xFFFFFF, seq&0xFFFFFF, uint32(x))
}

func (s *Server) enter() {
	n := s.inFlight.Add(1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// record counts req; changed tells whether it changed state, which a fault
// may have answered otherwise.
func (s *Server) record(kind string, req Request, changed bool) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.stats.Total++
	s.stats.InFlight--
	s.stats.ByKind[kind]++
	if (kind == KindDelete || kind == KindRestore || kind == KindDeleteVersion || kind == KindRestoreVersion) && changed {
		s.stats.Mutations++
	}
	s.log = append(s.log, req)
}

// Stats returns the counts since New or the last ResetStats.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	st := s.stats
	st.ByKind = make(map[string]int, len(s.stats.ByKind))
	for k, v := range s.stats.ByKind {
		st.ByKind[k] = v
	}
	st.MaxInFlight = int(s.peak.Load())
	return st
}

// Log returns every request seen since New or the last ResetStats, in the
// order they finished.
func (s *Server) Log() []Request {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return append([]Request(nil), s.log...)
}

// ResetStats clears Stats and Log; packages and rate-limit budgets stay.
func (s *Server) ResetStats() {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.stats = Stats{ByKind: map[string]int{}, InFlight: s.stats.InFlight}
	s.log = nil
	s.peak.Store(s.inFlight.Load())
}
