package githubtest

import (
	"context"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// designScript is every statement DESIGN.md shows.
const designScript = `
SELECT id, name, version_count, visibility
  FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'container' AND visibility = 'public'
 ORDER BY version_count DESC LIMIT 10;
SELECT package_type, COUNT(*) AS n, SUM(version_count) AS versions
  FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type IN ('npm', 'container') GROUP BY package_type;
SELECT name, JSON_EXTRACT(repository, '$.full_name') AS repo FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';
DELETE FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';
EXEC github.packages.user_packages.restore_package_for_user
     @username = 'octocat', @package_type = 'npm', @package_name = 'hello';
SHOW PROVIDERS; SHOW SERVICES IN github; SHOW RESOURCES IN github.packages;
SHOW METHODS IN github.packages.user_packages; DESCRIBE EXTENDED github.packages.user_packages;
EXPLAIN SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm';
`

// The design script runs end to end.
func TestDesignScript(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, engine.Config{})
	res, err := h.exec(designScript)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 11 {
		t.Fatalf("%d results", len(res))
	}
	if h.deleted("octocat", "npm", "hello") {
		t.Error("hello was deleted and not restored")
	}
}

// BenchmarkSelect reads 10,000 packages through the provider, HTTP and SQLite,
// filters and groups them.
func BenchmarkSelect(b *testing.B) {
	h := newHarness(b, sandbox.Options{Users: []sandbox.UserSeed{{Login: "big", Packages: 10000}}}, engine.Config{})
	sts, err := h.e.Prepare(`SELECT package_type, visibility, count(*), sum(version_count)
	  FROM github.packages.user_packages
	 WHERE username = 'big' AND package_type IN ('npm', 'maven', 'rubygems', 'docker', 'nuget', 'container')
	   AND version_count > 0 GROUP BY 1, 2`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c := &rowset.Table{}
		if err := h.e.Run(context.Background(), sts[0], c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(10000, "rows/op")
}
