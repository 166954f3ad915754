package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider/github"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

const listNPM = `SELECT id, name, version_count, visibility, owner, repository
  FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm'
 ORDER BY id LIMIT 4`

// want is what the seeded sandbox holds for listNPM, read from a sandbox of
// the same seed, so that every output format is checked against the data.
type wantRow struct {
	id       int64
	name     string
	versions int64
	vis      string
	repo     string // repository full_name, "" for null
}

func seededNPM(t *testing.T) []wantRow {
	t.Helper()
	s, url := apiServer(t, sandbox.Options{})
	r := runPkgql(t, "exec", "--github-url", url, "-o", "json", listNPM)
	if r.code != 0 {
		t.Fatal(r)
	}
	var rows []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	var out []wantRow
	for _, row := range rows {
		p, ok := s.Package("octocat", "npm", row.Name)
		if !ok {
			t.Fatalf("pkgql returned %q, which the sandbox does not have", row.Name)
		}
		w := wantRow{id: p.ID, name: p.Name, versions: int64(p.VersionCount), vis: p.Visibility}
		if p.Repository != nil {
			w.repo = "octocat/" + p.Repository.Name
		}
		out = append(out, w)
	}
	if len(out) != 4 {
		t.Fatalf("want 4 rows, got %d", len(out))
	}
	for i := 1; i < len(out); i++ {
		if out[i-1].id >= out[i].id {
			t.Fatalf("rows not in id order: %+v", out)
		}
	}
	return out
}

func TestOutputFormats(t *testing.T) {
	t.Parallel()
	want := seededNPM(t)
	cols := []string{"id", "name", "version_count", "visibility", "owner", "repository"}
	for _, tc := range []struct {
		format string
		check  func(t *testing.T, stdout string)
	}{
		{"json", func(t *testing.T, stdout string) {
			if strings.Count(stdout, "\n") != 1 || !strings.HasSuffix(stdout, "]\n") {
				t.Fatalf("want one JSON array on one line, got %q", stdout)
			}
			var rows []map[string]json.RawMessage
			if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
				t.Fatal(err)
			}
			if keys := firstObjectKeys(t, stdout); strings.Join(keys, ",") != strings.Join(cols, ",") {
				t.Errorf("keys in order %v, want %v", keys, cols)
			}
			for i, w := range want {
				r := rows[i]
				if string(r["id"]) != strconv.FormatInt(w.id, 10) || string(r["version_count"]) != strconv.FormatInt(w.versions, 10) {
					t.Errorf("row %d: id %s versions %s, want numbers %d %d", i, r["id"], r["version_count"], w.id, w.versions)
				}
				var owner struct{ Login string }
				if err := json.Unmarshal(r["owner"], &owner); err != nil || owner.Login != "octocat" {
					t.Errorf("row %d: owner is not an object with login octocat: %s", i, r["owner"])
				}
				if w.repo == "" && string(r["repository"]) != "null" {
					t.Errorf("row %d: repository %s, want null", i, r["repository"])
				}
				var repo struct {
					FullName string `json:"full_name"`
				}
				if w.repo != "" && (json.Unmarshal(r["repository"], &repo) != nil || repo.FullName != w.repo) {
					t.Errorf("row %d: repository %s, want an object for %s", i, r["repository"], w.repo)
				}
			}
		}},
		{"csv", func(t *testing.T, stdout string) {
			recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(want)+1 || strings.Join(recs[0], ",") != strings.Join(cols, ",") {
				t.Fatalf("want a header and %d records, got %q", len(want), recs)
			}
			for i, w := range want {
				rec := recs[i+1]
				if rec[0] != strconv.FormatInt(w.id, 10) || rec[1] != w.name || rec[2] != strconv.FormatInt(w.versions, 10) || rec[3] != w.vis {
					t.Errorf("record %d = %q, want %+v", i, rec, w)
				}
				if !json.Valid([]byte(rec[4])) || !strings.Contains(rec[4], `"login":"octocat"`) {
					t.Errorf("record %d: owner is not compact JSON text: %q", i, rec[4])
				}
				if (w.repo == "") != (rec[5] == "") {
					t.Errorf("record %d: repository %q, want NULL as empty: %v", i, rec[5], w.repo == "")
				}
			}
		}},
		{"text", func(t *testing.T, stdout string) {
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if len(lines) != len(want)+1 || lines[0] != strings.Join(cols, "\t") {
				t.Fatalf("want a header and %d lines, got %q", len(want), lines)
			}
			for i, w := range want {
				f := strings.Split(lines[i+1], "\t")
				repo := "NULL"
				if w.repo != "" {
					repo = f[5]
				}
				if len(f) != 6 || f[0] != strconv.FormatInt(w.id, 10) || f[1] != w.name || f[3] != w.vis || f[5] != repo {
					t.Errorf("line %d = %q, want %+v", i, f, w)
				}
			}
		}},
		{"table", func(t *testing.T, stdout string) {
			if !strings.Contains(stdout, "| id ") || !strings.Contains(stdout, "+--") {
				t.Fatalf("not a table:\n%s", stdout)
			}
			for _, w := range want {
				if !strings.Contains(stdout, "| "+w.name+" ") {
					t.Errorf("table lacks %s:\n%s", w.name, stdout)
				}
			}
		}},
		{"markdown", func(t *testing.T, stdout string) {
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if len(lines) != len(want)+2 || !strings.HasPrefix(lines[0], "| id | name |") || !strings.HasPrefix(lines[1], "| ---") {
				t.Fatalf("not a Markdown table:\n%s", stdout)
			}
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			t.Parallel()
			r := runPkgql(t, "exec", "--sandbox", "-o", tc.format, listNPM)
			if r.code != 0 {
				t.Fatal(r)
			}
			if r.stderr != "" {
				t.Errorf("stderr not empty (summaries go to a terminal only): %q", r.stderr)
			}
			tc.check(t, r.stdout)
		})
	}
}

