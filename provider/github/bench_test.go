package github

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// BenchmarkList lists 10,000 packages (100 pages) from a local server that
// replays the sandbox's pages, recorded in advance, so that what is measured
// is the provider: requests, decoding, rows and ordering.
func BenchmarkList(b *testing.B) {
	const n = 10_000
	pages := (n + perPage - 1) / perPage
	bodies := make([][]byte, pages+1)
	links := make([]string, pages+1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pg := 1
		if v := r.URL.Query().Get("page"); v != "" {
			pg, _ = strconv.Atoi(v)
		}
		w.Header().Set("Link", links[pg])
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[pg])
	}))
	b.Cleanup(srv.Close)
	sb := sandbox.New(sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", n)}})
	for pg := 1; pg <= pages; pg++ {
		bodies[pg], links[pg] = sandboxPage(b, sb, fmt.Sprintf("%s/users/octocat/packages?package_type=npm&per_page=100&page=%d", srv.URL, pg))
	}

	for _, conc := range []int{1, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			p, _ := testProvider(b, srv.URL, conc, nil)
			// More iterations than GitHub's 900 points a minute allow would
			// measure the pacer's waits; in a millisecond's window the
			// listing is never paced, as against a server without limits.
			if err := p.Configure(b.Context(), provider.Config{Settings: map[string]string{SettingBaseURL: srv.URL, SettingToken: testToken}, Concurrency: conc, RateWindow: time.Millisecond}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(bodies[1]) * pages))
			for b.Loop() {
				rows := 0
				_, err := p.Call(b.Context(), listReq("octocat", "npm"), func(bt provider.Batch) error {
					rows += len(bt.Rows)
					return nil
				})
				if err != nil || rows != n {
					b.Fatalf("%d rows, %v", rows, err)
				}
			}
		})
	}
}

// BenchmarkDecodePage lays out one page of 100 packages as the listing does:
// every column, and the scalar columns only (owner and repository skipped).
func BenchmarkDecodePage(b *testing.B) {
	sb := sandbox.New(sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "npm", perPage)}})
	body, _ := sandboxPage(b, sb, "http://sandbox/users/octocat/packages?package_type=npm&per_page=100")
	r := userPackages()
	for _, c := range []struct {
		name    string
		columns []string
	}{
		{"all", nil},
		{"scalars", []string{"id", "name", "version_count", "visibility"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			plan, err := r.layout(c.columns, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				rows, err := plan.decode(body)
				if err != nil || len(rows) != perPage {
					b.Fatalf("%d rows, %v", len(rows), err)
				}
			}
		})
	}
}

// sandboxPage is sb's answer to GET uri: its body and Link header.
func sandboxPage(b *testing.B, sb *sandbox.Server, uri string) ([]byte, string) {
	b.Helper()
	res, err := (&http.Client{Transport: sb.Transport()}).Get(uri)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", uri, res.StatusCode, err)
	}
	return body, res.Header.Get("Link")
}
