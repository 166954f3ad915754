package provider

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error kinds, so the host can word errors and choose exit codes without parsing
// messages.
const (
	KindAPI         = "api"         // the API refused the request; Status says why
	KindNotFound    = "not_found"   // 404
	KindAuth        = "auth"        // 401, or 403 for a missing scope
	KindRateLimit   = "rate_limit"  // primary or secondary rate limit
	KindInvalid     = "invalid"     // a param the API cannot take (checked before any request)
	KindUnavailable = "unavailable" // 5xx or the network, after retries
	KindInternal    = "internal"    // a bug or a broken provider
	KindCanceled    = "canceled"    // the host stopped the call
	KindPartial     = "partial"     // a listing stopped before its end
	KindUnsupported = "unsupported" // no such resource or method
	KindUncertain   = "uncertain"   // a change whose answer was lost and whose outcome could not be checked
)

// Error is a failed call, carrying the API's own status and message outward.
// It travels from the provider process to the host as a gRPC status detail.
type Error struct {
	Kind       string
	API        string // who answered, e.g. "GitHub"
	HTTPStatus int    // the API's status; 0 when no answer came
	Message    string // the API's message, or ours when it gave none
	Resource   string // service.resource
	Method     string
	Param      string // the param at fault, if one is
	DocURL     string // the API's documentation_url
	Hint       string // what the user can do
	Retryable  bool
	Reset      time.Time // when a rate limit ends
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Resource != "" {
		b.WriteString(e.Resource)
		if e.Method != "" {
			b.WriteString("." + e.Method)
		}
		b.WriteString(": ")
	}
	if e.HTTPStatus != 0 {
		api := e.API
		if api == "" {
			api = "the API"
		}
		fmt.Fprintf(&b, "%s answered %d: ", api, e.HTTPStatus)
	}
	b.WriteString(e.Message)
	if e.Param != "" {
		fmt.Fprintf(&b, " (param %s)", e.Param)
	}
	if !e.Reset.IsZero() {
		fmt.Fprintf(&b, "; the limit resets at %s", e.Reset.UTC().Format(time.RFC3339))
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// AsError finds a provider Error in err's chain.
func AsError(err error) (*Error, bool) {
	var pe *Error
	ok := errors.As(err, &pe)
	return pe, ok
}
