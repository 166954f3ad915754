package pgcatalog

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/schema"
)

// testProviders is a provider of every field type, with a hidden param.
func testProviders() []*schema.Provider {
	return []*schema.Provider{{
		Name: "github",
		Services: []schema.Service{{
			Name: "packages", Description: "Packages of GitHub.",
			Resources: []schema.Resource{
				{Name: "user_packages", Description: "A user's packages.",
					Fields: []schema.Field{
						{Name: "id", Type: schema.Integer, Description: "The id."},
						{Name: "name", Type: schema.String, Description: "The name."},
						{Name: "owner", Type: schema.Object, Description: "The owner."},
					},
					Params: []schema.Param{{Name: "username", Type: schema.String, Description: "The user.", Enum: nil}}},
				{Name: "package_versions", Description: "Versions.",
					Fields: []schema.Field{
						{Name: "in_use", Type: schema.Boolean, Description: "Whether a tag needs it."},
						{Name: "score", Type: schema.Number, Description: "A number."},
					}},
			},
		}},
	}}
}

func openTest(t *testing.T) *Session {
	t.Helper()
	settings := map[string]string{"server_version_num": "150000", "search_path": "public", "standard_conforming_strings": "on"}
	s, err := Open(context.Background(), testProviders(), Info{
		Database: "github", User: "tester", Version: "PostgreSQL 15.0 (pkgql)", PID: 7,
		Setting: func(n string) (string, bool) { v, ok := settings[n]; return v, ok },
		Set: func(n, v string) error {
			if n == "server_version_num" {
				return fmt.Errorf("parameter %q cannot be changed", n)
			}
			settings[n] = v
			return nil
		},
		Settings: func() [][2]string {
			var out [][2]string
			for k, v := range settings {
				out = append(out, [2]string{k, v})
			}
			return out
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestClientQueries runs the catalog queries psql 15 (\d and friends),
// SQLAlchemy 1.4's inspector, PgJDBC 42.5's DatabaseMetaData and Grafana's
// query editor sent to pkgql serve, captured from its debug log.
func TestClientQueries(t *testing.T) {
	b, err := os.ReadFile("testdata/queries.json")
	if err != nil {
		t.Fatal(err)
	}
	var queries []string
	if err := json.Unmarshal(b, &queries); err != nil {
		t.Fatal(err)
	}
	s := openTest(t)
	for _, q := range queries {
		if !Handles(q) {
			t.Errorf("not taken as a catalog query:\n%s", q)
			continue
		}
		if _, err := s.Query(context.Background(), q); err != nil {
			t.Errorf("%v\n%s", err, q)
		}
	}
}

func rowsOf(r *Result) string {
	var b strings.Builder
	for _, row := range r.Rows {
		for i, v := range row {
			if i > 0 {
				b.WriteByte('|')
			}
			if v == nil {
				b.WriteString("NULL")
			} else {
				fmt.Fprint(&b, v)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestQueries(t *testing.T) {
	s := openTest(t)
	tests := []struct {
		name, sql, cols, rows string
	}{
		{"casts and names", `SELECT 'a'::text, '42'::int8 + 1, current_setting('server_version_num')::int / 100 AS version, 1`,
			"text:25 int8:20 version:20 ?column?:20", "a|43|1500|1\n"},
		{"session functions", `SELECT current_user, current_database(), pg_catalog.version(), current_schema()`,
			"current_user:25 current_database:25 version:25 current_schema:25", "tester|github|PostgreSQL 15.0 (pkgql)|public\n"},
		{"schemas: every service", `SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' ORDER BY 1`,
			"nspname:19", "information_schema\npackages\npublic\n"},
		{"tables", `SELECT c.relname, c.relkind, obj_description(c.oid, 'pg_class') FROM pg_catalog.pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'packages' ORDER BY 1`,
			"relname:19 relkind:18 obj_description:25", "package_versions|r|Versions.\nuser_packages|r|A user's packages.\n"},
		{"columns with types and params", `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), col_description(a.attrelid, a.attnum) FROM pg_attribute a WHERE a.attrelid = 'packages.user_packages'::regclass AND a.attnum > 0 ORDER BY a.attnum`,
			"attname:19 format_type:25 col_description:25", "id|bigint|The id.\nname|text|The name.\nowner|jsonb|The owner.\nusername|text|param: The user.\n"},
		{"every type", `SELECT column_name, data_type, udt_name FROM information_schema.columns WHERE table_name = 'package_versions' ORDER BY ordinal_position`,
			"column_name:19 data_type:25 udt_name:19", "in_use|boolean|bool\nscore|double precision|float8\n"},
		{"regclass out", `SELECT 'user_packages'::regclass::text, c.oid::regclass FROM pg_class c WHERE relname = 'package_versions'`,
			"text:25 oid:25", "packages.user_packages|packages.package_versions\n"},
		{"any and arrays", `SELECT 'b' = ANY(ARRAY['a','b']), array_to_string(ARRAY['x','y'], ', '), (ARRAY[10,20])[2] AS second`,
			"?column?:20 array_to_string:25 second:20", "1|x, y|20\n"},
		{"booleans", `SELECT relhasindex, relispopulated FROM pg_class WHERE relname = 'user_packages'`,
			"relhasindex:16 relispopulated:16", "false|true\n"},
		{"empty catalogs", `SELECT count(*) FROM pg_index`, "count:20", "0\n"},
		{"settings", `SELECT setting FROM pg_settings WHERE name = 'search_path'`, "setting:25", "public\n"},
		{"FETCH FIRST", `SELECT nspname FROM pg_namespace ORDER BY 1 FETCH FIRST 1 ROWS ONLY`, "nspname:19", "information_schema\n"},
		{"E strings and ILIKE", `SELECT relname FROM pg_class WHERE relname ILIKE E'USER\\_%'`, "relname:19", "user_packages\n"},
		{"set_config", `SELECT set_config('search_path', 'packages, public', false), current_setting('search_path')`,
			"set_config:25 current_setting:25", "packages, public|packages, public\n"},
		{"quote_ident", `SELECT quote_ident('packages'), quote_ident('Has Space')`, "quote_ident:25 quote_ident:25", "packages|\"Has Space\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.Query(context.Background(), tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			var cols []string
			for _, c := range r.Cols {
				cols = append(cols, fmt.Sprintf("%s:%d", c.Name, c.OID))
			}
			if got := strings.Join(cols, " "); got != tt.cols {
				t.Errorf("columns %s, want %s", got, tt.cols)
			}
			if got := rowsOf(r); got != tt.rows {
				t.Errorf("rows\n%s\nwant\n%s", got, tt.rows)
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	s := openTest(t)
	tests := []struct{ sql, want string }{
		{`SELECT nosuch FROM pg_class`, "no such column: nosuch"},
		{`SELECT 'packages.nope'::regclass`, `relation "packages.nope" does not exist`},
		{`SELECT current_setting('nope')`, `unrecognized configuration parameter "nope"`},
		{`SELECT relname FROM pg_class WHERE relname ~ '('`, "invalid regular expression"},
		{`SELECT 'unterminated`, "unterminated string"},
		{`SELECT unnest(ARRAY[1,2])`, "unnest in a select list is not supported"},
		{`SELECT set_config('server_version_num', '1', false)`, `parameter "server_version_num" cannot be changed`},
	}
	for _, tt := range tests {
		_, err := s.Query(context.Background(), tt.sql)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error with %q", tt.sql, err, tt.want)
		}
	}
}

func TestHandles(t *testing.T) {
	tests := []struct {
		sql  string
		want bool
	}{
		{"SELECT * FROM pg_catalog.pg_class", true},
		{"SELECT * FROM information_schema.tables", true},
		{"select oid, typarray from pg_type where typname = 'hstore'", true},
		{"SELECT current_setting('server_version_num')::int", true},
		{"SELECT version()", true},
		{"SELECT name FROM github.packages.user_packages WHERE username = 'u' AND package_type = 'npm'", false},
		{"SELECT 1 + 1", false},
		{"SHOW RESOURCES IN github.packages", false},
		{"DELETE FROM github.packages.user_packages WHERE username = 'u'", false},
	}
	for _, tt := range tests {
		if got := Handles(tt.sql); got != tt.want {
			t.Errorf("Handles(%q) = %v, want %v", tt.sql, got, tt.want)
		}
	}
}

// BenchmarkOpen measures what a connection's first catalog query pays to
// build the catalog.
func BenchmarkOpen(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := Open(context.Background(), testProviders(), Info{Database: "github", User: "u",
			Setting: func(string) (string, bool) { return "", false }})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// FuzzTranslate reads any text without panicking: a query the rewrite does
// not understand is an error, or SQLite's.
func FuzzTranslate(f *testing.F) {
	b, err := os.ReadFile("testdata/queries.json")
	if err != nil {
		f.Fatal(err)
	}
	var queries []string
	if err := json.Unmarshal(b, &queries); err != nil {
		f.Fatal(err)
	}
	for _, q := range queries {
		f.Add(q)
	}
	for _, q := range []string{"SELECT ARRAY[", "SELECT array(", "SELECT x::", "SELECT operator(", "SELECT a[", "SELECT (a).", "SELECT 1 FROM unnest(", "SELECT 1 FROM generate_series(1"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := translate(q, 1); err != nil && strings.Contains(err.Error(), "cannot be read (") {
			t.Errorf("the rewrite panicked: %v\n%q", err, q)
		}
		Handles(q)
	})
}
