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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
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
			opts := sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", tc.n)}}
			sb, base := startSandbox(t, opts)
			want := sandboxJSON(t, opts, base, "/users/octocat/packages?package_type=npm&per_page=100")
			if tc.noLast {
				sb.SetFaults(sandbox.Fault{NoLastLink: true})
			}
			p, _ := testProvider(t, base, tc.conc, nil)
			out := run(p, listReq("octocat", "npm"))
			if out.err != nil {
				t.Fatal(out.err)
			}
			wantReq := max((tc.n+99)/100, 1)
			if got := arrived(sb); got != wantReq || out.res.Requests != int64(wantReq) {
				t.Errorf("%d requests (result says %d), want %d", got, out.res.Requests, wantReq)
			}
			for _, l := range requestLines(sb) {
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

// Columns come in the order asked; a param the method takes echoes its value.
func TestListColumns(t *testing.T) {
	t.Parallel()
	opts := sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "container", 3)}}
	_, base := startSandbox(t, opts)
	want := sandboxJSON(t, opts, base, "/users/octocat/packages?package_type=container&per_page=100")
	p, _ := testProvider(t, base, 8, nil)
	req := listReq("octocat", "container")
	req.Columns = []string{"version_count", "username", "owner", "id", "visibility"}
	out := run(p, req)
	if out.err != nil {
		t.Fatal(out.err)
	}
	if len(out.rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(out.rows), len(want))
	}
	for i, row := range out.rows {
		var w struct {
			ID           int64           `json:"id"`
			VersionCount int64           `json:"version_count"`
			Visibility   string          `json:"visibility"`
			Owner        json.RawMessage `json:"owner"`
		}
		if err := json.Unmarshal(want[i], &w); err != nil {
			t.Fatal(err)
		}
		// The owner is GitHub's object as sent, byte for byte: none of its
		// fields is lost to a struct that does not know them.
		if row[0] != w.VersionCount || row[1] != "octocat" || string(row[2].(provider.JSON)) != string(w.Owner) || row[3] != w.ID || row[4] != w.Visibility {
			t.Errorf("row %d = %v, want %s", i, row, want[i])
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
			opts := sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "maven", tc.n)}}
			sb, base := startSandbox(t, opts)
			want := sandboxJSON(t, opts, base, "/users/octocat/packages?package_type=maven&per_page=100")
			if tc.noLast {
				sb.SetFaults(sandbox.Fault{NoLastLink: true})
			}
			p, _ := testProvider(t, base, 8, nil)
			req := listReq("octocat", "maven")
			req.Limit = int64(tc.limit)
			out := run(p, req)
			if out.err != nil {
				t.Fatal(out.err)
			}
			if got := arrived(sb); got != tc.wantReq {
				t.Errorf("limit %d: %d requests, want %d: %v", tc.limit, got, tc.wantReq, requestLines(sb))
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
	opts := sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "rubygems", 450)}}
	sb, base := startSandbox(t, opts)
	// The private ones of the whole listing: what the filter should keep.
	var want []json.RawMessage
	for _, pk := range sandboxJSON(t, opts, base, "/users/octocat/packages?package_type=rubygems&per_page=100") {
		var v struct{ Visibility string }
		if err := json.Unmarshal(pk, &v); err != nil {
			t.Fatal(err)
		}
		if v.Visibility == "private" {
			want = append(want, pk)
		}
	}
	p, _ := testProvider(t, base, 8, nil)
	req := listReq("octocat", "rubygems")
	req.Params["visibility"] = "private"
	out := run(p, req)
	if out.err != nil {
		t.Fatal(out.err)
	}
	if len(want) <= 100 || len(want) == 450 {
		t.Fatalf("%d private packages of 450: the seed no longer tests a filter over several pages", len(want))
	}
	if len(out.rows) != len(want) || arrived(sb) != (len(want)+99)/100 {
		t.Fatalf("%d rows in %d requests, want %d", len(out.rows), arrived(sb), len(want))
	}
	for i := range want {
		checkRow(t, out.rows[i], want[i])
	}
	for _, l := range requestLines(sb) {
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
			opts := sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "nuget", 2000)}}
			sb, base := startSandbox(t, opts)
			want := sandboxJSON(t, opts, base, "/users/octocat/packages?package_type=nuget&per_page=100")
			// Later pages answer first: each page waits less than the one before.
			var faults []sandbox.Fault
			for pg := 2; pg <= 20; pg++ {
				faults = append(faults, sandbox.Fault{Query: map[string]string{"page": strconv.Itoa(pg)}, Delay: time.Duration(25-pg) * time.Millisecond})
			}
			sb.SetFaults(faults...)
			p, _ := testProvider(t, base, conc, nil)
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
			if m := sb.Stats().MaxInFlight; m > conc {
				t.Errorf("%d requests in flight at once, concurrency %d", m, conc)
			}
			if conc > 1 && sb.Stats().MaxInFlight < 2 {
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
	sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", 4000)}})
	const conc = 4
	p, _ := testProvider(t, base, conc, nil)
	sent := 0
	_, err := p.Call(t.Context(), listReq("octocat", "npm"), func(b provider.Batch) error {
		sent++
		if ahead := arrived(sb) - sent; ahead > conc {
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
			sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "docker", 5000)}})
			// Pages after 2 never answer; page 1 is the one without a page param.
			sb.SetFaults(sandbox.Fault{Query: map[string]string{"page": "2"}}, sandbox.Fault{Query: map[string]string{"page": "*"}, Stall: true})
			cancelled := func() int {
				n := 0
				for _, r := range sb.Log() {
					if r.Status == 499 {
						n++
					}
				}
				return n
			}
			inFlight := func() int { return sb.Stats().InFlight }
			const conc = 4
			p, _ := testProvider(t, base, conc, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stop := errors.New("host stopped reading")
			batches := 0
			done := make(chan error, 1)
			var written int // requests the provider wrote before the call returned
			go func() {
				res, err := p.Call(ctx, listReq("octocat", "docker"), func(b provider.Batch) error {
					batches++
					if batches == 2 {
						if how == "emit error" {
							return stop
						}
						go func() {
							// Let the blocked pages reach the server first.
							for inFlight() < conc {
								time.Sleep(time.Millisecond)
							}
							cancel()
						}()
					}
					return nil
				})
				written = int(res.Requests)
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
			for (arrived(sb) < written || inFlight() > 0 || cancelled() != arrived(sb)-2) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			// A request counts as written once net/http has put it in its
			// buffer; one that the cancellation stopped before the buffer
			// was flushed never arrives, so the server may get fewer.
			started := arrived(sb)
			if started > written {
				t.Errorf("the server got %d requests, the provider wrote %d before the call returned", started, written)
			}
			if inFlight() != 0 || cancelled() != started-2 {
				t.Fatalf("%d requests after page 2, %d cancelled, %d still in flight", started-2, cancelled(), inFlight())
			}
			if started-2 > conc {
				t.Errorf("%d requests after page 2, concurrency %d", started-2, conc)
			}
			time.Sleep(50 * time.Millisecond)
			if arrived(sb) != started {
				t.Errorf("requests kept coming after the call returned")
			}
		})
	}
}

