package pgwire_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// jdbcJar is where Debian's libpostgresql-jdbc-java installs PgJDBC.
const jdbcJar = "/usr/share/java/postgresql.jar"

// TestJDBC runs PgJDBC's DatabaseMetaData (what DBeaver, Metabase and
// Trino's PostgreSQL connector call) and a query with a fetch size of 5
// (a portal read five rows per Execute) against the server.
func TestJDBC(t *testing.T) {
	t.Parallel()
	javac, err := exec.LookPath("javac")
	if err != nil {
		t.Skip("no javac (apt-get install default-jdk-headless)")
	}
	if _, err := os.Stat(jdbcJar); err != nil {
		t.Skip("no PgJDBC (apt-get install libpostgresql-jdbc-java)")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, javac, "-cp", jdbcJar, "-d", dir, filepath.Join("testdata", "Discover.java")).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	f := newFixture(t, fixtureOptions{})
	query := "SELECT id, name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' ORDER BY id LIMIT 12"
	before := f.api.Stats().Total
	url := fmt.Sprintf("jdbc:postgresql://%s/github", f.addr)
	cmd := exec.CommandContext(ctx, "java", "-cp", jdbcJar+":"+dir, "Discover", url, query)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("java: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	got := out.String()

	var want strings.Builder
	want.WriteString("product PostgreSQL 15.0 (pkgql)\n")
	for _, s := range []string{"information_schema", "packages", "pg_catalog", "public"} {
		want.WriteString("schema " + s + "\n")
	}
	for _, b := range f.bindings {
		svc, _ := b.Schema.Service("packages")
		for _, r := range byName(svc.Resources) {
			fmt.Fprintf(&want, "table packages.%s TABLE %s\n", r.Name, r.Description)
		}
		for _, r := range byName(svc.Resources) {
			n := 0
			jdbcType := map[string]string{"bigint": "int8 -5", "text": "text 12", "jsonb": "jsonb 1111", "boolean": "bool -7", "double precision": "float8 8", "timestamp with time zone": "timestamptz 93"}
			for _, fl := range r.Fields {
				n++
				fmt.Fprintf(&want, "column %s.%s %s %d\n", r.Name, fl.Name, jdbcType[pgTypeName(fl.Type, fl.Format)], n)
			}
			for _, p := range r.HiddenParams() {
				n++
				fmt.Fprintf(&want, "column %s.%s %s %d\n", r.Name, p.Name, jdbcType[pgTypeName(p.Type, "")], n)
			}
		}
	}
	discovery := want.String()
	if !strings.HasPrefix(got, discovery) {
		t.Errorf("DatabaseMetaData printed\n%s\nwant it to start with\n%s", got, discovery)
	}
	if n := f.api.Stats().Total - before; n != 1 {
		t.Errorf("discovery and one query of a page made %d API requests, want 1", n)
	}
	var rows strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(psqlLines(f.direct(t, query))), "\n") {
		rows.WriteString("row " + line + "\n")
	}
	rows.WriteString("rows 12 types int8,text\n")
	if rest := strings.TrimPrefix(got, discovery); rest != rows.String() {
		t.Errorf("the query with fetch size 5 printed\n%s\nwant\n%s", rest, rows.String())
	}
}
