package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/peterh/liner"
)

// errAborted is Ctrl-C at a prompt: what was typed on the line is dropped.
var errAborted = errors.New("input aborted")

// lineReader is where the shell's lines come from: the line editor on a
// terminal, or plain lines from a pipe, a file or a test.
type lineReader interface {
	// readLine shows prompt and returns the line typed, without its end of
	// line; io.EOF when the input ends (Ctrl-D), errAborted on Ctrl-C, or
	// ctx's error when ctx ends first.
	readLine(ctx context.Context, prompt string) (string, error)
	// remember makes an entry recallable with Up.
	remember(entry string)
	close()
}

// editor reads lines with liner on the process's terminal: editing keys,
// Up/Down and Ctrl-R through history, Tab completion.
type editor struct {
	st *liner.State
	// abandoned is set when ctx ended during a prompt: liner cannot stop a
	// prompt, so no other may start.
	abandoned bool
}

func newEditor(history []string, complete liner.WordCompleter) *editor {
	st := liner.NewLiner()
	st.SetCtrlCAborts(true)
	// Like readline: Tab completes as far as the candidates agree, a
	// second Tab lists them.
	st.SetTabCompletionStyle(liner.TabPrints)
	// Long SQL lines wrap instead of scrolling sideways.
	st.SetMultiLineMode(true)
	st.SetWordCompleter(complete)
	for _, h := range history {
		st.AppendHistory(h)
	}
	return &editor{st: st}
}

func (e *editor) readLine(ctx context.Context, prompt string) (string, error) {
	if e.abandoned {
		return "", context.Canceled
	}
	type read struct {
		line string
		err  error
	}
	done := make(chan read, 1)
	go func() {
		l, err := e.st.Prompt(prompt)
		done <- read{l, err}
	}()
	select {
	case r := <-done:
		if errors.Is(r.err, liner.ErrPromptAborted) {
			return "", errAborted
		}
		return r.line, r.err
	case <-ctx.Done():
		e.abandoned = true
		return "", ctx.Err()
	}
}

func (e *editor) remember(entry string) { e.st.AppendHistory(entry) }

// close gives the terminal back its own mode.
func (e *editor) close() { e.st.Close() }

// plainReader reads lines from any reader, with prompts on out when the
// shell is interactive (a terminal whose output is redirected).
type plainReader struct {
	out   io.Writer // nil: no prompts
	lines chan plainLine
	stop  chan struct{}
}

type plainLine struct {
	text string
	err  error // io.EOF at the end of the input
}

// newPlainReader starts reading in: a goroutine feeds the lines, so that
// a read blocked on the input can give way to ctx.
func newPlainReader(in io.Reader, out io.Writer) *plainReader {
	p := &plainReader{out: out, lines: make(chan plainLine), stop: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			select {
			case p.lines <- plainLine{text: strings.TrimSuffix(sc.Text(), "\r")}:
			case <-p.stop:
				return
			}
		}
		err := sc.Err()
		if err == nil {
			err = io.EOF
		}
		for {
			select {
			case p.lines <- plainLine{err: err}:
			case <-p.stop:
				return
			}
		}
	}()
	return p
}

func (p *plainReader) readLine(ctx context.Context, prompt string) (string, error) {
	if p.out != nil {
		fmt.Fprint(p.out, prompt)
	}
	select {
	case l := <-p.lines:
		return l.text, l.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// remember has nothing to do: plain input has no Up key.
func (p *plainReader) remember(string) {}

func (p *plainReader) close() { close(p.stop) }
