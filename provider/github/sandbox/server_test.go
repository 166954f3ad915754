package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// start serves a new sandbox over real HTTP for the length of the test.
func start(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	s := New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func call(t *testing.T, method, url string, header ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{res.StatusCode, res.Header, body}
}

func (r reply) packages(t *testing.T) []apiPackage {
	t.Helper()
	var out []apiPackage
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("list body %s: %v", r.body, err)
	}
	return out
}

func (r reply) message(t *testing.T) string {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %s: %v", r.body, err)
	}
	if e.DocumentationURL == "" || e.Status != strconv.Itoa(r.status) {
		t.Errorf("error body %s: want documentation_url and status %q", r.body, strconv.Itoa(r.status))
	}
	return e.Message
}

func TestListPaginationLinks(t *testing.T) {
	s, ts := start(t, Options{})
	n := len(s.users["octocat"].types["container"].live) // 43 in DefaultSeed
	last := (n + 9) / 10
	base := ts.URL + "/users/octocat/packages?package_type=container&per_page=10"
	link := func(page int, rel string) string {
		return "<" + base + "&page=" + strconv.Itoa(page) + `>; rel="` + rel + `"`
	}
	tests := []struct {
		name      string
		query     string
		wantCount int
		wantLink  []string
	}{
		{"first page", "", 10, []string{link(2, "next"), link(last, "last")}},
		{"page 1 given", "&page=1", 10, []string{link(2, "next"), link(last, "last")}},
		{"middle", "&page=2", 10, []string{link(1, "prev"), link(3, "next"), link(last, "last"), link(1, "first")}},
		{"last", "&page=" + strconv.Itoa(last), n - (last-1)*10, []string{link(last-1, "prev"), link(1, "first")}},
		{"past the end", "&page=" + strconv.Itoa(last+1), 0, []string{link(last, "prev"), link(1, "first")}},
		{"bad page is page 1", "&page=abc", 10, []string{link(2, "next"), link(last, "last")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, "GET", base+tc.query)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if got := len(r.packages(t)); got != tc.wantCount {
				t.Errorf("got %d packages, want %d", got, tc.wantCount)
			}
			if got, want := r.header.Get("Link"), strings.Join(tc.wantLink, ", "); got != want {
				t.Errorf("Link\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestListPageSizes(t *testing.T) {
	s, ts := start(t, Options{Users: []UserSeed{{Login: "many", Packages: 1000}}})
	n := len(s.users["many"].types["container"].live)
	if n <= 200 {
		t.Fatalf("seed gives %d containers; the test needs more than 200", n)
	}
	tests := []struct {
		query     string
		wantCount int
		wantLast  string
	}{
		{"", 30, "page=" + strconv.Itoa((n+29)/30)},
		{"&per_page=100", 100, "page=" + strconv.Itoa((n+99)/100)},
		{"&per_page=500", 100, "page=" + strconv.Itoa((n+99)/100)}, // capped at 100
		{"&per_page=0", 30, "page=" + strconv.Itoa((n+29)/30)},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			r := call(t, "GET", ts.URL+"/users/many/packages?package_type=container"+tc.query)
			got := r.packages(t)
			if len(got) != tc.wantCount {
				t.Errorf("got %d packages, want %d", len(got), tc.wantCount)
			}
			want := "<" + ts.URL + "/users/many/packages?package_type=container" + tc.query + "&" + tc.wantLast + `>; rel="last"`
			if !strings.Contains(r.header.Get("Link"), want) {
				t.Errorf("Link %s lacks %s", r.header.Get("Link"), want)
			}
			for i := 1; i < len(got); i++ {
				if got[i-1].ID >= got[i].ID {
					t.Fatalf("not in ID order at %d: %d then %d", i, got[i-1].ID, got[i].ID)
				}
			}
		})
	}

	t.Run("all fit on one page: no Link", func(t *testing.T) {
		r := call(t, "GET", ts.URL+"/users/many/packages?package_type=container&visibility=internal&per_page=100")
		if len(r.packages(t)) > 100 || r.header.Get("Link") != "" {
			t.Errorf("Link %q with %d packages", r.header.Get("Link"), len(r.packages(t)))
		}
	})
}

func TestListVisibility(t *testing.T) {
	s, ts := start(t, Options{})
	tests := []struct {
		typ, visibility, want string
	}{
		{"container", "public", "public"},
		{"container", "private", "private"},
		{"container", "internal", "internal"},
		{"npm", "internal", "internal"},
		// Maven has no granular permissions: GitHub reads internal as private.
		{"maven", "internal", "private"},
		{"docker", "internal", "private"},
	}
	for _, tc := range tests {
		t.Run(tc.typ+"/"+tc.visibility, func(t *testing.T) {
			r := call(t, "GET", ts.URL+"/users/octocat/packages?per_page=100&package_type="+tc.typ+"&visibility="+tc.visibility)
			got := r.packages(t)
			if want := len(s.users["octocat"].types[tc.typ].byVisibility[tc.want]); len(got) != want || want == 0 {
				t.Errorf("got %d packages, want %d (and more than 0)", len(got), want)
			}
			for _, p := range got {
				if p.Visibility != tc.want || p.PackageType != tc.typ {
					t.Errorf("%s is %s %s", p.Name, p.PackageType, p.Visibility)
				}
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	_, ts := start(t, Options{})
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantMessage        string
	}{
		{"no package_type", "GET", "/users/octocat/packages", 400, msgPackageType},
		{"bad package_type", "GET", "/users/octocat/packages?package_type=pypi", 400, msgPackageType},
		{"bad visibility", "GET", "/users/octocat/packages?package_type=npm&visibility=secret", 400, msgVisibility},
		{"bad type in path", "GET", "/users/octocat/packages/pypi/hello", 400, msgPackageType},
		{"past 10,000 results", "GET", "/users/octocat/packages?package_type=npm&per_page=100&page=101", 400,
			"The value of per_page multiplied by page cannot be greater than 10000."},
		{"unknown user, list", "GET", "/users/nobody/packages?package_type=npm", 404, "Not Found"},
		{"unknown user, get", "GET", "/users/nobody/packages/npm/hello", 404, "Not Found"},
		{"unknown package", "GET", "/users/octocat/packages/npm/nope", 404, "Not Found"},
		{"unknown route", "GET", "/repos/octocat/hello", 404, "Not Found"},
		{"trailing slash", "GET", "/users/octocat/packages/", 404, "Not Found"},
		{"wrong method", "PUT", "/users/octocat/packages/npm/hello", 404, "Not Found"},
		{"restore by GET", "GET", "/users/octocat/packages/npm/hello/restore", 404, "Not Found"},
		{"delete the list", "DELETE", "/users/octocat/packages", 404, "Not Found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, tc.method, ts.URL+tc.path)
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.body)
			}
			if got := r.message(t); got != tc.wantMessage {
				t.Errorf("message %q, want %q", got, tc.wantMessage)
			}
		})
	}
}

func TestListWindowOption(t *testing.T) {
	_, ts := start(t, Options{ListWindow: -1})
	for _, page := range []string{"101", "9223372036854775807"} {
		r := call(t, "GET", ts.URL+"/users/octocat/packages?package_type=npm&per_page=100&page="+page)
		if r.status != 200 || len(r.packages(t)) != 0 {
			t.Errorf("page %s: status %d, body %s", page, r.status, r.body)
		}
	}
}

func TestGetContainerWithSlash(t *testing.T) {
	_, ts := start(t, Options{})
	r := call(t, "GET", ts.URL+"/users/octocat/packages/container/octocat%2Fhello-world")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var p apiPackage
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Name != "octocat/hello-world" {
		t.Errorf("name %q", p.Name)
	}
	if want := ts.URL + "/users/octocat/packages/container/octocat%2Fhello-world"; p.URL != want {
		t.Errorf("url %q, want %q", p.URL, want)
	}
	if want := "https://github.com/users/octocat/packages/container/package/octocat%2Fhello-world"; p.HTMLURL != want {
		t.Errorf("html_url %q, want %q", p.HTMLURL, want)
	}
	// Unescaped, the slash splits the name: GitHub has no such route.
	if r := call(t, "GET", ts.URL+"/users/octocat/packages/container/octocat/hello-world"); r.status != 404 {
		t.Errorf("unescaped name: status %d", r.status)
	}
	// Logins ignore case, as on GitHub; the answer names the real login.
	if r := call(t, "GET", ts.URL+"/users/OctoCat/packages/npm/hello"); r.status != 200 || !bytes.Contains(r.body, []byte(`"login":"octocat"`)) {
		t.Errorf("OctoCat: status %d", r.status)
	}
}

func TestPackageJSON(t *testing.T) {
	_, ts := start(t, Options{})
	r := call(t, "GET", ts.URL+"/users/octocat/packages/npm/hello")
	if got, want := jsonKeys(t, r.body), []string{"id", "name", "package_type", "owner", "version_count", "visibility",
		"url", "created_at", "updated_at", "repository", "html_url"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("keys %v, want %v", got, want)
	}
	var p struct {
		Owner      map[string]any `json:"owner"`
		Repository map[string]any `json:"repository"`
		CreatedAt  string         `json:"created_at"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Owner["login"] != "octocat" || p.Owner["type"] != "User" || p.Owner["site_admin"] != false ||
		p.Owner["node_id"] != "MDQ6VXNlcjU4MzIzMQ==" || p.Owner["url"] != ts.URL+"/users/octocat" {
		t.Errorf("owner %v", p.Owner)
	}
	if p.Repository["full_name"] != "octocat/hello" || p.Repository["private"] != false || p.Repository["html_url"] != "https://github.com/octocat/hello" {
		t.Errorf("repository %v", p.Repository)
	}
	if _, err := time.Parse(time.RFC3339, p.CreatedAt); err != nil || !strings.HasSuffix(p.CreatedAt, "Z") {
		t.Errorf("created_at %q", p.CreatedAt)
	}

	r = call(t, "GET", ts.URL+"/users/octocat/packages/npm/left-pad-legacy")
	if !bytes.Contains(r.body, []byte(`"repository":null`)) || !bytes.Contains(r.body, []byte(`"version_count":0`)) {
		t.Errorf("left-pad-legacy: %s", r.body)
	}

	r = call(t, "GET", ts.URL+"/users/nobody/packages?package_type=npm")
	if got := string(r.body); got != `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/packages/packages#list-packages-for-a-user","status":"404"}` {
		t.Errorf("404 body %s", got)
	}
	r = call(t, "GET", ts.URL+"/users/octocat/packages?package_type=npm&visibility=internal&page=9")
	if string(r.body) != "[]" {
		t.Errorf("empty page %s", r.body)
	}
}

// jsonKeys returns the top-level keys of a JSON object in their order.
func jsonKeys(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestDeleteAndRestore(t *testing.T) {
	s, ts := start(t, Options{})
	pkg := ts.URL + "/users/octocat/packages/npm/hello"
	listed := func() bool {
		for page := 1; ; page++ {
			r := call(t, "GET", ts.URL+"/users/octocat/packages?package_type=npm&page="+strconv.Itoa(page))
			ps := r.packages(t)
			if len(ps) == 0 {
				return false
			}
			for _, p := range ps {
				if p.Name == "hello" {
					return true
				}
			}
		}
	}
	steps := []struct {
		method, url string
		want        int
	}{
		{"DELETE", pkg, 204},
		{"GET", pkg, 404},
		{"DELETE", pkg, 404},
		{"POST", pkg + "/restore", 204},
		{"GET", pkg, 200},
		{"POST", pkg + "/restore", 404},
		{"POST", ts.URL + "/users/octocat/packages/npm/nope/restore", 404},
		{"DELETE", ts.URL + "/users/octocat/packages/npm/nope", 404},
	}
	for i, st := range steps {
		r := call(t, st.method, st.url)
		if r.status != st.want {
			t.Fatalf("step %d %s %s: status %d, want %d: %s", i, st.method, st.url, r.status, st.want, r.body)
		}
		if st.want == 204 && len(r.body) != 0 {
			t.Errorf("step %d: 204 with body %s", i, r.body)
		}
		if i == 0 {
			if p, ok := s.Package("octocat", "npm", "hello"); !ok || !p.Deleted {
				t.Errorf("after delete: %+v %v", p, ok)
			}
			if listed() {
				t.Error("deleted package still listed")
			}
		}
	}
	if !listed() {
		t.Error("restored package not listed")
	}
	if p, _ := s.Package("octocat", "npm", "hello"); p.Deleted {
		t.Error("restored package still marked deleted")
	}
}

func TestDeleteDownloadLimit(t *testing.T) {
	s, ts := start(t, Options{})
	tests := []struct {
		typ, name  string
		wantStatus int
	}{
		{"container", "octocat%2Fhello-world", 400}, // public, 12,345 downloads
		{"docker", "hello-docker", 400},             // public, 9,001
		{"rubygems", "gem-toolkit", 204},            // public, exactly 5,000: not more than
		{"npm", "left-pad-legacy", 204},             // private
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, "DELETE", ts.URL+"/users/octocat/packages/"+tc.typ+"/"+tc.name)
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.body)
			}
			if tc.wantStatus == 400 && r.message(t) != msgDeleteRefused {
				t.Errorf("message %q", r.message(t))
			}
		})
	}
	if p, _ := s.Package("octocat", "container", "octocat/hello-world"); p.Deleted || p.Downloads <= 5000 {
		t.Errorf("refused delete changed state: %+v", p)
	}
}

func TestRestoreWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	_, ts := start(t, Options{Now: clock})
	pkg := func(name string) string { return ts.URL + "/users/octocat/packages/npm/" + name }

	call(t, "DELETE", pkg("hello"))
	advance(30 * 24 * time.Hour)
	call(t, "DELETE", pkg("left-pad-legacy"))
	if r := call(t, "POST", pkg("hello")+"/restore"); r.status != 204 {
		t.Errorf("restore after exactly 30 days: status %d", r.status)
	}
	advance(30*24*time.Hour + time.Second)
	if r := call(t, "POST", pkg("left-pad-legacy")+"/restore?token=abc"); r.status != 404 {
		t.Errorf("restore after 30 days and a second: status %d", r.status)
	}
}

func TestAuth(t *testing.T) {
	_, ts := start(t, Options{Token: "s3cret"})
	url := ts.URL + "/users/octocat/packages/npm/hello"
	tests := []struct {
		name, auth string
		want       int
	}{
		{"none", "", 401},
		{"wrong", "Bearer nope", 401},
		{"basic", "Basic czNjcmV0", 401},
		{"bearer", "Bearer s3cret", 200},
		{"token", "token s3cret", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, "GET", url, "Authorization", tc.auth)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d", r.status, tc.want)
			}
			if tc.want == 401 && r.message(t) != "Bad credentials" {
				t.Errorf("body %s", r.body)
			}
		})
	}

	_, open := start(t, Options{})
	if r := call(t, "GET", open.URL+"/users/octocat/packages/npm/hello", "Authorization", "Bearer anything"); r.status != 200 {
		t.Errorf("no Token configured: status %d", r.status)
	}
}

