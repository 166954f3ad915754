package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pkgql/pkgql/schema"
)

// catalog is every resource the providers declared, by the names a statement
// may use for it.
type catalog struct {
	providers  []*schema.Provider
	byProvider map[string]*ProviderBinding // by provider name
	resources  []*resource                 // in declaration order
	byName     map[string]*resource
}

// resource is one declared resource as the engine sees it: a SQL table whose
// columns are the fields, then the params that are not fields (hidden).
type resource struct {
	index    int
	name     string // provider.service.resource
	provider string
	service  string
	schema   *schema.Resource
	backend  *ProviderBinding
	cols     []column
}

// column is one column of a resource's table.
type column struct {
	name   string
	typ    schema.Type
	format schema.Format
	field  int           // index in schema.Fields; -1 for a hidden param
	param  *schema.Param // nil when the column is not a param
	hidden bool
	// carrier is the index of the column whose value this hidden param has in
	// every row (schema.Param.Field); -1 when rows do not carry it.
	carrier int
}

func newCatalog(providers []ProviderBinding) (*catalog, error) {
	c := &catalog{byProvider: map[string]*ProviderBinding{}, byName: map[string]*resource{}}
	for i := range providers {
		b := &providers[i]
		if b.Schema == nil || b.Provider == nil {
			return nil, fmt.Errorf("engine: provider %d has no schema or no implementation", i)
		}
		if err := b.Schema.Validate(); err != nil {
			return nil, fmt.Errorf("engine: provider %s: %w", b.Schema.Name, err)
		}
		if _, dup := c.byProvider[b.Schema.Name]; dup {
			return nil, fmt.Errorf("engine: provider %s is configured twice", b.Schema.Name)
		}
		c.byProvider[b.Schema.Name] = b
		c.providers = append(c.providers, b.Schema)
		for si := range b.Schema.Services {
			s := &b.Schema.Services[si]
			for ri := range s.Resources {
				r := &s.Resources[ri]
				res := &resource{
					index:    len(c.resources),
					name:     b.Schema.Name + "." + s.Name + "." + r.Name,
					provider: b.Schema.Name,
					service:  s.Name,
					schema:   r,
					backend:  b,
				}
				for fi, f := range r.Fields {
					col := column{name: f.Name, typ: f.Type, format: f.Format, field: fi, carrier: -1}
					if p, ok := r.Param(f.Name); ok {
						col.param = p
					}
					res.cols = append(res.cols, col)
				}
				for _, p := range r.HiddenParams() {
					prm, _ := r.Param(p.Name)
					carrier := -1
					if prm.Field != "" {
						carrier = slices.IndexFunc(r.Fields, func(f schema.Field) bool { return f.Name == prm.Field })
					}
					res.cols = append(res.cols, column{name: p.Name, typ: p.Type, field: -1, param: prm, hidden: true, carrier: carrier})
				}
				c.resources = append(c.resources, res)
				c.byName[strings.ToLower(res.name)] = res
			}
		}
	}
	return c, nil
}

// column returns the named column, matched without regard to case as SQL
// names are.
func (r *resource) column(name string) (int, *column) {
	for i := range r.cols {
		if strings.EqualFold(r.cols[i].name, name) {
			return i, &r.cols[i]
		}
	}
	return -1, nil
}

func (r *resource) columnNames() []string {
	out := make([]string, len(r.cols))
	for i, c := range r.cols {
		out[i] = c.name
	}
	return out
}

// shortName is the resource's own name, the default alias of its table.
func (r *resource) shortName() string { return r.schema.Name }

// lookup resolves a resource name of three parts (provider.service.resource)
// or two (service.resource, when only one provider has it). The error says
// what the user probably meant.
func (c *catalog) lookup(parts []string) (*resource, string, string) {
	name := strings.Join(parts, ".")
	switch len(parts) {
	case 3:
		if r, ok := c.byName[strings.ToLower(name)]; ok {
			return r, "", ""
		}
	case 2:
		var found []*resource
		for _, r := range c.resources {
			if strings.EqualFold(r.service, parts[0]) && strings.EqualFold(r.schema.Name, parts[1]) {
				found = append(found, r)
			}
		}
		if len(found) == 1 {
			return found[0], "", ""
		}
		if len(found) > 1 {
			names := make([]string, len(found))
			for i, r := range found {
				names[i] = r.name
			}
			return nil, fmt.Sprintf("resource %s is ambiguous", name), "name it in full: " + joinList(names)
		}
	}
	return nil, fmt.Sprintf("unknown resource %s", name), c.hintFor(name)
}

// hintFor suggests a resource for a name that matched none: the closest full
// or two-part name, or the full name of a resource named by its last part.
func (c *catalog) hintFor(name string) string {
	var candidates []string
	for _, r := range c.resources {
		if strings.EqualFold(r.schema.Name, name) {
			return fmt.Sprintf("did you mean %s?", r.name)
		}
		candidates = append(candidates, r.name, r.service+"."+r.schema.Name)
	}
	if s := suggest(name, candidates); s != "" {
		return fmt.Sprintf("did you mean %s?", s)
	}
	if len(c.resources) > 0 {
		return "SHOW RESOURCES lists them"
	}
	return ""
}

// provider returns the named provider's schema.
func (c *catalog) provider(name string) (*schema.Provider, bool) {
	i := slices.IndexFunc(c.providers, func(p *schema.Provider) bool { return strings.EqualFold(p.Name, name) })
	if i < 0 {
		return nil, false
	}
	return c.providers[i], true
}

func (c *catalog) providerNames() []string {
	out := make([]string, len(c.providers))
	for i, p := range c.providers {
		out[i] = p.Name
	}
	return out
}
