// Package pgwire serves pkgql's engine over the Postgres wire protocol
// (version 3, with jackc/pgx's pgproto3), so that psql, drivers such as pgx,
// and BI tools can query GitHub Packages as if pkgql were a Postgres server.
//
// # Data flow
//
// Each client connection gets its own goroutine and its own engine, made by
// Options.NewEngine (engines are never shared; the provider processes behind
// them are). A query string is cut into statements with the engine's own
// tokenizer; the few statements about the session itself (below) are
// answered here, everything else goes to the engine, which reads and checks
// all of them before the first runs. Rows stream from the engine's Sink into
// DataRow messages as they come.
//
// # Protocol
//
//   - Startup: SSLRequest and GSSENCRequest are answered 'N' (no encryption:
//     the server is meant for loopback; use an SSH tunnel to reach it from
//     elsewhere). Protocol 3.0 and 3.2 are spoken; unknown _pq_ options are
//     declined with NegotiateProtocolVersion.
//   - Authentication: none, or SCRAM-SHA-256 against Options.Password
//     (pkgql serve takes it from PKGQL_SERVE_PASSWORD). The user name is not
//     checked.
//   - ParameterStatus at startup: server_version "15.0 (pkgql)", client and
//     server encoding UTF8, standard_conforming_strings on, DateStyle ISO,
//     integer_datetimes on, TimeZone UTC, and the rest psql and pgx read.
//   - CancelRequest cancels the running statement of the connection whose
//     backend key and secret it carries; Terminate ends the connection.
//   - Simple query: RowDescription, DataRow…, CommandComplete per statement,
//     EmptyQueryResponse for a string with no statement, ReadyForQuery. The
//     first error stops the string, and the session goes on.
//   - Extended query: Parse, Bind, Describe, Execute (with a row limit and
//     PortalSuspended), Close, Flush and Sync. Placeholders $1… are replaced
//     at Bind by the bound values written as SQL literals (params.go says
//     how), and the engine reads the result. After an error, messages are
//     skipped until Sync, as Postgres does.
//
// # Describe
//
// A statement's columns are known once it is bound. Describe of a portal
// starts a read-only statement (SELECT, SHOW, DESCRIBE, EXPLAIN) at once and
// waits for its columns; its rows wait in a small channel (cursor.go) for
// the Executes that follow, so that an Execute with a row limit (JDBC's
// fetch size) sends a batch and PortalSuspended without the rest being held.
// A DELETE or EXEC described as a portal runs and holds its report. Within
// BEGIN … COMMIT portals outlive Sync, as Postgres' do. Describe of a
// prepared statement, before any value is bound, runs nothing that could not
// run now: a read-only statement without parameters (SELECT, SHOW, DESCRIBE,
// EXPLAIN) is run ahead and its rows serve the portal bound from it in the
// next batch; a statement with parameters, and any DELETE or EXEC, is
// described as NoData, and its Execute sends the RowDescription before the
// rows. pgx reads that late description; psql, psycopg, JDBC, node-postgres
// and Npgsql describe the portal instead and never see it.
//
// # Types
//
// Integer fields are int8, numbers float8, strings text, booleans bool,
// object fields jsonb. Columns SQLite computes (COUNT(*), expressions) have
// the type the engine reads from their first value, and are text when that
// is NULL or there is no row. Values go in text format (booleans t and f), or in binary format for
// the columns a client asks so in Bind.
//
// # Session statements
//
// Answered by the server, never sent to the engine:
//
//	SET [SESSION|LOCAL] name {TO|=} value, SET TIME ZONE, SET NAMES   stored for SHOW; pkgql.yes = on confirms bulk DELETEs
//	RESET name | ALL, DISCARD ALL, DEALLOCATE [PREPARE] name | ALL
//	SHOW name, SHOW ALL                 Postgres settings (server_version, standard_conforming_strings, …)
//	SHOW TRANSACTION ISOLATION LEVEL, SHOW TIME ZONE, SHOW SESSION AUTHORIZATION
//	BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE
//	                                    accepted with a NOTICE: pkgql has no transactions;
//	                                    BEGIN READ ONLY sets transaction_read_only until
//	                                    COMMIT or ROLLBACK, and DELETE and EXEC are refused (25006)
//	COPY (query) TO STDOUT [(FORMAT text|csv, HEADER, DELIMITER, NULL)]   copy.go
//	DECLARE name CURSOR FOR query, FETCH, MOVE, CLOSE                      cursor.go
//	SELECT CAST('literal' AS varchar(n) | char(n) | text)   SQLAlchemy's string probe
//
// The engine's SHOW PROVIDERS, SERVICES, RESOURCES and METHODS go to the
// engine.
//
// # The catalog
//
// A query that reads pg_catalog or information_schema, or calls a function
// of the catalog's (version(), current_setting(), format_type(), …), or is a
// SELECT of constants in Postgres' dialect ('x'::text), is answered by the
// connection's catalog (package pgcatalog): SQLite tables made from the
// providers' schemas on the connection's first such query, with Postgres'
// types on the wire. It costs no provider call. Postgres clients name pkgql's
// tables database.schema.table: database github (the provider), schema
// packages (the service); the engine reads packages.user_packages as
// github.packages.user_packages.
//
// A bulk DELETE (one whose WHERE is wider than the package's key) needs a
// confirmation that a network client cannot give in the middle of a
// statement: SET pkgql.yes = on gives it for the session, and the question
// is sent as a NOTICE either way.
//
// # Errors
//
// Every error is an ErrorResponse with a SQLSTATE, the message, the hint
// (in its own field, not repeated in the message), and, when the engine knows where in the statement the error is, its
// position (1-based, in characters of the query string the client sent).
//
//	SQLSTATE  when
//	42601     any error of the engine's own: syntax, unknown names (with "did you mean"), missing params, plans
//	42P02     a placeholder $n with no parameter
//	42P05     Parse of a statement name already in use
//	26000     Bind or Describe of a prepared statement that does not exist
//	34000     Execute or Describe of a portal that does not exist
//	22P02     a parameter that is not of the type given in Parse (e.g. int8)
//	22P03     a binary parameter of a type the server cannot read
//	22023     GitHub refused a param value (provider kind "invalid")
//	42704     GitHub answered 404, or SHOW of an unknown setting
//	28000     GitHub answered 401: no token, or a bad one
//	42501     GitHub answered 403 for a missing scope
//	53400     a GitHub rate limit
//	38000     GitHub refused the request (400, 422: e.g. the 5,000-downloads rule)
//	58000     GitHub unreachable or failing (5xx) after retries
//	0A000     not supported: a catalog query the catalog cannot answer, the function call protocol,
//	          SET of a setting pkgql cannot honour, COPY FROM, scrollable cursors
//	25006     DELETE or EXEC in a read-only transaction
//	34000     FETCH or CLOSE of a cursor that does not exist
//	42P03     DECLARE of a cursor name already in use
//	57014     the statement was cancelled (CancelRequest, statement_timeout)
//	57P01     the server is shutting down
//	08P01     a protocol violation by the client
//	28P01     wrong password (FATAL)
//	57P03     the connection's engine could not start (FATAL)
//	XX000     anything else, the provider's internal errors included
package pgwire
