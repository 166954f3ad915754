// Package registry reads container image manifests from an OCI registry
// (ghcr.io by default) and computes from them what the Packages REST API
// cannot tell: which versions of a container package are the platform
// manifests, attestations, signatures and referrers of which tagged image.
//
// Data flows one way: the provider lists a package's versions through the
// REST API, [Client.ReadManifests] reads each version's manifest once, [Build]
// turns versions and manifests into a [Graph] (the media_type, platform,
// children, parents, signs and in_use columns), and [Graph.Check] decides, for
// the versions one DELETE statement would delete, which would break a tag that
// survives it. Build and Check are pure: they read nothing.
package registry
