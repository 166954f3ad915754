// Package progress shows how far a long listing has come, on one updating line
// of stderr (schollz/progressbar): pages done of pages total, rows, requests
// (those to a container registry among them) and the rate limit left. The engine hands it the providers' progress reports
// (engine.Config.Progress); the command line clears it before a statement's
// result is written. A listing of one page that reads no registry never shows
// a line.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/pkgql/pkgql/provider"
)

// Line is the progress line of the statement running now. Its methods may be
// called from any goroutine.
type Line struct {
	out      gate
	throttle time.Duration // the least time between two draws
	mu       sync.Mutex
	bar      *progressbar.ProgressBar
	max      int64
	drawn    time.Time // the last draw; zero before the first
}

// gate passes the bar's writes on only while open. The bar draws on every
// call that changes it, and a report changes it twice (rows, then pages):
// only the draw after both may reach the terminal, or it shows the rows of
// one report beside the pages of the one before.
type gate struct {
	w    io.Writer
	open bool
}

func (g *gate) Write(b []byte) (int, error) {
	if !g.open {
		return len(b), nil
	}
	return g.w.Write(b)
}

// New returns a Line that writes to w, which should be a terminal.
func New(w io.Writer) *Line {
	return &Line{out: gate{w: w, open: true}, throttle: 100 * time.Millisecond}
}

// due says whether a draw may reach the terminal: the first always, then
// one per throttle, and always the last of a known total.
func (l *Line) due(last bool) bool {
	now := time.Now()
	if !last && !l.drawn.IsZero() && now.Sub(l.drawn) < l.throttle {
		return false
	}
	l.drawn = now
	return true
}

// Report shows p; it has the signature of engine.Config.Progress.
func (l *Line) Report(p provider.Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bar == nil {
		if p.PagesTotal <= 1 && p.PagesDone <= 1 && p.RegistryRequests <= 1 {
			return
		}
		l.max = -1
		if p.PagesTotal > 0 && p.PagesTotal >= p.PagesDone {
			l.max = p.PagesTotal
		}
		// The bar draws unthrottled into the gate, which due throttles.
		l.bar = progressbar.NewOptions64(l.max,
			progressbar.OptionSetWriter(&l.out),
			progressbar.OptionSetWidth(20),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("pages"),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionClearOnFinish(),
			// Without a ticker the bar draws only when told, under our lock.
			progressbar.OptionSetSpinnerChangeInterval(0),
		)
	}
	l.out.open = false
	if p.PagesTotal > 0 && p.PagesTotal != l.max && p.PagesDone <= p.PagesTotal {
		l.max = p.PagesTotal
		l.bar.ChangeMax64(p.PagesTotal)
	}
	l.bar.Describe(describe(p))
	l.out.open = l.due(l.max > 0 && p.PagesDone >= l.max)
	// A page count past the known total (several calls reporting at once)
	// is an error from the bar, and not one worth stopping a statement for.
	_ = l.bar.Set64(p.PagesDone)
	l.out.open = true
}

// Done erases the line, if one was shown, before the statement's output.
func (l *Line) Done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bar != nil {
		_ = l.bar.Clear()
		l.bar = nil
	}
	l.drawn = time.Time{}
}

func describe(p provider.Progress) string {
	s := fmt.Sprintf("%d rows · %d requests", p.Rows, p.Requests)
	if p.RegistryRequests > 0 {
		s += fmt.Sprintf(" (%d to the registry)", p.RegistryRequests)
	}
	if p.RateLimitRemaining >= 0 {
		s += fmt.Sprintf(" · rate limit %d left", p.RateLimitRemaining)
	}
	return s
}

// ReportCalls shows how many calls of a mutation have ended, of how many,
// with the time left at the rate so far; it has the signature of
// engine.Config.MutationProgress. A single call shows no line.
func (l *Line) ReportCalls(done, total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if total <= 1 {
		return
	}
	if l.bar == nil {
		l.max = int64(total)
		l.out.open = false
		l.bar = progressbar.NewOptions64(l.max,
			progressbar.OptionSetWriter(&l.out),
			progressbar.OptionSetWidth(20),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("calls"),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetSpinnerChangeInterval(0),
		)
		l.bar.Describe("paced to GitHub's secondary limit")
	}
	l.out.open = l.due(done >= total)
	_ = l.bar.Set64(int64(done))
	l.out.open = true
}
