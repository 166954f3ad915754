package pgwire_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

const npmQuery = "SELECT id, name, version_count FROM packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' ORDER BY id"

// TestCopy reads a query with psql's \copy and with COPY TO STDOUT, in text
// and CSV, and checks the rows against the engine's; errors first.
func TestCopy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	rows := f.direct(t, npmQuery)
	var text, csv strings.Builder
	csv.WriteString("id,name,version_count\n")
	for _, r := range rows.rows {
		fmt.Fprintf(&text, "%v\t%v\t%v\n", r[0], r[1], r[2])
		fmt.Fprintf(&csv, "%v,%v,%v\n", r[0], r[1], r[2])
	}
	for _, tt := range []struct{ name, cmd, want, errWant string }{
		{"COPY FROM", "COPY packages.user_packages FROM STDIN", "", "COPY FROM is not supported"},
		{"COPY to a file", "COPY (" + npmQuery + ") TO '/tmp/x'", "", "COPY writes only TO STDOUT"},
		{"binary", "COPY (" + npmQuery + ") TO STDOUT (FORMAT binary)", "", `FORMAT "binary" is not supported`},
		{"a DELETE", "COPY (DELETE FROM packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello') TO STDOUT", "", "COPY copies the rows of a query"},
		{"missing params", "COPY (SELECT name FROM packages.user_packages) TO STDOUT", "", "package_type"},
		{`\copy text`, `\copy (` + npmQuery + `) to stdout`, text.String(), ""},
		{`\copy csv header`, `\copy (` + npmQuery + `) to stdout csv header`, csv.String(), ""},
		{"COPY csv header", "COPY (" + npmQuery + ") TO STDOUT WITH (FORMAT csv, HEADER)", csv.String(), ""},
		{"COPY old syntax", "COPY (" + npmQuery + ") TO STDOUT WITH CSV HEADER", csv.String(), ""},
		{"COPY of the catalog", "COPY (SELECT nspname FROM pg_namespace WHERE nspname = 'packages') TO STDOUT", "packages\n", ""},
	} {
		out, errOut, err := f.psql(t, "", "-c", tt.cmd)
		if tt.errWant != "" {
			if err == nil || !strings.Contains(errOut, tt.errWant) {
				t.Errorf("%s: err %v, stderr %q, want an error with %q", tt.name, err, errOut, tt.errWant)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v\n%s", tt.name, err, errOut)
			continue
		}
		if out != tt.want {
			t.Errorf("%s printed\n%s\nwant\n%s", tt.name, out, tt.want)
		}
	}
	// A value with the characters each format escapes.
	out, errOut, err := f.psql(t, "", "-c", `COPY (SELECT 'a,b"c', 'tab	x', NULL) TO STDOUT (FORMAT csv)`)
	if err != nil || out != "\"a,b\"\"c\",tab\tx,\n" {
		t.Errorf("CSV quoting: %q %v %s", out, err, errOut)
	}
	out, errOut, err = f.psql(t, "", "-c", `COPY (SELECT 'a\b'::text, 'tab	x'::text, NULL) TO STDOUT`)
	if err != nil || out != "a\\\\b\ttab\\tx\t\\N\n" {
		t.Errorf("text escapes: %q %v %s", out, err, errOut)
	}
}

