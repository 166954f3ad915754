package pgwire

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/provider"
)

// SQLSTATE codes the server sends; the package doc has the table of when.
const (
	codeSyntax                    = "42601"
	codeUndefinedObject           = "42704"
	codeInsufficientPrivilege     = "42501"
	codeInvalidParameterValue     = "22023"
	codeInvalidTextRepresentation = "22P02"
	codeInvalidBinary             = "22P03"
	codeCharacterNotInRepertoire  = "22021"
	codeInvalidAuthorization      = "28000"
	codeInvalidPassword           = "28P01"
	codeConfigLimitExceeded       = "53400"
	codeOutOfMemory               = "53200"
	codeExternalRoutine           = "38000"
	codeSystemError               = "58000"
	codeInternal                  = "XX000"
	codeFeatureNotSupported       = "0A000"
	codeQueryCanceled             = "57014"
	codeAdminShutdown             = "57P01"
	codeProtocolViolation         = "08P01"
	codeInvalidStatementName      = "26000"
	codeInvalidCursorName         = "34000"
	codeDuplicateStatement        = "42P05"
	codeUndefinedParameter        = "42P02"
	codeCannotConnectNow          = "57P03"
)

// pgError is an error the server itself raises, with its SQLSTATE.
type pgError struct {
	code string
	msg  string
	hint string
	// pos is a byte offset in the statement text, or -1.
	pos int
}

func (e *pgError) Error() string { return e.msg }

// origin places a statement inside what the client sent, so that positions
// count from the start of the client's query string.
type origin struct {
	query string       // the client's query string
	base  int          // byte offset of the statement in it
	subst substitution // the statement as the engine read it
}

// offset maps a byte offset in the engine's text to one in the query string.
func (o origin) offset(off int) int {
	return o.base + o.subst.origOffset(off)
}

// position turns a byte offset in the query string into Postgres' 1-based
// character position.
func (o origin) position(off int) int32 {
	off = max(0, min(off, len(o.query)))
	return int32(utf8.RuneCountInString(o.query[:off]) + 1)
}

// lineColumn finds the byte offset of a 1-based line and column (in
// characters) in text.
func lineColumn(text string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return len(text)
		}
		off += i + 1
	}
	for c := 1; c < col && off < len(text); c++ {
		if text[off] == '\n' {
			break
		}
		_, size := utf8.DecodeRuneInString(text[off:])
		off += size
	}
	return off
}

// errorResponse turns any error of a statement into what a Postgres client
// expects: a SQLSTATE, the message, the hint, and the position when the error
// has one. shutdown tells a cancellation by the server's shutdown from one the
// client asked for.
func errorResponse(err error, o *origin, shutdown bool) *pgproto3.ErrorResponse {
	r := &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: codeInternal, Message: err.Error()}
	var pe *pgError
	var ee rowset.PlacedError
	switch {
	case errors.As(err, &pe):
		r.Code, r.Message, r.Hint = pe.code, pe.msg, pe.hint
		if o != nil && pe.pos >= 0 {
			r.Position = o.position(o.offset(pe.pos))
		}
	case errors.As(err, &ee):
		r.Code = engineCode(ee)
		r.Message, r.Hint = ee.Parts()
		if line, col := ee.Place(); o != nil && line > 0 {
			r.Position = o.position(o.offset(lineColumn(o.subst.text, line, max(col, 1))))
		}
	case errors.Is(err, context.Canceled):
		r.Code, r.Message = codeQueryCanceled, "canceling statement due to user request"
		if shutdown {
			r.Code, r.Message = codeAdminShutdown, "canceling statement: pkgql serve is shutting down"
		}
	}
	if p, ok := provider.AsError(err); ok {
		r.Code = providerCode(p)
		if r.Hint == "" && p.Hint != "" {
			// The provider's text ends with its hint, which has a field of
			// its own: psql would print it twice.
			r.Hint = p.Hint
			r.Message = strings.TrimSuffix(r.Message, "; "+p.Hint)
		}
		if p.DocURL != "" {
			r.Detail = "See " + p.DocURL
		}
	}
	return r
}

// providerCode chooses the SQLSTATE of a provider's error by its kind.
func providerCode(p *provider.Error) string {
	switch p.Kind {
	case provider.KindNotFound:
		return codeUndefinedObject
	case provider.KindAuth:
		if p.HTTPStatus == http.StatusForbidden {
			return codeInsufficientPrivilege
		}
		return codeInvalidAuthorization
	case provider.KindRateLimit:
		return codeConfigLimitExceeded
	case provider.KindInvalid:
		return codeInvalidParameterValue
	case provider.KindAPI:
		return codeExternalRoutine
	case provider.KindUnavailable:
		return codeSystemError
	case provider.KindCanceled:
		return codeQueryCanceled
	case provider.KindUnsupported:
		return codeFeatureNotSupported
	}
	return codeInternal
}

// engineCode is the SQLSTATE of an engine error that carries no provider
// error.
func engineCode(rowset.PlacedError) string { return codeSyntax }
