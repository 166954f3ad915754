// Command pkgql-bench measures what pkgql's statements cost — requests, wall
// time, peak memory — against a local GitHub-compatible server with injected
// latency, beside a plain sequential pager that follows Link headers one page
// at a time, the way `gh api --paginate`, Steampipe and StackQL read GitHub.
//
//	go run ./cmd/pkgql-bench -sizes 1000,5000,10000,100000 -latency 20ms -runs 5
//
// For each size it generates a sandbox user whose container packages number
// exactly that size, serves it over HTTP on 127.0.0.1, and runs the query mix
// (a full listing, a listing with a WHERE filter, LIMIT 5, a get by name, a
// GROUP BY over two types) through `pkgql exec` at --concurrency 1 and at the
// default, and through the pager, each a process of its own, the three in
// turn. Request counts come from the server; every answer is checked against
// the sandbox's own data. Then it measures cold start: `pkgql exec` of a get
// by name against a server without latency, and where its time goes.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	// The benchmark's executable is also its helpers: the pager, the
	// launcher of measured processes, and (started by pkgql as its provider
	// plugin, with no arguments) the provider wrapper.
	switch {
	case len(os.Args) > 1 && os.Args[1] == "pager":
		os.Exit(pagerMain(os.Args[2:]))
	case len(os.Args) > 1 && os.Args[1] == "launch":
		os.Exit(launchMain(os.Args[2:]))
	case len(os.Args) == 1 && os.Getenv(envProvider) != "":
		os.Exit(wrapProvider(os.Getenv(envProvider), os.Getenv(envRusage)))
	}
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pkgql-bench:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "pkgql-bench:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	sizes       []int
	latency     time.Duration
	runs        int
	concurrency int
	coldRuns    int
	pkgql       string
	out         string
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("pkgql-bench", flag.ContinueOnError)
	var cfg config
	sizes := fs.String("sizes", "1000,5000,10000,100000", "packages of the listed type, comma-separated")
	fs.DurationVar(&cfg.latency, "latency", 20*time.Millisecond, "latency the server adds to every response")
	fs.IntVar(&cfg.runs, "runs", 5, "timed runs per query and tool, after one run that measures memory")
	fs.IntVar(&cfg.concurrency, "concurrency", 8, "pkgql's concurrency to compare with --concurrency 1 (its default is 8)")
	fs.IntVar(&cfg.coldRuns, "cold-runs", 20, "runs of the cold-start measurement")
	fs.StringVar(&cfg.pkgql, "pkgql", "", "the pkgql executable (default: build ./cmd/pkgql into a temporary directory)")
	fs.StringVar(&cfg.out, "out", "markdown", "report format: markdown or text")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		cfg.sizes = append(cfg.sizes, n)
	}
	switch {
	case cfg.runs < 1 || cfg.coldRuns < 1:
		return cfg, fmt.Errorf("-runs and -cold-runs must be at least 1")
	case cfg.concurrency < 1 || cfg.concurrency > 100:
		return cfg, fmt.Errorf("-concurrency %d: use 1 to 100", cfg.concurrency)
	case cfg.out != "markdown" && cfg.out != "text":
		return cfg, fmt.Errorf("-out %q: use markdown or text", cfg.out)
	}
	return cfg, nil
}

// query is one statement of the mix, with how the pager answers it, the
// fewest requests that can answer it, and its exact answer.
type query struct {
	name string
	sql  string
	job  job
	min  int
	want []byte
}

// pages is how many requests list n packages at 100 a page; an empty listing
// still takes one.
func pages(n int) int { return max(1, (n+99)/100) }

// The queries of the mix, in order.
const (
	queryListing = iota
	queryFiltered
	queryLimit
	queryGet
	queryGroup
	queryJoin
)

