package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

const res = "github.packages.user_packages"

// bound is a WHERE that every SELECT method of the resource can take.
const bound = "username = 'octocat' AND package_type = 'npm'"

// hostile is the catalogue of malformed and hostile statements: each must be
// an *Error (with its place when it has one), never a panic, and reach
// neither the provider nor the API.
var hostile = []struct {
	sql  string
	want string // in the message
}{
	// Syntax.
	{"SELEC name FROM " + res, "SELEC is not supported"},
	{"SELECT name FRM " + res, "syntax error"},
	{"SELECT name FROM", "unexpected end"},
	{"SELECT name FROM " + res + " WHERE", "unexpected end"},
	{"SELECT (name FROM " + res, "syntax error"},
	{"SELECT name,, id FROM " + res, "syntax error"},
	{"SELECT name FROM " + res + " WHERE " + bound + " LIMIT", "unexpected end"},
	{"SELECT name FROM " + res + " WHERE " + bound + " GROUP name", "syntax error"},
	{"SELECT 'unterminated FROM " + res, "unterminated string"},
	{`SELECT "unterminated`, "unterminated string"},
	{"SELECT `name FROM " + res, "unterminated quoted name"},
	{"SELECT 1 /* unterminated comment", "unterminated comment"},
	{"SELECT x'4G'", "malformed hex literal"},
	{"SELECT b'102'", "malformed bit literal"},
	{"SELECT name FROM " + res + " WHERE username = 'a\x00b'", "NUL"},
	{"SELECT \x00", "NUL character"},
	{"SELECT name FROM " + res + " WHERE naïve = 1", "unexpected character"},
	{"DELETE " + res + " WHERE " + bound, "syntax error"},
	{"SELECT " + strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), "too deeply nested"},
	// Statements the dialect does not have.
	{"INSERT INTO " + res + " VALUES (1)", "INSERT is not supported"},
	{"UPDATE " + res + " SET name = 'x'", "UPDATE is not supported"},
	{"CREATE TABLE t (x int)", "CREATE is not supported"},
	{"DROP TABLE " + res, "DROP is not supported"},
	{"ATTACH DATABASE '/tmp/x.db' AS x", "ATTACH is not supported"},
	{"DETACH DATABASE x", "DETACH is not supported"},
	{"PRAGMA writable_schema = 1", "PRAGMA is not supported"},
	{"VACUUM INTO '/tmp/x.db'", "VACUUM is not supported"},
	{"BEGIN", "BEGIN is not supported"},
	{"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r", "WITH RECURSIVE is not supported"},
	{"SELECT count(*) OVER () FROM " + res, "needs the required params"},
	{"WITH t AS (SELECT 1) DELETE FROM " + res + " WHERE " + bound, "WITH … DELETE is not supported"},
	{"SELECT name || 1 + 2 FROM " + res + " WHERE " + bound, "|| next to + is read differently"},
	{"SELECT name FROM " + res + " WHERE " + bound + " AND name REGEXP '^a'", "REGEXP is not supported"},
	{"SELECT created_at * INTERVAL 1 DAY FROM " + res + " WHERE " + bound, "INTERVAL is added to or subtracted from a time"},
	{"SELECT created_at - INTERVAL 1 fortnight FROM " + res + " WHERE " + bound, `interval unit "fortnight" is not read`},
	{"SELECT now() - interval 'a while' FROM " + res + " WHERE " + bound, `interval "a while" is not read`},
	{"SELECT name FROM " + res + " WHERE " + bound + " AND created_at > 'last tuesday'", `"last tuesday" is not a time`},
	{"SELECT name FROM " + res + " WHERE username = ?", "placeholders"},
	{"SELECT name FROM " + res + " WHERE username = :user", "placeholders"},
	{"SELECT name FROM " + res + " WHERE " + bound + " FOR UPDATE", "FOR UPDATE is not supported"},
	{"SELECT /*! STRAIGHT_JOIN */ name FROM " + res, "MySQL-specific comments"},
	{"SELECT load_extension('/tmp/evil.so')", "not allowed"},
	{"SELECT readfile('/etc/passwd')", "not allowed"},
	{"SELECT writefile('/tmp/x', 'y')", "not allowed"},
	{"SELECT sqlite_source_id()", "not allowed"},
	{"SELECT * FROM sqlite_master", "unknown resource sqlite_master"},
	{"SELECT * FROM sqlite_temp_master", "unknown resource"},
	{"SELECT now(1)", "wrong number of arguments"},
	{"EXPLAIN", "EXPLAIN needs"},
	{"EXPLAIN SHOW PROVIDERS", "EXPLAIN explains a SELECT or a DELETE"},
	{"EXPLAIN EXPLAIN SELECT 1", "EXPLAIN explains"},
	// Injections: what leaves a string literal is a statement of its own,
	// and the script is checked whole before anything runs.
	{"SELECT name FROM " + res + " WHERE " + bound + "; DROP TABLE users; --'", "DROP is not supported"},
	{"SELECT name FROM " + res + " WHERE username = 'octocat'; ATTACH DATABASE '/tmp/x' AS x; --' AND package_type = 'npm'", "needs the required param package_type"},
	{"SELECT name FROM " + res + " WHERE " + bound + " UNION SELECT sql FROM sqlite_master", "unknown resource sqlite_master"},
	{"SELECT 1; PRAGMA table_info('x')", "PRAGMA is not supported"},
	// Names.
	{"SELECT name FROM github.packages.user_packagez WHERE " + bound, `did you mean github.packages.user_packages?`},
	{"SELECT name FROM packages.user_pkgs WHERE " + bound, "unknown resource packages.user_pkgs"},
	{"SELECT name FROM gitlab.packages.user_packages WHERE " + bound, "unknown resource gitlab.packages.user_packages"},
	{"SELECT name FROM user_packages WHERE " + bound, "did you mean github.packages.user_packages?"},
	{"SELECT nmae FROM " + res + " WHERE " + bound, `unknown column "nmae"`},
	{"SELECT p.nmae FROM " + res + " p WHERE p.username = 'octocat' AND p.package_type = 'npm'", `did you mean "name"?`},
	{"SELECT q.name FROM " + res + " p WHERE p.username = 'octocat' AND p.package_type = 'npm'", `unknown table "q"`},
	{"SELECT name FROM " + res + " a, " + res + " b WHERE a." + bound + " AND b.username = 'x' AND b.package_type = 'npm'", "ambiguous"},
	{"SELECT name FROM " + res + " WHERE " + bound + " ORDER BY versions", `unknown column "versions"`},
	{"SELECT name FROM " + res + " WHERE " + bound + " AND id IN (SELECT idd FROM " + res + " WHERE " + bound + ")", `unknown column "idd"`},
	{"SELECT name FROM " + res + ", " + res + " WHERE " + bound, "named twice"},
	{"DESCRIBE github.packages.nope", "unknown resource"},
	{"DESCRIBE " + res + " extra", "unexpected"},
	{"DESCRIBE", "expected a resource"},
	{"SHOW", "expected PROVIDERS"},
	{"SHOW TABLES", "SHOW TABLES is not supported"},
	{"SHOW PROVIDERS extra", "unexpected"},
	{"SHOW METHODS", "needs the resource"},
	{"SHOW METHODS IN github.packages.nope", "unknown resource"},
	{"SHOW SERVICES IN gitlab", "unknown provider gitlab"},
	{"SHOW RESOURCES IN github.nope", "unknown service github.nope"},
	// Values.
	{"SELECT name FROM " + res + " WHERE username = 'octocat' AND package_type = 'dockr'", `did you mean "docker"?`},
	{"SELECT name FROM " + res + " WHERE username = 'octocat' AND package_type IN ('npm', 'nmp')", `invalid value "nmp"`},
	{"SELECT name FROM " + res + " WHERE " + bound + " AND visibility = 'secret'", `invalid value "secret" for visibility`},
	// Missing params: SQLite would happily scan these.
	{"SELECT * FROM " + res, "needs the required params package_type and username"},
	{"SELECT name FROM " + res + " WHERE package_type = 'npm'", "needs the required param username"},
	{"SELECT name FROM " + res + " WHERE username = 'octocat'", "needs the required param package_type"},
	{"SELECT name FROM " + res + " WHERE username LIKE 'octo%' AND package_type = 'npm'", "needs the required param username"},
	{"SELECT name FROM " + res + " WHERE username = 'octocat' OR package_type = 'npm'", "needs the required param"},
	{"SELECT name FROM " + res + " WHERE NOT username = 'octocat' AND package_type = 'npm'", "needs the required param username"},
	{"SELECT name FROM " + res + " WHERE username <> 'octocat' AND package_type = 'npm'", "needs the required param username"},
	{"SELECT count(*) FROM " + res + " a LEFT JOIN " + res + " b ON a.username = b.name WHERE b.username = 'octocat' AND b.package_type = 'npm' AND a.package_type = 'npm'", "needs the required param username"},
	{"SELECT name FROM " + res + " WHERE " + bound + " AND id IN (SELECT id FROM " + res + ")", "needs the required params"},
	{"SELECT name FROM " + res + " WHERE username IN (" + strings.Repeat("'u', ", 0) + manyUsers(1500) + ") AND package_type = 'npm'", "more than 1000 calls"},
	// DELETE.
	{"DELETE FROM " + res, "DELETE needs a WHERE clause"},
	{"DELETE FROM " + res + " WHERE package_name = 'hello'", "needs the required param"},
	{"DELETE FROM " + res + " WHERE " + bound + " ORDER BY id", "DELETE … ORDER BY is not supported"},
	{"DELETE FROM " + res + " WHERE " + bound + " LIMIT 1", "DELETE … LIMIT is not supported"},
	{"DELETE a FROM " + res + " a WHERE a." + bound, "several tables"},
	{"DELETE FROM " + res + " WHERE username = 'octocat' AND package_type = 'npn' AND package_name = 'x'", `did you mean "npm"?`},
	// EXEC.
	{"EXEC", "expected a method"},
	{"EXEC " + res, "EXEC names a method in full"},
	{"EXEC " + res + ".restore", `unknown method "restore"`},
	{"EXEC " + res + ".delete_package_for_user @username = 'octocat'", "not an EXEC method"},
	{"EXEC " + res + ".restore_package_for_user @username 'octocat'", "expected ="},
	{"EXEC " + res + ".restore_package_for_user @username = 'octocat' @package_type = 'npm'", "expected ','"},
	{"EXEC " + res + ".restore_package_for_user @username = 'octocat',", "unexpected end"},
	{"EXEC " + res + ".restore_package_for_user @username = ,", "expected a value"},
	{"EXEC " + res + ".restore_package_for_user username = 'octocat'", "expected @param = value"},
	{"EXEC " + res + ".restore_package_for_user @user = 'octocat'", `did you mean "@username"?`},
	{"EXEC " + res + ".restore_package_for_user @username = 'octocat', @username = 'hubot'", "given twice"},
	{"EXEC " + res + ".restore_package_for_user @username = NULL", "cannot be NULL"},
	{"EXEC " + res + ".restore_package_for_user @username = 'octocat', @package_type = 'rubygem', @package_name = 'x'", `did you mean "rubygems"?`},
	{"EXEC " + res + ".restore_package_for_user @username = 'octocat', @package_type = 'npm'", "needs @package_name"},
}

