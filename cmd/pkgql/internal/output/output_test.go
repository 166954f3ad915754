package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// resultSet is one statement's output as the engine hands it to a sink.
type resultSet struct {
	cols    []rowset.Column
	rows    [][]any
	summary string
}

var packages = resultSet{
	cols: []rowset.Column{
		{Name: "id", Type: schema.Integer},
		{Name: "name", Type: schema.String},
		{Name: "owner", Type: schema.Object},
		{Name: "repository", Type: schema.Object},
		{Name: "ratio", Type: ""},
		{Name: "private", Type: schema.Boolean},
	},
	rows: [][]any{
		{int64(1), "hello", provider.JSON(`{"login": "octocat", "id": 1}`), provider.JSON(`{"full_name":"octocat/hello"}`), 0.5, false},
		{int64(22), "a,b \"quoted\"\ttab\nline", provider.JSON(`{"login":"octocat","id":1}`), nil, nil, true},
		{int64(333), "<tag>&", provider.JSON(`{"login":"octocat","id":1}`), nil, 1e6, nil},
	},
	summary: "3 rows",
}

func feed(t *testing.T, s rowset.Sink, sets ...resultSet) {
	t.Helper()
	for _, rs := range sets {
		if err := s.Begin(rs.cols); err != nil {
			t.Fatalf("Begin: %v", err)
		}
		for _, r := range rs.rows {
			// The engine reuses the row slice: so does the test.
			row := make([]any, len(r))
			copy(row, r)
			if err := s.Row(row); err != nil {
				t.Fatalf("Row: %v", err)
			}
			clear(row)
		}
		if err := s.End(rs.summary); err != nil {
			t.Fatalf("End: %v", err)
		}
	}
}

