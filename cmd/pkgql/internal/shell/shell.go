package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pkgql/pkgql/schema"
)

// Config connects a shell to its input, its output and what runs statements.
type Config struct {
	// In is read line by line, unless Editor is set.
	In io.Reader
	// Out receives prompts (without Editor), help, questions and notices.
	Out io.Writer
	// Results receives the result sets (the command's standard output).
	Results io.Writer
	// Interactive shows prompts and a banner, and lets Confirm ask; when the
	// input is a file or a pipe nothing is asked and every question is no.
	Interactive bool
	// Editor reads lines with the line editor on the process's own terminal
	// (standard input and output, which must both be terminals), with
	// history and Tab completion. It implies Interactive; In is not read.
	Editor bool
	// HistoryFile keeps the Editor's history across runs; "" keeps none.
	HistoryFile string
	// Catalog returns the providers' schemas, for completion and .schema.
	Catalog func() []*schema.Provider
	// Formats are the output formats .output accepts.
	Formats []string
	// Settings are those the shell starts with.
	Settings Settings
	// Pager is the command (name and arguments) that results longer than
	// the terminal go through; empty: none.
	Pager []string
	// Screen returns the size of the terminal Results writes to, or 0, 0
	// when Results is not a terminal (nothing is paged then).
	Screen func() (width, height int)
	// Interrupt delivers Ctrl-C (SIGINT) while a statement runs: it cancels
	// the statement, and the shell goes on.
	Interrupt <-chan os.Signal
	// Run runs complete statements, as Request says.
	Run func(ctx context.Context, req Request) error
	// Report shows the error of a statement or a command that failed.
	Report func(err error)
}

// Settings are what the meta commands change.
type Settings struct {
	Format string // .output
	DryRun bool   // .dryrun
	Timer  bool   // .timer
	Pager  bool   // .pager
}

// Request is a script for Config.Run to run.
type Request struct {
	Script string // complete statements, ended by ";"
	// Out is where the result sets go: Config.Results, or a buffer that
	// the pager will read.
	Out      io.Writer
	Settings Settings
}

// ErrCancelled reports a statement that Ctrl-C stopped.
var ErrCancelled = errors.New("the statement was cancelled (Ctrl-C)")

// Shell is one session of the loop.
type Shell struct {
	cfg     Config
	set     Settings
	comp    *completer
	in      lineReader // nil outside Loop
	hist    *history
	pending string        // the statement being typed, over lines
	held    *bytes.Buffer // results held for the pager while a script runs
	asking  time.Duration // spent waiting for answers while a script runs
	failed  int
}

// New returns a shell; Loop starts reading.
func New(cfg Config) *Shell {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Results == nil {
		cfg.Results = io.Discard
	}
	if cfg.Screen == nil {
		cfg.Screen = func() (int, int) { return 0, 0 }
	}
	if cfg.Catalog == nil {
		cfg.Catalog = func() []*schema.Provider { return nil }
	}
	cfg.Interactive = cfg.Interactive || cfg.Editor
	return &Shell{cfg: cfg, set: cfg.Settings, comp: &completer{catalog: cfg.Catalog}, hist: &history{}}
}

const (
	prompt     = "pkgql> "
	continuing = "   ...> "
)

// Loop reads and runs statements and commands until the input ends, a quit
// command, or ctx is done. It returns how many failed; its error is for
// input that could not be read, or ctx's error.
func (s *Shell) Loop(ctx context.Context) (failed int, err error) {
	s.in = s.open()
	defer func() {
		s.in.close()
		s.in = nil
	}()
	if s.cfg.Interactive {
		fmt.Fprintln(s.cfg.Out, `pkgql shell: end statements with ";". Type .help for help, .quit to leave.`)
	}
	for {
		p := prompt
		if s.pending != "" {
			p = continuing
		}
		line, err := s.in.readLine(ctx, p)
		switch {
		case errors.Is(err, errAborted):
			s.pending = ""
			continue
		case errors.Is(err, io.EOF):
			s.end(ctx)
			return s.failed, nil
		case err != nil:
			return s.failed, err
		}
		if s.pending == "" && isMeta(line) {
			s.remember(line)
			if err := s.meta(ctx, line); errors.Is(err, errQuit) {
				return s.failed, nil
			} else if err != nil {
				s.fail(err)
			}
			continue
		}
		if s.pending == "" && strings.TrimSpace(line) == "" {
			continue
		}
		s.pending += line + "\n"
		done, rest := split(s.pending)
		if done == "" {
			continue
		}
		s.pending = rest
		if strings.TrimSpace(rest) == "" {
			s.pending = ""
		}
		s.remember(done)
		if !empty(done) {
			if err := s.run(ctx, done); err != nil {
				s.fail(err)
			}
		}
	}
}

