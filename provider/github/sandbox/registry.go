package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry serves the OCI distribution API for the sandbox's container
// packages, as ghcr.io does: /v2/ answers 401 with a Bearer challenge, the
// token endpoint trades the GitHub token (Basic auth, any user name) or
// nothing (public images) for a registry token, and manifests, blobs, tags
// and the referrers API (unless SetReferrersAPI turns it off) are served
// with the spec's headers. It is safe for concurrent use.
type Registry struct {
	token string // the GitHub token private images need; "" accepts any

	mu    sync.RWMutex
	repos map[string]*ImageRepo // by name, lower case
	// grants are the registry tokens handed out: true when they were issued
	// for the GitHub token, so private images may be read with them.
	grants map[string]bool

	down        atomic.Bool
	noReferrers atomic.Bool
	requests    atomic.Int64
	statsMu     sync.Mutex
	byKind      map[string]int
}

// Kinds of registry request, the keys of RegistryStats.
const (
	RegKindPing      = "ping"
	RegKindToken     = "token"
	RegKindManifest  = "manifest"
	RegKindBlob      = "blob"
	RegKindReferrers = "referrers"
	RegKindTags      = "tags"
)

// NewRegistry serves repos. token, when set, is the only GitHub token that
// reads private images.
func NewRegistry(token string, repos []*ImageRepo) *Registry {
	r := &Registry{token: token, repos: map[string]*ImageRepo{}, grants: map[string]bool{}, byKind: map[string]int{}}
	for _, repo := range repos {
		r.repos[strings.ToLower(repo.Name)] = repo
	}
	return r
}

// add serves one more repository; a name served already is a seed that
// gives two packages one image.
func (r *Registry) add(repo *ImageRepo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.repos[strings.ToLower(repo.Name)] != nil {
		panic("sandbox: two packages pushed to image " + repo.Name)
	}
	r.repos[strings.ToLower(repo.Name)] = repo
}

// SetReferrersAPI serves the referrers API (the default) or not: without
// it, /v2/<name>/referrers/<digest> answers 404, as the distribution spec
// has a registry without the API answer.
func (r *Registry) SetReferrersAPI(on bool) { r.noReferrers.Store(!on) }

// SetDown makes every request answer 503, as during an outage.
func (r *Registry) SetDown(down bool) { r.down.Store(down) }

// Stats returns how many requests of each kind the registry has answered.
func (r *Registry) Stats() map[string]int {
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	out := make(map[string]int, len(r.byKind))
	for k, v := range r.byKind {
		out[k] = v
	}
	return out
}

// ResetStats zeroes the counts.
func (r *Registry) ResetStats() {
	r.statsMu.Lock()
	r.byKind = map[string]int{}
	r.statsMu.Unlock()
}

func (r *Registry) count(kind string) {
	r.statsMu.Lock()
	r.byKind[kind]++
	r.statsMu.Unlock()
}

// Remove stops serving a manifest and its tags, as deleting its package
// version does on ghcr.io; Restore serves it again.
func (r *Registry) Remove(name, digest string) { r.setGone(name, digest, true) }

// Restore serves a removed manifest again, with its tags.
func (r *Registry) Restore(name, digest string) { r.setGone(name, digest, false) }

func (r *Registry) setGone(name, digest string, gone bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if repo := r.repos[strings.ToLower(name)]; repo != nil {
		for _, m := range repo.Manifests {
			if m.Digest == digest {
				m.gone = gone
			}
		}
	}
}

// IsRegistryPath reports whether a request path belongs to the registry
// rather than the REST API.
func IsRegistryPath(p string) bool {
	return p == "/v2" || strings.HasPrefix(p, "/v2/") || p == "/token"
}

