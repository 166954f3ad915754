package engine

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// Times are RFC 3339 text in UTC, to the second: 2024-01-02T03:04:05Z. That
// is how GitHub writes them, how JSON and CSV show them, and — being one fixed
// layout — text comparison orders them as times. Everything that makes a time
// makes it in that layout: datetime(), now(), CURRENT_TIMESTAMP, t ± INTERVAL,
// date_trunc; a time field's value from a provider is put in it; and a string
// compared with a time field is read as a time and written in it, so that
// created_at > '2024-01-01 00:00:00' (which as text would put every time of
// that day after it) means what it says. SQLite's own date functions
// (julianday, date, strftime) read the layout as it is.

// timeLayout is the canonical layout; SQLite's strftime writes it as
// timeFormat.
const (
	timeLayout = "2006-01-02T15:04:05Z"
	timeFormat = "%Y-%m-%dT%H:%M:%SZ"
)

// timeInputs are the layouts a time literal may be written in.
var timeInputs = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05Z07",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime reads a time in any of the layouts people write; a time without
// a zone is UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeInputs {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// canonicalTime writes t in the canonical layout, with a fraction of a second
// only when it has one.
func canonicalTime(t time.Time) string {
	if t.Nanosecond() != 0 {
		return t.UTC().Format("2006-01-02T15:04:05.999999999Z")
	}
	return t.UTC().Format(timeLayout)
}

// normalizeTime puts a time field's value in the canonical layout; a value
// that is not a time is left as it is.
func normalizeTime(v any) any {
	s, ok := v.(string)
	if !ok || len(s) == len(timeLayout) && s[10] == 'T' && s[19] == 'Z' {
		return v
	}
	if t, ok := parseTime(s); ok {
		return canonicalTime(t)
	}
	return v
}

// intervalModifiers turns an interval — Postgres' '1 month 2 days', or
// MySQL's INTERVAL n unit — into SQLite date modifiers, negated for a
// subtraction.
func intervalModifiers(amount, unit string, negate bool) ([]string, error) {
	fields := strings.Fields(strings.ToLower(amount))
	if unit != "" {
		fields = append(fields, strings.ToLower(unit))
	}
	if len(fields) == 0 || len(fields)%2 != 0 {
		return nil, fmt.Errorf("interval %q is not read: write it as '30 days', '2 hours 30 minutes' or INTERVAL 30 DAY", strings.TrimSpace(amount+" "+unit))
	}
	var out []string
	for i := 0; i < len(fields); i += 2 {
		n, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return nil, fmt.Errorf("interval %q is not read: %q is not a number", amount, fields[i])
		}
		u := strings.TrimSuffix(fields[i+1], "s")
		switch u {
		case "week":
			n, u = n*7, "day"
		case "quarter":
			n, u = n*3, "month"
		case "min":
			u = "minute"
		case "sec":
			u = "second"
		case "second", "minute", "hour", "day", "month", "year":
		default:
			return nil, fmt.Errorf("interval unit %q is not read: the units are second, minute, hour, day, week, month, quarter and year", fields[i+1])
		}
		if negate {
			n = -n
		}
		out = append(out, fmt.Sprintf("%+g %ss", n, u))
	}
	return out, nil
}

// timeFunctions are the functions SQLite lacks that Postgres users write.
var timeFunctions = map[string]*sqlite.FunctionImpl{
	// now() is the statement's clock in the canonical layout.
	"now": {NArgs: 0, Scalar: func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
		return time.Now().UTC().Format(timeLayout), nil
	}},
	// date_trunc('month', t) is the start of t's month.
	"date_trunc": {NArgs: 2, Deterministic: true, Scalar: func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		unit, t, ok, err := timeArgs("date_trunc", args)
		if !ok || err != nil {
			return nil, err
		}
		y, mo, d := t.Date()
		h, mi, s := t.Clock()
		switch unit {
		case "year":
			mo, d, h, mi, s = 1, 1, 0, 0, 0
		case "quarter":
			mo, d, h, mi, s = (mo-1)/3*3+1, 1, 0, 0, 0
		case "month":
			d, h, mi, s = 1, 0, 0, 0
		case "week":
			d -= (int(t.Weekday()) + 6) % 7 // ISO weeks start on Monday
			h, mi, s = 0, 0, 0
		case "day":
			h, mi, s = 0, 0, 0
		case "hour":
			mi, s = 0, 0
		case "minute":
			s = 0
		case "second":
		default:
			return nil, fmt.Errorf("date_trunc: unit %q is not one of year, quarter, month, week, day, hour, minute, second", unit)
		}
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC).Format(timeLayout), nil
	}},
	// date_part('year', t) is what EXTRACT(year FROM t) reads as.
	"date_part": {NArgs: 2, Deterministic: true, Scalar: func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		field, t, ok, err := timeArgs("date_part", args)
		if !ok || err != nil {
			return nil, err
		}
		switch field {
		case "year":
			return int64(t.Year()), nil
		case "quarter":
			return int64((t.Month()-1)/3 + 1), nil
		case "month":
			return int64(t.Month()), nil
		case "week":
			_, w := t.ISOWeek()
			return int64(w), nil
		case "day":
			return int64(t.Day()), nil
		case "dow":
			return int64(t.Weekday()), nil
		case "isodow":
			return int64((int(t.Weekday())+6)%7 + 1), nil
		case "doy":
			return int64(t.YearDay()), nil
		case "hour":
			return int64(t.Hour()), nil
		case "minute":
			return int64(t.Minute()), nil
		case "second":
			return int64(t.Second()), nil
		case "epoch":
			return t.Unix(), nil
		}
		return nil, fmt.Errorf("date_part: field %q is not one of year, quarter, month, week, day, dow, isodow, doy, hour, minute, second, epoch", field)
	}},
}

// timeArgs reads a unit and a time; ok is false for a NULL time.
func timeArgs(fn string, args []driver.Value) (unit string, t time.Time, ok bool, err error) {
	u, isText := args[0].(string)
	if !isText {
		return "", time.Time{}, false, fmt.Errorf("%s: the first argument is the unit, a string such as 'month'", fn)
	}
	var s string
	switch v := args[1].(type) {
	case nil:
		return "", time.Time{}, false, nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return "", time.Time{}, false, fmt.Errorf("%s: %v is not a time", fn, v)
	}
	t, ok = parseTime(s)
	if !ok {
		return "", time.Time{}, false, fmt.Errorf("%s: %q is not a time", fn, s)
	}
	return strings.ToLower(u), t, true, nil
}
