package github

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
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
			opts := sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", tc.ptype, 3, tc.name)}}
			sb, base := startSandbox(t, opts)
			want := sandboxJSON(t, opts, base, tc.path)[0]
			p, _ := testProvider(t, base, 8, nil)
			out := run(p, pkgReq("get_package_for_user", "octocat", tc.ptype, tc.name))
			if out.err != nil {
				t.Fatal(out.err)
			}
			if log := requestLines(sb); len(log) != 1 || log[0] != "GET "+tc.path || out.res.Requests != 1 {
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
	sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "container", 0, "octocat/app")}})
	p, _ := testProvider(t, base, 8, nil)

	out := run(p, pkgReq("delete_package_for_user", "octocat", "container", "octocat/app"))
	if out.err != nil {
		t.Fatal(out.err)
	}
	if out.res.HTTPStatus != http.StatusNoContent || out.res.Message != "deleted" || out.res.Requests != 1 || len(out.rows) != 0 {
		t.Fatalf("delete: %+v, %d rows", out.res, len(out.rows))
	}
	if pk, _ := sb.Package("octocat", "container", "octocat/app"); !pk.Deleted {
		t.Fatal("the sandbox did not delete it")
	}
	out = run(p, pkgReq("get_package_for_user", "octocat", "container", "octocat/app"))
	if pe := mustProviderError(t, out.err); pe.Kind != provider.KindNotFound || pe.HTTPStatus != 404 || pe.Message != "Not Found" {
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
	log := requestLines(sb)
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
		name    string
		method  string
		acts    bool // the failing request changed the package anyway
		wantLog []string
	}{
		{"delete acted then 502", "delete_package_for_user", true, []string{"DELETE", "GET"}},
		{"delete did not act", "delete_package_for_user", false, []string{"DELETE", "GET", "DELETE"}},
		{"restore acted then 502", "restore_package_for_user", true, []string{"POST", "GET"}},
		{"restore did not act", "restore_package_for_user", false, []string{"POST", "GET", "POST"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 0, "hello")}})
			p, _ := testProvider(t, base, 8, nil)
			if tc.method == "restore_package_for_user" {
				if out := run(p, pkgReq("delete_package_for_user", "octocat", "npm", "hello")); out.err != nil {
					t.Fatal(out.err)
				}
				sb.ResetStats()
			}
			sb.SetFaults(sandbox.Fault{Method: tc.wantLog[0], Times: 1, Applied: tc.acts, Status: http.StatusBadGateway, Message: "Server Error"})
			out := run(p, pkgReq(tc.method, "octocat", "npm", "hello"))
			if out.err != nil {
				t.Fatal(out.err)
			}
			var methods []string
			for _, l := range sb.Log() {
				methods = append(methods, l.Method)
			}
			if strings.Join(methods, " ") != strings.Join(tc.wantLog, " ") {
				t.Fatalf("requests %v, want %v", methods, tc.wantLog)
			}
			if out.res.HTTPStatus != http.StatusNoContent || out.res.Requests != int64(len(tc.wantLog)) {
				t.Errorf("result %+v", out.res)
			}
			if pk, _ := sb.Package("octocat", "npm", "hello"); pk.Deleted != (tc.method == "delete_package_for_user") || sb.Stats().Mutations != 1 {
				t.Errorf("deleted %t after %s, %d changes made", pk.Deleted, tc.method, sb.Stats().Mutations)
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
		sb := sandbox.New(sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 0, "hello")}})
		p, s := testProvider(t, "http://"+addr, 8, nil)
		s.hook = func(n int) {
			if n == 1 {
				l, err := net.Listen("tcp", addr)
				if err != nil {
					t.Error(err)
					return
				}
				srv := &http.Server{Handler: sb}
				go func() { _ = srv.Serve(l) }()
				t.Cleanup(func() { srv.Close() })
			}
		}
		out := run(p, pkgReq("delete_package_for_user", "octocat", "npm", "hello"))
		if out.err != nil {
			t.Fatal(out.err)
		}
		if log := requestLines(sb); len(log) != 1 || !strings.HasPrefix(log[0], "DELETE ") || out.res.Requests != 1 {
			t.Fatalf("server saw %v; result counts %d requests", log, out.res.Requests)
		}
	})
	t.Run("reset after sending", func(t *testing.T) {
		t.Parallel()
		sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 0, "hello")}})
		sb.SetFaults(sandbox.Fault{Method: http.MethodDelete, Times: 1, Applied: true, Reset: true})
		p, _ := testProvider(t, base, 8, nil)
		out := run(p, pkgReq("delete_package_for_user", "octocat", "npm", "hello"))
		if out.err != nil {
			t.Fatal(out.err)
		}
		if log := requestLines(sb); len(log) != 2 || !strings.HasPrefix(log[0], "DELETE ") || !strings.HasPrefix(log[1], "GET ") {
			t.Fatalf("requests %v, want DELETE then GET", log)
		}
	})
}
