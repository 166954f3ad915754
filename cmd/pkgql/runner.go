package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/host"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/output"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// userAgent is what pkgql's requests say they come from.
const userAgent = "pkgql"

// openRunner starts the sandbox if asked, starts the providers, finds
// their settings, configures them and builds the engine. confirm answers
// bulk-DELETE questions (nil: --yes is the only way). The caller closes the
// runner.
func (a *app) openRunner(ctx context.Context, confirm func(context.Context, string) bool, opts ...runnerOption) (*host.Runner, error) {
	o := a.hostOptions()
	o.Confirm = confirm
	if a.opts.sandbox {
		o.StartSandbox = a.startSandbox
	}
	// The line goes to stderr; it stays off a terminal that stdout is
	// streaming rows to, where the two would tangle.
	buffered := a.format == output.Table || a.format == output.Markdown
	if isTerminal(a.stderr) && (buffered || !isTerminal(a.stdout)) {
		o.Progress = a.stderr
	}
	for _, opt := range opts {
		opt(&o)
	}
	return host.Open(ctx, o)
}

// runnerOption changes how a runner runs its providers.
type runnerOption func(*host.Options)

// restartProviders makes the runner start a provider process again when
// it dies, for a server that outlives many statements.
func restartProviders(o *host.Options) { o.Supervise = true }

// hostOptions are the command line's flags in the host's words.
func (a *app) hostOptions() host.Options {
	o := host.Options{Launcher: a.launcher(), Flags: a.flags, Logger: a.logger, UserAgent: userAgent, Hide: a.stderr.hide,
		Concurrency: a.opts.concurrency, RateWindow: a.opts.rateWindow, MutationInterval: a.opts.mutationGap,
		Timeout: a.opts.timeout, DryRun: a.opts.dryRun, Yes: a.opts.yes, AllowBroken: a.opts.allowBroken, NoJournal: a.opts.noJournal}
	if !a.opts.noCache && !a.opts.sandbox {
		if dir, err := httpCacheDir(a.env.getenv); err == nil {
			o.CacheDir = dir
		} else {
			a.logger.Debug("no HTTP cache", "error", err)
		}
	}
	return o
}

// startSandbox starts the sandbox and points the API's flags at it, as if
// --github-url and --registry-url had named it.
func (a *app) startSandbox() (*http.Server, error) {
	srv, ln, err := sandbox.Listen("127.0.0.1:0", sandbox.Options{})
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	go srv.Serve(ln)
	a.opts.githubURL = "http://" + ln.Addr().String() + "/"
	if a.opts.registryURL == "" {
		a.opts.registryURL = strings.TrimSuffix(a.opts.githubURL, "/")
	}
	a.logger.Debug("sandbox serving", "url", a.opts.githubURL)
	return srv, nil
}

// launcher starts providers as the command line says.
func (a *app) launcher() *host.Launcher {
	return &host.Launcher{ProviderPath: a.opts.providerPath, Executable: a.env.executable, Getenv: a.env.getenv,
		Logger: a.logger, Debug: a.opts.debug}
}

// startProviders starts every provider and reads its schema.
func (a *app) startProviders(ctx context.Context) ([]*host.Running, error) {
	return a.launcher().Start(ctx)
}

// newSink returns the output for result sets, with the token
// hidden; flush writes what the hiding holds back. Summaries ("3 rows") go
// to stderr, only for a table on a terminal.
func (a *app) newSink() (sink rowset.Sink, flush func() error, err error) {
	out := a.stderr.over(a.stdout)
	opts := output.Options{Format: a.format, Out: out, NoHeaders: a.opts.noHeaders, Width: terminalWidth(a.stdout)}
	if a.format == output.Table && isTerminal(a.stdout) {
		opts.Summary = a.stderr
	}
	sink, err = output.New(opts)
	return sink, out.Flush, err
}
