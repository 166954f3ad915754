package github

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// TestCheckAuth asks GET /user of servers that answer as GitHub documents:
// the user and the token's scopes, a refusal of the token, a refusal of the
// route, a rate limit, and the sandbox, which checks the token but serves no
// /user.
func TestCheckAuth(t *testing.T) {
	t.Parallel()
	userHandler := func(status int, body string, headers map[string]string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/user" || r.Method != http.MethodGet {
				http.NotFound(w, r)
				return
			}
			if r.Header.Get("Authorization") != "Bearer "+testToken {
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"message":"Bad credentials"}`))
				return
			}
			for k, v := range headers {
				w.Header().Set(k, v)
			}
			w.WriteHeader(status)
			w.Write([]byte(body))
		}
	}
	rate := map[string]string{"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": "1700000000"}
	withScopes := map[string]string{"X-OAuth-Scopes": "read:packages, repo"}
	for k, v := range rate {
		withScopes[k] = v
	}
	for _, tc := range []struct {
		name    string
		handler http.Handler
		token   string
		want    provider.AuthStatus
	}{
		{"a classic token", userHandler(200, `{"login":"octocat","id":1}`, withScopes), testToken, provider.AuthStatus{
			Sent: true, HTTPStatus: 200, Accepted: true, Login: "octocat", ScopesReported: true, Scopes: []string{"read:packages", "repo"},
			RateLimit: 5000, RateRemaining: 4999, RateReset: 1700000000}},
		{"a fine-grained token", userHandler(200, `{"login":"octocat"}`, rate), testToken, provider.AuthStatus{
			Sent: true, HTTPStatus: 200, Accepted: true, Login: "octocat", RateLimit: 5000, RateRemaining: 4999, RateReset: 1700000000}},
		{"a token with no scopes", userHandler(200, `{"login":"octocat"}`, map[string]string{"X-OAuth-Scopes": ""}), testToken, provider.AuthStatus{
			Sent: true, HTTPStatus: 200, Accepted: true, Login: "octocat", ScopesReported: true, RateLimit: -1, RateRemaining: -1}},
		{"a GitHub App's token", userHandler(403, `{"message":"Resource not accessible by integration"}`, rate), testToken, provider.AuthStatus{
			Sent: true, HTTPStatus: 403, Accepted: true, Message: "Resource not accessible by integration", RateLimit: 5000, RateRemaining: 4999, RateReset: 1700000000}},
		{"a wrong token", userHandler(200, `{"login":"octocat"}`, nil), "ghp_wrong", provider.AuthStatus{
			Sent: true, HTTPStatus: 401, Message: "Bad credentials", RateLimit: -1, RateRemaining: -1}},
		{"rate limited", userHandler(403, `{"message":"API rate limit exceeded"}`, map[string]string{"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000000"}), testToken, provider.AuthStatus{
			Sent: true, HTTPStatus: 403, Message: "API rate limit exceeded", RateLimit: 5000, RateRemaining: 0, RateReset: 1700000000}},
		{"no token", userHandler(200, `{"login":"octocat"}`, nil), "", provider.AuthStatus{RateLimit: -1, RateRemaining: -1}},
		{"the sandbox", sandbox.New(sandbox.Options{Token: testToken, Scopes: []string{"read:packages"}}), testToken, provider.AuthStatus{
			Sent: true, HTTPStatus: 404, Accepted: true, Message: "Not Found", ScopesReported: true, Scopes: []string{"read:packages"}, RateLimit: 5000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			p := New(nil)
			if err := p.Configure(context.Background(), provider.Config{Settings: map[string]string{SettingBaseURL: srv.URL, SettingToken: tc.token}}); err != nil {
				t.Fatal(err)
			}
			got, err := p.CheckAuth(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.API = srv.URL + "/"
			if tc.name == "the sandbox" {
				// The sandbox's budget counts down from 5000 and renews
				// on its own clock.
				want.RateRemaining, want.RateReset = got.RateRemaining, got.RateReset
				if got.RateRemaining < 0 || got.RateReset <= 0 {
					t.Errorf("no rate limit from the sandbox: %+v", got)
				}
			}
			if !equalStatus(got, want) {
				t.Errorf("CheckAuth =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		p, _ := testProvider(t, srv.URL, 1, nil)
		got, err := p.CheckAuth(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !got.Sent || got.Failure == "" || got.Accepted || strings.Contains(got.Failure, testToken) {
			t.Errorf("CheckAuth of a closed server = %+v", got)
		}
	})
}

func equalStatus(a, b provider.AuthStatus) bool {
	return slices.Equal(a.Scopes, b.Scopes) && reflect.DeepEqual(withoutScopes(a), withoutScopes(b))
}

func withoutScopes(s provider.AuthStatus) provider.AuthStatus {
	s.Scopes = nil
	return s
}