// firstObjectKeys reads the keys of the array's first object, in order.
func firstObjectKeys(t *testing.T, array string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(array))
	for range 2 { // [ and {
		if _, err := dec.Token(); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestNoHeaders(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"csv", "text"} {
		r := runPkgql(t, "exec", "--sandbox", "-o", format, "--no-headers", listNPM)
		if r.code != 0 {
			t.Fatal(r)
		}
		if strings.HasPrefix(r.stdout, "id") || strings.Count(r.stdout, "\n") != 4 {
			t.Errorf("%s --no-headers:\n%s", format, r.stdout)
		}
	}
}

// Each result set of a script is one JSON array on its own line.
func TestJSONResultSetPerLine(t *testing.T) {
	t.Parallel()
	r := runPkgql(t, "exec", "--sandbox", "-o", "json",
		"SHOW PROVIDERS; SELECT name FROM github.packages.user_packages WHERE username = 'hubot' AND package_type = 'npm' ORDER BY name LIMIT 2")
	if r.code != 0 {
		t.Fatal(r)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", r.stdout)
	}
	for _, l := range lines {
		var v []map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Errorf("line %q: %v", l, err)
		}
	}
}

// SHOW and DESCRIBE print what the provider declares.
func TestShowDescribe(t *testing.T) {
	t.Parallel()
	declared, err := github.New(nil).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	svc := declared.Services[0]
	res := svc.Resources[0]
	qualified := declared.Name + "." + svc.Name + "." + res.Name
	var fields, methods []string
	for _, f := range res.Fields {
		fields = append(fields, f.Name)
	}
	for _, m := range res.Methods {
		methods = append(methods, m.Name)
	}
	for _, tc := range []struct {
		stmt string
		want []string
	}{
		{"SHOW PROVIDERS", []string{declared.Name}},
		{"SHOW SERVICES IN " + declared.Name, []string{svc.Name}},
		{"SHOW RESOURCES IN " + declared.Name + "." + svc.Name, []string{res.Name}},
		{"SHOW METHODS IN " + qualified, methods},
		{"DESCRIBE " + qualified, fields},
		{"DESCRIBE EXTENDED " + qualified, fields},
	} {
		t.Run(tc.stmt, func(t *testing.T) {
			t.Parallel()
			r := runPkgql(t, "exec", "--sandbox", "-o", "text", tc.stmt)
			if r.code != 0 {
				t.Fatal(r)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing.sql")
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		inStderr []string
	}{
		{"missing params", []string{"exec", "--sandbox", "SELECT name FROM github.packages.user_packages WHERE package_type = 'npm'"},
			1, []string{"error: ", "username", "list_packages_for_user"}},
		{"syntax error has a position", []string{"exec", "--sandbox", "SELECT name FROM github.packages.user_packages WHERE"},
			1, []string{"error: line 1, column "}},
		{"unknown resource", []string{"exec", "--sandbox", "SELECT * FROM github.packages.user_package WHERE username = 'x'"},
			1, []string{"error: ", "user_packages"}},
		{"error in a later statement: nothing runs", []string{"exec", "--sandbox", "SHOW PROVIDERS;\nSELECT nope FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'"},
			1, []string{"error: line 2, column "}},
		{"unknown flag", []string{"exec", "--frobnicate", "SHOW PROVIDERS"}, 2, []string{"error: unknown flag: --frobnicate", "pkgql exec --help"}},
		{"unknown output format", []string{"-o", "yaml", "exec", "SHOW PROVIDERS"}, 2, []string{"unknown output format \"yaml\"", "table, json, csv, text, markdown"}},
		{"unreadable file", []string{"exec", "-f", missing}, 2, []string{"error: -f: open " + missing}},
		{"no statements", []string{"exec"}, 2, []string{"error: no statements"}},
		{"empty script", []string{"exec", "  \n "}, 2, []string{"error: no statements to run"}},
		{"statements and -f", []string{"exec", "-f", missing, "SHOW PROVIDERS"}, 2, []string{"not both"}},
		{"concurrency out of range", []string{"--concurrency", "0", "exec", "SHOW PROVIDERS"}, 2, []string{"--concurrency 0"}},
		{"sandbox and github-url", []string{"--sandbox", "--github-url", "http://127.0.0.1:1/", "exec", "SHOW PROVIDERS"}, 2, []string{"sandbox", "github-url"}},
		{"bad github-url", []string{"--github-url", "ftp://example.com", "exec", "SHOW PROVIDERS"}, 2, []string{"--github-url"}},
		{"unknown command", []string{"frobnicate"}, 2, []string{"unknown command \"frobnicate\""}},
		{"markdown without its header row", []string{"-o", "markdown", "--no-headers", "exec", "SHOW PROVIDERS"}, 2, []string{"header row", "-o text --no-headers"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runPkgql(t, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r)
			}
			for _, w := range tc.inStderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			for _, bad := range []string{"panic", "goroutine ", ".go:"} {
				if strings.Contains(r.stderr, bad) {
					t.Errorf("stderr shows %q:\n%s", bad, r.stderr)
				}
			}
			if tc.code == 1 && r.stdout != "" && strings.Contains(tc.name, "nothing runs") {
				t.Errorf("a statement ran before the script's error: %q", r.stdout)
			}
		})
	}
}

// A statement missing its required params makes no request at all.
func TestMissingParamsMakeNoRequest(t *testing.T) {
	t.Parallel()
	s, url := apiServer(t, sandbox.Options{})
	r := runPkgql(t, "exec", "--github-url", url, "SELECT name FROM github.packages.user_packages WHERE package_type = 'npm'")
	if r.code != 1 {
		t.Fatal(r)
	}
	if n := s.Stats().Total; n != 0 {
		t.Errorf("%d requests made, want none: %+v", n, s.Log())
	}
}

// A bound package_name is exactly one GET.
func TestGetIsOneRequest(t *testing.T) {
	t.Parallel()
	s, url := apiServer(t, sandbox.Options{})
	r := runPkgql(t, "exec", "--github-url", url, "-o", "json",
		"SELECT id, name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'container' AND package_name = 'octocat/hello-world'")
	if r.code != 0 {
		t.Fatal(r)
	}
	p, _ := s.Package("octocat", "container", "octocat/hello-world")
	if want := fmt.Sprintf(`[{"id":%d,"name":"octocat/hello-world"}]`+"\n", p.ID); r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	log := s.Log()
	if len(log) != 1 || log[0].Method != "GET" || log[0].Path != "/users/octocat/packages/container/octocat%2Fhello-world" {
		t.Errorf("requests %+v, want one GET of the package", log)
	}
}

func TestExecFromStdinAndFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "show.sql")
	if err := os.WriteFile(file, []byte("SHOW PROVIDERS;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile := runPkgql(t, "exec", "--sandbox", "-o", "text", "-f", file)
	fromStdin := pkgql(t, invocation{args: []string{"exec", "--sandbox", "-o", "text", "-f", "-"}, stdin: "SHOW PROVIDERS;\n"})
	if fromFile.code != 0 || fromStdin.code != 0 {
		t.Fatal(fromFile, fromStdin)
	}
	if fromFile.stdout != fromStdin.stdout || !strings.Contains(fromFile.stdout, "github") {
		t.Errorf("file and stdin differ:\n%s\n%s", fromFile.stdout, fromStdin.stdout)
	}
}

func TestHelpHasExamples(t *testing.T) {
	t.Parallel()
	for _, cmd := range [][]string{{}, {"exec"}, {"shell"}, {"sandbox"}, {"docs"}, {"auth", "status"}} {
		r := runPkgql(t, append(cmd, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("pkgql %v --help: no examples\n%s", cmd, r)
		}
	}
}
