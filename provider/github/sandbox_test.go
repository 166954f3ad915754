package github

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// startSandbox serves a sandbox over real HTTP.
func startSandbox(t *testing.T, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, srv.URL
}

// bigSeed adds a user with enough packages for several pages of each type.
func bigSeed() []sandbox.UserSeed {
	return append(sandbox.DefaultSeed(), sandbox.UserSeed{Login: "bigcat", ID: 77, Packages: 2600})
}

// checkSandboxRows compares listed rows field by field with the sandbox's
// own records, and returns the IDs in order.
func checkSandboxRows(t *testing.T, sb *sandbox.Server, user, typ string, rows [][]any) []int64 {
	t.Helper()
	var ids []int64
	for _, row := range rows {
		name := row[1].(string)
		want, ok := sb.Package(user, typ, name)
		if !ok || want.Deleted {
			t.Fatalf("row for %s/%s is not a live package of the sandbox", typ, name)
		}
		if row[0] != want.ID || row[2] != want.CreatedAt.UTC().Format(time.RFC3339) || row[5] != typ ||
			row[7] != want.UpdatedAt.UTC().Format(time.RFC3339) || row[9] != int64(want.VersionCount) || row[10] != want.Visibility {
			t.Fatalf("row %v differs from %+v", row, want)
		}
		var owner struct{ Login string }
		if err := json.Unmarshal(row[4].(provider.JSON), &owner); err != nil || !strings.EqualFold(owner.Login, user) {
			t.Fatalf("owner %s", row[4])
		}
		if (want.Repository == nil) != (row[6] == nil) {
			t.Fatalf("repository %v, sandbox has %+v", row[6], want.Repository)
		}
		ids = append(ids, want.ID)
	}
	return ids
}

// Every package of every type is listed once, in the fewest requests.
func TestSandboxListsEveryPackage(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, sandbox.Options{Users: bigSeed()})
	p, _ := testProvider(t, base, 8, nil)
	for _, user := range []string{"octocat", "bigcat"} {
		total := 0
		for _, typ := range packageTypes {
			sb.ResetStats()
			out := run(p, listReq(user, typ))
			if out.err != nil {
				t.Fatal(out.err)
			}
			ids := checkSandboxRows(t, sb, user, typ, out.rows)
			if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
				t.Errorf("%s %s: IDs out of order or repeated", user, typ)
			}
			wantReq := max((len(out.rows)+99)/100, 1)
			if st := sb.Stats(); st.ByKind[sandbox.KindList] != wantReq || st.Total != wantReq || st.MaxInFlight > 8 {
				t.Errorf("%s %s: %d rows in %+v, want %d requests", user, typ, len(out.rows), st, wantReq)
			}
			total += len(out.rows)
		}
		want := map[string]int{"octocat": 150, "bigcat": 2600}[user]
		if total != want {
			t.Errorf("%s: %d packages listed, the seed has %d", user, total, want)
		}
	}
}

// visibility is GitHub's filter, and LIMIT stops paging.
func TestSandboxVisibilityAndLimit(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, sandbox.Options{Users: bigSeed()})
	p, _ := testProvider(t, base, 8, nil)
	for _, vis := range []string{"public", "private", "internal"} {
		req := listReq("bigcat", "container")
		req.Params["visibility"] = vis
		out := run(p, req)
		if out.err != nil {
			t.Fatal(out.err)
		}
		checkSandboxRows(t, sb, "bigcat", "container", out.rows)
		for _, row := range out.rows {
			if row[10] != vis {
				t.Fatalf("visibility %s in a listing of %s", row[10], vis)
			}
		}
	}
	for _, l := range sb.Log() {
		if !strings.Contains(l.Query, "visibility=") {
			t.Errorf("request %s?%s does not filter", l.Path, l.Query)
		}
	}

	sb.ResetStats()
	req := listReq("bigcat", "container")
	req.Limit = 150
	out := run(p, req)
	if out.err != nil || len(out.rows) != 150 || sb.Stats().Total != 2 {
		t.Fatalf("LIMIT 150: %d rows in %d requests, %v", len(out.rows), sb.Stats().Total, out.err)
	}
}

// With a fifth of the sandbox's answers 502, listings still return exactly
// the rows of a listing without faults.
func TestSandboxListingUnderFaults(t *testing.T) {
	t.Parallel()
	_, clean := startSandbox(t, sandbox.Options{Users: bigSeed()})
	flaky, flakyURL := startSandbox(t, sandbox.Options{Users: bigSeed(), FailRate: 0.2, Seed: 11})
	pc, _ := testProvider(t, clean, 8, nil)
	pf, _ := testProvider(t, flakyURL, 8, nil)
	for _, typ := range packageTypes {
		want := run(pc, listReq("bigcat", typ))
		got := run(pf, listReq("bigcat", typ))
		if want.err != nil || got.err != nil {
			t.Fatalf("%s: %v / %v", typ, want.err, got.err)
		}
		if len(got.rows) != len(want.rows) {
			t.Fatalf("%s: %d rows under faults, %d without", typ, len(got.rows), len(want.rows))
		}
		for i := range want.rows {
			if got.rows[i][0] != want.rows[i][0] {
				t.Fatalf("%s: row %d is package %v, want %v", typ, i, got.rows[i][0], want.rows[i][0])
			}
		}
	}
	if st := flaky.Stats(); st.Total <= 2600/100 {
		t.Errorf("the sandbox saw %d requests: no fault was retried", st.Total)
	}
}