func TestScopes(t *testing.T) {
	_, ts := start(t, Options{Scopes: []string{"read:packages"}})
	pkg := ts.URL + "/users/octocat/packages/npm/hello"
	r := call(t, "DELETE", pkg)
	if r.status != 403 || r.message(t) != "You need at least delete:packages scope to delete packages." {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if got := r.header.Get("X-OAuth-Scopes"); got != "read:packages" {
		t.Errorf("X-OAuth-Scopes %q", got)
	}
	r = call(t, "POST", pkg+"/restore")
	if r.status != 403 || r.message(t) != "You need at least write:packages scope to restore packages." {
		t.Errorf("restore: %d %s", r.status, r.body)
	}

	s, ts := start(t, Options{Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	pkg = ts.URL + "/users/octocat/packages/npm/hello"
	if r := call(t, "DELETE", pkg); r.status != 204 {
		t.Errorf("delete with scope: %d", r.status)
	}
	if r := call(t, "POST", pkg+"/restore"); r.status != 204 {
		t.Errorf("restore with scope: %d", r.status)
	}
	if st := s.Stats(); st.Mutations != 2 {
		t.Errorf("mutations %d", st.Mutations)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	_, ts := start(t, Options{RateLimit: 3, Now: func() time.Time { return now }})
	url := ts.URL + "/users/octocat/packages/npm/hello"
	reset := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	for i, want := range []struct {
		status          int
		remaining, used string
	}{{200, "2", "1"}, {200, "1", "2"}, {200, "0", "3"}, {403, "0", "3"}} {
		r := call(t, "GET", url, "Authorization", "Bearer one")
		h := r.header
		if r.status != want.status || h.Get("X-RateLimit-Remaining") != want.remaining || h.Get("X-RateLimit-Used") != want.used ||
			h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Reset") != reset || h.Get("X-RateLimit-Resource") != "core" {
			t.Errorf("request %d: status %d, headers %v", i+1, r.status, h)
		}
		if r.status == 403 && !strings.HasPrefix(r.message(t), "API rate limit exceeded for user ID ") {
			t.Errorf("403 body %s", r.body)
		}
	}
	// Budgets are per token, and per address without one.
	if r := call(t, "GET", url, "Authorization", "Bearer two"); r.status != 200 || r.header.Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("second token: %d %v", r.status, r.header)
	}
	call(t, "GET", url)
	call(t, "GET", url)
	call(t, "GET", url)
	if r := call(t, "GET", url); r.status != 403 || !strings.HasPrefix(r.message(t), "API rate limit exceeded for 127.0.0.1.") {
		t.Errorf("anonymous: %d %s", r.status, r.body)
	}
}

func TestFailRate(t *testing.T) {
	statuses := func(opts Options) string {
		_, ts := start(t, opts)
		var b strings.Builder
		for i := range 200 {
			// Each request its own: one request fails at most failRun times.
			r := call(t, "GET", fmt.Sprintf("%s/users/octocat/packages/npm/hello?n=%d", ts.URL, i))
			if r.status == 502 && r.message(t) != "Server Error" {
				t.Errorf("502 body %s", r.body)
			}
			fmt.Fprintf(&b, "%d ", r.status)
		}
		return b.String()
	}
	a := statuses(Options{FailRate: 0.25, Seed: 7})
	if b := statuses(Options{FailRate: 0.25, Seed: 7}); a != b {
		t.Errorf("same Seed, different failures:\n%s\n%s", a, b)
	}
	if n := strings.Count(a, "502"); n < 25 || n > 75 {
		t.Errorf("%d of 200 failed at FailRate 0.25", n)
	}
	if c := statuses(Options{FailRate: 0.25, Seed: 8}); c == a {
		t.Error("another Seed gave the same failures")
	}
	if d := statuses(Options{}); strings.Contains(d, "502") {
		t.Error("failures without FailRate")
	}
}

// FailRate's faults are transient: one request is answered 502 at most
// failRun times in failWindow, so a client with more tries gets its answer,
// however many clients ask for it at once.
func TestFailRateIsTransient(t *testing.T) {
	_, ts := start(t, Options{FailRate: 0.9, Seed: 3})
	var mu sync.Mutex
	failed := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				resp, err := http.Get(ts.URL + "/users/octocat/packages/npm/hello")
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case 502:
					mu.Lock()
					failed++
					mu.Unlock()
				case 200:
				default:
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	if failed != failRun {
		t.Errorf("%d of 200 requests for one URL answered 502 at FailRate 0.9, want %d", failed, failRun)
	}
}

func TestDefaultSeedIsStable(t *testing.T) {
	dump := func() []byte {
		_, ts := start(t, Options{})
		var all bytes.Buffer
		for _, u := range DefaultSeed() {
			for _, typ := range packageTypes {
				all.Write(call(t, "GET", ts.URL+"/users/"+u.Login+"/packages?per_page=100&package_type="+typ).body)
			}
		}
		return bytes.ReplaceAll(all.Bytes(), []byte(ts.URL), []byte("BASE"))
	}
	a, b := dump(), dump()
	if !bytes.Equal(a, b) {
		t.Error("DefaultSeed gives different packages on each run")
	}
	if got := bytes.Count(a, []byte(`"package_type"`)); got != 300 {
		t.Errorf("DefaultSeed has %d packages, want 300", got)
	}

	// Example outputs in docs/ and examples/ show these values: changing the
	// generator changes them, so make it a deliberate change.
	s := New(Options{})
	p, _ := s.Package("octocat", "npm", "hello")
	if p.ID != 1 || timestamp(p.CreatedAt) != "2019-06-14T03:27:39Z" || timestamp(p.UpdatedAt) != "2024-09-13T10:32:54Z" {
		t.Errorf("octocat/npm/hello is now %d %s %s", p.ID, timestamp(p.CreatedAt), timestamp(p.UpdatedAt))
	}
}

func TestStatsAndLog(t *testing.T) {
	s, ts := start(t, Options{})
	call(t, "GET", ts.URL+"/users/octocat/packages?package_type=npm")
	call(t, "GET", ts.URL+"/users/octocat/packages/container/octocat%2Fhello-world")
	call(t, "DELETE", ts.URL+"/users/octocat/packages/npm/hello")
	call(t, "DELETE", ts.URL+"/users/octocat/packages/docker/hello-docker") // refused
	call(t, "POST", ts.URL+"/users/octocat/packages/npm/hello/restore?token=t")
	call(t, "GET", ts.URL+"/nowhere")

	st := s.Stats()
	want := map[string]int{KindList: 1, KindGet: 1, KindDelete: 2, KindRestore: 1, KindOther: 1}
	if st.Total != 6 || st.Mutations != 2 || fmt.Sprint(st.ByKind) != fmt.Sprint(want) || st.MaxInFlight != 1 {
		t.Errorf("stats %+v", st)
	}
	log := s.Log()
	if len(log) != 6 {
		t.Fatalf("log has %d entries", len(log))
	}
	if l := log[1]; l.Method != "GET" || l.Path != "/users/octocat/packages/container/octocat%2Fhello-world" || l.Status != 200 || l.Time.IsZero() {
		t.Errorf("log[1] %+v", l)
	}
	if l := log[3]; l.Status != 400 {
		t.Errorf("log[3] %+v", l)
	}
	if l := log[4]; l.Method != "POST" || l.Query != "token=t" || l.Status != 204 {
		t.Errorf("log[4] %+v", l)
	}

	s.ResetStats()
	if st := s.Stats(); st.Total != 0 || len(st.ByKind) != 0 || st.Mutations != 0 || len(s.Log()) != 0 {
		t.Errorf("after reset: %+v", st)
	}
}

func TestCommonHeaders(t *testing.T) {
	_, ts := start(t, Options{Token: "x"})
	ids := map[string]bool{}
	for _, path := range []string{"/users/octocat/packages/npm/hello", "/nowhere", "/users/nobody/packages?package_type=npm"} {
		for _, auth := range []string{"Bearer x", ""} {
			r := call(t, "GET", ts.URL+path, "Authorization", auth, "X-GitHub-Api-Version", "2022-11-28")
			h := r.header
			if h.Get("Content-Type") != "application/json; charset=utf-8" || h.Get("X-GitHub-Api-Version-Selected") != "2022-11-28" ||
				h.Get("X-RateLimit-Limit") != "5000" || h.Get("X-RateLimit-Reset") == "" {
				t.Errorf("%s %q: headers %v", path, auth, h)
			}
			ids[h.Get("X-GitHub-Request-Id")] = true
		}
	}
	if len(ids) != 6 || ids[""] {
		t.Errorf("request IDs %v", ids)
	}
}

func TestTransport(t *testing.T) {
	s := New(Options{})
	client := &http.Client{Transport: s.Transport()}
	res, err := client.Get("https://api.github.com/users/octocat/packages/container/octocat%2Fhello-world")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p apiPackage
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || p.URL != "https://api.github.com/users/octocat/packages/container/octocat%2Fhello-world" {
		t.Errorf("status %d, url %q", res.StatusCode, p.URL)
	}
	res, err = client.Get("https://api.github.com/users/octocat/packages?package_type=npm")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Link"); !strings.HasPrefix(got, "<https://api.github.com/users/octocat/packages?package_type=npm&page=2>") {
		t.Errorf("Link %q", got)
	}
}

func TestLatencyConcurrencyAndCancel(t *testing.T) {
	s, ts := start(t, Options{Latency: 50 * time.Millisecond})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { call(t, "GET", ts.URL+"/users/octocat/packages/npm/hello") })
	}
	wg.Wait()
	if st := s.Stats(); st.MaxInFlight < 2 || st.Total != 8 {
		t.Errorf("stats %+v: requests did not overlap", st)
	}

	slow := New(Options{Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "DELETE", "https://api.github.com/users/octocat/packages/npm/hello", nil)
	if _, err := (&http.Client{Transport: slow.Transport()}).Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v", err)
	}
	if log := slow.Log(); len(log) != 1 || log[0].Status != statusClientClosed {
		t.Errorf("log %+v", log)
	}
	if p, _ := slow.Package("octocat", "npm", "hello"); p.Deleted {
		t.Error("a cancelled delete deleted")
	}
}

