// Package schema is the model every provider declares and the host plans against:
// provider > service > resource > fields, params and methods.
//
// A provider builds one [Provider] value; the host receives it over GetSchema and
// reads everything it needs from it — planning, DESCRIBE, SHOW, completion and the
// generated reference in docs/. Nothing about a resource is restated anywhere else.
package schema

import (
	"fmt"
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

// Field is a column of the rows a resource returns.
type Field struct {
	Name        string
	Type        Type
	Description string
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
}

// Method is one API operation a statement can be planned onto.
type Method struct {
	Name        string
	Verb        Verb
	Required    []string // param names
	Optional    []string // param names
	Description string
	// HTTP is the REST call, for EXPLAIN and docs ("GET /users/{username}/packages").
	HTTP string
	// Unique is set when the method returns at most one row (a get by key).
	Unique bool
	// Points is what one request of the method costs against the API's
	// per-minute limit (GitHub: 1 for a GET, 5 for a DELETE or POST); 0 when
	// the API counts none. EXPLAIN adds them up.
	Points int
	// UndoneBy names the EXEC method of the same resource that reverses this
	// one, called with the same key: the journal's undo reads it.
	UndoneBy string
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
				for _, name := range slices.Concat(m.Required, m.Optional) {
					if !params[name] {
						return fmt.Errorf("schema: %s.%s: param %q is not declared", where, m.Name, name)
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
