package engine

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

// dialect is the catalogue of forms that MySQL's grammar (the parser at the
// door) reads differently from Postgres and SQLite. Each case is either
// answered as a Postgres or SQLite user means it — the same rows as a
// reference statement written without the form, or the rows given — or
// refused with an error that says so at its place. A wrong answer with no
// error is what the catalogue exists to rule out.
var dialect = []struct {
	name string
	sql  string
	same string  // a statement that must give the same rows
	rows [][]any // or the rows themselves
	err  string  // or an error that says this
	col  int     // the error's column, when checked
}{
	// Double-quoted names are names.
	{name: "quoted column in WHERE", sql: "SELECT count(*) FROM " + res + ` WHERE shop = 'north' AND category = 'games' AND "visibility" = 'public'`,
		same: "SELECT count(*) FROM " + res + " WHERE shop = 'north' AND category = 'games' AND visibility = 'public'"},
	{name: "quoted select list", sql: `SELECT "name", "id" FROM ` + res + " WHERE " + bound + " ORDER BY id",
		same: "SELECT name, id FROM " + res + " WHERE " + bound + " ORDER BY id"},
	{name: "quoted param", sql: "SELECT name FROM " + res + ` WHERE "shop" = 'north' AND "category" = 'books' ORDER BY "name"`,
		same: "SELECT name FROM " + res + " WHERE " + bound + " ORDER BY name"},
	{name: "quoted resource parts", sql: `SELECT name FROM "shop"."store"."items" WHERE ` + bound + " ORDER BY name",
		same: "SELECT name FROM " + res + " WHERE " + bound + " ORDER BY name"},
	{name: "quoted alias and qualifier", sql: `SELECT "p"."name" AS "Item Name" FROM ` + res + ` AS "p" WHERE p.` + bound + ` ORDER BY "Item Name"`,
		same: "SELECT p.name FROM " + res + " AS p WHERE p." + bound + " ORDER BY name"},
	{name: "the full name quoted whole, in a window statement", sql: `SELECT name, RANK() OVER (ORDER BY id) FROM "shop.store.items" WHERE ` + bound + " ORDER BY id",
		same: "SELECT name, RANK() OVER (ORDER BY id) FROM " + res + " WHERE " + bound + " ORDER BY id"},
	{name: "a short name in a window statement", sql: "SELECT RANK() OVER () FROM items", err: "did you mean shop.store.items?", col: 28},
	{name: "quote in a quoted name", sql: `SELECT 1 AS "a""b"`, rows: [][]any{{int64(1)}}},
	{name: "backticks stay names", sql: "SELECT `name` FROM " + res + " WHERE " + bound + " ORDER BY `name`",
		same: "SELECT name FROM " + res + " WHERE " + bound + " ORDER BY name"},
	{name: "unknown quoted name is an error, not a string", sql: `SELECT "nmae" FROM ` + res + " WHERE " + bound, err: `unknown column "nmae"`, col: 8},
	{name: "a MySQL string in double quotes", sql: "SELECT name FROM " + res + ` WHERE ` + bound + ` AND visibility = "public"`, err: `unknown column "public" in shop.store.items; double quotes make a name; write 'public' for a string`},
	{name: "a MySQL string in double quotes, in a window statement", sql: "SELECT RANK() OVER () FROM " + res + ` WHERE ` + bound + ` AND visibility = "public"`, err: `write 'public' for a string`},
	{name: "a quoted keyword is a name", sql: `SELECT "select" FROM ` + res + " WHERE " + bound, err: `unknown column "select"`},
	{name: "single quotes are strings", sql: "SELECT 'name'", rows: [][]any{{"name"}}},
	{name: "doubled single quote", sql: "SELECT 'it''s'", rows: [][]any{{"it's"}}},
	// || joins strings.
	{name: "|| concatenates", sql: "SELECT 'a' || 'b' || 'c'", rows: [][]any{{"abc"}}},
	{name: "|| with a column", sql: "SELECT name || '@' || category FROM " + res + " WHERE " + bound + " AND name = 'beacon'", rows: [][]any{{"beacon@books"}}},
	{name: "|| under a comparison", sql: "SELECT 'a' || 'b' = 'ab'", rows: [][]any{{int64(1)}}},
	{name: "|| in WHERE does not mean OR", sql: "SELECT count(*) FROM " + res + " WHERE " + bound + " AND name || '' = 'beacon'", rows: [][]any{{int64(1)}}},
	{name: "|| beside arithmetic", sql: "SELECT 'a' || 1 + 2", err: "|| next to + is read differently", col: 12},
	{name: "|| beside arithmetic in parentheses", sql: "SELECT 'a' || (1 + 2)", rows: [][]any{{"a3"}}},
	// Operators MySQL reads as something else.
	{name: "!", sql: "SELECT !1", err: "! is not read", col: 8},
	{name: "!=", sql: "SELECT 1 != 2", rows: [][]any{{int64(1)}}},
	{name: "^", sql: "SELECT 2 ^ 3", err: "^ is not read", col: 10},
	{name: "&&", sql: "SELECT 1 && 0", err: "&& is not read", col: 10},
	{name: "IS NOT DISTINCT FROM", sql: "SELECT NULL IS NOT DISTINCT FROM NULL, 1 IS NOT DISTINCT FROM 2", rows: [][]any{{int64(1), int64(0)}}},
	{name: "IS DISTINCT FROM", sql: "SELECT 1 IS DISTINCT FROM 2", err: "IS DISTINCT FROM is not read", col: 10},
	{name: "IS DISTINCT FROM in a window statement", sql: "WITH a AS (SELECT 1 AS x) SELECT x IS DISTINCT FROM 2 FROM a", rows: [][]any{{int64(1)}}},
	{name: "<=> is IS", sql: "SELECT NULL <=> NULL, 1 <=> NULL", rows: [][]any{{int64(1), int64(0)}}},
	{name: "DIV is whole division", sql: "SELECT 7 DIV 2, -7 DIV 2", rows: [][]any{{int64(3), int64(-3)}}},
	{name: "MOD is %", sql: "SELECT 7 MOD 3, mod(7, 3)", rows: [][]any{{int64(1), float64(1)}}},
	{name: "/ of integers is whole as in Postgres", sql: "SELECT 7 / 2", rows: [][]any{{int64(3)}}},
	{name: "REGEXP", sql: "SELECT 'a' REGEXP 'a'", err: "REGEXP is not supported", col: 12},
	// Comments.
	{name: "# is not a comment", sql: "SELECT 5 # 3", err: "# starts a comment only in MySQL", col: 10},
	{name: "-- is a comment", sql: "SELECT 5 -- 3", rows: [][]any{{int64(5)}}},
	{name: "nested comments", sql: "SELECT 1 /* a /* b */ c */", err: "nested comments", col: 10},
	// Strings.
	{name: "backslash in a string", sql: `SELECT 'a\nb'`, err: "a backslash in a quoted text", col: 10},
	{name: "backslash before a quote", sql: `SELECT 'C:\' AS p`, err: "a backslash in a quoted text"},
	{name: "char(92) is a backslash", sql: "SELECT 'a' || char(92) || 'b'", rows: [][]any{{`a\b`}}},
	// LIKE is case-sensitive as in Postgres; ILIKE is not.
	{name: "LIKE is case-sensitive", sql: "SELECT count(*) FROM " + res + " WHERE " + bound + " AND name LIKE 'BEACON%'", rows: [][]any{{int64(0)}}},
	{name: "ILIKE ignores case", sql: "SELECT name FROM " + res + " WHERE " + bound + " AND name ILIKE 'BEACON'", rows: [][]any{{"beacon"}}},
	{name: "NOT ILIKE", sql: "SELECT count(*) FROM " + res + " WHERE " + bound + " AND name NOT ILIKE 'BEACON'",
		same: "SELECT count(*) FROM " + res + " WHERE " + bound + " AND name <> 'beacon'"},
	// Implicit casts: numbers compare as numbers, text as text.
	{name: "integer column against a numeric string", sql: "SELECT count(*) FROM " + res + " WHERE " + bound + " AND price >= '1'",
		same: "SELECT count(*) FROM " + res + " WHERE " + bound + " AND price >= 1"},
	{name: "text is not a number", sql: "SELECT '10' = 10", rows: [][]any{{int64(0)}}},
	{name: "text comparison is case-sensitive", sql: "SELECT 'a' = 'A'", rows: [][]any{{int64(0)}}},
	// Postgres casts and FETCH FIRST.
	{name: "::int", sql: "SELECT '5'::int + 1, '7'::bigint", rows: [][]any{{int64(6), int64(7)}}},
	{name: "::text and ::float8", sql: "SELECT 5::text, (7 / 2)::float8, '1.5'::numeric", rows: [][]any{{"5", float64(3), 1.5}}},
	{name: "::timestamptz and ::date", sql: "SELECT '2024-01-31 12:00:00'::timestamptz, '2024-01-31T12:00:00+02:00'::date", rows: [][]any{{"2024-01-31T12:00:00Z", "2024-01-31"}}},
	{name: "::jsonb", sql: `SELECT json_extract('{"a": 1}'::jsonb, '$.a')`, rows: [][]any{{int64(1)}}},
	{name: "a cast of a column and of a call", sql: "SELECT price::text, upper(name)::varchar FROM " + res + " WHERE " + bound + " AND name = 'beacon'",
		same: "SELECT CAST(price AS CHAR), upper(name) FROM " + res + " WHERE " + bound + " AND name = 'beacon'"},
	{name: "a cast of a window function", sql: "SELECT name, ROW_NUMBER() OVER (ORDER BY id)::text FROM " + res + " WHERE " + bound + " ORDER BY id LIMIT 1",
		same: "SELECT name, '1' FROM " + res + " WHERE " + bound + " ORDER BY id LIMIT 1"},
	{name: "::boolean", sql: "SELECT 1::boolean", err: "::boolean is not supported", col: 11},
	{name: ":: with nothing before it", sql: "SELECT ::int", err: ":: needs a value", col: 8},
	{name: "FETCH FIRST", sql: "SELECT name FROM " + res + " WHERE " + bound + " ORDER BY id FETCH FIRST 3 ROWS ONLY",
		same: "SELECT name FROM " + res + " WHERE " + bound + " ORDER BY id LIMIT 3"},
	{name: "OFFSET … ROWS FETCH NEXT", sql: "SELECT name FROM " + res + " WHERE " + bound + " ORDER BY id OFFSET 2 ROWS FETCH NEXT 1 ROW ONLY",
		same: "SELECT name FROM " + res + " WHERE " + bound + " ORDER BY id LIMIT 1 OFFSET 2"},
	{name: "FETCH in a window statement", sql: "SELECT name, RANK() OVER (ORDER BY id) FROM " + res + " WHERE " + bound + " ORDER BY id FETCH FIRST 2 ROWS ONLY",
		same: "SELECT name, RANK() OVER (ORDER BY id) FROM " + res + " WHERE " + bound + " ORDER BY id LIMIT 2"},
	{name: "a FETCH not read", sql: "SELECT 1 FETCH 2", err: "this FETCH is not read", col: 10},
}

func TestDialect(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	for _, c := range dialect {
		t.Run(c.name, func(t *testing.T) {
			got, err := h.exec(c.sql)
			if c.err != "" {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("%s: want an error saying %q, got %v (%v)", c.sql, c.err, err, got)
				}
				if !strings.Contains(e.Error(), c.err) {
					t.Errorf("%s: error %q does not say %q", c.sql, e.Error(), c.err)
				}
				if c.col != 0 && e.Column != c.col {
					t.Errorf("%s: error at column %d, want %d: %v", c.sql, e.Column, c.col, e)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", c.sql, err)
			}
			want := c.rows
			if c.same != "" {
				want = h.one(c.same).rows
				if len(want) == 0 {
					t.Fatalf("%s: the reference has no rows: the case cannot fail", c.same)
				}
			}
			if !reflect.DeepEqual(got[0].rows, want) {
				t.Errorf("%s:\n got %s\nwant %s", c.sql, fmt.Sprint(got[0].rows), fmt.Sprint(want))
			}
		})
	}
}
