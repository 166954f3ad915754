package github

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
)

// Listing N packages takes ceil(N/100) requests with per_page=100, and returns
// every package once, in GitHub's order, with typed values.
func TestListRequestsAndRows(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		n      int
		noLast bool
		conc   int
	}{
		{"empty", 0, false, 8},
		{"one page", 37, false, 8},
		{"exactly one page", 100, false, 8},
		{"just over", 101, false, 8},
		{"many pages concurrent", 1234, false, 8},
		{"many pages concurrency 1", 950, false, 1},
		{"many pages without rel=last", 1234, true, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.noLast = tc.noLast
			want := f.addPackages("octocat", "npm", tc.n, nil)
			p, _ := testProvider(t, f.srv.URL, tc.conc, nil)
			out := run(p, listReq("octocat", "npm"))
			if out.err != nil {
				t.Fatal(out.err)
			}
			wantReq := max((tc.n+99)/100, 1)
			if got := int(f.requests.Load()); got != wantReq || out.res.Requests != int64(wantReq) {
				t.Errorf("%d requests (result says %d), want %d", got, out.res.Requests, wantReq)
			}
			for _, l := range f.requestLog() {
				if !strings.Contains(l, "per_page=100") || !strings.Contains(l, "package_type=npm") {
					t.Errorf("request %s lacks per_page=100 or package_type", l)
				}
			}
			if len(out.rows) != tc.n {
				t.Fatalf("%d rows, want %d", len(out.rows), tc.n)
			}
			for i, row := range out.rows {
				checkRow(t, row, want[i])
			}
			if out.res.HTTPStatus != http.StatusOK {
				t.Errorf("status %d", out.res.HTTPStatus)
			}
			// Progress comes with every batch and ends complete.
			if tc.n > 0 {
				last := out.batches[len(out.batches)-1].Progress
				if last == nil || last.Rows != int64(tc.n) || last.PagesDone != int64(wantReq) || last.Requests != int64(wantReq) {
					t.Errorf("last progress %+v", last)
				}
				if !tc.noLast && last.PagesTotal != int64(wantReq) {
					t.Errorf("pages total %d, want %d", last.PagesTotal, wantReq)
				}
				if last.RateLimitRemaining <= 0 {
					t.Errorf("rate limit remaining %d", last.RateLimitRemaining)
				}
			}
		})
	}
}

// checkRow compares a row of all fields with the package the server holds.
func checkRow(t *testing.T, row []any, p fakePackage) {
	t.Helper()
	want := []any{p.ID, p.Name, p.CreatedAt, p.HTMLURL, provider.JSON(p.Owner), p.PackageType, provider.JSON(p.Repository),
		p.UpdatedAt, p.URL, p.VersionCount, p.Visibility}
	if string(p.Repository) == "null" {
		want[6] = nil
	}
	if len(row) != len(want) {
		t.Fatalf("row has %d values, want %d", len(row), len(want))
	}
	for i := range want {
		switch w := want[i].(type) {
		case provider.JSON:
			g, ok := row[i].(provider.JSON)
			if !ok || string(g) != string(w) {
				t.Fatalf("value %d = %v (%T), want %s", i, row[i], row[i], w)
			}
		default:
			if row[i] != w {
				t.Fatalf("value %d = %v (%T), want %v (%T)", i, row[i], row[i], w, w)
			}
		}
	}
}

// Columns come in the order asked; a param the method takes echoes its value.
func TestListColumns(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	want := f.addPackages("octocat", "container", 3, nil)
	p, _ := testProvider(t, f.srv.URL, 8, nil)
	req := listReq("octocat", "container")
	req.Columns = []string{"version_count", "username", "owner", "id", "visibility"}
	out := run(p, req)
	if out.err != nil {
		t.Fatal(out.err)
	}
	for i, row := range out.rows {
		w := want[i]
		if row[0] != w.VersionCount || row[1] != "octocat" || string(row[2].(provider.JSON)) != string(w.Owner) || row[3] != w.ID || row[4] != w.Visibility {
			t.Errorf("row %d = %v", i, row)
		}
		var owner map[string]any
		if err := json.Unmarshal(row[2].(provider.JSON), &owner); err != nil || owner["user_view_type"] != "public" {
			t.Errorf("owner lost GitHub's fields: %v %v", owner, err)
		}
	}

	req.Columns = []string{"id", "nope"}
	pe := mustProviderError(t, run(p, req).err)
	if pe.Kind != provider.KindInvalid || !strings.Contains(pe.Message, "nope") {
		t.Errorf("unknown column: %v", pe)
	}
}

