package github

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"
	"golang.org/x/sync/errgroup"

	"github.com/pkgql/pkgql/provider"
)

// perPage is the most packages GitHub returns in one page.
const perPage = 100

// page is one fetched page of a listing.
type page struct {
	number int
	rows   [][]any
	next   int // the Link header's rel="next" page; 0 when none
	last   int // the Link header's rel="last" page; 0 when none
	err    error
}

// listing is a listing in progress.
type listing struct {
	c        *call
	path     string     // the route rendered, without its query
	query    url.Values // the route's query, and per_page for a paged route
	filtered bool       // an optional param filters the listing; GitHub says visibility "only filters an existing result set", so pages may be short
	size     int        // the page size GitHub uses, learned from page 1
	total    int        // pages this listing reads; 0 while unknown
	last     int        // the last page GitHub has, from rel="last"; 0 when not given
	done     int        // pages sent
	booked   int64      // pages booked in the token's pageBook and not yet read
}

// list reads the method's route page by page, 100 rows a page when the route
// takes per_page, no further than a LIMIT needs. Once the first page's Link
// header names the last page, the remaining pages are fetched concurrently
// (at most c.concurrency at a time) and delivered in page order; without
// rel="last" it follows rel="next" one page at a time.
func (c *call) list(ctx context.Context) (provider.Result, error) {
	path, rawQuery, _ := strings.Cut(c.path(c.m.Route), "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return provider.Result{}, err
	}
	if c.m.Route.Paged {
		q.Set("per_page", strconv.Itoa(perPage))
	}
	filtered := false
	for _, o := range c.m.Optional {
		if _, ok := c.params[o]; ok {
			filtered = true
		}
	}
	l := &listing{c: c, path: path, query: q, filtered: filtered}
	maxPages := 0 // no bound
	if c.limit > 0 {
		maxPages = int((c.limit + perPage - 1) / perPage)
	}

	first := l.fetch(ctx, 1)
	if first.err != nil {
		return provider.Result{}, first.err
	}
	l.last = first.last
	if first.last > 0 {
		l.total = first.last
		if maxPages > 0 {
			l.total = min(l.total, maxPages)
		}
	} else if first.next == 0 {
		l.total = 1
	}
	if err := l.fits(); err != nil {
		return provider.Result{}, err
	}
	defer l.read(math.MaxInt64)
	err = l.deliver(first)
	switch {
	case err == errLimitReached:
		return provider.Result{HTTPStatus: http.StatusOK}, nil
	case err != nil:
		return provider.Result{}, err
	}

	switch {
	case first.last > 0:
		err = l.fetchConcurrently(ctx, 2, l.total)
	default:
		err = l.followNext(ctx, first.next, maxPages)
	}
	if err != nil && err != errLimitReached {
		return provider.Result{}, err
	}
	return provider.Result{HTTPStatus: http.StatusOK}, nil
}

// fits stops a listing whose pages after the first, as page 1's rel="last"
// counts them, cannot fit in the primary budget page 1's answer reported,
// less the pages other listings of the token have yet to read. It runs
// before page 1's rows are sent: the call then fails whole, with no row,
// rather than halfway through with some. Every page is counted though a
// revalidated one answered 304 would cost nothing, as whether it will be is
// known only once it is asked. A listing that fits books its pages until it
// has read them, so that listings running at once are checked together.
func (l *listing) fits() error {
	need := int64(l.total - 1)
	remaining := l.c.stats.remaining.Load()
	if need <= 0 || remaining < 0 {
		return nil
	}
	others, remaining, ok := l.c.pages.book(&l.booked, need, remaining)
	if ok {
		return nil
	}
	msg := fmt.Sprintf("the listing has %d pages: the %d after page 1 would cost %d requests of the primary rate limit, which has %d left", l.total, need, need, remaining)
	if others > 0 {
		msg += fmt.Sprintf(", %d of them due to listings already under way", others)
	}
	e := &provider.Error{
		Kind: provider.KindRateLimit, API: apiName, DocURL: rateLimitDoc,
		Message: msg + "; no row of it was returned",
		Hint:    "run it again after the reset, or narrow it with a LIMIT or a filter",
	}
	if reset := l.c.stats.reset.Load(); reset > 0 {
		e.Reset = time.Unix(reset, 0)
	}
	return e
}

// read gives back the booking of pages read, or of every page left once the
// listing ends. Pages are read concurrently: the book's lock guards booked.
func (l *listing) read(pages int64) { l.c.pages.release(&l.booked, pages) }

// pageBook counts the pages that listings of one token have found room for
// in its primary budget and not yet read, beside the lowest budget GitHub
// has reported in the current hour: each listing's page 1 reports the budget
// as it stood when that page was answered, and another's answered since has
// spent more of it.
type pageBook struct {
	mu        sync.Mutex
	booked    int64
	remaining int64 // the lowest x-ratelimit-remaining of the hour; -1 while unknown
	reset     int64 // that hour's x-ratelimit-reset
}

// answered takes the budget an answer reported, and gives back read of the
// pages booked to *mine (nil for none), the answer being one of them.
func (b *pageBook) answered(mine *int64, read int64, rate github.Rate) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if mine != nil {
		read = min(read, *mine)
		*mine -= read
		b.booked -= read
	}
	remaining, reset := int64(rate.Remaining), rate.Reset.Unix()
	if rate.Limit == 0 || reset <= 0 {
		return // the answer said nothing of the budget
	}
	switch {
	case reset > b.reset:
		b.remaining, b.reset = remaining, reset
	case reset == b.reset:
		b.remaining = min(b.remaining, remaining)
	}
}

