package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pkgql/pkgql/provider"
)

// fakeGitHub is a local server that answers the Packages endpoints the way
// GitHub's REST docs describe them: Link pagination (per_page at most 100,
// rel="next"/"last"/"prev"/"first"), GitHub's error bodies and headers. It
// counts and records every request, and lets a test inject faults.
type fakeGitHub struct {
	srv *httptest.Server

	mu       sync.Mutex
	packages map[string][]fakePackage // by "username/package_type", in listing order
	deleted  map[string]fakePackage   // by "username/package_type/name"
	log      []string                 // method and escaped request URI of each request

	requests    atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64

	// noLast leaves rel="last" out of Link headers, as some endpoints do.
	noLast bool
	// latency, when set, delays the answer to a request.
	latency func(r *http.Request) time.Duration
	// fault, when set, sees each request first (n counts from 1) and may
	// answer it itself by returning true.
	fault func(w http.ResponseWriter, r *http.Request, n int64) bool
	// downloads marks packages GitHub refuses to delete (5,000 downloads).
	downloads map[string]bool
}

type fakePackage struct {
	ID           int64           `json:"id"`
	Name         string          `json:"name"`
	PackageType  string          `json:"package_type"`
	Owner        json.RawMessage `json:"owner"`
	VersionCount int64           `json:"version_count"`
	Visibility   string          `json:"visibility"`
	URL          string          `json:"url"`
	CreatedAt    string          `json:"created_at"`
	UpdatedAt    string          `json:"updated_at"`
	Repository   json.RawMessage `json:"repository"`
	HTMLURL      string          `json:"html_url"`
}

func newFakeGitHub(t testing.TB) *fakeGitHub {
	f := &fakeGitHub{packages: map[string][]fakePackage{}, deleted: map[string]fakePackage{}, downloads: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// ownerJSON carries a field go-github v60 does not know (user_view_type), so
// tests see that GitHub's object arrives whole.
func ownerJSON(login string, id int64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"login":%q,"id":%d,"node_id":"MDQ6VXNlcjE=","avatar_url":"https://github.com/images/error/%s_happy.gif","gravatar_id":"","url":"https://api.github.com/users/%s","html_url":"https://github.com/%s","type":"User","site_admin":false,"user_view_type":"public"}`,
		login, id, login, login, login))
}

// addPackages gives user n packages of one type. Every fifth has no
// repository; every third is private.
func (f *fakeGitHub) addPackages(user, ptype string, n int, name func(i int) string) []fakePackage {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := user + "/" + ptype
	start := int64(len(f.packages[key]))
	if _, ok := f.packages[key]; !ok {
		f.packages[key] = []fakePackage{}
	}
	for i := range n {
		id := start + int64(i) + 1
		nm := fmt.Sprintf("%s-%05d", ptype, id)
		if name != nil {
			nm = name(i)
		}
		vis := "public"
		if id%3 == 0 {
			vis = "private"
		}
		repo := json.RawMessage("null")
		if id%5 != 0 {
			repo = json.RawMessage(fmt.Sprintf(`{"id":%d,"node_id":"R_%d","name":"repo-%d","full_name":"%s/repo-%d","private":%t,"owner":%s,"html_url":"https://github.com/%s/repo-%d"}`,
				1000+id, id, id, user, id, vis == "private", ownerJSON(user, 1), user, id))
		}
		f.packages[key] = append(f.packages[key], fakePackage{
			ID: id, Name: nm, PackageType: ptype, Owner: ownerJSON(user, 1), VersionCount: id % 7,
			Visibility: vis, URL: "https://api.github.com/users/" + user + "/packages/" + ptype + "/" + url.PathEscape(nm),
			CreatedAt:  time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Hour).Format(time.RFC3339),
			UpdatedAt:  time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Hour).Format(time.RFC3339),
			Repository: repo, HTMLURL: "https://github.com/users/" + user + "/packages/" + ptype + "/package/" + nm,
		})
	}
	return slices.Clone(f.packages[key][start:])
}

func (f *fakeGitHub) requestLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

func writeError(w http.ResponseWriter, status int, msg, doc string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q,"documentation_url":%q,"status":"%d"}`, msg, doc, status)
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	n := f.requests.Add(1)
	cur := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxInFlight.Load()
		if cur <= m || f.maxInFlight.CompareAndSwap(m, cur) {
			break
		}
	}
	f.mu.Lock()
	f.log = append(f.log, r.Method+" "+r.URL.RequestURI())
	f.mu.Unlock()
	if f.latency != nil {
		select {
		case <-time.After(f.latency(r)):
		case <-r.Context().Done():
			return
		}
	}
	if f.fault != nil && f.fault(w, r, n) {
		return
	}
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", strconv.FormatInt(5000-n, 10))

	// Segments of the escaped path, so that %2F stays inside a name.
	var segs []string
	for _, s := range strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Bad path", "")
			return
		}
		segs = append(segs, u)
	}
	switch {
	case len(segs) == 3 && segs[0] == "users" && segs[2] == "packages" && r.Method == http.MethodGet:
		f.list(w, r, segs[1])
	case len(segs) == 5 && segs[0] == "users" && segs[2] == "packages":
		f.one(w, r, segs[1], segs[3], segs[4])
	case len(segs) == 6 && segs[0] == "users" && segs[2] == "packages" && segs[5] == "restore" && r.Method == http.MethodPost:
		f.restore(w, segs[1], segs[3], segs[4])
	default:
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	}
}

