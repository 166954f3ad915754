package registry

import (
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Version is what the Packages REST API tells of one container version.
type Version struct {
	ID     int64
	Digest string // the version's name
	Tags   []string
}

// Role is what a version is to the image it belongs to.
type Role string

const (
	RoleImage       Role = "image"       // a runnable image manifest
	RoleIndex       Role = "index"       // an image index or Docker manifest list
	RoleAttestation Role = "attestation" // buildx attestation manifest, or cosign .att
	RoleSignature   Role = "signature"   // cosign .sig
	RoleSBOM        Role = "sbom"        // cosign .sbom
	RoleReferrer    Role = "referrer"    // an OCI 1.1 artifact with a subject, or a referrers tag index
	RoleArtifact    Role = "artifact"    // any other manifest
)

// Node is one version with its place in the graph: the image graph columns.
type Node struct {
	Version
	MediaType string
	Platform  string   // "" is null: an index, an attestation, a signature
	Children  []string // digests an index references, attestation manifests included
	Parents   []string // digests of the indexes in the package that reference this version
	Signs     string   // for a signature, attestation or referrer: the digest it belongs to
	Role      Role
	// ArtifactType is the referrer's or artifact's type, for reasons.
	ArtifactType string
	InUse        bool
}

// Graph is a container package's versions and how they depend on each other.
type Graph struct {
	Nodes    []*Node // in the order of the versions
	byDigest map[string]*Node
	// keeps lists, for a digest, what a tag on it needs besides itself: its
	// children and whatever signs, attests or refers to it.
	keeps map[string][]edge
	// referrers are what the graph was built with, to build it again.
	referrers map[string][]Referrer
}

type edge struct {
	to    string
	child bool // an index entry; else the target signs, attests or refers to the source
}

// artifactTag is cosign's tag convention (sha256-<hex>.sig, .att, .sbom) and
// the OCI referrers tag schema (sha256-<hex>), by which a registry without
// the referrers API finds what belongs to a digest.
var artifactTag = regexp.MustCompile(`^sha256-([0-9a-f]{64})(?:\.(sig|att|sbom))?$`)

// IsArtifactTag reports whether a tag names what belongs to another digest
// rather than an image: it keeps no version in use by itself.
func IsArtifactTag(tag string) bool { return artifactTag.MatchString(tag) }

// imageTags are the tags of a version that users pull.
func imageTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if !IsArtifactTag(t) {
			out = append(out, t)
		}
	}
	return out
}

// Build computes the graph of one package from its versions, the manifests
// read for them (by digest) and what the referrers API listed for subjects
// (by subject digest; nil when it was not asked). A version whose manifest
// is missing from manifests makes the graph incomplete: callers must have
// read them all.
func Build(versions []Version, manifests map[string]*Manifest, referrers map[string][]Referrer) *Graph {
	g := &Graph{byDigest: map[string]*Node{}, keeps: map[string][]edge{}, referrers: referrers}
	for _, v := range versions {
		n := &Node{Version: v}
		n.Tags = slices.Clone(v.Tags)
		g.Nodes = append(g.Nodes, n)
		g.byDigest[v.Digest] = n
	}
	attests := map[string]string{} // attestation manifest → the image it attests, from the index entries
	// listed is what the referrers API says a version refers to, for a
	// referrer whose manifest names no subject (a registry may keep the
	// link apart from the manifest), and its artifact type.
	listed := map[string]Referrer{}
	listedSubject := map[string]string{}
	for subject, refs := range referrers {
		for _, r := range refs {
			if _, ok := listedSubject[r.Digest]; !ok || subject < listedSubject[r.Digest] {
				listedSubject[r.Digest], listed[r.Digest] = subject, r
			}
		}
	}
	platforms := map[string]string{}
	for _, n := range g.Nodes {
		m := manifests[n.Digest]
		if m == nil {
			continue
		}
		n.MediaType = m.MediaType
		n.ArtifactType = m.ArtifactType
		for _, e := range m.Entries {
			n.Children = append(n.Children, e.Digest)
			g.keeps[n.Digest] = append(g.keeps[n.Digest], edge{to: e.Digest, child: true})
			if c := g.byDigest[e.Digest]; c != nil && !slices.Contains(c.Parents, n.Digest) {
				c.Parents = append(c.Parents, n.Digest)
			}
			if e.Attests != "" {
				attests[e.Digest] = e.Attests
			}
			if e.Platform != "" && platforms[e.Digest] == "" {
				platforms[e.Digest] = e.Platform
			}
		}
	}
	for _, n := range g.Nodes {
		m := manifests[n.Digest]
		if m == nil {
			continue
		}
		slices.Sort(n.Parents)
		tagSubject, tagKind := "", ""
		for _, t := range n.Tags {
			if sm := artifactTag.FindStringSubmatch(t); sm != nil {
				tagSubject, tagKind = "sha256:"+sm[1], sm[2]
				break
			}
		}
		if m.ArtifactType == "" && listed[n.Digest].ArtifactType != "" {
			cp := *m
			cp.ArtifactType = listed[n.Digest].ArtifactType
			m = &cp
			n.ArtifactType = m.ArtifactType
		}
		switch {
		case m.Subject != "":
			n.Signs, n.Role = m.Subject, referrerRole(tagKind, m)
		case listedSubject[n.Digest] != "":
			n.Signs, n.Role = listedSubject[n.Digest], referrerRole(tagKind, m)
		case attests[n.Digest] != "":
			n.Signs, n.Role = attests[n.Digest], RoleAttestation
		case tagSubject != "" && tagKind != "":
			n.Signs, n.Role = tagSubject, referrerRole(tagKind, m)
		case tagSubject != "" && IsIndex(m.MediaType):
			// A referrers tag schema index lists the referrers of its digest.
			n.Signs, n.Role = tagSubject, RoleReferrer
		case IsIndex(m.MediaType):
			n.Role = RoleIndex
		case m.ImageConfig:
			n.Role = RoleImage
			n.Platform = platforms[n.Digest]
			if n.Platform == "" {
				n.Platform = m.Platform
			}
		default:
			n.Role = RoleArtifact
		}
		if n.Signs != "" {
			g.keeps[n.Signs] = append(g.keeps[n.Signs], edge{to: n.Digest})
		}
	}
	// A referrer is kept by every subject the API lists it for, not only by
	// the one its manifest names.
	for _, subject := range slices.Sorted(maps.Keys(referrers)) {
		for _, r := range referrers[subject] {
			if n := g.byDigest[r.Digest]; n != nil && n.Signs != subject {
				g.keeps[subject] = append(g.keeps[subject], edge{to: n.Digest})
			}
		}
	}
	reached := g.closure(func(n *Node) bool { return true })
	// Tagged is in use whatever the tag, as "in use" means in the Packages
	// UI; only image tags keep other versions in use.
	for _, n := range g.Nodes {
		n.InUse = reached[n.Digest] != nil || len(n.Tags) > 0
	}
	return g
}

