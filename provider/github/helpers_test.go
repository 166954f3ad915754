package github

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// seeded is a sandbox user with n generated packages of one type, then the
// named packages of that type, in listing order.
func seeded(login, typ string, n int, names ...string) sandbox.UserSeed {
	u := sandbox.UserSeed{Login: login, Packages: n, Type: typ}
	for _, name := range names {
		u.Extra = append(u.Extra, sandbox.Package{Name: name, PackageType: typ, VersionCount: 2, Downloads: 10,
			Repository: &sandbox.Repository{Name: "app"}})
	}
	return u
}

// sandboxJSON is the sandbox's own answer to GET base+uri, read from a twin
// built from the same Options (the data is deterministic), so that the
// sandbox under test counts no request for it. A listing is read whole,
// following its pages, and its objects returned in order.
func sandboxJSON(t testing.TB, opts sandbox.Options, base, uri string) []json.RawMessage {
	t.Helper()
	client := &http.Client{Transport: sandbox.New(opts).Transport()}
	var out []json.RawMessage
	for next := base + uri; next != ""; {
		res, err := client.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s %v", next, res.StatusCode, body, err)
		}
		if body[0] != '[' {
			return []json.RawMessage{body}
		}
		var page []json.RawMessage
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		next = ""
		if l := parseLinks(res.Header.Get("Link"))["next"]; l != "" {
			next = l
		}
	}
	return out
}

// parseLinks reads a Link header into its URLs by rel.
func parseLinks(header string) map[string]string {
	links := map[string]string{}
	for _, l := range strings.Split(header, ",") {
		u, rel, ok := strings.Cut(strings.TrimSpace(l), ">; rel=")
		if ok {
			links[strings.Trim(rel, `"`)] = strings.TrimPrefix(u, "<")
		}
	}
	return links
}

// checkRow compares a row of all fields with the package object the sandbox
// sent: scalars by value, owner and repository byte for byte.
func checkRow(t testing.TB, row []any, obj json.RawMessage) {
	t.Helper()
	var p map[string]json.RawMessage
	if err := json.Unmarshal(obj, &p); err != nil {
		t.Fatal(err)
	}
	str := func(k string) any {
		var s string
		if err := json.Unmarshal(p[k], &s); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		return s
	}
	num := func(k string) any {
		var n int64
		if err := json.Unmarshal(p[k], &n); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		return n
	}
	var repo any = provider.JSON(p["repository"])
	if string(p["repository"]) == "null" {
		repo = nil
	}
	want := []any{num("id"), str("name"), str("created_at"), str("html_url"), provider.JSON(p["owner"]), str("package_type"), repo,
		str("updated_at"), str("url"), num("version_count"), str("visibility")}
	if len(row) != len(want) {
		t.Fatalf("row has %d values, want %d", len(row), len(want))
	}
	for i := range want {
		switch w := want[i].(type) {
		case provider.JSON:
			g, ok := row[i].(provider.JSON)
			if !ok || string(g) != string(w) {
				t.Fatalf("value %d = %v (%T), want %s", i, row[i], row[i], w)
			}
		default:
			if row[i] != w {
				t.Fatalf("value %d = %v (%T), want %v (%T)", i, row[i], row[i], w, w)
			}
		}
	}
}

// arrived counts the requests that reached the sandbox, answered or not.
func arrived(sb *sandbox.Server) int {
	st := sb.Stats()
	return st.Total + st.InFlight
}

// requestLines are the sandbox's log as "METHOD /escaped/path?query".
func requestLines(sb *sandbox.Server) []string {
	var out []string
	for _, r := range sb.Log() {
		l := r.Method + " " + r.Path
		if r.Query != "" {
			l += "?" + r.Query
		}
		out = append(out, l)
	}
	return out
}

// testToken is what tests configure; it must never appear in any output.
const testToken = "ghp_TESTTOKEN0123456789abcdefTESTTOKEN"

// sleeps records the waits the retry policy asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
	// hook, when set, runs at each wait (to change the world between tries).
	hook func(n int)
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	n := len(s.d)
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// testProvider returns a provider configured for base, whose waits are
// recorded rather than slept.
func testProvider(t testing.TB, base string, concurrency int, logger hclog.Logger) (*Provider, *sleeps) {
	t.Helper()
	p := New(logger)
	s := &sleeps{}
	p.policy.sleep = s.sleep
	p.policy.jitter = func(time.Duration) time.Duration { return 0 }
	p.policy.maxWait = 10 * time.Second
	if err := p.Configure(context.Background(), provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}, Concurrency: concurrency}); err != nil {
		t.Fatal(err)
	}
	return p, s
}

// result is what a Call produced.
type result struct {
	rows    [][]any
	batches []provider.Batch
	res     provider.Result
	err     error
}

func run(p *Provider, req provider.Request) result {
	var out result
	out.res, out.err = p.Call(context.Background(), req, func(b provider.Batch) error {
		out.batches = append(out.batches, b)
		out.rows = append(out.rows, b.Rows...)
		return nil
	})
	return out
}

func listReq(user, ptype string) provider.Request {
	return provider.Request{Service: "packages", Resource: "user_packages", Method: "list_packages_for_user", Params: map[string]string{"username": user, "package_type": ptype}}
}

func pkgReq(method, user, ptype, name string) provider.Request {
	return provider.Request{Service: "packages", Resource: "user_packages", Method: method, Params: map[string]string{"username": user, "package_type": ptype, "package_name": name}}
}

// mustProviderError asserts err is a provider.Error.
func mustProviderError(t *testing.T, err error) *provider.Error {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got none")
	}
	pe, ok := provider.AsError(err)
	if !ok {
		t.Fatalf("want a provider.Error, got %T: %v", err, err)
	}
	return pe
}