func render(t *testing.T, opts Options, sets ...resultSet) (stdout, summary string) {
	t.Helper()
	var out, sum bytes.Buffer
	opts.Out = &out
	if opts.Summary != nil {
		opts.Summary = &sum
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	feed(t, s, sets...)
	return out.String(), sum.String()
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		want    Format
		wantErr bool
	}{
		{"table", Table, false}, {"JSON", JSON, false}, {"csv", CSV, false},
		{"text", Text, false}, {"markdown", Markdown, false},
		{"yaml", "", true}, {"", "", true},
	} {
		got, err := ParseFormat(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseFormat(%q) = %q, %v", tc.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "table, json, csv, text, markdown") {
			t.Errorf("error does not list the formats: %v", err)
		}
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	out, _ := render(t, Options{Format: JSON}, packages, resultSet{cols: []rowset.Column{{Name: "n"}}})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per result set, got %d:\n%s", len(lines), out)
	}
	if lines[1] != "[]" {
		t.Errorf("empty result set = %q, want []", lines[1])
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rows); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, lines[0])
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows", len(rows))
	}
	for _, tc := range []struct {
		row  int
		key  string
		want any
	}{
		{0, "id", 1.0},
		{0, "owner", map[string]any{"login": "octocat", "id": 1.0}},
		{0, "ratio", 0.5},
		{0, "private", false},
		{1, "repository", nil},
		{1, "name", "a,b \"quoted\"\ttab\nline"},
		{2, "ratio", 1e6},
		{2, "private", nil},
	} {
		got, ok := rows[tc.row][tc.key]
		if !ok || !equalJSON(got, tc.want) {
			t.Errorf("row %d %s = %#v, want %#v", tc.row, tc.key, got, tc.want)
		}
	}
	for _, want := range []string{
		`{"id":1,"name":"hello","owner":{"login":"octocat","id":1},`, // key order is column order
		`"ratio":1000000,`,   // numbers as numbers, never 1e+06
		`"name":"<tag>&"`,    // no HTML escaping
		`"repository":null,`, // NULL as null
	} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("missing %s in %s", want, lines[0])
		}
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestCSV(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		noHeaders bool
		want      [][]string
	}{
		{"header", false, [][]string{
			{"id", "name", "owner", "repository", "ratio", "private"},
			{"1", "hello", `{"login":"octocat","id":1}`, `{"full_name":"octocat/hello"}`, "0.5", "false"},
			{"22", "a,b \"quoted\"\ttab\nline", `{"login":"octocat","id":1}`, "", "", "true"},
			{"333", "<tag>&", `{"login":"octocat","id":1}`, "", "1000000", ""},
		}},
		{"no headers", true, [][]string{
			{"1", "hello", `{"login":"octocat","id":1}`, `{"full_name":"octocat/hello"}`, "0.5", "false"},
			{"22", "a,b \"quoted\"\ttab\nline", `{"login":"octocat","id":1}`, "", "", "true"},
			{"333", "<tag>&", `{"login":"octocat","id":1}`, "", "1000000", ""},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, _ := render(t, Options{Format: CSV, NoHeaders: tc.noHeaders}, packages)
			got, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatalf("not CSV: %v\n%s", err, out)
			}
			if !equalJSON(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
			if !strings.Contains(out, "\r\n") && strings.Count(out, "\n") < 2 {
				t.Errorf("records are not on lines: %q", out)
			}
		})
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		noHeaders bool
		want      string
	}{
		{"header", false, "id\tname\towner\trepository\tratio\tprivate\n" +
			"1\thello\t{\"login\":\"octocat\",\"id\":1}\t{\"full_name\":\"octocat/hello\"}\t0.5\tfalse\n" +
			"22\ta,b \"quoted\"\\ttab\\nline\t{\"login\":\"octocat\",\"id\":1}\tNULL\tNULL\ttrue\n" +
			"333\t<tag>&\t{\"login\":\"octocat\",\"id\":1}\tNULL\t1000000\tNULL\n"},
		{"no headers", true, "1\thello\t{\"login\":\"octocat\",\"id\":1}\t{\"full_name\":\"octocat/hello\"}\t0.5\tfalse\n" +
			"22\ta,b \"quoted\"\\ttab\\nline\t{\"login\":\"octocat\",\"id\":1}\tNULL\tNULL\ttrue\n" +
			"333\t<tag>&\t{\"login\":\"octocat\",\"id\":1}\tNULL\t1000000\tNULL\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, _ := render(t, Options{Format: Text, NoHeaders: tc.noHeaders}, packages)
			if out != tc.want {
				t.Errorf("got\n%s\nwant\n%s", out, tc.want)
			}
		})
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	small := resultSet{
		cols:    []rowset.Column{{Name: "name", Type: schema.String}, {Name: "n"}, {Name: "owner", Type: schema.Object}},
		rows:    [][]any{{"hello", int64(3), provider.JSON(`{"login": "octocat"}`)}, {"a|b", nil, nil}},
		summary: "2 rows",
	}
	for _, tc := range []struct {
		name        string
		opts        Options
		sets        []resultSet
		want        string
		wantSummary string
	}{
		{"boxed", Options{Format: Table}, []resultSet{small}, "" +
			"+-------+------+---------------------+\n" +
			"| name  | n    | owner               |\n" +
			"+-------+------+---------------------+\n" +
			"| hello |    3 | {\"login\":\"octocat\"} |\n" +
			"| a|b   | NULL | NULL                |\n" +
			"+-------+------+---------------------+\n", ""},
		{"summary to its own writer", Options{Format: Table, NoHeaders: true, Summary: &bytes.Buffer{}}, []resultSet{small}, "" +
			"+-------+------+---------------------+\n" +
			"| hello |    3 | {\"login\":\"octocat\"} |\n" +
			"| a|b   | NULL | NULL                |\n" +
			"+-------+------+---------------------+\n", "2 rows\n"},
		{"markdown", Options{Format: Markdown}, []resultSet{small}, "" +
			"| name | n | owner |\n" +
			"| --- | ---:| --- |\n" +
			"| hello | 3 | {\"login\":\"octocat\"} |\n" +
			"| a\\|b | NULL | NULL |\n", ""},
		{"two result sets apart", Options{Format: Table}, []resultSet{
			{cols: []rowset.Column{{Name: "a"}}, rows: [][]any{{int64(1)}}},
			{cols: []rowset.Column{{Name: "b"}}, rows: [][]any{{"x"}}},
		}, "" +
			"+---+\n| a |\n+---+\n| 1 |\n+---+\n" +
			"\n" +
			"+---+\n| b |\n+---+\n| x |\n+---+\n", ""},
		{"cut to the terminal", Options{Format: Table, Width: 40}, []resultSet{{
			cols: []rowset.Column{{Name: "id"}, {Name: "html_url"}, {Name: "description"}},
			rows: [][]any{{int64(7), "https://github.com/users/octocat/packages/npm/package/hello", "short"}},
		}}, "" +
			"+----+-------------------+-------------+\n" +
			"| id | html_url          | description |\n" +
			"+----+-------------------+-------------+\n" +
			"|  7 | https://github.c… | short       |\n" +
			"+----+-------------------+-------------+\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, sum := render(t, tc.opts, tc.sets...)
			if out != tc.want {
				t.Errorf("got\n%s\nwant\n%s", out, tc.want)
			}
			if sum != tc.wantSummary {
				t.Errorf("summary %q, want %q", sum, tc.wantSummary)
			}
			if tc.opts.Width > 0 {
				for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
					if n := len([]rune(l)); n > tc.opts.Width {
						t.Errorf("line of %d columns is wider than %d: %s", n, tc.opts.Width, l)
					}
				}
			}
		})
	}
}

