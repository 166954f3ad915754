package github

import (
	"context"
	"slices"
	"strings"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// Name and Version identify the provider in the schema it declares.
const (
	Name    = "github"
	Version = "0.1.0"
)

// service groups resource declarations the way GitHub's REST docs do.
type service struct {
	name        string
	title       string
	description string
	resources   []resource
}

// resource is the one declaration of a resource: the fields its rows carry,
// the params its methods take, and each method with the function that performs
// it. The schema, the param checks and the row layout are all read from here.
type resource struct {
	name        string
	title       string
	description string
	fields      []field
	params      []schema.Param
	methods     []method
}

// field is a schema field paired with how its value is read from GitHub's
// answer.
type field struct {
	schema.Field
	value func(*rawPackage) any
}

// method is a schema method paired with what performs it.
type method struct {
	schema.Method
	// scopes are the OAuth scopes a classic token needs, named in the hint of a
	// 403 when GitHub does not say which scope it wanted.
	scopes []string
	run    func(ctx context.Context, c *call) (provider.Result, error)
}

// declarations lists every service the provider serves.
func declarations() []service {
	return []service{{
		name:        "packages",
		title:       "GitHub Packages",
		description: "Packages published to GitHub Packages: npm, Maven, RubyGems, Docker, NuGet and container images.",
		resources:   []resource{userPackages()},
	}}
}

// deriveSchema builds the schema the host plans against from the declarations.
func deriveSchema(services []service) *schema.Provider {
	out := &schema.Provider{
		Name:        Name,
		Version:     Version,
		Description: "GitHub's REST API, through go-github v60.",
	}
	for _, s := range services {
		ss := schema.Service{Name: s.name, Title: s.title, Description: s.description}
		for _, r := range s.resources {
			rr := schema.Resource{
				Name:        r.name,
				Title:       r.title,
				Description: r.description,
				Fields:      make([]schema.Field, len(r.fields)),
				Params:      make([]schema.Param, len(r.params)),
			}
			for i, f := range r.fields {
				rr.Fields[i] = f.Field
			}
			for i, p := range r.params {
				p.Enum = slices.Clone(p.Enum)
				rr.Params[i] = p
			}
			for _, m := range r.methods {
				sm := m.Method
				sm.Required = slices.Clone(sm.Required)
				sm.Optional = slices.Clone(sm.Optional)
				verb, _, _ := strings.Cut(sm.HTTP, " ")
				sm.Points = requestPoints(verb)
				rr.Methods = append(rr.Methods, sm)
			}
			ss.Resources = append(ss.Resources, rr)
		}
		out.Services = append(out.Services, ss)
	}
	return out
}

// lookup finds the declaration a request names.
func lookup(services []service, req provider.Request) (*resource, *method, error) {
	for si := range services {
		s := &services[si]
		if s.name != req.Service {
			continue
		}
		for ri := range s.resources {
			r := &s.resources[ri]
			if r.name != req.Resource {
				continue
			}
			for mi := range r.methods {
				if r.methods[mi].Name == req.Method {
					return r, &r.methods[mi], nil
				}
			}
			names := make([]string, len(r.methods))
			for i, m := range r.methods {
				names[i] = m.Name
			}
			return nil, nil, &provider.Error{
				Kind:     provider.KindUnsupported,
				Resource: Name + "." + req.Service + "." + req.Resource,
				Message:  "no method " + req.Method,
				Hint:     "its methods are " + joinNames(names),
			}
		}
	}
	return nil, nil, &provider.Error{
		Kind:    provider.KindUnsupported,
		Message: "provider github has no resource " + req.Service + "." + req.Resource,
	}
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			out += " and "
		default:
			out += ", "
		}
		out += n
	}
	return out
}
