package pgcatalog

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"modernc.org/sqlite"
)

// The functions catalog queries call. Those that answer about the session
// (current_setting, current_user, obj_description, the reg* casts) are called
// with the session's id as a first argument, which the translation adds: the
// driver's functions serve every session.

type scalar func(s *Session, args []driver.Value) (driver.Value, error)

// sessionFuncs take the session's id first; the translation passes it.
var sessionFuncs = map[string]scalar{
	"current_setting": func(s *Session, a []driver.Value) (driver.Value, error) {
		name := strings.ToLower(str(arg(a, 0)))
		v, ok := s.info.Setting(name)
		if !ok {
			if len(a) > 1 && truthy(a[1]) {
				return nil, nil
			}
			return nil, fmt.Errorf("unrecognized configuration parameter %q", name)
		}
		return v, nil
	},
	// set_config(name, value, is_local) sets a session setting, as SET does.
	"set_config": func(s *Session, a []driver.Value) (driver.Value, error) {
		if s.info.Set == nil {
			return nil, fmt.Errorf("set_config is not supported here")
		}
		name, value := strings.ToLower(str(arg(a, 0))), str(arg(a, 1))
		if err := s.info.Set(name, value); err != nil {
			return nil, err
		}
		return value, nil
	},
	"current_database": func(s *Session, _ []driver.Value) (driver.Value, error) { return s.info.Database, nil },
	"current_catalog":  func(s *Session, _ []driver.Value) (driver.Value, error) { return s.info.Database, nil },
	"current_schema":   func(s *Session, _ []driver.Value) (driver.Value, error) { return "public", nil },
	"current_user":     func(s *Session, _ []driver.Value) (driver.Value, error) { return s.info.User, nil },
	"session_user":     func(s *Session, _ []driver.Value) (driver.Value, error) { return s.info.User, nil },
	"current_role":     func(s *Session, _ []driver.Value) (driver.Value, error) { return s.info.User, nil },
	"user":             func(s *Session, _ []driver.Value) (driver.Value, error) { return s.info.User, nil },
	"pg_get_userbyid":  func(s *Session, _ []driver.Value) (driver.Value, error) { return s.info.User, nil },
	"version":          func(s *Session, _ []driver.Value) (driver.Value, error) { return s.info.Version, nil },
	"pg_backend_pid":   func(s *Session, _ []driver.Value) (driver.Value, error) { return s.info.PID, nil },
	"current_schemas": func(s *Session, a []driver.Value) (driver.Value, error) {
		if truthy(arg(a, 0)) {
			return `["pg_catalog","public"]`, nil
		}
		return `["public"]`, nil
	},
	// pkgql_regclass_in is 'name'::regclass: the table's oid.
	"pkgql_regclass_in": regclassIn,
	// pkgql_regclass_out is oid::regclass as text: the table's name,
	// qualified when its schema is not on the search path.
	"pkgql_regclass_out": func(s *Session, a []driver.Value) (driver.Value, error) {
		if _, isName := a[0].(string); isName {
			v, err := regclassIn(s, a)
			if err != nil {
				return nil, err
			}
			a = []driver.Value{v}
		}
		oid, ok := a[0].(int64)
		if !ok {
			return a[0], nil
		}
		for _, r := range s.model.relations {
			if r.oid == oid {
				return r.schema + "." + r.name, nil
			}
		}
		for name, o := range systemRelations {
			if o == oid {
				return name, nil
			}
		}
		return strconv.FormatInt(oid, 10), nil
	},
	"pkgql_regnamespace_out": func(s *Session, a []driver.Value) (driver.Value, error) {
		oid, _ := a[0].(int64)
		for _, n := range s.model.namespaces {
			if n.oid == oid {
				return n.name, nil
			}
		}
		switch oid {
		case oidPgCatalog:
			return "pg_catalog", nil
		case oidPublic:
			return "public", nil
		case oidInformationSchema:
			return "information_schema", nil
		}
		return strconv.FormatInt(oid, 10), nil
	},
	"obj_description": func(s *Session, a []driver.Value) (driver.Value, error) {
		oid, _ := a[0].(int64)
		for _, r := range s.model.relations {
			if r.oid == oid && r.desc != "" {
				return r.desc, nil
			}
		}
		for _, n := range append(s.model.namespaces, systemNamespaces...) {
			if n.oid == oid && n.desc != "" {
				return n.desc, nil
			}
		}
		return nil, nil
	},
	"col_description": func(s *Session, a []driver.Value) (driver.Value, error) {
		oid, _ := a[0].(int64)
		n, _ := a[1].(int64)
		for _, r := range s.model.relations {
			if r.oid == oid && n >= 1 && int(n) <= len(r.cols) && r.cols[n-1].desc != "" {
				return r.cols[n-1].desc, nil
			}
		}
		return nil, nil
	},
}

