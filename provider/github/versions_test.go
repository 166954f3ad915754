package github

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

func request(service, resource, method string, params map[string]string, columns ...string) provider.Request {
	return provider.Request{Service: service, Resource: resource, Method: method, Params: params, Columns: columns}
}

func pkgsReq(method string, params map[string]string, columns ...string) provider.Request {
	return request("packages", "packages", method, params, columns...)
}

func versionsReq(method string, params map[string]string, columns ...string) provider.Request {
	return request("packages", "package_versions", method, params, columns...)
}

// Each owner's methods send their own routes, and the rows are the sandbox's
// packages, for an organization, a user and the authenticated user.
func TestPackagesOfEachOwner(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, sandbox.Options{})
	p, _ := testProvider(t, base, 8, nil)
	for _, tc := range []struct {
		method, owner string
		params        map[string]string
		path          string
	}{
		{"list_packages_for_organization", "acme", map[string]string{"org": "acme", "package_type": "npm"}, "/orgs/acme/packages"},
		{"list_packages_for_user", "monalisa", map[string]string{"username": "monalisa", "package_type": "npm"}, "/users/monalisa/packages"},
		{"list_packages_for_authenticated_user", "octocat", map[string]string{"package_type": "npm"}, "/user/packages"},
	} {
		sb.ResetStats()
		out := run(p, pkgsReq(tc.method, tc.params))
		if out.err != nil {
			t.Fatalf("%s: %v", tc.method, out.err)
		}
		checkSandboxRows(t, sb, tc.owner, "npm", out.rows)
		log := sb.Log()
		if len(log) != 1 || log[0].Path != tc.path || log[0].Query != "package_type=npm&per_page=100" {
			t.Errorf("%s: requests %+v", tc.method, log)
		}
		if len(out.rows) == 0 {
			t.Errorf("%s: no rows", tc.method)
		}
	}

	// A get is one GET of the owner's route.
	sb.ResetStats()
	out := run(p, pkgsReq("get_package_for_organization", map[string]string{"org": "acme", "package_type": "container", "package_name": "acme/hello-world"}, "name", "org", "username"))
	if out.err != nil || len(out.rows) != 1 || !slices.Equal(out.rows[0], []any{"acme/hello-world", "acme", nil}) {
		t.Fatalf("get: %v %v", out.rows, out.err)
	}
	if log := sb.Log(); len(log) != 1 || log[0].Path != "/orgs/acme/packages/container/acme%2Fhello-world" {
		t.Errorf("get: requests %+v", log)
	}
}

// An organization's private packages are for its members: octocat is not a
// member of initech, so GitHub lists its public packages only, answers 404
// for a private one, and refuses changes.
func TestOrganizationMembership(t *testing.T) {
	t.Parallel()
	_, base := startSandbox(t, sandbox.Options{})
	p, _ := testProvider(t, base, 8, nil)
	out := run(p, pkgsReq("list_packages_for_organization", map[string]string{"org": "initech", "package_type": "container"}, "visibility"))
	if out.err != nil {
		t.Fatal(out.err)
	}
	for _, row := range out.rows {
		if row[0] != "public" {
			t.Fatalf("a non-member sees a %v package", row[0])
		}
	}
	out = run(p, pkgsReq("delete_package_for_org", map[string]string{"org": "initech", "package_type": "container", "package_name": "initech/hello-world"}))
	e := mustProviderError(t, out.err)
	if e.HTTPStatus != http.StatusForbidden || !strings.Contains(e.Hint, `organization "initech" takes an organization owner`) {
		t.Errorf("delete in another organization: %+v", e)
	}
	out = run(p, pkgsReq("get_package_for_organization", map[string]string{"org": "initech", "package_type": "container", "package_name": "tools/builder"}))
	e = mustProviderError(t, out.err)
	if e.HTTPStatus != http.StatusNotFound || !strings.Contains(e.Hint, "membership of the organization") || !strings.Contains(e.Hint, `organization "initech"`) {
		t.Errorf("private package of another organization: %+v", e)
	}
}

