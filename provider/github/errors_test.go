package github

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
)

// GitHub's errors come back with GitHub's status and message, where they
// happened, and what to do.
func TestGitHubErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		req      provider.Request
		answer   func(w http.ResponseWriter)
		kind     string
		status   int
		message  string
		param    string
		hintHas  []string
		docURL   string
		retried  bool
		hasReset bool
	}{
		{
			name: "401 bad credentials",
			req:  pkgReq("get_package_for_user", "octocat", "npm", "hello"),
			answer: func(w http.ResponseWriter) {
				writeError(w, 401, "Bad credentials", "https://docs.github.com/rest")
			},
			kind: provider.KindAuth, status: 401, message: "Bad credentials",
			hintHas: []string{"GITHUB_TOKEN", "gh auth login"}, docURL: "https://docs.github.com/rest",
		},
		{
			name: "403 missing scope",
			req:  pkgReq("delete_package_for_user", "octocat", "npm", "hello"),
			answer: func(w http.ResponseWriter) {
				w.Header().Set("X-Accepted-OAuth-Scopes", "delete:packages, read:packages")
				w.Header().Set("X-OAuth-Scopes", "read:packages")
				writeError(w, 403, "You need at least delete:packages scope to perform this action.", "https://docs.github.com/rest/packages/packages#delete-a-package-for-a-user")
			},
			kind: provider.KindAuth, status: 403, message: "You need at least delete:packages scope to perform this action.",
			hintHas: []string{"delete:packages, read:packages scopes", "this token has: read:packages", "gh auth refresh -s read:packages,delete:packages"},
		},
		{
			name: "403 without scope headers names the method's scopes",
			req:  pkgReq("restore_package_for_user", "octocat", "npm", "hello"),
			answer: func(w http.ResponseWriter) {
				writeError(w, 403, "Forbidden", "")
			},
			kind: provider.KindAuth, status: 403, message: "Forbidden",
			hintHas: []string{"restore_package_for_user needs a token with the read:packages, write:packages scopes"},
		},
		{
			name: "404 package",
			req:  pkgReq("delete_package_for_user", "octocat", "npm", "nope"),
			answer: func(w http.ResponseWriter) {
				writeError(w, 404, "Package not found.", "https://docs.github.com/rest/packages/packages#delete-a-package-for-a-user")
			},
			kind: provider.KindNotFound, status: 404, message: "Package not found.",
			hintHas: []string{`no npm package "nope" of user "octocat"`},
		},
		{
			name: "404 restore",
			req:  pkgReq("restore_package_for_user", "octocat", "npm", "old"),
			answer: func(w http.ResponseWriter) {
				writeError(w, 404, "Package not found.", "")
			},
			kind: provider.KindNotFound, status: 404, message: "Package not found.",
			hintHas: []string{"within 30 days"},
		},
		{
			name: "404 user",
			req:  listReq("nobody", "npm"),
			answer: func(w http.ResponseWriter) {
				writeError(w, 404, "Not Found", "")
			},
			kind: provider.KindNotFound, status: 404, message: "Not Found",
			hintHas: []string{`no user "nobody"`},
		},
		{
			name: "400 five thousand downloads",
			req:  pkgReq("delete_package_for_user", "octocat", "npm", "popular"),
			answer: func(w http.ResponseWriter) {
				writeError(w, 400, "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.", "https://docs.github.com/rest/packages/packages#delete-a-package-for-a-user")
			},
			kind: provider.KindAPI, status: 400, message: "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.",
			hintHas: []string{"GitHub's rule", "GitHub Support"},
		},
		{
			name: "422 names the param",
			req:  listReq("octocat", "npm"),
			answer: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(422)
				_, _ = w.Write([]byte(`{"message":"Validation Failed","errors":[{"resource":"Package","field":"package_type","code":"invalid"}],"documentation_url":"https://docs.github.com/rest"}`))
			},
			kind: provider.KindInvalid, status: 422, message: "Validation Failed (package_type invalid)", param: "package_type",
			hintHas: []string{`GitHub refused package_type = "npm"`},
		},
		{
			name: "5xx after retries",
			req:  listReq("octocat", "npm"),
			answer: func(w http.ResponseWriter) {
				writeError(w, 503, "Service Unavailable", "")
			},
			kind: provider.KindUnavailable, status: 503, message: "Service Unavailable", retried: true,
			hintHas: []string{"try again later"},
		},
		{
			name: "primary rate limit",
			req:  listReq("octocat", "npm"),
			answer: func(w http.ResponseWriter) {
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(40*time.Minute).Unix(), 10))
				writeError(w, 403, "API rate limit exceeded for user ID 1.", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
			},
			kind: provider.KindRateLimit, status: 403, message: "API rate limit exceeded for user ID 1.", hasReset: true,
			hintHas: []string{"rate limit"},
		},
		{
			name: "secondary rate limit, long wait",
			req:  listReq("octocat", "npm"),
			answer: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "3600")
				writeError(w, 403, "You have exceeded a secondary rate limit.", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
			},
			kind: provider.KindRateLimit, status: 403, message: "You have exceeded a secondary rate limit.", hasReset: true,
			hintHas: []string{"secondary rate limit"},
		},
		{
			name: "429 long wait",
			req:  pkgReq("get_package_for_user", "octocat", "npm", "hello"),
			answer: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "120")
				writeError(w, 429, "Too Many Requests", "")
			},
			kind: provider.KindRateLimit, status: 429, message: "Too Many Requests", hasReset: true,
			hintHas: []string{"rate limit"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
				tc.answer(w)
				return true
			}
			p, _ := testProvider(t, f.srv.URL, 8, nil)
			start := time.Now()
			out := run(p, tc.req)
			pe := mustProviderError(t, out.err)
			if pe.Kind != tc.kind || pe.HTTPStatus != tc.status || pe.Message != tc.message || pe.API != "GitHub" || pe.Param != tc.param {
				t.Errorf("error %+v", *pe)
			}
			if pe.Resource != "github.packages.user_packages" || pe.Method != tc.req.Method {
				t.Errorf("error names %s.%s", pe.Resource, pe.Method)
			}
			for _, h := range tc.hintHas {
				if !strings.Contains(pe.Hint, h) {
					t.Errorf("hint %q lacks %q", pe.Hint, h)
				}
			}
			if tc.docURL != "" && pe.DocURL != tc.docURL {
				t.Errorf("doc URL %q", pe.DocURL)
			}
			if tc.hasReset != !pe.Reset.IsZero() || (tc.hasReset && !pe.Reset.After(start.Add(time.Minute))) {
				t.Errorf("reset %v", pe.Reset)
			}
			wantReq := int64(1)
			if tc.retried {
				wantReq = 4
			}
			if f.requests.Load() != wantReq {
				t.Errorf("%d requests, want %d", f.requests.Load(), wantReq)
			}
			if strings.Contains(pe.Error(), testToken) {
				t.Error("the token is in the error")
			}
		})
	}
}

