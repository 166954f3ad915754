package registry

import (
	"encoding/json"
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Media types of the manifests a container package holds. Docker's v2 types
// have the same JSON shape as their OCI counterparts.
const (
	MediaTypeOCIIndex       = ocispec.MediaTypeImageIndex
	MediaTypeOCIManifest    = ocispec.MediaTypeImageManifest
	MediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	MediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"

	mediaTypeOCIConfig    = ocispec.MediaTypeImageConfig
	mediaTypeDockerConfig = "application/vnd.docker.container.image.v1+json"
)

// ManifestMediaTypes are the media types asked for in Accept, in order of
// preference.
var ManifestMediaTypes = []string{MediaTypeOCIIndex, MediaTypeOCIManifest, MediaTypeDockerList, MediaTypeDockerManifest}

// The annotations buildx puts on the index entry of an attestation manifest.
const (
	annotationReferenceType   = "vnd.docker.reference.type"
	annotationReferenceDigest = "vnd.docker.reference.digest"
	referenceTypeAttestation  = "attestation-manifest"
)

// Manifest is what the graph needs of one manifest.
type Manifest struct {
	Digest       string
	MediaType    string
	ArtifactType string // the manifest's artifactType, else its config's media type when that is not an image config
	Config       string // digest of an image manifest's config blob; "" for an index
	ConfigSize   int64
	ImageConfig  bool   // the config is an image config, so the manifest is a runnable image
	Subject      string // digest of the manifest this one refers to (OCI 1.1 subject)
	Entries      []Entry
	// Platform is read from an image's config blob, for images that no index
	// in the package describes; "" when not read.
	Platform string
}

// Entry is one manifest an index references.
type Entry struct {
	Digest      string
	MediaType   string
	Platform    string // os/architecture[/variant]; "" when absent or unknown/unknown
	Attests     string // for a buildx attestation manifest: the digest of the image it attests
	Annotations map[string]string
}

// IsIndex reports whether the media type is an index or a Docker manifest list.
func IsIndex(mediaType string) bool {
	return mediaType == MediaTypeOCIIndex || mediaType == MediaTypeDockerList
}

// rawManifest is the union of the fields of an index and a manifest.
type rawManifest struct {
	MediaType    string               `json:"mediaType"`
	ArtifactType string               `json:"artifactType"`
	Config       *ocispec.Descriptor  `json:"config"`
	Manifests    []ocispec.Descriptor `json:"manifests"`
	Subject      *ocispec.Descriptor  `json:"subject"`
}

// ParseManifest reads a manifest's JSON. contentType is the registry's
// Content-Type; the manifest's own mediaType wins when it has one, since an
// OCI manifest may leave it out and a registry may answer a generic type.
func ParseManifest(digest, contentType string, body []byte) (*Manifest, error) {
	var raw rawManifest
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("manifest %s is not JSON: %w", digest, err)
	}
	m := &Manifest{Digest: digest, MediaType: raw.MediaType, ArtifactType: raw.ArtifactType}
	if m.MediaType == "" {
		m.MediaType, _, _ = strings.Cut(contentType, ";")
		m.MediaType = strings.TrimSpace(m.MediaType)
	}
	if m.MediaType == "" {
		// The OCI image spec: an index has manifests, a manifest has a config.
		switch {
		case raw.Manifests != nil:
			m.MediaType = MediaTypeOCIIndex
		case raw.Config != nil:
			m.MediaType = MediaTypeOCIManifest
		}
	}
	if raw.Subject != nil {
		m.Subject = raw.Subject.Digest.String()
	}
	switch {
	case IsIndex(m.MediaType):
		for _, d := range raw.Manifests {
			e := Entry{Digest: d.Digest.String(), MediaType: d.MediaType, Platform: platformText(d.Platform), Annotations: d.Annotations}
			if d.Annotations[annotationReferenceType] == referenceTypeAttestation {
				e.Attests = d.Annotations[annotationReferenceDigest]
				e.Platform = ""
			}
			m.Entries = append(m.Entries, e)
		}
	case m.MediaType == MediaTypeOCIManifest || m.MediaType == MediaTypeDockerManifest:
		if raw.Config == nil {
			return nil, fmt.Errorf("manifest %s (%s) has no config", digest, m.MediaType)
		}
		m.Config, m.ConfigSize = raw.Config.Digest.String(), raw.Config.Size
		switch raw.Config.MediaType {
		case mediaTypeOCIConfig, mediaTypeDockerConfig:
			m.ImageConfig = true
		default:
			if m.ArtifactType == "" {
				m.ArtifactType = raw.Config.MediaType
			}
		}
	default:
		return nil, fmt.Errorf("manifest %s has media type %q, which is neither an image index nor an image manifest", digest, m.MediaType)
	}
	return m, nil
}

// imageConfig is the part of an image config blob that names its platform.
type imageConfig struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Variant      string `json:"variant"`
}

// ParsePlatform reads the platform from an image config blob.
func ParsePlatform(body []byte) (string, error) {
	var c imageConfig
	if err := json.Unmarshal(body, &c); err != nil {
		return "", fmt.Errorf("image config is not JSON: %w", err)
	}
	return platformText(&ocispec.Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant}), nil
}

// platformText writes a platform as docker does: linux/arm64, linux/arm/v7.
// buildx's unknown/unknown (an attestation) is no platform.
func platformText(p *ocispec.Platform) string {
	if p == nil || p.OS == "" || p.Architecture == "" || (p.OS == "unknown" && p.Architecture == "unknown") {
		return ""
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