// book finds room for need pages in the budget, the lower of remaining and
// what other answers reported, beside the pages already booked, and books
// them to *mine. It returns the pages booked by others and the budget it
// went by, either way.
func (b *pageBook) book(mine *int64, need, remaining int64) (others, left int64, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	others = b.booked
	if b.remaining >= 0 && b.reset > 0 {
		remaining = min(remaining, b.remaining)
	}
	if need+others > remaining {
		return others, remaining, false
	}
	b.booked += need
	*mine += need
	return others, remaining, true
}

// release gives back up to pages of those booked to *mine.
func (b *pageBook) release(mine *int64, pages int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	pages = min(pages, *mine)
	*mine -= pages
	b.booked -= pages
}

// pageBooks hands out one pageBook per token and API for the life of the
// provider process, as pacers does.
type pageBooks struct {
	mu sync.Mutex
	m  map[string]*pageBook
}

func (bs *pageBooks) get(account string) *pageBook {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.m == nil {
		bs.m = map[string]*pageBook{}
	}
	b := bs.m[account]
	if b == nil {
		b = &pageBook{remaining: -1}
		bs.m[account] = b
	}
	return b
}

// fetch reads one page and lays its rows out.
func (l *listing) fetch(ctx context.Context, n int) page {
	q := l.query
	if n > 1 {
		q = url.Values{}
		for k, v := range l.query {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(n))
	}
	u := l.path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	rows, resp, err := l.c.getRows(ctx, u)
	if resp != nil {
		// A booked page answered is spent in the budget the answer
		// reports: it is taken off the booking under the same lock.
		read := int64(0)
		if n > 1 {
			read = 1
		}
		l.c.pages.answered(&l.booked, read, resp.Rate)
	} else if n > 1 {
		l.read(1)
	}
	if err != nil {
		return page{number: n, err: err}
	}
	return page{number: n, rows: rows, next: resp.NextPage, last: resp.LastPage}
}

// fetchConcurrently fetches pages from..to with at most c.concurrency requests
// in flight, and sends them strictly in page order. A page that arrives early
// waits in a reorder window of c.concurrency pages; no page is fetched beyond
// that window, so memory stays flat however long the listing. The first
// failure, an emit error or the limit cancels every request in flight.
func (l *listing) fetchConcurrently(ctx context.Context, from, to int) error {
	if from > to {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(l.c.concurrency)

	// order holds one slot per page in page order; each slot receives its page
	// once fetched. Its capacity is the reorder window.
	order := make(chan chan page, l.c.concurrency)
	go func() {
		defer close(order)
		for n := from; n <= to && gctx.Err() == nil; n++ {
			slot := make(chan page, 1)
			select {
			case order <- slot:
			case <-gctx.Done():
				return
			}
			g.Go(func() error {
				pg := l.fetch(gctx, n)
				slot <- pg
				return pg.err
			})
		}
	}()

	var stop error  // why sending stopped early
	failed := false // a fetch failed: g.Wait has the first failure
	for slot := range order {
		if stop != nil || failed {
			continue // drain, so the producer can finish
		}
		pg := <-slot
		if pg.err != nil {
			failed = true
			cancel()
			continue
		}
		if err := l.deliver(pg); err != nil {
			stop = err
			cancel()
		}
	}
	werr := g.Wait()
	switch {
	case stop != nil:
		return stop
	case failed:
		return werr
	}
	return nil
}

// followNext reads the pages after the first one by one, following rel="next".
func (l *listing) followNext(ctx context.Context, next, maxPages int) error {
	for n := 1; next != 0; {
		if maxPages > 0 && n >= maxPages {
			return nil
		}
		if next <= n {
			return &provider.Error{Kind: provider.KindPartial, API: "GitHub",
				Message: fmt.Sprintf("the Link header of page %d points back to page %d", n, next),
				Hint:    "the server's pagination is broken; the listing was stopped rather than read twice"}
		}
		pg := l.fetch(ctx, next)
		if pg.err != nil {
			return pg.err
		}
		if err := l.deliver(pg); err != nil {
			return err
		}
		n, next = pg.number, pg.next
	}
	return nil
}

// deliver checks that a page fits the listing and sends its rows. Rows that
// moved between pages while they were read (packages deleted or added) would
// come back missing or twice, so such a listing is an error, never a quietly
// wrong answer.
func (l *listing) deliver(pg page) error {
	if l.size == 0 {
		l.size = len(pg.rows)
	}
	short := !l.filtered && len(pg.rows) != l.size
	switch {
	case l.last > 0 && pg.number < l.last:
		if pg.next == 0 {
			return l.changed(pg, fmt.Sprintf("is the last one, where page 1 announced %d", l.last))
		}
		if short {
			return l.changed(pg, fmt.Sprintf("has %d packages where page 1 had %d", len(pg.rows), l.size))
		}
	case l.last > 0 && pg.number == l.last:
		if pg.next != 0 {
			return l.changed(pg, "links to a next page: packages were added")
		}
		if len(pg.rows) == 0 && !l.filtered {
			return l.changed(pg, "is empty")
		}
	case pg.next != 0 && short:
		return l.changed(pg, fmt.Sprintf("has %d packages where page 1 had %d", len(pg.rows), l.size))
	}
	l.done++
	return l.c.send(pg.rows, int64(l.done), int64(l.total))
}

func (l *listing) changed(pg page, what string) error {
	return &provider.Error{
		Kind:    provider.KindPartial,
		API:     "GitHub",
		Message: fmt.Sprintf("page %d of the listing %s; the packages changed while they were listed, so rows would be missing or repeated", pg.number, what),
		Hint:    "run the statement again",
	}
}