// regclassIn is 'name'::regclass: the oid of the table named, schema-qualified
// or not.
func regclassIn(s *Session, a []driver.Value) (driver.Value, error) {
	if v, ok := a[0].(int64); ok {
		return v, nil
	}
	name := str(arg(a, 0))
	schemaName, rel := splitQualified(name)
	for _, r := range s.model.relations {
		if strings.EqualFold(r.name, rel) && (schemaName == "" || strings.EqualFold(r.schema, schemaName)) {
			return r.oid, nil
		}
	}
	if oid, ok := systemRelations[strings.ToLower(rel)]; ok && (schemaName == "" || schemaName == "pg_catalog") {
		return oid, nil
	}
	return nil, fmt.Errorf("relation %q does not exist", name)
}

// systemRelations are the catalog tables clients name in casts.
var systemRelations = map[string]int64{
	"pg_class": oidPgClassRel, "pg_namespace": oidPgNamespaceRel, "pg_database": oidPgDatabaseRel,
	"pg_type": 1247, "pg_attribute": 1249, "pg_proc": 1255, "pg_constraint": 2606, "pg_description": 2609,
	"pg_index": 2610, "pg_trigger": 2620, "pg_rewrite": 2618, "pg_attrdef": 2604,
}

// plainFuncs answer the same in every session.
var plainFuncs = map[string]func(a []driver.Value) (driver.Value, error){
	"format_type": func(a []driver.Value) (driver.Value, error) {
		oid, ok := a[0].(int64)
		if !ok {
			return nil, nil
		}
		if t, ok := typeByOID(oid); ok {
			return t.formatted, nil
		}
		return "???", nil
	},
	"pkgql_regtype_in": func(a []driver.Value) (driver.Value, error) {
		if v, ok := a[0].(int64); ok {
			return v, nil
		}
		name := strings.ToLower(str(arg(a, 0)))
		_, name = splitQualified(name)
		if t, ok := typeByName(aliasType(name)); ok {
			return t.oid, nil
		}
		return nil, fmt.Errorf("type %q does not exist", name)
	},
	"pkgql_regtype_out": func(a []driver.Value) (driver.Value, error) {
		oid, ok := a[0].(int64)
		if !ok {
			return a[0], nil
		}
		if t, ok := typeByOID(oid); ok {
			return t.formatted, nil
		}
		return strconv.FormatInt(oid, 10), nil
	},
	"pg_get_expr":                        null,
	"pg_get_constraintdef":               null,
	"pg_get_indexdef":                    null,
	"pg_get_viewdef":                     null,
	"pg_get_triggerdef":                  null,
	"pg_get_ruledef":                     null,
	"pg_get_statisticsobjdef_columns":    null,
	"pg_get_function_arguments":          null,
	"pg_get_function_result":             null,
	"pg_get_function_identity_arguments": null,
	"pg_get_serial_sequence":             null,
	"pg_get_partkeydef":                  null,
	"shobj_description":                  null,
	"pg_encoding_to_char":                func([]driver.Value) (driver.Value, error) { return "UTF8", nil },
	"pg_char_to_encoding":                func([]driver.Value) (driver.Value, error) { return int64(6), nil },
	"getdatabaseencoding":                func([]driver.Value) (driver.Value, error) { return "UTF8", nil },
	"pg_table_is_visible":                yes,
	"pg_type_is_visible":                 yes,
	"pg_function_is_visible":             yes,
	"has_table_privilege":                yes,
	"has_schema_privilege":               yes,
	"has_database_privilege":             yes,
	"has_column_privilege":               yes,
	"has_any_column_privilege":           yes,
	"has_function_privilege":             yes,
	"pg_has_role":                        yes,
	"pg_relation_is_publishable":         no,
	"pg_is_in_recovery":                  no,
	"pg_is_other_temp_schema":            no,
	"pg_partition_ancestors":             func(a []driver.Value) (driver.Value, error) { return arg(a, 0), nil },
	"pg_size_pretty": func(a []driver.Value) (driver.Value, error) {
		n, ok := a[0].(int64)
		if !ok {
			return nil, nil
		}
		return strconv.FormatInt(n, 10) + " bytes", nil
	},
	"pg_total_relation_size": zero,
	"pg_relation_size":       zero,
	"pg_table_size":          zero,
	"pg_indexes_size":        zero,
	"quote_ident": func(a []driver.Value) (driver.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		return quoteIdent(str(a[0])), nil
	},
	// parse_ident splits a qualified name into its parts, unquoting them.
	"parse_ident": func(a []driver.Value) (driver.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		toks, err := lex(str(a[0]))
		if err != nil {
			return nil, err
		}
		var parts []string
		for i, t := range toks {
			switch {
			case i%2 == 0 && (t.kind == tIdent || t.kind == tQIdent):
				parts = append(parts, t.val)
			case i%2 == 1 && t.p("."):
			default:
				return nil, fmt.Errorf("string is not a valid identifier: %q", str(a[0]))
			}
		}
		b, _ := json.Marshal(parts)
		return string(b), nil
	},
	"string_to_array": func(a []driver.Value) (driver.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		parts := strings.Split(str(a[0]), str(arg(a, 1)))
		b, _ := json.Marshal(parts)
		return string(b), nil
	},
	"array_to_string": func(a []driver.Value) (driver.Value, error) {
		items, ok := jsonArray(arg(a, 0))
		if !ok {
			return nil, nil
		}
		var parts []string
		for _, it := range items {
			if it == nil {
				if len(a) > 2 && a[2] != nil {
					parts = append(parts, str(a[2]))
				}
				continue
			}
			parts = append(parts, fmt.Sprint(it))
		}
		return strings.Join(parts, str(arg(a, 1))), nil
	},
	"array_upper": func(a []driver.Value) (driver.Value, error) {
		items, ok := jsonArray(arg(a, 0))
		if !ok || len(items) == 0 {
			return nil, nil
		}
		return int64(len(items)), nil
	},
	"array_lower": func(a []driver.Value) (driver.Value, error) {
		items, ok := jsonArray(arg(a, 0))
		if !ok || len(items) == 0 {
			return nil, nil
		}
		return int64(1), nil
	},
	"array_length": func(a []driver.Value) (driver.Value, error) {
		items, ok := jsonArray(arg(a, 0))
		if !ok || len(items) == 0 {
			return nil, nil
		}
		return int64(len(items)), nil
	},
	"cardinality": func(a []driver.Value) (driver.Value, error) {
		items, ok := jsonArray(arg(a, 0))
		if !ok {
			return nil, nil
		}
		return int64(len(items)), nil
	},
	// pkgql_subscript is arr[i]: Postgres' arrays count from 1.
	"pkgql_subscript": func(a []driver.Value) (driver.Value, error) {
		items, ok := jsonArray(arg(a, 0))
		i, iok := arg(a, 1).(int64)
		if !ok || !iok || i < 1 || int(i) > len(items) {
			return nil, nil
		}
		switch v := items[i-1].(type) {
		case float64:
			if v == float64(int64(v)) {
				return int64(v), nil
			}
			return v, nil
		case string, nil:
			return v, nil
		case bool:
			return v, nil
		default:
			b, _ := json.Marshal(v)
			return string(b), nil
		}
	},
	// Set-returning functions in a select list: SQLite calls them once per
	// row, and the catalogs clients call them over (pg_index) have none. A
	// call that would have to expand a row is refused rather than answered
	// with one value.
	"unnest":              setReturning("unnest"),
	"generate_subscripts": setReturning("generate_subscripts"),
	"generate_series":     setReturning("generate_series"),
	"_pg_expandarray":     setReturning("_pg_expandarray"),
	// pkgql_field is (composite).field, which only the set-returning
	// functions above would have made.
	"pkgql_field": func([]driver.Value) (driver.Value, error) {
		return nil, fmt.Errorf("composite values are not supported")
	},
	"regexp": func(a []driver.Value) (driver.Value, error) {
		if a[0] == nil || a[1] == nil {
			return nil, nil
		}
		re, err := compiled(str(a[0]))
		if err != nil {
			return nil, err
		}
		return re.MatchString(str(a[1])), nil
	},
}

