package engine

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/testprovider"
	"github.com/pkgql/pkgql/schema"
)

// Times compare and compute as times, in the forms people write; the answers
// are computed here from the provider's data with Go's time package.
func TestTimes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testprovider.Options{}, Config{})
	books := h.truth("north", "books")
	newestFirst(books)
	at := func(p testprovider.Item) time.Time { return p.CreatedAt }
	// An item's own creation time, written the SQL way: as text it sorts
	// before the RFC 3339 form of the same instant.
	pivot := books[len(books)/2]
	pt := at(pivot)
	sqlForm := pt.Format("2006-01-02 15:04:05")
	names := func(keep func(time.Time) bool) [][]any {
		var out [][]any
		for _, p := range books {
			if keep(at(p)) {
				out = append(out, []any{p.Name})
			}
		}
		return out
	}
	month := func(tm time.Time) string {
		return time.Date(tm.Year(), tm.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	}
	q := func(where string) string {
		return "SELECT name FROM " + res + " WHERE " + bound + " AND " + where + " ORDER BY created_at DESC, id"
	}
	cases := []struct {
		name string
		sql  string
		rows [][]any
	}{
		{"> a time written with a space", q("created_at > '" + sqlForm + "'"), names(func(x time.Time) bool { return x.After(pt) })},
		{"<= a time written with a space", q("created_at <= '" + sqlForm + "'"), names(func(x time.Time) bool { return !x.After(pt) })},
		{"= a time with an offset", q("created_at = '" + pt.In(time.FixedZone("", 2*3600)).Format(time.RFC3339) + "'"), [][]any{{pivot.Name}}},
		{"a date is its midnight", q("created_at >= '" + pt.Format("2006-01-02") + "'"),
			names(func(x time.Time) bool { return !x.Before(pt.Truncate(24 * time.Hour)) })},
		{"datetime() with a modifier", q("created_at > datetime('" + sqlForm + "', '-30 days')"), names(func(x time.Time) bool { return x.After(pt.AddDate(0, 0, -30)) })},
		{"MySQL's INTERVAL", q("created_at > datetime('" + sqlForm + "') - INTERVAL 30 DAY"), names(func(x time.Time) bool { return x.After(pt.AddDate(0, 0, -30)) })},
		{"Postgres' interval", q("created_at >= datetime('" + sqlForm + "') - interval '1 month 2 days'"), names(func(x time.Time) bool { return !x.Before(pt.AddDate(0, -1, -2)) })},
		{"an interval added", q("created_at + INTERVAL 2 WEEK > '" + sqlForm + "'"), names(func(x time.Time) bool { return x.AddDate(0, 0, 14).After(pt) })},
		{"now() is after every time", q("created_at < now() AND created_at < CURRENT_TIMESTAMP AND updated_at <= datetime('now')"), names(func(time.Time) bool { return true })},
		{"julianday differences", q("julianday('" + sqlForm + "') - julianday(created_at) BETWEEN 0 AND 100"),
			names(func(x time.Time) bool { d := pt.Sub(x); return d >= 0 && d <= 100*24*time.Hour })},
		{"date_trunc and EXTRACT", "SELECT date_trunc('month', created_at), EXTRACT(year FROM created_at), EXTRACT(MONTH FROM created_at) FROM " + res +
			" WHERE " + bound + " AND name = '" + pivot.Name + "'", [][]any{{month(pt), int64(pt.Year()), int64(pt.Month())}}},
		{"EXTRACT in a window statement", "SELECT name, EXTRACT(year FROM created_at) AS y, COUNT(*) OVER (PARTITION BY EXTRACT(year FROM created_at)) FROM " + res +
			" WHERE " + bound + " AND name = '" + pivot.Name + "'", [][]any{{pivot.Name, int64(pt.Year()), int64(1)}}},
		{"datetime() in a window statement", q("created_at > datetime('" + sqlForm + "') AND name IN (SELECT name FROM (SELECT name, RANK() OVER (ORDER BY id) AS r FROM " + res + " WHERE " + bound + "))"),
			names(func(x time.Time) bool { return x.After(pt) })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.one(c.sql)
			if len(c.rows) == 0 && len(r.rows) == 0 {
				t.Fatalf("%s: no rows either way: the case cannot fail", c.sql)
			}
			if !reflect.DeepEqual(r.rows, c.rows) && !(len(r.rows) == 0 && len(c.rows) == 0) {
				t.Errorf("%s:\n got %v\nwant %v", c.sql, r.rows, c.rows)
			}
		})
	}
	// Time fields, and times computed in the canonical layout, say so.
	r := h.one("SELECT created_at, date_trunc('day', updated_at) AS d, name FROM " + res + " WHERE " + bound + " LIMIT 1")
	var formats []schema.Format
	for _, c := range r.cols {
		formats = append(formats, c.Format)
	}
	if want := []schema.Format{schema.DateTime, schema.DateTime, ""}; !slices.Equal(formats, want) {
		t.Errorf("formats %v, want %v", formats, want)
	}
}
