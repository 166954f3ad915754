package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

const (
	apiName      = "GitHub"
	rateLimitDoc = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
)

// downloadsRule matches GitHub's refusal to delete a popular public package:
// "Publicly visible package versions with more than 5000 downloads cannot be
// deleted. Contact GitHub support for further assistance."
var downloadsRule = regexp.MustCompile(`(?i)5,?000 downloads`)

// lastVersionRule matches GitHub's refusal to delete a package's last live
// version: "You cannot delete the last version of a package. You must delete
// the package instead."
var lastVersionRule = regexp.MustCompile(`(?i)last version`)

// failure turns whatever a method returned into a provider.Error that keeps
// GitHub's status and message and says what to do. The host's own emit error
// goes back unchanged.
func (c *call) failure(err error) error {
	if c.emitErr != nil && errors.Is(err, c.emitErr) {
		return c.emitErr
	}
	e := c.classify(err)
	if e.Resource == "" {
		e.Resource = Name + "." + c.service + "." + c.res.name
	}
	if e.Method == "" {
		e.Method = c.m.Name
	}
	return e
}

func (c *call) classify(err error) *provider.Error {
	if pe, ok := provider.AsError(err); ok {
		return pe
	}
	var (
		rle *github.RateLimitError
		are *github.AbuseRateLimitError
		tfa *github.TwoFactorAuthError
		er  *github.ErrorResponse
		ue  *url.Error
	)
	switch {
	case errors.Is(err, context.Canceled):
		return &provider.Error{Kind: provider.KindCanceled, Message: "the call was cancelled"}
	case errors.As(err, &rle):
		return &provider.Error{
			Kind: provider.KindRateLimit, API: apiName, HTTPStatus: statusOf(rle.Response),
			Message: rle.Message, DocURL: rateLimitDoc, Reset: rle.Rate.Reset.Time, Retryable: true,
			Hint: "GitHub's primary rate limit is used up (5,000 requests an hour with a token, 60 without); wait for the reset or use another token",
		}
	case errors.As(err, &are):
		reset := c.policy.now().Add(time.Minute)
		if are.RetryAfter != nil {
			reset = c.policy.now().Add(*are.RetryAfter)
		}
		return &provider.Error{
			Kind: provider.KindRateLimit, API: apiName, HTTPStatus: statusOf(are.Response),
			Message: are.Message, DocURL: rateLimitDoc, Reset: reset, Retryable: true,
			Hint: "GitHub's secondary rate limit: too many requests at once or too fast; wait until the reset, or lower --concurrency",
		}
	case errors.As(err, &tfa):
		return &provider.Error{
			Kind: provider.KindAuth, API: apiName, HTTPStatus: http.StatusUnauthorized,
			Message: tfa.Message, DocURL: tfa.DocumentationURL,
			Hint: "GitHub asks for a two-factor code: use a personal access token (classic) in GITHUB_TOKEN instead of a password",
		}
	case errors.As(err, &er):
		return c.responseError(er)
	case errors.Is(err, context.DeadlineExceeded):
		// Only the host's deadline ends a context here; a slow GitHub fails
		// with the transport's own timeout, a network error.
		return &provider.Error{Kind: provider.KindCanceled, Message: "the call ran out of time before GitHub answered"}
	case errors.As(err, &ue):
		// url.Error's own text holds the URL and its query, where a restore
		// token travels: only the cause is shown.
		return c.networkError(ue.Err)
	case isNetError(err):
		return c.networkError(err)
	}
	return &provider.Error{Kind: provider.KindInternal, API: apiName,
		Message: "GitHub's answer could not be read: " + err.Error()}
}

func (c *call) networkError(err error) *provider.Error {
	host := c.gh.BaseURL.Host
	return &provider.Error{
		Kind: provider.KindUnavailable, API: apiName, Retryable: true,
		Message: fmt.Sprintf("could not reach %s: %v", host, err),
		Hint:    fmt.Sprintf("check the network and --github-url (now %s)", redactURL(c.gh.BaseURL)),
	}
}

// uncertain reports a change whose outcome is unknown: GitHub failed to
// answer it and the GET that was to tell failed too.
func (c *call) uncertain(verb string, err, checkErr error) error {
	first := c.classify(err)
	check := c.classify(checkErr)
	return &provider.Error{
		Kind: provider.KindUnavailable, API: apiName, HTTPStatus: first.HTTPStatus, Retryable: true,
		Message: fmt.Sprintf("%s failed (%s) and the GET that checks whether it happened failed too (%s)", verb, first.Message, check.Message),
		Hint:    "the package may or may not have changed: SELECT it before running the statement again",
	}
}

