package testprovider

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// PageSize is how many rows one listing request answers.
const PageSize = 100

// Kinds of the requests the provider logs.
const (
	KindList    = "list"    // one page of a listing
	KindGet     = "get"     // one row by its key
	KindDelete  = "delete"  // a DELETE
	KindRestore = "restore" // an EXEC
	KindCheck   = "check"   // a guarded DELETE's check of its keys
)

// Options shape a provider.
type Options struct {
	Shops []Shop // DefaultShops when empty
	// Token, when set, is the only one the provider answers: every request
	// of a provider configured with another fails as unauthorised.
	Token string
	// Latency is how long every request takes.
	Latency time.Duration
	// RateLimit, when set, is how many requests the provider answers in all;
	// every batch reports what is left.
	RateLimit int64
}

// Request is one request the provider made on behalf of a call, as an API
// would have received it.
type Request struct {
	Kind   string
	Method string
	Path   string // the route rendered, secrets redacted
	Page   int    // the page of a listing, from 1
}

// Provider serves shop.store over generated data.
type Provider struct {
	opts Options
	sch  *schema.Provider

	mu        sync.Mutex
	data      map[string]map[string][]*Item
	token     string
	checkDown bool
	sent      int64
	calls     []provider.Request
	log       []Request
	inFlight  int
	peak      int
	asks      int // budget requests answered, which no limit counts
}

var _ provider.Provider = (*Provider)(nil)

// New makes a provider; its data depends on opts.Shops alone.
func New(opts Options) *Provider {
	if len(opts.Shops) == 0 {
		opts.Shops = DefaultShops
	}
	return &Provider{opts: opts, sch: declaration(), data: generate(opts.Shops)}
}

// Schema returns shop's declaration.
func (p *Provider) Schema(context.Context) (*schema.Provider, error) {
	if err := p.sch.Validate(); err != nil {
		return nil, err
	}
	return p.sch, nil
}

// Configure takes the token the provider is called with.
func (p *Provider) Configure(_ context.Context, cfg provider.Config) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.token = cfg.Settings["token"]
	return nil
}

