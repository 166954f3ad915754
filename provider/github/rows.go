package github

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pkgql/pkgql/provider"
)

// rawPackage is one package as GitHub sent it. The owner and repository
// objects stay GitHub's own JSON text, so no field GitHub adds is lost (a
// go-github Package would drop the ones it does not know). Pointers tell a
// null from a zero.
type rawPackage struct {
	ID           *int64          `json:"id"`
	Name         *string         `json:"name"`
	CreatedAt    *string         `json:"created_at"`
	HTMLURL      *string         `json:"html_url"`
	Owner        json.RawMessage `json:"owner"`
	PackageType  *string         `json:"package_type"`
	Repository   json.RawMessage `json:"repository"`
	UpdatedAt    *string         `json:"updated_at"`
	URL          *string         `json:"url"`
	VersionCount *int64          `json:"version_count"`
	Visibility   *string         `json:"visibility"`
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

func objectValue(raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return provider.JSON(raw)
}

// column reads one value of a row.
type column func(*rawPackage) any

// layout returns the columns wanted, in order: every field when none are
// named. A param the method takes may be named too; it echoes its bound value
// (nil when unbound), which is how a hidden column such as username reads.
func (r *resource) layout(names []string, m *method, params map[string]string) ([]column, error) {
	if len(names) == 0 {
		cols := make([]column, len(r.fields))
		for i, f := range r.fields {
			cols[i] = f.value
		}
		return cols, nil
	}
	cols := make([]column, len(names))
	for i, name := range names {
		if idx := slices.IndexFunc(r.fields, func(f field) bool { return f.Name == name }); idx >= 0 {
			cols[i] = r.fields[idx].value
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
		return nil, &provider.Error{
			Kind:    provider.KindInvalid,
			Message: fmt.Sprintf("no column %q", name),
			Hint:    "the columns are " + joinNames(names),
		}
	}
	return cols, nil
}
