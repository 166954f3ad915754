// Package github is pkgql's GitHub provider: it declares the GitHub resources
// pkgql can query and performs their methods against GitHub's REST API through
// go-github v60.
//
// The host sends a [provider.Request] (a method and its bound params); the
// provider checks the params, makes the fewest REST calls that answer it (one
// GET for a bound package name, concurrent Link pagination for a listing),
// and streams rows back in page order. GitHub's own errors come back as
// [provider.Error]s that keep GitHub's status and message and say what to do.
//
// Each resource is one declaration (see [resource]), as a Steampipe table is:
// its fields, each read from GitHub's JSON by a declared path (a function only
// where a value is computed, as a version's tags); its params, secret ones
// declared so; and its methods, each with its route as data (schema.Route:
// verb, path template, query params), the GET that verifies a change, its
// 404 hint, scopes and GitHub docs URL. One generic get, list and mutate
// (call.go, paginate.go) serve every resource; rows are laid out by column
// index straight from the decoder (rows.go). The schema the host plans
// against is derived from the declarations, and EXPLAIN renders the same
// routes with the same code the provider sends them with.
//
// Methods for an organization, a user and the authenticated user (owners.go)
// exclude each other's owner params, so the host chooses among them from the
// params a statement binds, without knowing GitHub.
//
// The provider runs in its own process: [Serve] is the plugin's main, shared
// by cmd/pkgql-provider-github and pkgql's hidden `provider github` command.
package github
