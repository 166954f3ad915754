package github

import (
	"fmt"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// rawPackage is one package as GitHub sent it. The owner and repository
// objects stay GitHub's own JSON text, so no field GitHub adds is lost (a
// go-github Package would drop the ones it does not know). Pointers tell a
// null from a zero. Pages are decoded with encoding/json/v2 (its module
// mirror until Go 1.27 makes it stable): decoding is most of a listing's CPU,
// and v2 decodes a page of 100 packages 2.3 times as fast as encoding/json
// (BenchmarkDecodePage), more when the repository objects are larger.
type rawPackage struct {
	ID           *int64         `json:"id"`
	Name         *string        `json:"name"`
	CreatedAt    *string        `json:"created_at"`
	HTMLURL      *string        `json:"html_url"`
	Owner        jsontext.Value `json:"owner"`
	PackageType  *string        `json:"package_type"`
	Repository   jsontext.Value `json:"repository"`
	UpdatedAt    *string        `json:"updated_at"`
	URL          *string        `json:"url"`
	VersionCount *int64         `json:"version_count"`
	Visibility   *string        `json:"visibility"`
}

func intValue(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func stringValue(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func objectValue(raw jsontext.Value) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return provider.JSON(raw)
}

// decodeOptions are how answers are decoded for the columns wanted. As
// leniently as encoding/json did: GitHub's answers are not checked for
// duplicate names, which is a third of v2's decoding time. And with no
// column that reads the owner or repository object, those are skipped rather
// than copied: they are most of a package's text.
func decodeOptions(objects bool) json.Options {
	lenient := json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if objects {
		return lenient
	}
	return json.JoinOptions(lenient, json.WithUnmarshalers(skipObjects))
}

var skipObjects = json.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ *jsontext.Value) error {
	return dec.SkipValue()
})

// column reads one value of a row.
type column func(*rawPackage) any

// layout returns the columns wanted, in order: every field when none are
// named. A param the method takes may be named too; it echoes its bound value
// (nil when unbound), which is how a hidden column such as username reads.
// objects tells whether a column wanted is an object.
func (r *resource) layout(names []string, m *method, params map[string]string) (cols []column, objects bool, err error) {
	if len(names) == 0 {
		cols := make([]column, len(r.fields))
		for i, f := range r.fields {
			cols[i] = f.value
			objects = objects || f.Type == schema.Object
		}
		return cols, objects, nil
	}
	cols = make([]column, len(names))
	for i, name := range names {
		if idx := slices.IndexFunc(r.fields, func(f field) bool { return f.Name == name }); idx >= 0 {
			cols[i] = r.fields[idx].value
			objects = objects || r.fields[idx].Type == schema.Object
			continue
		}
		if m.Takes(name) {
			var v any
			if s, ok := params[name]; ok {
				v = s
			}
			cols[i] = func(*rawPackage) any { return v }
			continue
		}
		names := make([]string, len(r.fields))
		for j, f := range r.fields {
			names[j] = f.Name
		}
		return nil, false, &provider.Error{
			Kind:    provider.KindInvalid,
			Message: fmt.Sprintf("no column %q", name),
			Hint:    "the columns are " + joinNames(names),
		}
	}
	return cols, objects, nil
}
