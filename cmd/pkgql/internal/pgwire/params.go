package pgwire

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bound parameters become SQL literals in the statement text before the engine
// reads it: the engine plans on values, and a literal is the one form of a
// value that every part of it (params bound by '=', EXEC's @param = value,
// LIMIT) already takes.
//
// The literal's form follows the type the client gave the parameter in Parse:
// numbers and booleans are written bare, after checking that they are one;
// every other type, and a parameter with no type (OID 0, what the server
// describes them as), is a string literal quoted by the engine's own SQL
// library, so that no value can end the literal early.

// Type OIDs the server reads parameters of and writes columns as.
const (
	oidBool        = 16
	oidBytea       = 17
	oidChar        = 18
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidOID         = 26
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidUnknown     = 705
	oidBPChar      = 1042
	oidVarchar     = 1043
	oidNumeric     = 1700
	oidJSONB       = 3802
	oidTimestamptz = 1184
)

// paramLiteral renders one bound parameter value as a SQL literal.
func paramLiteral(n int, oid uint32, format int16, raw []byte) (string, error) {
	if raw == nil {
		return "NULL", nil
	}
	if format == 1 {
		text, err := binaryParamText(oid, raw)
		if err != nil {
			return "", &pgError{code: codeInvalidBinary, msg: fmt.Sprintf("parameter $%d: %v", n, err),
				hint: "send this parameter in text format"}
		}
		raw = []byte(text)
	} else if format != 0 {
		return "", &pgError{code: codeProtocolViolation, msg: fmt.Sprintf("parameter $%d: unknown format code %d", n, format)}
	}
	if !utf8.Valid(raw) {
		return "", &pgError{code: codeCharacterNotInRepertoire, msg: fmt.Sprintf("parameter $%d is not valid UTF-8", n)}
	}
	text := string(raw)
	switch oid {
	case oidInt2, oidInt4, oidInt8, oidOID:
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return "", badParam(n, text, "an integer")
		}
		return signed(strconv.FormatInt(v, 10)), nil
	case oidFloat4, oidFloat8, oidNumeric:
		v, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return "", badParam(n, text, "a finite number")
		}
		return signed(strconv.FormatFloat(v, 'g', -1, 64)), nil
	case oidBool:
		v, ok := parseBool(text)
		if !ok {
			return "", badParam(n, text, "a boolean")
		}
		if v {
			return "TRUE", nil
		}
		return "FALSE", nil
	}
	return stringLiteral(text), nil
}

// stringLiteral quotes text the way the engine reads it, Postgres' way: a
// quote doubled, and a backslash (which the engine refuses inside quotes, as
// MySQL would take it for an escape) as char(92).
func stringLiteral(text string) string {
	parts := strings.Split(text, `\`)
	for i, p := range parts {
		parts[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " || char(92) || ") + ")"
}

// signed puts a negative number in parentheses, so that "x-$1" never becomes
// the comment "x--1".
func signed(s string) string {
	if len(s) > 0 && s[0] == '-' {
		return "(" + s + ")"
	}
	return s
}

func badParam(n int, text, want string) error {
	return &pgError{code: codeInvalidTextRepresentation, msg: fmt.Sprintf("parameter $%d: %q is not %s", n, text, want)}
}

// parseBool reads the spellings Postgres accepts for a boolean.
func parseBool(s string) (bool, bool) {
	switch s {
	case "t", "true", "TRUE", "True", "y", "yes", "on", "1":
		return true, true
	case "f", "false", "FALSE", "False", "n", "no", "off", "0":
		return false, true
	}
	return false, false
}

// binaryParamText turns a parameter sent in binary format into its text form.
// Binary parameters are read for the types a client may send them as; the
// type must have been given in Parse, since binary data does not say its type.
func binaryParamText(oid uint32, raw []byte) (string, error) {
	need := func(n int) error {
		if len(raw) != n {
			return fmt.Errorf("binary value of type OID %d must be %d bytes, got %d", oid, n, len(raw))
		}
		return nil
	}
	switch oid {
	case oidInt2:
		if err := need(2); err != nil {
			return "", err
		}
		return strconv.FormatInt(int64(int16(binary.BigEndian.Uint16(raw))), 10), nil
	case oidInt4:
		if err := need(4); err != nil {
			return "", err
		}
		return strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(raw))), 10), nil
	case oidOID:
		if err := need(4); err != nil {
			return "", err
		}
		return strconv.FormatUint(uint64(binary.BigEndian.Uint32(raw)), 10), nil
	case oidInt8:
		if err := need(8); err != nil {
			return "", err
		}
		return strconv.FormatInt(int64(binary.BigEndian.Uint64(raw)), 10), nil
	case oidFloat4:
		if err := need(4); err != nil {
			return "", err
		}
		return strconv.FormatFloat(float64(math.Float32frombits(binary.BigEndian.Uint32(raw))), 'g', -1, 32), nil
	case oidFloat8:
		if err := need(8); err != nil {
			return "", err
		}
		return strconv.FormatFloat(math.Float64frombits(binary.BigEndian.Uint64(raw)), 'g', -1, 64), nil
	case oidBool:
		if err := need(1); err != nil {
			return "", err
		}
		return strconv.FormatBool(raw[0] != 0), nil
	case oidText, oidVarchar, oidBPChar, oidName, oidJSON, oidUnknown:
		return string(raw), nil
	case oidJSONB:
		if len(raw) == 0 || raw[0] != 1 {
			return "", fmt.Errorf("binary jsonb must start with version 1")
		}
		return string(raw[1:]), nil
	}
	return "", fmt.Errorf("binary parameters of type OID %d are not supported", oid)
}