func manyUsers(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "'user%d'", i)
	}
	return b.String()
}

func TestCatalogue(t *testing.T) {
	t.Parallel()
	if len(hostile) < 60 {
		t.Fatalf("the catalogue has %d statements; it must keep at least 60", len(hostile))
	}
	h := newHarness(t, sandbox.Options{}, Config{Yes: true})
	huge := []struct{ sql, want string }{
		{"SELECT '" + strings.Repeat("x", 10<<20) + "'", "at most 1048576 are read"},
		{"SELECT name FROM " + res + " WHERE " + bound + " AND name IN (" + strings.Repeat("'n', ", 300000) + "'n')", "at most 1048576 are read"},
	}
	for _, c := range append(hostile, huge...) {
		name := c.sql
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) {
			_, err := h.exec(c.sql)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("want an *Error, got %v", err)
			}
			if !strings.Contains(e.Error(), c.want) {
				t.Errorf("error %q does not say %q", e.Error(), c.want)
			}
			if e.Line < 1 || e.Column < 1 {
				t.Errorf("error %q has no place", e.Error())
			}
		})
	}
	if n := len(h.rec.requests()); n != 0 {
		t.Errorf("the catalogue made %d provider calls", n)
	}
	if log := h.log(); len(log) != 0 {
		t.Errorf("the catalogue reached the API: %+v", log)
	}
}