func (f *fakeGitHub) list(w http.ResponseWriter, r *http.Request, user string) {
	q := r.URL.Query()
	ptype := q.Get("package_type")
	if !slices.Contains(packageTypes, ptype) {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed: package_type is not included in the list", "https://docs.github.com/rest/packages/packages#list-packages-for-a-user")
		return
	}
	perPage := 30
	if v := q.Get("per_page"); v != "" {
		perPage, _ = strconv.Atoi(v)
		perPage = min(max(perPage, 1), 100)
	}
	pg := 1
	if v := q.Get("page"); v != "" {
		pg, _ = strconv.Atoi(v)
	}
	f.mu.Lock()
	all, known := f.packages[user+"/"+ptype]
	var pkgs []fakePackage
	for _, p := range all {
		if vis := q.Get("visibility"); vis == "" || vis == p.Visibility {
			pkgs = append(pkgs, p)
		}
	}
	f.mu.Unlock()
	if !known && user != "empty" {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/packages/packages#list-packages-for-a-user")
		return
	}
	last := max((len(pkgs)+perPage-1)/perPage, 1)
	link := func(p int, rel string) string {
		lq := url.Values{}
		for k, v := range q {
			lq[k] = v
		}
		lq.Set("page", strconv.Itoa(p))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, f.srv.URL, r.URL.EscapedPath(), lq.Encode(), rel)
	}
	var links []string
	if pg > 1 {
		links = append(links, link(pg-1, "prev"))
	}
	if pg < last {
		links = append(links, link(pg+1, "next"))
		if !f.noLast {
			links = append(links, link(last, "last"))
		}
	}
	if pg > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	from, to := min((pg-1)*perPage, len(pkgs)), min(pg*perPage, len(pkgs))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	body, _ := json.Marshal(pkgs[from:to])
	if from == to {
		body = []byte("[]")
	}
	_, _ = w.Write(body)
}

func (f *fakeGitHub) find(user, ptype, name string) (int, []fakePackage) {
	pkgs := f.packages[user+"/"+ptype]
	return slices.IndexFunc(pkgs, func(p fakePackage) bool { return p.Name == name }), pkgs
}

func (f *fakeGitHub) one(w http.ResponseWriter, r *http.Request, user, ptype, name string) {
	const doc = "https://docs.github.com/rest/packages/packages#get-a-package-for-a-user"
	f.mu.Lock()
	defer f.mu.Unlock()
	i, pkgs := f.find(user, ptype, name)
	if i < 0 {
		writeError(w, http.StatusNotFound, "Package not found.", doc)
		return
	}
	switch r.Method {
	case http.MethodGet:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(pkgs[i])
	case http.MethodDelete:
		if f.downloads[name] {
			writeError(w, http.StatusBadRequest, "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.",
				"https://docs.github.com/rest/packages/packages#delete-a-package-for-a-user")
			return
		}
		f.deleted[user+"/"+ptype+"/"+name] = pkgs[i]
		f.packages[user+"/"+ptype] = slices.Delete(pkgs, i, i+1)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed", doc)
	}
}

func (f *fakeGitHub) restore(w http.ResponseWriter, user, ptype, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := user + "/" + ptype + "/" + name
	p, ok := f.deleted[key]
	if !ok {
		writeError(w, http.StatusNotFound, "Package not found.", "https://docs.github.com/rest/packages/packages#restore-a-package-for-a-user")
		return
	}
	delete(f.deleted, key)
	f.packages[user+"/"+ptype] = append(f.packages[user+"/"+ptype], p)
	w.WriteHeader(http.StatusNoContent)
}

// testToken is what tests configure; it must never appear in any output.
const testToken = "ghp_TESTTOKEN0123456789abcdefTESTTOKEN"

// sleeps records the waits the retry policy asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
	// hook, when set, runs at each wait (to change the world between tries).
	hook func(n int)
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	n := len(s.d)
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// testProvider returns a provider configured for base, whose waits are
// recorded rather than slept.
func testProvider(t testing.TB, base string, concurrency int, logger hclog.Logger) (*Provider, *sleeps) {
	t.Helper()
	p := New(logger)
	s := &sleeps{}
	p.policy.sleep = s.sleep
	p.policy.jitter = func(time.Duration) time.Duration { return 0 }
	p.policy.maxWait = 10 * time.Second
	if err := p.Configure(context.Background(), provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}, Concurrency: concurrency}); err != nil {
		t.Fatal(err)
	}
	return p, s
}

// result is what a Call produced.
type result struct {
	rows    [][]any
	batches []provider.Batch
	res     provider.Result
	err     error
}

func run(p *Provider, req provider.Request) result {
	var out result
	out.res, out.err = p.Call(context.Background(), req, func(b provider.Batch) error {
		out.batches = append(out.batches, b)
		out.rows = append(out.rows, b.Rows...)
		return nil
	})
	return out
}

func listReq(user, ptype string) provider.Request {
	return provider.Request{Service: "packages", Resource: "user_packages", Method: "list_packages_for_user", Params: map[string]string{"username": user, "package_type": ptype}}
}

func pkgReq(method, user, ptype, name string) provider.Request {
	return provider.Request{Service: "packages", Resource: "user_packages", Method: method, Params: map[string]string{"username": user, "package_type": ptype, "package_name": name}}
}

// mustProviderError asserts err is a provider.Error.
func mustProviderError(t *testing.T, err error) *provider.Error {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got none")
	}
	pe, ok := provider.AsError(err)
	if !ok {
		t.Fatalf("want a provider.Error, got %T: %v", err, err)
	}
	return pe
}
