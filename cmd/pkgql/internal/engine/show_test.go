package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider/github/sandbox"
	"github.com/pkgql/pkgql/schema"
)

// SHOW and DESCRIBE answer from the schema the provider declared, and call
// nothing.
func TestShowDescribe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	p := h.e.Catalog()[0]
	r, _ := p.Service("packages")
	up, _ := r.Resource("user_packages")

	var rows [][]any
	for _, m := range up.Methods {
		rows = append(rows, []any{m.Name, string(m.Verb), strings.Join(m.Required, ", "), strings.Join(m.Optional, ", "), m.Route.String(), m.Description})
	}
	var resources [][]any
	for _, res := range r.Resources {
		resources = append(resources, []any{"github.packages." + res.Name, res.Title, res.Description})
	}
	var fields [][]any
	for _, f := range up.Fields {
		fields = append(fields, []any{f.Name, string(f.Type), f.Description})
	}
	cases := []struct {
		sql  string
		cols []string
		rows [][]any
	}{
		{"SHOW PROVIDERS", []string{"name", "version", "description"}, [][]any{{p.Name, p.Version, p.Description}}},
		{"show services in GITHUB", []string{"name", "title", "description"}, [][]any{{"github.packages", r.Title, r.Description}}},
		{"SHOW SERVICES", []string{"name", "title", "description"}, [][]any{{"github.packages", r.Title, r.Description}}},
		{"SHOW RESOURCES IN github.packages", []string{"name", "title", "description"}, resources},
		{"SHOW RESOURCES IN github", []string{"name", "title", "description"}, resources},
		{"SHOW METHODS IN github.packages.user_packages", []string{"name", "verb", "required", "optional", "http", "description"}, rows},
		{"SHOW METHODS IN packages.user_packages", []string{"name", "verb", "required", "optional", "http", "description"}, rows},
		{"DESCRIBE github.packages.user_packages", []string{"name", "type", "description"}, fields},
		{"DESC packages.user_packages", []string{"name", "type", "description"}, fields},
	}
	for _, c := range cases {
		got := h.one(c.sql)
		var names []string
		for _, col := range got.cols {
			names = append(names, col.Name)
			if col.Type != schema.String {
				t.Errorf("%s: column %s is %s", c.sql, col.Name, col.Type)
			}
		}
		if !slices.Equal(names, c.cols) {
			t.Errorf("%s: columns %v, want %v", c.sql, names, c.cols)
		}
		if !slices.EqualFunc(got.rows, c.rows, slices.Equal) {
			t.Errorf("%s:\n got %v\nwant %v", c.sql, got.rows, c.rows)
		}
	}

	ext := h.one("DESCRIBE EXTENDED github.packages.user_packages")
	byName := map[string][]any{}
	for _, row := range ext.rows {
		byName[row[0].(string)] = row
	}
	if len(ext.rows) != len(up.Fields)+len(up.HiddenParams())+len(up.Methods) {
		t.Errorf("DESCRIBE EXTENDED has %d rows", len(ext.rows))
	}
	if row := byName["package_type"]; row[2] != "field, param" || !strings.Contains(row[3].(string), "list_packages_for_user") ||
		row[5] != "npm, maven, rubygems, docker, nuget, container" {
		t.Errorf("package_type: %v", row)
	}
	if row := byName["delete_package_for_user"]; row[2] != "method" || row[5] != "read:packages, delete:packages" ||
		row[6] != "DELETE /users/{username}/packages/{package_type}/{package_name} · https://docs.github.com/rest/packages/packages#delete-a-package-for-a-user" {
		t.Errorf("delete_package_for_user: %v", row)
	}
	if row := byName["visibility"]; row[2] != "field, param" || row[4] != "list_packages_for_user" {
		t.Errorf("visibility: %v", row)
	}
	if row := byName["username"]; row[2] != "param" || row[3] != "get_package_for_user, list_packages_for_user, delete_package_for_user, restore_package_for_user" {
		t.Errorf("username: %v", row)
	}
	if row := byName["token"]; row[2] != "param" || row[4] != "restore_package_for_user" {
		t.Errorf("token: %v", row)
	}
	if n := len(h.rec.requests()); n != 0 {
		t.Errorf("%d calls", n)
	}
}