// A listing whose pages moved while it was read fails instead of returning
// rows missing or twice. The change is made while page 2 is held back, after
// page 1 was sent.
func TestListChangedWhileRead(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		n    int
		// before and after are the packages deleted before the listing,
		// and deleted or restored once page 1 is sent.
		before, after func(names []string) []string
		verb          string
	}{
		{"packages deleted after page 1", 350, nil, func(names []string) []string { return names[:60] }, http.MethodDelete},
		{"packages added after page 1", 450, func(names []string) []string { return names[len(names)-100:] },
			func(names []string) []string { return names[len(names)-100:] }, http.MethodPost},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", tc.n)}}
			sb, base := startSandbox(t, opts)
			// The packages GitHub lets be deleted (not public with over
			// 5,000 downloads), in listing order.
			var names []string
			for _, pk := range sandboxJSON(t, opts, base, "/users/octocat/packages?package_type=npm&per_page=100") {
				var v struct{ Name string }
				if err := json.Unmarshal(pk, &v); err != nil {
					t.Fatal(err)
				}
				if rec, _ := sb.Package("octocat", "npm", v.Name); rec.Visibility != "public" || rec.Downloads <= 5000 {
					names = append(names, v.Name)
				}
			}
			if len(names) < tc.n-100 {
				t.Fatalf("%d of %d packages can be deleted", len(names), tc.n)
			}
			change := func(verb string, names []string) {
				for _, name := range names {
					path := "/users/octocat/packages/npm/" + url.PathEscape(name)
					if verb == http.MethodPost {
						path += "/restore"
					}
					sandboxDo(t, sb, verb, path, http.StatusNoContent)
				}
			}
			if tc.before != nil {
				change(http.MethodDelete, tc.before(names))
			}
			hold := make(chan struct{})
			sb.SetFaults(sandbox.Fault{Query: map[string]string{"page": "2"}, Hold: hold})
			p, _ := testProvider(t, base, 1, nil)
			batches := 0
			_, err := p.Call(t.Context(), listReq("octocat", "npm"), func(provider.Batch) error {
				if batches++; batches == 1 {
					change(tc.verb, tc.after(names))
					close(hold)
				}
				return nil
			})
			pe := mustProviderError(t, err)
			if pe.Kind != provider.KindPartial || !strings.Contains(pe.Message, "changed while they were listed") {
				t.Fatalf("err = %v", pe)
			}
		})
	}
}

// sandboxDo sends one request to sb in process and checks its status.
func sandboxDo(t testing.TB, sb *sandbox.Server, method, path string, status int) {
	t.Helper()
	req, err := http.NewRequest(method, "http://sandbox"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sb.Transport().RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d", method, path, res.StatusCode, status)
	}
}
