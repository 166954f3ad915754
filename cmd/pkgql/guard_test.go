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
// plugin process, the sandbox's REST API and its registry, with the
// referrers API and without it: errors first (an outage deletes nothing),
// then a plain listing (no registry request), the dry run, the naive "delete
// every untagged version", and the override. The SBOM of v1.1.0 is found
// through the referrers API, or the tag schema index pushed beside it.
func TestImageGuard(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		opts sandbox.Options
		// referrers is how many referrers requests a statement sends: one
		// per version a tag needs, or the one a registry without the API
		// answers 404.
		referrers int
	}{
		{name: "referrers API", referrers: 32},
		{name: "no referrers API", opts: sandbox.Options{NoReferrersAPI: true}, referrers: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			imageGuard(t, tt.opts, tt.referrers)
		})
	}
}

func imageGuard(t *testing.T, opts sandbox.Options, referrers int) {
	s, url := apiServer(t, opts)
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
	// is the one the statement makes anyway. Only in_use and signs ask for
	// referrers.
	for _, c := range []struct {
		cols      string
		referrers int
	}{{"in_use", referrers}, {"children, platform", 0}} {
		s.ResetStats()
		s.Registry().ResetStats()
		if r := run("SELECT id, " + c.cols + " " + appVersions); r.code != 0 {
			t.Fatal(r)
		}
		blobs := 0
		if strings.Contains(c.cols, "platform") {
			blobs = 2 // the configs of the two images no index describes
		}
		if st := s.Registry().Stats(); st[sandbox.RegKindManifest] != before+1 || st[sandbox.RegKindToken] != 1 || st[sandbox.RegKindBlob] != blobs || st[sandbox.RegKindReferrers] != c.referrers {
			t.Errorf("registry requests of %s for %d versions: %v", c.cols, before, st)
		}
		if st := s.Stats(); st.Total != 1 {
			t.Errorf("REST requests: %+v", st)
		}
	}
	// A bulk DELETE that filters on in_use reads each manifest and asks
	// about each subject once: the check reuses what its SELECT read.
	s.Registry().ResetStats()
	if r := run("--dry-run", deleteAll+" AND NOT in_use"); r.code != 0 {
		t.Fatal(r)
	}
	if st := s.Registry().Stats(); st[sandbox.RegKindManifest] != before+1 || st[sandbox.RegKindReferrers] != referrers {
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

	// The naive cleanup deletes exactly the garbage and breaks no tag; its
	// check asks the registry what the dry run's did.
	s.Registry().ResetStats()
	r = run("--yes", deleteAll)
	if st := s.Registry().Stats(); st[sandbox.RegKindManifest] != before+1 || st[sandbox.RegKindReferrers] != referrers || st[sandbox.RegKindToken] != 1 {
		t.Errorf("registry requests of the guard: %v", st)
	}
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
