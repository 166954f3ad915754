package github

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/pkgql/pkgql/provider"
)

var _ provider.AuthChecker = (*Provider)(nil)

// CheckAuth asks GitHub who the token is (GET /user), and reads the token's
// scopes (X-OAuth-Scopes) and the rate limit from the answer. GitHub checks
// credentials before it routes a request: any answer but 401 means the
// token was accepted, and carries its scopes, even where /user itself is
// refused (a GitHub App's token) or missing (a local server).
func (p *Provider) CheckAuth(ctx context.Context) (provider.AuthStatus, error) {
	p.mu.RLock()
	cn := p.conn
	p.mu.RUnlock()
	st := provider.AuthStatus{API: redactURL(cn.gh.BaseURL), RateLimit: -1, RateRemaining: -1}
	if cn.token == "" {
		return st, nil
	}
	req, err := cn.gh.NewRequest(http.MethodGet, "user", nil)
	if err != nil {
		return st, &provider.Error{Kind: provider.KindInternal, Message: err.Error()}
	}
	st.Sent = true
	resp, err := cn.gh.Client().Do(req.WithContext(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		st.Failure = strings.ReplaceAll(err.Error(), cn.token, redactedToken)
		return st, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	st.HTTPStatus = resp.StatusCode
	st.Accepted = accepted(resp)
	var answer struct {
		Login   string `json:"login"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &answer) == nil {
		st.Login = answer.Login
		st.Message = strings.ReplaceAll(answer.Message, cn.token, redactedToken)
	}
	if resp.StatusCode >= 300 {
		st.Login = ""
		if st.Message == "" {
			st.Message = http.StatusText(resp.StatusCode)
		}
	}
	if scopes, ok := resp.Header["X-Oauth-Scopes"]; ok {
		st.ScopesReported = true
		for _, s := range strings.Split(strings.Join(scopes, ","), ",") {
			if s = strings.TrimSpace(s); s != "" {
				st.Scopes = append(st.Scopes, s)
			}
		}
	}
	st.RateLimit = headerInt(resp.Header, "X-Ratelimit-Limit", -1)
	st.RateRemaining = headerInt(resp.Header, "X-Ratelimit-Remaining", -1)
	st.RateReset = headerInt(resp.Header, "X-Ratelimit-Reset", 0)
	return st, nil
}

// accepted reports whether an answer shows the token was taken. A 403 is a
// refusal of the route (a GitHub App's token may not read /user) unless it
// is a rate limit; a 429 or a server error says nothing of the token.
func accepted(resp *http.Response) bool {
	switch {
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return false
	case resp.StatusCode == http.StatusForbidden:
		return resp.Header.Get("X-Ratelimit-Remaining") != "0" && resp.Header.Get("Retry-After") == ""
	}
	return true
}

func headerInt(h http.Header, name string, otherwise int64) int64 {
	n, err := strconv.ParseInt(h.Get(name), 10, 64)
	if err != nil {
		return otherwise
	}
	return n
}
