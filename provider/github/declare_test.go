package github

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/schema"
)

// The declaration is the contract DESIGN.md states: these tables are that
// contract, checked against what the provider serves.
func TestSchemaIsTheDesignContract(t *testing.T) {
	t.Parallel()
	s, err := New(nil).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Name != "github" {
		t.Fatalf("provider name %q", s.Name)
	}
	svc, ok := s.Service("packages")
	if !ok {
		t.Fatal("no service packages")
	}
	r, ok := svc.Resource("user_packages")
	if !ok {
		t.Fatal("no resource packages.user_packages")
	}

	wantFields := []struct {
		name string
		typ  schema.Type
	}{
		{"id", schema.Integer}, {"name", schema.String}, {"created_at", schema.String}, {"html_url", schema.String},
		{"owner", schema.Object}, {"package_type", schema.String}, {"repository", schema.Object},
		{"updated_at", schema.String}, {"url", schema.String}, {"version_count", schema.Integer}, {"visibility", schema.String},
	}
	if len(r.Fields) != len(wantFields) {
		t.Fatalf("%d fields, want %d", len(r.Fields), len(wantFields))
	}
	for i, w := range wantFields {
		f := r.Fields[i]
		if f.Name != w.name || f.Type != w.typ {
			t.Errorf("field %d = %s %s, want %s %s", i, f.Name, f.Type, w.name, w.typ)
		}
		if strings.TrimSpace(f.Description) == "" {
			t.Errorf("field %s has no description", f.Name)
		}
	}

	wantParams := map[string][]string{
		"username": nil, "package_name": nil, "token": nil,
		"package_type": {"npm", "maven", "rubygems", "docker", "nuget", "container"},
		"visibility":   {"public", "private", "internal"},
	}
	if len(r.Params) != len(wantParams) {
		t.Fatalf("%d params, want %d", len(r.Params), len(wantParams))
	}
	for name, enum := range wantParams {
		p, ok := r.Param(name)
		if !ok {
			t.Errorf("no param %s", name)
			continue
		}
		if p.Type != schema.String || !slices.Equal(p.Enum, enum) || p.Description == "" {
			t.Errorf("param %s = %+v, want a described string with enum %v", name, *p, enum)
		}
	}
	hidden := []string{}
	for _, p := range r.HiddenParams() {
		hidden = append(hidden, p.Name)
	}
	if !slices.Equal(hidden, []string{"username", "package_name", "token"}) {
		t.Errorf("hidden params %v", hidden)
	}

	wantMethods := []struct {
		name     string
		verb     schema.Verb
		required []string
		optional []string
		http     string
		unique   bool
		phrases  []string // what GitHub's documentation says, which DESCRIBE must show
	}{
		{"get_package_for_user", schema.Select, []string{"package_name", "package_type", "username"}, nil,
			"GET /users/{username}/packages/{package_type}/{package_name}", true,
			[]string{"read:packages", "`repo` scope"}},
		{"list_packages_for_user", schema.Select, []string{"package_type", "username"}, []string{"visibility"},
			"GET /users/{username}/packages", false,
			[]string{"Lists all packages in a user's namespace", "read:packages", "`repo` scope"}},
		{"delete_package_for_user", schema.Delete, []string{"package_name", "package_type", "username"}, nil,
			"DELETE /users/{username}/packages/{package_type}/{package_name}", false,
			[]string{"more than 5,000 downloads", "contact GitHub support", "read:packages", "delete:packages", "`repo` scope", "admin permissions"}},
		{"restore_package_for_user", schema.Exec, []string{"package_name", "package_type", "username"}, []string{"token"},
			"POST /users/{username}/packages/{package_type}/{package_name}/restore", false,
			[]string{"within the last 30 days", "namespace", "not reused", "read:packages", "write:packages", "`repo` scope"}},
	}
	if len(r.Methods) != len(wantMethods) {
		t.Fatalf("%d methods, want %d", len(r.Methods), len(wantMethods))
	}
	for i, w := range wantMethods {
		m := r.Methods[i]
		if m.Name != w.name || m.Verb != w.verb || !slices.Equal(m.Required, w.required) ||
			!slices.Equal(m.Optional, w.optional) || m.Route.String() != w.http || m.Unique != w.unique {
			t.Errorf("method %d = %+v, want %+v", i, m, w)
		}
		for _, ph := range w.phrases {
			if !strings.Contains(m.Description, ph) {
				t.Errorf("%s: description lacks %q", m.Name, ph)
			}
		}
	}
}

// Every method is performed by a function, takes only declared params, and
// every param is taken by some method; every path placeholder is a required
// param.
func TestDeclarationsAreComplete(t *testing.T) {
	t.Parallel()
	for _, s := range declarations() {
		for _, r := range s.resources {
			used := map[string]bool{}
			for _, m := range r.methods {
				if m.Verb != schema.Select && (m.verify.Verb != http.MethodGet || m.doneStatus == 0 || m.doneMsg == "") {
					t.Errorf("%s.%s has no verification GET", r.name, m.Name)
				}
				if m.notFound == "" || m.DocURL == "" {
					t.Errorf("%s.%s has no 404 hint or docs URL", r.name, m.Name)
				}
				if len(m.Scopes) == 0 {
					t.Errorf("%s.%s names no scope", r.name, m.Name)
				}
				for _, p := range slices.Concat(m.Required, m.Optional) {
					used[p] = true
				}
				for _, name := range slices.Concat(m.Route.PathParams(), m.verify.PathParams()) {
					if !slices.Contains(m.Required, name) {
						t.Errorf("%s.%s: path param %s is not required", r.name, m.Name, name)
					}
				}
			}
			for _, p := range r.params {
				if !used[p.Name] {
					t.Errorf("%s: param %s is taken by no method", r.name, p.Name)
				}
			}
		}
	}
}

// The schema handed out is a copy: a caller that changes it does not change
// the provider.
func TestSchemaIsACopy(t *testing.T) {
	t.Parallel()
	p := New(nil)
	s1, _ := p.Schema(context.Background())
	s1.Services[0].Resources[0].Methods[0].Required[0] = "changed"
	s1.Services[0].Resources[0].Params[2].Enum[0] = "changed"
	s2, _ := p.Schema(context.Background())
	if s2.Services[0].Resources[0].Methods[0].Required[0] == "changed" || s2.Services[0].Resources[0].Params[2].Enum[0] == "changed" {
		t.Fatal("the schema shares memory with the declaration")
	}
}