// TestCursors runs psycopg2's named-cursor sequence over the simple
// protocol, errors first: FETCH in batches gives the rows in order, and a
// cursor without hold ends at COMMIT.
func TestCursors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	conn := f.connect(t, pgx.QueryExecModeSimpleProtocol)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	exec := func(sql string) error { _, err := conn.Exec(ctx, sql); return err }
	code := func(err error) string {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return pe.Code
		}
		return fmt.Sprint(err)
	}
	for _, tt := range []struct{ sql, code string }{
		{"FETCH 1 FROM nosuch", "34000"},
		{"CLOSE nosuch", "34000"},
		{"DECLARE c SCROLL CURSOR FOR " + npmQuery, "0A000"},
		{"DECLARE c CURSOR FOR SELECT nmae FROM packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'", "42601"},
		{"DECLARE c CURSOR FOR DELETE FROM packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'x'", "0A000"},
	} {
		if got := code(exec(tt.sql)); got != tt.code {
			t.Errorf("%s: %s, want %s", tt.sql, got, tt.code)
		}
	}
	want := f.direct(t, npmQuery)
	if err := exec("BEGIN"); err != nil {
		t.Fatal(err)
	}
	if err := exec(`DECLARE "c_1" CURSOR WITHOUT HOLD FOR ` + npmQuery); err != nil {
		t.Fatal(err)
	}
	if got := code(exec(`DECLARE "c_1" CURSOR FOR ` + npmQuery)); got != "42P03" {
		t.Errorf("a second DECLARE of c_1: %s, want 42P03", got)
	}
	var got [][]any
	for batch := 0; ; batch++ {
		rs, err := query(t, conn, `FETCH FORWARD 7 FROM "c_1"`)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rs.rows...)
		if len(rs.rows) < 7 {
			break
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want.rows) {
		t.Errorf("FETCHes gave\n%v\nwant\n%v", got, want.rows)
	}
	if err := exec(`DECLARE more CURSOR FOR ` + npmQuery); err != nil {
		t.Fatal(err)
	}
	if err := exec("MOVE 3 IN more"); err != nil {
		t.Fatal(err)
	}
	rs, err := query(t, conn, "FETCH NEXT FROM more")
	if err != nil || len(rs.rows) != 1 || fmt.Sprint(rs.rows[0]) != fmt.Sprint(want.rows[3]) {
		t.Errorf("MOVE 3 then FETCH NEXT: %v %v, want %v", rs.rows, err, want.rows[3])
	}
	if err := exec("COMMIT"); err != nil {
		t.Fatal(err)
	}
	if got := code(exec("FETCH 1 FROM more")); got != "34000" {
		t.Errorf("FETCH after COMMIT: %s, want 34000 (the cursor ended with the transaction)", got)
	}
}

// TestReadOnly checks that BEGIN READ ONLY shows in transaction_read_only
// and refuses DELETE until COMMIT, and that nothing reaches the API.
func TestReadOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec} {
		conn := f.connect(t, mode)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		show := func() string {
			var v string
			if err := conn.QueryRow(ctx, "SHOW transaction_read_only").Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		if v := show(); v != "off" {
			t.Errorf("%s: before BEGIN transaction_read_only = %s", mode, v)
		}
		if _, err := conn.Exec(ctx, "BEGIN READ ONLY"); err != nil {
			t.Fatal(err)
		}
		if v := show(); v != "on" {
			t.Errorf("%s: after BEGIN READ ONLY transaction_read_only = %s", mode, v)
		}
		_, err := conn.Exec(ctx, "DELETE FROM packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "25006" {
			t.Errorf("%s: DELETE in a read-only transaction: %v, want 25006", mode, err)
		}
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			t.Fatal(err)
		}
		if v := show(); v != "off" {
			t.Errorf("%s: after COMMIT transaction_read_only = %s", mode, v)
		}
		cancel()
	}
	// JDBC's setReadOnly(true) makes the session read-only.
	conn := f.connect(t, pgx.QueryExecModeSimpleProtocol)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := conn.QueryRow(ctx, "SHOW default_transaction_read_only").Scan(&v); err != nil || v != "on" {
		t.Errorf("default_transaction_read_only = %q, %v; want on", v, err)
	}
	_, err := conn.Exec(ctx, "EXEC github.packages.user_packages.restore_package_for_user @username = 'octocat', @package_type = 'npm', @package_name = 'hello'")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "25006" {
		t.Errorf("EXEC in a read-only session: %v, want 25006", err)
	}
	if st := f.api.Stats(); st.Mutations != 0 || st.ByKind["DELETE"] != 0 {
		t.Errorf("the API saw %d DELETEs and %d changes, want none", st.ByKind["DELETE"], st.Mutations)
	}
}

