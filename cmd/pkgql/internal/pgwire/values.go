package pgwire

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// Columns are described with the Postgres type of their schema type:
//
//	schema type  Postgres type    text format
//	integer      int8   (20)      decimal
//	number       float8 (701)     shortest decimal that reads back the same; Infinity, NaN
//	string       text   (25)      as is
//	boolean      bool   (16)      t or f
//	object       jsonb  (3802)    the JSON text the provider sent
//	date-time    timestamptz (1184) 2024-01-02 03:04:05+00 (a string of format date-time)
//	unknown      text   (25)      the value's text form (a column SQLite computed with no first value)
//
// Binary format is written for these five types too, since pgx asks for it.

// column is a result column as the wire describes it.
type column struct {
	name   string
	oid    uint32
	size   int16
	format int16
}

func oidOf(c rowset.Column) (uint32, int16) {
	if c.Format == schema.DateTime {
		return oidTimestamptz, 8
	}
	switch c.Type {
	case schema.Integer:
		return oidInt8, 8
	case schema.Number:
		return oidFloat8, 8
	case schema.Boolean:
		return oidBool, 1
	case schema.Object:
		return oidJSONB, -1
	}
	return oidText, -1
}

// wireColumns describes the engine's columns, in the result formats the
// client asked for in Bind (none: text; one: for every column; else one each).
func wireColumns(cols []rowset.Column, formats []int16) ([]column, error) {
	if len(formats) > 1 && len(formats) != len(cols) {
		return nil, &pgError{code: codeProtocolViolation, pos: -1,
			msg: fmt.Sprintf("bind message has %d result formats but the statement has %d columns", len(formats), len(cols))}
	}
	out := make([]column, len(cols))
	for i, c := range cols {
		oid, size := oidOf(c)
		out[i] = column{name: c.Name, oid: oid, size: size}
		switch {
		case len(formats) == 1:
			out[i].format = formats[0]
		case len(formats) > 1:
			out[i].format = formats[i]
		}
		if out[i].format != 0 && out[i].format != 1 {
			return nil, &pgError{code: codeProtocolViolation, pos: -1, msg: fmt.Sprintf("unknown result format code %d", out[i].format)}
		}
	}
	return out, nil
}

func rowDescription(cols []column) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, c := range cols {
		fields[i] = pgproto3.FieldDescription{
			Name:         []byte(c.name),
			DataTypeOID:  c.oid,
			DataTypeSize: c.size,
			TypeModifier: -1,
			Format:       c.format,
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// appendRow encodes one row's values into a DataRow's values, reusing buf.
func appendRow(buf []byte, vals [][]byte, cols []column, row []any) ([]byte, [][]byte, error) {
	if len(row) != len(cols) {
		return buf, vals, fmt.Errorf("row has %d values for %d columns", len(row), len(cols))
	}
	buf, vals = buf[:0], vals[:0]
	ends := make([]int, len(row))
	for i, v := range row {
		if v == nil {
			ends[i] = -1
			continue
		}
		var err error
		if cols[i].format == 1 {
			buf, err = appendBinary(buf, cols[i], v)
		} else if cols[i].oid == oidTimestamptz {
			buf, err = appendTimestamptz(buf, v, false)
		} else {
			buf, err = appendText(buf, v)
		}
		if err != nil {
			return buf, vals, fmt.Errorf("column %q: %w", cols[i].name, err)
		}
		ends[i] = len(buf)
	}
	start := 0
	for _, end := range ends {
		if end < 0 {
			vals = append(vals, nil)
			continue
		}
		vals = append(vals, buf[start:end:end])
		start = end
	}
	return buf, vals, nil
}

// appendTimestamptz writes an RFC 3339 time as Postgres writes a timestamptz:
// "2024-01-02 03:04:05+00" in text, microseconds since 2000-01-01 in binary.
// A value that is not a time goes as text, where the column is text to the
// client too; in binary it is an error.
func appendTimestamptz(buf []byte, v any, bin bool) ([]byte, error) {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if bin {
			return buf, fmt.Errorf("%v is not a time", v)
		}
		return appendText(buf, v)
	}
	t = t.UTC()
	if bin {
		return binary.BigEndian.AppendUint64(buf, uint64(t.Sub(pgEpoch).Microseconds())), nil
	}
	return t.AppendFormat(buf, "2006-01-02 15:04:05.999999-07"), nil
}

var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// appendText writes a value in Postgres' text format.
func appendText(buf []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case int64:
		return strconv.AppendInt(buf, v, 10), nil
	case float64:
		switch {
		case math.IsInf(v, 1):
			return append(buf, "Infinity"...), nil
		case math.IsInf(v, -1):
			return append(buf, "-Infinity"...), nil
		case math.IsNaN(v):
			return append(buf, "NaN"...), nil
		}
		return strconv.AppendFloat(buf, v, 'g', -1, 64), nil
	case string:
		return append(buf, v...), nil
	case bool:
		if v {
			return append(buf, 't'), nil
		}
		return append(buf, 'f'), nil
	case provider.JSON:
		return append(buf, v...), nil
	}
	return buf, fmt.Errorf("value of Go type %T has no Postgres form", v)
}

// appendBinary writes a value in the binary format of its column's type.
func appendBinary(buf []byte, c column, v any) ([]byte, error) {
	switch c.oid {
	case oidInt8:
		if i, ok := v.(int64); ok {
			return binary.BigEndian.AppendUint64(buf, uint64(i)), nil
		}
	case oidFloat8:
		switch f := v.(type) {
		case float64:
			return binary.BigEndian.AppendUint64(buf, math.Float64bits(f)), nil
		case int64:
			return binary.BigEndian.AppendUint64(buf, math.Float64bits(float64(f))), nil
		}
	case oidBool:
		if b, ok := v.(bool); ok {
			if b {
				return append(buf, 1), nil
			}
			return append(buf, 0), nil
		}
	case oidJSONB:
		if j, ok := v.(provider.JSON); ok {
			return append(append(buf, 1), j...), nil
		}
		if s, ok := v.(string); ok {
			return append(append(buf, 1), s...), nil
		}
	case oidTimestamptz:
		return appendTimestamptz(buf, v, true)
	case oidText:
		// The binary form of text is its text.
		return appendText(buf, v)
	}
	if out, ok := appendCatalogBinary(buf, c, v); ok {
		return out, nil
	}
	return buf, fmt.Errorf("a value of Go type %T does not fit type OID %d", v, c.oid)
}
