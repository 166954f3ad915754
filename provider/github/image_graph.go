package github

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/registry"
	"github.com/pkgql/pkgql/schema"
)

// The image graph columns of package_versions are read from the container
// registry, never from the REST API: only when a statement names one, and
// only for container packages. The whole package's versions are needed to
// know a version's parents or whether it is in use, so a call that reads one
// version still lists them all.

// What the graph costs, one cost a line, as EXPLAIN sums them: bounds,
// since only the listing tells how many versions a package has. GitHub
// lists at most 10,000 (100 pages of 100), the bound of each count.
const (
	readsManifests = "registry (--registry-url), container packages only: up to 10,000 manifest reads " +
		"(one per version listed; none for one read before), a challenge and a token request"
	readsConfigs   = "up to 10,000 config reads (one per image no index describes)"
	readsReferrers = "up to 10,000 referrers requests (one per version a tag needs; one in all without the referrers API, as on ghcr.io)"
	graphReads     = readsManifests
	platformReads  = readsManifests + "\n" + readsConfigs
	inUseReads     = readsManifests + "\n" + readsReferrers
	// guardReads is what the check before a container-version DELETE
	// reads: the package's versions listed again, then its graph, mostly
	// as the statement's SELECT left it.
	guardReads = "for container packages, the versions listed again (up to 100 requests)\n" +
		"registry: up to 10,000 manifest reads (none for one read before)\n" +
		"up to 10,000 referrers requests (none for one asked in the last minute; one in all without the referrers API)"
)

// graphFields are the columns computed from the registry.
var graphFields = []field{
	{Field: schema.Field{Name: "media_type", Type: schema.String, Reads: graphReads,
		Description: "Container versions: the manifest's media type (OCI index or manifest, Docker v2 manifest list or manifest), read from the registry."}},
	{Field: schema.Field{Name: "platform", Type: schema.String, Reads: platformReads,
		Description: "Container versions: the platform of an image manifest (linux/arm64, linux/arm/v7); null for an index, an attestation, a signature or a referrer."}},
	{Field: schema.Field{Name: "children", Type: schema.Object, Reads: graphReads,
		Description: "Container versions: the digests an index references (attestation manifests included), as a JSON array; [] for a manifest."}},
	{Field: schema.Field{Name: "parents", Type: schema.Object, Reads: graphReads,
		Description: "Container versions: the digests of the indexes of the same package that reference this version, as a JSON array."}},
	{Field: schema.Field{Name: "signs", Type: schema.String, Reads: inUseReads,
		Description: "Container versions: for a signature, attestation or referrer (cosign sha256-<hex>.sig/.att/.sbom tags, buildx attestation manifests, an OCI subject, the referrers API where the registry serves it, the referrers tag schema's sha256-<hex> index), the digest it belongs to; else null."}},
	{Field: schema.Field{Name: "in_use", Type: schema.Boolean, Reads: inUseReads,
		Description: "Container versions: true when the version is tagged, or is reachable from a version with an image tag through children, attestations, signatures or referrers. " +
			"Untagged and not in_use is exactly the garbage. A signature whose image is gone keeps its cosign tag (sha256-….sig) and so stays in_use: find it by signs instead."}},
}

func isGraphField(name string) bool {
	return slices.ContainsFunc(graphFields, func(f field) bool { return f.Name == name })
}

// imageName is the image a container package is pulled as: owner/package.
// The authenticated user's login is asked of GET /user, once per call.
func (p *Provider) imageName(ctx context.Context, params map[string]string) (string, error) {
	owner := params["org"]
	if owner == "" {
		owner = params["username"]
	}
	if owner == "" {
		p.mu.RLock()
		gh := p.conn.gh
		p.mu.RUnlock()
		u, _, err := gh.Users.Get(ctx, "")
		if err != nil || u.GetLogin() == "" {
			return "", &provider.Error{Kind: provider.KindAuth, Resource: "github.packages.package_versions",
				Message: "the image graph needs the owner's name, and GET /user did not tell it",
				Hint:    "bind username = 'your-login' (or org)"}
		}
		owner = u.GetLogin()
	}
	return strings.ToLower(owner + "/" + params["package_name"]), nil
}

