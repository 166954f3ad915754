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
