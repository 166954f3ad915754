package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ImageRepo is one image repository of the registry: a container package's
// manifests in push order, each a version of the package.
type ImageRepo struct {
	Name      string // owner/package, as pulled: ghcr.io/<Name>
	Private   bool
	Manifests []*ImageManifest
	Blobs     map[string]Blob
}

// ImageManifest is one pushed manifest: one container package version whose
// name is Digest and whose tags are Tags at the end of the push history.
type ImageManifest struct {
	Digest       string
	MediaType    string
	ArtifactType string
	Subject      string
	Annotations  map[string]string
	Body         []byte
	Tags         []string
	CreatedAt    time.Time
	gone         bool // its version was deleted
}

// Blob is a config blob, served for the platform of single-arch images.
type Blob struct {
	MediaType string
	Body      []byte
}

func (r *ImageRepo) find(ref string) *ImageManifest {
	for _, m := range r.Manifests {
		if m.gone {
			continue
		}
		if m.Digest == ref || slices.Contains(m.Tags, ref) {
			return m
		}
	}
	return nil
}

// pusher replays what docker, buildx and cosign push, so that manifests,
// digests and tags are what a registry would hold after the same commands.
type pusher struct {
	repo *ImageRepo
	at   time.Time
	n    int // makes every build's layers differ
	// referrersAPI is whether the registry serves the referrers API; when
	// not, a referrer is pushed with a referrers tag schema index.
	referrersAPI bool
}

