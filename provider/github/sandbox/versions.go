package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OrgSeed describes an organization to generate: its packages as a
// UserSeed's, and who belongs to it. Admins are members too.
type OrgSeed struct {
	Login    string
	ID       int64 // 0 → derived from Login
	Packages int
	Members  []string
	Admins   []string
	// Images adds the container packages of ImageRepos(Login), whose
	// versions are the manifests the sandbox registry serves.
	Images bool
	// Large adds, after the others, packages of as many versions as a
	// cleanup deletes at once. None is in the default seed.
	Large []LargePackage
}

// LargePackage is a private npm package that nobody downloaded, so that
// every live version but the last can be deleted. Like every generated
// package it also holds a quarter as many deleted versions.
type LargePackage struct {
	Name     string
	Versions int // live ones, 2 to MaxLargeVersions
}

// MaxLargeVersions is the most live versions a LargePackage holds: version
// IDs are the package's ID × 1000 + 1 on, deleted versions included, and
// must stay clear of the next package's.
const MaxLargeVersions = 799

func largePackage(lp LargePackage, id int64) *Package {
	if lp.Versions < 2 || lp.Versions > MaxLargeVersions {
		panic(fmt.Sprintf("sandbox: package %q: %d versions, want 2 to %d", lp.Name, lp.Versions, MaxLargeVersions))
	}
	return &Package{ID: id, Name: lp.Name, PackageType: "npm", Visibility: "private", VersionCount: lp.Versions,
		CreatedAt: seedStart, UpdatedAt: seedEnd}
}

// DefaultOrgs are the demo's organizations: acme, where octocat is an admin,
// initech, where octocat is not a member (it sees public packages only and
// changes nothing), shipyard with its images, and bigcorp, large enough that
// its listings take several pages (and show the progress line). bigcorp comes
// last so that the others' package and version IDs stay as they were.
func DefaultOrgs() []OrgSeed {
	return []OrgSeed{
		{Login: "acme", ID: 9919, Packages: 40, Admins: []string{"octocat"}, Members: []string{"monalisa"}},
		{Login: "initech", ID: 4242, Packages: 20, Admins: []string{"hubot"}},
		{Login: "shipyard", ID: 7301, Admins: []string{"octocat"}, Images: true},
		{Login: "bigcorp", ID: 6100, Packages: 1600, Admins: []string{"octocat"}},
	}
}

// Version is one version of a package. A package's live versions number its
// VersionCount; deleted ones are kept, and listed with state=deleted.
type Version struct {
	ID          int64
	Name        string // a version number, or a container image's digest
	Tags        []string
	Downloads   int
	License     string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Deleted     bool
	DeletedAt   time.Time
}

// msgLastVersion is GitHub's answer to deleting a package's last live version.
const msgLastVersion = "You cannot delete the last version of a package. You must delete the package instead."

// msgVersionDownloads is GitHub's answer to deleting a popular public version.
const msgVersionDownloads = "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance."

const msgState = "Invalid argument. state must be one of: active, deleted."

// versionsOf returns p's versions, oldest first, generating them on first use
// so that a large seeded user costs nothing until its versions are read.
// Version IDs are p.ID×1000 + n.
func (s *Server) versionsOf(p *Package) []*Version {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	if p.versions != nil {
		return *p.versions
	}
	rng := prng{state: uint64(p.ID)*0x9e3779b97f4a7c15 ^ hashString(p.Name)}
	deleted := p.VersionCount / 4
	n := p.VersionCount + deleted
	vs := make([]*Version, 0, n)
	span := max(p.UpdatedAt.Sub(p.CreatedAt), time.Hour)
	now := s.now()
	for i := range n {
		v := &Version{ID: p.ID*1000 + int64(i) + 1}
		v.CreatedAt = p.CreatedAt.Add(span * time.Duration(i) / time.Duration(max(n, 1)))
		v.UpdatedAt = v.CreatedAt.Add(time.Duration(rng.intn(3600)) * time.Second)
		if p.PackageType != "docker" && p.PackageType != "container" {
			v.Name = "1." + strconv.Itoa(i/10) + "." + strconv.Itoa(i%10)
		}
		// Every third version is deleted until the deleted ones are placed,
		// the oldest first; the deletions are spread over the last 40 days,
		// so some can still be restored and some cannot.
		if deleted > 0 && i%3 == 1 {
			v.Deleted, v.DeletedAt = true, now.Add(-time.Duration(1+rng.intn(40))*24*time.Hour)
			deleted--
		}
		v.Downloads = rng.intn(max(p.Downloads/max(n, 1), 1) + 1)
		vs = append(vs, v)
	}
	// Whatever is left of the deleted count is not placed: the live ones are
	// exactly VersionCount.
	for i := len(vs) - 1; i >= 0 && deleted > 0; i-- {
		if !vs[i].Deleted {
			vs[i].Deleted, vs[i].DeletedAt = true, now.Add(-time.Duration(1+rng.intn(40))*24*time.Hour)
			deleted--
		}
	}
	live := 0
	for _, v := range vs {
		if !v.Deleted {
			live++
		}
	}
	for live > p.VersionCount {
		for _, v := range vs {
			if !v.Deleted {
				v.Deleted, v.DeletedAt = true, now.Add(-48*time.Hour)
				live--
				break
			}
		}
	}
	// The oldest live version carries most of the downloads, as a first
	// release does; the newest live one is tagged latest.
	tagged := 0
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		if v.Deleted {
			continue
		}
		if p.PackageType == "container" || p.PackageType == "docker" {
			switch {
			case tagged == 0:
				v.Tags = []string{"latest", "v" + strconv.Itoa(i)}
			case i%3 == 0:
				v.Tags = []string{"v" + strconv.Itoa(i)}
			}
		}
		tagged++
	}
	for _, v := range vs {
		if !v.Deleted {
			v.Downloads = max(v.Downloads, p.Downloads-v.Downloads*(n-1))
			break
		}
	}
	if p.Repository != nil {
		for _, v := range vs {
			v.License, v.Description = "MIT", p.Repository.Description
		}
	}
	if (p.PackageType == "container" || p.PackageType == "docker") && p.image == nil {
		s.pushImages(p, vs)
	}
	p.versions = &vs
	return vs
}

