// Package schema is the model every provider declares and the host plans against:
// provider > service > resource > fields, params and methods.
//
// A provider builds one [Provider] value; the host receives it over GetSchema and
// reads everything it needs from it — planning, DESCRIBE, SHOW, completion and the
// generated reference in docs/. Nothing about a resource is restated anywhere else.
package schema

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// Type is the type of a field or param as SQL users see it.
type Type string

const (
	Integer Type = "integer"
	Number  Type = "number"
	String  Type = "string"
	Boolean Type = "boolean"
	Object  Type = "object" // JSON object (or null); JSON_EXTRACT reads into it
)

// Verb is the SQL statement that selects a method.
type Verb string

const (
	Select Verb = "SELECT"
	Delete Verb = "DELETE"
	Exec   Verb = "EXEC"
)

// Provider is what a plugin declares about itself.
type Provider struct {
	Name        string
	Version     string
	Description string
	Services    []Service
	// Settings are what the provider needs to reach its API: the host finds
	// each one's value and hands it to Configure by name.
	Settings []Setting
}

// Setting is a connection setting a provider declares: an endpoint, a token.
// The host takes its value from the first of these that has one: its Flag,
// its Env variables in order, its Command, its Default.
type Setting struct {
	Name string
	// Description is a noun phrase, for messages ("no GitHub token was
	// found") and the reference.
	Description string
	// Flag is the host's command-line flag that sets it, without dashes. A
	// secret's flag names a file that holds the value, so that the value is
	// never in a command line.
	Flag string
	Env  []string
	// Command prints the value on its standard output: a credential helper
	// such as the GitHub CLI. "{NAME.host}" in an argument is the web host of
	// setting NAME's URL (see WebHost).
	Command []string
	// Secret values are never shown, logged or kept in history.
	Secret  bool
	Default string
	// Hint tells a user who has given no value how to give one.
	Hint string
	// Needs says what a value must allow ("a classic token needs
	// read:packages").
	Needs string
}

// Setting returns the declared setting of that name.
func (p *Provider) Setting(name string) (*Setting, bool) {
	for i := range p.Settings {
		if p.Settings[i].Name == name {
			return &p.Settings[i], true
		}
	}
	return nil, false
}

// CommandArgs is the setting's Command with its placeholders filled in from
// values, the settings found so far. It is false when there is no command, or
// a placeholder has no web host: no credential helper knows a server on
// loopback or an IP address.
func (s *Setting) CommandArgs(values map[string]string) ([]string, bool) {
	if len(s.Command) == 0 {
		return nil, false
	}
	args := make([]string, len(s.Command))
	for i, arg := range s.Command {
		for {
			start := strings.Index(arg, "{")
			end := strings.Index(arg, ".host}")
			if start < 0 || end < start {
				break
			}
			host, ok := WebHost(values[arg[start+1:end]])
			if !ok {
				return nil, false
			}
			arg = arg[:start] + host + arg[end+len(".host}"):]
		}
		args[i] = arg
	}
	return args, true
}

// CommandName is how messages name the setting's command: its words up to
// the first option ("gh auth token").
func (s *Setting) CommandName() string {
	i := slices.IndexFunc(s.Command, func(a string) bool { return strings.HasPrefix(a, "-") || strings.Contains(a, "{") })
	if i < 0 {
		i = len(s.Command)
	}
	return strings.Join(s.Command[:i], " ")
}

// WebHost is the host people sign in to for an API URL: the URL's host
// without an "api." prefix (api.github.com is github.com's API). It is false
// for a URL that cannot be read or whose host is loopback or an IP address.
func WebHost(apiURL string) (string, bool) {
	u, err := url.Parse(apiURL)
	if err != nil {
		return "", false
	}
	host := u.Hostname()
	if host == "" || host == "localhost" || net.ParseIP(host) != nil {
		return "", false
	}
	return strings.TrimPrefix(host, "api."), true
}

// Service groups resources of one API area (github.packages).
type Service struct {
	Name        string
	Title       string
	Description string
	Resources   []Resource
}

// Resource is one SQL table: the fields its rows carry, the params its methods
// take, and the methods that read or change it.
type Resource struct {
	Name        string
	Title       string
	Description string
	Fields      []Field
	// Params are the inputs of the methods. A param that is not also a field is a
	// hidden column: queryable and echoed, never part of SELECT *.
	Params  []Param
	Methods []Method
}

// Format refines a field's Type, as OpenAPI's format does.
type Format string

// DateTime is a String that holds an RFC 3339 timestamp: the engine compares
// and computes it as a time, and the Postgres server types it timestamptz.
const DateTime Format = "date-time"

// Field is a column of the rows a resource returns.
type Field struct {
	Name        string
	Type        Type
	Description string
	Format      Format
	// Reads, when set, says what the provider reads besides the method's own
	// call to compute the field, only when a statement names it ("the
	// container registry: one manifest per version"), one cost a line.
	// EXPLAIN shows each line once for all the columns a statement names.
	Reads string
}

