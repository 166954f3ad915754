package github

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider"
)

// An answer larger than the provider reads, one cut short, and one whose
// JSON is cut short each fail with what happened, never as a host that
// could not be reached; the next call runs.
func TestBadBodies(t *testing.T) {
	t.Parallel()
	big := `[` + strings.Repeat(`{"id":1,"name":"x"},`, 1000) + `{"id":2}]`
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   string
	}{
		{"too large, with Content-Length", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			_, _ = w.Write([]byte(big))
		}, "is larger than"},
		{"too large, chunked", func(w http.ResponseWriter) {
			for range 4 {
				_, _ = w.Write([]byte(big[:len(big)/4]))
				w.(http.Flusher).Flush()
			}
		}, "is larger than"},
		{"cut short of its Content-Length", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte(`[{"id":1,"name":"x"`))
		}, "broke off after 19 of its 100 bytes"},
		{"JSON cut short", func(w http.ResponseWriter) {
			_, _ = w.Write([]byte(`[{"id":1,"name":"x"`))
		}, "(19 bytes) is not the JSON expected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.addPackages("octocat", "npm", 2, nil)
			f.addPackages("octocat", "maven", 1, nil)
			f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
				if r.URL.Query().Get("package_type") != "npm" {
					return false
				}
				w.Header().Set("Content-Type", "application/json")
				tc.answer(w)
				return true
			}
			p, _ := testProvider(t, f.srv.URL, 1, nil)
			p.policy.maxBody = 8 << 10
			if err := p.Configure(t.Context(), providerConfig(f.srv.URL)); err != nil {
				t.Fatal(err)
			}
			out := run(p, listReq("octocat", "npm"))
			pe := mustProviderError(t, out.err)
			if !strings.Contains(pe.Message, tc.want) || strings.Contains(pe.Message, "could not reach") {
				t.Errorf("%v", out.err)
			}
			if out := run(p, listReq("octocat", "maven")); out.err != nil {
				t.Errorf("the next call: %v", out.err)
			}
		})
	}
}

func providerConfig(base string) provider.Config {
	return provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}, Concurrency: 1}
}
