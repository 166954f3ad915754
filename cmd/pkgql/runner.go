package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/host"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/journal"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/output"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/progress"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
	"github.com/pkgql/pkgql/schema"
)

// userAgent is what pkgql's requests say they come from.
const userAgent = "pkgql"

// runner is what running statements needs: the provider processes,
// configured, and an engine over them.
type runner struct {
	a         *app
	providers []*host.Running
	engine    *engine.Engine
	progress  *progress.Line // nil when progress is not shown
	sandbox   *http.Server   // the --sandbox server, if any
	// supervise restarts provider processes that die (serve).
	supervise bool
	journal   *journal.Journal
}

// openRunner starts the sandbox if asked, starts the providers, finds
// their settings, configures them and builds the engine. confirm answers
// bulk-DELETE questions (nil: --yes is the only way). The caller closes the
// runner.
func (a *app) openRunner(ctx context.Context, confirm func(context.Context, string) bool, opts ...runnerOption) (_ *runner, err error) {
	s := &runner{a: a}
	for _, o := range opts {
		o(s)
	}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	// Starting a provider process is most of a statement's start-up cost
	// (go-plugin's handshake): it runs while the sandbox starts or the token
	// is looked up (`gh auth token` is a process of its own).
	started := make(chan error, 1)
	go func() {
		var err error
		s.providers, err = a.startProviders(ctx)
		started <- err
	}()
	sandboxErr := s.startSandbox()
	if err := <-started; err != nil {
		return nil, err
	}
	if sandboxErr != nil {
		return nil, sandboxErr
	}
	for _, rp := range s.providers {
		if err := a.configure(ctx, rp, s.sandbox == nil); err != nil {
			return nil, err
		}
		if s.supervise {
			a.launcher().Supervise(rp, rp.Config)
		}
	}

	if !a.opts.noJournal {
		dir, err := journal.Dir()
		if err == nil {
			s.journal, err = journal.Open(filepath.Join(dir, "journal.db"))
		}
		if err != nil {
			return nil, &cliError{err: err, msg: fmt.Sprintf("the journal cannot be opened: %v", err),
				hint: "pkgql records every change it makes before sending it; set XDG_STATE_HOME to a writable directory, or run with --no-journal"}
		}
	}

	// The line goes to stderr; it stays off a terminal that stdout is
	// streaming rows to, where the two would tangle.
	buffered := a.format == output.Table || a.format == output.Markdown
	if isTerminal(a.stderr) && (buffered || !isTerminal(a.stdout)) {
		s.progress = progress.New(a.stderr)
	}
	if s.engine, err = engine.New(s.engineConfig(a.opts.dryRun, confirm)); err != nil {
		return nil, err
	}
	return s, nil
}

// runnerOption changes how a runner runs its providers.
type runnerOption func(*runner)

// restartProviders makes the runner start a provider process again when
// it dies, for a server that outlives many statements.
func restartProviders(s *runner) { s.supervise = true }

