package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

const res = "shop.store.items"

// bound is a WHERE that every SELECT method of the resource can take.
const bound = "shop = 'north' AND category = 'books'"

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
	{"SELECT name FROM " + res + " WHERE shop = 'a\x00b'", "NUL"},
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
	{"SELECT name FROM " + res + " WHERE shop = ?", "placeholders"},
	{"SELECT name FROM " + res + " WHERE shop = :user", "placeholders"},
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
	{"SELECT name FROM " + res + " WHERE shop = 'north'; ATTACH DATABASE '/tmp/x' AS x; --' AND category = 'books'", "needs the required param category"},
	{"SELECT name FROM " + res + " WHERE " + bound + " UNION SELECT sql FROM sqlite_master", "unknown resource sqlite_master"},
	{"SELECT 1; PRAGMA table_info('x')", "PRAGMA is not supported"},
	// Names.
	{"SELECT name FROM shop.store.itemz WHERE " + bound, `did you mean shop.store.items?`},
	{"SELECT name FROM store.item_list WHERE " + bound, "unknown resource store.item_list"},
	{"SELECT name FROM gitlab.store.items WHERE " + bound, "unknown resource gitlab.store.items"},
	{"SELECT name FROM items WHERE " + bound, "did you mean shop.store.items?"},
	{"SELECT nmae FROM " + res + " WHERE " + bound, `unknown column "nmae"`},
	{"SELECT p.nmae FROM " + res + " p WHERE p.shop = 'north' AND p.category = 'books'", `did you mean "name"?`},
	{"SELECT q.name FROM " + res + " p WHERE p.shop = 'north' AND p.category = 'books'", `unknown table "q"`},
	{"SELECT name FROM " + res + " a, " + res + " b WHERE a." + bound + " AND b.shop = 'x' AND b.category = 'books'", "ambiguous"},
	{"SELECT name FROM " + res + " WHERE " + bound + " ORDER BY versions", `unknown column "versions"`},
	{"SELECT name FROM " + res + " WHERE " + bound + " AND id IN (SELECT idd FROM " + res + " WHERE " + bound + ")", `unknown column "idd"`},
	{"SELECT name FROM " + res + ", " + res + " WHERE " + bound, "named twice"},
	{"DESCRIBE shop.store.nope", "unknown resource"},
	{"DESCRIBE " + res + " extra", "unexpected"},
	{"DESCRIBE", "expected a resource"},
	{"SHOW", "expected PROVIDERS"},
	{"SHOW TABLES", "SHOW TABLES is not supported"},
	{"SHOW PROVIDERS extra", "unexpected"},
	{"SHOW METHODS", "needs the resource"},
	{"SHOW METHODS IN shop.store.nope", "unknown resource"},
	{"SHOW SERVICES IN gitlab", "unknown provider gitlab"},
	{"SHOW RESOURCES IN shop.nope", "unknown service shop.nope"},
	// Values.
	{"SELECT name FROM " + res + " WHERE shop = 'north' AND category = 'toyz'", `did you mean "toys"?`},
	{"SELECT name FROM " + res + " WHERE shop = 'north' AND category IN ('books', 'bokos')", `invalid value "bokos"`},
	{"SELECT name FROM " + res + " WHERE " + bound + " AND visibility = 'secret'", `invalid value "secret" for visibility`},
	// Missing params: SQLite would happily scan these.
	{"SELECT * FROM " + res, "needs the required params category and shop"},
	{"SELECT name FROM " + res + " WHERE category = 'books'", "needs the required param shop"},
	{"SELECT name FROM " + res + " WHERE shop = 'north'", "needs the required param category"},
	{"SELECT name FROM " + res + " WHERE shop LIKE 'octo%' AND category = 'books'", "needs the required param shop"},
	{"SELECT name FROM " + res + " WHERE shop = 'north' OR category = 'books'", "needs the required param"},
	{"SELECT name FROM " + res + " WHERE NOT shop = 'north' AND category = 'books'", "needs the required param shop"},
	{"SELECT name FROM " + res + " WHERE shop <> 'north' AND category = 'books'", "needs the required param shop"},
	{"SELECT count(*) FROM " + res + " a LEFT JOIN " + res + " b ON a.shop = b.name WHERE b.shop = 'north' AND b.category = 'books' AND a.category = 'books'", "needs the required param shop"},
	{"SELECT name FROM " + res + " WHERE " + bound + " AND id IN (SELECT id FROM " + res + ")", "needs the required params"},
	{"SELECT name FROM " + res + " WHERE shop IN (" + strings.Repeat("'u', ", 0) + manyUsers(1500) + ") AND category = 'books'", "more than 1000 calls"},
	// DELETE.
	{"DELETE FROM " + res, "DELETE needs a WHERE clause"},
	{"DELETE FROM " + res + " WHERE item_name = 'beacon'", "needs the required param"},
	{"DELETE FROM " + res + " WHERE " + bound + " ORDER BY id", "DELETE … ORDER BY is not supported"},
	{"DELETE FROM " + res + " WHERE " + bound + " LIMIT 1", "DELETE … LIMIT is not supported"},
	{"DELETE a FROM " + res + " a WHERE a." + bound, "several tables"},
	{"DELETE FROM " + res + " WHERE shop = 'north' AND category = 'bookz' AND item_name = 'x'", `did you mean "books"?`},
	// EXEC.
	{"EXEC", "expected a method"},
	{"EXEC " + res, "EXEC names a method in full"},
	{"EXEC " + res + ".restore", `unknown method "restore"`},
	{"EXEC " + res + ".delete_item @shop = 'north'", "not an EXEC method"},
	{"EXEC " + res + ".restore_item @shop 'north'", "expected ="},
	{"EXEC " + res + ".restore_item @shop = 'north' @category = 'books'", "expected ','"},
	{"EXEC " + res + ".restore_item @shop = 'north',", "unexpected end"},
	{"EXEC " + res + ".restore_item @shop = ,", "expected a value"},
	{"EXEC " + res + ".restore_item shop = 'north'", "expected @param = value"},
	{"EXEC " + res + ".restore_item @shp = 'north'", `did you mean "@shop"?`},
	{"EXEC " + res + ".restore_item @shop = 'north', @shop = 'east'", "given twice"},
	{"EXEC " + res + ".restore_item @shop = NULL", "cannot be NULL"},
	{"EXEC " + res + ".restore_item @shop = 'north', @category = 'tool', @item_name = 'x'", `did you mean "tools"?`},
	{"EXEC " + res + ".restore_item @shop = 'north', @category = 'books'", "needs @item_name"},
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
	h := newHarness(t, testprovider.Options{}, Config{Yes: true})
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
	if n := len(h.calls()); n != 0 {
		t.Errorf("the catalogue made %d provider calls", n)
	}
	if log := h.log(); len(log) != 0 {
		t.Errorf("the catalogue reached the API: %+v", log)
	}
}