func (c *call) responseError(er *github.ErrorResponse) *provider.Error {
	resp := er.Response
	status := statusOf(resp)
	e := &provider.Error{
		Kind: provider.KindAPI, API: apiName, HTTPStatus: status,
		Message: githubMessage(er), DocURL: er.DocumentationURL,
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if resp != nil {
		if _, limited := rateLimitWait(resp, c.policy.now()); limited {
			e.Kind, e.Retryable = provider.KindRateLimit, true
			e.Reset = rateLimitReset(resp, c.policy.now())
			if e.DocURL == "" {
				e.DocURL = rateLimitDoc
			}
			e.Hint = "GitHub's rate limit: wait until the reset, or lower --concurrency"
			return e
		}
	}
	switch {
	case status == http.StatusUnauthorized:
		e.Kind = provider.KindAuth
		if c.hasToken {
			e.Hint = "GitHub did not accept the token: check GITHUB_TOKEN or GH_TOKEN (it may be expired or revoked), or log in again with `gh auth login`"
		} else {
			e.Hint = "no token was sent: set GITHUB_TOKEN or GH_TOKEN to a personal access token (classic), or log in with `gh auth login`"
		}
	case status == http.StatusForbidden:
		e.Kind = provider.KindAuth
		e.Hint = c.scopeHint(resp)
		if org, ok := c.params["org"]; ok && c.m.Verb != schema.Select && !strings.Contains(strings.ToLower(er.Message), "scope") {
			e.Hint = fmt.Sprintf("changing a package of organization %q takes an organization owner, or admin permission on the package: ask an owner of %s, or check your role at https://github.com/orgs/%s/people", org, org, url.PathEscape(org))
		}
	case status == http.StatusNotFound:
		e.Kind = provider.KindNotFound
		e.Hint = c.notFoundHint()
	case status == http.StatusBadRequest && lastVersionRule.MatchString(er.Message):
		e.Hint = "this is GitHub's rule: the last live version of a package cannot be deleted; delete the whole package instead (DELETE FROM github.packages.packages with the same owner, package_type and package_name = '" + c.params["package_name"] + "')"
	case status == http.StatusBadRequest && downloadsRule.MatchString(er.Message):
		e.Hint = "this is GitHub's rule: a public package with a version downloaded more than 5,000 times cannot be deleted; contact GitHub Support (https://support.github.com) to have it removed"
	case status == http.StatusUnprocessableEntity:
		e.Kind = provider.KindInvalid
		e.Param = c.paramAtFault(er)
		if e.Param != "" {
			v := c.params[e.Param]
			if c.res.secret(e.Param) {
				v = schema.Redacted
			}
			e.Hint = fmt.Sprintf("GitHub refused %s = %q", e.Param, v)
		} else {
			e.Hint = "GitHub refused the params: " + c.boundParams()
		}
	case status >= 500:
		e.Kind, e.Retryable = provider.KindUnavailable, true
		e.Hint = fmt.Sprintf("GitHub failed %d times in a row; try again later (https://www.githubstatus.com)", c.policy.attempts)
		if c.m.Verb != schema.Select {
			e.Hint = "GitHub failed and the change was not confirmed; SELECT it before trying again (https://www.githubstatus.com)"
		}
	}
	return e
}

// scopeHint names the scopes the method needs, preferring the list GitHub
// sends in X-Accepted-OAuth-Scopes.
func (c *call) scopeHint(resp *http.Response) string {
	needed := c.m.Scopes
	var has string
	if resp != nil {
		if accepted := splitScopes(resp.Header.Get("X-Accepted-OAuth-Scopes")); len(accepted) > 0 {
			needed = accepted
		}
		has = resp.Header.Get("X-OAuth-Scopes")
	}
	hint := fmt.Sprintf("%s needs a token with the %s", c.m.Name, scopeList(needed))
	if has != "" {
		hint += " (this token has: " + has + ")"
	}
	return hint + ", and `repo` too for registries that only support repository-scoped permissions; add scopes with `gh auth refresh -s " + strings.Join(c.m.Scopes, ",") + "` or at https://github.com/settings/tokens"
}

func (c *call) notFoundHint() string {
	return fill(c.m.notFound, c.params)
}

// paramAtFault names the param a 422 is about, when GitHub's errors name a
// field that is one of the method's params.
func (c *call) paramAtFault(er *github.ErrorResponse) string {
	for _, fe := range er.Errors {
		if c.m.Takes(fe.Field) {
			return fe.Field
		}
	}
	for _, p := range slices.Concat(c.m.Required, c.m.Optional) {
		if strings.Contains(er.Message, p) {
			return p
		}
	}
	return ""
}

// boundParams lists the params sent, without the restore token.
func (c *call) boundParams() string {
	var parts []string
	for _, p := range slices.Concat(c.m.Required, c.m.Optional) {
		if v, ok := c.params[p]; ok && !c.res.secret(p) {
			parts = append(parts, fmt.Sprintf("%s = %q", p, v))
		}
	}
	return strings.Join(parts, ", ")
}

// githubMessage is GitHub's message with the details of its errors list.
func githubMessage(er *github.ErrorResponse) string {
	msg := er.Message
	for _, fe := range er.Errors {
		detail := fe.Message
		if detail == "" && fe.Field != "" {
			detail = fmt.Sprintf("%s %s", fe.Field, fe.Code)
		}
		if detail != "" {
			msg += " (" + detail + ")"
		}
	}
	return msg
}

// scopeList words scopes for a sentence: "the read:packages scope".
func scopeList(scopes []string) string {
	if len(scopes) == 1 {
		return scopes[0] + " scope"
	}
	return strings.Join(scopes, ", ") + " scopes"
}

func rateLimitReset(resp *http.Response, now time.Time) time.Time {
	wait, _ := rateLimitWait(resp, now)
	return now.Add(wait)
}

func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

func splitScopes(h string) []string {
	var out []string
	for _, s := range strings.Split(h, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// redactURL shows a base URL without credentials or query.
func redactURL(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return r.String()
}