var (
	reMu    sync.Mutex
	reCache = map[string]*regexp.Regexp{}
)

func compiled(p string) (*regexp.Regexp, error) {
	reMu.Lock()
	defer reMu.Unlock()
	if re, ok := reCache[p]; ok {
		return re, nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %v", p, err)
	}
	if len(reCache) > 256 {
		clear(reCache)
	}
	reCache[p] = re
	return re, nil
}

func setReturning(name string) func([]driver.Value) (driver.Value, error) {
	return func([]driver.Value) (driver.Value, error) {
		return nil, fmt.Errorf("%s in a select list is not supported: call it in FROM", name)
	}
}

// quoteIdent quotes a name as Postgres' quote_ident does: only when it
// needs quotes to read back the same.
func quoteIdent(s string) string {
	plain := s != "" && !(s[0] >= '0' && s[0] <= '9') && !keywords[s]
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func null([]driver.Value) (driver.Value, error) { return nil, nil }
func yes([]driver.Value) (driver.Value, error)  { return int64(1), nil }
func no([]driver.Value) (driver.Value, error)   { return int64(0), nil }
func zero([]driver.Value) (driver.Value, error) { return int64(0), nil }

func arg(a []driver.Value, i int) driver.Value {
	if i < len(a) {
		return a[i]
	}
	return nil
}

func str(v driver.Value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func truthy(v driver.Value) bool {
	switch x := v.(type) {
	case int64:
		return x != 0
	case bool:
		return x
	case string:
		b, _ := strconv.ParseBool(x)
		return b || x == "t" || x == "on"
	}
	return false
}

func jsonArray(v driver.Value) ([]any, bool) {
	if v == nil {
		return nil, false
	}
	var items []any
	if err := json.Unmarshal([]byte(str(v)), &items); err != nil {
		return nil, false
	}
	return items, true
}

func splitQualified(name string) (string, string) {
	name = strings.ReplaceAll(name, `"`, "")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i], name[i+1:]
	}
	return "", name
}

