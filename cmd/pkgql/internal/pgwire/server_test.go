package pgwire_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/engine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/pgengine"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/pgwire"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github"
	"github.com/pkgql/pkgql/provider/github/sandbox"
	"github.com/pkgql/pkgql/schema"
)

// The tests serve real engines over the real GitHub provider, which talks
// HTTP to the sandbox, and query them with pgx and psql.

const token = "ghp_pgwiretesttoken0000000000000000000000"

type fixture struct {
	t        *testing.T
	srv      *pgwire.Server
	api      *sandbox.Server
	bindings []engine.ProviderBinding
	addr     *net.TCPAddr
	apiURL   string
	served   chan error
}

type fixtureOptions struct {
	password string
	latency  time.Duration
	grace    time.Duration
	// users seeds the API; nil is the sandbox's default seed.
	users []sandbox.UserSeed
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	api := sandbox.New(sandbox.Options{Token: token, Latency: o.latency, Users: o.users})
	hs := httptest.NewServer(api)
	t.Cleanup(hs.Close)
	gh := github.New(nil)
	ctx := context.Background()
	if err := gh.Configure(ctx, provider.Config{Settings: map[string]string{github.SettingToken: token, github.SettingBaseURL: hs.URL + "/"}}); err != nil {
		t.Fatal(err)
	}
	sch, err := gh.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, api: api, apiURL: hs.URL, bindings: []engine.ProviderBinding{{Schema: sch, Provider: gh}}, served: make(chan error, 1)}
	f.srv, err = pgwire.NewServer(pgwire.Options{
		Password: o.password,
		Grace:    o.grace,
		Version:  "test",
		Logger:   hclog.NewNullLogger(),
		NewEngine: func(_ context.Context, confirm func(context.Context, string) bool) (pgwire.Engine, error) {
			return pgengine.New(engine.Config{Providers: f.bindings, Confirm: confirm})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().(*net.TCPAddr)
	go func() { f.served <- f.srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := f.srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-f.served; !errors.Is(err, pgwire.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return f
}

func (f *fixture) url(user, password string) string {
	cred := user
	if password != "" {
		cred += ":" + password
	}
	return fmt.Sprintf("postgres://%s@%s/pkgql?sslmode=disable", cred, f.addr)
}

func (f *fixture) connect(t *testing.T, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(f.url("tester", ""))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// resultSet is rows as Go values, in the form pgx decodes them to.
type resultSet struct {
	cols []string
	oids []uint32
	rows [][]any
}

// direct runs a statement on an engine of its own, without the server: what
// the server sends must be exactly this.
func (f *fixture) direct(t *testing.T, query string) resultSet {
	t.Helper()
	eng, err := engine.New(engine.Config{Providers: f.bindings})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	stmts, err := eng.Prepare(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	var c rowset.Table
	if err := eng.Run(context.Background(), stmts[0], &c); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	var rs resultSet
	for _, col := range c.Columns {
		rs.cols = append(rs.cols, col.Name)
		rs.oids = append(rs.oids, map[schema.Type]uint32{schema.Integer: 20, schema.Number: 701, schema.Boolean: 16, schema.Object: 3802}[col.Type])
		if rs.oids[len(rs.oids)-1] == 0 {
			rs.oids[len(rs.oids)-1] = 25
		}
		if col.Format == schema.DateTime {
			rs.oids[len(rs.oids)-1] = 1184
		}
	}
	for _, r := range c.Rows {
		row := make([]any, len(r))
		for i, v := range r {
			row[i] = asPgx(t, c.Columns[i].Type, v)
			if s, ok := v.(string); ok && c.Columns[i].Format == schema.DateTime {
				tm, err := time.Parse(time.RFC3339, s)
				if err != nil {
					t.Fatalf("%s: %q is not RFC 3339", query, s)
				}
				row[i] = tm.Local()
			}
		}
		rs.rows = append(rs.rows, row)
	}
	return rs
}

// asPgx is the value pgx decodes from a column of the given type.
func asPgx(t *testing.T, typ schema.Type, v any) any {
	if v == nil {
		return nil
	}
	if typ == "" {
		switch v := v.(type) {
		case int64:
			return strconv.FormatInt(v, 10)
		case float64:
			return strconv.FormatFloat(v, 'g', -1, 64)
		case provider.JSON:
			return string(v)
		case bool:
			return map[bool]string{true: "t", false: "f"}[v]
		}
		return v
	}
	if n, ok := v.(int64); ok && typ == schema.Number {
		return float64(n) // float8: a whole number in a column that may hold fractions
	}
	if j, ok := v.(provider.JSON); ok {
		var out any
		if err := json.Unmarshal(j, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	return v
}

func query(t *testing.T, conn *pgx.Conn, sql string, args ...any) (resultSet, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return resultSet{}, err
	}
	defer rows.Close()
	var rs resultSet
	for _, fd := range rows.FieldDescriptions() {
		rs.cols = append(rs.cols, fd.Name)
		rs.oids = append(rs.oids, fd.DataTypeOID)
	}
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return rs, err
		}
		rs.rows = append(rs.rows, v)
	}
	return rs, rows.Err()
}

func sameResult(t *testing.T, what string, got, want resultSet) {
	t.Helper()
	if !reflect.DeepEqual(got.cols, want.cols) || !reflect.DeepEqual(got.oids, want.oids) {
		t.Errorf("%s: columns %v (OIDs %v), want %v (OIDs %v)", what, got.cols, got.oids, want.cols, want.oids)
	}
	if len(got.rows) != len(want.rows) {
		t.Errorf("%s: %d rows, want %d", what, len(got.rows), len(want.rows))
		return
	}
	for i := range got.rows {
		if !reflect.DeepEqual(got.rows[i], want.rows[i]) {
			t.Errorf("%s: row %d = %#v, want %#v", what, i, got.rows[i], want.rows[i])
			return
		}
	}
}

var modes = []pgx.QueryExecMode{
	pgx.QueryExecModeSimpleProtocol, // Query messages; pgx writes the arguments into the text
	pgx.QueryExecModeExec,           // Parse, Bind, Describe portal, Execute, Sync
	pgx.QueryExecModeCacheStatement, // Parse and Describe statement first, binary results
	pgx.QueryExecModeDescribeExec,   // Describe statement every time
	pgx.QueryExecModeCacheDescribe,  // unnamed statements, described once
}

const octocatNPM = `SELECT id, name, version_count, visibility, owner, repository
  FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' ORDER BY id`

func TestQueriesThroughEveryProtocolMode(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	queries := []struct {
		name, sql string
		args      []any
		// want is the same statement with the arguments written in.
		want string
	}{
		{name: "listing with objects", sql: octocatNPM, want: octocatNPM},
		{name: "aggregate", sql: `SELECT package_type, COUNT(*) AS n, SUM(version_count) AS versions
  FROM github.packages.user_packages WHERE username = 'monalisa' AND package_type IN ('npm', 'maven')
 GROUP BY package_type ORDER BY package_type`},
		{name: "one package", sql: `SELECT name, version_count, JSON_EXTRACT(repository, '$.name') AS repo
  FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'`},
		{name: "string parameters", sql: `SELECT id, name FROM github.packages.user_packages
 WHERE username = $1 AND package_type = $2 ORDER BY id`, args: []any{"hubot", "container"},
			want: `SELECT id, name FROM github.packages.user_packages
 WHERE username = 'hubot' AND package_type = 'container' ORDER BY id`},
		{name: "integer parameter", sql: `SELECT name FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND version_count >= $1 ORDER BY name LIMIT $2`, args: []any{3, 4},
			want: `SELECT name FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND version_count >= 3 ORDER BY name LIMIT 4`},
		{name: "container name with a slash", sql: `SELECT name, visibility FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'container' AND package_name = $1`, args: []any{"octocat/hello-world"},
			want: `SELECT name, visibility FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'container' AND package_name = 'octocat/hello-world'`},
		{name: "quoted names", sql: `SELECT "name", "id" AS "Id" FROM "github"."packages"."user_packages"
 WHERE "username" = $1 AND "package_type" = 'container' AND "visibility" = 'public' ORDER BY "id"`, args: []any{"octocat"},
			want: `SELECT name, id AS Id FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'container' AND visibility = 'public' ORDER BY id`},
		{name: "casts of parameters", sql: `SELECT name, version_count::text AS v FROM github.packages.user_packages
 WHERE username = $1::text AND package_type = 'npm' AND version_count >= $2::int ORDER BY id FETCH FIRST 3 ROWS ONLY`, args: []any{"octocat", 1},
			want: `SELECT name, CAST(version_count AS CHAR) AS v FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND version_count >= 1 ORDER BY id LIMIT 3`},
		{name: "times", sql: `SELECT name, created_at, updated_at, date_trunc('month', created_at) AS month
  FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND created_at >= '2020-01-01 00:00:00' ORDER BY created_at`},
		{name: "show", sql: "SHOW RESOURCES IN github.packages"},
		{name: "describe", sql: "DESCRIBE github.packages.user_packages"},
	}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			conn := f.connect(t, mode)
			for _, q := range queries {
				want := q.want
				if want == "" {
					want = q.sql
				}
				expected := f.direct(t, want)
				if len(expected.rows) == 0 {
					t.Fatalf("%s: the engine found no rows: the test would prove nothing", q.name)
				}
				// Twice: a cached statement must run again, not replay.
				for run := range 2 {
					got, err := query(t, conn, q.sql, q.args...)
					if err != nil {
						t.Fatalf("%s (run %d): %v", q.name, run, err)
					}
					sameResult(t, q.name, got, expected)
				}
			}
		})
	}
}

// TestRowsMatchTheAPI checks the server against the API read without pkgql:
// the ids of a user's npm packages, page by page.
func TestRowsMatchTheAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	var want []any
	next := f.apiURL + "/users/octocat/packages?package_type=npm&per_page=7"
	for next != "" {
		req, _ := http.NewRequest(http.MethodGet, next, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page []struct{ ID int64 }
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page {
			want = append(want, p.ID)
		}
		next = ""
		for _, link := range strings.Split(resp.Header.Get("Link"), ",") {
			if strings.Contains(link, `rel="next"`) {
				next = strings.Trim(strings.TrimSpace(strings.Split(link, ";")[0]), "<>")
			}
		}
	}
	if len(want) < 2 {
		t.Fatalf("the API lists %d packages: the test would prove little", len(want))
	}
	conn := f.connect(t, pgx.QueryExecModeCacheStatement)
	got, err := query(t, conn, `SELECT id FROM github.packages.user_packages WHERE username = $1 AND package_type = $2`, "octocat", "npm")
	if err != nil {
		t.Fatal(err)
	}
	var ids []any
	for _, r := range got.rows {
		ids = append(ids, r[0])
	}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("ids = %v\nthe API lists %v", ids, want)
	}
	count, err := query(t, conn, `SELECT COUNT(*) AS n FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'`)
	if err != nil {
		t.Fatal(err)
	}
	if n := count.rows[0][0]; n != int64(len(want)) {
		t.Errorf("COUNT(*) = %#v, the API lists %d", n, len(want))
	}
	if count.oids[0] != 20 {
		t.Errorf("COUNT(*) is OID %d, want int8 (20): the engine types it by its value", count.oids[0])
	}
}
