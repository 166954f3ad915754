package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// restoreWindow is how long GitHub keeps a deleted package restorable.
const restoreWindow = 30 * 24 * time.Hour

// deleteDownloadLimit is the most downloads a public package may have and
// still be deleted.
const deleteDownloadLimit = 5000

// msgDeleteRefused is the rule as GitHub's REST reference states it for
// "Delete a package for a user"; the API's own wording is not documented.
const msgDeleteRefused = "You cannot delete a public package if any version of the package has more than 5,000 downloads. In this scenario, contact GitHub support for further assistance."

const (
	msgPackageType = "Invalid argument. package_type must be one of: npm, maven, rubygems, docker, nuget, container."
	msgVisibility  = "Invalid argument. visibility must be one of: public, private, internal."
)

// user holds one user's packages, indexed so that a page of a listing costs
// O(page), not O(packages): per type, the live packages in ID order, overall
// and per visibility, kept sorted as packages are deleted and restored.
type user struct {
	login string
	id    int64
	types map[string]*typeIndex

	org     bool
	members map[string]bool // lower-case logins; admins are members too
	admins  map[string]bool
}

// owner finds the namespace a route names: a user, an organization, or the
// authenticated user for /user.
func (s *Server) owner(rt route) *user {
	switch rt.ns {
	case "users":
		return s.users[strings.ToLower(rt.username)]
	case "orgs":
		return s.orgs[strings.ToLower(rt.username)]
	case "user":
		return s.users[s.viewer]
	}
	return nil
}

// canSee tells whether the authenticated user may read p: an
// organization's private and internal packages are for its members.
func (s *Server) canSee(u *user, p *Package) bool {
	return !u.org || p.Visibility == "public" || u.members[s.viewer]
}

// refuseChange is the answer to a change the authenticated user may not
// make, or nil: an organization's packages are changed by its admins; a
// user's by that user, when the sandbox names its Viewer.
func (s *Server) refuseChange(u *user, docs string) *response {
	var res response
	switch {
	case u.org && !u.admins[s.viewer]:
		res = errorResponse(http.StatusForbidden, "You must be an admin of the organization or of the package to do this.", docs)
	case !u.org && s.opts.Viewer != "" && strings.ToLower(u.login) != s.viewer:
		res = errorResponse(http.StatusForbidden, "You do not have admin permissions to this package.", docs)
	default:
		return nil
	}
	return &res
}

type typeIndex struct {
	byName       map[string]*Package // live and deleted
	live         []*Package
	byVisibility map[string][]*Package
}

func newUser(login string, id int64, pkgs []*Package) *user {
	u := &user{login: login, id: id, types: map[string]*typeIndex{}}
	for _, typ := range packageTypes {
		u.types[typ] = &typeIndex{byName: map[string]*Package{}, byVisibility: map[string][]*Package{}}
	}
	for _, p := range pkgs {
		p.owner = login
		t := u.types[p.PackageType]
		t.byName[p.Name] = p
		t.live = append(t.live, p)
		t.byVisibility[p.Visibility] = append(t.byVisibility[p.Visibility], p)
	}
	return u
}

// listing is the live packages of one type that match a visibility filter.
// GitHub treats "internal" as "private" for registries without granular
// permissions, whose packages are never internal themselves.
func (t *typeIndex) listing(typ, visibility string) []*Package {
	if visibility == "" {
		return t.live
	}
	if visibility == "internal" && !granular[typ] {
		visibility = "private"
	}
	return t.byVisibility[visibility]
}

func (t *typeIndex) hide(p *Package) {
	t.live = removeSorted(t.live, p)
	t.byVisibility[p.Visibility] = removeSorted(t.byVisibility[p.Visibility], p)
}

func (t *typeIndex) show(p *Package) {
	t.live = insertSorted(t.live, p)
	t.byVisibility[p.Visibility] = insertSorted(t.byVisibility[p.Visibility], p)
}

func byID(p *Package, id int64) int {
	switch {
	case p.ID < id:
		return -1
	case p.ID > id:
		return 1
	}
	return 0
}

func removeSorted(ps []*Package, p *Package) []*Package {
	i, _ := slices.BinarySearchFunc(ps, p.ID, byID)
	return slices.Delete(ps, i, i+1)
}

func insertSorted(ps []*Package, p *Package) []*Package {
	i, _ := slices.BinarySearchFunc(ps, p.ID, byID)
	return slices.Insert(ps, i, p)
}

