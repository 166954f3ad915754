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
// runs the statement at once and holds its rows for the Execute that follows
// (clients send the two together), so nothing runs twice. Describe of a
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
//	                                    accepted with a NOTICE: pkgql has no transactions
//	SELECT version(), current_database(), current_schema(), current_user, session_user,
//	       current_setting('name'), pg_backend_pid(),
//	       CAST('literal' AS varchar(n) | char(n) | text)   (only these, no FROM)
//
// The CASTs are what SQLAlchemy sends to learn what strings come back as; the
// engine reads MySQL's SQL, which has no varchar or text type. A session
// function beside any other expression is refused (0A000): the server
// answers it only in a SELECT of its own, and the engine does not know it.
//
// The engine's SHOW PROVIDERS, SERVICES, RESOURCES and METHODS go to the
// engine. Queries of pg_catalog or information_schema (psql's \d commands)
// fail with SQLSTATE 0A000 and a hint naming SHOW RESOURCES and DESCRIBE.
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
//	0A000     not supported: pg_catalog queries, the function call protocol, SET of a setting pkgql cannot honour,
//	          a session function beside other expressions
//	57014     the statement was cancelled (CancelRequest, statement_timeout)
//	57P01     the server is shutting down
//	08P01     a protocol violation by the client
//	28P01     wrong password (FATAL)
//	57P03     the connection's engine could not start (FATAL)
//	XX000     anything else, the provider's internal errors included
package pgwire
