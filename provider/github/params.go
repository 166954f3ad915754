package github

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// checkParams rejects, before any request, params the method cannot take:
// unknown or missing ones, values outside an enum, and path segments that
// would not name one thing (empty, "." or "..", control characters).
func checkParams(r *resource, m *method, params map[string]string) error {
	invalid := func(param, format string, args ...any) error {
		return &provider.Error{Kind: provider.KindInvalid, Param: param, Message: fmt.Sprintf(format, args...)}
	}
	inPath := map[string]bool{}
	for _, name := range m.Route.PathParams() {
		inPath[name] = true
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		v := params[name]
		idx := slices.IndexFunc(r.params, func(p schema.Param) bool { return p.Name == name })
		if idx < 0 {
			return invalid(name, "%s has no param %s", r.name, name)
		}
		if slices.Contains(m.Excludes, name) {
			return invalid(name, "%s does not take %s: it is for another owner; it takes %s", m.Name, name, joinNames(slices.Concat(m.Required, m.Optional)))
		}
		if !m.Takes(name) {
			return invalid(name, "%s does not take %s; it takes %s", m.Name, name, joinNames(slices.Concat(m.Required, m.Optional)))
		}
		if enum := r.params[idx].Enum; enum != nil && !slices.Contains(enum, v) {
			msg := fmt.Sprintf("%s must be one of %s, not %q", name, strings.Join(enum, ", "), v)
			if i := slices.IndexFunc(enum, func(e string) bool { return strings.EqualFold(e, strings.TrimSpace(v)) }); i >= 0 {
				msg += fmt.Sprintf(" (did you mean %q?)", enum[i])
			}
			return invalid(name, "%s", msg)
		}
		if r.params[idx].Type == schema.Integer {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return invalid(name, "%s must be an integer, not %q", name, v)
			}
		}
		if inPath[name] {
			switch {
			case strings.TrimSpace(v) == "":
				return invalid(name, "%s is empty", name)
			case v == "." || v == "..":
				return invalid(name, "%s cannot be %q", name, v)
			case strings.ContainsFunc(v, unicode.IsControl):
				return invalid(name, "%s contains a control character", name)
			}
		}
	}
	for _, name := range m.Required {
		if _, ok := params[name]; !ok {
			return invalid(name, "%s needs %s", m.Name, name)
		}
	}
	return nil
}