// packageGraph lists a container package's versions and reads the graph of
// them from the registry. Any failure fails it: a graph on part of the
// manifests would call needed versions garbage.
func (p *Provider) packageGraph(ctx context.Context, service string, params map[string]string, need registry.Need, gp *graphProgress) (*registry.Graph, int64, error) {
	list := provider.Request{Service: service, Resource: "package_versions", Columns: []string{"id", "name", "tags"}, Params: map[string]string{}}
	for _, k := range []string{"org", "username", "package_type", "package_name"} {
		if v, ok := params[k]; ok {
			list.Params[k] = v
		}
	}
	switch {
	case params["org"] != "":
		list.Method = "get_all_package_versions_for_package_owned_by_org"
	case params["username"] != "":
		list.Method = "get_all_package_versions_for_package_owned_by_user"
	default:
		list.Method = "get_all_package_versions_for_package_owned_by_authenticated_user"
	}
	var versions []registry.Version
	res, err := p.Call(ctx, list, func(b provider.Batch) error {
		for _, row := range b.Rows {
			versions = append(versions, versionOf(row))
		}
		return nil
	})
	gp.api.Add(res.Requests)
	if err != nil {
		return nil, res.Requests, err
	}
	g, err := p.readGraph(ctx, params, versions, need, gp.tally)
	return g, res.Requests, err
}

// readGraph reads the graph of a package's versions from the registry.
func (p *Provider) readGraph(ctx context.Context, params map[string]string, versions []registry.Version, need registry.Need, tally *registry.Tally) (*registry.Graph, error) {
	image, err := p.imageName(ctx, params)
	if err != nil {
		return nil, err
	}
	p.mu.RLock()
	reg := p.conn.registry
	p.mu.RUnlock()
	g, err := reg.ReadGraph(ctx, image, versions, need, tally)
	if err != nil {
		return nil, registryError(reg, image, err)
	}
	return g, nil
}

// needOf is what of the graph the columns read: referrers only for what
// they can keep in use.
func needOf(cols []string) registry.Need {
	return registry.Need{Platforms: slices.Contains(cols, "platform"), Referrers: slices.Contains(cols, "in_use") || slices.Contains(cols, "signs")}
}

// graphProgress reports a call's registry requests on the progress line as
// they are sent, at most every progressEvery, with the rows the call has
// found and the REST requests it has made (api).
type graphProgress struct {
	tally *registry.Tally
	api   atomic.Int64
}

func newGraphProgress(emit func(provider.Batch) error, rows, api int64) *graphProgress {
	gp := &graphProgress{}
	gp.api.Store(api)
	var mu sync.Mutex
	var last time.Time
	gp.tally = &registry.Tally{OnRequest: func(r registry.Reads) {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); now.Sub(last) >= progressEvery {
			last = now
			// A progress report carries no rows; the host's answer to it
			// is the call's own concern only when rows are sent.
			_ = emit(provider.Batch{Progress: &provider.Progress{Rows: rows, Requests: gp.api.Load() + r.Requests, RegistryRequests: r.Requests, RateLimitRemaining: -1}})
		}
	}}
	return gp
}

// progressEvery spaces the registry's progress reports: a package of
// thousands of versions would otherwise send one message per request.
const progressEvery = 50 * time.Millisecond

func registryError(reg *registry.Client, image string, err error) error {
	return &provider.Error{Kind: provider.KindAPI, Resource: "github.packages.package_versions",
		Message: "the container registry " + reg.Host() + " could not be read for " + image + ": " + err.Error(),
		Hint:    "the image graph needs every manifest of the package; check --registry-url and that the token has read:packages"}
}

