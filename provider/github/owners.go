package github

import "github.com/pkgql/pkgql/schema"

// owner is one of the three namespaces GitHub's Packages endpoints come in:
// an organization's, a user's and the authenticated user's. A method for one
// owner excludes the params of the others, so that org bound chooses the
// organization's method, username the user's, and neither the authenticated
// user's; both bound is an error that names them.
type owner struct {
	param    string   // the param naming the owner; "" for the authenticated user
	prefix   string   // the routes' prefix
	get      string   // method-name suffix of reads: organization, user, authenticated_user
	mutate   string   // method-name suffix of changes: org, user, authenticated_user
	owned    string   // suffix of the versions listing: org, user, authenticated_user
	excludes []string // the other owners' params
	words    string   // for descriptions: "an organization"
	anchor   string   // GitHub's docs anchors end with it: an-organization
	who      string   // for hints: organization "{org}"
}

var owners = []owner{
	{param: "org", prefix: "/orgs/{org}", get: "organization", mutate: "org", owned: "org",
		excludes: []string{"username"}, words: "an organization", anchor: "an-organization", who: "organization \"{org}\""},
	{param: "username", prefix: "/users/{username}", get: "user", mutate: "user", owned: "user",
		excludes: []string{"org"}, words: "a user", anchor: "a-user", who: "user \"{username}\""},
	{prefix: "/user", get: "authenticated_user", mutate: "authenticated_user", owned: "authenticated_user",
		excludes: []string{"org", "username"}, words: "the authenticated user", anchor: "the-authenticated-user", who: "the authenticated user"},
}

// keys are the owner's param followed by others, the order GitHub's docs
// list path params in.
func (o owner) keys(others ...string) []string {
	if o.param == "" {
		return others
	}
	return append([]string{o.param}, others...)
}

// ownerParams are the params naming an owner.
var ownerParams = []schema.Param{
	{Name: "org", Type: schema.String,
		Description: "The organization name. The name is not case sensitive. Binding it chooses the organization's method."},
	{Name: "username", Type: schema.String,
		Description: "The handle for the GitHub user account. Binding it chooses the user's method; with neither org nor username bound, the authenticated user's method is used."},
}

// orgAdminRule is GitHub's rule for changing an organization's packages.
const orgAdminRule = "For an organization's package, the authenticated user must be an organization owner or have admin permissions to the package; " +
	"GitHub answers 403 (or 404, when the token cannot see the package at all) otherwise."

// scopesWord is how GitHub's docs word a method's scopes.
const (
	readScopes    = "OAuth app tokens and personal access tokens (classic) need the `read:packages` scope to use this endpoint. "
	deleteScopes  = "OAuth app tokens and personal access tokens (classic) need the `read:packages` and `delete:packages` scopes to use this endpoint. "
	restoreScopes = "To use this endpoint, you must authenticate using an access token with the `read:packages` and `write:packages` scopes. "
	repoScope     = "If the `package_type` belongs to a GitHub Packages registry that only supports repository-scoped permissions, the `repo` scope is also required. " +
		"For the list of these registries, see \"About permissions for GitHub Packages\" (" + permissionsDoc + ")."
)