// open chooses where lines come from. The Editor loads the history file;
// one that cannot be read leaves the session without a file.
func (s *Shell) open() lineReader {
	if !s.cfg.Editor {
		var prompts io.Writer
		if s.cfg.Interactive {
			prompts = s.cfg.Out
		}
		return newPlainReader(s.cfg.In, prompts)
	}
	h, err := loadHistory(s.cfg.HistoryFile, secretsOf(s.cfg.Catalog()))
	if err != nil {
		fmt.Fprintf(s.cfg.Out, "history: %v; this session's statements will not be kept\n", err)
	}
	s.hist = h
	return newEditor(h.entries, s.completeLine)
}

// end is the end of the input. A statement left without its ";" runs when
// it comes from a file or a pipe, as it would in a script; typed at a
// terminal and left with Ctrl-D, it is dropped.
func (s *Shell) end(ctx context.Context) {
	rest := s.pending
	s.pending = ""
	if s.cfg.Interactive {
		fmt.Fprintln(s.cfg.Out)
		if strings.TrimSpace(rest) != "" {
			fmt.Fprintln(s.cfg.Out, `(the statement without ";" was not run)`)
		}
		return
	}
	if !empty(rest) {
		if err := s.run(ctx, rest); err != nil {
			s.fail(err)
		}
	}
}

func (s *Shell) fail(err error) {
	s.cfg.Report(err)
	s.failed++
}

// remember keeps what was typed in the history, without credentials.
func (s *Shell) remember(typed string) {
	for _, e := range historyEntries(typed, secretsOf(s.cfg.Catalog())) {
		if err := s.hist.add(e); err != nil {
			fmt.Fprintf(s.cfg.Out, "history: %v; this session's statements will not be kept\n", err)
			s.hist.path = ""
		}
		s.in.remember(e)
	}
}

// run runs a script: results held for the pager when the terminal wants
// them, Ctrl-C cancelling it, its time shown when .timer is on.
func (s *Shell) run(ctx context.Context, script string) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var interrupted atomic.Bool
	if s.cfg.Interrupt != nil {
		// A Ctrl-C that came while nothing ran (in the pager, say) is
		// not for this statement.
		for len(s.cfg.Interrupt) > 0 {
			<-s.cfg.Interrupt
		}
		stop, stopped := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(stopped)
			select {
			case <-s.cfg.Interrupt:
				interrupted.Store(true)
				cancel()
			case <-stop:
			}
		}()
		// No watcher outlives its statement to take the next one's Ctrl-C.
		defer func() { close(stop); <-stopped }()
	}
	out := s.cfg.Results
	if s.holding() {
		s.held = &bytes.Buffer{}
		out = s.held
	}
	begin := time.Now()
	s.asking = 0
	err := s.cfg.Run(runCtx, Request{Script: script, Out: out, Settings: s.set})
	elapsed := time.Since(begin) - s.asking // the user's thinking is not the statement's time
	s.flush()
	s.held = nil
	if s.set.Timer {
		fmt.Fprintf(s.cfg.Out, "Time: %.3f ms\n", float64(elapsed.Microseconds())/1000)
	}
	if err != nil && interrupted.Load() && ctx.Err() == nil {
		return ErrCancelled
	}
	return err
}

// Confirm asks a yes/no question and reads the answer from the terminal;
// it has the signature of the engine's Config.Confirm. Anything but y or
// yes is no, and so is Ctrl-C, the end of the input, and every question
// when the shell is not interactive. The question's last line is the
// prompt; the lines before it are printed first, after the results so far.
func (s *Shell) Confirm(ctx context.Context, question string) bool {
	if !s.cfg.Interactive || s.in == nil {
		return false
	}
	s.flush()
	lines := strings.Split(strings.TrimRight(question, "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		fmt.Fprintln(s.cfg.Out, l)
	}
	asked := time.Now()
	answer, err := s.in.readLine(ctx, lines[len(lines)-1]+" [y/N] ")
	s.asking += time.Since(asked)
	if err != nil {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true
	}
	return false
}

// completeLine is the Editor's Tab: line is the line being edited, pos the
// cursor in runes. The statement's earlier lines count too.
func (s *Shell) completeLine(line string, pos int) (head string, completions []string, tail string) {
	r := []rune(line)
	before, after := string(r[:pos]), string(r[pos:])
	if s.pending == "" && isMeta(before) {
		start, c := s.completeMeta(before)
		return before[:start], c, after
	}
	off := len(s.pending)
	start, c := s.comp.complete(s.pending+before+after, off+len(before))
	if start < off {
		return before, nil, after // the word began on an earlier line
	}
	return before[:start-off], c, after
}
