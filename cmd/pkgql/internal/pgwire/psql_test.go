package pgwire_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// psql runs the real psql client against the fixture: -X (no psqlrc),
// -A -t (unaligned, tuples only), so its output is the rows, '|'-separated.
func (f *fixture) psql(t *testing.T, password string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	path, lookErr := exec.LookPath("psql")
	if lookErr != nil {
		t.Skip("psql is not installed (apt-get install postgresql-client)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(f.addr.Port), "-U", "tester", "-d", "pkgql", "-X", "-A", "-t", "-w"}, args...)...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=10", "PGSSLMODE=prefer")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// psqlLines is how psql -A -t prints a result set.
func psqlLines(rs resultSet) string {
	var b strings.Builder
	for _, r := range rs.rows {
		for i, v := range r {
			if i > 0 {
				b.WriteByte('|')
			}
			switch v := v.(type) {
			case nil:
			case bool:
				b.WriteString(map[bool]string{true: "t", false: "f"}[v])
			case map[string]any, []any:
				j, _ := json.Marshal(v)
				b.WriteString(string(j))
			default:
				fmt.Fprint(&b, v)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestPsql(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	for _, sql := range []string{
		"SELECT id, name, version_count, visibility FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' ORDER BY id",
		"SELECT package_type, COUNT(*) AS n FROM github.packages.user_packages WHERE username = 'hubot' AND package_type IN ('npm', 'container') GROUP BY package_type ORDER BY 1",
		"SHOW RESOURCES IN github.packages",
	} {
		out, errOut, err := f.psql(t, "", "-c", sql)
		if err != nil {
			t.Fatalf("%s: %v\n%s", sql, err, errOut)
		}
		if want := psqlLines(f.direct(t, sql)); out != want {
			t.Errorf("psql -c %q printed\n%s\nwant\n%s", sql, out, want)
		}
	}

	// A DELETE and the restore, and the get between them.
	get := "SELECT name FROM github.packages.user_packages WHERE username = 'monalisa' AND package_type = 'npm' AND package_name = 'hello'"
	out, errOut, err := f.psql(t, "",
		"-c", "DELETE FROM github.packages.user_packages WHERE username = 'monalisa' AND package_type = 'npm' AND package_name = 'hello'",
		"-c", "EXEC github.packages.user_packages.restore_package_for_user @username = 'monalisa', @package_type = 'npm', @package_name = 'hello'",
		"-c", get)
	if err != nil {
		t.Fatalf("DELETE, EXEC: %v\n%s", err, errOut)
	}
	if !strings.HasSuffix(out, "hello\n") {
		t.Errorf("after DELETE and restore the get printed %q", out)
	}
	if st := f.api.Stats(); st.Mutations != 2 {
		t.Errorf("the API changed %d packages, want 2 (delete, restore)", st.Mutations)
	}

	// An error has its position: psql draws the caret under it.
	_, errOut, _ = f.psql(t, "", "-c", "SELECT nmae FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm'")
	if !strings.Contains(errOut, "LINE 1: SELECT nmae") || !strings.Contains(errOut, "\n               ^") {
		t.Errorf("error without its position:\n%s", errOut)
	}
	// psql's own startup, with the session statements a script starts with.
	out, errOut, err = f.psql(t, "", "-c", "SET client_min_messages = warning; SHOW server_version; SELECT current_database()")
	if err != nil || out != "SET\n15.0 (pkgql)\npkgql\n" {
		t.Errorf("session statements: %q %v %s", out, err, errOut)
	}
}

func TestPsqlPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{password: "correct horse"})
	out, errOut, err := f.psql(t, "correct horse", "-c", "SHOW server_version")
	if err != nil || out != "15.0 (pkgql)\n" {
		t.Errorf("right password: %q %v %s", out, err, errOut)
	}
	_, errOut, err = f.psql(t, "battery staple", "-c", "SHOW server_version")
	if err == nil || !strings.Contains(errOut, "password authentication failed") {
		t.Errorf("wrong password: %v %s", err, errOut)
	}
}
