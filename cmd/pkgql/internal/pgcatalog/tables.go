package pgcatalog

import (
	"fmt"
	"strings"

	"github.com/pkgql/pkgql/schema"
)

// The catalog's tables are declared with the columns Postgres 15 gives them,
// so that the queries clients send find every column they name. A column's
// declared type is its Postgres type: the wire describes it by that type, and
// SQLite gives it the affinity the type's name implies (int2, int4, int8 and
// oid are integers; bool is 0 or 1; text, name_text and "char" are text).

// table is one catalog table: its schema, name and columns ("name type, …").
type table struct {
	schema, name, cols string
}

var tables = []table{
	{"pg_catalog", "pg_namespace", "oid oid, nspname name_text, nspowner oid, nspacl text"},
	{"pg_catalog", "pg_class", `oid oid, relname name_text, relnamespace oid, reltype oid, reloftype oid, relowner oid,
		relam oid, relfilenode oid, reltablespace oid, relpages int4, reltuples float4, relallvisible int4,
		reltoastrelid oid, relhasindex bool, relisshared bool, relpersistence char_text, relkind char_text, relnatts int2,
		relchecks int2, relhasrules bool, relhastriggers bool, relhassubclass bool, relrowsecurity bool,
		relforcerowsecurity bool, relispopulated bool, relreplident char_text, relispartition bool, relrewrite oid,
		relfrozenxid int8, relminmxid int8, relacl text, reloptions text, relpartbound text`},
	{"pg_catalog", "pg_attribute", `attrelid oid, attname name_text, atttypid oid, attstattarget int4, attlen int2,
		attnum int2, attndims int4, attcacheoff int4, atttypmod int4, attbyval bool, attalign char_text,
		attstorage char_text, attcompression char_text, attnotnull bool, atthasdef bool, atthasmissing bool,
		attidentity char_text, attgenerated char_text, attisdropped bool, attislocal bool, attinhcount int4,
		attcollation oid, attacl text, attoptions text, attfdwoptions text, attmissingval text`},
	{"pg_catalog", "pg_type", `oid oid, typname name_text, typnamespace oid, typowner oid, typlen int2, typbyval bool,
		typtype char_text, typcategory char_text, typispreferred bool, typisdefined bool, typdelim char_text,
		typrelid oid, typsubscript text, typelem oid, typarray oid, typinput text, typoutput text, typreceive text,
		typsend text, typmodin text, typmodout text, typanalyze text, typalign char_text, typstorage char_text,
		typnotnull bool, typbasetype oid, typtypmod int4, typndims int4, typcollation oid, typdefaultbin text,
		typdefault text, typacl text`},
	{"pg_catalog", "pg_description", "objoid oid, classoid oid, objsubid int4, description text"},
	{"pg_catalog", "pg_shdescription", "objoid oid, classoid oid, description text"},
	{"pg_catalog", "pg_database", `oid oid, datname name_text, datdba oid, encoding int4, datlocprovider char_text,
		datistemplate bool, datallowconn bool, datconnlimit int4, datfrozenxid int8, datminmxid int8,
		dattablespace oid, datcollate text, datctype text, daticulocale text, datcollversion text, datacl text`},
	{"pg_catalog", "pg_settings", `name text, setting text, unit text, category text, short_desc text, extra_desc text,
		context text, vartype text, source text, min_val text, max_val text, enumvals text, boot_val text,
		reset_val text, sourcefile text, sourceline int4, pending_restart bool`},
	{"pg_catalog", "pg_proc", `oid oid, proname name_text, pronamespace oid, proowner oid, prolang oid, procost float4,
		prorows float4, provariadic oid, prosupport text, prokind char_text, prosecdef bool, proleakproof bool,
		proisstrict bool, proretset bool, provolatile char_text, proparallel char_text, pronargs int2,
		pronargdefaults int2, prorettype oid, proargtypes text, proallargtypes text, proargmodes text,
		proargnames text, proargdefaults text, protrftypes text, prosrc text, probin text, prosqlbody text,
		proconfig text, proacl text`},
	{"pg_catalog", "pg_roles", `oid oid, rolname name_text, rolsuper bool, rolinherit bool, rolcreaterole bool,
		rolcreatedb bool, rolcanlogin bool, rolreplication bool, rolconnlimit int4, rolpassword text,
		rolvaliduntil text, rolbypassrls bool, rolconfig text`},
	{"pg_catalog", "pg_user", `usename name_text, usesysid oid, usecreatedb bool, usesuper bool, userepl bool,
		usebypassrls bool, passwd text, valuntil text, useconfig text`},
	{"pg_catalog", "pg_am", "oid oid, amname name_text, amhandler text, amtype char_text"},
	{"pg_catalog", "pg_tablespace", "oid oid, spcname name_text, spcowner oid, spcacl text, spcoptions text"},
	// Catalogs of what pkgql's tables do not have: empty, with the columns
	// clients read from them.
	{"pg_catalog", "pg_index", `indexrelid oid, indrelid oid, indnatts int2, indnkeyatts int2, indisunique bool,
		indnullsnotdistinct bool, indisprimary bool, indisexclusion bool, indimmediate bool, indisclustered bool,
		indisvalid bool, indcheckxmin bool, indisready bool, indislive bool, indisreplident bool, indkey text,
		indcollation text, indclass text, indoption text, indexprs text, indpred text`},
	{"pg_catalog", "pg_extension", `oid oid, extname name_text, extowner oid, extnamespace oid, extrelocatable bool,
		extversion text, extconfig text, extcondition text`},
	{"pg_catalog", "pg_attrdef", "oid oid, adrelid oid, adnum int2, adbin text"},
	{"pg_catalog", "pg_constraint", `oid oid, conname name_text, connamespace oid, contype char_text, condeferrable bool,
		condeferred bool, convalidated bool, conrelid oid, contypid oid, conindid oid, conparentid oid,
		confrelid oid, confupdtype char_text, confdeltype char_text, confmatchtype char_text, conislocal bool,
		coninhcount int4, connoinherit bool, conkey text, confkey text, conpfeqop text, conppeqop text,
		conffeqop text, confdelsetcols text, conexclop text, conbin text`},
	{"pg_catalog", "pg_inherits", "inhrelid oid, inhparent oid, inhseqno int4, inhdetachpending bool"},
	{"pg_catalog", "pg_trigger", `oid oid, tgrelid oid, tgparentid oid, tgname name_text, tgfoid oid, tgtype int2,
		tgenabled char_text, tgisinternal bool, tgconstrrelid oid, tgconstrindid oid, tgconstraint oid,
		tgdeferrable bool, tginitdeferred bool, tgnargs int2, tgattr text, tgargs text, tgqual text,
		tgoldtable name_text, tgnewtable name_text`},
	{"pg_catalog", "pg_rewrite", "oid oid, rulename name_text, ev_class oid, ev_type char_text, ev_enabled char_text, is_instead bool, ev_qual text, ev_action text"},
	{"pg_catalog", "pg_policy", "oid oid, polname name_text, polrelid oid, polcmd char_text, polpermissive bool, polroles text, polqual text, polwithcheck text"},
	{"pg_catalog", "pg_statistic_ext", "oid oid, stxrelid oid, stxname name_text, stxnamespace oid, stxowner oid, stxstattarget int4, stxkeys text, stxkind text, stxexprs text"},
	{"pg_catalog", "pg_publication", "oid oid, pubname name_text, pubowner oid, puballtables bool, pubinsert bool, pubupdate bool, pubdelete bool, pubtruncate bool, pubviaroot bool"},
	{"pg_catalog", "pg_publication_rel", "oid oid, prpubid oid, prrelid oid, prqual text, prattrs text"},
	{"pg_catalog", "pg_publication_namespace", "oid oid, pnpubid oid, pnnspid oid"},
	{"pg_catalog", "pg_collation", "oid oid, collname name_text, collnamespace oid, collowner oid, collprovider char_text, collisdeterministic bool, collencoding int4, collcollate text, collctype text"},
	{"pg_catalog", "pg_foreign_table", "ftrelid oid, ftserver oid, ftoptions text"},
	{"pg_catalog", "pg_partitioned_table", "partrelid oid, partstrat char_text, partnatts int2, partdefid oid, partattrs text, partclass text, partcollation text, partexprs text"},
	{"pg_catalog", "pg_sequence", "seqrelid oid, seqtypid oid, seqstart int8, seqincrement int8, seqmax int8, seqmin int8, seqcache int8, seqcycle bool"},
	{"pg_catalog", "pg_depend", "classid oid, objid oid, objsubid int4, refclassid oid, refobjid oid, refobjsubid int4, deptype char_text"},
	{"pg_catalog", "pg_enum", "oid oid, enumtypid oid, enumsortorder float4, enumlabel name_text"},
	{"pg_catalog", "pg_range", "rngtypid oid, rngsubtype oid, rngmultitypid oid, rngcollation oid, rngsubopc oid, rngcanonical text, rngsubdiff text"},
	{"pg_catalog", "pg_matviews", "schemaname name_text, matviewname name_text, matviewowner name_text, tablespace name_text, hasindexes bool, ispopulated bool, definition text"},
	{"pg_catalog", "pg_views", "schemaname name_text, viewname name_text, viewowner name_text, definition text"},
	{"pg_catalog", "pg_event_trigger", "oid oid, evtname name_text, evtevent name_text, evtowner oid, evtfoid oid, evtenabled char_text, evttags text"},
	{"pg_catalog", "pg_operator", "oid oid, oprname name_text, oprnamespace oid, oprowner oid, oprkind char_text, oprleft oid, oprright oid, oprresult oid, oprcode text"},
	{"pg_catalog", "pg_cast", "oid oid, castsource oid, casttarget oid, castfunc oid, castcontext char_text, castmethod char_text"},
	{"pg_catalog", "pg_language", "oid oid, lanname name_text, lanowner oid, lanispl bool, lanpltrusted bool"},
	{"pg_catalog", "pg_auth_members", "roleid oid, member oid, grantor oid, admin_option bool"},
	{"pg_catalog", "pg_stat_activity", `datid oid, datname name_text, pid int4, usesysid oid, usename name_text, application_name text,
		client_addr text, state text, query text, backend_type text`},
	{"pg_catalog", "pg_locks", "locktype text, database oid, relation oid, pid int4, mode text, granted bool"},
	{"information_schema", "schemata", `catalog_name name_text, schema_name name_text, schema_owner name_text,
		default_character_set_catalog name_text, default_character_set_schema name_text,
		default_character_set_name name_text, sql_path text`},
	{"information_schema", "tables", `table_catalog name_text, table_schema name_text, table_name name_text,
		table_type text, self_referencing_column_name name_text, reference_generation text,
		user_defined_type_catalog name_text, user_defined_type_schema name_text, user_defined_type_name name_text,
		is_insertable_into text, is_typed text, commit_action text`},
	{"information_schema", "columns", `table_catalog name_text, table_schema name_text, table_name name_text,
		column_name name_text, ordinal_position int4, column_default text, is_nullable text, data_type text,
		character_maximum_length int4, character_octet_length int4, numeric_precision int4,
		numeric_precision_radix int4, numeric_scale int4, datetime_precision int4, interval_type text,
		interval_precision int4, character_set_catalog name_text, character_set_schema name_text,
		character_set_name name_text, collation_catalog name_text, collation_schema name_text,
		collation_name name_text, domain_catalog name_text, domain_schema name_text, domain_name name_text,
		udt_catalog name_text, udt_schema name_text, udt_name name_text, scope_catalog name_text,
		scope_schema name_text, scope_name name_text, maximum_cardinality int4, dtd_identifier name_text,
		is_self_referencing text, is_identity text, identity_generation text, identity_start text,
		identity_increment text, identity_maximum text, identity_minimum text, identity_cycle text,
		is_generated text, generation_expression text, is_updatable text`},
	{"information_schema", "views", `table_catalog name_text, table_schema name_text, table_name name_text,
		view_definition text, check_option text, is_updatable text, is_insertable_into text,
		is_trigger_updatable text, is_trigger_deletable text, is_trigger_insertable_into text`},
	{"information_schema", "table_constraints", `constraint_catalog name_text, constraint_schema name_text,
		constraint_name name_text, table_catalog name_text, table_schema name_text, table_name name_text,
		constraint_type text, is_deferrable text, initially_deferred text, enforced text, nulls_distinct text`},
	{"information_schema", "key_column_usage", `constraint_catalog name_text, constraint_schema name_text,
		constraint_name name_text, table_catalog name_text, table_schema name_text, table_name name_text,
		column_name name_text, ordinal_position int4, position_in_unique_constraint int4`},
	{"information_schema", "routines", "specific_catalog name_text, specific_schema name_text, specific_name name_text, routine_catalog name_text, routine_schema name_text, routine_name name_text, routine_type text, data_type text"},
}

