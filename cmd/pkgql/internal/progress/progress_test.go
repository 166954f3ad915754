package progress

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
)

func TestLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		reports []provider.Progress
		want    []string // in the output, in order
		silent  bool
	}{
		{
			name:    "one page is silent",
			reports: []provider.Progress{{PagesDone: 1, PagesTotal: 1, Rows: 30, Requests: 1, RateLimitRemaining: 4999}},
			silent:  true,
		},
		{
			name: "pages of a known total",
			reports: []provider.Progress{
				{PagesDone: 1, PagesTotal: 3, Rows: 100, Requests: 1, RateLimitRemaining: 4999},
				{PagesDone: 2, PagesTotal: 3, Rows: 200, Requests: 2, RateLimitRemaining: 4998},
			},
			want: []string{"(1/3)", "100 rows · 1 requests · rate limit 4999 left", "(2/3)", "200 rows · 2 requests · rate limit 4998 left"},
		},
		{
			name: "total unknown, rate limit unknown",
			reports: []provider.Progress{
				{PagesDone: 2, Rows: 200, Requests: 2, RateLimitRemaining: -1},
			},
			want: []string{"200 rows · 2 requests"},
		},
		{
			name: "registry requests of one page's rows, as they are sent",
			reports: []provider.Progress{
				{PagesDone: 1, PagesTotal: 1, Rows: 45, Requests: 1, RateLimitRemaining: 4999},
				{Rows: 45, Requests: 3, RegistryRequests: 2, RateLimitRemaining: -1},
				{Rows: 45, Requests: 47, RegistryRequests: 46, RateLimitRemaining: -1},
			},
			want: []string{"45 rows · 3 requests (2 to the registry)", "45 rows · 47 requests (46 to the registry)"},
		},
		{
			name:    "one registry request is silent",
			reports: []provider.Progress{{Rows: 1, Requests: 2, RegistryRequests: 1, RateLimitRemaining: -1}},
			silent:  true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			l := New(&buf)
			l.throttle = 0 // draw every report
			for _, p := range tc.reports {
				l.Report(p)
			}
			l.Done()
			out := buf.String()
			if tc.silent {
				if out != "" {
					t.Fatalf("want no output, got %q", out)
				}
				return
			}
			rest := out
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("missing %q in %q", w, out)
				}
				rest = rest[i+len(w):]
			}
			if strings.Contains(out, "rate limit -1") {
				t.Errorf("unknown rate limit shown: %q", out)
			}
			// Done leaves the cursor at the start of a blanked line.
			if !strings.HasSuffix(out, "\r") || strings.TrimSpace(out[strings.LastIndex(out[:len(out)-1], "\r"):]) != "" {
				t.Errorf("line not cleared at the end: %q", out[max(0, len(out)-60):])
			}
		})
	}
}

// Every draw shows the pages and the rows of one report: a listing of 100
// rows a page that shows "(0/5)" beside "100 rows" is a page behind.
func TestLineDrawsAgree(t *testing.T) {
	t.Parallel()
	var reports []provider.Progress
	for n := int64(1); n <= 5; n++ {
		reports = append(reports, provider.Progress{PagesDone: n, PagesTotal: 5, Rows: 100 * n, Requests: n, RateLimitRemaining: 5000 - n})
	}
	frame := regexp.MustCompile(`\((\d+)/5\)|(\d+) rows`)
	for _, tc := range []struct {
		name     string
		throttle time.Duration
		draws    int // at least; the last report completes the bar, which erases it
	}{
		{"every report drawn", 0, 4},
		{"the first report drawn, the rest throttled", time.Hour, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			l := New(&buf)
			l.throttle = tc.throttle
			for _, p := range reports {
				l.Report(p)
			}
			draws := 0
			for _, f := range strings.Split(buf.String(), "\r") {
				var pages, rows string
				for _, m := range frame.FindAllStringSubmatch(f, -1) {
					if m[1] != "" {
						pages = m[1]
					} else {
						rows = m[2]
					}
				}
				if pages == "" && rows == "" {
					continue
				}
				draws++
				if rows != pages+"00" {
					t.Errorf("a draw shows page %s beside %s rows: %q", pages, rows, f)
				}
			}
			if draws < tc.draws {
				t.Errorf("%d draws, want at least %d: %q", draws, tc.draws, buf.String())
			}
		})
	}
}
