package github

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// An answer larger than the provider reads, one cut short, and one whose
// JSON is cut short each fail with what happened, never as a host that
// could not be reached; the next call runs.
func TestBadBodies(t *testing.T) {
	t.Parallel()
	big := `[` + strings.Repeat(`{"id":1,"name":"x"},`, 1000) + `{"id":2}]`
	for _, tc := range []struct {
		name   string
		answer sandbox.Fault
		want   string
	}{
		{"too large, with Content-Length", sandbox.Fault{Header: header("Content-Length", strconv.Itoa(len(big))), Body: big}, "is larger than"},
		// Without a Content-Length, net/http sends a body this large chunked.
		{"too large, chunked", sandbox.Fault{Body: big}, "is larger than"},
		{"cut short of its Content-Length", sandbox.Fault{Header: header("Content-Length", "100"), Body: `[{"id":1,"name":"x"`}, "broke off after 19 of its 100 bytes"},
		{"JSON cut short", sandbox.Fault{Body: `[{"id":1,"name":"x"`}, "(19 bytes) is not the JSON expected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sb, base := startSandbox(t, sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "maven", 1)}})
			fault := tc.answer
			fault.Query, fault.Status = map[string]string{"package_type": "npm"}, http.StatusOK
			sb.SetFaults(fault)
			p, _ := testProvider(t, base, 1, nil)
			p.policy.maxBody = 8 << 10
			if err := p.Configure(t.Context(), providerConfig(base)); err != nil {
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
