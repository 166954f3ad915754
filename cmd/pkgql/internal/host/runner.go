package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/pflag"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/journal"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/progress"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// Options are what a Runner runs with: the command line's, in its words.
type Options struct {
	Launcher *Launcher
	// Flags are the parsed command line, where declared settings name their
	// flags.
	Flags     *pflag.FlagSet
	Logger    hclog.Logger
	UserAgent string
	// Hide is given every secret value found, to keep it out of all output.
	Hide func(secrets ...string)

	Concurrency      int
	RateWindow       time.Duration
	MutationInterval time.Duration
	// CacheDir is where providers may keep an HTTP cache; empty keeps none.
	CacheDir string
	// Timeout bounds each statement; 0 is no limit.
	Timeout     time.Duration
	DryRun      bool
	Yes         bool
	AllowBroken bool
	NoJournal   bool
	// Confirm answers bulk-DELETE questions (nil: Yes is the only way).
	Confirm func(context.Context, string) bool
	// Progress is where the progress line is drawn; nil draws none.
	Progress io.Writer
	// Supervise starts a provider process again when it dies, for a server
	// that outlives many statements.
	Supervise bool
	// StartSandbox, when set, starts a local API in this process, while the
	// providers start, and points the flags at it: no secret is looked for.
	StartSandbox func() (*http.Server, error)
}

// Runner is what running statements needs: the provider processes,
// configured, and an engine over them.
type Runner struct {
	opts      Options
	Providers []*Running
	Engine    *engine.Engine
	Progress  *progress.Line // nil when progress is not shown
	sandbox   *http.Server
	journal   *journal.Journal
}

// Open starts the sandbox if asked, starts the providers, finds their
// settings, configures them and builds the engine. The caller closes the
// runner.
func Open(ctx context.Context, opts Options) (_ *Runner, err error) {
	s := &Runner{opts: opts}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	// Starting a provider process is most of a statement's start-up cost
	// (go-plugin's handshake): it runs while the sandbox starts.
	started := make(chan error, 1)
	go func() {
		var err error
		s.Providers, err = opts.Launcher.Start(ctx)
		started <- err
	}()
	var sandboxErr error
	if opts.StartSandbox != nil {
		s.sandbox, sandboxErr = opts.StartSandbox()
	}
	if err := <-started; err != nil {
		return nil, err
	}
	if sandboxErr != nil {
		return nil, sandboxErr
	}
	for _, rp := range s.Providers {
		if err := opts.Configure(ctx, rp, s.sandbox == nil); err != nil {
			return nil, err
		}
		if opts.Supervise {
			opts.Launcher.Supervise(rp, rp.Config)
		}
	}
	if !opts.NoJournal {
		dir, err := StateDir(opts.Launcher.Getenv)
		if err == nil {
			s.journal, err = journal.Open(filepath.Join(dir, "journal.db"))
		}
		if err != nil {
			return nil, &Error{Err: err, Msg: fmt.Sprintf("the journal cannot be opened: %v", err),
				Hint: "pkgql records every change it makes before sending it; set XDG_STATE_HOME to a writable directory, or run with --no-journal"}
		}
	}
	if opts.Progress != nil {
		s.Progress = progress.New(opts.Progress)
	}
	if s.Engine, err = engine.New(s.EngineConfig(opts.DryRun, opts.Confirm)); err != nil {
		return nil, err
	}
	return s, nil
}

// Configure finds the provider's declared settings and configures it with
// them and the limits. Secrets are looked for only when withSecrets: a
// sandbox is sent none, nor given a cache, being new each run.
func (o *Options) Configure(ctx context.Context, rp *Running, withSecrets bool) error {
	found, err := FindSettings(ctx, rp.Schema.Settings, o.Flags, o.Launcher.Getenv, withSecrets)
	if err != nil {
		return err
	}
	if o.Hide != nil {
		o.Hide(found.SecretValues()...)
	}
	for _, st := range rp.Schema.Settings {
		o.logger().Debug("setting", "provider", rp.Name, "setting", st.Name, "source", or(found.Sources[st.Name], "none"))
	}
	rp.Settings = found
	rp.Config = provider.Config{Settings: found.Values, Concurrency: o.Concurrency, UserAgent: o.UserAgent,
		RateWindow: o.RateWindow, MutationInterval: o.MutationInterval}
	if withSecrets {
		rp.Config.CacheDir = o.CacheDir
	}
	if err := rp.Process.Configure(ctx, rp.Config); err != nil {
		return fmt.Errorf("configuring provider %s: %w", rp.Name, err)
	}
	return nil
}

func (o *Options) logger() hclog.Logger {
	if o.Logger == nil {
		return hclog.NewNullLogger()
	}
	return o.Logger
}

// Error is a failure the host words itself (a timeout, a provider that
// died, a missing token), keeping the error it explains.
type Error struct {
	Msg, Hint string
	Err       error
}

func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + "; " + e.Hint
}

