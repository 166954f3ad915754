package github

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/pkgql/pkgql/schema"
)

// packages declares github.packages.packages: the packages of an
// organization, a user or the authenticated user, with StackQL's method names.
// Its rows are GitHub's "package" object, the fields of user_packages.
func packages() resource {
	r := resource{
		name:  "packages",
		title: "Packages of an organization, a user or the authenticated user",
		description: "The packages in a namespace, of one package type at a time. Bind org for an organization's packages, username for a user's, " +
			"neither for the authenticated user's. Read them with SELECT, delete one with DELETE, restore a deleted one with EXEC restore_package_for_….",
		fields: userPackages().fields,
		params: slices.Concat(ownerParams, []schema.Param{
			{Name: "package_name", Type: schema.String, Field: "name",
				Description: "The name of the package. A container name with `/` is sent escaped (`owner%2Fimage`), as GitHub expects."},
			packageTypeParam,
			{Name: "visibility", Type: schema.String, Enum: []string{"public", "private", "internal"},
				Description: "The selected visibility of the packages. This parameter is optional and only filters an existing result set. " +
					"The internal visibility is only supported for GitHub Packages registries that allow for granular permissions. " +
					"For other ecosystems internal is synonymous with private."},
			{Name: "token", Type: schema.String, Secret: true,
				Description: "The package token GitHub's restore endpoint takes as its optional token query parameter. It is never shown or logged."},
		}),
	}
	for _, o := range owners {
		pkg := o.prefix + "/packages/{package_type}/{package_name}"
		seeNotFound := "no {package_type} package \"{package_name}\" of " + o.who + " that this token can see: check the owner, package_type and package_name " +
			"(GitHub also answers 404 when the token lacks access: it needs the %s, and for an organization's private package, membership of the organization)"
		r.methods = append(r.methods,
			method{
				Method: schema.Method{
					Name: "get_package_for_" + o.get, Verb: schema.Select, Unique: true,
					Required: o.keys("package_name", "package_type"), Excludes: o.excludes,
					Route:  schema.Route{Verb: http.MethodGet, Path: pkg},
					Scopes: []string{"read:packages"}, DocURL: packagesDoc + "#get-a-package-for-" + o.anchor,
					Description: "Gets a specific package for " + o.words + ".\n\n" + readScopes + repoScope + "\n\n" +
						"One request: a SELECT that binds package_name reads this method instead of listing.",
				},
				notFound: fillScopes(seeNotFound, "read:packages scope"),
			},
			method{
				Method: schema.Method{
					Name: "list_packages_for_" + o.get, Verb: schema.Select,
					Required: o.keys("package_type"), Optional: []string{"visibility"}, Excludes: o.excludes,
					Route: schema.Route{Verb: http.MethodGet, Path: o.prefix + "/packages", Paged: true,
						Query: []schema.Query{{Name: "package_type", Param: "package_type"}, {Name: "visibility", Param: "visibility"}}},
					Scopes: []string{"read:packages"}, DocURL: packagesDoc + "#list-packages-for-" + o.anchor,
					Description: "Lists the packages of " + o.words + " that the requesting user can read.\n\n" + readScopes + repoScope + "\n\n" +
						"GitHub answers 400 when per_page multiplied by page is greater than 10000. " +
						"pkgql asks for 100 packages a page, sends visibility as GitHub's filter, stops at the pages a LIMIT needs, " +
						"and fetches the pages after the first concurrently once the Link header names the last one.",
				},
				notFound: "no " + o.who + ", or the token cannot see its packages (it needs the read:packages scope)",
			},
			method{
				Method: schema.Method{
					Name: "delete_package_for_" + o.mutate, Verb: schema.Delete, UndoneBy: "restore_package_for_" + o.mutate,
					Required: o.keys("package_name", "package_type"), Excludes: o.excludes,
					Route:  schema.Route{Verb: http.MethodDelete, Path: pkg},
					Scopes: []string{"read:packages", "delete:packages"}, DocURL: packagesDoc + "#delete-a-package-for-" + o.anchor,
					Description: "Deletes an entire package for " + o.words + ". You cannot delete a public package if any version of the package " +
						"has more than 5,000 downloads. In this scenario, contact GitHub support for further assistance.\n\n" +
						"If the `package_type` belongs to a GitHub Packages registry that supports granular permissions, " +
						"the authenticated user must have admin permissions to the package. " + orgAdminRule + "\n\n" + deleteScopes + repoScope + "\n\n" +
						"A deleted package can be restored within 30 days with restore_package_for_" + o.mutate + ".",
				},
				verify: packageRoute(o.prefix), doneStatus: http.StatusNotFound, doneMsg: "deleted",
				notFound: fillScopes(seeNotFound, "read:packages, delete:packages scopes"),
			},
			method{
				Method: schema.Method{
					Name: "restore_package_for_" + o.mutate, Verb: schema.Exec,
					Required: o.keys("package_name", "package_type"), Optional: []string{"token"}, Excludes: o.excludes,
					Route: schema.Route{Verb: http.MethodPost, Path: pkg + "/restore",
						Query: []schema.Query{{Name: "token", Param: "token"}}},
					Scopes: []string{"read:packages", "write:packages"}, DocURL: packagesDoc + "#restore-a-package-for-" + o.anchor,
					Description: "Restores an entire package for " + o.words + ".\n\n" +
						"You can restore a deleted package under the following conditions:\n" +
						"- The package was deleted within the last 30 days.\n" +
						"- The same package namespace and version is still available and not reused for a new package. " +
						"If the same package namespace is not available, you will not be able to restore your package. " +
						"In this scenario, to restore the deleted package, you must delete the new package that uses the deleted package's namespace first.\n\n" +
						restoreScopes + repoScope + " " + orgAdminRule,
				},
				verify: packageRoute(o.prefix), doneStatus: http.StatusOK, doneMsg: "restored",
				notFound: fillScopes(seeNotFound, "read:packages, write:packages scopes") +
					"; a package can be restored only within 30 days of its deletion, while its namespace is not reused",
			},
		)
	}
	return r
}

// packageTypeParam is GitHub's package_type path param.
var packageTypeParam = schema.Param{Name: "package_type", Type: schema.String, Enum: packageTypes,
	Description: "The type of supported package. Packages in GitHub's Gradle registry have the type maven. " +
		"Docker images pushed to GitHub's Container registry (ghcr.io) have the type container. " +
		"You can use the type docker to find images that were pushed to GitHub's Docker registry (docker.pkg.github.com), " +
		"even if these have now been migrated to the Container registry."}

// fillScopes words the scopes into a 404 hint.
func fillScopes(tmpl, scopes string) string {
	return fmt.Sprintf(tmpl, scopes)
}
