package github

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pkgql/pkgql/provider"
)

// A bound package name is one GET, with the name escaped as one path segment.
func TestGetIsOneRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, ptype, path string
	}{
		{"hello", "npm", "/users/octocat/packages/npm/hello"},
		{"octocat/hello-world", "container", "/users/octocat/packages/container/octocat%2Fhello-world"},
		{"a b%c?d#e", "container", "/users/octocat/packages/container/a%20b%25c%3Fd%23e"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.addPackages("octocat", tc.ptype, 3, nil)
			want := f.addPackages("octocat", tc.ptype, 1, func(int) string { return tc.name })[0]
			p, _ := testProvider(t, f.srv.URL, 8, nil)
			out := run(p, pkgReq("get_package_for_user", "octocat", tc.ptype, tc.name))
			if out.err != nil {
				t.Fatal(out.err)
			}
			if log := f.requestLog(); len(log) != 1 || log[0] != "GET "+tc.path || out.res.Requests != 1 {
				t.Fatalf("requests %v (result says %d), want one GET %s", log, out.res.Requests, tc.path)
			}
			if len(out.rows) != 1 {
				t.Fatalf("%d rows", len(out.rows))
			}
			checkRow(t, out.rows[0], want)
		})
	}
}

// Requests carry the token as a Bearer header, GitHub's media type and the
// user agent; without a token there is no Authorization header at all.
func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	for _, token := range []string{testToken, ""} {
		var got atomic.Value
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got.Store(r.Header.Clone())
			_, _ = w.Write([]byte(`{"id":1,"name":"x"}`))
		}))
		t.Cleanup(srv.Close)
		p := New(nil)
		if err := p.Configure(t.Context(), provider.Config{Settings: map[string]string{SettingBaseURL: srv.URL, SettingToken: token}, UserAgent: "pkgql-test"}); err != nil {
			t.Fatal(err)
		}
		if out := run(p, pkgReq("get_package_for_user", "octocat", "npm", "x")); out.err != nil {
			t.Fatal(out.err)
		}
		h := got.Load().(http.Header)
		wantAuth := ""
		if token != "" {
			wantAuth = "Bearer " + token
		}
		if h.Get("Authorization") != wantAuth || h.Get("User-Agent") != "pkgql-test" ||
			h.Get("Accept") != "application/vnd.github.v3+json" || h.Get("X-GitHub-Api-Version") == "" {
			t.Errorf("with token %t: headers %v", token != "", h)
		}
	}
}

// The base URL may lack its trailing slash, or carry a GitHub Enterprise path.
func TestBaseURL(t *testing.T) {
	t.Parallel()
	var path atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path.Store(r.URL.EscapedPath())
		_, _ = w.Write([]byte(`{"id":1}`))
	}))
	t.Cleanup(srv.Close)
	for base, want := range map[string]string{
		srv.URL:              "/users/u/packages/npm/n",
		srv.URL + "/":        "/users/u/packages/npm/n",
		srv.URL + "/api/v3":  "/api/v3/users/u/packages/npm/n",
		srv.URL + "/api/v3/": "/api/v3/users/u/packages/npm/n",
	} {
		p := New(nil)
		if err := p.Configure(t.Context(), provider.Config{Settings: map[string]string{SettingBaseURL: base}}); err != nil {
			t.Fatal(err)
		}
		if out := run(p, pkgReq("get_package_for_user", "u", "npm", "n")); out.err != nil {
			t.Fatal(out.err)
		}
		if got := path.Load(); got != want {
			t.Errorf("base %s: path %s, want %s", base, got, want)
		}
	}
	for _, bad := range []string{"ftp://host/", "api.github.com", "https://user:pw@host/", "https://host/?x=1", "http://"} {
		err := New(nil).Configure(t.Context(), provider.Config{Settings: map[string]string{SettingBaseURL: bad}})
		if pe := mustProviderError(t, err); pe.Kind != provider.KindInvalid {
			t.Errorf("base %q: %v", bad, err)
		}
	}
	for _, n := range []int{-1, 101} {
		err := New(nil).Configure(t.Context(), provider.Config{Concurrency: n})
		if pe := mustProviderError(t, err); pe.Kind != provider.KindInvalid || !strings.Contains(pe.Message, "concurrency") {
			t.Errorf("concurrency %d: %v", n, err)
		}
	}
}