// mix is the query mix over d.
func mix(d dataset) []query {
	from := "SELECT id, name FROM github.packages.user_packages WHERE username = '" + benchUser + "' AND package_type = '" + listType + "'"
	list := job{Kind: "list", User: benchUser, Types: []string{listType}}
	filtered := list
	filtered.Filter = true
	limited := list
	limited.Limit = 5
	return []query{
		queryListing:  {name: "full listing", sql: from, job: list, min: pages(d.n)},
		queryFiltered: {name: "listing + WHERE filter", sql: from + " AND version_count > " + strconv.Itoa(filterVersions), job: filtered, min: pages(d.n)},
		queryLimit:    {name: "LIMIT 5", sql: from + " LIMIT 5", job: limited, min: 1},
		queryGet: {name: "get by name", sql: from + " AND package_name = '" + d.lastName + "'",
			job: job{Kind: "get", User: benchUser, Types: []string{listType}, Name: d.lastName}, min: 1},
		queryGroup: {name: "GROUP BY two types",
			sql: "SELECT package_type, COUNT(*) AS n, SUM(version_count) AS versions FROM github.packages.user_packages" +
				" WHERE username = '" + benchUser + "' AND package_type IN ('" + groupOther + "', '" + listType + "') GROUP BY package_type",
			job: job{Kind: "group", User: benchUser, Types: []string{groupOther, listType}},
			min: pages(d.counts[groupOther]) + pages(d.counts[listType])},
		queryJoin: {name: "JOIN packages → versions",
			sql: "SELECT p.name, COUNT(*) AS versions FROM github.packages.packages p JOIN github.packages.package_versions v" +
				" ON v.org = '" + benchOrg + "' AND v.package_type = p.package_type AND v.package_name = p.name" +
				" WHERE p.org = '" + benchOrg + "' AND p.package_type = '" + joinType + "' GROUP BY p.name",
			job: job{Kind: "join", Types: []string{joinType}}, min: d.joinPages},
	}
}

// answers fills in the exact answer of every query, read in-process from a
// sandbox with d's data.
func answers(ctx context.Context, d dataset, qs []query) error {
	gh := d.client()
	for i := range qs {
		var err error
		if qs[i].want, err = answer(ctx, gh, qs[i].job); err != nil {
			return fmt.Errorf("computing the answer of %s: %w", qs[i].name, err)
		}
	}
	return nil
}

// binaries are the executables the benchmark runs.
type binaries struct {
	pkgql     string
	self      string // this benchmark: also the pager, the launcher and the provider wrapper
	pluginDir string // an empty plugin directory: only the bundled provider runs
	scratch   string // the launcher's and the wrapper's reports
}

// pkgqlCmd is `pkgql exec ARGS` against url, as a user runs it. With rusage
// set, the provider runs under the wrapper, which writes its peak RSS to that
// file.
func (b binaries) pkgqlCmd(url string, concurrency int, rusage string, args ...string) *exec.Cmd {
	// The local server has no secondary limit to pace to, and each run reads
	// cold, as the pager does: no pacing window worth the name, no cache.
	all := []string{"exec", "--github-url", url, "-o", "json", "--concurrency", strconv.Itoa(concurrency),
		"--rate-window", "1ms", "--no-cache"}
	env := append(os.Environ(), "GITHUB_TOKEN=pkgql-bench", "PKGQL_PLUGIN_DIR="+b.pluginDir)
	if rusage != "" {
		all = append(all, "--provider-path", b.self)
		env = append(env, envProvider+"="+b.pkgql, envRusage+"="+rusage)
	}
	cmd := exec.Command(b.pkgql, append(all, args...)...)
	cmd.Env = env
	return cmd
}

func (b binaries) pagerCmd(url string, j job) *exec.Cmd {
	spec, err := json.Marshal(j)
	if err != nil {
		panic(err) // a job is plain data
	}
	return exec.Command(b.self, "pager", url, string(spec))
}

// The tools, in the order of the report's columns.
const (
	toolC1      = iota // pkgql --concurrency 1
	toolDefault        // pkgql at -concurrency (its default, 8)
	toolPager          // the sequential pager
)

// tool is one way of answering the mix.
type tool struct {
	name        string
	concurrency int // 0: the pager
}

// cell is one tool's runs of one query.
type cell struct {
	requests    []int           // every run's
	walls, cpus []time.Duration // of the timed runs
	maxInFlight int
	rss         int64 // KiB: pkgql's host, or the pager
	providerRSS int64 // KiB
}