// EXPLAIN shows the method, the calls, what is pushed down and what the host
// does, and calls nothing.
func TestExplain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	cases := []struct {
		sql  string
		want []string
	}{
		{`EXPLAIN SELECT id, name FROM github.packages.user_packages
		   WHERE username = 'octocat' AND package_type = 'container' AND visibility = 'public'
		   ORDER BY version_count DESC LIMIT 10`, []string{
			"github.packages.user_packages AS user_packages",
			"  method: list_packages_for_user (GET /users/{username}/packages)",
			"  calls: 1",
			"    GET /users/octocat/packages?package_type=container&visibility=public",
			"  pushed down to the calls: package_type = 'container', username = 'octocat', visibility = 'public' (checked again on the host)",
			"  filtered on the host: visibility = 'public'",
			"on the host (SQLite): order by version_count desc, limit 10",
			`SQLite: select "user_packages"."id", "user_packages"."name" from "github.packages.user_packages" AS "user_packages" where "user_packages"."username" = ? and "user_packages"."package_type" = ? and "user_packages"."visibility" = ? order by "user_packages"."version_count" desc limit 10`,
			"  with 'octocat', 'container', 'public'",
		}},
		{`EXPLAIN SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' LIMIT 5`, []string{
			"  pushed down to the calls: package_type = 'npm', username = 'octocat', LIMIT 5",
			"on the host (SQLite): limit 5 (also pushed down)",
		}},
		{`EXPLAIN SELECT name FROM github.packages.user_packages WHERE username IN ('octocat', 'hubot') AND package_type = 'npm' AND package_name = 'hello'`, []string{
			"  method: get_package_for_user (GET /users/{username}/packages/{package_type}/{package_name})",
			"  calls: 2",
			"    GET /users/octocat/packages/npm/hello",
			"    GET /users/hubot/packages/npm/hello",
		}},
		{`EXPLAIN SELECT p.name FROM github.packages.user_packages u JOIN github.packages.user_packages p
		    ON p.username = JSON_EXTRACT(u.owner, '$.login') AND p.package_type = 'maven'
		   WHERE u.username = 'octocat' AND u.package_type = 'npm'`, []string{
			"github.packages.user_packages AS p",
			"  calls: one per value of username from JSON_EXTRACT(u.owner, '$.login'), as the other tables supply them: GET /users/{username}/packages",
		}},
		{`EXPLAIN WITH p AS (SELECT name, package_type FROM github.packages.user_packages
		    WHERE username = 'octocat' AND package_type IN ('npm', 'container'))
		  SELECT name, ROW_NUMBER() OVER (PARTITION BY package_type ORDER BY name) FROM p`, []string{
			"  method: list_packages_for_user (GET /users/{username}/packages)",
			"  calls: 2",
			"    GET /users/octocat/packages?package_type=npm",
			"    GET /users/octocat/packages?package_type=container",
		}},
		{`EXPLAIN WITH p AS (SELECT name, package_type FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm')
		  SELECT p.name, v.name, RANK() OVER (ORDER BY v.created_at) FROM p JOIN github.packages.package_versions v
		    ON v.username = 'octocat' AND v.package_type = p.package_type AND v.package_name = p.name`, []string{
			"  calls: one per value of username, package_name and package_type that SQLite passes (the same call once per statement): GET /users/{username}/packages/{package_type}/{package_name}/versions",
		}},
		{`EXPLAIN DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'container' AND package_name = 'octocat/hello-world'`, []string{
			"DELETE from github.packages.user_packages with delete_package_for_user (DELETE /users/{username}/packages/{package_type}/{package_name})",
			"  the WHERE names every key in full: no SELECT, no confirmation",
			"    DELETE /users/octocat/packages/container/octocat%2Fhello-world",
		}},
		{`EXPLAIN DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello' AND version_count = 0`, []string{
			"  the WHERE is wider than the key: a SELECT finds the keys first",
			"    method: get_package_for_user (GET /users/{username}/packages/{package_type}/{package_name})",
			"    filtered on the host: version_count = 0",
			"  then delete_package_for_user once per key found, after confirmation (--yes): DELETE /users/{username}/packages/{package_type}/{package_name}",
		}},
	}
	for _, c := range cases {
		r := h.one(c.sql)
		if len(r.cols) != 1 || r.cols[0].Name != "plan" {
			t.Fatalf("columns %v", r.cols)
		}
		lines := toStrings(r.column("plan"))
		for _, w := range c.want {
			if !slices.Contains(lines, w) {
				t.Errorf("%s: no line %q in\n%s", c.sql, w, strings.Join(lines, "\n"))
			}
		}
	}
	if n := len(h.rec.requests()); n != 0 {
		t.Errorf("EXPLAIN made %d calls", n)
	}
}
