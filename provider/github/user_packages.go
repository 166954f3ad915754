package github

import (
	"context"
	"net/http"
	"net/url"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// permissionsDoc is where GitHub lists which registries are repository-scoped
// and which support granular permissions.
const permissionsDoc = "https://docs.github.com/packages/learn-github-packages/about-permissions-for-github-packages"

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
			{schema.Field{Name: "id", Type: schema.Integer,
				Description: "Unique identifier of the package."},
				func(p *rawPackage) any { return intValue(p.ID) }},
			{schema.Field{Name: "name", Type: schema.String,
				Description: "The name of the package. Container image names may contain `/` (`owner/image`)."},
				func(p *rawPackage) any { return stringValue(p.Name) }},
			{schema.Field{Name: "created_at", Type: schema.String,
				Description: "When the package was created: an RFC 3339 date-time."},
				func(p *rawPackage) any { return stringValue(p.CreatedAt) }},
			{schema.Field{Name: "html_url", Type: schema.String,
				Description: "The package's page on GitHub."},
				func(p *rawPackage) any { return stringValue(p.HTMLURL) }},
			{schema.Field{Name: "owner", Type: schema.Object,
				Description: "A GitHub user: the package's owner, as GitHub's simple-user object (login, id, node_id, avatar_url, url, html_url, type, site_admin, …)."},
				func(p *rawPackage) any { return objectValue(p.Owner) }},
			{schema.Field{Name: "package_type", Type: schema.String,
				Description: "The type of the package: npm, maven, rubygems, docker, nuget or container."},
				func(p *rawPackage) any { return stringValue(p.PackageType) }},
			{schema.Field{Name: "repository", Type: schema.Object,
				Description: "Minimal Repository: the repository the package is linked to (id, node_id, name, full_name, owner, private, html_url, …), or null when it is linked to none."},
				func(p *rawPackage) any { return objectValue(p.Repository) }},
			{schema.Field{Name: "updated_at", Type: schema.String,
				Description: "When the package was last updated: an RFC 3339 date-time."},
				func(p *rawPackage) any { return stringValue(p.UpdatedAt) }},
			{schema.Field{Name: "url", Type: schema.String,
				Description: "The package's URL in GitHub's REST API."},
				func(p *rawPackage) any { return stringValue(p.URL) }},
			{schema.Field{Name: "version_count", Type: schema.Integer,
				Description: "The number of versions of the package."},
				func(p *rawPackage) any { return intValue(p.VersionCount) }},
			{schema.Field{Name: "visibility", Type: schema.String,
				Description: "The visibility of the package: public, private or internal."},
				func(p *rawPackage) any { return stringValue(p.Visibility) }},
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
			{Name: "token", Type: schema.String,
				Description: "The package token GitHub's restore endpoint takes as its optional token query parameter. It is never shown or logged."},
		},
		methods: []method{
			{
				Method: schema.Method{
					Name: "get_package_for_user", Verb: schema.Select, Unique: true,
					Required: []string{"package_name", "package_type", "username"},
					HTTP:     "GET /users/{username}/packages/{package_type}/{package_name}",
					Description: "Gets a specific package metadata for a public package owned by a user.\n\n" +
						"OAuth app tokens and personal access tokens (classic) need the `read:packages` scope to use this endpoint. " +
						"If the `package_type` belongs to a GitHub Packages registry that only supports repository-scoped permissions, " +
						"the `repo` scope is also required. For the list of these registries, see \"About permissions for GitHub Packages\" (" + permissionsDoc + ").\n\n" +
						"One request: a SELECT that binds package_name reads this method instead of listing.",
				},
				scopes: []string{"read:packages"},
				run:    getPackage,
			},
			{
				Method: schema.Method{
					Name: "list_packages_for_user", Verb: schema.Select,
					Required: []string{"package_type", "username"},
					Optional: []string{"visibility"},
					HTTP:     "GET /users/{username}/packages",
					Description: "Lists all packages in a user's namespace for which the requesting user has access.\n\n" +
						"OAuth app tokens and personal access tokens (classic) need the `read:packages` scope to use this endpoint. " +
						"If the `package_type` belongs to a GitHub Packages registry that only supports repository-scoped permissions, " +
						"the `repo` scope is also required. For the list of these registries, see \"About permissions for GitHub Packages\" (" + permissionsDoc + ").\n\n" +
						"GitHub answers 400 when per_page multiplied by page is greater than 10000. " +
						"pkgql asks for 100 packages a page, sends visibility as GitHub's filter, stops at the pages a LIMIT needs, " +
						"and fetches the pages after the first concurrently once the Link header names the last one.",
				},
				scopes: []string{"read:packages"},
				run:    listPackages,
			},
			{
				Method: schema.Method{
					Name: "delete_package_for_user", Verb: schema.Delete, UndoneBy: "restore_package_for_user",
					Required: []string{"package_name", "package_type", "username"},
					HTTP:     "DELETE /users/{username}/packages/{package_type}/{package_name}",
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
				scopes: []string{"read:packages", "delete:packages"},
				run:    deletePackage,
			},
			{
				Method: schema.Method{
					Name: "restore_package_for_user", Verb: schema.Exec,
					Required: []string{"package_name", "package_type", "username"},
					Optional: []string{"token"},
					HTTP:     "POST /users/{username}/packages/{package_type}/{package_name}/restore",
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
				scopes: []string{"read:packages", "write:packages"},
				run:    restorePackage,
			},
		},
	}
}

// packagePath is the REST path of one package. Each segment is escaped, so a
// container name `owner/image` goes as `owner%2Fimage`: go-github v60 puts
// names into paths as they are.
func packagePath(c *call) string {
	return "users/" + url.PathEscape(c.params["username"]) +
		"/packages/" + url.PathEscape(c.params["package_type"]) +
		"/" + url.PathEscape(c.params["package_name"])
}

func getPackage(ctx context.Context, c *call) (provider.Result, error) {
	var pkg rawPackage
	resp, err := c.getJSON(ctx, packagePath(c), &pkg)
	if err != nil {
		return provider.Result{}, err
	}
	rows := [][]any{c.row(&pkg)}
	if err := c.send(rows, 1, 1); err != nil {
		return provider.Result{}, err
	}
	return provider.Result{HTTPStatus: resp.StatusCode}, nil
}

func deletePackage(ctx context.Context, c *call) (provider.Result, error) {
	// Deleted means the package's GET answers 404.
	return c.mutate(ctx, http.MethodDelete, packagePath(c), "deleted", http.StatusNotFound)
}

func restorePackage(ctx context.Context, c *call) (provider.Result, error) {
	// go-github v60's RestorePackage cannot send the optional token.
	u := packagePath(c) + "/restore"
	if tok := c.params["token"]; tok != "" {
		u += "?" + url.Values{"token": {tok}}.Encode()
	}
	// Restored means the package's GET answers 200.
	return c.mutate(ctx, http.MethodPost, u, "restored", http.StatusOK)
}
