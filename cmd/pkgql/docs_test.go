package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider/github"
)

// TestDocs generates the reference through the real provider process and
// checks that every field, param and method the provider declares is on the
// resource's page, and that docs/reference in the tree is current.
// versionID matches the integer placeholder of package_version_id.
var versionID = regexp.MustCompile(`(package_version_id = )1\b`)

func TestDocs(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	r := runPkgql(t, "docs", "--out", out)
	if r.code != 0 {
		t.Fatal(r)
	}
	declared, err := github.New(nil).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(out, "reference", "index.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range declared.Services {
		for _, res := range s.Resources {
			name := declared.Name + "." + s.Name + "." + res.Name
			if !strings.Contains(string(index), "("+name+".md)") {
				t.Errorf("index.md does not link %s", name)
			}
			page, err := os.ReadFile(filepath.Join(out, "reference", name+".md"))
			if err != nil {
				t.Fatal(err)
			}
			text := string(page)
			for _, f := range res.Fields {
				if !strings.Contains(text, "| `"+f.Name+"` | "+string(f.Type)+" |") {
					t.Errorf("%s: field %s missing from the fields table", name, f.Name)
				}
			}
			for _, p := range res.Params {
				if !strings.Contains(text, "| `"+p.Name+"`") {
					t.Errorf("%s: param %s missing", name, p.Name)
				}
			}
			for _, m := range res.Methods {
				for _, want := range []string{"[`" + m.Name + "`]", "### " + m.Name, m.Route.String(), strings.TrimSpace(m.Description)} {
					if !strings.Contains(text, want) {
						t.Errorf("%s: method %s: missing %q", name, m.Name, want)
					}
				}
			}
		}
	}

	// Every example statement runs, once its placeholders name a package the
	// sandbox has (and with --dry-run, so nothing is deleted).
	pages, err := filepath.Glob(filepath.Join(out, "reference", "*.*.*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var script strings.Builder
		for i, block := range strings.Split(string(b), "```sql\n") {
			if i > 0 {
				code, _, _ := strings.Cut(block, "```")
				script.WriteString(code)
			}
		}
		sql := strings.NewReplacer("'<username>'", "'octocat'", "'<org>'", "'acme'", "'<package_name>'", "'hello'").Replace(script.String())
		// A version id names a version of the package hello of its owner.
		stmts := strings.Split(sql, ";\n")
		for i, st := range stmts {
			id := "1001" // octocat's hello, also the authenticated user's
			if strings.Contains(st, "'acme'") {
				id = "301001"
			}
			stmts[i] = versionID.ReplaceAllString(st, "${1}"+id)
		}
		sql = strings.Join(stmts, ";\n")
		if strings.Contains(sql, "'<") {
			t.Fatalf("%s: an example has a placeholder this test does not fill:\n%s", p, sql)
		}
		if r := runPkgql(t, "exec", "--sandbox", "--dry-run", "-o", "text", sql); r.code != 0 {
			t.Errorf("%s: the examples do not run:\n%s\n%s", filepath.Base(p), sql, r)
		}
	}

	// The committed reference must be what pkgql generates now.
	committed := filepath.Join("..", "..", "docs")
	if *update {
		if r := runPkgql(t, "docs", "--out", committed); r.code != 0 {
			t.Fatal(r)
		}
		return
	}
	generated, err := filepath.Glob(filepath.Join(out, "reference", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range generated {
		want, _ := os.ReadFile(g)
		got, err := os.ReadFile(filepath.Join(committed, "reference", filepath.Base(g)))
		if err != nil || string(got) != string(want) {
			t.Errorf("docs/reference/%s is stale: run pkgql docs --out docs/ (or go test -run TestDocs -update)", filepath.Base(g))
		}
	}
}