// Well-known OIDs of Postgres 15, which clients compare against.
const (
	oidPgCatalog         = 11
	oidPublic            = 2200
	oidInformationSchema = 13000
	oidOwner             = 10
	oidPgClassRel        = 1259
	oidPgNamespaceRel    = 2615
	oidPgDatabaseRel     = 1262
	firstOID             = 16384
)

// pgType is a built-in type the catalog lists.
type pgType struct {
	oid       int64
	name      string
	len       int64
	byval     bool
	category  string
	elem      int64 // for arrays
	array     int64
	input     string
	formatted string // what format_type says
}

var pgTypes = []pgType{
	{16, "bool", 1, true, "B", 0, 1000, "boolin", "boolean"},
	{17, "bytea", -1, false, "U", 0, 1001, "byteain", "bytea"},
	{18, "char", 1, true, "Z", 0, 1002, "charin", `"char"`},
	{19, "name", 64, false, "S", 0, 1003, "namein", "name"},
	{20, "int8", 8, true, "N", 0, 1016, "int8in", "bigint"},
	{21, "int2", 2, true, "N", 0, 1005, "int2in", "smallint"},
	{22, "int2vector", -1, false, "A", 21, 1006, "int2vectorin", "int2vector"},
	{23, "int4", 4, true, "N", 0, 1007, "int4in", "integer"},
	{24, "regproc", 4, true, "N", 0, 1008, "regprocin", "regproc"},
	{25, "text", -1, false, "S", 0, 1009, "textin", "text"},
	{26, "oid", 4, true, "N", 0, 1028, "oidin", "oid"},
	{30, "oidvector", -1, false, "A", 26, 1013, "oidvectorin", "oidvector"},
	{114, "json", -1, false, "U", 0, 199, "json_in", "json"},
	{700, "float4", 4, true, "N", 0, 1021, "float4in", "real"},
	{701, "float8", 8, true, "N", 0, 1022, "float8in", "double precision"},
	{705, "unknown", -2, false, "X", 0, 0, "unknownin", "unknown"},
	{1042, "bpchar", -1, false, "S", 0, 1014, "bpcharin", "character"},
	{1043, "varchar", -1, false, "S", 0, 1015, "varcharin", "character varying"},
	{1082, "date", 4, true, "D", 0, 1182, "date_in", "date"},
	{1114, "timestamp", 8, true, "D", 0, 1115, "timestamp_in", "timestamp without time zone"},
	{1184, "timestamptz", 8, true, "D", 0, 1185, "timestamptz_in", "timestamp with time zone"},
	{1700, "numeric", -1, false, "N", 0, 1231, "numeric_in", "numeric"},
	{2205, "regclass", 4, true, "N", 0, 2210, "regclassin", "regclass"},
	{2206, "regtype", 4, true, "N", 0, 2211, "regtypein", "regtype"},
	{3802, "jsonb", -1, false, "U", 0, 3807, "jsonb_in", "jsonb"},
	{1000, "_bool", -1, false, "A", 16, 0, "array_in", "boolean[]"},
	{1005, "_int2", -1, false, "A", 21, 0, "array_in", "smallint[]"},
	{1007, "_int4", -1, false, "A", 23, 0, "array_in", "integer[]"},
	{1009, "_text", -1, false, "A", 25, 0, "array_in", "text[]"},
	{1003, "_name", -1, false, "A", 19, 0, "array_in", "name[]"},
	{1016, "_int8", -1, false, "A", 20, 0, "array_in", "bigint[]"},
	{1022, "_float8", -1, false, "A", 701, 0, "array_in", "double precision[]"},
	{1028, "_oid", -1, false, "A", 26, 0, "array_in", "oid[]"},
	{1015, "_varchar", -1, false, "A", 1043, 0, "array_in", "character varying[]"},
	{1185, "_timestamptz", -1, false, "A", 1184, 0, "array_in", "timestamp with time zone[]"},
	{3807, "_jsonb", -1, false, "A", 3802, 0, "array_in", "jsonb[]"},
}

