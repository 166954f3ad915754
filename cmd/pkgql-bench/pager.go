package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"

	"github.com/google/go-github/v60/github"
)

// The sequential pager is what pkgql is measured against: the way
// `gh api --paginate`, Steampipe's GitHub plugin and StackQL read a listing,
// one page after another, following the Link header's rel="next", with
// per_page=100 and each page decoded into go-github's Package. It makes the
// fewest requests each query needs (a GET for a name, one page for a small
// LIMIT), so beside pkgql it differs only in waiting for each page before
// asking for the next.
//
// It runs as `pkgql-bench pager URL JOB`, a process of its own, so that its
// wall time and peak RSS are measured the same way as pkgql's; the benchmark
// and its tests also run it in-process to compute the exact answer of every
// query from the sandbox's own data.

// filterVersions is the filtered listing's threshold: version_count > 300
// keeps well under 1% of the packages, so that what is measured is reading
// the listing, not printing it.
const filterVersions = 300

// job is one query as the pager answers it.
type job struct {
	Kind   string   // "list", "get", "group" or "join"
	User   string   //
	Types  []string // list and get read Types[0]; group reads each type
	Name   string   // get: the package's name
	Limit  int      // list: stop once this many rows are read; 0 reads every page
	Filter bool     // list: keep only packages with more than filterVersions versions
}

// row is one row of an answer, shaped like a row of `pkgql exec -o json`.
type row map[string]any