// sizeResult is the measurements at one size: cells[query][tool].
type sizeResult struct {
	d       dataset
	queries []query
	cells   [][]cell
}

func run(ctx context.Context, cfg config) error {
	if err := becomeSubreaper(); err != nil {
		return err
	}
	scratch, err := os.MkdirTemp("", "pkgql-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	b := binaries{pkgql: cfg.pkgql, pluginDir: filepath.Join(scratch, "plugins"), scratch: scratch}
	if err := os.Mkdir(b.pluginDir, 0o755); err != nil {
		return err
	}
	if b.self, err = os.Executable(); err != nil {
		return err
	}
	if b.pkgql == "" {
		if b.pkgql, err = buildPkgql(scratch); err != nil {
			return err
		}
	} else if b.pkgql, err = filepath.Abs(b.pkgql); err != nil {
		return err
	}

	tools := []tool{toolC1: {"pkgql -c1", 1}, toolDefault: {fmt.Sprintf("pkgql -c%d", cfg.concurrency), cfg.concurrency}, toolPager: {"pager", 0}}
	var results []sizeResult
	for _, n := range cfg.sizes {
		r, err := measureSize(ctx, cfg, b, tools, n)
		if err != nil {
			return fmt.Errorf("%d packages: %w", n, err)
		}
		results = append(results, r)
	}
	cold, err := coldStart(b, cfg.coldRuns)
	if err != nil {
		return fmt.Errorf("cold start: %w", err)
	}
	return writeReport(os.Stdout, cfg, b, tools, results, cold)
}

// buildPkgql builds ./cmd/pkgql into dir, from the module the benchmark is
// run in.
func buildPkgql(dir string) (string, error) {
	out := filepath.Join(dir, "pkgql")
	cmd := exec.Command("go", "build", "-o", out, "github.com/pkgql/pkgql/cmd/pkgql")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/pkgql: %w", err)
	}
	return out, nil
}

func measureSize(ctx context.Context, cfg config, b binaries, tools []tool, n int) (sizeResult, error) {
	progress("%d packages: generating the data set", n)
	d, err := newDataset(ctx, n)
	if err != nil {
		return sizeResult{}, err
	}
	r := sizeResult{d: d, queries: mix(d)}
	if err := answers(ctx, d, r.queries); err != nil {
		return r, err
	}
	srv, err := startServer(d.options(cfg.latency))
	if err != nil {
		return r, err
	}
	defer srv.Close()
	rusage := filepath.Join(b.scratch, "rusage")
	for _, q := range r.queries {
		cells := make([]cell, len(tools))
		// Run 0 measures memory (and warms caches); runs 1.. are timed. The
		// tools take turns so that a slow spell on a shared machine does not
		// fall on one of them alone.
		for run := 0; run <= cfg.runs; run++ {
			for i, t := range tools {
				var cmd *exec.Cmd
				file := ""
				if t.concurrency == 0 {
					cmd = b.pagerCmd(srv.URL, q.job)
				} else {
					if run == 0 {
						file = rusage
					}
					cmd = b.pkgqlCmd(srv.URL, t.concurrency, file, q.sql)
				}
				s, err := b.measure(srv, cmd, file)
				if err != nil {
					return r, fmt.Errorf("%s, %s: %w", q.name, t.name, err)
				}
				if err := sameAnswer(s.out, q.want); err != nil {
					return r, fmt.Errorf("%s, %s: wrong answer: %w", q.name, t.name, err)
				}
				c := &cells[i]
				c.requests = append(c.requests, s.requests)
				c.maxInFlight = max(c.maxInFlight, s.maxInFlight)
				if run == 0 {
					c.rss, c.providerRSS = s.rss, s.providerRSS
				} else {
					c.walls = append(c.walls, s.wall)
					c.cpus = append(c.cpus, s.cpu)
				}
			}
		}
		r.cells = append(r.cells, cells)
		var walls []string
		for i, t := range tools {
			walls = append(walls, t.name+" "+fmtDur(median(cells[i].walls)))
		}
		progress("%d packages: %s: %s", n, q.name, strings.Join(walls, ", "))
	}
	return r, nil
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
