package github

import (
	"net/http"

	"github.com/pkgql/pkgql/schema"
)

// permissionsDoc is where GitHub lists which registries are repository-scoped
// and which support granular permissions.
const permissionsDoc = "https://docs.github.com/packages/learn-github-packages/about-permissions-for-github-packages"

// packagesDoc is GitHub's REST reference of the Packages endpoints.
const packagesDoc = "https://docs.github.com/rest/packages/packages"

// packageTypes are the package types GitHub's Packages API accepts.
var packageTypes = []string{"npm", "maven", "rubygems", "docker", "nuget", "container"}

// userPackages declares github.packages.user_packages. Field, param and method
// descriptions follow GitHub's REST reference for the "package" schema and
// the "Packages" endpoints for a user.
func userPackages() resource {
	return resource{
		name:        "user_packages",
		title:       "A user's packages",
		description: "The packages in a GitHub user's namespace, of one package type at a time: read them with SELECT, delete one with DELETE, restore a deleted one with EXEC restore_package_for_user.",
		fields: []field{
			{Field: schema.Field{Name: "id", Type: schema.Integer,
				Description: "Unique identifier of the package."}},
			{Field: schema.Field{Name: "name", Type: schema.String,
				Description: "The name of the package. Container image names may contain `/` (`owner/image`)."}},
			{Field: schema.Field{Name: "created_at", Type: schema.String, Format: schema.DateTime,
				Description: "When the package was created: an RFC 3339 date-time."}},
			{Field: schema.Field{Name: "html_url", Type: schema.String,
				Description: "The package's page on GitHub."}},
			{Field: schema.Field{Name: "owner", Type: schema.Object,
				Description: "A GitHub user: the package's owner, as GitHub's simple-user object (login, id, node_id, avatar_url, url, html_url, type, site_admin, …)."}},
			{Field: schema.Field{Name: "package_type", Type: schema.String,
				Description: "The type of the package: npm, maven, rubygems, docker, nuget or container."}},
			{Field: schema.Field{Name: "repository", Type: schema.Object,
				Description: "Minimal Repository: the repository the package is linked to (id, node_id, name, full_name, owner, private, html_url, …), or null when it is linked to none."}},
			{Field: schema.Field{Name: "updated_at", Type: schema.String, Format: schema.DateTime,
				Description: "When the package was last updated: an RFC 3339 date-time."}},
			{Field: schema.Field{Name: "url", Type: schema.String,
				Description: "The package's URL in GitHub's REST API."}},
			{Field: schema.Field{Name: "version_count", Type: schema.Integer,
				Description: "The number of versions of the package."}},
			{Field: schema.Field{Name: "visibility", Type: schema.String,
				Description: "The visibility of the package: public, private or internal."}},
		},
		params: []schema.Param{
			{Name: "username", Type: schema.String,
				Description: "The handle for the GitHub user account."},
			{Name: "package_name", Type: schema.String, Field: "name",
				Description: "The name of the package. A container name with `/` is sent escaped (`owner%2Fimage`), as GitHub expects."},
			{Name: "package_type", Type: schema.String, Enum: packageTypes,
				Description: "The type of supported package. Packages in GitHub's Gradle registry have the type maven. " +
					"Docker images pushed to GitHub's Container registry (ghcr.io) have the type container. " +
					"You can use the type docker to find images that were pushed to GitHub's Docker registry (docker.pkg.github.com), " +
					"even if these have now been migrated to the Container registry."},
			{Name: "visibility", Type: schema.String, Enum: []string{"public", "private", "internal"},
				Description: "The selected visibility of the packages. This parameter is optional and only filters an existing result set. " +
					"The internal visibility is only supported for GitHub Packages registries that allow for granular permissions. " +
					"For other ecosystems internal is synonymous with private."},
			{Name: "token", Type: schema.String, Secret: true,
				Description: "The package token GitHub's restore endpoint takes as its optional token query parameter. It is never shown or logged."},
		},
		methods: []method{
			{
				Method: schema.Method{
					Name: "get_package_for_user", Verb: schema.Select, Unique: true,
					Required: []string{"package_name", "package_type", "username"},
					Route:    schema.Route{Verb: "GET", Path: "/users/{username}/packages/{package_type}/{package_name}"},
					Scopes:   []string{"read:packages"},
					DocURL:   packagesDoc + "#get-a-package-for-a-user",
					Description: "Gets a specific package metadata for a public package owned by a user.\n\n" +
						"OAuth app tokens and personal access tokens (classic) need the `read:packages` scope to use this endpoint. " +
						"If the `package_type` belongs to a GitHub Packages registry that only supports repository-scoped permissions, " +
						"the `repo` scope is also required. For the list of these registries, see \"About permissions for GitHub Packages\" (" + permissionsDoc + ").\n\n" +
						"One request: a SELECT that binds package_name reads this method instead of listing.",
				},
				notFound: "no {package_type} package \"{package_name}\" of user \"{username}\" that this token can see: check username, package_type and package_name (GitHub also answers 404 when the token lacks access or the read:packages scope)",
			},
			{
				Method: schema.Method{
					Name: "list_packages_for_user", Verb: schema.Select,
					Required: []string{"package_type", "username"},
					Optional: []string{"visibility"},
					Route:    schema.Route{Verb: "GET", Path: "/users/{username}/packages", Query: []schema.Query{{Name: "package_type", Param: "package_type"}, {Name: "visibility", Param: "visibility"}}, Paged: true},
					Scopes:   []string{"read:packages"},
					DocURL:   packagesDoc + "#list-packages-for-a-user",
					Description: "Lists all packages in a user's namespace for which the requesting user has access.\n\n" +
						"OAuth app tokens and personal access tokens (classic) need the `read:packages` scope to use this endpoint. " +
						"If the `package_type` belongs to a GitHub Packages registry that only supports repository-scoped permissions, " +
						"the `repo` scope is also required. For the list of these registries, see \"About permissions for GitHub Packages\" (" + permissionsDoc + ").\n\n" +
						"GitHub answers 400 when per_page multiplied by page is greater than 10000. " +
						"pkgql asks for 100 packages a page, sends visibility as GitHub's filter, stops at the pages a LIMIT needs, " +
						"and fetches the pages after the first concurrently once the Link header names the last one.",
				},
				notFound: "no user \"{username}\", or the token cannot see their packages (it needs the read:packages scope)",
			},
			{
				Method: schema.Method{
					Name: "delete_package_for_user", Verb: schema.Delete, UndoneBy: "restore_package_for_user",
					Required: []string{"package_name", "package_type", "username"},
					Route:    schema.Route{Verb: "DELETE", Path: "/users/{username}/packages/{package_type}/{package_name}"},
					Scopes:   []string{"read:packages", "delete:packages"},
					DocURL:   packagesDoc + "#delete-a-package-for-a-user",
					Description: "Deletes an entire package for a user. You cannot delete a public package if any version of the package " +
						"has more than 5,000 downloads. In this scenario, contact GitHub support for further assistance.\n\n" +
						"If the `package_type` belongs to a GitHub Packages registry that supports granular permissions, " +
						"the authenticated user must have admin permissions to the package. For the list of these registries, " +
						"see \"About permissions for GitHub Packages\" (" + permissionsDoc + ").\n\n" +
						"OAuth app tokens and personal access tokens (classic) need the `read:packages` and `delete:packages` scopes " +
						"to use this endpoint. If the `package_type` belongs to a GitHub Packages registry that only supports " +
						"repository-scoped permissions, the `repo` scope is also required.\n\n" +
						"A deleted package can be restored within 30 days with restore_package_for_user.",
				},
				verify: packageRoute("/users/{username}"), doneStatus: http.StatusNotFound, doneMsg: "deleted",
				notFound: "no {package_type} package \"{package_name}\" of user \"{username}\" that this token can see: check username, package_type and package_name (GitHub also answers 404 when the token lacks access or the read:packages, delete:packages scopes)",
			},
			{
				Method: schema.Method{
					Name: "restore_package_for_user", Verb: schema.Exec,
					Required: []string{"package_name", "package_type", "username"},
					Optional: []string{"token"},
					Route:    schema.Route{Verb: "POST", Path: "/users/{username}/packages/{package_type}/{package_name}/restore", Query: []schema.Query{{Name: "token", Param: "token"}}},
					Scopes:   []string{"read:packages", "write:packages"},
					DocURL:   packagesDoc + "#restore-a-package-for-a-user",
					Description: "Restores an entire package for a user.\n\n" +
						"You can restore a deleted package under the following conditions:\n" +
						"- The package was deleted within the last 30 days.\n" +
						"- The same package namespace and version is still available and not reused for a new package. " +
						"If the same package namespace is not available, you will not be able to restore your package. " +
						"In this scenario, to restore the deleted package, you must delete the new package that uses the deleted package's namespace first.\n\n" +
						"To use this endpoint, you must authenticate using an access token with the `read:packages` and `write:packages` scopes. In addition:\n" +
						"- If the `package_type` belongs to a GitHub Packages registry that only supports repository-scoped permissions, " +
						"your token must also include the `repo` scope.\n" +
						"- If the `package_type` belongs to a GitHub Packages registry that supports granular permissions, " +
						"you must have admin permissions to the package you want to restore.\n" +
						"For the list of these registries, see \"About permissions for GitHub Packages\" (" + permissionsDoc + ").",
				},
				verify: packageRoute("/users/{username}"), doneStatus: http.StatusOK, doneMsg: "restored",
				notFound: "no {package_type} package \"{package_name}\" of user \"{username}\" that this token can see: check username, package_type and package_name (GitHub also answers 404 when the token lacks access or the read:packages, write:packages scopes); a package can be restored only within 30 days of its deletion, while its namespace is not reused",
			},
		},
	}
}

// packageRoute is the GET of one package under an owner's prefix ("/user",
// "/users/{username}", "/orgs/{org}"): what a package's DELETE and restore
// are verified with.
func packageRoute(prefix string) schema.Route {
	return schema.Route{Verb: http.MethodGet, Path: prefix + "/packages/{package_type}/{package_name}"}
}
