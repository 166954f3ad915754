package pgwire_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// sqlalchemyScript connects as an application would, through SQLAlchemy's
// psycopg2 dialect, which asks the server's version, schema, isolation level
// and string settings when it connects, then prints the rows of a query.
const sqlalchemyScript = `
import sys, sqlalchemy
from sqlalchemy import text
engine = sqlalchemy.create_engine(sys.argv[1], use_native_hstore=False)
with engine.connect() as conn:
    for row in conn.execute(text(sys.argv[2])):
        print("|".join(str(v) for v in row))
`

// pythonWithSQLAlchemy finds a Python that imports sqlalchemy and psycopg2:
// the one on PATH, or the system's, where distribution packages such as
// python3-sqlalchemy install.
func pythonWithSQLAlchemy(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import sqlalchemy, psycopg2").Run() == nil {
			return path
		}
	}
	t.Skip("no python3 with sqlalchemy and psycopg2 (apt-get install python3-sqlalchemy python3-psycopg2)")
	return ""
}

func TestSQLAlchemy(t *testing.T) {
	t.Parallel()
	python := pythonWithSQLAlchemy(t)
	f := newFixture(t, fixtureOptions{})
	sql := "SELECT name FROM github.packages.user_packages WHERE username='octocat' AND package_type='npm' LIMIT 3"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := fmt.Sprintf("postgresql+psycopg2://tester@%s/pkgql?sslmode=disable", f.addr)
	var out, errOut strings.Builder
	cmd := exec.CommandContext(ctx, python, "-c", sqlalchemyScript, url, sql)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("SQLAlchemy: %v\n%s", err, errOut.String())
	}
	want := psqlLines(f.direct(t, sql))
	if out.String() != want || strings.Count(want, "\n") != 3 {
		t.Errorf("SQLAlchemy printed\n%s\nwant\n%s", out.String(), want)
	}
}

// discoveryScript is what a notebook does with a new database: a default
// create_engine (its hstore probe included), the inspector's schemas, tables
// and columns, then a query read with stream_results (a psycopg2 named
// cursor: DECLARE, FETCH, CLOSE) and through pandas.
const discoveryScript = `
import sys, sqlalchemy
from sqlalchemy import text, inspect
engine = sqlalchemy.create_engine(sys.argv[1])
insp = inspect(engine)
print("schemas", ",".join(insp.get_schema_names()))
for t in insp.get_table_names(schema="packages"):
    print("table", t, insp.get_table_comment(t, schema="packages")["text"])
    for c in insp.get_columns(t, schema="packages"):
        print("column", t, c["name"], c["type"])
    print("pk", insp.get_pk_constraint(t, schema="packages")["constrained_columns"], "fk", insp.get_foreign_keys(t, schema="packages"), "indexes", insp.get_indexes(t, schema="packages"))
print("views", insp.get_view_names(schema="packages"))
with engine.connect() as conn:
    result = conn.execution_options(stream_results=True, max_row_buffer=3).execute(text(sys.argv[2]))
    for row in result:
        print("row", "|".join(str(v) for v in row))
try:
    import pandas
    df = pandas.read_sql_query(sys.argv[2], engine)
    print("pandas", len(df), ",".join(str(t) for t in df.dtypes))
except ImportError:
    print("pandas", "missing")
`

func TestSQLAlchemyDiscovery(t *testing.T) {
	t.Parallel()
	python := pythonWithSQLAlchemy(t)
	f := newFixture(t, fixtureOptions{})
	sql := "SELECT id, name FROM packages.user_packages WHERE username='octocat' AND package_type='npm' ORDER BY id LIMIT 7"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := fmt.Sprintf("postgresql+psycopg2://tester@%s/github?sslmode=disable", f.addr)
	var out, errOut strings.Builder
	cmd := exec.CommandContext(ctx, python, "-c", discoveryScript, url, sql)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("SQLAlchemy: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	var want strings.Builder
	want.WriteString("schemas information_schema,packages,public\n")
	saType := map[string]string{"bigint": "BIGINT", "text": "TEXT", "jsonb": "JSONB", "boolean": "BOOLEAN", "double precision": "DOUBLE PRECISION", "timestamp with time zone": "TIMESTAMP"}
	for _, b := range f.bindings {
		svc, _ := b.Schema.Service("packages")
		for _, r := range byName(svc.Resources) {
			fmt.Fprintf(&want, "table %s %s\n", r.Name, r.Description)
			for _, fl := range r.Fields {
				fmt.Fprintf(&want, "column %s %s %s\n", r.Name, fl.Name, saType[pgTypeName(fl.Type, fl.Format)])
			}
			for _, p := range r.HiddenParams() {
				fmt.Fprintf(&want, "column %s %s %s\n", r.Name, p.Name, saType[pgTypeName(p.Type, "")])
			}
			want.WriteString("pk [] fk [] indexes []\n")
		}
	}
	want.WriteString("views []\n")
	rows := psqlLines(f.direct(t, sql))
	for _, line := range strings.Split(strings.TrimSpace(rows), "\n") {
		want.WriteString("row " + line + "\n")
	}
	want.WriteString("pandas 7 int64,object\n")
	if out.String() != want.String() {
		t.Errorf("SQLAlchemy printed\n%s\nwant\n%s", out.String(), want.String())
	}
}
