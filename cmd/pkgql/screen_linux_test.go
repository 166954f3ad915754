package main

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// screen is what a terminal shows after a program wrote to it: enough of a
// VT100 for what pkgql writes (text, carriage returns, line wraps, erasing and
// moving within a line), so that a progress line drawn and cleared leaves
// nothing, as it leaves nothing on a reader's terminal.
type screen struct {
	width    int
	lines    [][]rune
	wrapped  []bool // the line goes on from the one above: the terminal wrapped it
	row, col int
	wrap     bool // the cursor is past the last column: the next rune wraps
	pending  []byte
}

func newScreen(width int) *screen {
	return &screen{width: width, lines: [][]rune{nil}, wrapped: []bool{false}}
}

func (s *screen) Write(p []byte) (int, error) {
	b := append(s.pending, p...)
	s.pending = nil
	for len(b) > 0 {
		switch c := b[0]; {
		case c == 0x1b:
			n, ok := s.escape(b)
			if !ok {
				s.pending = append([]byte(nil), b...)
				return len(p), nil
			}
			b = b[n:]
		case c == '\r':
			s.col, s.wrap = 0, false
			b = b[1:]
		case c == '\n':
			s.down()
			s.col, s.wrap = 0, false
			b = b[1:]
		case c == '\b':
			if s.col > 0 {
				s.col--
			}
			s.wrap = false
			b = b[1:]
		case c == '\t':
			// Kept as itself, one cell wide: the pages show tab-separated
			// output with its tabs, as it is when copied from a terminal.
			s.put('\t')
			b = b[1:]
		case c < 0x20 || c == 0x7f:
			b = b[1:]
		default:
			if !utf8.FullRune(b) {
				s.pending = append([]byte(nil), b...)
				return len(p), nil
			}
			r, n := utf8.DecodeRune(b)
			s.put(r)
			b = b[n:]
		}
	}
	return len(p), nil
}

func (s *screen) down() {
	s.row++
	for len(s.lines) <= s.row {
		s.lines = append(s.lines, nil)
		s.wrapped = append(s.wrapped, false)
	}
}

func (s *screen) put(r rune) {
	if s.wrap {
		s.down()
		s.col, s.wrap = 0, false
		s.wrapped[s.row] = true
	}
	line := s.lines[s.row]
	for len(line) <= s.col {
		line = append(line, ' ')
	}
	line[s.col] = r
	s.lines[s.row] = line
	if s.col == s.width-1 {
		s.wrap = true
	} else {
		s.col++
	}
}

// escape applies the control sequence at the start of b and says how long it
// is; ok is false when b ends inside it.
func (s *screen) escape(b []byte) (n int, ok bool) {
	if len(b) < 2 {
		return 0, false
	}
	if b[1] != '[' {
		return 2, true // a two-byte sequence: nothing pkgql's output needs
	}
	i := 2
	for i < len(b) && (b[i] < 0x40 || b[i] > 0x7e) {
		i++
	}
	if i == len(b) {
		return 0, false
	}
	params, final := string(b[2:i]), b[i]
	arg := func(def int) int {
		first, _, _ := strings.Cut(strings.TrimPrefix(params, "?"), ";")
		if v, err := strconv.Atoi(first); err == nil {
			return v
		}
		return def
	}
	line := s.lines[s.row]
	switch final {
	case 'K':
		switch arg(0) {
		case 0:
			if s.col < len(line) {
				s.lines[s.row] = line[:s.col]
			}
		case 1:
			for j := 0; j <= s.col && j < len(line); j++ {
				line[j] = ' '
			}
		case 2:
			s.lines[s.row] = nil
		}
	case 'G':
		s.col, s.wrap = min(max(arg(1)-1, 0), s.width-1), false
	case 'C':
		s.col, s.wrap = min(s.col+arg(1), s.width-1), false
	case 'D':
		s.col, s.wrap = max(s.col-arg(1), 0), false
	case 'A':
		s.row, s.wrap = max(s.row-arg(1), 0), false
	case 'B':
		for range arg(1) {
			s.down()
		}
		s.wrap = false
	}
	return i + 1, true
}

// String is the screen's text, each line without trailing blanks. A line the
// terminal wrapped is one line, as it is when copied from the terminal.
func (s *screen) String() string {
	var lines []string
	for i, l := range s.lines {
		if i > 0 && s.wrapped[i] {
			lines[len(lines)-1] += string(l)
		} else {
			lines = append(lines, string(l))
		}
	}
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}
