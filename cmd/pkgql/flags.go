package main

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/output"
)

const (
	defaultGitHubURL   = "https://api.github.com/"
	defaultConcurrency = 8
	// maxConcurrency is GitHub's secondary limit on concurrent requests.
	maxConcurrency = 100
)

// options are the global flags, shared by every command.
type options struct {
	githubURL    string
	sandbox      bool
	output       string
	noHeaders    bool
	dryRun       bool
	yes          bool
	concurrency  int
	timeout      time.Duration
	debug        bool
	providerPath string
	tokenFile    string
	registryURL  string
	allowBroken  bool
	noCache      bool
	rateWindow   time.Duration
	mutationGap  time.Duration
	noJournal    bool
}

func (o *options) register(fs *pflag.FlagSet, getenv func(string) string) {
	defURL := defaultGitHubURL
	if env := getenv("PKGQL_GITHUB_URL"); env != "" {
		defURL = env
	}
	formats := make([]string, len(output.Formats))
	for i, f := range output.Formats {
		formats[i] = string(f)
	}
	fs.StringVar(&o.githubURL, "github-url", defURL,
		"GitHub's REST API: GitHub Enterprise Server is https://HOST/api/v3/ (env PKGQL_GITHUB_URL)")
	fs.BoolVar(&o.sandbox, "sandbox", false,
		"run a seeded GitHub-compatible API in-process on 127.0.0.1 and query it: no token, no network")
	fs.StringVarP(&o.output, "output", "o", string(output.Table),
		"output format: "+strings.Join(formats, ", "))
	fs.BoolVar(&o.noHeaders, "no-headers", false, "leave out the header row (table, markdown, text, csv)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "show the REST calls DELETE and EXEC would make, and make none of them")
	fs.BoolVar(&o.yes, "yes", false, "confirm a DELETE whose WHERE matches packages by more than their name")
	fs.IntVar(&o.concurrency, "concurrency", defaultConcurrency,
		fmt.Sprintf("most API requests one statement has in flight (1-%d)", maxConcurrency))
	fs.DurationVar(&o.timeout, "timeout", 0, "give up on a statement after this long, e.g. 30s (0: no limit)")
	fs.BoolVar(&o.debug, "debug", false, "debug logs on stderr: provider processes, plans, requests (never the token)")
	fs.StringVar(&o.providerPath, "provider-path", "",
		"run this provider plugin binary instead of the bundled GitHub provider")
	fs.StringVar(&o.tokenFile, "token-file", "", "read the GitHub token from this file")
	fs.StringVar(&o.registryURL, "registry-url", getenv("PKGQL_REGISTRY_URL"),
		"the container registry the image graph is read from (env PKGQL_REGISTRY_URL; default https://ghcr.io, the sandbox's own with --sandbox)")
	fs.BoolVar(&o.allowBroken, "allow-broken-images", false,
		"delete container versions even when a tag that stays needs them (children, attestations, signatures): the image graph guard is skipped")
	fs.BoolVar(&o.noCache, "no-cache", false,
		"keep no HTTP cache: without it, GETs are sent as conditional requests, and GitHub's 304s cost no rate limit")
	fs.DurationVar(&o.rateWindow, "rate-window", time.Minute,
		"the window GitHub's secondary limit of 900 points a minute is counted over; only a test server counts otherwise")
	fs.DurationVar(&o.mutationGap, "mutation-interval", 0,
		"least time between two DELETE or POST requests, e.g. 1s as GitHub's best practices ask (0: paced by the points limit alone)")
	fs.BoolVar(&o.noJournal, "no-journal", false, "do not record mutations in the local journal (pkgql.local.journal)")
}

// check validates the flags and returns the output format. Its errors are
// usage errors.
func (o *options) check(fs *pflag.FlagSet) (output.Format, error) {
	format, err := output.ParseFormat(o.output)
	if err != nil {
		return "", fmt.Errorf("--output: %w", err)
	}
	if format == output.Markdown && o.noHeaders {
		// GitHub-flavoured Markdown has no table without a header row.
		return "", fmt.Errorf("--no-headers with -o markdown: a Markdown table needs its header row; use -o text --no-headers for the rows alone")
	}
	if o.concurrency < 1 || o.concurrency > maxConcurrency {
		return "", fmt.Errorf("--concurrency %d: use a number from 1 to %d", o.concurrency, maxConcurrency)
	}
	if o.rateWindow <= 0 || o.mutationGap < 0 {
		return "", fmt.Errorf("--rate-window must be positive and --mutation-interval not negative")
	}
	if o.timeout < 0 {
		return "", fmt.Errorf("--timeout %s: use a positive duration such as 30s, or 0 for no limit", o.timeout)
	}
	if o.sandbox && fs.Changed("github-url") {
		return "", fmt.Errorf("--sandbox and --github-url cannot be used together: --sandbox serves its own API")
	}
	if !o.sandbox {
		u, err := normalizeURL(o.githubURL)
		if err != nil {
			from := "--github-url"
			if !fs.Changed("github-url") {
				from = "PKGQL_GITHUB_URL"
			}
			return "", fmt.Errorf("%s %q: %w", from, o.githubURL, err)
		}
		o.githubURL = u
	}
	return format, nil
}

// normalizeURL checks an API base URL and gives it the trailing slash that
// relative API paths need.
func normalizeURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("want an http or https URL such as %s", defaultGitHubURL)
	}
	if u.User != nil {
		return "", fmt.Errorf("credentials do not belong in the URL: use GITHUB_TOKEN or --token-file")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u.String(), nil
}