// listPackages answers GET /users/{username}/packages. Packages come in ID
// order, which is also creation order: GitHub documents no order, and a
// stable one keeps pages from overlapping.
func (s *Server) listPackages(r *http.Request, rt route) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.owner(rt)
	if u == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docsList)
	}
	q := r.URL.Query()
	typ := q.Get("package_type")
	t := u.types[typ]
	if t == nil {
		return errorResponse(http.StatusBadRequest, msgPackageType, docsList)
	}
	visibility := q.Get("visibility")
	switch visibility {
	case "", "public", "private", "internal":
	default:
		return errorResponse(http.StatusBadRequest, msgVisibility, docsList)
	}
	// GitHub documents no error for these, so values that are not positive
	// numbers get the defaults.
	perPage := min(positiveInt(q.Get("per_page"), 30), 100)
	page := positiveInt(q.Get("page"), 1)
	// Link rel="last" still counts every match, so a client that follows the
	// links past the window gets this 400 rather than a listing that quietly
	// stops short.
	if s.window > 0 && page > s.window/perPage {
		return errorResponse(http.StatusBadRequest,
			"The value of per_page multiplied by page cannot be greater than "+strconv.Itoa(s.window)+".", docsList)
	}

	all := t.listing(typ, visibility)
	if u.org && !u.members[s.viewer] {
		all = t.listing(typ, "public")
		if visibility != "" && visibility != "public" {
			all = nil
		}
	}
	start := len(all)
	if page <= len(all)/perPage+1 { // else (page-1)*perPage may overflow
		start = (page - 1) * perPage
	}
	end := min(start+perPage, len(all))
	base := baseURL(r)
	out := make([]apiPackage, 0, end-start)
	for _, p := range all[start:end] {
		out = append(out, renderPackage(base, u, p))
	}
	res := jsonResponse(http.StatusOK, out)
	res.link = pageLinks(r, page, perPage, len(all))
	return res
}

func positiveInt(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return def
	}
	return n
}

// pageLinks builds GitHub's Link header: prev, next, last, first, each only
// when it leads somewhere, and no header when all results fit on page 1.
func pageLinks(r *http.Request, page, perPage, total int) string {
	last := max((total+perPage-1)/perPage, 1)
	var links []string
	add := func(p int, rel string) {
		links = append(links, "<"+pageURL(r, p)+`>; rel="`+rel+`"`)
	}
	if page > 1 {
		add(page-1, "prev")
	}
	if page < last {
		add(page+1, "next")
		add(last, "last")
	}
	if page > 1 {
		add(1, "first")
	}
	return strings.Join(links, ", ")
}

// pageURL is the request's own absolute URL with page set, keeping the other
// parameters as the client wrote them, in their order.
func pageURL(r *http.Request, page int) string {
	var params []string
	replaced := false
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		if k, _, _ := strings.Cut(kv, "="); k == "page" {
			if !replaced {
				params = append(params, "page="+strconv.Itoa(page))
				replaced = true
			}
			continue
		}
		if kv != "" {
			params = append(params, kv)
		}
	}
	if !replaced {
		params = append(params, "page="+strconv.Itoa(page))
	}
	return baseURL(r) + r.URL.EscapedPath() + "?" + strings.Join(params, "&")
}

// find returns the user and type index a package route names, or the error
// response for a wrong user or type.
func (s *Server) find(rt route, docs string) (*user, *typeIndex, *response) {
	u := s.owner(rt)
	if u == nil {
		res := errorResponse(http.StatusNotFound, "Not Found", docs)
		return nil, nil, &res
	}
	t := u.types[rt.typ]
	if t == nil {
		res := errorResponse(http.StatusBadRequest, msgPackageType, docs)
		return nil, nil, &res
	}
	return u, t, nil
}

// getPackage answers GET /users/{username}/packages/{package_type}/{package_name}.
func (s *Server) getPackage(r *http.Request, rt route) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, p, fail := s.findPackage(rt, docsGet)
	if fail != nil {
		return *fail
	}
	return jsonResponse(http.StatusOK, renderPackage(baseURL(r), u, p))
}

// deletePackage answers DELETE /users/{username}/packages/{package_type}/{package_name}.
func (s *Server) deletePackage(rt route) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, p, fail := s.findPackage(rt, docsDelete)
	if fail != nil {
		return *fail
	}
	if refused := s.refuseChange(u, docsDelete); refused != nil {
		return *refused
	}
	if p.Visibility == "public" && p.Downloads > deleteDownloadLimit {
		return errorResponse(http.StatusBadRequest, msgDeleteRefused, docsDelete)
	}
	p.Deleted, p.DeletedAt = true, s.now()
	u.types[rt.typ].hide(p)
	return response{status: http.StatusNoContent}
}

// restorePackage answers POST .../{package_name}/restore. The optional token
// parameter is accepted and ignored: GitHub documents it only as "package
// token". GitHub also refuses when a new package has taken the name since the
// deletion, which cannot happen here, as the sandbox creates no packages.
func (s *Server) restorePackage(rt route) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, t, fail := s.find(rt, docsRestore)
	if fail != nil {
		return *fail
	}
	p := t.byName[rt.name]
	if p == nil || !p.Deleted || s.now().Sub(p.DeletedAt) > restoreWindow || !s.canSee(u, p) {
		return errorResponse(http.StatusNotFound, "Not Found", docsRestore)
	}
	if refused := s.refuseChange(u, docsRestore); refused != nil {
		return *refused
	}
	p.Deleted, p.DeletedAt = false, time.Time{}
	t.show(p)
	return response{status: http.StatusNoContent}
}

// Package returns the state of a package, deleted or not, for tests to check
// what requests did.
func (s *Server) Package(user, packageType, name string) (Package, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[strings.ToLower(user)]
	if u == nil {
		u = s.orgs[strings.ToLower(user)]
	}
	if u == nil || u.types[packageType] == nil {
		return Package{}, false
	}
	p := u.types[packageType].byName[name]
	if p == nil {
		return Package{}, false
	}
	out := *p
	if p.Repository != nil {
		repo := *p.Repository
		out.Repository = &repo
	}
	return out, true
}
