// Package provider is the contract between the pkgql host and its provider
// plugins: the [Provider] interface the host programs against, and the go-plugin
// adapter that carries it over gRPC between two processes.
//
// Data flows one way. The host gets a provider's [schema.Provider] once, plans
// each statement against it and sends [Request]s; the provider turns each into API
// calls and streams rows back in [Batch]es. The provider never sees SQL, and the
// host never sees the provider's API.
package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pkgql/pkgql/schema"
)

// Provider is implemented by every provider, in the plugin process, and by the
// gRPC client in the host, so the host's engine runs the same against both.
type Provider interface {
	// Schema returns the provider's declaration.
	Schema(ctx context.Context) (*schema.Provider, error)
	// Configure passes credentials and endpoints before the first Call.
	Configure(ctx context.Context, cfg Config) error
	// Call runs one method once. Rows are handed to emit in batches, in the
	// order the API returns them; an error from emit stops the call. For a
	// method that changes something the Result says what the API answered.
	// Cancelling ctx stops every request the call has in flight.
	Call(ctx context.Context, req Request, emit func(Batch) error) (Result, error)
}

// Config is what a provider needs to reach its API.
type Config struct {
	// Settings hold the values the host found for the settings the provider
	// declared (schema.Setting), by name; one with no value is absent. Some
	// are secret: no value is ever logged or printed (see String).
	Settings    map[string]string
	Concurrency int // most requests one Call may have in flight; 0 means the provider's default
	UserAgent   string
	// CacheDir is a private directory the provider may keep an HTTP cache in,
	// revalidated on every use; empty means no cache.
	CacheDir string
	// RateWindow is the window the API's per-minute limits are counted over;
	// 0 means the API's own minute. Tests against a server that counts in
	// seconds set it so.
	RateWindow time.Duration
	// MutationInterval is the least time between two requests that change
	// something; 0 means only the API's limits pace them.
	MutationInterval time.Duration
}

// String keeps secrets out of any log or error that formats a Config: it
// names the settings that are set, never their values, as a Config does not
// know which of them are secret.
func (c Config) String() string {
	set := slices.Sorted(maps.Keys(c.Settings))
	return fmt.Sprintf("{Settings:%s Concurrency:%d CacheDir:%s RateWindow:%s MutationInterval:%s}",
		"["+strings.Join(set, " ")+"]", c.Concurrency, c.CacheDir, c.RateWindow, c.MutationInterval)
}

// GoString keeps secrets out of %#v as well.
func (c Config) GoString() string { return c.String() }

// LogValue keeps secrets out of structured logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Request asks for one method with one set of params.
type Request struct {
	Service  string
	Resource string
	Method   string
	// Params hold every bound param, as text; the host has checked them against
	// the schema's types and enums.
	Params map[string]string
	// Limit is the most rows the host will read; 0 means all. A provider stops
	// paging once it has sent that many.
	Limit int64
	// Columns are the fields wanted, in order; empty means every field in
	// declaration order. Each row has one value per column.
	Columns []string
	// Check asks a Guarded DELETE method to judge Keys, every key one
	// statement would delete, as a whole, and to delete nothing: the call
	// emits one row per key, in order, holding nil (the key may go) or a
	// string saying why deleting it is refused.
	Check bool
	Keys  []map[string]string
	// Budget asks, instead of calling Method, for the API's remaining
	// primary budget, learned without spending any of it: the call emits
	// one Batch without rows whose Progress carries RateLimitRemaining and
	// RateLimitReset (-1 and 0 when the API cannot tell). The host asks
	// before a statement whose requests it can count, so that one too big
	// for the budget sends nothing.
	Budget bool
}

// Batch is a group of rows, and progress when the provider knows it.
//
// A row's values are nil (SQL NULL), int64, float64, string, bool, or [JSON]
// for object fields.
type Batch struct {
	Rows     [][]any
	Progress *Progress
}

// JSON is the value of an object field: JSON text, never re-encoded.
type JSON = json.RawMessage

// Progress tells how far a listing has come.
type Progress struct {
	PagesDone          int64
	PagesTotal         int64 // 0 while unknown
	Rows               int64
	Requests           int64
	RateLimitRemaining int64 // -1 while unknown
	RateLimitReset     int64 // when the budget is renewed, Unix seconds; 0 while unknown
	// RegistryRequests are the requests sent to a container registry so
	// far, counted in Requests too.
	RegistryRequests int64
}

// Result is what a call ended with.
type Result struct {
	HTTPStatus int    // status of the API's last answer (204 for a delete)
	Message    string // a short account for the user, e.g. "deleted"
	Requests   int64  // API requests the call made, retries included
}

// AuthChecker is a Provider that can ask its API what it makes of the
// configured credentials, for `pkgql auth status`. Providers that take no
// secret need not be one.
type AuthChecker interface {
	CheckAuth(ctx context.Context) (AuthStatus, error)
}

// AuthStatus is the API's answer about the configured credentials. An
// answer the API gave, a refusal too, is a status, not an error.
type AuthStatus struct {
	API string // the API asked, as shown to users
	// Sent is false when no credentials are configured: nothing was asked.
	Sent bool
	// Failure says why no answer came (the network), when none did.
	Failure    string
	HTTPStatus int
	// Accepted: the API took the credentials (it may still refuse what
	// they were asked to do).
	Accepted bool
	Message  string // the API's own, for an answer that is not a success
	Login    string // who the credentials are, when the API says
	// ScopesReported is false when the API does not say what the
	// credentials may do (a fine-grained token's permissions are set on
	// the API's side).
	ScopesReported bool
	Scopes         []string
	RateLimit      int64 // -1 while unknown
	RateRemaining  int64 // -1 while unknown
	RateReset      int64 // Unix seconds; 0 while unknown
}
