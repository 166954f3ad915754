package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/pkgql/pkgql/provider"
)

// nullText is how table, markdown and text show SQL NULL.
const nullText = "NULL"

// cell renders a value as text for the human and script formats; null is what
// NULL becomes.
func cell(v any, null string) (string, error) {
	switch v := v.(type) {
	case nil:
		return null, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return formatFloat(v), nil
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case provider.JSON:
		b, err := compactJSON(v)
		return string(b), err
	}
	return "", fmt.Errorf("output: a value of type %T cannot be shown", v)
}

// formatFloat writes floats as JSON does (ECMAScript rules): plain digits
// unless the number is very large or very small, so SUM and AVG results read
// as numbers rather than 1e+06.
func formatFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.FormatFloat(f, format, -1, 64)
}

// compactJSON returns an object field on one line. An empty value is null: a
// provider sends nothing for a missing object.
func compactJSON(raw provider.JSON) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("null"), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, fmt.Errorf("output: an object field is not valid JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// appendJSON appends v as a JSON value: numbers as numbers, NULL as null,
// object fields as JSON objects.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("output: %v has no JSON form", v)
		}
		return append(b, formatFloat(v)...), nil
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case provider.JSON:
		c, err := compactJSON(v)
		if err != nil {
			return nil, err
		}
		return append(b, c...), nil
	}
	return nil, fmt.Errorf("output: a value of type %T cannot be written as JSON", v)
}

// appendJSONString quotes s for JSON without the HTML escaping json.Marshal
// does, so "<" stays "<" for tools that read the output.
func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
