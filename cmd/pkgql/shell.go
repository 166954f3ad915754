package main

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/host"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/output"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/shell"
	"github.com/pkgql/pkgql/schema"
)

// shellOptions is how `pkgql shell` reads and keeps statements.
type shellOptions struct {
	// Interactive is standard input being a terminal: prompts, Ctrl-C
	// stopping a statement, bulk DELETEs asked about.
	Interactive bool
	// Editor is line editing, at a terminal on both ends.
	Editor bool
	// HistoryFile keeps typed statements; "" keeps none.
	HistoryFile string
	// Pager is the command long results go through; none when empty.
	Pager []string
}

// newCmdShell builds `pkgql shell`; runF, when set, runs in its place.
func (a *app) newCmdShell(runF func(context.Context, *shellOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "shell",
		Short: "Type statements interactively",
		Long: `Read statements from the terminal (or from standard input) and run each as soon
as it ends with ";". A statement may span lines. A failed statement is
reported and the shell goes on; the exit status is 1 if any failed.

On a terminal, lines are edited as in other shells: Tab completes keywords,
provider.service.resource names, columns, EXEC methods and their @params and
the values a param takes; Up and Ctrl-R recall statements typed before, kept
in $PKGQL_HISTORY (default ~/.pkgql/history, mode 0600; set it empty to keep
none). Statements that bind a param the schema declares secret (@token = …),
or hold the GitHub token in use or anything shaped like a GitHub token, are
never kept. Ctrl-C stops the running statement, Ctrl-D leaves. Results longer
than the terminal go through $PAGER (default less -FRX; PAGER= for none).

A DELETE whose WHERE matches packages by more than their full key lists the
packages and asks before deleting them (--yes answers in advance).

Commands: .help, .quit, .output FORMAT, .dryrun on|off, .timer on|off,
.pager on|off, .schema [RESOURCE], .history.`,
		Example: `  pkgql shell
  pkgql --sandbox shell
  pkgql shell -o json < statements.sql`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			interactive := isTerminal(a.stdin)
			opts := &shellOptions{
				Interactive: interactive,
				Editor:      interactive && isTerminal(a.stdout),
				HistoryFile: historyFile(a.env.lookup),
				Pager:       pagerCommand(a.env.lookup),
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return a.runShell(cmd.Context(), opts)
		},
	}
}

// runShell reads statements and runs each as it ends, until the input does.
func (a *app) runShell(ctx context.Context, opts *shellOptions) error {
	formats := make([]string, len(output.Formats))
	for i, f := range output.Formats {
		formats[i] = string(f)
	}
	var interrupts chan os.Signal // Ctrl-C, at a terminal only
	if opts.Interactive {
		interrupts = make(chan os.Signal, 1)
	}
	var ss *shellSession
	sh := shell.New(shell.Config{
		In:          a.stdin,
		Out:         a.stderr,
		Results:     a.stdout,
		Interactive: opts.Interactive,
		Editor:      opts.Editor,
		HistoryFile: opts.HistoryFile,
		Secrets: func() []string {
			if ss == nil {
				return nil
			}
			return ss.Secrets()
		},
		Catalog:   func() []*schema.Provider { return ss.Engine.Catalog() },
		Formats:   formats,
		Settings:  shell.Settings{Format: string(a.format), DryRun: a.opts.dryRun, Pager: true},
		Pager:     opts.Pager,
		Screen:    func() (int, int) { return terminalSize(a.stdout) },
		Interrupt: interrupts,
		Run:       func(ctx context.Context, req shell.Request) error { return ss.run(ctx, req) },
		Report:    a.report,
	})
	// Statements read from a pipe have nobody to ask: like exec, a
	// bulk DELETE there fails unless --yes confirmed it.
	var confirm func(context.Context, string) bool
	if opts.Interactive {
		confirm = sh.Confirm
	}
	s, err := a.openRunner(ctx, confirm)
	if err != nil {
		return err
	}
	ss = &shellSession{a: a, Runner: s, confirm: confirm}
	defer ss.close()
	if opts.Interactive {
		// At a terminal, Ctrl-C cancels the running statement and
		// the shell goes on: the shell takes SIGINT over from the
		// handler that ends the whole command (SIGTERM still does).
		signal.Reset(os.Interrupt)
		signal.Notify(interrupts, os.Interrupt)
		defer signal.Stop(interrupts)
	}
	failed, err := sh.Loop(ctx)
	if err != nil {
		return err
	}
	if failed > 0 {
		return alreadyReported{failed}
	}
	return nil
}

// shellSession runs the shell's scripts on a runner, in the output format
// and dry-run mode of the moment.
type shellSession struct {
	a *app
	*host.Runner
	confirm func(context.Context, string) bool
	// other is the same providers under an engine with the opposite
	// dry-run setting, made when .dryrun first asks for it.
	other *host.Runner
}

func (s *shellSession) run(ctx context.Context, req shell.Request) error {
	format, err := output.ParseFormat(req.Settings.Format)
	if err != nil {
		return err
	}
	// The token is hidden here, before the pager's buffer or the terminal.
	out := s.a.stderr.over(req.Out)
	defer out.Flush()
	opts := output.Options{Format: format, Out: out, NoHeaders: s.a.opts.noHeaders, Width: terminalWidth(s.a.stdout)}
	if format == output.Table && isTerminal(s.a.stdout) {
		// On the terminal, after the table, held for the pager with it.
		opts.Summary = out
	}
	sink, err := output.New(opts)
	if err != nil {
		return err
	}
	run := s.Runner
	if req.Settings.DryRun != s.a.opts.dryRun {
		if run, err = s.otherDryRun(); err != nil {
			return err
		}
	}
	return run.RunScript(ctx, req.Script, sink)
}

// otherDryRun returns the runner with the engine whose dry-run setting is
// the opposite of the command line's. The engine takes the setting once, so
// it is a second engine over the same provider processes.
func (s *shellSession) otherDryRun() (*host.Runner, error) {
	if s.other != nil {
		return s.other, nil
	}
	e, err := engine.New(s.EngineConfig(!s.a.opts.dryRun, s.confirm))
	if err != nil {
		return nil, err
	}
	other := *s.Runner
	other.Engine = e
	s.other = &other
	return s.other, nil
}

// close ends the runner; the second engine, if any, shares its providers.
func (s *shellSession) close() {
	if s.other != nil {
		if err := s.other.Engine.Close(); err != nil {
			s.a.logger.Warn("closing the engine", "error", err)
		}
	}
	s.Runner.Close()
}

// historyFile is $PKGQL_HISTORY, or ~/.pkgql/history; "" (PKGQL_HISTORY set
// empty, or no home directory) keeps no history.
func historyFile(lookup func(string) (string, bool)) string {
	if p, ok := lookup("PKGQL_HISTORY"); ok {
		return p
	}
	home, err := host.HomeDir(func(name string) string { v, _ := lookup(name); return v })
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".pkgql", "history")
}

// pagerCommand is $PAGER, or less -FRX (quit when the text fits the screen,
// keep colours, leave the text on the screen); PAGER set empty pages nothing.
func pagerCommand(lookup func(string) (string, bool)) []string {
	p, ok := lookup("PAGER")
	if !ok {
		p = "less -FRX"
	}
	return strings.Fields(p)
}

// terminalSize is w's size, or 0, 0 when w is not a terminal.
func terminalSize(w any) (width, height int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0, 0
	}
	width, height, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0, 0
	}
	return width, height
}