// DELETE and restore are one request each, and round-trip; restore sends its
// token; names with / are escaped.
func TestDeleteAndRestore(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	f.addPackages("octocat", "container", 1, func(int) string { return "octocat/app" })
	p, _ := testProvider(t, f.srv.URL, 8, nil)

	out := run(p, pkgReq("delete_package_for_user", "octocat", "container", "octocat/app"))
	if out.err != nil {
		t.Fatal(out.err)
	}
	if out.res.HTTPStatus != http.StatusNoContent || out.res.Message != "deleted" || out.res.Requests != 1 || len(out.rows) != 0 {
		t.Fatalf("delete: %+v, %d rows", out.res, len(out.rows))
	}
	out = run(p, pkgReq("get_package_for_user", "octocat", "container", "octocat/app"))
	if pe := mustProviderError(t, out.err); pe.Kind != provider.KindNotFound || pe.HTTPStatus != 404 || pe.Message != "Package not found." {
		t.Fatalf("get after delete: %v", pe)
	}

	req := pkgReq("restore_package_for_user", "octocat", "container", "octocat/app")
	req.Params["token"] = "pkg-restore-token/+="
	out = run(p, req)
	if out.err != nil {
		t.Fatal(out.err)
	}
	if out.res.HTTPStatus != http.StatusNoContent || out.res.Message != "restored" || out.res.Requests != 1 {
		t.Fatalf("restore: %+v", out.res)
	}
	log := f.requestLog()
	want := []string{
		"DELETE /users/octocat/packages/container/octocat%2Fapp",
		"GET /users/octocat/packages/container/octocat%2Fapp",
		"POST /users/octocat/packages/container/octocat%2Fapp/restore?token=pkg-restore-token%2F%2B%3D",
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests\n%s\nwant\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	if out := run(p, pkgReq("get_package_for_user", "octocat", "container", "octocat/app")); out.err != nil {
		t.Fatalf("get after restore: %v", out.err)
	}
}

// A DELETE answered 502 may have happened: it is checked with a GET, not
// blindly sent again. Only when the GET shows it did not happen is it resent.
func TestMutationAfterServerError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		method   string
		acts     bool // the failing request changed the package anyway
		wantLog  []string
		wantFail bool
	}{
		{"delete acted then 502", "delete_package_for_user", true,
			[]string{"DELETE", "GET"}, false},
		{"delete did not act", "delete_package_for_user", false,
			[]string{"DELETE", "GET", "DELETE"}, false},
		{"restore acted then 502", "restore_package_for_user", true,
			[]string{"POST", "GET"}, false},
		{"restore did not act", "restore_package_for_user", false,
			[]string{"POST", "GET", "POST"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.addPackages("octocat", "npm", 1, func(int) string { return "hello" })
			p, _ := testProvider(t, f.srv.URL, 8, nil)
			if tc.method == "restore_package_for_user" {
				if out := run(p, pkgReq("delete_package_for_user", "octocat", "npm", "hello")); out.err != nil {
					t.Fatal(out.err)
				}
				f.mu.Lock()
				f.log = nil
				f.mu.Unlock()
			}
			var failed atomic.Bool
			f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
				if r.Method == http.MethodGet || !failed.CompareAndSwap(false, true) {
					return false
				}
				if tc.acts {
					f.mu.Lock()
					if r.Method == http.MethodDelete {
						f.deleted["octocat/npm/hello"] = f.packages["octocat/npm"][0]
						f.packages["octocat/npm"] = nil
					} else {
						f.packages["octocat/npm"] = []fakePackage{f.deleted["octocat/npm/hello"]}
						delete(f.deleted, "octocat/npm/hello")
					}
					f.mu.Unlock()
				}
				writeError(w, http.StatusBadGateway, "Server Error", "")
				return true
			}
			out := run(p, pkgReq(tc.method, "octocat", "npm", "hello"))
			if out.err != nil {
				t.Fatal(out.err)
			}
			var methods []string
			for _, l := range f.requestLog() {
				methods = append(methods, strings.Fields(l)[0])
			}
			if strings.Join(methods, " ") != strings.Join(tc.wantLog, " ") {
				t.Fatalf("requests %v, want %v", methods, tc.wantLog)
			}
			if out.res.HTTPStatus != http.StatusNoContent || out.res.Requests != int64(len(tc.wantLog)) {
				t.Errorf("result %+v", out.res)
			}
		})
	}
}

// A DELETE whose connection was never made is sent again; one whose connection
// broke after it was sent is checked first.
func TestMutationAfterNetworkError(t *testing.T) {
	t.Parallel()
	t.Run("dial refused", func(t *testing.T) {
		t.Parallel()
		// A port with nothing listening; the server starts there during the
		// first backoff.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		f := newFakeGitHub(t)
		f.addPackages("octocat", "npm", 1, func(int) string { return "hello" })
		p, s := testProvider(t, "http://"+addr, 8, nil)
		s.hook = func(n int) {
			if n == 1 {
				l, err := net.Listen("tcp", addr)
				if err != nil {
					t.Error(err)
					return
				}
				srv := &http.Server{Handler: f.srv.Config.Handler}
				go func() { _ = srv.Serve(l) }()
				t.Cleanup(func() { srv.Close() })
			}
		}
		out := run(p, pkgReq("delete_package_for_user", "octocat", "npm", "hello"))
		if out.err != nil {
			t.Fatal(out.err)
		}
		if log := f.requestLog(); len(log) != 1 || !strings.HasPrefix(log[0], "DELETE ") || out.res.Requests != 1 {
			t.Fatalf("server saw %v; result counts %d requests", log, out.res.Requests)
		}
	})
	t.Run("reset after sending", func(t *testing.T) {
		t.Parallel()
		f := newFakeGitHub(t)
		f.addPackages("octocat", "npm", 1, func(int) string { return "hello" })
		var once atomic.Bool
		f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
			if r.Method != http.MethodDelete || !once.CompareAndSwap(false, true) {
				return false
			}
			f.mu.Lock()
			f.packages["octocat/npm"] = nil
			f.mu.Unlock()
			hijackClose(t, w)
			return true
		}
		p, _ := testProvider(t, f.srv.URL, 8, nil)
		out := run(p, pkgReq("delete_package_for_user", "octocat", "npm", "hello"))
		if out.err != nil {
			t.Fatal(out.err)
		}
		if log := f.requestLog(); len(log) != 2 || !strings.HasPrefix(log[0], "DELETE ") || !strings.HasPrefix(log[1], "GET ") {
			t.Fatalf("requests %v, want DELETE then GET", log)
		}
	})
}

// hijackClose drops the connection without an answer, as a reset does.
func hijackClose(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST, not FIN
	}
	conn.Close()
}