// TestCursorExtended fetches from a cursor over the extended protocol, as
// drivers that prepare every statement do: Describe of a FETCH gives the
// cursor's columns.
func TestCursorExtended(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	conn := f.connect(t, pgx.QueryExecModeCacheStatement)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "DECLARE c CURSOR WITH HOLD FOR "+npmQuery); err != nil {
		t.Fatal(err)
	}
	want := f.direct(t, npmQuery)
	rs, err := query(t, conn, "FETCH 4 FROM c")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rs.rows) != fmt.Sprint(want.rows[:4]) || strings.Join(rs.cols, ",") != "id,name,version_count" {
		t.Errorf("FETCH 4: %v %v, want %v", rs.cols, rs.rows, want.rows[:4])
	}
	if _, err := conn.Exec(ctx, "CLOSE c"); err != nil {
		t.Fatal(err)
	}
}

// TestPortalsInTransaction reads many unnamed portals inside one BEGIN, as
// psycopg does without autocommit: each replaces the last, whose statement
// ends, and every result is whole.
func TestPortalsInTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	conn := f.connect(t, pgx.QueryExecModeExec)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	want := f.direct(t, npmQuery)
	if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		rs, err := query(t, conn, npmQuery)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs.rows) != len(want.rows) {
			t.Fatalf("query %d in the transaction gave %d rows, want %d", i, len(rs.rows), len(want.rows))
		}
	}
	if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
}

// TestCancelFetch cancels a FETCH held up by a slow API: it ends at once
// with 57014, and the session goes on.
func TestCancelFetch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{latency: 5 * time.Second})
	conn := f.connect(t, pgx.QueryExecModeSimpleProtocol)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "DECLARE slow CURSOR WITH HOLD FOR "+npmQuery); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		if err := conn.PgConn().CancelRequest(ctx); err != nil {
			t.Errorf("CancelRequest: %v", err)
		}
	}()
	begin := time.Now()
	_, err := query(t, conn, "FETCH 5 FROM slow")
	if pgCode(err) != "57014" {
		t.Errorf("cancelled FETCH answered %v, want 57014", err)
	}
	if d := time.Since(begin); d > 3*time.Second {
		t.Errorf("the cancelled FETCH took %s", d)
	}
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		t.Errorf("the session did not survive the cancel: %v", err)
	}
}

// TestCursorStreams checks that a cursor reads GitHub only as far as its
// FETCHes (plus the buffers between): after FETCH 10 of a listing of many
// pages, well under half of them have been requested; FETCH ALL then reads
// the rest, and every row comes.
func TestCursorStreams(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{users: []sandbox.UserSeed{{Login: "many", Packages: 30000}}})
	conn := f.connect(t, pgx.QueryExecModeSimpleProtocol)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const listing = "SELECT id FROM packages.user_packages WHERE username = 'many' AND package_type = 'npm'"
	var n int
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM ("+listing+") AS l").Scan(&n); err != nil {
		t.Fatal(err)
	}
	pages := f.api.Stats().Total
	if _, err := conn.Exec(ctx, "DECLARE c CURSOR WITH HOLD FOR "+listing); err != nil {
		t.Fatal(err)
	}
	rs, err := query(t, conn, "FETCH 10 FROM c")
	if err != nil || len(rs.rows) != 10 {
		t.Fatalf("FETCH 10: %d rows, %v", len(rs.rows), err)
	}
	// Give the query time to read ahead as far as the buffers let it.
	time.Sleep(500 * time.Millisecond)
	if got := f.api.Stats().Total - pages; got*2 >= pages {
		t.Errorf("after FETCH 10 the cursor had requested %d of the listing's %d pages: it does not stream", got, pages)
	}
	rs, err = query(t, conn, "FETCH ALL FROM c")
	if err != nil || len(rs.rows) != n-10 {
		t.Errorf("FETCH ALL: %d rows, %v; want %d", len(rs.rows), err, n-10)
	}
}