// Params GitHub would refuse are refused before any request, naming the param.
func TestInvalidParamsMakeNoRequest(t *testing.T) {
	t.Parallel()
	with := func(r provider.Request, k, v string) provider.Request {
		r.Params[k] = v
		return r
	}
	without := func(r provider.Request, k string) provider.Request {
		delete(r.Params, k)
		return r
	}
	cases := []struct {
		name    string
		req     provider.Request
		param   string
		message string
		kind    string
	}{
		{"package_type not in enum", listReq("octocat", "pypi"), "package_type", `package_type must be one of npm, maven, rubygems, docker, nuget, container, not "pypi"`, provider.KindInvalid},
		{"package_type case", listReq("octocat", "NPM"), "package_type", `(did you mean "npm"?)`, provider.KindInvalid},
		{"visibility not in enum", with(listReq("octocat", "npm"), "visibility", "secret"), "visibility", "visibility must be one of public, private, internal", provider.KindInvalid},
		{"empty username", listReq("", "npm"), "username", "username is empty", provider.KindInvalid},
		{"blank username", listReq("  ", "npm"), "username", "username is empty", provider.KindInvalid},
		{"dot-dot name", pkgReq("get_package_for_user", "octocat", "npm", ".."), "package_name", `cannot be ".."`, provider.KindInvalid},
		{"control character", pkgReq("get_package_for_user", "octocat", "npm", "a\nb"), "package_name", "control character", provider.KindInvalid},
		{"missing required", without(pkgReq("delete_package_for_user", "octocat", "npm", "x"), "package_name"), "package_name", "delete_package_for_user needs package_name", provider.KindInvalid},
		{"param the method does not take", with(pkgReq("get_package_for_user", "octocat", "npm", "x"), "visibility", "public"), "visibility", "get_package_for_user does not take visibility", provider.KindInvalid},
		{"unknown param", with(listReq("octocat", "npm"), "org", "github"), "org", "user_packages has no param org", provider.KindInvalid},
		{"unknown method", provider.Request{Service: "packages", Resource: "user_packages", Method: "drop"}, "", "no method drop", provider.KindUnsupported},
		{"unknown resource", provider.Request{Service: "packages", Resource: "org_packages", Method: "x"}, "", "no resource packages.org_packages", provider.KindUnsupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			p, _ := testProvider(t, f.srv.URL, 8, nil)
			pe := mustProviderError(t, run(p, tc.req).err)
			if pe.Kind != tc.kind || pe.Param != tc.param || !strings.Contains(pe.Message, tc.message) {
				t.Errorf("error %+v", *pe)
			}
			if f.requests.Load() != 0 {
				t.Errorf("%d requests made", f.requests.Load())
			}
		})
	}
}
