package github

import (
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

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

// resource is the one declaration of a resource, as Steampipe declares a
// table: the fields its rows carry and where GitHub's JSON holds them, the
// params its methods take, and each method's route as data. One generic get,
// list and mutate (call.go, paginate.go) serve every resource; the schema,
// the param checks and the row layout are all read from here.
type resource struct {
	name        string
	title       string
	description string
	fields      []field
	params      []schema.Param
	methods     []method
}

// field is a schema field and where its value is in GitHub's answer: the
// member at path (dotted, "metadata.container.tags"; the field's name when
// empty), read as the field's type. compute, when set, makes the value from
// the member at path instead.
type field struct {
	schema.Field
	path    string
	compute func(raw jsontext.Value) any
}

// method is a schema method (its route, scopes and docs URL are schema data)
// with what the provider needs besides.
type method struct {
	schema.Method
	// verify is the GET that tells whether a DELETE or POST took effect when
	// GitHub's answer was lost or a 5xx: the change is done when it answers
	// doneStatus. A version's DELETE verifies the version, not its package.
	verify     schema.Route
	doneStatus int
	doneMsg    string
	// notFound is the hint of a 404, with {param} filled in: GitHub answers
	// 404 for some permission problems as well.
	notFound string
}

// declarations lists every service the provider serves.
func declarations() []service {
	return []service{{
		name:        "packages",
		title:       "GitHub Packages",
		description: "Packages published to GitHub Packages: npm, Maven, RubyGems, Docker, NuGet and container images.",
		resources:   []resource{userPackages(), packages(), packageVersions(), dockerMigrationPackages()},
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
				sm.Excludes = slices.Clone(sm.Excludes)
				sm.Scopes = slices.Clone(sm.Scopes)
				sm.Route.Query = slices.Clone(sm.Route.Query)
				sm.Points = requestPoints(sm.Route.Verb)
				rr.Methods = append(rr.Methods, sm)
			}
			ss.Resources = append(ss.Resources, rr)
		}
		out.Services = append(out.Services, ss)
	}
	return out
}

// param returns the declared param.
func (r *resource) param(name string) (schema.Param, bool) {
	i := slices.IndexFunc(r.params, func(p schema.Param) bool { return p.Name == name })
	if i < 0 {
		return schema.Param{}, false
	}
	return r.params[i], true
}

// secret reports whether a param is declared secret.
func (r *resource) secret(name string) bool {
	p, ok := r.param(name)
	return ok && p.Secret
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

// fill puts params into a {param} template, as they are (a hint, not a URL).
func fill(tmpl string, params map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		j := strings.IndexByte(tmpl, '}')
		if i < 0 || j < i {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		b.WriteString(params[tmpl[i+1:j]])
		tmpl = tmpl[j+1:]
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