// Get, delete and restore against the sandbox: one request each, escaped
// names, the restore token sent, GitHub's refusals kept.
func TestSandboxMutations(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, sandbox.Options{Token: testToken})
	p, _ := testProvider(t, base, 8, nil)

	out := run(p, pkgReq("get_package_for_user", "octocat", "container", "octocat/hello-world"))
	if out.err != nil || len(out.rows) != 1 {
		t.Fatalf("get: %v", out.err)
	}
	checkSandboxRows(t, sb, "octocat", "container", out.rows)
	if log := sb.Log(); len(log) != 1 || log[0].Path != "/users/octocat/packages/container/octocat%2Fhello-world" {
		t.Fatalf("get sent %+v", log)
	}

	sb.ResetStats()
	out = run(p, pkgReq("delete_package_for_user", "octocat", "container", "tools/builder"))
	if out.err != nil || out.res.Message != "deleted" || sb.Stats().Total != 1 {
		t.Fatalf("delete: %+v %v", out.res, out.err)
	}
	if pk, _ := sb.Package("octocat", "container", "tools/builder"); !pk.Deleted {
		t.Fatal("the sandbox did not delete it")
	}
	restore := pkgReq("restore_package_for_user", "octocat", "container", "tools/builder")
	restore.Params["token"] = "pkgtoken"
	out = run(p, restore)
	if out.err != nil || out.res.Message != "restored" || out.res.HTTPStatus != 204 {
		t.Fatalf("restore: %+v %v", out.res, out.err)
	}
	if pk, _ := sb.Package("octocat", "container", "tools/builder"); pk.Deleted {
		t.Fatal("the sandbox did not restore it")
	}
	log := sb.Log()
	if last := log[len(log)-1]; last.Path != "/users/octocat/packages/container/tools%2Fbuilder/restore" || last.Query != "token=pkgtoken" {
		t.Fatalf("restore sent %+v", last)
	}

	pe := mustProviderError(t, run(p, pkgReq("delete_package_for_user", "octocat", "container", "octocat/hello-world")).err)
	if pe.HTTPStatus != 400 || !downloadsRule.MatchString(pe.Message) || !strings.Contains(pe.Hint, "GitHub's rule") {
		t.Fatalf("popular package: %v", pe)
	}
	if pk, _ := sb.Package("octocat", "container", "octocat/hello-world"); pk.Deleted {
		t.Fatal("a refused delete deleted")
	}
	pe = mustProviderError(t, run(p, pkgReq("restore_package_for_user", "octocat", "npm", "hello")).err)
	if pe.Kind != provider.KindNotFound || pe.HTTPStatus != 404 {
		t.Fatalf("restore of a live package: %v", pe)
	}
}

// The sandbox's auth, scopes and rate limit come back as GitHub's would.
func TestSandboxRefusals(t *testing.T) {
	t.Parallel()
	t.Run("bad token", func(t *testing.T) {
		t.Parallel()
		_, base := startSandbox(t, sandbox.Options{Token: "another-token"})
		p, _ := testProvider(t, base, 8, nil)
		pe := mustProviderError(t, run(p, listReq("octocat", "npm")).err)
		if pe.Kind != provider.KindAuth || pe.HTTPStatus != 401 || pe.Message != "Bad credentials" {
			t.Fatalf("%v", pe)
		}
	})
	t.Run("missing scope", func(t *testing.T) {
		t.Parallel()
		sb, base := startSandbox(t, sandbox.Options{Scopes: []string{"read:packages"}})
		p, _ := testProvider(t, base, 8, nil)
		pe := mustProviderError(t, run(p, pkgReq("delete_package_for_user", "octocat", "npm", "hello")).err)
		if pe.Kind != provider.KindAuth || pe.HTTPStatus != 403 || !strings.Contains(pe.Hint, "delete:packages") || !strings.Contains(pe.Hint, "this token has: read:packages") {
			t.Fatalf("%v", pe)
		}
		if pk, _ := sb.Package("octocat", "npm", "hello"); pk.Deleted {
			t.Fatal("deleted without the scope")
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		t.Parallel()
		sb, base := startSandbox(t, sandbox.Options{RateLimit: 2})
		p, _ := testProvider(t, base, 8, nil)
		for range 2 {
			if out := run(p, listReq("octocat", "npm")); out.err != nil {
				t.Fatal(out.err)
			}
		}
		pe := mustProviderError(t, run(p, listReq("octocat", "npm")).err)
		if pe.Kind != provider.KindRateLimit || pe.HTTPStatus != 403 || pe.Reset.Before(time.Now().Add(50*time.Minute)) {
			t.Fatalf("%v", pe)
		}
		// go-github remembers the limit: the next call fails without a request.
		total := sb.Stats().Total
		pe = mustProviderError(t, run(p, listReq("octocat", "maven")).err)
		if pe.Kind != provider.KindRateLimit || sb.Stats().Total != total {
			t.Fatalf("after the limit: %v, %d requests", pe, sb.Stats().Total-total)
		}
	})
}