// Items returns a shop's live items of a category, in listing order: the
// data a test checks the engine's answers against.
func (p *Provider) Items(shop, category string) []Item {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Item
	for _, it := range p.data[shop][category] {
		if !it.Deleted {
			c := *it
			c.Reviews = nil
			for _, r := range it.Reviews {
				if !r.Deleted {
					c.Reviews = append(c.Reviews, &Review{ID: r.ID, Stars: r.Stars, Verified: r.Verified, Pinned: r.Pinned, Body: r.Body, CreatedAt: r.CreatedAt})
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// Item returns one item, deleted or not.
func (p *Provider) Item(shop, category, name string) (Item, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, it := range p.data[shop][category] {
		if it.Name == name {
			return *it, true
		}
	}
	return Item{}, false
}

// ReviewDeleted reports whether a review is held as deleted.
func (p *Provider) ReviewDeleted(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, cats := range p.data {
		for _, list := range cats {
			for _, it := range list {
				for _, r := range it.Reviews {
					if r.ID == id {
						return r.Deleted
					}
				}
			}
		}
	}
	return false
}

// SetCheckDown makes every check of a guarded DELETE fail as unavailable.
func (p *Provider) SetCheckDown(down bool) {
	p.mu.Lock()
	p.checkDown = down
	p.mu.Unlock()
}

// Calls returns every request the host sent, in order.
func (p *Provider) Calls() []provider.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// Log returns the requests made since the last Reset.
func (p *Provider) Log() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

// Counts counts the requests since the last Reset by kind.
func (p *Provider) Counts() map[string]int {
	out := map[string]int{}
	for _, r := range p.Log() {
		out[r.Kind]++
	}
	return out
}

// Reset forgets the calls and requests logged so far.
func (p *Provider) Reset() {
	p.mu.Lock()
	p.calls, p.log = nil, nil
	p.mu.Unlock()
}

// budget answers a request for the budget left, as an API's free rate-limit
// endpoint does: with RateLimit set it reports what is left and spends
// nothing; without, the provider cannot tell.
func (p *Provider) budget(emit func(provider.Batch) error) (provider.Result, error) {
	p.mu.Lock()
	lim, sent := p.opts.RateLimit, p.sent
	if lim > 0 {
		p.asks++
	}
	p.mu.Unlock()
	if lim <= 0 {
		return provider.Result{}, &provider.Error{Kind: provider.KindUnsupported, Message: "no rate limit to report"}
	}
	pr := &provider.Progress{RateLimitRemaining: max(0, lim-sent), RateLimitReset: time.Now().Add(time.Minute).Unix()}
	return provider.Result{}, emit(provider.Batch{Progress: pr})
}

// BudgetAsks counts the budget requests answered since New.
func (p *Provider) BudgetAsks() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.asks
}

// MaxInFlight is the most calls the provider had in flight at once.
func (p *Provider) MaxInFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// Call runs one method once.
func (p *Provider) Call(ctx context.Context, req provider.Request, emit func(provider.Batch) error) (provider.Result, error) {
	if req.Budget {
		return p.budget(emit)
	}
	p.mu.Lock()
	r := req
	r.Params = maps.Clone(req.Params)
	r.Columns = slices.Clone(req.Columns)
	p.calls = append(p.calls, r)
	p.inFlight++
	p.peak = max(p.peak, p.inFlight)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inFlight--
		p.mu.Unlock()
	}()

	c, err := p.newCall(ctx, req, emit)
	if err != nil {
		return provider.Result{}, err
	}
	switch {
	case req.Check:
		return c.check()
	case c.m.Verb == schema.Select && c.m.Unique:
		return c.get()
	case c.m.Verb == schema.Select:
		return c.list()
	default:
		return c.mutate()
	}
}

// call is one Call under way.
type call struct {
	p        *Provider
	ctx      context.Context
	req      provider.Request
	res      *schema.Resource
	m        *schema.Method
	emit     func(provider.Batch) error
	cols     []string
	requests int64
}

func (p *Provider) newCall(ctx context.Context, req provider.Request, emit func(provider.Batch) error) (*call, error) {
	unsupported := &provider.Error{Kind: provider.KindUnsupported, Resource: req.Service + "." + req.Resource, Method: req.Method,
		Message: "no such resource or method"}
	res, m, ok := p.sch.Call(req.Service, req.Resource, req.Method)
	if !ok || req.Check && !m.Guarded {
		return nil, unsupported
	}
	c := &call{p: p, ctx: ctx, req: req, res: res, m: m, emit: emit, cols: req.Columns}
	if len(c.cols) == 0 {
		for _, f := range res.Fields {
			c.cols = append(c.cols, f.Name)
		}
	}
	for _, col := range c.cols {
		if _, ok := res.Field(col); !ok {
			if _, ok := res.Param(col); !ok {
				return nil, c.fail(provider.KindInvalid, 0, fmt.Sprintf("no column %q", col))
			}
		}
	}
	if req.Check {
		return c, nil
	}
	for _, name := range m.Required {
		if _, ok := req.Params[name]; !ok {
			return nil, c.fail(provider.KindInvalid, 0, "the param "+name+" is required")
		}
	}
	for name, v := range req.Params {
		prm, ok := res.Param(name)
		if !ok || !m.Takes(name) {
			continue
		}
		if len(prm.Enum) > 0 && !slices.Contains(prm.Enum, v) {
			return nil, c.fail(provider.KindInvalid, 0, fmt.Sprintf("%q is not a %s", v, name))
		}
		if prm.Type == schema.Integer {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return nil, c.fail(provider.KindInvalid, 0, fmt.Sprintf("%q is not a whole number", v))
			}
		}
	}
	return c, nil
}

func (c *call) fail(kind string, status int, msg string) *provider.Error {
	return &provider.Error{Kind: kind, API: "the shop", HTTPStatus: status, Message: msg,
		Resource: c.req.Service + "." + c.req.Resource, Method: c.req.Method}
}

// send makes one request: it takes the provider's latency, counts against
// its rate limit and is logged before it is answered.
func (c *call) send(kind string, page int) error {
	p := c.p
	path := c.m.Route.Render(c.req.Params, c.res.Secret)
	if page > 0 {
		path += fmt.Sprintf("#page=%d", page)
	}
	p.mu.Lock()
	p.log = append(p.log, Request{Kind: kind, Method: c.m.Name, Path: path, Page: page})
	p.sent++
	token, limited := p.token, p.opts.RateLimit > 0 && p.sent > p.opts.RateLimit
	p.mu.Unlock()
	c.requests++
	if d := p.opts.Latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-c.ctx.Done():
			t.Stop()
			return c.fail(provider.KindCanceled, 0, "the call was stopped: "+c.ctx.Err().Error())
		case <-t.C:
		}
	}
	switch {
	case p.opts.Token != "" && token != p.opts.Token:
		return c.fail(provider.KindAuth, http.StatusUnauthorized, "bad credentials")
	case limited:
		return c.fail(provider.KindRateLimit, http.StatusTooManyRequests, "rate limit exceeded")
	}
	return nil
}