// aliasType maps the SQL names of types to Postgres' own.
func aliasType(name string) string {
	switch name {
	case "bigint":
		return "int8"
	case "integer", "int":
		return "int4"
	case "smallint":
		return "int2"
	case "boolean":
		return "bool"
	case "double precision":
		return "float8"
	case "real":
		return "float4"
	case "character varying":
		return "varchar"
	case "timestamp with time zone":
		return "timestamptz"
	}
	return name
}

func registerFunctions(d *sqlite.Driver) error {
	for name, fn := range sessionFuncs {
		fn := fn
		err := d.RegisterFunction(name, &sqlite.FunctionImpl{NArgs: -1, Scalar: func(_ *sqlite.FunctionContext, a []driver.Value) (driver.Value, error) {
			if len(a) == 0 {
				return nil, fmt.Errorf("session id missing")
			}
			id, _ := a[0].(int64)
			s := lookupSession(id)
			if s == nil {
				return nil, fmt.Errorf("no catalog session %d", id)
			}
			return fn(s, a[1:])
		}})
		if err != nil {
			return err
		}
	}
	for name, fn := range plainFuncs {
		fn := fn
		err := d.RegisterFunction(name, &sqlite.FunctionImpl{NArgs: -1, Deterministic: true,
			Scalar: func(_ *sqlite.FunctionContext, a []driver.Value) (driver.Value, error) { return fn(a) }})
		if err != nil {
			return err
		}
	}
	return nil
}

// functionNames are the functions pg_proc lists.
func functionNames() []string {
	var out []string
	for n := range sessionFuncs {
		if !strings.HasPrefix(n, "pkgql_") {
			out = append(out, n)
		}
	}
	for n := range plainFuncs {
		if !strings.HasPrefix(n, "pkgql_") && n != "regexp" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