// pushImages gives a container or docker package without a push history of
// its own one single-platform image per version, so that every version's
// name is the digest of a manifest the registry serves with the version's
// tags: a client reading the image graph never meets a version the registry
// does not know. A container package's images are OCI ones at
// owner/package, as ghcr.io serves them; a docker package's are Docker v2
// ones (docker push to docker.pkg.github.com) at owner/repository/package,
// that registry's path.
func (s *Server) pushImages(p *Package, vs []*Version) {
	docker := p.PackageType == "docker"
	name := p.owner + "/" + p.Name
	if docker && p.Repository != nil {
		name = p.owner + "/" + p.Repository.Name + "/" + p.Name
	}
	pu := newPusher(name, p.Visibility != "public", p.CreatedAt)
	for _, v := range vs {
		m := pu.image(docker, "linux/amd64", v.Tags...)
		m.CreatedAt, m.gone = v.CreatedAt, v.Deleted
		v.Name = m.Digest
	}
	p.image = pu.repo
	s.registry.add(pu.repo)
}

// findPackage is the package a route names, visible to the authenticated
// user and live, or the error response.
func (s *Server) findPackage(rt route, docs string) (*user, *Package, *response) {
	u, t, fail := s.find(rt, docs)
	if fail != nil {
		return nil, nil, fail
	}
	p := t.byName[rt.name]
	if p == nil || p.Deleted || !s.canSee(u, p) {
		res := errorResponse(http.StatusNotFound, "Not Found", docs)
		return nil, nil, &res
	}
	return u, p, nil
}

// listVersions answers GET …/packages/{type}/{name}/versions, newest first
// as GitHub lists them, with state=active (the default) or deleted.
func (s *Server) listVersions(r *http.Request, rt route) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, p, fail := s.findPackage(rt, docsVersions)
	if fail != nil {
		return *fail
	}
	q := r.URL.Query()
	deleted := false
	switch q.Get("state") {
	case "", "active":
	case "deleted":
		deleted = true
	default:
		return errorResponse(http.StatusBadRequest, msgState, docsVersions)
	}
	var all []*Version
	vs := s.versionsOf(p)
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Deleted == deleted {
			all = append(all, vs[i])
		}
	}
	perPage := min(positiveInt(q.Get("per_page"), 30), 100)
	page := positiveInt(q.Get("page"), 1)
	start := len(all)
	if page <= len(all)/perPage+1 {
		start = (page - 1) * perPage
	}
	end := min(start+perPage, len(all))
	base := baseURL(r)
	out := make([]apiVersion, 0, end-start)
	for _, v := range all[start:end] {
		out = append(out, renderVersion(base, u, p, v))
	}
	res := jsonResponse(http.StatusOK, out)
	res.link = pageLinks(r, page, perPage, len(all))
	return res
}

func (s *Server) version(p *Package, id int64) *Version {
	vs := s.versionsOf(p)
	i := slices.IndexFunc(vs, func(v *Version) bool { return v.ID == id })
	if i < 0 {
		return nil
	}
	return vs[i]
}

// getVersion answers GET …/versions/{package_version_id}; a deleted version
// is not found.
func (s *Server) getVersion(r *http.Request, rt route) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, p, fail := s.findPackage(rt, docsVersions)
	if fail != nil {
		return *fail
	}
	v := s.version(p, rt.version)
	if v == nil || v.Deleted {
		return errorResponse(http.StatusNotFound, "Not Found", docsVersions)
	}
	return jsonResponse(http.StatusOK, renderVersion(baseURL(r), u, p, v))
}

