package engine

import (
	"errors"
	"slices"
	"testing"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// A script is split by the Tokenizer: a ';' in a string or a comment does not
// end a statement.
func TestSplit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	script := "SELECT ';' AS a; -- a comment; with a semicolon\n" +
		"SELECT 'x;y' /* ; */ AS b;;\n" +
		"-- another comment;\n" +
		"SHOW PROVIDERS;\n" +
		"DESCRIBE github.packages.user_packages;" +
		"EXPLAIN SELECT 1;" +
		"EXEC github.packages.user_packages.restore_package_for_user @username = 'a;b', @package_type = 'npm', @package_name = 'x';" +
		"DELETE FROM github.packages.user_packages WHERE username = 'u' AND package_type = 'npm' AND package_name = ';'"
	sts, err := h.e.Prepare(script)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind Kind
		text string
	}{
		{KindSelect, "SELECT ';' AS a"},
		{KindSelect, `SELECT 'x;y' /* ; */ AS b`},
		{KindShow, "SHOW PROVIDERS"},
		{KindDescribe, "DESCRIBE github.packages.user_packages"},
		{KindExplain, "EXPLAIN SELECT 1"},
		{KindExec, "EXEC github.packages.user_packages.restore_package_for_user @username = 'a;b', @package_type = 'npm', @package_name = 'x'"},
		{KindDelete, "DELETE FROM github.packages.user_packages WHERE username = 'u' AND package_type = 'npm' AND package_name = ';'"},
	}
	if len(sts) != len(want) {
		t.Fatalf("%d statements, want %d", len(sts), len(want))
	}
	for i, st := range sts {
		if st.Kind() != want[i].kind || st.Text() != want[i].text {
			t.Errorf("statement %d: %s %q, want %s %q", i, st.Kind(), st.Text(), want[i].kind, want[i].text)
		}
	}
	r := h.one(sts[1].Text())
	if !slices.Equal(r.rows[0], []any{"x;y"}) {
		t.Errorf("rows %v", r.rows)
	}

	for _, empty := range []string{"", "  ;; ", "-- nothing\n", "/* nothing */;"} {
		if sts, err := h.e.Prepare(empty); err != nil || len(sts) != 0 {
			t.Errorf("%q: %v %v", empty, sts, err)
		}
	}
}

// An error anywhere in a script means no statement is returned.
func TestPrepareWhole(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	sts, err := h.e.Prepare("DELETE FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';\nSELECT nope FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'")
	var e *Error
	if sts != nil || !errors.As(err, &e) || e.Statement != 1 || e.Line != 2 {
		t.Fatalf("statements %v, error %v", sts, err)
	}
	if h.deleted("octocat", "npm", "hello") || len(h.log()) != 0 {
		t.Error("the first statement ran")
	}
}

// Names are read in every form SQL allows: any case, quoted, in two or three
// parts, and a column qualified by its resource.
func TestNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	for _, sql := range []string{
		"select NAME from GitHub.Packages.User_Packages where USERNAME = 'octocat' and Package_Type = 'npm' and package_name = 'hello'",
		"SELECT `name` FROM `github`.`packages`.`user_packages` WHERE `username` = 'octocat' AND package_type = 'npm' AND package_name = 'hello'",
		"SELECT github.packages.user_packages.name FROM github.packages.user_packages WHERE github.packages.user_packages.username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'",
		"SELECT user_packages.name FROM packages.user_packages WHERE packages.user_packages.username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'",
		"SELECT p.name FROM github . packages . user_packages AS p WHERE p.username = 'octocat' AND p.package_type = 'npm' AND p.package_name = 'hello'",
		"SELECT x.name FROM (SELECT name, username FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello') AS x",
		"SELECT github.packages.user_packages.* FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'",
		"SELECT p.* FROM packages.user_packages p WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'",
	} {
		r := h.one(sql)
		if len(r.rows) != 1 || !slices.Contains(r.rows[0], any("hello")) {
			t.Errorf("%s: %v", sql, r.rows)
		}
	}
}
