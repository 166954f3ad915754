package sandbox

import (
	"net/http"
	"strings"
)

const docsDockerConflicts = docsPackages + "#get-list-of-conflicting-packages-during-docker-migration-for-user"

// migrationConflict tells whether a docker package met a conflict when
// GitHub migrated its Docker registry to the Container registry: in the
// sandbox, the ones whose name a container package of the same owner also
// has, and one in four of the others, by name.
func migrationConflict(u *user, p *Package) bool {
	if p.PackageType != "docker" {
		return false
	}
	if c := u.types["container"].byName[p.Name]; c != nil && !c.Deleted {
		return true
	}
	return hashString(strings.ToLower(p.Name))%4 == 0
}

// dockerConflicts answers GET /orgs/{org}/docker/conflicts,
// /users/{username}/docker/conflicts and /user/docker/conflicts: the live
// docker packages the authenticated user can read that met a conflict, in ID
// order, all in one answer (GitHub documents no paging for them).
func (s *Server) dockerConflicts(r *http.Request, rt route) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.owner(rt)
	if u == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docsDockerConflicts)
	}
	base := baseURL(r)
	out := []apiPackage{}
	for _, p := range u.types["docker"].live {
		if s.canSee(u, p) && migrationConflict(u, p) {
			out = append(out, renderPackage(base, u, p))
		}
	}
	return jsonResponse(http.StatusOK, out)
}