// declaredOIDs maps a column's declared type to the type the wire gives it.
var declaredOIDs = map[string]uint32{
	"oid": 26, "name_text": 19, "text": 25, "int2": 21, "int4": 23, "int8": 20,
	"float4": 700, "float8": 701, "bool": 16, "char_text": 18,
}

// TypeOID is the Postgres type of a schema type and format: what the wire
// and the catalog say a column of it is.
func TypeOID(t schema.Type, f schema.Format) int64 {
	if f == schema.DateTime {
		return 1184
	}
	switch t {
	case schema.Integer:
		return 20
	case schema.Number:
		return 701
	case schema.Boolean:
		return 16
	case schema.Object:
		return 3802
	}
	return 25
}

func typeByOID(oid int64) (pgType, bool) {
	for _, t := range pgTypes {
		if t.oid == oid {
			return t, true
		}
	}
	return pgType{}, false
}

func typeByName(name string) (pgType, bool) {
	for _, t := range pgTypes {
		if t.name == name || t.formatted == name {
			return t, true
		}
	}
	return pgType{}, false
}

// relation is one resource as the catalog lists it.
type relation struct {
	oid       int64
	nsp       int64
	schema    string
	name      string
	desc      string
	cols      []relColumn
	database  string
	qualified string // provider.service.resource
}

