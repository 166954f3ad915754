package pgwire_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestSessionStatements(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	tests := []struct {
		sql    string
		want   [][]any // nil: no rows
		tag    string
		notice string
		cols   []string // the column names, when they matter
	}{
		{sql: "SHOW server_version", want: [][]any{{"15.0 (pkgql)"}}, tag: "SHOW"},
		// The SHOW forms Postgres spells in several words (SQLAlchemy asks
		// for the isolation level when it connects).
		{sql: "SHOW TRANSACTION ISOLATION LEVEL", want: [][]any{{"read committed"}}, tag: "SHOW", cols: []string{"transaction_isolation"}},
		{sql: "show time zone", want: [][]any{{"UTC"}}, tag: "SHOW", cols: []string{"TimeZone"}},
		{sql: "SHOW SESSION AUTHORIZATION", want: [][]any{{"tester"}}, tag: "SHOW", cols: []string{"session_authorization"}},
		{sql: "SET TIME ZONE 'Europe/Paris'", tag: "SET"},
		{sql: "SHOW TIME ZONE", want: [][]any{{"Europe/Paris"}}, tag: "SHOW", cols: []string{"TimeZone"}},
		// Constant string CASTs, as SQLAlchemy probes what strings come back as.
		{sql: "SELECT CAST('test plain returns' AS VARCHAR(60)) AS anon_1", want: [][]any{{"test plain returns"}}, tag: "SELECT 1", cols: []string{"anon_1"}},
		{sql: "SELECT CAST('abc' AS char(5)), CAST('abcdef' AS character varying(3)), CAST('x' AS text), CAST('yz' AS CHAR)",
			want: [][]any{{"abc  ", "abc", "x", "y"}}, tag: "SELECT 1", cols: []string{"bpchar", "varchar", "text", "bpchar"}},
		{sql: "SELECT session_user AS who, CAST('é' AS varchar) v", want: [][]any{{"tester", "é"}}, tag: "SELECT 1", cols: []string{"who", "v"}},
		{sql: "SHOW standard_conforming_strings", want: [][]any{{"on"}}, tag: "SHOW"},
		{sql: "SET application_name = 'grafana'", tag: "SET"},
		{sql: "SHOW application_name", want: [][]any{{"grafana"}}, tag: "SHOW"},
		{sql: "SET search_path TO public, github", tag: "SET"},
		{sql: "SHOW search_path", want: [][]any{{"public, github"}}, tag: "SHOW"},
		{sql: "SET statement_timeout = 0", tag: "SET"},
		{sql: "SET pkgql.yes TO off", tag: "SET"},
		{sql: "SHOW pkgql.yes", want: [][]any{{"off"}}, tag: "SHOW"},
		{sql: "SELECT current_database(), current_user", want: [][]any{{"pkgql", "tester"}}, tag: "SELECT 1"},
		{sql: "SELECT current_setting('server_version_num') AS num", want: [][]any{{"150000"}}, tag: "SELECT 1"},
		{sql: "SELECT version()", want: [][]any{{"PostgreSQL 15.0 (pkgql) — pkgql test, SQL over GitHub Packages"}}, tag: "SELECT 1"},
		{sql: "BEGIN", tag: "BEGIN", notice: "no transactions"},
		{sql: "COMMIT", tag: "COMMIT", notice: "no transactions"},
		{sql: "ROLLBACK", tag: "ROLLBACK", notice: "no transactions"},
		{sql: "RESET application_name", tag: "RESET"},
		{sql: "DISCARD ALL", tag: "DISCARD ALL"},
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec, pgx.QueryExecModeCacheStatement} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var notices []string
			cfg, err := pgx.ParseConfig(f.url("tester", ""))
			if err != nil {
				t.Fatal(err)
			}
			cfg.DefaultQueryExecMode = mode
			cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
				mu.Lock()
				notices = append(notices, n.Message)
				mu.Unlock()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			conn, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			for _, tt := range tests {
				mu.Lock()
				notices = nil
				mu.Unlock()
				rows, err := conn.Query(ctx, tt.sql)
				if err != nil {
					t.Fatalf("%s: %v", tt.sql, err)
				}
				var got [][]any
				for rows.Next() {
					v, _ := rows.Values()
					got = append(got, v)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					t.Fatalf("%s: %v", tt.sql, err)
				}
				if tag := rows.CommandTag().String(); tag != tt.tag {
					t.Errorf("%s: tag %q, want %q", tt.sql, tag, tt.tag)
				}
				if len(got) != len(tt.want) || (len(got) > 0 && !equalRows(got, tt.want)) {
					t.Errorf("%s: rows %v, want %v", tt.sql, got, tt.want)
				}
				if tt.cols != nil {
					var cols []string
					for _, fd := range rows.FieldDescriptions() {
						cols = append(cols, fd.Name)
					}
					if !slices.Equal(cols, tt.cols) {
						t.Errorf("%s: columns %q, want %q", tt.sql, cols, tt.cols)
					}
				}
				mu.Lock()
				if tt.notice != "" && (len(notices) != 1 || !strings.Contains(notices[0], tt.notice)) {
					t.Errorf("%s: notices %q, want one about %q", tt.sql, notices, tt.notice)
				}
				mu.Unlock()
			}
			// A pgx transaction goes through, each statement on its own.
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var n string
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM github.packages.user_packages WHERE username = 'hubot' AND package_type = 'npm'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func equalRows(a, b [][]any) bool {
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

func TestStartupParameters(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	conn := f.connect(t, pgx.QueryExecModeExec)
	pc := conn.PgConn()
	for name, want := range map[string]string{
		"server_version":              "15.0 (pkgql)",
		"client_encoding":             "UTF8",
		"server_encoding":             "UTF8",
		"standard_conforming_strings": "on",
		"DateStyle":                   "ISO, MDY",
		"integer_datetimes":           "on",
	} {
		if got := pc.ParameterStatus(name); got != want {
			t.Errorf("ParameterStatus %s = %q, want %q", name, got, want)
		}
	}
	if pc.PID() == 0 {
		t.Error("no backend key")
	}
	if _, err := conn.Exec(context.Background(), "SET application_name = 'notebook'"); err != nil {
		t.Fatal(err)
	}
	if got := pc.ParameterStatus("application_name"); got != "notebook" {
		t.Errorf("after SET, ParameterStatus application_name = %q", got)
	}
}
