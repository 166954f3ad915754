package engine

import (
	"slices"
	"strings"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/rowset"
	"github.com/pkgql/pkgql/schema"
)

// SHOW and DESCRIBE answer from the schemas alone; they call no provider.

// showStmt is a checked SHOW: what to list, and in what.
type showStmt struct {
	what     string // providers, services, resources, methods
	provider *schema.Provider
	service  *schema.Service
	res      *resource
}

// describeStmt is a checked DESCRIBE.
type describeStmt struct {
	res      *resource
	extended bool
}

var showWhats = []string{"PROVIDERS", "SERVICES", "RESOURCES", "METHODS"}

func (r *statementReader) readShow() (*showStmt, error) {
	if err := r.expect(1, "PROVIDERS, SERVICES, RESOURCES or METHODS", token.isName); err != nil {
		return nil, err
	}
	t := r.toks[1]
	s := &showStmt{what: strings.ToLower(t.val)}
	if !slices.Contains(showWhats, strings.ToUpper(t.val)) {
		return nil, r.errorAt(t.start, didYouMean(strings.ToUpper(t.val), showWhats), "SHOW %s is not supported: SHOW lists PROVIDERS, SERVICES, RESOURCES or METHODS", strings.ToUpper(t.val))
	}
	i := 2
	if i == len(r.toks) {
		if s.what == "methods" {
			return nil, r.errorAt(r.end(), "SHOW METHODS IN provider.service.resource", "SHOW METHODS needs the resource")
		}
		return s, nil
	}
	if s.what == "providers" {
		return nil, r.done(i)
	}
	if err := r.expect(i, "IN", func(t token) bool { return t.word("in") }); err != nil {
		return nil, err
	}
	c, next, err := r.readName(i+1, "a name after IN")
	if err != nil {
		return nil, err
	}
	if err := r.done(next); err != nil {
		return nil, err
	}
	at := r.toks[c.first].start
	switch s.what {
	case "services":
		if len(c.parts) != 1 {
			return nil, r.errorAt(at, "SHOW SERVICES IN github", "SHOW SERVICES IN takes a provider")
		}
		p, ok := r.e.cat.provider(c.parts[0])
		if !ok {
			return nil, r.errorAt(at, didYouMean(c.parts[0], r.e.cat.providerNames()), "unknown provider %s", c.parts[0])
		}
		s.provider = p
	case "resources":
		if len(c.parts) > 2 {
			return nil, r.errorAt(at, "SHOW RESOURCES IN github.packages", "SHOW RESOURCES IN takes a provider or provider.service")
		}
		p, ok := r.e.cat.provider(c.parts[0])
		if !ok {
			return nil, r.errorAt(at, didYouMean(c.parts[0], r.e.cat.providerNames()), "unknown provider %s", c.parts[0])
		}
		s.provider = p
		if len(c.parts) == 2 {
			var names []string
			for i := range p.Services {
				names = append(names, p.Name+"."+p.Services[i].Name)
				if strings.EqualFold(p.Services[i].Name, c.parts[1]) {
					s.service = &p.Services[i]
				}
			}
			if s.service == nil {
				return nil, r.errorAt(at, didYouMean(strings.Join(c.parts, "."), names), "unknown service %s", strings.Join(c.parts, "."))
			}
		}
	case "methods":
		res, err := r.resolveResource(c)
		if err != nil {
			return nil, err
		}
		s.res = res
	}
	return s, nil
}

func (r *statementReader) readDescribe() (*describeStmt, error) {
	d := &describeStmt{}
	i := 1
	if i < len(r.toks) && r.toks[i].word("extended") {
		d.extended = true
		i++
	}
	c, next, err := r.readName(i, "a resource: DESCRIBE provider.service.resource")
	if err != nil {
		return nil, err
	}
	if err := r.done(next); err != nil {
		return nil, err
	}
	if d.res, err = r.resolveResource(c); err != nil {
		return nil, err
	}
	return d, nil
}

func str(cols ...string) []rowset.Column {
	out := make([]rowset.Column, len(cols))
	for i, c := range cols {
		out[i] = rowset.Column{Name: c, Type: schema.String}
	}
	return out
}

// table writes a result set of text rows.
func writeTable(sink rowset.Sink, cols []rowset.Column, rows [][]any) error {
	if err := sink.Begin(cols); err != nil {
		return err
	}
	for _, row := range rows {
		if err := sink.Row(row); err != nil {
			return err
		}
	}
	return sink.End(rowCount(len(rows)))
}

func (e *Engine) runShow(st *Statement, sink rowset.Sink) error {
	s := st.show
	var rows [][]any
	switch s.what {
	case "providers":
		for _, p := range e.cat.providers {
			rows = append(rows, []any{p.Name, p.Version, p.Description})
		}
		return writeTable(sink, str("name", "version", "description"), rows)
	case "services":
		for _, p := range e.cat.providers {
			if s.provider != nil && p != s.provider {
				continue
			}
			for _, svc := range p.Services {
				rows = append(rows, []any{p.Name + "." + svc.Name, svc.Title, svc.Description})
			}
		}
		return writeTable(sink, str("name", "title", "description"), rows)
	case "resources":
		for _, res := range e.cat.resources {
			if s.provider != nil && res.provider != s.provider.Name || s.service != nil && res.service != s.service.Name {
				continue
			}
			rows = append(rows, []any{res.name, res.schema.Title, res.schema.Description})
		}
		return writeTable(sink, str("name", "title", "description"), rows)
	}
	for _, m := range s.res.schema.Methods {
		rows = append(rows, []any{m.Name, string(m.Verb), strings.Join(m.Required, ", "), strings.Join(m.Optional, ", "), m.Route.String(), m.Description})
	}
	return writeTable(sink, str("name", "verb", "required", "optional", "http", "description"), rows)
}

func (e *Engine) runDescribe(st *Statement, sink rowset.Sink) error {
	d := st.desc
	r := d.res.schema
	if !d.extended {
		var rows [][]any
		for _, f := range r.Fields {
			rows = append(rows, []any{f.Name, string(f.Type), f.Description})
		}
		return writeTable(sink, str("name", "type", "description"), rows)
	}
	var rows [][]any
	for _, c := range d.res.cols {
		kind, desc := "field", ""
		var required, optional []string
		var values string
		if c.field >= 0 {
			desc = r.Fields[c.field].Description
		}
		if c.param != nil {
			if c.hidden {
				kind, desc = "param", c.param.Description
			} else {
				kind = "field, param"
			}
			for _, m := range r.Methods {
				if slices.Contains(m.Required, c.name) {
					required = append(required, m.Name)
				}
				if slices.Contains(m.Optional, c.name) {
					optional = append(optional, m.Name)
				}
			}
			values = strings.Join(c.param.Enum, ", ")
		}
		rows = append(rows, []any{c.name, string(c.typ), kind, strings.Join(required, ", "), strings.Join(optional, ", "), values, desc})
	}
	// Then each method: its params, the scopes it needs, its route and where
	// the API documents it.
	for _, m := range r.Methods {
		desc := m.Route.String()
		if len(m.Excludes) > 0 {
			desc += " · not with " + strings.Join(m.Excludes, ", ")
		}
		if m.DocURL != "" {
			desc += " · " + m.DocURL
		}
		rows = append(rows, []any{m.Name, string(m.Verb), "method", strings.Join(m.Required, ", "), strings.Join(m.Optional, ", "), strings.Join(m.Scopes, ", "), desc})
	}
	return writeTable(sink, str("name", "type", "kind", "required_by", "optional_by", "values", "description"), rows)
}
