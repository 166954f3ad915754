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
// Each resource is one declaration (see [resource]): its fields, params and
// methods, each method paired with the function that performs it. The schema
// the host plans against is derived from those declarations and nothing
// restates them.
//
// The provider runs in its own process: [Serve] is the plugin's main, shared
// by cmd/pkgql-provider-github and pkgql's hidden `provider github` command.
package github