// referrerRole tells a signature from an attestation or an SBOM by its cosign
// tag, or by the artifact type of an OCI referrer.
func referrerRole(tagKind string, m *Manifest) Role {
	switch tagKind {
	case "sig":
		return RoleSignature
	case "att":
		return RoleAttestation
	case "sbom":
		return RoleSBOM
	}
	at := strings.ToLower(m.ArtifactType)
	switch {
	case strings.Contains(at, "sigstore.bundle"), strings.Contains(at, "signature"), strings.Contains(at, "notary"):
		return RoleSignature
	case strings.Contains(at, "spdx"), strings.Contains(at, "cyclonedx"), strings.Contains(at, "sbom"):
		return RoleSBOM
	case strings.Contains(at, "in-toto"), strings.Contains(at, "attestation"):
		return RoleAttestation
	}
	return RoleReferrer
}

// Unplaced are the images whose platform no index in the package tells: the
// manifests whose config blob Client.ReadPlatforms must read before the
// graph is built again.
func (g *Graph) Unplaced(manifests map[string]*Manifest) []*Manifest {
	var out []*Manifest
	for _, n := range g.Nodes {
		if n.Role == RoleImage && n.Platform == "" && manifests[n.Digest] != nil {
			out = append(out, manifests[n.Digest])
		}
	}
	return out
}

// Needed are the digests of the versions a tag needs (reached from an image
// tag through children, signatures, attestations and referrers), in the
// package's order: the subjects whose referrers matter. A referrer of
// anything else is kept by no tag.
func (g *Graph) Needed() []string {
	reached := g.closure(func(*Node) bool { return true })
	var out []string
	for _, n := range g.Nodes {
		if reached[n.Digest] != nil {
			out = append(out, n.Digest)
		}
	}
	return out
}

// Node returns the version with a digest.
func (g *Graph) Node(digest string) *Node { return g.byDigest[digest] }

// step is how a version was reached from a tag: from the version via, as a
// child or as something that belongs to it.
type step struct {
	via   *Node
	child bool
	tag   string // set on the tagged version the walk started from
}

// closure walks from the image-tagged versions that survive through what
// they keep, and returns for each version reached how it was reached first.
// Versions are walked in the package's order and tags in theirs, so reasons
// are stable.
func (g *Graph) closure(survives func(*Node) bool) map[string]*step {
	reached := map[string]*step{}
	var queue []*Node
	for _, n := range g.Nodes {
		if tags := imageTags(n.Tags); len(tags) > 0 && survives(n) {
			reached[n.Digest] = &step{tag: tags[0]}
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range g.keeps[n.Digest] {
			c := g.byDigest[e.to]
			if c == nil || reached[c.Digest] != nil {
				continue
			}
			reached[c.Digest] = &step{via: n, child: e.child}
			queue = append(queue, c)
		}
	}
	return reached
}
