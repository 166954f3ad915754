package registry

import (
	"slices"
	"strings"
	"testing"
)

// dg makes a digest from a short name, so tables read well.
func dg(name string) string { return "sha256:" + strings.Repeat("0", 64-len(name)) + name }

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    Manifest
		err                     string
	}{
		{name: "docker list", contentType: MediaTypeDockerList,
			body: `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"` + dg("a1") + `","size":1,"platform":{"architecture":"arm","os":"linux","variant":"v7"}}]}`,
			want: Manifest{MediaType: MediaTypeDockerList, Entries: []Entry{{Digest: dg("a1"), MediaType: MediaTypeDockerManifest, Platform: "linux/arm/v7"}}}},
		{name: "OCI manifest without mediaType takes the Content-Type", contentType: MediaTypeOCIManifest + "; charset=utf-8",
			body: `{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + dg("c") + `","size":7},"layers":[]}`,
			want: Manifest{MediaType: MediaTypeOCIManifest, Config: dg("c"), ConfigSize: 7, ImageConfig: true}},
		{name: "OCI index with neither mediaType nor Content-Type", body: `{"schemaVersion":2,"manifests":[]}`,
			want: Manifest{MediaType: MediaTypeOCIIndex}},
		{name: "buildx attestation entry", contentType: MediaTypeOCIIndex,
			body: `{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + dg("b") + `","size":1,"platform":{"architecture":"unknown","os":"unknown"},"annotations":{"vnd.docker.reference.type":"attestation-manifest","vnd.docker.reference.digest":"` + dg("a") + `"}}]}`,
			want: Manifest{MediaType: MediaTypeOCIIndex, Entries: []Entry{{Digest: dg("b"), MediaType: MediaTypeOCIManifest, Attests: dg("a"),
				Annotations: map[string]string{annotationReferenceType: referenceTypeAttestation, annotationReferenceDigest: dg("a")}}}}},
		{name: "referrer with subject and artifact type", contentType: MediaTypeOCIManifest,
			body: `{"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/spdx+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"` + dg("e") + `","size":2},"subject":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"` + dg("i") + `","size":9}}`,
			want: Manifest{MediaType: MediaTypeOCIManifest, ArtifactType: "application/spdx+json", Config: dg("e"), ConfigSize: 2, Subject: dg("i")}},
		{name: "artifact type from the config", contentType: MediaTypeOCIManifest,
			body: `{"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"` + dg("h") + `","size":2}}`,
			want: Manifest{MediaType: MediaTypeOCIManifest, ArtifactType: "application/vnd.cncf.helm.config.v1+json", Config: dg("h"), ConfigSize: 2}},
		{name: "not JSON", body: `<html>`, err: "not JSON"},
		{name: "schema 1", contentType: "application/vnd.docker.distribution.manifest.v1+prettyjws", body: `{"schemaVersion":1}`, err: "neither an image index nor an image manifest"},
		{name: "manifest without config", contentType: MediaTypeOCIManifest, body: `{}`, err: "has no config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest("sha256:x", tt.contentType, []byte(tt.body))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Digest = "sha256:x"
			if got := *m; !equalManifest(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func equalManifest(a, b Manifest) bool {
	ea, eb := a.Entries, b.Entries
	if a.Digest != b.Digest || a.MediaType != b.MediaType || a.ArtifactType != b.ArtifactType || a.Config != b.Config ||
		a.ConfigSize != b.ConfigSize || a.ImageConfig != b.ImageConfig || a.Subject != b.Subject || a.Platform != b.Platform || len(ea) != len(eb) {
		return false
	}
	for i := range ea {
		if ea[i].Digest != eb[i].Digest || ea[i].MediaType != eb[i].MediaType || ea[i].Platform != eb[i].Platform || ea[i].Attests != eb[i].Attests {
			return false
		}
	}
	return true
}

func TestParsePlatform(t *testing.T) {
	for body, want := range map[string]string{
		`{"os":"linux","architecture":"arm64"}`:               "linux/arm64",
		`{"os":"linux","architecture":"arm","variant":"v7"}`:  "linux/arm/v7",
		`{"os":"windows","architecture":"amd64","rootfs":{}}`: "windows/amd64",
		`{}`: "",
	} {
		if got, err := ParsePlatform([]byte(body)); err != nil || got != want {
			t.Errorf("ParsePlatform(%s) = %q, %v; want %q", body, got, err, want)
		}
	}
}

// index and image build manifests by hand for cases the sandbox's history lacks.
func index(d string, entries ...Entry) *Manifest {
	return &Manifest{Digest: d, MediaType: MediaTypeOCIIndex, Entries: entries}
}

func image(d string) *Manifest {
	return &Manifest{Digest: d, MediaType: MediaTypeOCIManifest, Config: dg("cfg"), ImageConfig: true}
}

func TestBuildEdgeCases(t *testing.T) {
	t.Run("referrers tag schema index", func(t *testing.T) {
		// A registry without the referrers API: oras keeps the referrers of
		// i in an index tagged sha256-<hex of i>.
		i, r, ri := dg("1"), dg("2"), dg("3")
		ref := &Manifest{Digest: r, MediaType: MediaTypeOCIManifest, ArtifactType: "application/vnd.example+json", Subject: i}
		g := Build([]Version{{ID: 1, Digest: i, Tags: []string{"v1"}}, {ID: 2, Digest: r}, {ID: 3, Digest: ri, Tags: []string{"sha256-" + i[7:]}}},
			map[string]*Manifest{i: image(i), r: ref, ri: index(ri, Entry{Digest: r})}, nil)
		n := g.Node(ri)
		if n.Signs != i || n.Role != RoleReferrer || !n.InUse || n.Platform != "" {
			t.Errorf("referrers index: %+v", n)
		}
		if got := g.Check(map[int64]bool{3: true}); got[3] != "referrer of v1" {
			t.Errorf("deleting the referrers index: %v", got)
		}
		if got := g.Check(map[int64]bool{1: true, 2: true, 3: true}); len(got) != 0 {
			t.Errorf("deleting the image with what refers to it: %v", got)
		}
	})
	t.Run("a referrer only the referrers API tells of", func(t *testing.T) {
		// Its manifest names no subject and no tag names it: only the API's
		// answer for the image links them, and its artifact type says SBOM.
		a, r, junk, jr := dg("a1"), dg("a2"), dg("a3"), dg("a4")
		ref := &Manifest{Digest: r, MediaType: MediaTypeOCIManifest, Config: dg("e"), ConfigSize: 2}
		vs := []Version{{ID: 1, Digest: a, Tags: []string{"v1"}}, {ID: 2, Digest: r}, {ID: 3, Digest: junk}, {ID: 4, Digest: jr}}
		ms := map[string]*Manifest{a: image(a), r: ref, junk: image(junk), jr: {Digest: jr, MediaType: MediaTypeOCIManifest, Config: dg("e"), ConfigSize: 2}}
		if n := Build(vs, ms, nil).Node(r); n.InUse || n.Signs != "" {
			t.Fatalf("without the API: %+v", n)
		}
		g := Build(vs, ms, map[string][]Referrer{a: {{Digest: r, ArtifactType: "application/spdx+json"}}, junk: {{Digest: jr}}})
		if n := g.Node(r); !n.InUse || n.Signs != a || n.Role != RoleSBOM {
			t.Errorf("with the API: %+v", n)
		}
		if n := g.Node(jr); n.InUse || n.Signs != junk {
			t.Errorf("a referrer of garbage: %+v", n)
		}
		if got := g.Check(map[int64]bool{2: true, 3: true, 4: true}); len(got) != 1 || got[2] != "SBOM of v1" {
			t.Errorf("deleting every untagged version: %v", got)
		}
	})
	t.Run("an index that lists itself does not loop", func(t *testing.T) {
		i := dg("9")
		g := Build([]Version{{ID: 1, Digest: i, Tags: []string{"x"}}}, map[string]*Manifest{i: index(i, Entry{Digest: i})}, nil)
		if n := g.Node(i); !n.InUse || !slices.Equal(n.Parents, []string{i}) {
			t.Errorf("%+v", n)
		}
	})
	t.Run("children that are not versions are listed, not invented", func(t *testing.T) {
		i := dg("8")
		g := Build([]Version{{ID: 1, Digest: i, Tags: []string{"x"}}}, map[string]*Manifest{i: index(i, Entry{Digest: dg("gone")})}, nil)
		if n := g.Node(i); !slices.Equal(n.Children, []string{dg("gone")}) || len(g.Nodes) != 1 {
			t.Errorf("%+v", n)
		}
	})
	t.Run("a signature of a signature is kept by the image's tag", func(t *testing.T) {
		a, s1, s2 := dg("a"), dg("b"), dg("c")
		g := Build([]Version{{ID: 1, Digest: a, Tags: []string{"v1"}}, {ID: 2, Digest: s1, Tags: []string{"sha256-" + a[7:] + ".sig"}}, {ID: 3, Digest: s2, Tags: []string{"sha256-" + s1[7:] + ".sig"}}},
			map[string]*Manifest{a: image(a), s1: image(s1), s2: image(s2)}, nil)
		if got := g.Check(map[int64]bool{3: true}); got[3] != "signature of signature of v1" {
			t.Errorf("%v", got)
		}
	})
}
