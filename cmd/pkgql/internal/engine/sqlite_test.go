package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
)

// Even SQL that never gets past Prepare is refused by the connection itself:
// the engine's SQLite only reads.
func TestAuthorizer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	ctx := context.Background()
	sc, err := h.e.sqlite.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer h.e.sqlite.release(sc)
	for _, q := range []string{
		"ATTACH DATABASE '/tmp/pkgql-attack.db' AS x",
		"PRAGMA writable_schema = 1",
		"PRAGMA table_info('sqlite_master')",
		"CREATE TABLE t (x)",
		"CREATE TEMP VIEW v AS SELECT 1",
		"DROP TABLE temp.\"shop.store.items\"",
		"INSERT INTO \"shop.store.items\" (id) VALUES (1)",
		"SELECT sql FROM sqlite_master",
		"SELECT * FROM sqlite_temp_master",
		"SELECT load_extension('/tmp/evil.so')",
		"SELECT sqlite_compileoption_get(0)",
		"BEGIN",
		"VACUUM",
	} {
		rows, err := sc.conn.QueryContext(ctx, q)
		if err == nil {
			rows.Close()
			t.Errorf("%s: allowed", q)
			continue
		}
		if !strings.Contains(err.Error(), "authoriz") {
			t.Errorf("%s: %v", q, err)
		}
	}
	var n int
	if err := sc.conn.QueryRowContext(ctx, "SELECT 1 + 1").Scan(&n); err != nil || n != 2 {
		t.Errorf("reading is refused too: %v", err)
	}
}
