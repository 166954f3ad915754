package github

import (
	"testing"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// The Docker-migration conflicts of each owner are one GET of its route, and
// its rows are the sandbox's docker packages.
func TestDockerMigrationConflicts(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, sandbox.Options{})
	p, _ := testProvider(t, base, 8, nil)
	for _, tc := range []struct {
		method, owner string
		params        map[string]string
		path          string
	}{
		{"list_docker_migration_conflicting_packages_for_organization", "acme", map[string]string{"org": "acme"}, "/orgs/acme/docker/conflicts"},
		{"list_docker_migration_conflicting_packages_for_user", "monalisa", map[string]string{"username": "monalisa"}, "/users/monalisa/docker/conflicts"},
		{"list_docker_migration_conflicting_packages_for_authenticated_user", "octocat", nil, "/user/docker/conflicts"},
	} {
		sb.ResetStats()
		out := run(p, request("packages", "docker_migration_packages", tc.method, tc.params))
		if out.err != nil {
			t.Fatalf("%s: %v", tc.method, out.err)
		}
		if len(out.rows) == 0 {
			t.Errorf("%s: no rows", tc.method)
		}
		checkSandboxRows(t, sb, tc.owner, "docker", out.rows)
		if log := sb.Log(); len(log) != 1 || log[0].Path != tc.path || log[0].Query != "" {
			t.Errorf("%s: requests %+v", tc.method, log)
		}
	}
}
