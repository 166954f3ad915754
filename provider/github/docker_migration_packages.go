package github

import (
	"net/http"

	"github.com/pkgql/pkgql/schema"
)

// dockerMigrationPackages declares github.packages.docker_migration_packages:
// the packages of a namespace that met a conflict when GitHub migrated its
// Docker registry (docker.pkg.github.com) to the Container registry.
func dockerMigrationPackages() resource {
	r := resource{
		name:  "docker_migration_packages",
		title: "Packages that conflicted during the Docker migration",
		description: "The packages readable by the requesting user that encountered a conflict during the migration of GitHub's Docker registry to the Container registry. " +
			"Bind org for an organization's, username for a user's, neither for the authenticated user's.",
		fields: userPackages().fields,
		params: ownerParams,
	}
	for _, o := range owners {
		r.methods = append(r.methods, method{
			Method: schema.Method{
				Name: "list_docker_migration_conflicting_packages_for_" + o.get, Verb: schema.Select,
				Required: o.keys(), Excludes: o.excludes,
				Route:  schema.Route{Verb: http.MethodGet, Path: o.prefix + "/docker/conflicts"},
				Scopes: []string{"read:packages"}, DocURL: packagesDoc + "#get-list-of-conflicting-packages-during-docker-migration-for-" + dockerAnchor(o),
				Description: "Lists all packages of " + o.words + " that are readable by the requesting user and that encountered a conflict during a Docker migration.\n\n" +
					"OAuth app tokens and personal access tokens (classic) need the `read:packages` scope to use this endpoint.\n\n" +
					"GitHub's reference declares no query parameters for this endpoint: one request, and the Link header's pages if GitHub sends any.",
			},
			notFound: "no " + o.who + " that this token can see (it needs the read:packages scope)",
		})
	}
	return r
}

// dockerAnchor is how GitHub's docs end the anchors of these endpoints:
// "…-for-organization", "…-for-user", "…-for-authenticated-user".
func dockerAnchor(o owner) string {
	switch o.param {
	case "org":
		return "organization"
	case "username":
		return "user"
	}
	return "authenticated-user"
}