// Param is an input of one or more methods.
type Param struct {
	Name        string
	Type        Type
	Description string
	// Enum, when set, lists the only values the API accepts.
	Enum []string
	// Field, when set, names the field that holds this param's value in every
	// row. Rows of a method that does not take the param (a listing) then still
	// carry it, so their keys can drive a DELETE or EXEC.
	Field string
	// Secret params (a token) are never shown: EXPLAIN, dry runs, history and
	// errors print them as REDACTED.
	Secret bool
}

// Method is one API operation a statement can be planned onto.
type Method struct {
	Name        string
	Verb        Verb
	Required    []string // param names
	Optional    []string // param names
	Description string
	// Route is the REST call the method makes, as data: EXPLAIN renders it with
	// the same code the provider sends it with (Route.Render).
	Route Route
	// Unique is set when the method returns at most one row (a get by key).
	Unique bool
	// Guarded is set on a DELETE method whose provider checks, before any
	// call, the keys one statement would delete as a whole, and may refuse
	// some of them with a reason (provider.Request.Check).
	Guarded bool
	// GuardReads says what the check of a guarded method reads, as Reads
	// does for a field: EXPLAIN shows it.
	GuardReads string
	// Excludes are params that must not be bound for the method to be chosen:
	// a method for one owner is not the one for another (org vs username).
	Excludes []string
	// Scopes are the OAuth scopes a classic token needs for the method.
	Scopes []string
	// DocURL is the API's documentation of the call.
	DocURL string
	// Caveat is a rule of the API that may refuse some of a bulk change, in
	// plain words: the host shows it with the preview it asks to confirm.
	Caveat string
	// Points is what one request of the method costs against the API's
	// per-minute limit (GitHub: 1 for a GET, 5 for a DELETE or POST); 0 when
	// the API counts none. EXPLAIN adds them up.
	Points int
	// UndoneBy names the EXEC method of the same resource that reverses this
	// one, called with the same key: the journal's undo reads it.
	UndoneBy string
}

// Route is a REST call as data: a verb, a path template whose {param}
// segments are filled in path-escaped, and the query params it sends.
type Route struct {
	Verb  string
	Path  string // "/users/{username}/packages"
	Query []Query
	// Paged routes are read page by page; the provider adds its own paging
	// params (per_page, page) to each page's request.
	Paged bool
}

// Query is one query parameter of a route: sent as Name when Param is bound,
// and with Default when it is not (unless Default is empty).
type Query struct {
	Name    string
	Param   string
	Default string
}

// Redacted is what a secret param's value is rendered as for display.
const Redacted = "REDACTED"

// String is the route as docs show it: "GET /users/{username}/packages".
func (r Route) String() string {
	if r.Verb == "" {
		return ""
	}
	return r.Verb + " " + r.Path
}

// Render fills the route with params: path segments path-escaped, bound query
// params encoded in name order. The values of the params for which secret
// reports true are rendered as Redacted, so the same text can be shown.
func (r Route) Render(params map[string]string, secret func(param string) bool) string {
	value := func(p string) string {
		if secret != nil && secret(p) {
			return Redacted
		}
		return params[p]
	}
	var b strings.Builder
	rest := r.Path
	for {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(value(rest[i+1 : j])))
		rest = rest[j+1:]
	}
	q := url.Values{}
	for _, qp := range r.Query {
		if _, ok := params[qp.Param]; ok {
			q.Set(qp.Name, value(qp.Param))
		} else if qp.Default != "" {
			q.Set(qp.Name, qp.Default)
		}
	}
	if len(q) > 0 {
		b.WriteString("?" + q.Encode())
	}
	return b.String()
}

// PathParams are the params the route's path holds, in order.
func (r Route) PathParams() []string {
	var out []string
	rest := r.Path
	for {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			return out
		}
		out = append(out, rest[i+1:j])
		rest = rest[j+1:]
	}
}

// Service returns the named service.
func (p *Provider) Service(name string) (*Service, bool) {
	for i := range p.Services {
		if p.Services[i].Name == name {
			return &p.Services[i], true
		}
	}
	return nil, false
}

// Resource returns the named resource.
func (s *Service) Resource(name string) (*Resource, bool) {
	for i := range s.Resources {
		if s.Resources[i].Name == name {
			return &s.Resources[i], true
		}
	}
	return nil, false
}

// Field returns the named field.
func (r *Resource) Field(name string) (*Field, bool) {
	for i := range r.Fields {
		if r.Fields[i].Name == name {
			return &r.Fields[i], true
		}
	}
	return nil, false
}

// Param returns the named param.
func (r *Resource) Param(name string) (*Param, bool) {
	for i := range r.Params {
		if r.Params[i].Name == name {
			return &r.Params[i], true
		}
	}
	return nil, false
}

// Method returns the named method.
func (r *Resource) Method(name string) (*Method, bool) {
	for i := range r.Methods {
		if r.Methods[i].Name == name {
			return &r.Methods[i], true
		}
	}
	return nil, false
}

