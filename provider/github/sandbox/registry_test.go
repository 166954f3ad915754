package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestRegistryBesideREST: the shipyard organization's container versions are
// the manifests /v2/ serves, with the spec's headers, behind a Bearer
// challenge; the referrers API finds the SBOM; deleting a version through
// REST makes its manifest unknown.
func TestRegistryBesideREST(t *testing.T) {
	srv := httptest.NewServer(New(Options{Token: "t"}))
	defer srv.Close()
	get := func(path, auth string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	res, body := get("/orgs/shipyard/packages/container/app/versions?per_page=100", "Bearer t")
	var versions []struct {
		ID       int64  `json:"id"`
		Name     string `json:"name"`
		Metadata struct {
			Container struct{ Tags []string } `json:"container"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(body, &versions); err != nil || res.StatusCode != 200 || len(versions) != 45 {
		t.Fatalf("%d %d versions: %s", res.StatusCode, len(versions), body[:min(len(body), 200)])
	}
	res, _ = get("/v2/shipyard/app/manifests/v1.1.0", "")
	if res.StatusCode != 401 || !strings.Contains(res.Header.Get("WWW-Authenticate"), `scope="repository:shipyard/app:pull"`) {
		t.Fatalf("no challenge: %d %v", res.StatusCode, res.Header)
	}
	_, tok := get("/token?scope=repository:shipyard/app:pull&service=x", "")
	var tr struct{ Token string }
	json.Unmarshal(tok, &tr)
	bearer := "Bearer " + tr.Token
	res, body = get("/v2/shipyard/app/manifests/v1.1.0", bearer)
	index := digestOf(body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.oci.image.index.v1+json" || res.Header.Get("Docker-Content-Digest") != index {
		t.Fatalf("manifest: %d %v", res.StatusCode, res.Header)
	}
	found := false
	for _, v := range versions {
		found = found || v.Name == index
	}
	if !found {
		t.Fatal("the tag's digest is no version of the package")
	}
	res, body = get("/v2/shipyard/app/referrers/"+index+"?artifactType=application/spdx%2Bjson", bearer)
	if res.StatusCode != 200 || res.Header.Get("OCI-Filters-Applied") != "artifactType" || strings.Count(string(body), `"digest"`) != 1 {
		t.Fatalf("referrers: %d %s", res.StatusCode, body)
	}
	// The private tool needs the GitHub token at the token endpoint.
	res, _ = get("/v2/shipyard/tool/manifests/latest", bearer)
	if res.StatusCode != 404 {
		t.Fatalf("private image read anonymously: %d", res.StatusCode)
	}
	// Delete the oldest version (a Docker v2 child) through REST.
	old := versions[len(versions)-1]
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/orgs/shipyard/packages/container/app/versions/"+itoa(old.ID), nil)
	req.Header.Set("Authorization", "Bearer t")
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 204 {
		t.Fatalf("delete: %v %v", r, err)
	}
	if res, _ = get("/v2/shipyard/app/manifests/"+old.Name, bearer); res.StatusCode != 404 {
		t.Fatalf("deleted manifest still served: %d", res.StatusCode)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestGeneratedImages: every version of a generated docker or container
// package is a manifest the registry serves, named by its digest, of the
// media types its registry pushes, and each of its tags resolves to it.
func TestGeneratedImages(t *testing.T) {
	srv := httptest.NewServer(New(Options{}))
	defer srv.Close()
	// The sandbox without a token hands out registry tokens to anyone.
	res, err := http.Get(srv.URL + "/token?scope=repository:x:pull")
	if err != nil {
		t.Fatal(err)
	}
	var tr struct{ Token string }
	json.NewDecoder(res.Body).Decode(&tr)
	res.Body.Close()
	get := func(path, accept string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		req.Header.Set("Authorization", "Bearer "+tr.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	for _, tt := range []struct {
		versions, image, mediaType string
	}{
		{"/users/octocat/packages/docker/hello-docker/versions", "octocat/hello-docker/hello-docker", "application/vnd.docker.distribution.manifest.v2+json"},
		{"/users/octocat/packages/container/octocat%2Fhello-world/versions", "octocat/octocat/hello-world", "application/vnd.oci.image.manifest.v1+json"},
	} {
		t.Run(tt.image, func(t *testing.T) {
			_, body := get(tt.versions+"?per_page=100", "")
			var versions []struct {
				Name     string `json:"name"`
				Metadata struct {
					Container struct{ Tags []string } `json:"container"`
					Docker    struct{ Tag []string }  `json:"docker"`
				} `json:"metadata"`
			}
			if err := json.Unmarshal(body, &versions); err != nil || len(versions) == 0 {
				t.Fatalf("%v: %s", err, body)
			}
			tagged := 0
			for _, v := range versions {
				res, body := get("/v2/"+tt.image+"/manifests/"+v.Name, tt.mediaType)
				if res.StatusCode != 200 || res.Header.Get("Content-Type") != tt.mediaType || res.Header.Get("Docker-Content-Digest") != v.Name || digestOf(body) != v.Name {
					t.Fatalf("version %s: %d %v", v.Name, res.StatusCode, res.Header)
				}
				var m struct {
					Config struct{ MediaType, Digest string }
				}
				json.Unmarshal(body, &m)
				if res, _ := get("/v2/"+tt.image+"/blobs/"+m.Config.Digest, ""); res.StatusCode != 200 {
					t.Errorf("config of %s: %d", v.Name, res.StatusCode)
				}
				for _, tag := range append(v.Metadata.Container.Tags, v.Metadata.Docker.Tag...) {
					tagged++
					if res, _ := get("/v2/"+tt.image+"/manifests/"+tag, tt.mediaType); res.Header.Get("Docker-Content-Digest") != v.Name {
						t.Errorf("tag %s is %q, its version %s", tag, res.Header.Get("Docker-Content-Digest"), v.Name)
					}
				}
			}
			if tagged == 0 {
				t.Error("no version is tagged")
			}
		})
	}
}