// Versions: the listing sends per_page=100 and state, rows echo the bound
// params, tags come from the metadata, a bound id is one GET, and the
// user's route sends no query params, as GitHub's reference declares none.
func TestVersions(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, sandbox.Options{})
	p, _ := testProvider(t, base, 8, nil)
	key := map[string]string{"org": "acme", "package_type": "container", "package_name": "acme/hello-world"}
	want := sb.Versions("acme", "container", "acme/hello-world")

	for _, state := range []string{"active", "deleted"} {
		params := map[string]string{"state": state}
		for k, v := range key {
			params[k] = v
		}
		sb.ResetStats()
		out := run(p, versionsReq("get_all_package_versions_for_package_owned_by_org", params,
			"id", "name", "tags", "deleted_at", "org", "username", "package_name", "package_type"))
		if out.err != nil {
			t.Fatal(out.err)
		}
		if log := sb.Log(); len(log) != 1 || log[0].Path != "/orgs/acme/packages/container/acme%2Fhello-world/versions" ||
			log[0].Query != "per_page=100&state="+state {
			t.Errorf("%s: requests %+v", state, log)
		}
		var n int
		for _, v := range want {
			if v.Deleted == (state == "deleted") {
				n++
			}
		}
		if len(out.rows) != n || n == 0 {
			t.Fatalf("%s: %d rows, the sandbox has %d", state, len(out.rows), n)
		}
		for _, row := range out.rows {
			i := slices.IndexFunc(want, func(v sandbox.Version) bool { return v.ID == row[0] })
			if i < 0 {
				t.Fatalf("row %v is no version", row)
			}
			v := want[i]
			tags, _ := json.Marshal(v.Tags)
			if v.Tags == nil {
				tags = []byte("[]")
			}
			if row[1] != v.Name || string(row[2].(provider.JSON)) != string(tags) || (row[3] == nil) != !v.Deleted ||
				!slices.Equal(row[4:], []any{"acme", nil, "acme/hello-world", "container"}) {
				t.Fatalf("row %v differs from %+v", row, v)
			}
		}
	}

	// A bound id is one GET of the version.
	live := want[len(want)-1]
	sb.ResetStats()
	params := map[string]string{"package_version_id": strconv.FormatInt(live.ID, 10)}
	for k, v := range key {
		params[k] = v
	}
	out := run(p, versionsReq("get_package_version_for_organization", params, "id", "created_at"))
	if out.err != nil || len(out.rows) != 1 || out.rows[0][0] != live.ID || out.rows[0][1] != live.CreatedAt.Format(time.RFC3339) {
		t.Fatalf("get: %v %v", out.rows, out.err)
	}
	if log := sb.Log(); len(log) != 1 || log[0].Path != "/orgs/acme/packages/container/acme%2Fhello-world/versions/"+params["package_version_id"] {
		t.Errorf("get: requests %+v", log)
	}

	// The user's listing route takes no query params.
	sb.ResetStats()
	out = run(p, versionsReq("get_all_package_versions_for_package_owned_by_user",
		map[string]string{"username": "octocat", "package_type": "npm", "package_name": "hello"}, "name", "tags"))
	if out.err != nil || len(out.rows) != 3 || string(out.rows[0][1].(provider.JSON)) != "[]" {
		t.Fatalf("user's versions: %v %v", out.rows, out.err)
	}
	if log := sb.Log(); len(log) != 1 || log[0].Query != "" || log[0].Path != "/users/octocat/packages/npm/hello/versions" {
		t.Errorf("user's versions: requests %+v", log)
	}
}

// Deleting and restoring versions follows GitHub's rules, and a DELETE whose
// answer is a 5xx is verified with a GET of the version, not the package.
func TestVersionMutations(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, sandbox.Options{})
	p, _ := testProvider(t, base, 8, nil)
	versionKey := func(owner map[string]string, typ, name string, id int64) map[string]string {
		out := map[string]string{"package_type": typ, "package_name": name, "package_version_id": strconv.FormatInt(id, 10)}
		for k, v := range owner {
			out[k] = v
		}
		return out
	}
	octocat := map[string]string{}
	vs := sb.Versions("octocat", "npm", "hello")
	if len(vs) != 3 {
		t.Fatalf("hello has %d versions", len(vs))
	}
	for i, tc := range []struct {
		method string
		id     int64
		status int
		hint   string
	}{
		{"delete_package_version_for_authenticated_user", vs[0].ID, http.StatusNoContent, ""},
		{"delete_package_version_for_authenticated_user", vs[0].ID, http.StatusNotFound, "no version"},
		{"delete_package_version_for_authenticated_user", vs[1].ID, http.StatusNoContent, ""},
		{"delete_package_version_for_authenticated_user", vs[2].ID, http.StatusBadRequest, "last live version"},
		{"restore_package_version_for_authenticated_user", vs[0].ID, http.StatusNoContent, ""},
		{"restore_package_version_for_authenticated_user", vs[0].ID, http.StatusNotFound, "within 30 days"},
	} {
		out := run(p, versionsReq(tc.method, versionKey(octocat, "npm", "hello", tc.id)))
		if tc.hint == "" {
			if out.err != nil || out.res.HTTPStatus != tc.status {
				t.Fatalf("step %d %s: %+v %v", i, tc.method, out.res, out.err)
			}
			continue
		}
		e := mustProviderError(t, out.err)
		if e.HTTPStatus != tc.status || !strings.Contains(e.Hint, tc.hint) {
			t.Fatalf("step %d %s: %+v", i, tc.method, e)
		}
	}
	if got := sb.Versions("octocat", "npm", "hello"); got[0].Deleted || !got[1].Deleted || got[2].Deleted {
		t.Fatalf("versions after the steps: %+v", got)
	}
	if pkg, _ := sb.Package("octocat", "npm", "hello"); pkg.VersionCount != 2 {
		t.Errorf("version_count %d", pkg.VersionCount)
	}
}

// A version DELETE that GitHub carried out but answered 502 is verified with
// a GET of the version: it answers 404, so the version is reported deleted
// and the DELETE is not sent again.
func TestVersionDeleteVerifiedAfterServerError(t *testing.T) {
	t.Parallel()
	sb := sandbox.New(sandbox.Options{})
	var failed bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, r)
		if r.Method == http.MethodDelete && !failed {
			failed = true
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	p, _ := testProvider(t, srv.URL, 8, nil)
	v := sb.Versions("acme", "npm", "hello")[0]
	id := strconv.FormatInt(v.ID, 10)
	out := run(p, versionsReq("delete_package_version_for_org",
		map[string]string{"org": "acme", "package_type": "npm", "package_name": "hello", "package_version_id": id}))
	if out.err != nil || out.res.Message != "deleted" {
		t.Fatalf("%+v %v", out.res, out.err)
	}
	var got []string
	for _, r := range sb.Log() {
		got = append(got, r.Method+" "+r.Path)
	}
	path := "/orgs/acme/packages/npm/hello/versions/" + id
	if !slices.Equal(got, []string{"DELETE " + path, "GET " + path}) {
		t.Errorf("requests %q", got)
	}
	if !sb.Versions("acme", "npm", "hello")[0].Deleted {
		t.Error("the version was not deleted")
	}
}