func (e *Error) Unwrap() error { return e.Err }

// Message is err's own words, without the position in the script.
func Message(err error) string {
	var ee *engine.Error
	if errors.As(err, &ee) {
		return ee.Message
	}
	return err.Error()
}

// EngineConfig is the command line's engine settings over the runner's
// providers; every engine pkgql makes (exec, the shell's, serve's per
// connection) starts from it.
func (s *Runner) EngineConfig(dryRun bool, confirm func(context.Context, string) bool) engine.Config {
	cfg := engine.Config{
		Providers:   s.Bindings(),
		DryRun:      dryRun,
		Yes:         s.opts.Yes,
		SkipGuard:   s.opts.AllowBroken,
		Confirm:     confirm,
		Concurrency: s.opts.Concurrency,
		Logger:      s.opts.logger().Named("engine"),
	}
	if s.Progress != nil {
		cfg.Progress = s.Progress.Report
		cfg.MutationProgress = s.Progress.ReportCalls
	}
	if s.journal != nil {
		cfg.Journal = s.journal
	}
	return cfg
}

// Bindings are the running providers as the engine takes them.
func (s *Runner) Bindings() []engine.ProviderBinding {
	b := make([]engine.ProviderBinding, len(s.Providers))
	for i, rp := range s.Providers {
		b[i] = engine.ProviderBinding{Schema: rp.Schema, Provider: rp.Provider()}
	}
	if s.journal != nil {
		// The journal is built in: served in this process, declared like any
		// provider.
		jp := journal.NewProvider(s.journal)
		js, _ := jp.Schema(context.Background())
		b = append(b, engine.ProviderBinding{Schema: js, Provider: jp})
	}
	return b
}

// Close ends the engine, the provider processes and the sandbox.
func (s *Runner) Close() {
	if s.Engine != nil {
		if err := s.Engine.Close(); err != nil {
			s.opts.logger().Warn("closing the engine", "error", err)
		}
	}
	for _, rp := range s.Providers {
		if rp != nil {
			rp.Current().Kill()
		}
	}
	if s.sandbox != nil {
		s.sandbox.Close()
	}
	if s.journal != nil {
		if err := s.journal.Close(); err != nil {
			s.opts.logger().Warn("closing the journal", "error", err)
		}
	}
}

// Secrets are the secret settings the runner's providers were given, for
// the shell's history.
func (s *Runner) Secrets() []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, rp := range s.Providers {
		out = append(out, rp.Settings.SecretValues()...)
	}
	return out
}

// RunScript reads and checks the whole script, then runs its statements in
// order, stopping at the first that fails: an error anywhere in the text
// means nothing runs.
func (s *Runner) RunScript(ctx context.Context, script string, sink rowset.Sink) error {
	stmts, err := s.Engine.Prepare(script)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if err := s.RunStatement(ctx, st, sink); err != nil {
			return err
		}
	}
	return nil
}

// RunStatement runs one statement within the timeout, and words the
// failures the host can explain.
func (s *Runner) RunStatement(ctx context.Context, st *engine.Statement, sink rowset.Sink) error {
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if s.opts.Timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, s.opts.Timeout)
	}
	defer cancel()
	if s.Progress != nil {
		defer s.Progress.Done()
		sink = progressSink{Sink: sink, line: s.Progress}
	}
	begin := time.Now()
	err := s.Engine.Run(runCtx, st, sink)
	s.opts.logger().Debug("statement done", "kind", st.Kind(), "duration", time.Since(begin).Round(time.Microsecond), "error", err != nil)
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
		return &Error{Err: err, Msg: fmt.Sprintf("the statement did not finish within %s", s.opts.Timeout),
			Hint: "raise --timeout, or bind more params (package_name, visibility) or add a LIMIT so fewer pages are read"}
	}
	if name, ok := Exited(s.Providers, err); ok {
		return &Error{Err: err, Msg: fmt.Sprintf("provider %s exited unexpectedly", name),
			Hint: "run the statement again; --debug shows the provider's last log lines"}
	}
	if pe, ok := provider.AsError(err); ok && pe.HTTPStatus == http.StatusUnauthorized && s.sandbox == nil {
		if st, ok := s.missingSecret(); ok {
			return &Error{Err: err, Msg: Message(err), Hint: fmt.Sprintf("no %s was found: %s", st.Description, st.Hint+parenthesized(st.Needs))}
		}
	}
	return err
}

// missingSecret is a secret setting some provider declared and was given
// no value for: what a refusal for want of credentials asks the user for.
func (s *Runner) missingSecret() (*schema.Setting, bool) {
	for _, rp := range s.Providers {
		if st, ok := rp.Settings.Secret(); ok && rp.Settings.Values[st.Name] == "" {
			return st, true
		}
	}
	return nil, false
}

// progressSink clears the progress line before a result set is written,
// so the two never share a line of the terminal.
type progressSink struct {
	rowset.Sink
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

// parenthesized is " (s)", or nothing for an empty s.
func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