// startSandbox starts the sandbox when asked and points the API's flags at
// it, as if --github-url and --registry-url had named it.
func (s *runner) startSandbox() error {
	a := s.a
	if !a.opts.sandbox {
		return nil
	}
	srv, ln, err := sandbox.Listen("127.0.0.1:0", sandbox.Options{})
	if err != nil {
		return fmt.Errorf("starting the sandbox: %w", err)
	}
	s.sandbox = srv
	go srv.Serve(ln)
	a.opts.githubURL = "http://" + ln.Addr().String() + "/"
	if a.opts.registryURL == "" {
		a.opts.registryURL = strings.TrimSuffix(a.opts.githubURL, "/")
	}
	a.logger.Debug("sandbox serving", "url", a.opts.githubURL)
	return nil
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

// configure finds the provider's declared settings and configures it with
// them and the command line's limits. Secrets are looked for only when
// withSecrets: the sandbox is sent none.
func (a *app) configure(ctx context.Context, rp *host.Running, withSecrets bool) error {
	found, err := host.FindSettings(ctx, rp.Schema.Settings, a.flags, a.env.getenv, withSecrets)
	if err != nil {
		return err
	}
	for _, v := range found.SecretValues() {
		a.stderr.hide(v)
	}
	for _, st := range rp.Schema.Settings {
		a.logger.Debug("setting", "provider", rp.Name, "setting", st.Name, "source", or(found.Sources[st.Name], "none"))
	}
	rp.Settings = found
	rp.Config = provider.Config{Settings: found.Values, Concurrency: a.opts.concurrency, UserAgent: userAgent,
		RateWindow: a.opts.rateWindow, MutationInterval: a.opts.mutationGap}
	// The sandbox is new each run: nothing to revalidate.
	if !a.opts.noCache && withSecrets {
		if dir, err := httpCacheDir(); err == nil {
			rp.Config.CacheDir = dir
		} else {
			a.logger.Debug("no HTTP cache", "error", err)
		}
	}
	if err := rp.Process.Configure(ctx, rp.Config); err != nil {
		return fmt.Errorf("configuring provider %s: %w", rp.Name, err)
	}
	return nil
}

// engineConfig is the command line's engine settings over the runner's
// providers; every engine pkgql makes (exec, the shell's, serve's per
// connection) starts from it.
func (s *runner) engineConfig(dryRun bool, confirm func(context.Context, string) bool) engine.Config {
	cfg := engine.Config{
		Providers:   s.bindings(),
		DryRun:      dryRun,
		Yes:         s.a.opts.yes,
		SkipGuard:   s.a.opts.allowBroken,
		Confirm:     confirm,
		Concurrency: s.a.opts.concurrency,
		Logger:      s.a.logger.Named("engine"),
	}
	if s.progress != nil {
		cfg.Progress = s.progress.Report
		cfg.MutationProgress = s.progress.ReportCalls
	}
	if s.journal != nil {
		cfg.Journal = s.journal
	}
	return cfg
}

// bindings are the running providers as the engine takes them.
func (s *runner) bindings() []engine.Binding {
	b := make([]engine.Binding, len(s.providers))
	for i, rp := range s.providers {
		b[i] = engine.Binding{Schema: rp.Schema, Provider: rp.Provider()}
	}
	if s.journal != nil {
		// The journal is built in: served in this process, declared like any
		// provider.
		jp := journal.NewProvider(s.journal)
		js, _ := jp.Schema(context.Background())
		b = append(b, engine.Binding{Schema: js, Provider: jp})
	}
	return b
}

// close ends the engine, the provider processes and the sandbox.
func (s *runner) close() {
	if s.engine != nil {
		if err := s.engine.Close(); err != nil {
			s.a.logger.Warn("closing the engine", "error", err)
		}
	}
	for _, rp := range s.providers {
		if rp != nil {
			rp.Current().Kill()
		}
	}
	if s.sandbox != nil {
		s.sandbox.Close()
	}
	if s.journal != nil {
		if err := s.journal.Close(); err != nil {
			s.a.logger.Warn("closing the journal", "error", err)
		}
	}
}

// newSink returns the output for the runner's result sets, with the token
// hidden; flush writes what the hiding holds back. Summaries ("3 rows") go
// to stderr, only for a table on a terminal.
func (a *app) newSink() (sink engine.Sink, flush func() error, err error) {
	out := a.stderr.over(a.stdout)
	opts := output.Options{Format: a.format, Out: out, NoHeaders: a.opts.noHeaders, Width: terminalWidth(a.stdout)}
	if a.format == output.Table && isTerminal(a.stdout) {
		opts.Summary = a.stderr
	}
	sink, err = output.New(opts)
	return sink, out.Flush, err
}

// secrets are the secret settings the runner's providers were given, for
// the shell's history.
func (s *runner) secrets() []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, rp := range s.providers {
		out = append(out, rp.Settings.SecretValues()...)
	}
	return out
}

// runScript reads and checks the whole script, then runs its statements in
// order, stopping at the first that fails: an error anywhere in the text
// means nothing runs.
func (s *runner) runScript(ctx context.Context, script string, sink engine.Sink) error {
	stmts, err := s.engine.Prepare(script)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if err := s.runStatement(ctx, st, sink); err != nil {
			return err
		}
	}
	return nil
}

func (s *runner) runStatement(ctx context.Context, st *engine.Statement, sink engine.Sink) error {
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if s.a.opts.timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, s.a.opts.timeout)
	}
	defer cancel()
	if s.progress != nil {
		defer s.progress.Done()
		sink = progressSink{Sink: sink, line: s.progress}
	}
	begin := time.Now()
	err := s.engine.Run(runCtx, st, sink)
	s.a.logger.Debug("statement done", "kind", st.Kind(), "duration", time.Since(begin).Round(time.Microsecond), "error", err != nil)
	if err == nil || ctx.Err() != nil {
		return err // an interrupt is told by the exit status
	}
	if deadline, ok := runCtx.Deadline(); ok && time.Until(deadline) < 100*time.Millisecond {
		// The provider sees the deadline too, and its side of the call may
		// end a moment before ours: wait for ours to tell the cause. Not for a
		// fixed time: on a busy machine the context's timer may run late.
		<-runCtx.Done()
	}
	if errors.Is(runCtx.Err(), context.DeadlineExceeded) {
		return &cliError{err: err, msg: fmt.Sprintf("the statement did not finish within %s", s.a.opts.timeout),
			hint: "raise --timeout, or bind more params (package_name, visibility) or add a LIMIT so fewer pages are read"}
	}
	if name, ok := host.Exited(s.providers, err); ok {
		return &cliError{err: err, msg: fmt.Sprintf("provider %s exited unexpectedly", name),
			hint: "run the statement again; --debug shows the provider's last log lines"}
	}
	if pe, ok := provider.AsError(err); ok && pe.HTTPStatus == http.StatusUnauthorized && s.sandbox == nil {
		if st, ok := s.missingSecret(); ok {
			return &cliError{err: err, msg: message(err), hint: fmt.Sprintf("no %s was found: %s", st.Description, st.Hint)}
		}
	}
	return err
}

// missingSecret is a secret setting some provider declared and was given
// no value for: what a refusal for want of credentials asks the user for.
func (s *runner) missingSecret() (*schema.Setting, bool) {
	for _, rp := range s.providers {
		if st, ok := rp.Settings.Secret(); ok && rp.Settings.Values[st.Name] == "" {
			return st, true
		}
	}
	return nil, false
}

// progressSink clears the progress line before a result set is written,
// so the two never share a line of the terminal.
type progressSink struct {
	engine.Sink
	line *progress.Line
}

func (p progressSink) End(summary string) error {
	p.line.Done()
	return p.Sink.End(summary)
}

func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