// Errors point at the offending token, in lines and characters of the script.
func TestErrorPosition(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	cases := []struct {
		script        string
		line, col, st int
		message       string
	}{
		{"SELECT nmae FROM shop.store.items WHERE shop = 'u' AND category = 'books'", 1, 8, 0,
			`line 1, column 8: unknown column "nmae" in shop.store.items; did you mean "name"?`},
		{"SHOW PROVIDERS;\n-- a comment; with a semicolon\nSELECT name\n  FROM shop.store.items\n WHERE shop = 'u' AND category = 'toyz'", 5, 34, 1,
			`line 5, column 34: invalid value "toyz" for category; did you mean "toys"? It is one of books, games, music, tools, toys and food`},
		{"SELECT 'é', nmae FROM shop.store.items p WHERE p.shop = 'u' AND p.category = 'books'", 1, 13, 0, ""},
		{"SELECT 1;\nSELECT name FROM shop.store.items\nWHERE category = 'books'", 2, 18, 1,
			"line 2, column 18: shop.store.items needs the required param shop"},
		{"SELECT 1;\n\n  SELECT name FRM shop.store.items", 3, 19, 1, `line 3, column 19: syntax error near "shop.store.items"`},
		{"SELECT name FROM shop.store.items WHERE (shop = 'u'", 1, 52, 0, "line 1, column 52: syntax error: unexpected end of statement"},
		{"SELECT 1; SELECT 'x", 1, 18, 1, "line 1, column 18: unterminated string"},
		{"SELECT name FROM shop.store.items WHERE shop = 'u' AND category = 'books'\n AND id IN (SELECT id FROM shop.store.items)", 2, 28, 0,
			"line 2, column 28: shop.store.items needs the required params category and shop"},
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
