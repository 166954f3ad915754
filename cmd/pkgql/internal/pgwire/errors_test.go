package pgwire_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	tests := []struct {
		name string
		sql  string
		args []any
		code string
		// at is the text the error's position must point at; "" for none.
		at string
		// message and hint must contain these.
		message, hint string
	}{
		{name: "unknown column", code: "42601", at: "nmae", hint: "name",
			sql: "SELECT nmae FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'"},
		{name: "unknown resource", code: "42601", at: "github.packages.user_pakages", hint: "user_packages",
			sql: "SELECT name FROM github.packages.user_pakages WHERE username = 'octocat'"},
		{name: "missing params", code: "42601", message: "package_type",
			sql: "SELECT name FROM github.packages.user_packages WHERE username = 'octocat'"},
		{name: "position on the second line", code: "42601", at: "bogus",
			sql: "SELECT name\n  FROM github.packages.user_packages\n WHERE bogus = 1 AND username = 'octocat' AND package_type = 'npm'"},
		{name: "position after a parameter", code: "42601", at: "bogus", args: []any{"a much longer value than $1"},
			sql: "SELECT name FROM github.packages.user_packages WHERE username = $1 AND bogus = 1 AND package_type = 'npm'"},
		{name: "syntax", code: "42601",
			sql: "SELECT name FROM WHERE"},
		{name: "unknown user", code: "42704", message: "404",
			sql: "SELECT name FROM github.packages.user_packages WHERE username = 'nobody-here' AND package_type = 'npm' AND package_name = 'x'"},
		{name: "not found: the hint only in its field", code: "42704", message: "404", hint: `"nope"`,
			sql: "SELECT name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'nope'"},
		{name: "catalog: unknown column", code: "0A000", message: "no such column: nosuch", hint: "SHOW RESOURCES IN github.packages",
			sql: "SELECT nosuch FROM pg_catalog.pg_class"},
		{name: "catalog: unknown setting", code: "0A000", message: `unrecognized configuration parameter "no_such"`,
			sql: "SELECT current_setting('no_such')::int"},
		{name: "catalog: unknown relation", code: "0A000", message: `relation "packages.nope" does not exist`,
			sql: "SELECT 'packages.nope'::regclass"},
		{name: "unknown setting", code: "42704", at: "no_such_setting",
			sql: "SHOW no_such_setting"},
		{name: "setting that cannot change", code: "55P02",
			sql: "SET server_version = '16'"},
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec, pgx.QueryExecModeCacheStatement} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			conn := f.connect(t, mode)
			for _, tt := range tests {
				if tt.args != nil && mode == pgx.QueryExecModeSimpleProtocol {
					continue // pgx writes the arguments into the text: positions move
				}
				_, err := query(t, conn, tt.sql, tt.args...)
				var pe *pgconn.PgError
				if !errors.As(err, &pe) {
					t.Errorf("%s: got %v, want a Postgres error", tt.name, err)
					continue
				}
				if pe.Code != tt.code {
					t.Errorf("%s: SQLSTATE %s (%s), want %s", tt.name, pe.Code, pe.Message, tt.code)
				}
				if !strings.Contains(pe.Message, tt.message) || !strings.Contains(pe.Hint, tt.hint) {
					t.Errorf("%s: message %q hint %q, want them to hold %q and %q", tt.name, pe.Message, pe.Hint, tt.message, tt.hint)
				}
				if pe.Hint != "" && strings.Contains(pe.Message, pe.Hint) {
					t.Errorf("%s: the message %q repeats the hint", tt.name, pe.Message)
				}
				if tt.at != "" {
					want := int32(len([]rune(tt.sql[:strings.Index(tt.sql, tt.at)]))) + 1
					if pe.Position != want {
						t.Errorf("%s: position %d, want %d (%q)", tt.name, pe.Position, want, tt.at)
					}
				}
				// The session goes on after an error.
				var one string
				if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&one); err != nil {
					t.Fatalf("%s: the session did not survive the error: %v", tt.name, err)
				}
			}
		})
	}
}

func TestParameterErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	conn := f.connect(t, pgx.QueryExecModeExec)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pc := conn.PgConn()
	sql := "SELECT name FROM github.packages.user_packages WHERE username = $1 AND package_type = $2"
	tests := []struct {
		name   string
		oids   []uint32
		values [][]byte
		code   string
	}{
		{"too few", nil, [][]byte{[]byte("octocat")}, "08P01"},
		{"not an integer", []uint32{20, 25}, [][]byte{[]byte("octo"), []byte("npm")}, "22P02"},
		{"injection stays a value", nil, [][]byte{[]byte("octocat' OR '1'='1"), []byte("npm")}, "42704"},
	}
	for _, tt := range tests {
		res := pc.ExecParams(ctx, sql, tt.values, tt.oids, nil, nil).Read()
		var pe *pgconn.PgError
		if !errors.As(res.Err, &pe) || pe.Code != tt.code {
			t.Errorf("%s: got %v, want SQLSTATE %s", tt.name, res.Err, tt.code)
		}
	}
	// A parameter number with no value.
	_, err := query(t, conn, "SELECT name FROM github.packages.user_packages WHERE username = $3")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "08P01" {
		t.Errorf("$3 with no values: got %v, want a protocol error", err)
	}
}