// Answers are decoded as leniently as encoding/json did (duplicate names,
// the last one winning; invalid UTF-8 kept), and the owner and repository
// objects, skipped unless a column reads them, come through as GitHub wrote
// them.
func TestListDecodesLeniently(t *testing.T) {
	t.Parallel()
	const owner, repo = `{"login":"x","login":"octocat"}`, "{\"description\":\"caf\xe9\"}"
	body := `[{"id":1,"name":"old","name":"app","owner":` + owner + `,"repository":` + repo + `,"version_count":2},` +
		`{"id":2,"name":"lib","owner":null,"repository":null,"version_count":null}]`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	p, _ := testProvider(t, srv.URL, 8, nil)

	tests := []struct {
		columns []string
		want    [][]any
	}{
		{[]string{"id", "name", "version_count"}, [][]any{{int64(1), "app", int64(2)}, {int64(2), "lib", nil}}},
		{[]string{"name", "owner", "repository"}, [][]any{{"app", provider.JSON(owner), provider.JSON(repo)}, {"lib", nil, nil}}},
	}
	for _, tt := range tests {
		req := listReq("octocat", "npm")
		req.Columns = tt.columns
		out := run(p, req)
		if out.err != nil {
			t.Fatalf("%v: %v", tt.columns, out.err)
		}
		if !reflect.DeepEqual(out.rows, tt.want) {
			t.Errorf("%v: rows %q, want %q", tt.columns, out.rows, tt.want)
		}
	}
}

// LIMIT k reads at most ceil(k/100) pages and sends exactly k rows.
func TestListLimit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		limit, n, wantReq, wantRows int
		noLast                      bool
	}{
		{5, 1000, 1, 5, false},
		{100, 1000, 1, 100, false},
		{101, 1000, 2, 101, false},
		{250, 1000, 3, 250, false},
		{250, 1000, 3, 250, true},
		{5000, 1000, 10, 1000, false},
	}
	for _, tc := range cases {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.noLast = tc.noLast
			want := f.addPackages("octocat", "maven", tc.n, nil)
			p, _ := testProvider(t, f.srv.URL, 8, nil)
			req := listReq("octocat", "maven")
			req.Limit = int64(tc.limit)
			out := run(p, req)
			if out.err != nil {
				t.Fatal(out.err)
			}
			if got := int(f.requests.Load()); got != tc.wantReq {
				t.Errorf("limit %d: %d requests, want %d: %v", tc.limit, got, tc.wantReq, f.requestLog())
			}
			if len(out.rows) != tc.wantRows {
				t.Fatalf("limit %d: %d rows, want %d", tc.limit, len(out.rows), tc.wantRows)
			}
			for i, row := range out.rows {
				checkRow(t, row, want[i])
			}
		})
	}
}

// visibility is pushed down as GitHub's query parameter.
func TestListVisibility(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	all := f.addPackages("octocat", "rubygems", 450, nil)
	p, _ := testProvider(t, f.srv.URL, 8, nil)
	req := listReq("octocat", "rubygems")
	req.Params["visibility"] = "private"
	out := run(p, req)
	if out.err != nil {
		t.Fatal(out.err)
	}
	var want []fakePackage
	for _, pk := range all {
		if pk.Visibility == "private" {
			want = append(want, pk)
		}
	}
	if len(out.rows) != len(want) || f.requests.Load() != int64((len(want)+99)/100) {
		t.Fatalf("%d rows in %d requests, want %d", len(out.rows), f.requests.Load(), len(want))
	}
	for i := range want {
		checkRow(t, out.rows[i], want[i])
	}
	for _, l := range f.requestLog() {
		u, _ := url.Parse(strings.TrimPrefix(l, "GET "))
		if u.Query().Get("visibility") != "private" {
			t.Errorf("request %s does not filter on visibility", l)
		}
	}
}

// Pages are delivered in page order however their answers arrive, with at most
// Concurrency requests in flight.
func TestListOrderUnderConcurrency(t *testing.T) {
	t.Parallel()
	for _, conc := range []int{1, 3, 8} {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			want := f.addPackages("octocat", "nuget", 2000, nil)
			// Later pages answer first: each page waits less than the one before.
			f.latency = func(r *http.Request) time.Duration {
				pg := r.URL.Query().Get("page")
				if pg == "" {
					return 0
				}
				n := 0
				for _, ch := range pg {
					n = n*10 + int(ch-'0')
				}
				return time.Duration(25-n) * time.Millisecond
			}
			p, _ := testProvider(t, f.srv.URL, conc, nil)
			out := run(p, listReq("octocat", "nuget"))
			if out.err != nil {
				t.Fatal(out.err)
			}
			if len(out.rows) != len(want) {
				t.Fatalf("%d rows", len(out.rows))
			}
			for i, row := range out.rows {
				checkRow(t, row, want[i])
			}
			for i, b := range out.batches {
				if b.Progress.PagesDone != int64(i+1) {
					t.Fatalf("batch %d says page %d", i, b.Progress.PagesDone)
				}
			}
			if m := f.maxInFlight.Load(); m > int64(conc) {
				t.Errorf("%d requests in flight at once, concurrency %d", m, conc)
			}
			if conc > 1 && f.maxInFlight.Load() < 2 {
				t.Errorf("pages were not fetched concurrently")
			}
		})
	}
}