type relColumn struct {
	name, desc string
	typ        int64
}

// namespace is one service as a schema.
type namespace struct {
	oid  int64
	name string
	desc string
}

// model is what the catalog is generated from: the databases (providers),
// their schemas (services) and tables (resources).
type model struct {
	databases  []string
	namespaces []namespace
	relations  []relation
}

// newModel lays the providers out as Postgres sees them. Each provider is a
// database; when the session's database is one of them, only its services
// are schemas, as a Postgres catalog holds only its own database.
func newModel(providers []*schema.Provider, database string) model {
	var m model
	next := int64(firstOID)
	current := providers
	for _, p := range providers {
		m.databases = append(m.databases, p.Name)
		if strings.EqualFold(p.Name, database) {
			current = []*schema.Provider{p}
		}
	}
	nsps := map[string]int64{}
	for _, p := range current {
		for _, s := range p.Services {
			oid, ok := nsps[s.Name]
			if !ok {
				oid = next
				next++
				nsps[s.Name] = oid
				m.namespaces = append(m.namespaces, namespace{oid: oid, name: s.Name, desc: s.Description})
			}
			for _, r := range s.Resources {
				rel := relation{oid: next, nsp: oid, schema: s.Name, name: r.Name, desc: r.Description,
					database: p.Name, qualified: p.Name + "." + s.Name + "." + r.Name}
				next++
				for _, f := range r.Fields {
					rel.cols = append(rel.cols, relColumn{name: f.Name, desc: f.Description, typ: TypeOID(f.Type, f.Format)})
				}
				for _, prm := range r.HiddenParams() {
					d := "param: " + prm.Description
					if len(prm.Enum) > 0 {
						d += fmt.Sprintf(" (one of %s)", strings.Join(prm.Enum, ", "))
					}
					rel.cols = append(rel.cols, relColumn{name: prm.Name, desc: d, typ: TypeOID(prm.Type, "")})
				}
				m.relations = append(m.relations, rel)
			}
		}
	}
	return m
}