// progress is what a batch reports after the requests made so far.
func (c *call) progress(pages, rows int64) *provider.Progress {
	pr := &provider.Progress{PagesDone: pages, Rows: rows, Requests: c.requests, RateLimitRemaining: -1}
	if lim := c.p.opts.RateLimit; lim > 0 {
		c.p.mu.Lock()
		pr.RateLimitRemaining = max(0, lim-c.p.sent)
		c.p.mu.Unlock()
		pr.RateLimitReset = time.Now().Add(time.Minute).Unix()
	}
	return pr
}

// items returns the live items of the call's shop and category.
func (c *call) items() ([]*Item, error) {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	// Every item's maker is its shop: a brand's items are its shop's.
	owner, what := c.req.Params["shop"], "shop"
	if b, ok := c.req.Params["brand"]; ok && c.m.Takes("brand") {
		owner, what = b, "brand"
	}
	cats, ok := c.p.data[owner]
	if !ok {
		return nil, c.fail(provider.KindNotFound, http.StatusNotFound, fmt.Sprintf("no %s %q", what, owner))
	}
	var out []*Item
	for _, it := range cats[c.req.Params["category"]] {
		if !it.Deleted {
			out = append(out, it)
		}
	}
	return out, nil
}

// item returns the live item the call names.
func (c *call) item() (*Item, error) {
	its, err := c.items()
	if err != nil {
		return nil, err
	}
	for _, it := range its {
		if it.Name == c.req.Params["item_name"] {
			return it, nil
		}
	}
	return nil, c.fail(provider.KindNotFound, http.StatusNotFound, fmt.Sprintf("no item %q", c.req.Params["item_name"]))
}

// review returns the live review the call names.
func (c *call) review(it *Item) (*Review, error) {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	for _, r := range it.Reviews {
		if strconv.FormatInt(r.ID, 10) == c.req.Params["review_id"] && !r.Deleted {
			return r, nil
		}
	}
	return nil, c.fail(provider.KindNotFound, http.StatusNotFound, fmt.Sprintf("no review %s", c.req.Params["review_id"]))
}

// rows is what a listing or get sends, before paging: every row matching
// the call's params.
func (c *call) rows() ([][]any, error) {
	if c.res.Name == "items" {
		var its []*Item
		var err error
		if c.m.Unique {
			var it *Item
			if it, err = c.item(); err == nil {
				its = []*Item{it}
			}
		} else {
			its, err = c.items()
		}
		if err != nil {
			return nil, err
		}
		var out [][]any
		for _, it := range its {
			if v, ok := c.req.Params["visibility"]; ok && it.Visibility != v {
				continue
			}
			out = append(out, c.row(func(f string) any { return itemValue(it, f) }))
		}
		return out, nil
	}
	it, err := c.item()
	if err != nil {
		return nil, err
	}
	var rs []*Review
	if c.m.Unique {
		r, err := c.review(it)
		if err != nil {
			return nil, err
		}
		rs = []*Review{r}
	} else {
		c.p.mu.Lock()
		for _, r := range it.Reviews {
			if !r.Deleted {
				rs = append(rs, r)
			}
		}
		c.p.mu.Unlock()
	}
	minStars, _ := strconv.ParseInt(c.req.Params["min_stars"], 10, 64)
	var out [][]any
	for _, r := range rs {
		if r.Stars >= minStars {
			out = append(out, c.row(func(f string) any { return reviewValue(it, r, f) }))
		}
	}
	return out, nil
}

// row lays a row out in the call's columns: fields by value, params as
// bound (nil when not).
func (c *call) row(field func(string) any) []any {
	out := make([]any, len(c.cols))
	for i, col := range c.cols {
		if _, ok := c.res.Field(col); ok {
			out[i] = field(col)
			continue
		}
		v, ok := c.req.Params[col]
		if !ok {
			continue
		}
		if prm, _ := c.res.Param(col); prm.Type == schema.Integer {
			n, _ := strconv.ParseInt(v, 10, 64)
			out[i] = n
		} else {
			out[i] = v
		}
	}
	return out
}

func itemValue(it *Item, field string) any {
	switch field {
	case "id":
		return it.ID
	case "name":
		return it.Name
	case "category":
		return it.Category
	case "price":
		return it.Price
	case "visibility":
		return it.Visibility
	case "in_stock":
		return it.InStock
	case "created_at":
		return it.CreatedAt.Format(time.RFC3339)
	case "updated_at":
		return it.UpdatedAt.Format(time.RFC3339)
	case "maker":
		return provider.JSON(it.Maker())
	case "details":
		if d := it.Details(); d != nil {
			return provider.JSON(d)
		}
	}
	return nil
}

func reviewValue(it *Item, r *Review, field string) any {
	switch field {
	case "id":
		return r.ID
	case "item_name":
		return it.Name
	case "category":
		return it.Category
	case "stars":
		return r.Stars
	case "verified":
		return r.Verified
	case "pinned":
		return r.Pinned
	case "body":
		return r.Body
	case "created_at":
		return r.CreatedAt.Format(time.RFC3339)
	}
	return nil
}

