// Package shell is pkgql's interactive loop: it reads lines until they make
// complete statements (ended by ";" outside quotes and comments), hands them to
// the command line to run, and answers the engine's confirmation questions
// from the same input.
//
// It knows nothing of the engine or of output formats: Config.Run runs a
// script and Config.Report shows an error, so the loop can be driven by tests
// and by any input.
package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Config connects a shell to its input, its output and what runs statements.
type Config struct {
	In  io.Reader
	Out io.Writer // prompts, help and questions
	// Interactive shows prompts and a banner, and lets Confirm ask; when the
	// input is a file or a pipe nothing is asked and every question is no.
	Interactive bool
	// Run runs complete statements, already ended by ";".
	Run func(ctx context.Context, script string) error
	// Report shows the error of a statement that failed.
	Report func(err error)
}

// Shell is one session of the loop.
type Shell struct {
	cfg   Config
	lines chan line
}

type line struct {
	text string
	err  error // io.EOF at the end of the input
}

// New returns a shell; Loop starts reading.
func New(cfg Config) *Shell { return &Shell{cfg: cfg} }

const (
	prompt     = "pkgql> "
	continuing = "   ...> "
)

// Loop reads and runs statements until the input ends, a quit command, or ctx
// is done. It returns how many statements failed; its error is for input that
// could not be read, or ctx's error.
func (s *Shell) Loop(ctx context.Context) (failed int, err error) {
	s.lines = make(chan line)
	go s.read(ctx)
	if s.cfg.Interactive {
		fmt.Fprintln(s.cfg.Out, `pkgql shell: end statements with ";". Type .help for help, .quit to leave.`)
	}
	var pending strings.Builder
	for {
		if s.cfg.Interactive {
			if pending.Len() == 0 {
				fmt.Fprint(s.cfg.Out, prompt)
			} else {
				fmt.Fprint(s.cfg.Out, continuing)
			}
		}
		l, err := s.next(ctx)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return failed, err
			}
			if s.cfg.Interactive {
				fmt.Fprintln(s.cfg.Out)
			}
			// A last statement without ";" still runs, as it would in a file.
			if strings.TrimSpace(pending.String()) != "" && !s.run(ctx, pending.String()) {
				failed++
			}
			return failed, nil
		}
		if pending.Len() == 0 {
			switch cmd := strings.TrimSpace(l); cmd {
			case "":
				continue
			case ".quit", ".exit", `\q`, "quit", "exit":
				return failed, nil
			case ".help", `\?`, "help":
				fmt.Fprint(s.cfg.Out, helpText)
				continue
			}
		}
		pending.WriteString(l)
		pending.WriteByte('\n')
		if Complete(pending.String()) {
			if !s.run(ctx, pending.String()) {
				failed++
			}
			pending.Reset()
		}
	}
}

// run runs one script and says whether it succeeded.
func (s *Shell) run(ctx context.Context, script string) bool {
	if err := s.cfg.Run(ctx, script); err != nil {
		s.cfg.Report(err)
		return false
	}
	return true
}

// Confirm asks a yes/no question on Out and reads the answer from the input;
// it has the signature of the engine's Config.Confirm. Anything but y or yes
// is no, and so is every question when the shell is not interactive.
func (s *Shell) Confirm(ctx context.Context, question string) bool {
	if !s.cfg.Interactive || s.lines == nil {
		return false
	}
	fmt.Fprintf(s.cfg.Out, "%s [y/N] ", question)
	l, err := s.next(ctx)
	if err != nil {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(l)) {
	case "y", "yes":
		return true
	}
	return false
}

// read feeds the input's lines to the loop, so that the loop can stop on ctx
// while a read is blocked.
func (s *Shell) read(ctx context.Context) {
	sc := bufio.NewScanner(s.cfg.In)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		select {
		case s.lines <- line{text: sc.Text()}:
		case <-ctx.Done():
			return
		}
	}
	err := sc.Err()
	if err == nil {
		err = io.EOF
	}
	select {
	case s.lines <- line{err: err}:
	case <-ctx.Done():
	}
}

func (s *Shell) next(ctx context.Context) (string, error) {
	select {
	case l := <-s.lines:
		return l.text, l.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

const helpText = `Statements end with ";" and may span lines. For example:
  SHOW PROVIDERS;
  SHOW RESOURCES IN github.packages;
  DESCRIBE github.packages.user_packages;
  SELECT name, version_count FROM github.packages.user_packages
   WHERE username = 'octocat' AND package_type = 'npm';
  EXEC github.packages.user_packages.restore_package_for_user
       @username = 'octocat', @package_type = 'npm', @package_name = 'hello';
Commands:
  .help, \?         this help
  .quit, \q         leave (so does end of input, Ctrl-D)
`