func TestFitColumns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		widths []int
		budget int
		want   []int
	}{
		{[]int{5, 10}, 20, []int{0, 0}},          // fits: nothing cut
		{[]int{5, 40, 30}, 45, []int{0, 20, 20}}, // the wide ones share what is left
		{[]int{5, 40, 12}, 40, []int{0, 23, 0}},  // only the widest is cut
		{[]int{30, 30}, 4, []int{8, 8}},          // never under the floor
	} {
		got := fitColumns(tc.widths, tc.budget)
		if !equalJSON(got, tc.want) {
			t.Errorf("fitColumns(%v, %d) = %v, want %v", tc.widths, tc.budget, got, tc.want)
		}
	}
}

// A statement that fails mid-way never ends its result set; the next result
// set must still be whole and on its own line.
func TestStreamAfterFailedResultSet(t *testing.T) {
	t.Parallel()
	for _, f := range []Format{JSON, CSV, Text} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			s, err := New(Options{Format: f, Out: &out})
			if err != nil {
				t.Fatal(err)
			}
			cols := []rowset.Column{{Name: "n", Type: schema.Integer}}
			if err := s.Begin(cols); err != nil {
				t.Fatal(err)
			}
			if err := s.Row([]any{int64(1)}); err != nil {
				t.Fatal(err)
			}
			feed(t, s, resultSet{cols: cols, rows: [][]any{{int64(2)}}})
			if strings.Contains(out.String(), "1") {
				t.Errorf("the failed result set's buffered row was written: %q", out.String())
			}
			if !strings.HasSuffix(out.String(), "2\n") && !strings.HasSuffix(out.String(), "2\r\n") && !strings.HasSuffix(out.String(), "2}]\n") {
				t.Errorf("second result set incomplete: %q", out.String())
			}
		})
	}
}

func TestValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v         any
		cell, js  string
		cellError bool
	}{
		{nil, "NULL", "null", false},
		{int64(-42), "-42", "-42", false},
		{3.0, "3", "3", false},
		{0.1, "0.1", "0.1", false},
		{1e21, "1e+21", "1e+21", false},
		{"é\"", "é\"", `"é\""`, false},
		{true, "true", "true", false},
		{provider.JSON(" {\"a\" : [1, 2]}\n"), `{"a":[1,2]}`, `{"a":[1,2]}`, false},
		{provider.JSON(nil), "null", "null", false},
		{provider.JSON("{broken"), "", "", true},
		{[]byte("x"), "", "", true},
	} {
		c, err := cell(tc.v, nullText)
		if (err != nil) != tc.cellError || c != tc.cell {
			t.Errorf("cell(%#v) = %q, %v; want %q", tc.v, c, err, tc.cell)
		}
		j, err := appendJSON(nil, tc.v)
		if (err != nil) != tc.cellError || string(j) != tc.js {
			t.Errorf("appendJSON(%#v) = %q, %v; want %q", tc.v, j, err, tc.js)
		}
	}
}

// Columns with the same name get keys of their own in JSON objects, so no
// value is lost to a reader that keeps one value per key.
func TestJSONDuplicateNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"a", "a"}, `[{"a":1,"a_2":2}]`},
		{[]string{"a", "a", "a"}, `[{"a":1,"a_2":2,"a_3":3}]`},
		{[]string{"a", "a_2", "a"}, `[{"a":1,"a_2":2,"a_3":3}]`},
		{[]string{"name", "id", "name"}, `[{"name":1,"id":2,"name_2":3}]`},
	} {
		cols := make([]rowset.Column, len(tc.names))
		row := make([]any, len(tc.names))
		for i, n := range tc.names {
			cols[i], row[i] = rowset.Column{Name: n}, int64(i+1)
		}
		out, _ := render(t, Options{Format: JSON}, resultSet{cols: cols, rows: [][]any{row}})
		if got := strings.TrimSpace(out); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.names, got, tc.want)
		}
	}
}
