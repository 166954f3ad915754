package github

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// A page of GitHub's answer is decoded straight into rows laid out by column
// index: one pass of encoding/json/v2's token decoder (its module mirror until
// Go 1.27) over each object, each member looked up once by name, scalars read
// as tokens into their column, objects kept as GitHub's own JSON text (so no
// field GitHub adds is lost), and members no column reads skipped unread. No
// map or struct per row: decoding is most of a listing's CPU.

// rowPlan is how one call lays out its rows: which top-level members of
// GitHub's objects feed which columns.
type rowPlan struct {
	ncols   int
	keys    map[string]int // top-level member → index in members
	members [][]target     // per member, the columns it feeds
	consts  []constant     // columns that echo a param
}

// target is one column fed by a member: read as typ, after descending sub
// (the rest of a dotted path), or made by compute.
type target struct {
	col     int
	typ     schema.Type
	sub     []string
	compute func(jsontext.Value) any
}

type constant struct {
	col   int
	value any
}

// layout plans the columns wanted, in order: every field when none are named.
// A param may be named too; it echoes its bound value (nil when unbound),
// which is how a hidden column such as username reads.
func (r *resource) layout(names []string, params map[string]string) (*rowPlan, error) {
	if len(names) == 0 {
		names = make([]string, len(r.fields))
		for i, f := range r.fields {
			names[i] = f.Name
		}
	}
	p := &rowPlan{ncols: len(names), keys: map[string]int{}}
	for col, name := range names {
		if f, ok := r.field(name); ok {
			path := f.path
			if path == "" {
				path = f.Name
			}
			parts := strings.Split(path, ".")
			i, ok := p.keys[parts[0]]
			if !ok {
				i = len(p.members)
				p.keys[parts[0]] = i
				p.members = append(p.members, nil)
			}
			p.members[i] = append(p.members[i], target{col: col, typ: f.Type, sub: parts[1:], compute: f.compute})
			continue
		}
		if _, ok := r.param(name); ok {
			var v any
			if s, ok := params[name]; ok {
				v = s
			}
			p.consts = append(p.consts, constant{col, v})
			continue
		}
		all := make([]string, len(r.fields))
		for j, f := range r.fields {
			all[j] = f.Name
		}
		return nil, &provider.Error{
			Kind:    provider.KindInvalid,
			Message: fmt.Sprintf("no column %q", name),
			Hint:    "the columns are " + joinNames(all),
		}
	}
	return p, nil
}

func (r *resource) field(name string) (*field, bool) {
	for i := range r.fields {
		if r.fields[i].Name == name {
			return &r.fields[i], true
		}
	}
	return nil, false
}

// decodeOptions decode as leniently as encoding/json did: GitHub's answers
// are not checked for duplicate names, which is a third of v2's decoding time.
var decodeOptions = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// decode lays out the rows of an answer: an array of objects (a listing) or
// one object (a get).
func (p *rowPlan) decode(data []byte) ([][]any, error) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(data), decodeOptions)
	switch dec.PeekKind() {
	case '{':
		row, err := p.object(dec)
		if err != nil {
			return nil, err
		}
		return [][]any{row}, nil
	case '[':
	default:
		return nil, fmt.Errorf("expected a JSON array or object")
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	rows := make([][]any, 0, perPage)
	for dec.PeekKind() != ']' {
		row, err := p.object(dec)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	_, err := dec.ReadToken()
	return rows, err
}

// object reads one object into a row.
func (p *rowPlan) object(dec *jsontext.Decoder) ([]any, error) {
	row := make([]any, p.ncols)
	for _, c := range p.consts {
		row[c.col] = c.value
	}
	if tok, err := dec.ReadToken(); err != nil {
		return nil, err
	} else if tok.Kind() != '{' {
		return nil, fmt.Errorf("expected a JSON object, found %v", tok.Kind())
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		key := name[1 : len(name)-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			s, err := jsontext.AppendUnquote(nil, name)
			if err != nil {
				return nil, err
			}
			key = s
		}
		i, ok := p.keys[string(key)]
		if !ok {
			if err := dec.SkipValue(); err != nil {
				return nil, err
			}
			continue
		}
		ts := p.members[i]
		if len(ts) == 1 && ts[0].compute == nil && len(ts[0].sub) == 0 && ts[0].typ != schema.Object {
			switch dec.PeekKind() {
			case '{', '[':
			default:
				v, err := scalar(dec, ts[0].typ)
				if err != nil {
					return nil, err
				}
				row[ts[0].col] = v
				continue
			}
		}
		raw, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		// The decoder reuses its buffer: what a row keeps is copied.
		raw = raw.Clone()
		for _, t := range ts {
			v := raw
			if len(t.sub) > 0 {
				v = member(raw, t.sub)
			}
			if t.compute != nil {
				row[t.col] = t.compute(v)
			} else {
				row[t.col] = valueOf(v, t.typ)
			}
		}
	}
	_, err := dec.ReadToken()
	return row, err
}

// scalar reads a scalar token as a value of type typ.
func scalar(dec *jsontext.Decoder, typ schema.Type) (any, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case 't', 'f':
		return tok.Bool(), nil
	case '"':
		return tok.String(), nil
	case '0':
		switch typ {
		case schema.Integer:
			if n, err := tok.Int(); err == nil {
				return n, nil
			}
		case schema.String:
			return tok.String(), nil
		}
		return tok.Float()
	}
	return nil, fmt.Errorf("unexpected %v", tok.Kind())
}

// valueOf reads a member's JSON text as a value of type typ; missing or null
// is nil.
func valueOf(raw jsontext.Value, typ schema.Type) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if typ == schema.Object {
		return provider.JSON(raw)
	}
	switch raw.Kind() {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case '0':
		if typ == schema.Integer {
			if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
				return n
			}
		}
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
			return f
		}
	case 't':
		return true
	case 'f':
		return false
	}
	return provider.JSON(raw)
}

// member descends an object along path; nil when a step is missing.
func member(raw jsontext.Value, path []string) jsontext.Value {
	for _, name := range path {
		if raw.Kind() != '{' {
			return nil
		}
		var obj map[string]jsontext.Value
		if json.Unmarshal(raw, &obj, decodeOptions) != nil {
			return nil
		}
		raw = obj[name]
		if raw == nil {
			return nil
		}
	}
	return raw
}