func newPusher(name string, private bool, start time.Time) *pusher {
	return &pusher{repo: &ImageRepo{Name: name, Private: private, Blobs: map[string]Blob{}}, at: start, referrersAPI: true}
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

type desc struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int               `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Platform     map[string]string `json:"platform,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

type manifestDoc struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Config        *desc             `json:"config,omitempty"`
	Layers        []desc            `json:"layers,omitempty"`
	Manifests     []desc            `json:"manifests,omitempty"`
	Subject       *desc             `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// push stores a manifest a minute after the previous one.
func (p *pusher) push(doc manifestDoc, tags ...string) *ImageManifest {
	body, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	p.at = p.at.Add(time.Minute)
	m := &ImageManifest{Digest: digestOf(body), MediaType: doc.MediaType, ArtifactType: doc.ArtifactType, Annotations: doc.Annotations, Body: body, CreatedAt: p.at}
	if doc.Subject != nil {
		m.Subject = doc.Subject.Digest
	}
	for _, old := range p.repo.Manifests {
		if old.Digest == m.Digest {
			panic("sandbox: the same manifest pushed twice: " + m.Digest)
		}
	}
	p.repo.Manifests = append(p.repo.Manifests, m)
	for _, t := range tags {
		p.tag(m, t)
	}
	return m
}

// tag moves a tag onto m, as docker push does.
func (p *pusher) tag(m *ImageManifest, tag string) {
	for _, old := range p.repo.Manifests {
		old.Tags = slices.DeleteFunc(old.Tags, func(t string) bool { return t == tag })
	}
	m.Tags = append(m.Tags, tag)
}

func (p *pusher) layer() desc {
	p.n++
	return desc{MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Digest: digestOf(fmt.Appendf(nil, "%s layer %d", p.repo.Name, p.n)), Size: 1000 + p.n}
}

// image pushes a single-platform image manifest with its config blob.
func (p *pusher) image(docker bool, platform string, tags ...string) *ImageManifest {
	os, arch, variant := splitPlatform(platform)
	p.n++
	cfg, _ := json.Marshal(map[string]any{"architecture": arch, "os": os, "variant": variant, "created": p.at.Format(time.RFC3339), "rootfs": map[string]any{"type": "layers"}, "build": p.n})
	mt, cmt, lt := "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.config.v1+json", "application/vnd.oci.image.layer.v1.tar+gzip"
	if docker {
		mt, cmt, lt = "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.container.image.v1+json", "application/vnd.docker.image.rootfs.diff.tar.gzip"
	}
	cd := digestOf(cfg)
	p.repo.Blobs[cd] = Blob{MediaType: cmt, Body: cfg}
	l := p.layer()
	l.MediaType = lt
	return p.push(manifestDoc{SchemaVersion: 2, MediaType: mt, Config: &desc{MediaType: cmt, Digest: cd, Size: len(cfg)}, Layers: []desc{l}}, tags...)
}

func splitPlatform(s string) (os, arch, variant string) {
	parts := strings.Split(s, "/")
	os, arch = parts[0], parts[1]
	if len(parts) > 2 {
		variant = parts[2]
	}
	return os, arch, variant
}

func platformMap(s string) map[string]string {
	os, arch, variant := splitPlatform(s)
	m := map[string]string{"os": os, "architecture": arch}
	if variant != "" {
		m["variant"] = variant
	}
	return m
}

func descOf(m *ImageManifest) desc {
	return desc{MediaType: m.MediaType, Digest: m.Digest, Size: len(m.Body), ArtifactType: m.ArtifactType}
}

// buildx pushes what `docker buildx build --platform … --push` does: one
// image per platform, an attestation manifest (provenance) per image when
// attest is set, then the index that lists them all, tagged.
func (p *pusher) buildx(platforms []string, attest bool, tags ...string) (*ImageManifest, []*ImageManifest) {
	var entries []desc
	var children []*ImageManifest
	for _, pl := range platforms {
		img := p.image(false, pl)
		d := descOf(img)
		d.Platform = platformMap(pl)
		entries = append(entries, d)
		children = append(children, img)
	}
	if attest {
		for _, img := range children[:len(platforms)] {
			att := p.push(manifestDoc{SchemaVersion: 2, MediaType: "application/vnd.oci.image.manifest.v1+json",
				Config: &desc{MediaType: "application/vnd.oci.image.config.v1+json", Digest: digestOf([]byte("{}" + img.Digest)), Size: 2},
				Layers: []desc{{MediaType: "application/vnd.in-toto+json", Digest: digestOf([]byte("provenance " + img.Digest)), Size: 4000,
					Annotations: map[string]string{"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}}}})
			d := descOf(att)
			d.Platform = map[string]string{"os": "unknown", "architecture": "unknown"}
			d.Annotations = map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": img.Digest}
			entries = append(entries, d)
			children = append(children, att)
		}
	}
	idx := p.index(false, entries, tags...)
	return idx, children
}

// index pushes an index (or a Docker manifest list) of entries.
func (p *pusher) index(docker bool, entries []desc, tags ...string) *ImageManifest {
	mt := "application/vnd.oci.image.index.v1+json"
	if docker {
		mt = "application/vnd.docker.distribution.manifest.list.v2+json"
	}
	p.n++
	return p.push(manifestDoc{SchemaVersion: 2, MediaType: mt, Manifests: entries,
		Annotations: map[string]string{"org.opencontainers.image.created": p.at.Add(time.Duration(p.n) * time.Second).Format(time.RFC3339)}}, tags...)
}

// dockerList pushes Docker v2 images for platforms and a manifest list of
// them, as `docker manifest push` does.
func (p *pusher) dockerList(platforms []string, tags ...string) (*ImageManifest, []*ImageManifest) {
	var entries []desc
	var children []*ImageManifest
	for _, pl := range platforms {
		img := p.image(true, pl)
		d := descOf(img)
		d.Platform = platformMap(pl)
		entries = append(entries, d)
		children = append(children, img)
	}
	return p.index(true, entries, tags...), children
}

// cosign pushes what `cosign sign` (kind "sig") or `cosign attest` ("att")
// push to a registry without the referrers API: a manifest tagged
// sha256-<hex>.<kind>.
func (p *pusher) cosign(subject, kind string) *ImageManifest {
	layer := "application/vnd.dev.cosign.simplesigning.v1+json"
	if kind == "att" {
		layer = "application/vnd.dsse.envelope.v1+json"
	}
	p.n++
	return p.push(manifestDoc{SchemaVersion: 2, MediaType: "application/vnd.oci.image.manifest.v1+json",
		Config: &desc{MediaType: "application/vnd.oci.image.config.v1+json", Digest: digestOf(fmt.Appendf(nil, "cosign config %d", p.n)), Size: 233},
		Layers: []desc{{MediaType: layer, Digest: digestOf(fmt.Appendf(nil, "cosign %s %s %d", kind, subject, p.n)), Size: 250,
			Annotations: map[string]string{"dev.cosignproject.cosign/signature": "MEUCIQ…"}}}},
		"sha256-"+strings.TrimPrefix(subject, "sha256:")+"."+kind)
}

// sbom pushes an OCI 1.1 referrer, as `oras attach --artifact-type
// application/spdx+json` does: untagged, found through its subject and the
// referrers API. Against a registry without that API, oras then pushes the
// referrers tag schema index: an index of the subject's referrers tagged
// sha256-<hex of the subject>.
func (p *pusher) sbom(subject *ImageManifest) *ImageManifest {
	p.n++
	s := descOf(subject)
	ref := p.push(manifestDoc{SchemaVersion: 2, MediaType: "application/vnd.oci.image.manifest.v1+json", ArtifactType: "application/spdx+json",
		Config:  &desc{MediaType: "application/vnd.oci.empty.v1+json", Digest: digestOf([]byte("{}")), Size: 2},
		Layers:  []desc{{MediaType: "application/spdx+json", Digest: digestOf(fmt.Appendf(nil, "sbom %s %d", subject.Digest, p.n)), Size: 9000}},
		Subject: &s, Annotations: map[string]string{"org.opencontainers.image.created": p.at.Format(time.RFC3339)}})
	if !p.referrersAPI {
		d := descOf(ref)
		d.Annotations = ref.Annotations
		p.push(manifestDoc{SchemaVersion: 2, MediaType: "application/vnd.oci.image.index.v1+json", Manifests: []desc{d}},
			"sha256-"+strings.TrimPrefix(subject.Digest, "sha256:"))
	}
	return ref
}

// ImageRepos are the sandbox's images, each the push history of one
// container package of owner, pushed to a registry with or without the
// referrers API. Each manifest is one version of the package.
func ImageRepos(owner string, referrersAPI bool) []*ImageRepo {
	return []*ImageRepo{appHistory(owner+"/app", referrersAPI), toolHistory(owner + "/tool")}
}

// appHistory is a service released with buildx for years: Docker v2 lists
// first, then OCI indexes with provenance attestations, cosign signatures, an
// SBOM, a moving latest, re-tagged indexes sharing platform manifests, pull
// request builds whose tags moved on, and a signature of an image since
// deleted.
func appHistory(name string, referrersAPI bool) *ImageRepo {
	p := newPusher(name, false, time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
	p.referrersAPI = referrersAPI
	// v0.9: docker manifest push, Docker v2 media types.
	p.dockerList([]string{"linux/amd64", "linux/arm/v7"}, "v0.9.0")
	// An old single-arch push whose tag moved on: garbage.
	p.image(true, "linux/amd64", "latest")
	// v1.0.0 with buildx: OCI index, provenance per platform, signed.
	v1, _ := p.buildx([]string{"linux/amd64", "linux/arm64"}, true, "v1.0.0", "latest")
	p.cosign(v1.Digest, "sig")
	// v1.1.0: three platforms, signed, attested by cosign, an SBOM referrer.
	v11, kids := p.buildx([]string{"linux/amd64", "linux/arm64", "linux/arm/v7"}, true, "v1.1.0", "latest")
	p.cosign(v11.Digest, "sig")
	p.cosign(v11.Digest, "att")
	p.sbom(v11)
	// v1.1: the same platform manifests re-tagged in a second index (amd64
	// and arm64 only), as `docker buildx imagetools create` does.
	var entries []desc
	for _, k := range kids[:2] {
		d := descOf(k)
		d.Platform = platformMap([]string{"linux/amd64", "linux/arm64"}[len(entries)])
		entries = append(entries, d)
	}
	p.index(false, entries, "v1.1")
	// Pull request builds: pr-7 pushed twice (the first build is garbage
	// with its children), pr-8 once.
	p.buildx([]string{"linux/amd64", "linux/arm64"}, true, "pr-7")
	p.buildx([]string{"linux/amd64", "linux/arm64"}, true, "pr-7")
	p.buildx([]string{"linux/amd64"}, false, "pr-8")
	// A signature whose image is gone: its index was deleted long ago.
	p.cosign(digestOf([]byte("an image deleted before this history")), "sig")
	// main: a moving branch tag, and a standalone arm64 image pushed untagged.
	p.buildx([]string{"linux/amd64", "linux/arm64"}, true, "main")
	p.buildx([]string{"linux/amd64", "linux/arm64"}, true, "main")
	p.image(false, "linux/arm64")
	return p.repo
}

// toolHistory is a private single-arch tool pushed with plain docker push:
// Docker v2 manifests, a moving latest, and a cosign-signed release.
func toolHistory(name string) *ImageRepo {
	p := newPusher(name, true, time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC))
	p.image(true, "linux/amd64", "2.0", "latest")
	rel := p.image(true, "linux/amd64", "2.1", "latest")
	p.cosign(rel.Digest, "sig")
	p.image(true, "linux/amd64", "latest")
	return p.repo
}

// imagePackage is the container package whose versions are repo's
// manifests, oldest first, none deleted.
func imagePackage(repo *ImageRepo, owner string, id int64) *Package {
	first, last := repo.Manifests[0], repo.Manifests[len(repo.Manifests)-1]
	p := &Package{ID: id, Name: strings.TrimPrefix(repo.Name, owner+"/"), PackageType: "container", Visibility: "public",
		VersionCount: len(repo.Manifests), CreatedAt: first.CreatedAt, UpdatedAt: last.CreatedAt, image: repo}
	if repo.Private {
		p.Visibility = "private"
	}
	vs := make([]*Version, len(repo.Manifests))
	for i, m := range repo.Manifests {
		vs[i] = &Version{ID: id*1000 + int64(i) + 1, Name: m.Digest, Tags: slices.Clone(m.Tags), CreatedAt: m.CreatedAt, UpdatedAt: m.CreatedAt}
	}
	p.versions = &vs
	return p
}