func TestLargeUser(t *testing.T) {
	s, ts := start(t, Options{Users: []UserSeed{{Login: "bench", Packages: 100_000}}, ListWindow: -1})
	total := 0
	for _, typ := range packageTypes {
		total += len(s.users["bench"].types[typ].live)
	}
	if total != 100_000 {
		t.Fatalf("generated %d packages", total)
	}
	n := len(s.users["bench"].types["container"].live)
	last := (n + 99) / 100
	r := call(t, "GET", ts.URL+"/users/bench/packages?package_type=container&per_page=100&page="+strconv.Itoa(last))
	if got := len(r.packages(t)); got != n-(last-1)*100 {
		t.Errorf("last page has %d packages", got)
	}
}

func BenchmarkListPage(b *testing.B) {
	s := New(Options{Users: []UserSeed{{Login: "bench", Packages: 100_000}}, ListWindow: -1})
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest("GET", "/users/bench/packages?package_type=container&per_page=100&page="+strconv.Itoa(1+i%200), nil)
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func BenchmarkNew100k(b *testing.B) {
	for b.Loop() {
		New(Options{Users: []UserSeed{{Login: "bench", Packages: 100_000}}})
	}
}

func TestListen(t *testing.T) {
	srv, ln, err := Listen("127.0.0.1:0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	r := call(t, "GET", "http://"+ln.Addr().String()+"/users/hubot/packages/npm/hello")
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"url":"http://`+ln.Addr().String()+`/users/hubot/packages/npm/hello"`)) {
		t.Errorf("status %d: %s", r.status, r.body)
	}
	if st := srv.Handler.(*Server).Stats(); st.Total != 1 {
		t.Errorf("stats %+v", st)
	}
}

// A large package holds exactly the live versions asked for, all deletable
// but the last, with IDs clear of the next package's.
func TestLargePackages(t *testing.T) {
	large := []LargePackage{{Name: "big", Versions: MaxLargeVersions}, {Name: "small", Versions: 2}}
	s, ts := start(t, Options{Users: []UserSeed{{Login: "octocat"}},
		Orgs: []OrgSeed{{Login: "cleanup", Packages: 3, Admins: []string{"octocat"}, Large: large}}})
	for _, lp := range large {
		t.Run(lp.Name, func(t *testing.T) {
			p, ok := s.Package("cleanup", "npm", lp.Name)
			if !ok || p.VersionCount != lp.Versions || p.Visibility != "private" {
				t.Fatalf("%+v, %v; want %d private versions", p, ok, lp.Versions)
			}
			var live []int64
			for _, v := range s.Versions("cleanup", "npm", lp.Name) {
				if v.ID <= p.ID*1000 || v.ID >= (p.ID+1)*1000 {
					t.Errorf("version ID %d outside package %d's", v.ID, p.ID)
				}
				if !v.Deleted {
					live = append(live, v.ID)
				}
			}
			if len(live) != lp.Versions {
				t.Fatalf("%d live versions, want %d", len(live), lp.Versions)
			}
			base := ts.URL + "/orgs/cleanup/packages/npm/" + lp.Name + "/versions/"
			for i, id := range live {
				want := 204
				if i == len(live)-1 {
					want = 400 // the last live version
				}
				if r := call(t, "DELETE", base+strconv.FormatInt(id, 10)); r.status != want {
					t.Fatalf("DELETE version %d of %d: %d, want %d: %s", i+1, len(live), r.status, want, r.body)
				}
			}
		})
	}
}
