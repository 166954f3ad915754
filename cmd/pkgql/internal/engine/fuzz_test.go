package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

// FuzzPrepare feeds the statement reader anything: it must answer with
// statements or an *Error, never panic, and never call a provider. The seed
// corpus in testdata/fuzz/FuzzPrepare runs with every `go test`.
func FuzzPrepare(f *testing.F) {
	h := newHarness(f, testprovider.Options{}, Config{})
	f.Fuzz(func(t *testing.T, script string) {
		sts, err := h.e.Prepare(script)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Message == "" {
				t.Fatalf("%q: %v is not an *Error", script, err)
			}
			if e.Line < 0 || e.Column < 0 || e.Statement < 0 {
				t.Fatalf("%q: error placed at %d:%d", script, e.Line, e.Column)
			}
			return
		}
		for _, st := range sts {
			if st.Text() == "" || !strings.Contains(script, st.Text()) {
				t.Fatalf("%q: statement text %q", script, st.Text())
			}
		}
		if n := len(h.calls()); n != 0 {
			t.Fatalf("%q: Prepare made %d calls", script, n)
		}
	})
}