// deleteVersion answers DELETE …/versions/{package_version_id}, with GitHub's
// rules: not the last live version, not a public one downloaded more than
// 5,000 times, and in an organization only by an admin.
func (s *Server) deleteVersion(rt route) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, p, fail := s.findPackage(rt, docsVersions)
	if fail != nil {
		return *fail
	}
	v := s.version(p, rt.version)
	if v == nil || v.Deleted {
		return errorResponse(http.StatusNotFound, "Not Found", docsVersions)
	}
	if refused := s.refuseChange(u, docsVersions); refused != nil {
		return *refused
	}
	if p.VersionCount <= 1 {
		return errorResponse(http.StatusBadRequest, msgLastVersion, docsVersions)
	}
	if p.Visibility == "public" && v.Downloads > deleteDownloadLimit {
		return errorResponse(http.StatusBadRequest, msgVersionDownloads, docsVersions)
	}
	v.Deleted, v.DeletedAt = true, s.now()
	p.VersionCount--
	if p.image != nil {
		s.registry.Remove(p.image.Name, v.Name)
	}
	return response{status: http.StatusNoContent}
}

// restoreVersion answers POST …/versions/{package_version_id}/restore: a
// version deleted within the last 30 days comes back.
func (s *Server) restoreVersion(rt route) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, p, fail := s.findPackage(rt, docsVersions)
	if fail != nil {
		return *fail
	}
	v := s.version(p, rt.version)
	if v == nil || !v.Deleted || s.now().Sub(v.DeletedAt) > restoreWindow {
		return errorResponse(http.StatusNotFound, "Not Found", docsVersions)
	}
	if refused := s.refuseChange(u, docsVersions); refused != nil {
		return *refused
	}
	v.Deleted, v.DeletedAt = false, time.Time{}
	p.VersionCount++
	if p.image != nil {
		s.registry.Restore(p.image.Name, v.Name)
	}
	return response{status: http.StatusNoContent}
}

// Versions returns a package's versions, oldest first, deleted ones too, for
// tests to check what requests did.
func (s *Server) Versions(owner, packageType, name string) []Version {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[strings.ToLower(owner)]
	if u == nil {
		u = s.orgs[strings.ToLower(owner)]
	}
	if u == nil || u.types[packageType] == nil {
		return nil
	}
	p := u.types[packageType].byName[name]
	if p == nil {
		return nil
	}
	var out []Version
	for _, v := range s.versionsOf(p) {
		c := *v
		c.Tags = slices.Clone(v.Tags)
		out = append(out, c)
	}
	return out
}

// apiVersion follows GitHub's "package-version" schema.
type apiVersion struct {
	ID             int64       `json:"id"`
	Name           string      `json:"name"`
	URL            string      `json:"url"`
	PackageHTMLURL string      `json:"package_html_url"`
	CreatedAt      string      `json:"created_at"`
	UpdatedAt      string      `json:"updated_at"`
	HTMLURL        string      `json:"html_url,omitempty"`
	License        string      `json:"license,omitempty"`
	Description    string      `json:"description,omitempty"`
	DeletedAt      string      `json:"deleted_at,omitempty"`
	Metadata       apiVersMeta `json:"metadata"`
}

type apiVersMeta struct {
	PackageType string        `json:"package_type"`
	Container   *apiContainer `json:"container,omitempty"`
	Docker      *apiDocker    `json:"docker,omitempty"`
}

type apiContainer struct {
	Tags []string `json:"tags"`
}

type apiDocker struct {
	Tag []string `json:"tag"`
}

func renderVersion(base string, owner *user, p *Package, v *Version) apiVersion {
	name := url.PathEscape(p.Name)
	out := apiVersion{
		ID:             v.ID,
		Name:           v.Name,
		URL:            base + owner.path() + "/packages/" + p.PackageType + "/" + name + "/versions/" + strconv.FormatInt(v.ID, 10),
		PackageHTMLURL: webURL + owner.path() + "/packages/" + p.PackageType + "/package/" + name,
		CreatedAt:      timestamp(v.CreatedAt),
		UpdatedAt:      timestamp(v.UpdatedAt),
		HTMLURL:        webURL + owner.path() + "/packages/" + p.PackageType + "/" + name + "/" + strconv.FormatInt(v.ID, 10),
		License:        v.License,
		Description:    v.Description,
		Metadata:       apiVersMeta{PackageType: p.PackageType},
	}
	if v.Deleted {
		out.DeletedAt = timestamp(v.DeletedAt)
	}
	tags := v.Tags
	if tags == nil {
		tags = []string{}
	}
	switch p.PackageType {
	case "container":
		out.Metadata.Container = &apiContainer{Tags: tags}
	case "docker":
		out.Metadata.Docker = &apiDocker{Tag: tags}
	}
	return out
}
