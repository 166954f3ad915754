package pgwire_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/schema"
)

// pgTypeName is how psql shows the Postgres type of a schema type.
func pgTypeName(t schema.Type, f schema.Format) string {
	if f == schema.DateTime {
		return "timestamp with time zone"
	}
	switch t {
	case schema.Integer:
		return "bigint"
	case schema.Number:
		return "double precision"
	case schema.Boolean:
		return "boolean"
	case schema.Object:
		return "jsonb"
	}
	return "text"
}

// byName is a service's resources in name order: the order in which
// SQLAlchemy and PgJDBC list tables and their columns.
func byName(rs []schema.Resource) []schema.Resource {
	out := slices.Clone(rs)
	slices.SortFunc(out, func(a, b schema.Resource) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// TestPsqlCatalog runs psql's discovery commands (\dn, \dt, \d, \d+ of each
// table, \l) against the catalog, which must list every service, resource,
// field and param the providers declare, and cost no API request.
func TestPsqlCatalog(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	before := f.api.Stats().Total

	var schemas, relations, databases []string
	for _, b := range f.bindings {
		databases = append(databases, b.Schema.Name+"|tester|UTF8|C.UTF-8|C.UTF-8||libc|")
		for _, s := range b.Schema.Services {
			schemas = append(schemas, s.Name+"|tester")
			for _, r := range s.Resources {
				relations = append(relations, fmt.Sprintf("%s|%s|table|tester", s.Name, r.Name))
			}
		}
	}
	schemas = append(schemas, "public|tester")
	// The fixture connects to database pkgql, which names no provider.
	databases = append(databases, "pkgql|tester|UTF8|C.UTF-8|C.UTF-8||libc|")
	sort.Strings(databases)
	sort.Strings(schemas)
	sort.Strings(relations)
	lines := func(l []string) string { return strings.Join(l, "\n") + "\n" }

	tests := []struct{ cmd, want string }{
		{`\dn`, lines(schemas)},
		{`\dt`, lines(relations)},
		{`\d`, lines(relations)},
		{`\l`, lines(databases)},
	}
	for _, b := range f.bindings {
		for _, s := range b.Schema.Services {
			tests = append(tests, struct{ cmd, want string }{`\dt ` + s.Name + `.*`, lines(filter(relations, s.Name+"|"))})
			for _, r := range s.Resources {
				var cols, plus []string
				for _, fl := range r.Fields {
					cols = append(cols, fmt.Sprintf("%s|%s|||", fl.Name, pgTypeName(fl.Type, fl.Format)))
					plus = append(plus, fmt.Sprintf("%s|%s||||extended|||%s", fl.Name, pgTypeName(fl.Type, fl.Format), fl.Description))
				}
				for _, p := range r.HiddenParams() {
					cols = append(cols, fmt.Sprintf("%s|%s|||", p.Name, pgTypeName(p.Type, "")))
					d := "param: " + p.Description
					if len(p.Enum) > 0 {
						d += " (one of " + strings.Join(p.Enum, ", ") + ")"
					}
					plus = append(plus, fmt.Sprintf("%s|%s||||extended|||%s", p.Name, pgTypeName(p.Type, ""), d))
				}
				tests = append(tests,
					struct{ cmd, want string }{`\d ` + s.Name + "." + r.Name, lines(cols)},
					struct{ cmd, want string }{`\d "` + s.Name + `"."` + r.Name + `"`, lines(cols)},
					struct{ cmd, want string }{`\d+ ` + s.Name + "." + r.Name, lines(plus)},
				)
			}
		}
	}
	for _, tt := range tests {
		out, errOut, err := f.psql(t, "", "-c", tt.cmd)
		if err != nil {
			t.Errorf("%s: %v\n%s", tt.cmd, err, errOut)
			continue
		}
		if out != tt.want {
			t.Errorf("%s printed\n%q\nwant\n%q", tt.cmd, out, tt.want)
		}
	}
	if n := f.api.Stats().Total - before; n != 0 {
		t.Errorf("the catalog cost %d API requests, want 0", n)
	}
}

func filter(l []string, prefix string) []string {
	var out []string
	for _, s := range l {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}
