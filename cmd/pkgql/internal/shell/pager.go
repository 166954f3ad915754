package shell

import (
	"bytes"
	"fmt"
	"os/exec"

	"github.com/mattn/go-runewidth"
)

// Results longer than the terminal go through a pager ($PAGER, by default
// less -FRX: it quits by itself when the text fits, keeps colours, and
// leaves the text on the screen). To know the length, the results of a
// script are held until it ends; they are only held when Results is a
// terminal, so pipes and files get rows as they come.

// holding reports whether the results of the next script are held for the
// pager.
func (s *Shell) holding() bool {
	_, height := s.cfg.Screen()
	return s.set.Pager && len(s.cfg.Pager) > 0 && height > 0
}

// flush shows the results held so far.
func (s *Shell) flush() {
	if s.held == nil || s.held.Len() == 0 {
		return
	}
	s.show(s.held.Bytes())
	s.held.Reset()
}

// show writes results to the terminal, through the pager when they have
// more lines than the terminal has rows (the prompt needs the last one).
func (s *Shell) show(b []byte) {
	width, height := s.cfg.Screen()
	if height > 0 && screenLines(b, width) >= height {
		pager := exec.Command(s.cfg.Pager[0], s.cfg.Pager[1:]...)
		pager.Stdin = bytes.NewReader(b)
		pager.Stdout, pager.Stderr = s.cfg.Results, s.cfg.Out
		err := pager.Start()
		if err == nil {
			// Its exit status is the pager's own business (less exits 0
			// on q, other pagers differ): the text was shown.
			pager.Wait()
			return
		}
		fmt.Fprintf(s.cfg.Out, "pager %q could not start (%v): results are shown without it; set PAGER to another, or PAGER= for none\n", s.cfg.Pager[0], err)
		s.set.Pager = false
	}
	s.cfg.Results.Write(b)
}

// screenLines is how many rows of a terminal width columns wide text takes,
// long lines wrapping. width 0 counts lines only.
func screenLines(text []byte, width int) int {
	n := 0
	for line := range bytes.Lines(text) {
		w := runewidth.StringWidth(string(bytes.TrimRight(line, "\r\n")))
		if width <= 0 || w <= width {
			n++
			continue
		}
		n += (w + width - 1) / width
	}
	return n
}
