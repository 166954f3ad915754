package github

import (
	"context"
	"strings"

	"github.com/pkgql/pkgql/provider"
)

// budget answers a Budget request from GET /rate_limit, which GitHub
// documents as not counting against the primary limit. Where the API cannot
// tell (a GitHub Enterprise server with rate limiting off answers 404), the
// budget is unknown and the host goes on without it: a statement is never
// refused for a budget nobody reported.
func (p *Provider) budget(ctx context.Context, emit func(provider.Batch) error) (provider.Result, error) {
	p.mu.RLock()
	cn := p.conn
	p.mu.RUnlock()
	stats := newCallStats()
	prog := provider.Progress{RateLimitRemaining: -1}
	limits, _, err := cn.gh.RateLimit.Get(withStats(ctx, stats))
	switch {
	case ctx.Err() != nil:
		return provider.Result{}, &provider.Error{Kind: provider.KindCanceled, Message: ctx.Err().Error()}
	case err != nil:
		msg := err.Error()
		if cn.token != "" {
			msg = strings.ReplaceAll(msg, cn.token, redactedToken)
		}
		p.logger.Debug("GET /rate_limit failed; the budget is unknown", "error", msg)
	case limits.GetCore() != nil:
		core := limits.GetCore()
		prog.RateLimitRemaining = int64(core.Remaining)
		if !core.Reset.IsZero() {
			prog.RateLimitReset = core.Reset.Unix()
		}
	}
	prog.Requests = stats.requests.Load()
	if err := emit(provider.Batch{Progress: &prog}); err != nil {
		return provider.Result{}, err
	}
	return provider.Result{HTTPStatus: 200, Requests: prog.Requests}, nil
}
