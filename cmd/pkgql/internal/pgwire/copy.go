package pgwire

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/pgcatalog"
	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
)

// COPY (SELECT …) TO STDOUT and COPY table TO STDOUT stream a query's rows
// in Postgres' text or CSV format, as psql's \copy and bulk readers ask:
//
//	COPY (query) TO STDOUT [WITH] [(FORMAT text|csv, HEADER [bool], DELIMITER 'c', NULL 's')]
//	COPY (query) TO STDOUT [WITH] [CSV [HEADER]] [DELIMITER [AS] 'c'] [NULL [AS] 's']
//
// Rows are written as the engine produces them. COPY FROM is refused: pkgql
// changes packages with DELETE and EXEC only.

type copyOptions struct {
	csv       bool
	header    bool
	delimiter byte
	null      string
}

// copyStatement reads a COPY statement; the query runs when it is executed.
func copyStatement(text string, toks []token) (*sessionStmt, error) {
	if len(toks) < 2 {
		return nil, &pgError{code: codeSyntax, pos: len(text), msg: "COPY needs a query or a table: COPY (SELECT …) TO STDOUT"}
	}
	var query string
	i := 1
	if toks[1].typ == '(' {
		depth, j := 0, 1
		for ; j < len(toks); j++ {
			if toks[j].typ == '(' {
				depth++
			} else if toks[j].typ == ')' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if j >= len(toks) {
			return nil, &pgError{code: codeSyntax, pos: len(text), msg: "COPY's query is not closed with )"}
		}
		query = strings.TrimSpace(text[toks[1].end:toks[j].start])
		i = j + 1
	} else {
		start := i
		for i < len(toks) && (toks[i].typ == '.' || word(toks[i]) != "" && word(toks[i]) != "to" && word(toks[i]) != "from" || toks[i].typ == sqlparser.STRING) {
			i++
		}
		name := strings.TrimSpace(text[toks[start].start:toks[i-1].end])
		if i < len(toks) && toks[i].typ == '(' {
			return nil, &pgError{code: codeFeatureNotSupported, pos: toks[i].start, msg: "COPY of a column list is not supported", hint: "write COPY (SELECT columns FROM table WHERE …) TO STDOUT"}
		}
		query = "SELECT * FROM " + name
	}
	if i < len(toks) && word(toks[i]) == "from" {
		return nil, &pgError{code: codeFeatureNotSupported, pos: toks[i].start, msg: "COPY FROM is not supported: pkgql's tables are read-only; change packages with DELETE and EXEC"}
	}
	if i+1 >= len(toks) || word(toks[i]) != "to" || word(toks[i+1]) != "stdout" {
		pos := len(text)
		if i < len(toks) {
			pos = toks[i].start
		}
		return nil, &pgError{code: codeFeatureNotSupported, pos: pos, msg: "COPY writes only TO STDOUT", hint: `psql's \copy (SELECT …) TO 'file' writes a file on the client's side`}
	}
	opts, err := copyOpts(text, toks[i+2:])
	if err != nil {
		return nil, err
	}
	return &sessionStmt{run: func(c *conn, _ []int16, _ bool) error { return c.runCopy(query, opts) }}, nil
}

func copyOpts(text string, toks []token) (copyOptions, error) {
	o := copyOptions{delimiter: '\t', null: `\N`}
	delimSet, nullSet := false, false
	bad := func(t token, what string) error {
		return &pgError{code: codeSyntax, pos: t.start, msg: "COPY option " + what}
	}
	i := 0
	if i < len(toks) && word(toks[i]) == "with" {
		i++
	}
	paren := i < len(toks) && toks[i].typ == '('
	if paren {
		i++
	}
	for i < len(toks) {
		t := toks[i]
		if paren && (t.typ == ')' || t.typ == ',') {
			i++
			continue
		}
		w := word(t)
		i++
		value := func() (string, bool) {
			if i < len(toks) && word(toks[i]) == "as" {
				i++
			}
			if i < len(toks) && toks[i].typ != ',' && toks[i].typ != ')' {
				v := toks[i].val
				i++
				return v, true
			}
			return "", false
		}
		switch w {
		case "format":
			v, _ := value()
			switch strings.ToLower(v) {
			case "csv":
				o.csv = true
			case "text":
				o.csv = false
			default:
				return o, bad(t, fmt.Sprintf("FORMAT %q is not supported: use text or csv", v))
			}
		case "csv":
			o.csv = true
		case "binary":
			return o, &pgError{code: codeFeatureNotSupported, pos: t.start, msg: "COPY in binary format is not supported: use text or csv"}
		case "header":
			o.header = true
			if i < len(toks) && toks[i].typ != ',' && toks[i].typ != ')' && word(toks[i]) != "delimiter" && word(toks[i]) != "null" && word(toks[i]) != "csv" {
				on, ok := parseBool(strings.ToLower(toks[i].val))
				if !ok {
					return o, bad(toks[i], "HEADER takes true or false")
				}
				o.header = on
				i++
			}
		case "delimiter":
			v, ok := value()
			if !ok || len(v) != 1 {
				return o, bad(t, "DELIMITER must be a single one-byte character")
			}
			o.delimiter, delimSet = v[0], true
		case "null":
			v, ok := value()
			if !ok {
				return o, bad(t, "NULL needs a string")
			}
			o.null, nullSet = v, true
		default:
			return o, &pgError{code: codeFeatureNotSupported, pos: t.start, msg: fmt.Sprintf("COPY option %s is not supported", strings.ToUpper(t.val))}
		}
	}
	if o.csv && !delimSet {
		o.delimiter = ','
	}
	if o.csv && !nullSet {
		o.null = ""
	}
	return o, nil
}

// copySink writes a result set as COPY data.
type copySink struct {
	c    *conn
	opts copyOptions
	n    int
	cols int
	line []byte
	val  []byte
}

func (s *copySink) Begin(cols []rowset.Column) error {
	s.cols = len(cols)
	s.c.send(&pgproto3.CopyOutResponse{OverallFormat: 0, ColumnFormatCodes: make([]uint16, len(cols))})
	if s.opts.header {
		names := make([]any, len(cols))
		for i, col := range cols {
			names[i] = col.Name
		}
		return s.write(names)
	}
	return nil
}

func (s *copySink) Row(values []any) error {
	s.n++
	return s.write(values)
}

func (s *copySink) End(string) error { return nil }

func (s *copySink) write(values []any) error {
	s.line = s.line[:0]
	for i, v := range values {
		if i > 0 {
			s.line = append(s.line, s.opts.delimiter)
		}
		if v == nil {
			s.line = append(s.line, s.opts.null...)
			continue
		}
		var err error
		s.val, err = appendText(s.val[:0], v)
		if err != nil {
			return err
		}
		if s.opts.csv {
			s.line = s.csvField(s.line, s.val)
		} else {
			s.line = textField(s.line, s.val, s.opts.delimiter)
		}
	}
	s.line = append(s.line, '\n')
	s.c.send(&pgproto3.CopyData{Data: s.line})
	if len(s.line) > 0 && s.n%512 == 0 {
		return s.c.flush()
	}
	return nil
}

// textField escapes a value as COPY's text format does.
func textField(out, v []byte, delim byte) []byte {
	for _, b := range v {
		switch b {
		case '\\':
			out = append(out, '\\', '\\')
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		default:
			if b == delim {
				out = append(out, '\\')
			}
			out = append(out, b)
		}
	}
	return out
}

// csvField quotes a value when CSV needs it: a delimiter, quote, line break,
// or a value that reads as the NULL string.
func (s *copySink) csvField(out, v []byte) []byte {
	need := string(v) == s.opts.null
	for _, b := range v {
		if b == s.opts.delimiter || b == '"' || b == '\n' || b == '\r' {
			need = true
			break
		}
	}
	if !need {
		return append(out, v...)
	}
	out = append(out, '"')
	for _, b := range v {
		if b == '"' {
			out = append(out, '"')
		}
		out = append(out, b)
	}
	return append(out, '"')
}

func (c *conn) runCopy(query string, opts copyOptions) error {
	sink := &copySink{c: c, opts: opts}
	if pgcatalog.Handles(query) {
		res, err := c.catalogQuery(query)
		if err != nil {
			return err
		}
		cols := make([]rowset.Column, len(res.Cols))
		for i, col := range res.Cols {
			cols[i] = rowset.Column{Name: col.Name}
		}
		if err := sink.Begin(cols); err != nil {
			return err
		}
		for _, r := range res.Rows {
			if err := sink.Row(r); err != nil {
				return err
			}
		}
	} else {
		st, err := c.prepareOne(query)
		if err != nil {
			return err
		}
		switch st.Kind() {
		case rowset.KindDelete, rowset.KindExec:
			return &pgError{code: codeFeatureNotSupported, pos: -1, msg: "COPY copies the rows of a query: SELECT, SHOW, DESCRIBE or EXPLAIN"}
		}
		if err := c.run(st, sink); err != nil {
			return err
		}
	}
	c.send(&pgproto3.CopyDone{}, &pgproto3.CommandComplete{CommandTag: []byte("COPY " + strconv.Itoa(sink.n))})
	return nil
}
