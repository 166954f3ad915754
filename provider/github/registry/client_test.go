package registry_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pkgql/pkgql/provider/github/registry"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

const ghToken = "ghp_sandboxtoken000000000000000000000000"

// serve starts the sandbox registry on a real listener, with the referrers
// API or without it.
func serve(t *testing.T, referrersAPI bool) (*sandbox.Registry, *httptest.Server, map[string]*sandbox.ImageRepo) {
	t.Helper()
	repos := sandbox.ImageRepos("octocat", referrersAPI)
	reg := sandbox.NewRegistry(ghToken, repos)
	reg.SetReferrersAPI(referrersAPI)
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	byName := map[string]*sandbox.ImageRepo{}
	for _, r := range repos {
		byName[r.Name] = r
	}
	return reg, srv, byName
}

func versions(repo *sandbox.ImageRepo) ([]registry.Version, []string) {
	var vs []registry.Version
	var ds []string
	for i, m := range repo.Manifests {
		vs = append(vs, registry.Version{ID: int64(i + 1), Digest: m.Digest, Tags: m.Tags})
		ds = append(ds, m.Digest)
	}
	return vs, ds
}

func newClient(t *testing.T, url, token string) *registry.Client {
	t.Helper()
	c, err := registry.New(registry.Config{URL: url, Token: token, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSandboxHistory reads the app's push history over HTTP and checks the
// graph against what each push made, version by version.
func TestSandboxHistory(t *testing.T) {
	reg, srv, repos := serve(t, true)
	repo := repos["octocat/app"]
	vs, ds := versions(repo)
	c := newClient(t, srv.URL, "")
	var tally registry.Tally
	ms, err := c.ReadManifests(context.Background(), "octocat/app", append(ds, ds[0]), &tally)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ReadPlatforms(context.Background(), "octocat/app", registry.Build(vs, ms, nil).Unplaced(ms), &tally); err != nil {
		t.Fatal(err)
	}
	reads := tally.Reads()
	// Manifests are named by digest, so a second read of the package reads
	// none again.
	var again registry.Tally
	if _, err := c.ReadManifests(context.Background(), "octocat/app", ds, &again); err != nil || again.Reads().Requests != 0 {
		t.Errorf("read again: %+v, %v", again.Reads(), err)
	}
	// One read per manifest, asked twice or not; the config of the two
	// images no index describes; the challenge and one token.
	if reads.Manifests != int64(len(ds)) || reads.Configs != 2 || reads.Requests != int64(len(ds))+2+2 {
		t.Errorf("reads %+v for %d manifests", reads, len(ds))
	}
	if st := reg.Stats(); st[sandbox.RegKindManifest] != len(ds)+1 || st[sandbox.RegKindToken] != 1 || st[sandbox.RegKindBlob] != 2 {
		t.Errorf("the registry saw %v", st)
	}
	g := registry.Build(vs, ms, nil)

	// The truth, from the push history in sandbox/registry_seed.go: id →
	// role, platform, in use.
	type truth struct {
		role     registry.Role
		platform string
		inUse    bool
	}
	img := func(p string, inUse bool) truth { return truth{registry.RoleImage, p, inUse} }
	att := func(inUse bool) truth { return truth{registry.RoleAttestation, "", inUse} }
	idx := func(inUse bool) truth { return truth{registry.RoleIndex, "", inUse} }
	want := []truth{
		img("linux/amd64", true), img("linux/arm/v7", true), idx(true), // v0.9.0, Docker v2
		img("linux/amd64", false),                                                                                               // latest moved on
		img("linux/amd64", true), img("linux/arm64", true), att(true), att(true), idx(true), {registry.RoleSignature, "", true}, // v1.0.0
		img("linux/amd64", true), img("linux/arm64", true), img("linux/arm/v7", true), att(true), att(true), att(true), idx(true), // v1.1.0
		{registry.RoleSignature, "", true}, att(true), {registry.RoleSBOM, "", true},
		idx(true),                                                                                // v1.1
		img("linux/amd64", false), img("linux/arm64", false), att(false), att(false), idx(false), // pr-7, first build
		img("linux/amd64", true), img("linux/arm64", true), att(true), att(true), idx(true), // pr-7
		img("linux/amd64", true), idx(true), // pr-8
		{registry.RoleSignature, "", true},                                                       // of an image that is gone: tagged all the same
		img("linux/amd64", false), img("linux/arm64", false), att(false), att(false), idx(false), // main, first build
		img("linux/amd64", true), img("linux/arm64", true), att(true), att(true), idx(true), // main
		img("linux/arm64", false), // pushed untagged
	}
	if len(want) != len(g.Nodes) {
		t.Fatalf("%d versions, the table has %d", len(g.Nodes), len(want))
	}
	for i, n := range g.Nodes {
		got := truth{n.Role, n.Platform, n.InUse}
		if got != want[i] {
			t.Errorf("version %d (%s, tags %v): %+v, want %+v", n.ID, n.Digest[:19], n.Tags, got, want[i])
		}
	}
	node := func(id int) *registry.Node { return g.Nodes[id-1] }
	// Media types as pushed; parents of the platform manifests shared by
	// v1.1.0 and v1.1; children of v1.1.0 in the index's order.
	if node(1).MediaType != registry.MediaTypeDockerManifest || node(3).MediaType != registry.MediaTypeDockerList || node(17).MediaType != registry.MediaTypeOCIIndex {
		t.Errorf("media types %s %s %s", node(1).MediaType, node(3).MediaType, node(17).MediaType)
	}
	if !slices.Equal(node(11).Parents, sorted(node(17).Digest, node(21).Digest)) || !slices.Equal(node(13).Parents, []string{node(17).Digest}) {
		t.Errorf("parents %v %v", node(11).Parents, node(13).Parents)
	}
	var kids []string
	for _, id := range []int{11, 12, 13, 14, 15, 16} {
		kids = append(kids, node(id).Digest)
	}
	if !slices.Equal(node(17).Children, kids) {
		t.Errorf("children of v1.1.0 %v", node(17).Children)
	}
	for id, subject := range map[int]int{7: 5, 10: 9, 14: 11, 18: 17, 19: 17, 20: 17} {
		if node(id).Signs != node(subject).Digest {
			t.Errorf("version %d signs %s, want version %d", id, node(id).Signs, subject)
		}
	}

	tests := []struct {
		name    string
		delete  []int
		refused map[int]string
	}{
		{name: "every untagged version", delete: untagged(g),
			refused: map[int]string{1: "child linux/amd64 of v0.9.0", 2: "child linux/arm/v7 of v0.9.0",
				5: "child linux/amd64 of v1.0.0", 6: "child linux/arm64 of v1.0.0", 7: "attestation of linux/amd64 of v1.0.0", 8: "attestation of linux/arm64 of v1.0.0",
				11: "child linux/amd64 of v1.1.0", 12: "child linux/arm64 of v1.1.0", 13: "child linux/arm/v7 of v1.1.0",
				14: "attestation of linux/amd64 of v1.1.0", 15: "attestation of linux/arm64 of v1.1.0", 16: "attestation of linux/arm/v7 of v1.1.0", 20: "SBOM of v1.1.0",
				27: "child linux/amd64 of pr-7", 28: "child linux/arm64 of pr-7", 29: "attestation of linux/amd64 of pr-7", 30: "attestation of linux/arm64 of pr-7",
				32: "child linux/amd64 of pr-8",
				40: "child linux/amd64 of main", 41: "child linux/arm64 of main", 42: "attestation of linux/amd64 of main", 43: "attestation of linux/arm64 of main"}},
		{name: "the garbage", delete: []int{4, 22, 23, 24, 25, 26, 34, 35, 36, 37, 38, 39, 45}},
		{name: "a tagged index with its children and signatures", delete: []int{5, 6, 7, 8, 9, 10}},
		{name: "a signature of a surviving tag", delete: []int{10}, refused: map[int]string{10: "signature of v1.0.0"}},
		{name: "v1.1.0 with its children, while v1.1 shares two of them", delete: []int{11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
			refused: map[int]string{11: "child linux/amd64 of v1.1", 12: "child linux/arm64 of v1.1", 14: "attestation of linux/amd64 of v1.1", 15: "attestation of linux/arm64 of v1.1"}},
		{name: "the index alone breaks nothing that survives", delete: []int{33}},
		{name: "a child of a tag deleted alone", delete: []int{32}, refused: map[int]string{32: "child linux/amd64 of pr-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			del := map[int64]bool{}
			for _, id := range tt.delete {
				del[int64(id)] = true
			}
			got := g.Check(del)
			for id, reason := range tt.refused {
				if got[int64(id)] != reason {
					t.Errorf("version %d: refused %q, want %q", id, got[int64(id)], reason)
				}
			}
			for id, reason := range got {
				if _, ok := tt.refused[int(id)]; !ok {
					t.Errorf("version %d refused (%s), want it deleted", id, reason)
				}
			}
			// After the statement every surviving tag resolves completely.
			survivors := map[string]bool{}
			for _, n := range g.Nodes {
				if !del[n.ID] || got[n.ID] != "" {
					survivors[n.Digest] = true
				}
			}
			for _, n := range g.Nodes {
				if survivors[n.Digest] && n.InUse {
					for _, c := range n.Children {
						if !survivors[c] {
							t.Errorf("%v lost child %s", n.Tags, c[:19])
						}
					}
				}
			}
		})
	}
}

func sorted(s ...string) []string { slices.Sort(s); return s }

func untagged(g *registry.Graph) []int {
	var out []int
	for _, n := range g.Nodes {
		if len(n.Tags) == 0 {
			out = append(out, int(n.ID))
		}
	}
	return out
}

// TestPrivateImage: a private image needs the GitHub token, sent through the
// token endpoint; a wrong token or none is an error that says what the
// registry answered.
func TestPrivateImage(t *testing.T) {
	_, srv, repos := serve(t, true)
	vs, ds := versions(repos["octocat/tool"])
	tests := []struct{ name, token, err string }{
		{name: "no token", err: "answered 404"},
		{name: "wrong token", token: "ghp_wrong", err: "401"},
		{name: "the token", token: ghToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv.URL, tt.token)
			ms, err := c.ReadManifests(context.Background(), "octocat/tool", ds, nil)
			if err == nil {
				err = c.ReadPlatforms(context.Background(), "octocat/tool", registry.Build(vs, ms, nil).Unplaced(ms), nil)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "ghp_") {
					t.Fatalf("error %v, want one with %q and no token", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != len(ds) || ms[ds[0]].Platform != "linux/amd64" {
				t.Errorf("read %d of %d, platform %q", len(ms), len(ds), ms[ds[0]].Platform)
			}
		})
	}
}

// TestOutage: a registry that fails, or has lost a version's manifest, fails
// the read as a whole.
func TestOutage(t *testing.T) {
	reg, srv, repos := serve(t, true)
	_, ds := versions(repos["octocat/app"])
	c := newClient(t, srv.URL, "")
	reg.SetDown(true)
	if _, err := c.ReadManifests(context.Background(), "octocat/app", ds, nil); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("outage: %v", err)
	}
	reg.SetDown(false)
	reg.Remove("octocat/app", ds[3])
	_, err := c.ReadManifests(context.Background(), "octocat/app", ds, nil)
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), ds[3]) {
		t.Fatalf("missing manifest: %v", err)
	}
	reg.Restore("octocat/app", ds[3])
	if _, err := c.ReadManifests(context.Background(), "octocat/app", ds, nil); err != nil {
		t.Fatal(err)
	}
}

// TestTokenStaysOnHost: a registry whose challenge names a token endpoint on
// another host gets no token sent there.
func TestTokenStaysOnHost(t *testing.T) {
	var credentialed atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			credentialed.Add(1)
		}
		fmt.Fprint(w, `{"token":"t"}`)
	}))
	defer elsewhere.Close()
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+elsewhere.URL+`/token",service="x"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer reg.Close()
	_, err := newClient(t, reg.URL, ghToken).ReadManifests(context.Background(), "octocat/app", []string{"sha256:" + strings.Repeat("a", 64)}, nil)
	if err == nil || !strings.Contains(err.Error(), "configured registry only") {
		t.Fatalf("error %v", err)
	}
	if credentialed.Load() != 0 {
		t.Fatal("the token was sent to another host")
	}
}

func TestConfig(t *testing.T) {
	for _, u := range []string{"ftp://x", "https://", "https://u:p@ghcr.io", "https://ghcr.io/v2/x", "https://ghcr.io?a=b"} {
		if _, err := registry.New(registry.Config{URL: u}); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	c, err := registry.New(registry.Config{})
	if err != nil || c.Host() != "ghcr.io" {
		t.Errorf("default: %v %v", c, err)
	}
}

// TestReferrers reads the app's graph from a registry with the referrers API
// and from one without it. With it, each version a tag needs is asked about
// once; without it, the first answer (404) is the only referrers request,
// and the referrers tag schema index the push left tells the same. Either
// way the SBOM, which no tag names, is in use, the guard keeps it, and the
// garbage is the same 12 versions.
func TestReferrers(t *testing.T) {
	for _, tt := range []struct {
		name         string
		referrersAPI bool
	}{{"referrers API", true}, {"referrers tag schema", false}} {
		t.Run(tt.name, func(t *testing.T) {
			reg, srv, repos := serve(t, tt.referrersAPI)
			vs, _ := versions(repos["octocat/app"])
			c := newClient(t, srv.URL, "")
			var tally registry.Tally
			g, err := c.ReadGraph(context.Background(), "octocat/app", vs, registry.Need{Referrers: true}, &tally)
			if err != nil {
				t.Fatal(err)
			}
			wantReferrers, answered := 1, int64(0)
			if tt.referrersAPI {
				wantReferrers = len(g.Needed())
				answered = int64(wantReferrers)
			}
			if got := tally.Reads().Referrers; got != answered {
				t.Errorf("%d subjects answered, want %d", got, answered)
			}
			st := reg.Stats()
			if st[sandbox.RegKindReferrers] != wantReferrers || st[sandbox.RegKindManifest] != len(vs)+1 || tally.Reads().Requests != int64(len(vs)+wantReferrers+2) {
				t.Errorf("%d versions, %d needed: the registry saw %v, the client counted %+v", len(vs), len(g.Needed()), st, tally.Reads())
			}
			var sbom *registry.Node
			var garbage []string
			for _, n := range g.Nodes {
				if n.Role == registry.RoleSBOM {
					sbom = n
				}
				if len(n.Tags) == 0 && !n.InUse {
					garbage = append(garbage, n.Digest)
				}
			}
			v110 := ""
			for _, n := range g.Nodes {
				if slices.Contains(n.Tags, "v1.1.0") {
					v110 = n.Digest
				}
			}
			if sbom == nil || len(sbom.Tags) != 0 || !sbom.InUse || sbom.Signs != v110 {
				t.Fatalf("SBOM %+v, v1.1.0 is %s", sbom, v110)
			}
			if len(garbage) != 12 || slices.Contains(garbage, sbom.Digest) {
				t.Errorf("%d garbage versions, SBOM among them: %v", len(garbage), slices.Contains(garbage, sbom.Digest))
			}
			untagged := map[int64]bool{}
			for _, n := range g.Nodes {
				if len(n.Tags) == 0 {
					untagged[n.ID] = true
				}
			}
			if got := g.Check(untagged)[sbom.ID]; got != "SBOM of v1.1.0" {
				t.Errorf("deleting every untagged version: the SBOM %q", got)
			}

			// A read right after, as a DELETE's check after its SELECT,
			// asks the registry nothing again; nor does a fresh client,
			// once it knows the registry has no referrers API, ask more
			// than once.
			reg.ResetStats()
			if _, err := c.ReadGraph(context.Background(), "octocat/app", vs, registry.Need{Referrers: true}, nil); err != nil {
				t.Fatal(err)
			}
			if st := reg.Stats(); len(st) != 0 {
				t.Errorf("the second read sent %v", st)
			}
		})
	}
}

// TestReferrersAnswers: what a registry answers to the first referrers
// request decides whether it has the API. ghcr.io redirects it to a page of
// github.com, which is not followed; a failure is an error, never taken
// for a registry without the API, so the guard fails closed.
func TestReferrersAnswers(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer other.Close()
	subject := "sha256:" + strings.Repeat("b", 64)
	for _, tt := range []struct {
		name   string
		answer func(w http.ResponseWriter)
		served bool
		err    string
	}{
		{name: "404", answer: func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }},
		{name: "303 to another host", answer: func(w http.ResponseWriter) {
			w.Header().Set("Location", other.URL+"/-/v2/packages/container/package/x")
			w.WriteHeader(http.StatusSeeOther)
		}},
		{name: "not an index", answer: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>")
		}},
		{name: "an index", served: true, answer: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
			fmt.Fprint(w, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:`+strings.Repeat("c", 64)+`","size":9,"artifactType":"application/spdx+json"}]}`)
		}},
		{name: "500", err: "500", answer: func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }},
		{name: "name unknown", err: "404", answer: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}`)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var asked atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				asked.Add(1)
				tt.answer(w)
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, "")
			for range 2 {
				refs, served, err := c.ReadReferrers(context.Background(), "octocat/app", []string{subject, subject}, nil)
				if tt.err != "" {
					if err == nil || !strings.Contains(err.Error(), tt.err) {
						t.Fatalf("error %v, want one with %q", err, tt.err)
					}
					continue
				}
				if err != nil || served != tt.served || served && len(refs[subject]) != 1 {
					t.Fatalf("served %v, %v, %v", served, refs, err)
				}
			}
			// Asked once: an answer is reused, a registry without the API
			// is not asked again; a failure is asked again next time.
			want := int64(1)
			if tt.err != "" {
				want = 2
			}
			if asked.Load() != want || elsewhere.Load() != 0 {
				t.Errorf("the registry was asked %d times, another host %d", asked.Load(), elsewhere.Load())
			}
		})
	}
}
