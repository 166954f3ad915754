package github

import (
	"net/http"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// packageVersions declares github.packages.package_versions: the versions of
// one package of an organization, a user or the authenticated user. Its rows
// are GitHub's "package-version" object plus tags, read from the metadata.
func packageVersions() resource {
	f := func(name string, typ schema.Type, desc string) field {
		return field{Field: schema.Field{Name: name, Type: typ, Description: desc}}
	}
	r := resource{
		name:  "package_versions",
		title: "Versions of a package",
		description: "The versions of one package (for a container image: its digests). Bind org for an organization's package, username for a user's, " +
			"neither for the authenticated user's. Read them with SELECT, delete one or many with DELETE, restore one with EXEC restore_package_version_for_…. " +
			"The bound org, username, package_type and package_name are echoed as columns, so a JOIN from packages binds them row by row.",
		fields: []field{
			f("id", schema.Integer, "Unique identifier of the package version."),
			f("name", schema.String, "The name of the package version: a version number, or for a container image its digest (sha256:…)."),
			f("url", schema.String, "The version's URL in GitHub's REST API."),
			f("package_html_url", schema.String, "The package's page on GitHub."),
			f("html_url", schema.String, "The version's page on GitHub."),
			f("license", schema.String, "The version's license, when the package declares one."),
			f("description", schema.String, "The version's description."),
			{Field: schema.Field{Name: "created_at", Type: schema.String, Format: schema.DateTime,
				Description: "When the version was created: an RFC 3339 date-time."}},
			{Field: schema.Field{Name: "updated_at", Type: schema.String, Format: schema.DateTime,
				Description: "When the version was last updated: an RFC 3339 date-time."}},
			{Field: schema.Field{Name: "deleted_at", Type: schema.String, Format: schema.DateTime,
				Description: "When the version was deleted (an RFC 3339 date-time), or null for a live version."}},

			f("metadata", schema.Object, "Package version metadata: package_type, and container.tags for container images or docker.tag for Docker images."),
			{Field: schema.Field{Name: "tags", Type: schema.Object,
				Description: "The version's tags as a JSON array: metadata.container.tags for container images, metadata.docker.tag for Docker images, [] otherwise. " +
					"An untagged version has json_array_length(tags) = 0."},
				path: "metadata", compute: versionTags},
		},
		params: slices.Concat(ownerParams, []schema.Param{
			{Name: "package_name", Type: schema.String,
				Description: "The name of the package. A container name with `/` is sent escaped (`owner%2Fimage`), as GitHub expects."},
			packageTypeParam,
			{Name: "package_version_id", Type: schema.Integer, Field: "id",
				Description: "Unique identifier of the package version. Carried by the id field, so the rows of a listing drive DELETE and EXEC."},
			{Name: "state", Type: schema.String, Enum: []string{"active", "deleted"},
				Description: "The state of the package versions listed: active (the default) or deleted (versions that can still be restored)."},
		}),
	}
	r.fields = append(r.fields, graphFields...)
	for _, o := range owners {
		pkg := o.prefix + "/packages/{package_type}/{package_name}"
		version := pkg + "/versions/{package_version_id}"
		notFound := "no version {package_version_id} of the {package_type} package \"{package_name}\" of " + o.who + " that this token can see " +
			"(GitHub also answers 404 when the token lacks access: it needs the %s, and for an organization's private package, membership of the organization)"
		list := schema.Route{Verb: http.MethodGet, Path: pkg + "/versions", Paged: true,
			Query: []schema.Query{{Name: "state", Param: "state", Default: "active"}}}
		listOptional := []string{"state"}
		listNote := "pkgql asks for 100 versions a page and sends state (active unless bound); once the first page's Link header names the last page, the others are fetched concurrently."
		if o.param == "username" {
			// GitHub's reference declares no query params for this route: none is sent.
			list = schema.Route{Verb: http.MethodGet, Path: pkg + "/versions"}
			listOptional = nil
			listNote = "GitHub's reference declares no query parameters for this endpoint (no page size, no state), so pkgql sends none and follows the Link header's pages."
		}
		r.methods = append(r.methods,
			method{
				Method: schema.Method{
					Name: "get_package_version_for_" + o.get, Verb: schema.Select, Unique: true,
					Required: o.keys("package_name", "package_type", "package_version_id"), Excludes: o.excludes,
					Route:  schema.Route{Verb: http.MethodGet, Path: version},
					Scopes: []string{"read:packages"}, DocURL: packagesDoc + "#get-a-package-version-for-" + o.anchor,
					Description: "Gets a specific package version of a package owned by " + o.words + ".\n\n" + readScopes + repoScope + "\n\n" +
						"One request: a SELECT that binds package_version_id (or id) reads this method instead of listing.",
				},
				notFound: fillScopes(notFound, "read:packages scope"),
			},
			method{
				Method: schema.Method{
					Name: "get_all_package_versions_for_package_owned_by_" + o.owned, Verb: schema.Select,
					Required: o.keys("package_name", "package_type"), Optional: listOptional, Excludes: o.excludes,
					Route:  list,
					Scopes: []string{"read:packages"}, DocURL: packagesDoc + "#list-package-versions-for-a-package-owned-by-" + o.anchor,
					Description: "Lists package versions for a package owned by " + o.words + ".\n\n" + readScopes + repoScope + "\n\n" + listNote,
				},
				notFound: "no {package_type} package \"{package_name}\" of " + o.who + " that this token can see (GitHub also answers 404 when the token lacks the read:packages scope or access to the package)",
			},
			method{
				Method: schema.Method{
					Name: "delete_package_version_for_" + o.mutate, Verb: schema.Delete, Guarded: true, GuardReads: guardReads,
					UndoneBy: "restore_package_version_for_" + o.mutate,
					Required: o.keys("package_name", "package_type", "package_version_id"), Excludes: o.excludes,
					Route:  schema.Route{Verb: http.MethodDelete, Path: version},
					Scopes: []string{"read:packages", "delete:packages"}, DocURL: packagesDoc + "#delete-package-version-for-" + o.anchor,
					Caveat: "GitHub refuses to delete a package's last live version (delete the whole package instead, with DELETE FROM github.packages.packages), " +
						"and a public version downloaded more than 5,000 times; each refusal is reported on its row and the others go on.",
					Description: "Deletes a specific package version of a package owned by " + o.words + ".\n\n" +
						"You cannot delete the last live version of a package: GitHub answers \"You cannot delete the last version of a package. " +
						"You must delete the package instead.\" Delete the package with DELETE FROM github.packages.packages. " +
						"You cannot delete a public package version with more than 5,000 downloads; contact GitHub support for further assistance.\n\n" +
						"If the `package_type` belongs to a GitHub Packages registry that supports granular permissions, " +
						"the authenticated user must have admin permissions to the package. " + orgAdminRule + "\n\n" + deleteScopes + repoScope + "\n\n" +
						"A deleted version can be restored within 30 days with restore_package_version_for_" + o.mutate + ".\n\n" +
						"Container versions are guarded: before any is deleted, the statement is checked as a whole against the image graph read from the registry, " +
						"and a version that a surviving tag still needs (a child, an attestation, a signature, a referrer) is refused with the tag it serves; " +
						"the others are deleted. An unreadable registry deletes nothing. --allow-broken-images skips the guard.",
				},
				verify: schema.Route{Verb: http.MethodGet, Path: version}, doneStatus: http.StatusNotFound, doneMsg: "deleted",
				notFound: fillScopes(notFound, "read:packages, delete:packages scopes"),
			},
			method{
				Method: schema.Method{
					Name: "restore_package_version_for_" + o.mutate, Verb: schema.Exec,
					Required: o.keys("package_name", "package_type", "package_version_id"), Excludes: o.excludes,
					Route:  schema.Route{Verb: http.MethodPost, Path: version + "/restore"},
					Scopes: []string{"read:packages", "write:packages"}, DocURL: packagesDoc + "#restore-package-version-for-" + o.anchor,
					Description: "Restores a specific package version of a package owned by " + o.words + ".\n\n" +
						"You can restore a deleted package version under the following conditions:\n" +
						"- The package was deleted within the last 30 days.\n" +
						"- The same package namespace and version is still available and not reused for a new package. " +
						"If the same package namespace is not available, you will not be able to restore your package. " +
						"In this scenario, to restore the deleted package, you must delete the new package that uses the deleted package's namespace first.\n\n" +
						restoreScopes + repoScope + " " + orgAdminRule,
				},
				verify: schema.Route{Verb: http.MethodGet, Path: version}, doneStatus: http.StatusOK, doneMsg: "restored",
				notFound: fillScopes(notFound, "read:packages, write:packages scopes") +
					"; a version can be restored only within 30 days of its deletion",
			},
		)
	}
	return r
}

// versionTags reads a version's tags from its metadata: container.tags for
// container images, docker.tag for Docker images, [] otherwise.
func versionTags(metadata jsontext.Value) any {
	var m struct {
		Container struct {
			Tags jsontext.Value `json:"tags"`
		} `json:"container"`
		Docker struct {
			Tag jsontext.Value `json:"tag"`
		} `json:"docker"`
	}
	if len(metadata) > 0 && json.Unmarshal(metadata, &m, decodeOptions) == nil {
		for _, tags := range []jsontext.Value{m.Container.Tags, m.Docker.Tag} {
			switch tags.Kind() {
			case '[':
				return provider.JSON(tags)
			case '"':
				return provider.JSON("[" + string(tags) + "]")
			}
		}
	}
	return provider.JSON("[]")
}
