package pgwire

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xwb1989/sqlparser"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/schema"
)

// Clients send a few statements about the session itself when they connect
// or before a query (drivers, BI tools, psql's own commands). They are not
// about GitHub, so the server answers them before they reach the engine; the
// package doc lists them.

// sessionStmt is a statement the server answers itself.
type sessionStmt struct {
	// cols are the result's columns, known before it runs; nil for none.
	cols []rowset.Column
	// exec performs the statement and returns its rows and command tag.
	exec func(c *conn) (rows [][]any, tag string, err error)
	// catalog is the text of a query the connection's catalog answers;
	// cols and exec are unset then.
	catalog string
	// run, when set, performs a statement that sends its own messages
	// (COPY, FETCH).
	run func(c *conn, formats []int16, describe bool) error
	// describe, when set, gives the columns of a statement that run
	// answers (a FETCH: its cursor's).
	describe func(c *conn) ([]rowset.Column, error)
}

// columns are the statement's result columns, for Describe.
func (s *sessionStmt) columns(c *conn) ([]rowset.Column, error) {
	if s.describe != nil {
		return s.describe(c)
	}
	return s.cols, nil
}

// serverVersion is the Postgres version the server speaks like: clients
// choose their catalog queries and features by it.
const serverVersion = "15.0 (pkgql)"

// defaultSettings are the Postgres settings a session starts with.
var defaultSettings = map[string]string{
	"application_name":              "",
	"client_encoding":               "UTF8",
	"datestyle":                     "ISO, MDY",
	"default_transaction_read_only": "off",
	"extra_float_digits":            "1",
	"in_hot_standby":                "off",
	"integer_datetimes":             "on",
	"intervalstyle":                 "postgres",
	"is_superuser":                  "off",
	"max_identifier_length":         "63",
	"search_path":                   "public",
	"server_encoding":               "UTF8",
	"server_version":                serverVersion,
	"server_version_num":            "150000",
	"standard_conforming_strings":   "on",
	"timezone":                      "UTC",
	"transaction_isolation":         "read committed",
	"transaction_read_only":         "off",
	"pkgql.yes":                     "off",
}

// settingNames maps a setting's lower-case name to the name Postgres shows.
var settingNames = map[string]string{}

// reportedSettings are sent as ParameterStatus at startup and when SET
// changes them, as Postgres does for these.
var reportedSettings = []string{
	"application_name", "client_encoding", "DateStyle", "default_transaction_read_only",
	"in_hot_standby", "integer_datetimes", "IntervalStyle", "is_superuser",
	"server_encoding", "server_version", "session_authorization",
	"standard_conforming_strings", "TimeZone",
}

// readOnlySettings cannot be SET.
var readOnlySettings = map[string]bool{
	"server_version": true, "server_version_num": true, "server_encoding": true,
	"integer_datetimes": true, "max_identifier_length": true, "is_superuser": true,
	"in_hot_standby": true,
}

func init() {
	for name := range defaultSettings {
		settingNames[name] = name
	}
	settingNames["session_authorization"] = "session_authorization"
	settingNames["statement_timeout"] = "statement_timeout"
	for _, name := range reportedSettings {
		settingNames[strings.ToLower(name)] = name
	}
}

// setting returns the session's value of a setting, or "" if it has none.
func (c *conn) setting(name string) string {
	name = strings.ToLower(name)
	if v, ok := c.settings[name]; ok {
		return v
	}
	switch name {
	case "session_authorization":
		return c.user
	case "statement_timeout":
		return strconv.FormatInt(c.srv.opts.Timeout.Milliseconds(), 10)
	}
	return defaultSettings[name]
}

func (c *conn) isReported(name string) bool {
	for _, r := range reportedSettings {
		if strings.EqualFold(r, name) {
			return true
		}
	}
	return false
}

// word is a token's text in lower case when it is a word, else "".
func word(t token) string {
	switch t.typ {
	case sqlparser.STRING, sqlparser.LEX_ERROR, sqlparser.INTEGRAL, sqlparser.FLOAT, sqlparser.VALUE_ARG:
		return ""
	}
	if t.val == "" {
		return ""
	}
	return strings.ToLower(t.val)
}

func words(toks []token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = word(t)
	}
	return out
}

// engineShowWords are what follows SHOW in the engine's own SHOW statements.
var engineShowWords = map[string]bool{"providers": true, "services": true, "resources": true, "methods": true}

