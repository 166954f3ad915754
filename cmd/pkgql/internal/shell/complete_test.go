package shell

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/pkgql/pkgql/provider/github"
	"github.com/pkgql/pkgql/schema"
)

// githubCatalog is the GitHub provider's own declaration, as the engine
// hands it to the shell.
var githubCatalog = sync.OnceValue(func() []*schema.Provider {
	p, err := github.New(nil).Schema(context.Background())
	if err != nil {
		panic(err)
	}
	return []*schema.Provider{p}
})

// cursor marks the cursor in the inputs; without it, the cursor is at the
// end.
const cursor = "‸"

func TestCompleter(t *testing.T) {
	t.Parallel()
	const from = "SELECT id FROM github.packages.user_packages WHERE "
	const exec = "EXEC github.packages.user_packages.restore_package_for_user "
	for _, tc := range []struct {
		input string
		want  []string
	}{
		// Keywords, in the case they are typed in.
		{"", []string{"SELECT ", "DELETE ", "EXEC ", "SHOW ", "DESCRIBE ", "EXPLAIN "}},
		{"sel", []string{"select "}},
		{"DEL", []string{"DELETE "}},
		{"DELETE ", []string{"FROM "}},
		{"EXPLAIN ", []string{"SELECT ", "DELETE ", "EXEC "}},
		{"SHOW ", []string{"PROVIDERS ", "SERVICES ", "RESOURCES ", "METHODS "}},
		{"show res", []string{"resources "}},
		{"SHOW RESOURCES ", []string{"IN "}},
		{"SHOW PROVIDERS ", nil},
		// Names, part by part: provider, service, resource.
		{"SELECT * FROM gi", []string{"github."}},
		{"SELECT * FROM github.", []string{"github.packages."}},
		{"SELECT * FROM github.packages.user_pa", []string{"github.packages.user_packages "}},
		{"select * from GitHub.Packages.u", []string{"GitHub.Packages.user_packages "}},
		{"DELETE FROM github.packages.u", []string{"github.packages.user_packages "}},
		{"DELETE FROM github.packages.", []string{"github.packages.user_packages ", "github.packages.packages ", "github.packages.package_versions ", "github.packages.docker_migration_packages "}},
		{"DESCRIBE github.packages.user_pa", []string{"github.packages.user_packages "}},
		{"DESCRIBE EXT", []string{"EXTENDED "}},
		{"DESCRIBE EXTENDED github.p", []string{"github.packages."}},
		{"SHOW SERVICES IN g", []string{"github "}},
		{"SHOW RESOURCES IN github.", []string{"github.packages "}},
		{"SHOW METHODS IN github.packages.u", []string{"github.packages.user_packages "}},
		{"SELECT * FROM gitlab.", nil},
		{"SELECT * FROM github.packages.user_packages.", nil},
		// Columns of the resource the statement names: fields and params,
		// the FROM after the cursor included.
		{"SELECT na" + cursor + " FROM github.packages.user_packages", []string{"name"}},
		{"SELECT id, ver" + cursor + "\n  FROM github.packages.user_packages", []string{"version_count"}},
		{from + "package_t", []string{"package_type"}},
		{from + "user", []string{"username"}},
		{from + "v", []string{"version_count", "visibility"}},
		{from + "username = 'octocat' OR", []string{"OR ", "ORDER BY "}},
		{"SELECT p.ver" + cursor + " FROM github.packages.user_packages p", []string{"p.version_count"}},
		{"SELECT x.ver" + cursor + " FROM github.packages.user_packages AS x", []string{"x.version_count"}},
		{"SELECT ver", nil}, // no resource named: no columns
		{"SELECT * FROM github.packages.user_packages; SELECT ver", nil},
		{"SELECT 1; SELECT id FROM github.packages.user_packages WHERE ver", []string{"version_count"}},
		{"SELECT 'a -- b', na" + cursor + " FROM github.packages.user_packages", []string{"name"}},
		// Values of params that list them.
		{from + "package_type = '", []string{"'npm'", "'maven'", "'rubygems'", "'docker'", "'nuget'", "'container'"}},
		{from + "package_type = 'c", []string{"'container'"}},
		{from + "package_type = \"r", []string{`"rubygems"`}},
		{from + "package_type IN ('npm', 'do", []string{"'docker'"}},
		{from + "visibility = ", []string{"'public'", "'private'", "'internal'"}},
		{from + "username = '", nil},
		// EXEC: the EXEC methods, then their @params not yet given, then
		// the values they take.
		{"EXEC github.packages.user_packages.", []string{"github.packages.user_packages.restore_package_for_user "}},
		{"EXEC github.packages.u", []string{"github.packages.user_packages."}},
		{exec, []string{"@package_name = ", "@package_type = ", "@username = ", "@token = "}},
		{exec + "@", []string{"@package_name = ", "@package_type = ", "@username = ", "@token = "}},
		{exec + "@username = 'octocat', @p", []string{"@package_name = ", "@package_type = "}},
		{exec + "@username = 'octocat', @package_type = 'n", []string{"'npm'", "'nuget'"}},
		{exec + "@package_type = ", []string{"'npm'", "'maven'", "'rubygems'", "'docker'", "'nuget'", "'container'"}},
		{"EXEC github.packages.user_packages.nope @", nil},
		// Inside a comment or a quoted name there is nothing to propose.
		{"SELECT /* gi", nil},
		{"SELECT `na", nil},
	} {
		text, pos := tc.input, len(tc.input)
		if i := strings.Index(text, cursor); i >= 0 {
			text, pos = text[:i]+text[i+len(cursor):], i
		}
		c := &completer{catalog: githubCatalog}
		start, got := c.complete(text, pos)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("complete(%q) = %q, want %q", tc.input, got, tc.want)
			continue
		}
		// Each candidate replaces the word the cursor ends.
		for _, g := range got {
			if word := text[start:pos]; !strings.HasPrefix(strings.ToLower(g), strings.ToLower(word)) && word != "" {
				t.Errorf("complete(%q): candidate %q does not extend %q", tc.input, g, word)
			}
		}
	}
}

