package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

const (
	appVersions = "FROM github.packages.package_versions WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app'"
	deleteAll   = "DELETE " + appVersions + " AND json_array_length(tags) = 0"
)

// live counts the app's live versions in the sandbox.
func live(s *sandbox.Server) (n int) {
	for _, v := range s.Versions("shipyard", "container", "app") {
		if !v.Deleted {
			n++
		}
	}
	return n
}

// TestImageGuard runs cleanup statements in a session's order, over the real
// plugin process, the sandbox's REST API and its registry: errors first (an
// outage deletes nothing), then a plain listing (no registry request), the
// dry run, the naive "delete every untagged version", and the override.
func TestImageGuard(t *testing.T) {
	t.Parallel()
	s, url := apiServer(t, sandbox.Options{})
	reg := strings.TrimSuffix(url, "/")
	run := func(args ...string) result {
		t.Helper()
		return runPkgql(t, append([]string{"exec", "--github-url", url, "--registry-url", reg, "-o", "csv"}, args...)...)
	}
	before := live(s)

	s.Registry().SetDown(true)
	r := run("--yes", deleteAll)
	if r.code == 0 || !strings.Contains(r.stderr, "nothing was deleted") || !strings.Contains(r.stderr, "503") || live(s) != before {
		t.Fatalf("outage: %d of %d live\n%s", live(s), before, r)
	}
	s.Registry().SetDown(false)

	s.Registry().ResetStats()
	if r := run("SELECT id, name, tags " + appVersions); r.code != 0 || len(s.Registry().Stats()) != 0 {
		t.Fatalf("a plain listing read the registry: %v\n%s", s.Registry().Stats(), r)
	}

	// Naming a graph column reads each manifest once, over one token (the
	// first read meets the challenge and is sent again with it); the listing
	// is the one the statement makes anyway.
	s.ResetStats()
	if r := run("SELECT id, in_use " + appVersions); r.code != 0 {
		t.Fatal(r)
	}
	if st := s.Registry().Stats(); st[sandbox.RegKindManifest] != before+1 || st[sandbox.RegKindToken] != 1 || st[sandbox.RegKindBlob] != 0 {
		t.Errorf("registry requests for %d versions: %v", before, st)
	}
	if st := s.Stats(); st.Total != 1 {
		t.Errorf("REST requests: %+v", st)
	}
	// A bulk DELETE that filters on in_use reads each manifest once: the
	// check reuses what its SELECT read.
	s.Registry().ResetStats()
	if r := run("--dry-run", deleteAll+" AND NOT in_use"); r.code != 0 {
		t.Fatal(r)
	}
	if st := s.Registry().Stats(); st[sandbox.RegKindManifest] != before+1 {
		t.Errorf("registry requests of a checked bulk DELETE: %v", st)
	}

	r = run("--dry-run", deleteAll)
	refused := 0
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n")[1:] {
		if !strings.HasSuffix(line, ",") {
			refused++
		}
	}
	if r.code != 0 || !strings.Contains(r.stdout, "child linux/arm64 of main") || refused != 22 || live(s) != before {
		t.Fatalf("dry run: %d refused\n%s", refused, r)
	}

	// The naive cleanup deletes exactly the garbage and breaks no tag.
	r = run("--yes", deleteAll)
	if live(s) != before-12 || !strings.Contains(r.stdout, "kept: SBOM of v1.1.0") || !strings.Contains(r.stdout, "kept: child linux/arm/v7 of v0.9.0") {
		t.Fatalf("%d of %d live\n%s", live(s), before, r)
	}
	r = run("-o", "text", "--no-headers", "SELECT count(*) "+appVersions+" AND NOT in_use AND json_array_length(tags) = 0")
	if strings.TrimSpace(r.stdout) != "0" {
		t.Fatalf("garbage left:\n%s", r)
	}
	// Every tag still resolves completely: each child of each surviving
	// version is a surviving version.
	r = run("-o", "json", "SELECT name, children "+appVersions)
	var rows []struct {
		Name     string
		Children []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != before-12 {
		t.Fatalf("%v\n%s", err, r)
	}
	names := map[string]bool{}
	for _, row := range rows {
		names[row.Name] = true
	}
	for _, row := range rows {
		for _, c := range row.Children {
			if !names[c] {
				t.Errorf("%s lost its child %s", row.Name, c)
			}
		}
	}

	// The override deletes what the guard refused.
	if r := run("--yes", "--allow-broken-images", deleteAll); r.code != 0 || live(s) != before-34 {
		t.Fatalf("override: %d of %d live\n%s", live(s), before, r)
	}
}