// sessionStatement recognises a statement the server answers itself; nil
// means it is the engine's.
func sessionStatement(text string, toks []token) (*sessionStmt, error) {
	if len(toks) == 0 {
		return nil, nil
	}
	w := words(toks)
	switch w[0] {
	case "begin", "start":
		return beginTransaction(w), nil
	case "commit", "end":
		return endTransaction("COMMIT"), nil
	case "rollback", "abort":
		return endTransaction("ROLLBACK"), nil
	case "savepoint":
		return noTransaction("SAVEPOINT"), nil
	case "release":
		return noTransaction("RELEASE"), nil
	case "set":
		return setStatement(text, toks)
	case "reset":
		return resetStatement(w)
	case "show":
		return showStatement(toks)
	case "discard":
		return discardStatement(w)
	case "deallocate":
		return deallocateStatement(toks)
	case "select":
		return constantSelect(toks)
	case "copy":
		return copyStatement(text, toks)
	case "declare":
		return declareStatement(text, toks)
	case "fetch", "move":
		return fetchStatement(toks)
	case "close":
		return closeStatement(toks)
	}
	return nil, nil
}

// readOnly reports whether words say READ ONLY (BEGIN READ ONLY, SET
// TRANSACTION READ ONLY, START TRANSACTION ISOLATION LEVEL …, READ ONLY).
func readOnly(w []string) (set, on bool) {
	for i := 0; i+1 < len(w); i++ {
		if w[i] == "read" && (w[i+1] == "only" || w[i+1] == "write") {
			return true, w[i+1] == "only"
		}
	}
	return false, false
}

// beginTransaction answers BEGIN: pkgql has no transactions, but READ ONLY
// is honoured until COMMIT or ROLLBACK: DELETE and EXEC are refused.
func beginTransaction(w []string) *sessionStmt {
	set, on := readOnly(w)
	return &sessionStmt{exec: func(c *conn) ([][]any, string, error) {
		c.notice("pkgql has no transactions: BEGIN does nothing, and every statement takes effect on its own")
		if set {
			c.settings["transaction_read_only"] = onOff(on)
		}
		c.inTx = true
		return nil, "BEGIN", nil
	}}
}