// callWithGraph runs a versions SELECT that reads graph columns: the call
// itself, then the graph, then each row's graph columns filled in.
func (p *Provider) callWithGraph(ctx context.Context, req provider.Request, emit func(provider.Batch) error) (provider.Result, error) {
	if req.Params["package_type"] != "container" {
		return p.callPlain(ctx, req, emit)
	}
	cols := req.Columns
	inner := req
	inner.Columns = append(slices.Clone(cols), "id", "name", "tags")
	inner.Limit = 0
	var rows [][]any
	res, err := p.callPlain(ctx, inner, func(b provider.Batch) error {
		rows = append(rows, b.Rows...)
		return nil
	})
	if err != nil {
		return res, err
	}
	var g *registry.Graph
	gp := newGraphProgress(emit, int64(len(rows)), res.Requests)
	if _, m, _ := lookup(p.services, req); m != nil && !m.Unique && req.Params["state"] != "deleted" {
		// The listing is the package's live versions: the graph's input.
		versions := make([]registry.Version, len(rows))
		for i, row := range rows {
			versions[i] = versionOf(row[len(cols):])
		}
		g, err = p.readGraph(ctx, req.Params, versions, needOf(cols), gp.tally)
	} else {
		var listed int64
		g, listed, err = p.packageGraph(ctx, req.Service, req.Params, needOf(cols), gp)
		res.Requests += listed
	}
	reads := gp.tally.Reads()
	res.Requests += reads.Requests
	if err != nil {
		return res, err
	}
	byID := map[int64]*registry.Node{}
	for _, n := range g.Nodes {
		byID[n.ID] = n
	}
	if req.Limit > 0 && int64(len(rows)) > req.Limit {
		rows = rows[:req.Limit]
	}
	for i, row := range rows {
		id, _ := row[len(cols)].(int64)
		n := byID[id]
		for c, name := range cols {
			if isGraphField(name) {
				row[c] = graphValue(n, name)
			}
		}
		rows[i] = row[:len(cols)]
	}
	err = emit(provider.Batch{Rows: rows, Progress: &provider.Progress{Rows: int64(len(rows)), Requests: res.Requests, RegistryRequests: reads.Requests, RateLimitRemaining: -1}})
	return res, err
}

func graphValue(n *registry.Node, name string) any {
	if n == nil {
		return nil // listed after the graph was read
	}
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	arr := func(s []string) any {
		if s == nil {
			s = []string{}
		}
		b, _ := json.Marshal(s)
		return provider.JSON(b)
	}
	switch name {
	case "media_type":
		return str(n.MediaType)
	case "platform":
		return str(n.Platform)
	case "children":
		return arr(n.Children)
	case "parents":
		return arr(n.Parents)
	case "signs":
		return str(n.Signs)
	case "in_use":
		return n.InUse
	}
	return nil
}

// check answers a Check call of a version DELETE: the keys are grouped by
// package, each container package's graph is read once, and each key gets
// nil or the reason it must stay. Other package types have no graph.
func (p *Provider) check(ctx context.Context, req provider.Request, emit func(provider.Batch) error) (provider.Result, error) {
	type pkg struct {
		params map[string]string
		ids    map[int64]bool
	}
	groups := map[string]*pkg{}
	var order []string
	for _, k := range req.Keys {
		if k["package_type"] != "container" {
			continue
		}
		g := k["org"] + "\x00" + k["username"] + "\x00" + k["package_name"]
		if groups[g] == nil {
			groups[g] = &pkg{params: k, ids: map[int64]bool{}}
			order = append(order, g)
		}
		id, err := strconv.ParseInt(k["package_version_id"], 10, 64)
		if err == nil {
			groups[g].ids[id] = true
		}
	}
	var result provider.Result
	refused := map[string]map[int64]string{}
	gp := newGraphProgress(emit, 0, 0)
	for _, key := range order {
		g, listed, err := p.packageGraph(ctx, req.Service, groups[key].params, registry.Need{Referrers: true}, gp)
		result.Requests += listed
		if err != nil {
			result.Requests += gp.tally.Reads().Requests
			return result, err
		}
		refused[key] = g.Check(groups[key].ids)
	}
	reads := gp.tally.Reads()
	result.Requests += reads.Requests
	rows := make([][]any, len(req.Keys))
	for i, k := range req.Keys {
		rows[i] = []any{nil}
		id, _ := strconv.ParseInt(k["package_version_id"], 10, 64)
		if r, ok := refused[k["org"]+"\x00"+k["username"]+"\x00"+k["package_name"]][id]; ok && k["package_type"] == "container" {
			rows[i][0] = r
		}
	}
	return result, emit(provider.Batch{Rows: rows, Progress: &provider.Progress{Rows: int64(len(rows)), Requests: result.Requests, RegistryRequests: reads.Requests, RateLimitRemaining: -1}})
}

// versionOf reads a row of id, name and tags.
func versionOf(row []any) registry.Version {
	v := registry.Version{}
	v.ID, _ = row[0].(int64)
	v.Digest, _ = row[1].(string)
	if t, ok := row[2].(provider.JSON); ok {
		json.Unmarshal(t, &v.Tags)
	}
	return v
}