// Call returns the resource and method a call names by service, resource and
// method.
func (p *Provider) Call(service, resource, method string) (*Resource, *Method, bool) {
	s, ok := p.Service(service)
	if !ok {
		return nil, nil, false
	}
	r, ok := s.Resource(resource)
	if !ok {
		return nil, nil, false
	}
	m, ok := r.Method(method)
	if !ok {
		return nil, nil, false
	}
	return r, m, true
}

// HiddenParams are the params that are not fields: the SQL table carries them as
// hidden columns so that WHERE can bind them and SELECT can echo them.
func (r *Resource) HiddenParams() []Param {
	var out []Param
	for _, p := range r.Params {
		if _, ok := r.Field(p.Name); !ok {
			out = append(out, p)
		}
	}
	return out
}

// MethodsFor returns the resource's methods for a verb, in declaration order.
func (r *Resource) MethodsFor(v Verb) []Method {
	var out []Method
	for _, m := range r.Methods {
		if m.Verb == v {
			out = append(out, m)
		}
	}
	return out
}

// Secret reports whether the named param is declared secret.
func (r *Resource) Secret(name string) bool {
	p, ok := r.Param(name)
	return ok && p.Secret
}

// Takes reports whether the method accepts the param, required or optional.
func (m *Method) Takes(param string) bool {
	return slices.Contains(m.Required, param) || slices.Contains(m.Optional, param)
}

// Validate checks that a declaration is complete and consistent, so that a broken
// provider is caught when it starts rather than by a user's query.
func (p *Provider) Validate() error {
	if p.Name == "" {
		return fmt.Errorf("schema: provider has no name")
	}
	settings := map[string]bool{}
	for _, st := range p.Settings {
		if st.Name == "" || strings.TrimSpace(st.Description) == "" {
			return fmt.Errorf("schema: %s: setting %q needs a name and a description", p.Name, st.Name)
		}
		if settings[st.Name] {
			return fmt.Errorf("schema: %s: setting %q declared twice", p.Name, st.Name)
		}
		settings[st.Name] = true
	}
	for _, st := range p.Settings {
		for _, arg := range st.Command {
			if start, end := strings.Index(arg, "{"), strings.Index(arg, ".host}"); start >= 0 && end > start && !settings[arg[start+1:end]] {
				return fmt.Errorf("schema: %s: setting %q runs %q, which names no declared setting", p.Name, st.Name, arg)
			}
		}
	}
	for _, s := range p.Services {
		for _, r := range s.Resources {
			where := p.Name + "." + s.Name + "." + r.Name
			seen := map[string]bool{}
			for _, f := range r.Fields {
				if f.Name == "" || f.Type == "" {
					return fmt.Errorf("schema: %s: field %q needs a name and a type", where, f.Name)
				}
				if seen[f.Name] {
					return fmt.Errorf("schema: %s: field %q declared twice", where, f.Name)
				}
				seen[f.Name] = true
			}
			params := map[string]bool{}
			for _, prm := range r.Params {
				if prm.Type == "" {
					return fmt.Errorf("schema: %s: param %q needs a type", where, prm.Name)
				}
				if prm.Field != "" {
					f, ok := r.Field(prm.Field)
					if !ok || f.Type != prm.Type {
						return fmt.Errorf("schema: %s: param %q is carried by field %q, which is not a field of type %s", where, prm.Name, prm.Field, prm.Type)
					}
				}
				params[prm.Name] = true
			}
			for _, m := range r.Methods {
				switch m.Verb {
				case Select, Delete, Exec:
				default:
					return fmt.Errorf("schema: %s.%s: unknown verb %q", where, m.Name, m.Verb)
				}
				for _, name := range slices.Concat(m.Required, m.Optional, m.Excludes) {
					if !params[name] {
						return fmt.Errorf("schema: %s.%s: param %q is not declared", where, m.Name, name)
					}
				}
				for _, name := range m.Excludes {
					if m.Takes(name) {
						return fmt.Errorf("schema: %s.%s: param %q is both taken and excluded", where, m.Name, name)
					}
				}
				for _, name := range m.Route.PathParams() {
					if !slices.Contains(m.Required, name) {
						return fmt.Errorf("schema: %s.%s: route %s holds %q, which is not a required param", where, m.Name, m.Route, name)
					}
				}
				for _, q := range m.Route.Query {
					if !m.Takes(q.Param) {
						return fmt.Errorf("schema: %s.%s: route %s sends %q, which the method does not take", where, m.Name, m.Route, q.Param)
					}
				}
				if strings.TrimSpace(m.Description) == "" {
					return fmt.Errorf("schema: %s.%s: method has no description", where, m.Name)
				}
				if m.UndoneBy != "" {
					u, ok := r.Method(m.UndoneBy)
					if !ok || u.Verb != Exec || !slices.Equal(u.Required, m.Required) {
						return fmt.Errorf("schema: %s.%s: undone by %q, which is not an EXEC method of %s taking the same key", where, m.Name, m.UndoneBy, r.Name)
					}
				}
			}
		}
	}
	return nil
}