// endTransaction answers COMMIT and ROLLBACK: the transaction's READ ONLY
// ends, and so do the cursors declared without hold.
func endTransaction(tag string) *sessionStmt {
	return &sessionStmt{exec: func(c *conn) ([][]any, string, error) {
		c.notice(fmt.Sprintf("pkgql has no transactions: %s does nothing, and every statement takes effect on its own", tag))
		delete(c.settings, "transaction_read_only")
		c.closeCursors(false)
		c.inTx = false
		return nil, tag, nil
	}}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func noTransaction(tag string) *sessionStmt {
	return &sessionStmt{exec: func(c *conn) ([][]any, string, error) {
		c.notice(fmt.Sprintf("pkgql has no transactions: %s does nothing, and every statement takes effect on its own", tag))
		return nil, tag, nil
	}}
}

// setStatement reads SET [SESSION | LOCAL] name {TO | =} value, SET TIME ZONE
// value, and SET TRANSACTION / SESSION CHARACTERISTICS (accepted, no effect).
func setStatement(text string, toks []token) (*sessionStmt, error) {
	w := words(toks)
	i := 1
	if i < len(w) && (w[i] == "session" || w[i] == "local") {
		i++
	}
	if i < len(w) && (w[i] == "transaction" || w[i] == "characteristics") {
		set, on := readOnly(w)
		if !set {
			return noTransaction("SET"), nil
		}
		name := "transaction_read_only"
		if w[i] == "characteristics" {
			name = "default_transaction_read_only"
		}
		return &sessionStmt{exec: func(c *conn) ([][]any, string, error) {
			c.settings[name] = onOff(on)
			return nil, "SET", nil
		}}, nil
	}
	var name string
	switch {
	case i+1 < len(w) && w[i] == "time" && w[i+1] == "zone":
		name, i = "timezone", i+2
	case i+1 < len(w) && w[i] == "names":
		name, i = "client_encoding", i+1
	default:
		var n int
		name, n = settingName(toks[i:])
		i += n
		if name == "" || i >= len(toks) || (toks[i].typ != '=' && word(toks[i]) != "to") {
			return nil, &pgError{code: codeSyntax, pos: -1, msg: "SET needs a setting name and a value: SET name = value"}
		}
		i++
	}
	if i >= len(toks) {
		return nil, &pgError{code: codeSyntax, pos: len(text), msg: fmt.Sprintf("SET %s needs a value", name)}
	}
	value := strings.TrimSpace(text[toks[i].start:])
	if i == len(toks)-1 && toks[i].typ == sqlparser.STRING {
		value = toks[i].val
	}
	isDefault := i == len(toks)-1 && word(toks[i]) == "default"
	if err := checkSetting(name, value, isDefault); err != nil {
		return nil, err
	}
	return &sessionStmt{exec: func(c *conn) ([][]any, string, error) {
		if isDefault {
			delete(c.settings, name)
		} else {
			c.settings[name] = value
		}
		if c.isReported(name) {
			c.sendStatus(name)
		}
		return nil, "SET", nil
	}}, nil
}

// checkSetting refuses the settings whose change pkgql cannot honour.
func checkSetting(name, value string, isDefault bool) error {
	if readOnlySettings[name] {
		return &pgError{code: "55P02", pos: -1, msg: fmt.Sprintf("parameter %q cannot be changed", name)}
	}
	if isDefault {
		return nil
	}
	switch name {
	case "client_encoding":
		switch strings.ToUpper(strings.ReplaceAll(value, "-", "")) {
		case "UTF8", "UNICODE":
		default:
			return &pgError{code: codeFeatureNotSupported, pos: -1, msg: fmt.Sprintf("pkgql speaks only UTF8, not %s", value)}
		}
	case "standard_conforming_strings":
		if on, ok := parseBool(strings.ToLower(value)); !ok || !on {
			return &pgError{code: codeFeatureNotSupported, pos: -1, msg: "standard_conforming_strings is always on in pkgql"}
		}
	case "statement_timeout":
		if _, ok := parseTimeout(value); !ok {
			return &pgError{code: codeInvalidParameterValue, pos: -1, msg: fmt.Sprintf("statement_timeout takes milliseconds or a duration such as '30s', not %q", value)}
		}
	case "pkgql.yes":
		if _, ok := parseBool(strings.ToLower(value)); !ok {
			return &pgError{code: codeInvalidParameterValue, pos: -1, msg: fmt.Sprintf("pkgql.yes takes on or off, not %q", value)}
		}
	}
	return nil
}

func (c *conn) sendStatus(name string) {
	shown := settingNames[strings.ToLower(name)]
	if shown == "" {
		shown = name
	}
	c.send(&pgproto3.ParameterStatus{Name: shown, Value: c.setting(name)})
}

func resetStatement(w []string) (*sessionStmt, error) {
	if len(w) != 2 || w[1] == "" {
		return nil, &pgError{code: codeSyntax, pos: -1, msg: "RESET takes one setting name, or ALL"}
	}
	name := w[1]
	if readOnlySettings[name] {
		return nil, &pgError{code: "55P02", pos: -1, msg: fmt.Sprintf("parameter %q cannot be changed", name)}
	}
	return &sessionStmt{exec: func(c *conn) ([][]any, string, error) {
		if name == "all" {
			clear(c.settings)
		} else {
			delete(c.settings, name)
		}
		return nil, "RESET", nil
	}}, nil
}

// showStatement answers SHOW of a Postgres setting, of a dotted custom
// setting such as pkgql.yes, and SHOW ALL. The engine answers its own SHOW
// PROVIDERS, SERVICES, RESOURCES and METHODS.
func showStatement(toks []token) (*sessionStmt, error) {
	if len(toks) < 2 || engineShowWords[word(toks[1])] {
		return nil, nil
	}
	name, n := showForm(words(toks[1:]))
	if name == "" {
		name, n = settingName(toks[1:])
	}
	if n != len(toks)-1 || name == "" {
		return nil, nil
	}
	if name == "all" {
		return &sessionStmt{
			cols: []rowset.Column{{Name: "name", Type: schema.String}, {Name: "setting", Type: schema.String}},
			exec: func(c *conn) ([][]any, string, error) {
				names := make([]string, 0, len(settingNames))
				for n := range settingNames {
					names = append(names, n)
				}
				for n := range c.settings {
					if settingNames[n] == "" {
						names = append(names, n)
					}
				}
				sort.Strings(names)
				rows := make([][]any, len(names))
				for i, n := range names {
					rows[i] = []any{n, c.setting(n)}
				}
				return rows, "SHOW", nil
			},
		}, nil
	}
	shown, known := settingNames[name]
	if !known && !strings.Contains(name, ".") {
		return nil, &pgError{code: codeUndefinedObject, pos: toks[1].start,
			msg:  fmt.Sprintf("unrecognized configuration parameter %q", name),
			hint: "SHOW shows Postgres settings and pkgql's catalog: SHOW PROVIDERS, SHOW SERVICES IN <provider>, SHOW RESOURCES IN <provider>.<service>, SHOW METHODS IN <resource>"}
	}
	if shown == "" {
		shown = name
	}
	return &sessionStmt{
		cols: []rowset.Column{{Name: shown, Type: schema.String}},
		exec: func(c *conn) ([][]any, string, error) {
			if _, set := c.settings[name]; !set && !known {
				return nil, "", &pgError{code: codeUndefinedObject, pos: -1, msg: fmt.Sprintf("unrecognized configuration parameter %q", name)}
			}
			return [][]any{{c.setting(name)}}, "SHOW", nil
		},
	}, nil
}

// showForms are the SHOW statements whose setting Postgres' grammar spells in
// several words.
var showForms = []struct {
	words   []string
	setting string
}{
	{[]string{"transaction", "isolation", "level"}, "transaction_isolation"},
	{[]string{"time", "zone"}, "timezone"},
	{[]string{"session", "authorization"}, "session_authorization"},
}

// showForm finds a several-word SHOW form at the start of w and says how many
// words it took; "" when w starts with none.
func showForm(w []string) (string, int) {
	for _, f := range showForms {
		if len(w) >= len(f.words) && slices.Equal(w[:len(f.words)], f.words) {
			return f.setting, len(f.words)
		}
	}
	return "", 0
}

// settingName reads a setting's name from the start of toks (words joined by
// dots, or one quoted name) and says how many tokens it took.
func settingName(toks []token) (string, int) {
	if len(toks) > 0 && toks[0].typ == sqlparser.STRING {
		return strings.ToLower(toks[0].val), 1
	}
	var b strings.Builder
	n := 0
	for n < len(toks) {
		if w := word(toks[n]); w != "" && (n%2 == 0) {
			b.WriteString(w)
		} else if toks[n].typ == '.' && n%2 == 1 {
			b.WriteByte('.')
		} else {
			break
		}
		n++
	}
	return b.String(), n
}

func discardStatement(w []string) (*sessionStmt, error) {
	if len(w) != 2 {
		return nil, &pgError{code: codeSyntax, pos: -1, msg: "DISCARD takes ALL, PLANS, SEQUENCES or TEMP"}
	}
	what := strings.ToUpper(w[1])
	return &sessionStmt{exec: func(c *conn) ([][]any, string, error) {
		if what == "ALL" {
			clear(c.settings)
			clear(c.stmts)
			c.closeCursors(true)
		}
		return nil, "DISCARD " + what, nil
	}}, nil
}

func deallocateStatement(toks []token) (*sessionStmt, error) {
	i := 1
	if i < len(toks) && word(toks[i]) == "prepare" {
		i++
	}
	if i != len(toks)-1 {
		return nil, &pgError{code: codeSyntax, pos: -1, msg: "DEALLOCATE takes one prepared statement name, or ALL"}
	}
	name := toks[i].val
	all := word(toks[i]) == "all"
	return &sessionStmt{exec: func(c *conn) ([][]any, string, error) {
		if all {
			clear(c.stmts)
			return nil, "DEALLOCATE ALL", nil
		}
		if _, ok := c.stmts[name]; !ok {
			return nil, "", &pgError{code: codeInvalidStatementName, pos: -1, msg: fmt.Sprintf("prepared statement %q does not exist", name)}
		}
		delete(c.stmts, name)
		return nil, "DEALLOCATE", nil
	}}, nil
}

// refuseCatalog refuses a query of Postgres' system catalogs, which pkgql does
// not emulate, and says where its catalog is.
func refuseCatalog(toks []token, hint string) error {
	for i, t := range toks {
		w := word(t)
		after := i > 0 && (word(toks[i-1]) == "from" || word(toks[i-1]) == "join")
		if w == "pg_catalog" || w == "information_schema" || (after && strings.HasPrefix(w, "pg_")) {
			return &pgError{code: codeFeatureNotSupported, pos: t.start,
				msg:  "pkgql does not emulate pg_catalog or information_schema",
				hint: hint}
		}
	}
	return nil
}

// checkReadOnly refuses a DELETE or EXEC in a read-only transaction or
// session, as Postgres refuses writes there.
func (c *conn) checkReadOnly(st Statement) error {
	if k := st.Kind(); k != rowset.KindDelete && k != rowset.KindExec {
		return nil
	}
	tx, _ := parseBool(c.setting("transaction_read_only"))
	def, _ := parseBool(c.setting("default_transaction_read_only"))
	if tx || def {
		return &pgError{code: "25006", pos: -1, msg: fmt.Sprintf("cannot execute %s in a read-only transaction", st.Kind()),
			hint: "COMMIT or ROLLBACK ends the transaction's READ ONLY; SET default_transaction_read_only = off ends the session's"}
	}
	return nil
}