func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.requests.Add(1)
	if r.down.Load() {
		registryError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "service unavailable")
		return
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		registryError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "the sandbox registry is read-only")
		return
	}
	p := req.URL.Path
	switch {
	case p == "/token":
		r.count(RegKindToken)
		r.serveToken(w, req)
		return
	case p == "/v2" || p == "/v2/":
		r.count(RegKindPing)
		if _, ok := r.grant(req); !ok {
			r.challenge(w, req, "")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.Write([]byte("{}"))
		return
	}
	rest := strings.TrimPrefix(p, "/v2/")
	var name, kind, ref string
	for _, sep := range []struct{ sep, kind string }{
		{"/manifests/", RegKindManifest}, {"/blobs/", RegKindBlob}, {"/referrers/", RegKindReferrers},
	} {
		if i := strings.LastIndex(rest, sep.sep); i > 0 {
			name, kind, ref = rest[:i], sep.kind, rest[i+len(sep.sep):]
			break
		}
	}
	if name == "" && strings.HasSuffix(rest, "/tags/list") {
		name, kind = strings.TrimSuffix(rest, "/tags/list"), RegKindTags
	}
	if name == "" {
		registryError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	}
	r.count(kind)
	authed, ok := r.grant(req)
	if !ok {
		r.challenge(w, req, name)
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	repo := r.repos[strings.ToLower(name)]
	if repo == nil || (repo.Private && !authed) {
		// ghcr.io does not tell a private image from a missing one.
		registryError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	}
	switch kind {
	case RegKindManifest:
		m := repo.find(ref)
		if m == nil {
			registryError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
			return
		}
		writeContent(w, req, m.MediaType, m.Digest, m.Body)
	case RegKindBlob:
		b, ok := repo.Blobs[ref]
		if !ok {
			registryError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry")
			return
		}
		writeContent(w, req, b.MediaType, ref, b.Body)
	case RegKindReferrers:
		if r.noReferrers.Load() {
			registryError(w, http.StatusNotFound, "NOT_FOUND", "page not found")
			return
		}
		r.serveReferrers(w, req, repo, ref)
	case RegKindTags:
		var tags []string
		for _, m := range repo.Manifests {
			if !m.gone {
				tags = append(tags, m.Tags...)
			}
		}
		slices.Sort(tags)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"name": repo.Name, "tags": tags})
	}
}

// serveReferrers answers GET /v2/<name>/referrers/<digest>: an image index of
// the descriptors of the manifests whose subject is digest, filtered by
// artifactType when asked, as the distribution spec describes.
func (r *Registry) serveReferrers(w http.ResponseWriter, req *http.Request, repo *ImageRepo, digest string) {
	if !strings.HasPrefix(digest, "sha256:") {
		registryError(w, http.StatusBadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content")
		return
	}
	want := req.URL.Query().Get("artifactType")
	type descriptor struct {
		MediaType    string            `json:"mediaType"`
		Digest       string            `json:"digest"`
		Size         int               `json:"size"`
		ArtifactType string            `json:"artifactType,omitempty"`
		Annotations  map[string]string `json:"annotations,omitempty"`
	}
	list := []descriptor{}
	for _, m := range repo.Manifests {
		if m.gone || m.Subject != digest || (want != "" && m.ArtifactType != want) {
			continue
		}
		list = append(list, descriptor{MediaType: m.MediaType, Digest: m.Digest, Size: len(m.Body), ArtifactType: m.ArtifactType, Annotations: m.Annotations})
	}
	body, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": list})
	if want != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if req.Method != http.MethodHead {
		w.Write(body)
	}
}

// serveToken is the token endpoint the challenge names. Basic auth carries
// the GitHub token as the password; without it, in a sandbox started with a
// token, the registry token reads public images only.
func (r *Registry) serveToken(w http.ResponseWriter, req *http.Request) {
	// Without a token of its own the sandbox reads everything for everyone,
	// as its REST API does.
	authed := r.token == ""
	if _, pass, ok := req.BasicAuth(); ok {
		if r.token != "" && pass != r.token {
			registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
			return
		}
		authed = authed || pass != ""
	}
	sum := sha256.Sum256([]byte(req.URL.RawQuery + "|" + strconv.FormatBool(authed) + "|" + strconv.FormatInt(r.requests.Load(), 10)))
	tok := "sbxreg_" + hex.EncodeToString(sum[:16])
	r.mu.Lock()
	r.grants[tok] = authed
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"token": tok, "access_token": tok, "expires_in": 300})
}

// grant reads the registry token a request carries: ok when it is one the
// token endpoint issued, authed when it was issued for the GitHub token.
func (r *Registry) grant(req *http.Request) (authed, ok bool) {
	scheme, tok, found := strings.Cut(req.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "bearer") {
		return false, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	authed, ok = r.grants[strings.TrimSpace(tok)]
	return authed, ok
}

func (r *Registry) challenge(w http.ResponseWriter, req *http.Request, name string) {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	c := `Bearer realm="` + baseURL(req) + `/token",service="` + host + `"`
	if name != "" {
		c += `,scope="repository:` + name + `:pull"`
	}
	w.Header().Set("WWW-Authenticate", c)
	registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
}

func writeContent(w http.ResponseWriter, req *http.Request, mediaType, digest string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Docker-Content-Digest", digest)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if req.Method != http.MethodHead {
		w.Write(body)
	}
}

// registryError writes the distribution spec's error body.
func registryError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": message}}})
}
