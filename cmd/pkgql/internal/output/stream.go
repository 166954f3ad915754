package output

import "io"

// stream is the byte stream under the streaming formats (json, csv, text).
// Each result set writes through a fresh buffer that End flushes. When a
// statement fails, its result set never sees End: what is still buffered is
// dropped with the buffer, and if part of it had already reached the output
// the next result set first ends that line, so it starts on a line of its own.
type stream struct {
	out   countingWriter
	start int64 // bytes written when the current result set began
	open  bool
}

func newStream(w io.Writer) *stream { return &stream{out: countingWriter{w: w}} }

func (s *stream) begin() error {
	if s.open && s.out.n > s.start {
		if _, err := io.WriteString(&s.out, "\n"); err != nil {
			return err
		}
	}
	s.start, s.open = s.out.n, true
	return nil
}

func (s *stream) end() { s.open = false }

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