// run answers j, handing rows to emit in the server's order; group rows come
// at the end, by type.
func (j job) run(ctx context.Context, gh *github.Client, emit func(row) error) error {
	switch j.Kind {
	case "get":
		req, err := gh.NewRequest(http.MethodGet, "users/"+url.PathEscape(j.User)+"/packages/"+
			url.PathEscape(j.Types[0])+"/"+url.PathEscape(j.Name), nil)
		if err != nil {
			return err
		}
		var p github.Package
		if _, err := gh.Do(ctx, req, &p); err != nil {
			return err
		}
		return emit(row{"id": p.GetID(), "name": p.GetName()})
	case "list":
		seen := 0
		return list(ctx, gh, j.User, j.Types[0], func(p *github.Package) (bool, error) {
			seen++
			if j.Filter && p.GetVersionCount() <= filterVersions {
				return true, nil
			}
			if err := emit(row{"id": p.GetID(), "name": p.GetName()}); err != nil {
				return false, err
			}
			return j.Limit == 0 || seen < j.Limit, nil
		})
	case "join":
		// The org's packages, then each one's versions, one page at a time.
		var names []string
		if err := listOrg(ctx, gh, j.Types[0], func(p *github.Package) error {
			names = append(names, p.GetName())
			return nil
		}); err != nil {
			return err
		}
		for _, name := range names {
			opts := &github.PackageListOptions{State: github.String("active"), ListOptions: github.ListOptions{PerPage: 100}}
			n := int64(0)
			for {
				vs, resp, err := gh.Organizations.PackageGetAllVersions(ctx, benchOrg, j.Types[0], name, opts)
				if err != nil {
					return err
				}
				n += int64(len(vs))
				if resp.NextPage == 0 {
					break
				}
				opts.Page = resp.NextPage
			}
			if n > 0 {
				if err := emit(row{"name": name, "versions": n}); err != nil {
					return err
				}
			}
		}
		return nil
	case "group":
		for _, typ := range slices.Sorted(slices.Values(j.Types)) {
			var n, versions int64
			err := list(ctx, gh, j.User, typ, func(p *github.Package) (bool, error) {
				n++
				versions += p.GetVersionCount()
				return true, nil
			})
			if err != nil {
				return err
			}
			if n > 0 {
				if err := emit(row{"package_type": typ, "n": n, "versions": versions}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("unknown job kind %q", j.Kind)
}

// list reads user's packages of one type page by page, following rel="next",
// until the last page or until each says stop.
func list(ctx context.Context, gh *github.Client, user, typ string, each func(*github.Package) (more bool, err error)) error {
	opts := &github.PackageListOptions{PackageType: github.String(typ), ListOptions: github.ListOptions{PerPage: 100}}
	for {
		pkgs, resp, err := gh.Users.ListPackages(ctx, user, opts)
		if err != nil {
			return err
		}
		for _, p := range pkgs {
			more, err := each(p)
			if err != nil || !more {
				return err
			}
		}
		if resp.NextPage == 0 {
			return nil
		}
		opts.Page = resp.NextPage
	}
}

// listOrg reads benchOrg's packages of one type page by page.
func listOrg(ctx context.Context, gh *github.Client, typ string, each func(*github.Package) error) error {
	opts := &github.PackageListOptions{PackageType: github.String(typ), ListOptions: github.ListOptions{PerPage: 100}}
	for {
		pkgs, resp, err := gh.Organizations.ListPackages(ctx, benchOrg, opts)
		if err != nil {
			return err
		}
		for _, p := range pkgs {
			if err := each(p); err != nil {
				return err
			}
		}
		if resp.NextPage == 0 {
			return nil
		}
		opts.Page = resp.NextPage
	}
}

// pagerMain is `pkgql-bench pager URL JOB`: it answers the JSON-encoded job
// against the API at URL and writes the rows as one JSON array, as
// `pkgql exec -o json` does, streaming them as they come.
func pagerMain(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pkgql-bench pager URL JOB")
		return 2
	}
	var j job
	if err := json.Unmarshal([]byte(args[1]), &j); err != nil {
		fmt.Fprintln(os.Stderr, "pager: reading the job:", err)
		return 2
	}
	gh, err := newClient(args[0], nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pager:", err)
		return 2
	}
	if err := writeJSON(os.Stdout, func(emit func(row) error) error {
		return j.run(context.Background(), gh, emit)
	}); err != nil {
		fmt.Fprintln(os.Stderr, "pager:", err)
		return 1
	}
	return 0
}

// writeJSON writes the rows that produce emits as one JSON array on one line.
func writeJSON(f *os.File, produce func(emit func(row) error) error) error {
	w := bufio.NewWriter(f)
	w.WriteByte('[')
	first := true
	err := produce(func(r row) error {
		if !first {
			w.WriteByte(',')
		}
		first = false
		b, err := json.Marshal(r)
		w.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	w.WriteString("]\n")
	return w.Flush()
}

// newClient is a go-github client for the API at base (which ends in "/"),
// over transport (nil: http.DefaultTransport).
func newClient(base string, transport http.RoundTripper) (*github.Client, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	gh := github.NewClient(&http.Client{Transport: transport})
	gh.BaseURL = u
	return gh, nil
}

// answer collects j's rows in memory, as a JSON array.
func answer(ctx context.Context, gh *github.Client, j job) ([]byte, error) {
	var rows []row
	err := j.run(ctx, gh, func(r row) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rows == nil {
		rows = []row{}
	}
	return json.Marshal(rows)
}

// canonical is an answer in a form that compares equal for equal rows: each
// row re-encoded (object keys sorted, numbers as written), in sorted order,
// since neither SQL without ORDER BY nor the pager promises an order.
func canonical(out []byte) ([]string, error) {
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(out, &rows); err != nil {
		return nil, fmt.Errorf("the output is not one JSON array of objects: %w", err)
	}
	lines := make([]string, len(rows))
	for i, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		lines[i] = string(b)
	}
	slices.Sort(lines)
	return lines, nil
}

// sameAnswer reports whether got, a process's output, holds exactly want's
// rows, and if not, how they differ.
func sameAnswer(got, want []byte) error {
	g, err := canonical(got)
	if err != nil {
		return err
	}
	w, err := canonical(want)
	if err != nil {
		return err
	}
	if slices.Equal(g, w) {
		return nil
	}
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Errorf("%d rows where %d were expected; first difference: %s, expected %s", len(g), len(w), g[i], w[i])
		}
	}
	return fmt.Errorf("%d rows where %d were expected", len(g), len(w))
}
