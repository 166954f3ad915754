package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// A statement's cost: the requests it sends and the points they take of the
// API's per-minute limit (schema.Method.Points), told by EXPLAIN, and
// checked against the primary budget the API last reported before a
// mutation's first request.

// maxListingPages bounds the pages of one listing: GitHub lists no more than
// 10,000 items (per_page × page), 100 pages of 100.
const maxListingPages = 100

// budget is the primary rate limit the providers last reported.
type budget struct {
	mu        sync.Mutex
	remaining int64     // -1 while unknown
	reset     int64     // Unix seconds; 0 while unknown
	at        time.Time // when it was reported
}

func (b *budget) note(p provider.Progress) {
	if p.RateLimitRemaining < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.remaining, b.reset, b.at = p.RateLimitRemaining, p.RateLimitReset, time.Now()
}

func (b *budget) get() (remaining, reset int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.remaining, b.reset
}

// budgetFresh is how long a reported budget is taken as it stands. Other
// clients of the token spend it meanwhile, but a few seconds of them move it
// little; older than that, or past its reset, it is asked for again.
const budgetFresh = 10 * time.Second

// fresh tells whether the budget was reported recently enough to go by.
func (b *budget) fresh(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.remaining >= 0 && now.Sub(b.at) < budgetFresh && (b.reset == 0 || now.Before(time.Unix(b.reset, 0)))
}

// cost is a number of requests and points, exact or an upper bound.
type cost struct {
	requests, points int64
	bounded          bool   // the counts are upper bounds: pages decide
	unknown          string // why the calls cannot be counted before the run; "" when they can
}

func (c *cost) add(d cost) {
	c.requests += d.requests
	c.points += d.points
	c.bounded = c.bounded || d.bounded
	if c.unknown == "" {
		c.unknown = d.unknown
	}
}

func (c cost) String() string {
	if c.unknown != "" {
		return "unknown before the run: " + c.unknown
	}
	word := "exactly"
	if c.bounded {
		word = "at most"
	}
	return fmt.Sprintf("%s %d %s, %d secondary-limit %s", word, c.requests, plural(int(c.requests), "request", "requests"),
		c.points, plural(int(c.points), "point", "points"))
}

// callCost is what n calls of m cost: one request each for a get by key or a
// change, up to maxListingPages for a listing.
func callCost(m *schema.Method, n int) cost {
	c := cost{requests: int64(n)}
	if m.Verb == schema.Select && !m.Unique {
		c.requests *= maxListingPages
		c.bounded = true
	}
	c.points = c.requests * int64(m.Points)
	return c
}

func selectCost(q *selectPlan) cost {
	if q.node == nil {
		return sqliteCost(q)
	}
	var c cost
	for _, rp := range q.refs {
		if rp.combos == nil {
			c.unknown = "calls depend on the rows of another table"
			continue
		}
		c.add(callCost(rp.method, len(rp.combos)))
	}
	return c
}

// sqliteCost is the cost of a statement SQLite reads whole: the calls
// explainSQLite lists, scan by scan, each counted once, as the statement
// shares a call among the scans that make it. A scan given a LIMIT may ask
// for fewer rows than another, so its calls are its own.
func sqliteCost(q *selectPlan) cost {
	var c cost
	seen := map[string]bool{}
	for _, s := range q.scans {
		params, limited := scanParams(s.plan)
		combos, ok := q.lits.combos(s.plan.res.name, params)
		if !ok {
			c.unknown = "calls depend on the values SQLite passes for " + joinList(params)
			continue
		}
		n := 0
		for _, p := range combos {
			req := provider.Request{Service: s.plan.res.service, Resource: s.plan.res.schema.Name, Method: s.plan.method.Name, Params: p}
			if k := callKey(req); limited || !seen[k] {
				seen[k] = true
				n++
			}
		}
		c.add(callCost(s.plan.method, n))
	}
	return c
}

// costLines are EXPLAIN's account of what a statement will take and what the
// API has left.
func (e *Engine) costLines(st *Statement) []string {
	var lines []string
	switch st.kind {
	case KindSelect:
		lines = append(lines, "cost: "+selectCost(st.sel).String())
	case KindDelete:
		dp := st.del
		if dp.find == nil {
			lines = append(lines, "cost: "+callCost(dp.method, len(dp.keys)).String())
		} else {
			find := selectCost(dp.find)
			lines = append(lines, "cost: finding the keys "+find.String()+
				fmt.Sprintf("; then 1 request, %d points, per key found", dp.method.Points))
		}
	case KindExec:
		lines = append(lines, "cost: "+callCost(st.exec.method, 1).String())
	}
	// The reset time is left out: it would make a plan differ from run to run.
	remaining, _ := e.budget.get()
	if remaining < 0 {
		lines = append(lines, "primary budget: unknown (the API did not say)")
	} else {
		lines = append(lines, fmt.Sprintf("primary budget: %d requests left (a 304 to a conditional request costs none)", remaining))
	}
	return lines
}

func resetText(reset int64) string {
	if reset <= 0 {
		return ""
	}
	return ", renewed at " + time.Unix(reset, 0).UTC().Format(time.RFC3339)
}

// checkBudget stops a statement of c's requests, counted before the run,
// that cannot fit in the API's remaining primary budget, before its first
// request: halfway through, a mutation would leave a change half made and a
// SELECT would have spent the budget on an answer it cannot give. The
// budget is asked of the provider (without spending any of it) unless an
// answer reported it a moment ago; a statement of one request is not
// checked, as it cannot stop halfway and GitHub's own refusal says as much.
func (e *Engine) checkBudget(ctx context.Context, res *resource, what string, c cost) error {
	if c.unknown != "" || c.requests < 2 {
		return nil
	}
	if err := e.askBudget(ctx, res); err != nil {
		return err
	}
	remaining, reset := e.budget.get()
	if remaining < 0 || c.requests <= remaining {
		return nil
	}
	return &Error{
		Message: fmt.Sprintf("this statement would send %s of %s (%d secondary-limit %s), and the API's primary budget has %d left%s; nothing was sent",
			pluralCount(c.requests, "request", "requests"), what, c.points, plural(int(c.points), "point", "points"), remaining, resetText(reset)),
		Hint: "run it after the budget is renewed, or narrow the WHERE so fewer keys match",
	}
}

// askBudget asks res's provider for the API's primary budget, which the
// GitHub provider reads from GET /rate_limit without spending any of it,
// unless an answer reported it a moment ago. A provider that cannot tell
// leaves the budget unknown; only a cancelled ctx is an error.
func (e *Engine) askBudget(ctx context.Context, res *resource) error {
	if e.budget.fresh(time.Now()) {
		return nil
	}
	req := provider.Request{Service: res.service, Resource: res.schema.Name, Budget: true}
	_, err := res.backend.Provider.Call(ctx, req, func(b provider.Batch) error {
		if b.Progress != nil {
			e.budget.note(*b.Progress)
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.log.Debug("no budget", "provider", res.provider, "error", err)
	}
	return nil
}

func pluralCount(n int64, one, many string) string {
	return fmt.Sprintf("%d %s", n, plural(int(n), one, many))
}
