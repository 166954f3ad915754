package registry

// Check decides, for the versions one DELETE statement would delete (by
// version id), which it must not: those that a tag surviving the statement
// still needs to resolve completely (index, every child, attestations) and to
// keep its signatures and referrers. It returns the reason for each refused
// id, naming the tag it serves ("child linux/arm64 of v1.4.2"); the others
// may go. A tagged version deleted in the same statement needs nothing, so an
// index goes together with its children. Refused versions survive, but they
// need nothing the statement deletes that is not refused already: what a
// surviving tag needs is refused all the way down in one walk.
//
// Ids that are not versions of the package get no verdict: GitHub answers
// for them.
func (g *Graph) Check(deleting map[int64]bool) map[int64]string {
	reached := g.closure(func(n *Node) bool { return !deleting[n.ID] })
	refused := map[int64]string{}
	for _, n := range g.Nodes {
		if deleting[n.ID] && reached[n.Digest] != nil {
			refused[n.ID] = g.reason(n, reached)
		}
	}
	return refused
}

// reason says what a needed version is to the tag that needs it.
func (g *Graph) reason(n *Node, reached map[string]*step) string {
	st := reached[n.Digest]
	if st.child && n.Role != RoleAttestation {
		return "child " + g.name(n, reached)
	}
	return g.what(n, reached)
}

// what names a version that belongs to another: "signature of v1.4.2",
// "attestation of linux/arm64 of v1.4.2".
func (g *Graph) what(n *Node, reached map[string]*step) string {
	word := string(n.Role)
	switch n.Role {
	case RoleSBOM:
		word = "SBOM"
	case RoleReferrer, RoleArtifact:
		if n.ArtifactType != "" {
			word += " (" + n.ArtifactType + ")"
		}
	}
	st := reached[n.Digest]
	of := st.via
	if s := g.byDigest[n.Signs]; s != nil && reached[s.Digest] != nil {
		of = s
	}
	return word + " of " + g.name(of, reached)
}

// name names a version as a user would find it: by its tag, or as a
// platform of a tagged index.
func (g *Graph) name(n *Node, reached map[string]*step) string {
	st := reached[n.Digest]
	switch {
	case st.tag != "":
		return st.tag
	case !st.child:
		return g.what(n, reached)
	case n.Platform != "":
		return n.Platform + " of " + g.name(st.via, reached)
	case n.Role == RoleIndex:
		return "index " + short(n.Digest) + " of " + g.name(st.via, reached)
	}
	return short(n.Digest) + " of " + g.name(st.via, reached)
}

// short is a digest as docker prints it: the algorithm and 12 hex digits.
func short(digest string) string {
	if len(digest) > len("sha256:")+12 {
		return digest[:len("sha256:")+12]
	}
	return digest
}