func (c *call) get() (provider.Result, error) {
	if err := c.send(KindGet, 0); err != nil {
		return provider.Result{Requests: c.requests}, err
	}
	rows, err := c.rows()
	if err != nil {
		return provider.Result{Requests: c.requests}, err
	}
	return provider.Result{HTTPStatus: http.StatusOK, Requests: c.requests}, c.emit(provider.Batch{Rows: rows, Progress: c.progress(1, 1)})
}

// list sends the rows page by page, stopping once it has sent the call's
// Limit.
func (c *call) list() (provider.Result, error) {
	var sent int64
	for page := 1; ; page++ {
		if err := c.send(KindList, page); err != nil {
			return provider.Result{Requests: c.requests}, err
		}
		rows, err := c.rows()
		if err != nil {
			return provider.Result{Requests: c.requests}, err
		}
		lo := min((page-1)*PageSize, len(rows))
		hi := min(page*PageSize, len(rows))
		batch := rows[lo:hi]
		if c.req.Limit > 0 {
			batch = batch[:min(int64(len(batch)), c.req.Limit-sent)]
		}
		sent += int64(len(batch))
		if err := c.emit(provider.Batch{Rows: batch, Progress: c.progress(int64(page), sent)}); err != nil {
			return provider.Result{Requests: c.requests}, err
		}
		if hi == len(rows) || c.req.Limit > 0 && sent >= c.req.Limit {
			return provider.Result{HTTPStatus: http.StatusOK, Requests: c.requests}, nil
		}
	}
}

// mutate deletes or restores the item or review the call names.
func (c *call) mutate() (provider.Result, error) {
	kind := KindDelete
	if c.m.Verb == schema.Exec {
		kind = KindRestore
	}
	if err := c.send(kind, 0); err != nil {
		return provider.Result{Requests: c.requests}, err
	}
	done := provider.Result{HTTPStatus: http.StatusNoContent, Message: "done", Requests: c.requests}
	if kind == KindDelete {
		done.Message = "deleted"
	}
	p := c.p
	p.mu.Lock()
	defer p.mu.Unlock()
	var it *Item
	for _, x := range p.data[c.req.Params["shop"]][c.req.Params["category"]] {
		if x.Name == c.req.Params["item_name"] && (x.Deleted == (kind == KindRestore) || c.res.Name == "reviews") {
			it = x
		}
	}
	switch {
	case it == nil || c.res.Name == "reviews" && it.Deleted:
		return provider.Result{Requests: c.requests}, c.fail(provider.KindNotFound, http.StatusNotFound, fmt.Sprintf("no item %q", c.req.Params["item_name"]))
	case c.res.Name == "items" && kind == KindDelete && it.InStock:
		return provider.Result{Requests: c.requests}, c.fail(provider.KindAPI, http.StatusBadRequest, "an item in stock cannot be deleted")
	case c.res.Name == "items":
		it.Deleted = kind == KindDelete
		return done, nil
	}
	for _, r := range it.Reviews {
		if strconv.FormatInt(r.ID, 10) == c.req.Params["review_id"] && r.Deleted == (kind == KindRestore) {
			r.Deleted = kind == KindDelete
			return done, nil
		}
	}
	return provider.Result{Requests: c.requests}, c.fail(provider.KindNotFound, http.StatusNotFound, fmt.Sprintf("no review %s", c.req.Params["review_id"]))
}

// check judges a DELETE of reviews as a whole: one request, and per key nil
// or why the review stays.
func (c *call) check() (provider.Result, error) {
	if err := c.send(KindCheck, 0); err != nil {
		return provider.Result{Requests: c.requests}, err
	}
	p := c.p
	p.mu.Lock()
	down := p.checkDown
	pinned := map[string]bool{}
	for _, cats := range p.data {
		for _, list := range cats {
			for _, it := range list {
				for _, r := range it.Reviews {
					if r.Pinned {
						pinned[strconv.FormatInt(r.ID, 10)] = true
					}
				}
			}
		}
	}
	p.mu.Unlock()
	if down {
		return provider.Result{Requests: c.requests}, c.fail(provider.KindUnavailable, http.StatusServiceUnavailable, "the reviews cannot be read now")
	}
	rows := make([][]any, len(c.req.Keys))
	for i, k := range c.req.Keys {
		rows[i] = []any{nil}
		if pinned[k["review_id"]] {
			rows[i][0] = "kept: the review is pinned"
		}
	}
	return provider.Result{HTTPStatus: http.StatusOK, Requests: c.requests}, c.emit(provider.Batch{Rows: rows})
}
