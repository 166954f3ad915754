package github

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// GitHub's errors come back with GitHub's status and message, where they
// happened, and what to do.
func TestGitHubErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		req      provider.Request
		answer   sandbox.Fault
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
			name:   "401 bad credentials",
			req:    pkgReq("get_package_for_user", "octocat", "npm", "hello"),
			answer: sandbox.Fault{Status: 401, Message: "Bad credentials", Docs: "https://docs.github.com/rest"},
			kind:   provider.KindAuth, status: 401, message: "Bad credentials",
			hintHas: []string{"GITHUB_TOKEN", "gh auth login"}, docURL: "https://docs.github.com/rest",
		},
		{
			name: "403 missing scope",
			req:  pkgReq("delete_package_for_user", "octocat", "npm", "hello"),
			answer: sandbox.Fault{Status: 403, Message: "You need at least delete:packages scope to perform this action.", Docs: "https://docs.github.com/rest/packages/packages#delete-a-package-for-a-user",
				Header: header("X-Accepted-OAuth-Scopes", "delete:packages, read:packages", "X-OAuth-Scopes", "read:packages")},
			kind: provider.KindAuth, status: 403, message: "You need at least delete:packages scope to perform this action.",
			hintHas: []string{"delete:packages, read:packages scopes", "this token has: read:packages", "gh auth refresh -s read:packages,delete:packages"},
		},
		{
			name:   "403 without scope headers names the method's scopes",
			req:    pkgReq("restore_package_for_user", "octocat", "npm", "hello"),
			answer: sandbox.Fault{Status: 403, Message: "Forbidden"},
			kind:   provider.KindAuth, status: 403, message: "Forbidden",
			hintHas: []string{"restore_package_for_user needs a token with the read:packages, write:packages scopes"},
		},
		{
			name:   "404 package",
			req:    pkgReq("delete_package_for_user", "octocat", "npm", "nope"),
			answer: sandbox.Fault{Status: 404, Message: "Package not found.", Docs: "https://docs.github.com/rest/packages/packages#delete-a-package-for-a-user"},
			kind:   provider.KindNotFound, status: 404, message: "Package not found.",
			hintHas: []string{`no npm package "nope" of user "octocat"`},
		},
		{
			name:   "404 restore",
			req:    pkgReq("restore_package_for_user", "octocat", "npm", "old"),
			answer: sandbox.Fault{Status: 404, Message: "Package not found."},
			kind:   provider.KindNotFound, status: 404, message: "Package not found.",
			hintHas: []string{"within 30 days"},
		},
		{
			name:   "404 user",
			req:    listReq("nobody", "npm"),
			answer: sandbox.Fault{Status: 404, Message: "Not Found"},
			kind:   provider.KindNotFound, status: 404, message: "Not Found",
			hintHas: []string{`no user "nobody"`},
		},
		{
			name:   "400 five thousand downloads",
			req:    pkgReq("delete_package_for_user", "octocat", "npm", "popular"),
			answer: sandbox.Fault{Status: 400, Message: "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.", Docs: "https://docs.github.com/rest/packages/packages#delete-a-package-for-a-user"},
			kind:   provider.KindAPI, status: 400, message: "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.",
			hintHas: []string{"GitHub's rule", "GitHub Support"},
		},
		{
			name: "422 names the param",
			req:  listReq("octocat", "npm"),
			answer: sandbox.Fault{Status: 422, Header: header("Content-Type", "application/json"),
				Body: `{"message":"Validation Failed","errors":[{"resource":"Package","field":"package_type","code":"invalid"}],"documentation_url":"https://docs.github.com/rest"}`},
			kind: provider.KindInvalid, status: 422, message: "Validation Failed (package_type invalid)", param: "package_type",
			hintHas: []string{`GitHub refused package_type = "npm"`},
		},
		{
			name:   "5xx after retries",
			req:    listReq("octocat", "npm"),
			answer: sandbox.Fault{Status: 503, Message: "Service Unavailable"},
			kind:   provider.KindUnavailable, status: 503, message: "Service Unavailable", retried: true,
			hintHas: []string{"try again later"},
		},
		{
			name: "primary rate limit",
			req:  listReq("octocat", "npm"),
			answer: sandbox.Fault{Status: 403, Message: "API rate limit exceeded for user ID 1.", Docs: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
				Header: header("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(40*time.Minute).Unix(), 10))},
			kind: provider.KindRateLimit, status: 403, message: "API rate limit exceeded for user ID 1.", hasReset: true,
			hintHas: []string{"rate limit"},
		},
		{
			name: "secondary rate limit, long wait",
			req:  listReq("octocat", "npm"),
			answer: sandbox.Fault{Status: 403, Message: "You have exceeded a secondary rate limit.", Docs: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
				Header: header("Retry-After", "3600")},
			kind: provider.KindRateLimit, status: 403, message: "You have exceeded a secondary rate limit.", hasReset: true,
			hintHas: []string{"secondary rate limit"},
		},
		{
			name:   "429 long wait",
			req:    pkgReq("get_package_for_user", "octocat", "npm", "hello"),
			answer: sandbox.Fault{Status: 429, Message: "Too Many Requests", Header: header("Retry-After", "120")},
			kind:   provider.KindRateLimit, status: 429, message: "Too Many Requests", hasReset: true,
			hintHas: []string{"rate limit"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{}})
			sb.SetFaults(tc.answer)
			p, _ := testProvider(t, base, 8, nil)
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
			wantReq := 1
			if tc.retried {
				wantReq = 4
			}
			if arrived(sb) != wantReq {
				t.Errorf("%d requests, want %d", arrived(sb), wantReq)
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
			sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{}})
			p, _ := testProvider(t, base, 8, nil)
			pe := mustProviderError(t, run(p, tc.req).err)
			if pe.Kind != tc.kind || pe.Param != tc.param || !strings.Contains(pe.Message, tc.message) {
				t.Errorf("error %+v", *pe)
			}
			if n := arrived(sb); n != 0 {
				t.Errorf("%d requests made", n)
			}
		})
	}
}
