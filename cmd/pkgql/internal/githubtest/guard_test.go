package githubtest

import (
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

const guardedDelete = "DELETE FROM github.packages.package_versions WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app' AND json_array_length(tags) = 0"

// TestImageGuard: deleting untagged container versions goes through the
// GitHub provider's image guard, which reads the registry: the versions
// that images still in use need are kept (22 of shipyard's app's 34), a
// registry that is down deletes nothing, and --allow-broken-images
// (SkipGuard) deletes them all.
func TestImageGuard(t *testing.T) {
	tests := []struct {
		name              string
		cfg               engine.Config
		down              bool
		wantErr           string
		deletes, refusals int
		checks            int
	}{
		{name: "registry down", cfg: engine.Config{Yes: true}, down: true, wantErr: "nothing was deleted", checks: 1},
		{name: "dry run", cfg: engine.Config{DryRun: true}, checks: 1, refusals: 22},
		{name: "guarded", cfg: engine.Config{Yes: true}, wantErr: "22 refused", checks: 1, deletes: 12, refusals: 22},
		{name: "skip guard", cfg: engine.Config{Yes: true, SkipGuard: true}, deletes: 34},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, sandbox.Options{}, tt.cfg)
			h.sb.Registry().SetDown(tt.down)
			res, err := h.exec(guardedDelete)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			checks, deletes, firstDelete, lastCheck := 0, 0, -1, -1
			for i, req := range h.rec.requests() {
				switch {
				case req.Check:
					checks++
					lastCheck = i
					if len(req.Keys) != 34 {
						t.Errorf("the check got %d keys, want the statement's 34", len(req.Keys))
					}
				case strings.HasPrefix(req.Method, "delete_"):
					deletes++
					if firstDelete < 0 {
						firstDelete = i
					}
				}
			}
			if checks != tt.checks || deletes != tt.deletes || (firstDelete >= 0 && firstDelete < lastCheck) {
				t.Errorf("%d checks, %d deletes (first at %d, check at %d); want %d, %d", checks, deletes, firstDelete, lastCheck, tt.checks, tt.deletes)
			}
			refused := 0
			for _, r := range res {
				for _, row := range r.rows {
					for _, v := range row {
						if s, ok := v.(string); ok && (strings.HasPrefix(s, "kept: ") || strings.Contains(s, " of ")) {
							refused++
							break
						}
					}
				}
			}
			if refused != tt.refusals {
				t.Errorf("%d rows refused, want %d", refused, tt.refusals)
			}
		})
	}
}
