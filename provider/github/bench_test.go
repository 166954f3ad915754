package github

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/pkgql/pkgql/provider"
)

// BenchmarkList lists 10,000 packages (100 pages) from a local server that
// answers from pages rendered in advance, so that what is measured is the
// provider: requests, decoding, rows and ordering.
func BenchmarkList(b *testing.B) {
	const n = 10_000
	f := newFakeGitHub(b)
	pkgs := f.addPackages("octocat", "npm", n, nil)
	pages := (n + perPage - 1) / perPage
	bodies := make([][]byte, pages+1)
	for pg := 1; pg <= pages; pg++ {
		bodies[pg], _ = json.Marshal(pkgs[(pg-1)*perPage : min(pg*perPage, n)])
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pg := 1
		if v := r.URL.Query().Get("page"); v != "" {
			pg, _ = strconv.Atoi(v)
		}
		if pg < pages {
			w.Header().Set("Link", fmt.Sprintf(`<%s/users/octocat/packages?package_type=npm&per_page=100&page=%d>; rel="next", <%s/users/octocat/packages?package_type=npm&per_page=100&page=%d>; rel="last"`,
				srv.URL, pg+1, srv.URL, pages))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[pg])
	}))
	b.Cleanup(srv.Close)

	for _, conc := range []int{1, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			p, _ := testProvider(b, srv.URL, conc, nil)
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
	f := newFakeGitHub(b)
	body, err := json.Marshal(f.addPackages("octocat", "npm", perPage, nil))
	if err != nil {
		b.Fatal(err)
	}
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