// The editor hands the completer one line; the statement's earlier lines
// give it its context, and commands complete on their own.
func TestCompleteLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pending, line string
		pos           int // in runes; -1 for the end
		head          string
		want          []string
		tail          string
	}{
		{"SELECT name\n  FROM github.packages.user_packages\n", " WHERE user", -1, " WHERE ", []string{"username"}, ""},
		{"", "SELECT ñame, ver FROM github.packages.user_packages", 16, "SELECT ñame, ", []string{"version_count"}, " FROM github.packages.user_packages"},
		{"SELECT 'a\n", "b', na", -1, "b', ", nil, ""},
		{"SELECT '\n", "np", -1, "np", nil, ""}, // the word began on an earlier line
		{"", ".ou", -1, "", []string{".output "}, ""},
		{"", ".output j", -1, ".output ", []string{"json"}, ""},
		{"", ".dryrun o", -1, ".dryrun ", []string{"on", "off"}, ""},
		{"", ".schema github.packages.u", -1, ".schema ", []string{"github.packages.user_packages "}, ""},
		{"", ".timer on o", -1, ".timer on ", nil, ""},
	} {
		sh := New(Config{Catalog: githubCatalog, Formats: []string{"table", "json", "csv"}})
		sh.pending = tc.pending
		pos := tc.pos
		if pos < 0 {
			pos = len([]rune(tc.line))
		}
		head, got, tail := sh.completeLine(tc.line, pos)
		if tc.want == nil {
			if len(got) != 0 {
				t.Errorf("completeLine(%q after %q) = %q, want none", tc.line, tc.pending, got)
			}
			continue
		}
		if head != tc.head || strings.Join(got, "|") != strings.Join(tc.want, "|") || tail != tc.tail {
			t.Errorf("completeLine(%q after %q) = %q %q %q, want %q %q %q", tc.line, tc.pending, head, got, tail, tc.head, tc.want, tc.tail)
		}
	}
}