// A host that reads slowly holds the listing back: pages are fetched at most
// Concurrency ahead of the page being sent, so memory does not grow with the
// listing.
func TestListReorderWindowIsBounded(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	f.addPackages("octocat", "npm", 4000, nil)
	const conc = 4
	p, _ := testProvider(t, f.srv.URL, conc, nil)
	sent := int64(0)
	_, err := p.Call(t.Context(), listReq("octocat", "npm"), func(b provider.Batch) error {
		sent++
		if ahead := f.requests.Load() - sent; ahead > conc {
			t.Errorf("%d pages fetched ahead of page %d", ahead, sent)
		}
		time.Sleep(2 * time.Millisecond)
		return nil
	})
	if err != nil || sent != 40 {
		t.Fatalf("%d pages sent, %v", sent, err)
	}
}

// Stopping (the host's emit fails, or its context ends) cancels every request
// in flight and starts no other.
func TestListStopsInFlightRequests(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"emit error", "context cancelled"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.addPackages("octocat", "docker", 5000, nil)
			var cancelled atomic.Int64
			f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
				switch r.URL.Query().Get("page") {
				case "", "2":
					return false
				}
				<-r.Context().Done() // pages after 2 never answer
				cancelled.Add(1)
				return true
			}
			const conc = 4
			p, _ := testProvider(t, f.srv.URL, conc, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stop := errors.New("host stopped reading")
			batches := 0
			done := make(chan error, 1)
			var written int64 // requests the provider wrote before the call returned
			go func() {
				res, err := p.Call(ctx, listReq("octocat", "docker"), func(b provider.Batch) error {
					batches++
					if batches == 2 {
						if how == "emit error" {
							return stop
						}
						go func() {
							// Let the blocked pages reach the server first.
							for f.inFlight.Load() < conc {
								time.Sleep(time.Millisecond)
							}
							cancel()
						}()
					}
					return nil
				})
				written = res.Requests
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the call did not stop")
			}
			switch how {
			case "emit error":
				if err != stop {
					t.Fatalf("err = %v, want the host's own error", err)
				}
			default:
				if pe := mustProviderError(t, err); pe.Kind != provider.KindCanceled {
					t.Fatalf("err = %v, want canceled", err)
				}
			}
			// Requests written before the call returned may reach the server
			// a little later; each of them must end cancelled, and no other
			// may come. Waiting for the count the provider wrote, not for a
			// quiet moment, is what tells a late arrival from a new request.
			deadline := time.Now().Add(2 * time.Second)
			for (f.requests.Load() < written || f.inFlight.Load() > 0 || cancelled.Load() != f.requests.Load()-2) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			// A request counts as written once net/http has put it in its
			// buffer; one that the cancellation stopped before the buffer
			// was flushed never arrives, so the server may get fewer.
			started := f.requests.Load()
			if started > written {
				t.Errorf("the server got %d requests, the provider wrote %d before the call returned", started, written)
			}
			if f.inFlight.Load() != 0 || cancelled.Load() != started-2 {
				t.Fatalf("%d requests after page 2, %d cancelled, %d still in flight", started-2, cancelled.Load(), f.inFlight.Load())
			}
			if started-2 > conc {
				t.Errorf("%d requests after page 2, concurrency %d", started-2, conc)
			}
			time.Sleep(50 * time.Millisecond)
			if f.requests.Load() != started {
				t.Errorf("requests kept coming after the call returned")
			}
		})
	}
}

// A listing whose pages moved while it was read fails instead of returning
// rows missing or twice.
func TestListChangedWhileRead(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault func(f *fakeGitHub) func(w http.ResponseWriter, r *http.Request, n int64) bool
	}{
		{"packages deleted after page 1", func(f *fakeGitHub) func(http.ResponseWriter, *http.Request, int64) bool {
			return func(_ http.ResponseWriter, _ *http.Request, n int64) bool {
				if n == 2 {
					f.mu.Lock()
					f.packages["octocat/npm"] = f.packages["octocat/npm"][60:]
					f.mu.Unlock()
				}
				return false
			}
		}},
		{"packages added after page 1", func(f *fakeGitHub) func(http.ResponseWriter, *http.Request, int64) bool {
			return func(_ http.ResponseWriter, _ *http.Request, n int64) bool {
				if n == 2 {
					f.addPackages("octocat", "npm", 100, nil)
				}
				return false
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.addPackages("octocat", "npm", 350, nil)
			p, _ := testProvider(t, f.srv.URL, 1, nil)
			f.fault = tc.fault(f)
			out := run(p, listReq("octocat", "npm"))
			pe := mustProviderError(t, out.err)
			if pe.Kind != provider.KindPartial || !strings.Contains(pe.Message, "changed while they were listed") {
				t.Fatalf("err = %v", pe)
			}
		})
	}
}
