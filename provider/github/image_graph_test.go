package github

import (
	"context"
	"testing"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// TestGraphProgress: a statement reading the image graph reports its
// registry requests while it sends them, before its rows, and its last
// report counts every request the sandbox's registry and API answered.
func TestGraphProgress(t *testing.T) {
	t.Parallel()
	params := map[string]string{"org": "shipyard", "package_type": "container", "package_name": "app"}
	key := map[string]string{"package_version_id": "1"}
	for k, v := range params {
		key[k] = v
	}
	for _, tt := range []struct {
		name  string
		cols  []string
		check bool
		opts  sandbox.Options
	}{
		{name: "in_use, referrers API", cols: []string{"id", "in_use"}},
		{name: "in_use, no referrers API", cols: []string{"id", "in_use"}, opts: sandbox.Options{NoReferrersAPI: true}},
		{name: "platform", cols: []string{"id", "platform"}},
		{name: "the guard's check", check: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb, base := startSandbox(t, tt.opts)
			p := New(nil)
			if err := p.Configure(context.Background(), provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingRegistryURL: base}, Concurrency: 4}); err != nil {
				t.Fatal(err)
			}
			req := provider.Request{Service: "packages", Resource: "package_versions", Method: "get_all_package_versions_for_package_owned_by_org",
				Params: params, Columns: tt.cols}
			if tt.check {
				req = provider.Request{Service: "packages", Resource: "package_versions", Method: "delete_package_version_for_org",
					Check: true, Keys: []map[string]string{key}}
			}
			out := run(p, req)
			if out.err != nil {
				t.Fatal(out.err)
			}
			registryTotal := 0
			for _, n := range sb.Registry().Stats() {
				registryTotal += n
			}
			var last provider.Progress
			early := 0
			for _, b := range out.batches {
				if b.Progress == nil {
					continue
				}
				if b.Progress.RegistryRequests < last.RegistryRequests {
					t.Errorf("registry requests went back from %d to %d", last.RegistryRequests, b.Progress.RegistryRequests)
				}
				if len(b.Rows) == 0 && b.Progress.RegistryRequests > 0 {
					early++
					// The one listing is made before the registry is read.
					if b.Progress.Requests != b.Progress.RegistryRequests+1 {
						t.Errorf("a report counts %d requests, %d to the registry", b.Progress.Requests, b.Progress.RegistryRequests)
					}
				}
				last = *b.Progress
			}
			if early == 0 || last.RegistryRequests != int64(registryTotal) || last.Requests != int64(registryTotal+sb.Stats().Total) || out.res.Requests != last.Requests {
				t.Errorf("%d reports before the rows; last %+v, result %+v; the registry answered %d (%v), the API %d",
					early, last, out.res, registryTotal, sb.Registry().Stats(), sb.Stats().Total)
			}
		})
	}
}