// Errors point at the offending token, in lines and characters of the script.
func TestErrorPosition(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Config{})
	cases := []struct {
		script        string
		line, col, st int
		message       string
	}{
		{"SELECT nmae FROM github.packages.user_packages WHERE username = 'u' AND package_type = 'npm'", 1, 8, 0,
			`line 1, column 8: unknown column "nmae" in github.packages.user_packages; did you mean "name"?`},
		{"SHOW PROVIDERS;\n-- a comment; with a semicolon\nSELECT name\n  FROM github.packages.user_packages\n WHERE username = 'u' AND package_type = 'dockr'", 5, 42, 1,
			`line 5, column 42: invalid value "dockr" for package_type; did you mean "docker"? It is one of npm, maven, rubygems, docker, nuget and container`},
		{"SELECT 'é', nmae FROM github.packages.user_packages p WHERE p.username = 'u' AND p.package_type = 'npm'", 1, 13, 0, ""},
		{"SELECT 1;\nSELECT name FROM github.packages.user_packages\nWHERE package_type = 'npm'", 2, 18, 1,
			"line 2, column 18: github.packages.user_packages needs the required param username"},
		{"SELECT 1;\n\n  SELECT name FRM github.packages.user_packages", 3, 19, 1, `line 3, column 19: syntax error near "github.packages.user_packages"`},
		{"SELECT name FROM github.packages.user_packages WHERE (username = 'u'", 1, 69, 0, "line 1, column 69: syntax error: unexpected end of statement"},
		{"SELECT 1; SELECT 'x", 1, 18, 1, "line 1, column 18: unterminated string"},
		{"SELECT name FROM github.packages.user_packages WHERE username = 'u' AND package_type = 'npm'\n AND id IN (SELECT id FROM github.packages.user_packages)", 2, 28, 0,
			"line 2, column 28: github.packages.user_packages needs the required params package_type and username"},
	}
	for _, c := range cases {
		_, err := h.e.Prepare(c.script)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%q: %v", c.script, err)
		}
		if e.Line != c.line || e.Column != c.col || e.Statement != c.st {
			t.Errorf("%q: at line %d column %d statement %d, want %d %d %d (%v)", c.script, e.Line, e.Column, e.Statement, c.line, c.col, c.st, e)
		}
		if c.message != "" && !strings.HasPrefix(e.Error(), c.message) {
			t.Errorf("%q:\n got %s\nwant %s", c.script, e.Error(), c.message)
		}
	}
}
