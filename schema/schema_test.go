package schema

import (
	"slices"
	"strings"
	"testing"
)

// valid is a small declaration that uses every part of the model.
func valid() *Provider {
	return &Provider{
		Name: "acme",
		Services: []Service{{
			Name: "store",
			Resources: []Resource{{
				Name: "items",
				Fields: []Field{
					{Name: "id", Type: Integer},
					{Name: "name", Type: String},
					{Name: "kind", Type: String},
				},
				Params: []Param{
					{Name: "owner", Type: String},
					{Name: "item", Type: String, Field: "name"},
					{Name: "kind", Type: String, Enum: []string{"a", "b"}},
				},
				Methods: []Method{
					{Name: "get", Verb: Select, Required: []string{"owner", "item"}, Unique: true, Description: "Gets one."},
					{Name: "list", Verb: Select, Required: []string{"owner"}, Optional: []string{"kind"}, Description: "Lists."},
					{Name: "remove", Verb: Delete, Required: []string{"owner", "item"}, Description: "Removes one."},
				},
			}},
		}},
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	res := func(p *Provider) *Resource { return &p.Services[0].Resources[0] }
	cases := []struct {
		name   string
		mutate func(p *Provider)
		want   string // "" means valid
	}{
		{"valid", func(*Provider) {}, ""},
		{"no provider name", func(p *Provider) { p.Name = "" }, "provider has no name"},
		{"field without type", func(p *Provider) { res(p).Fields[0].Type = "" }, `field "id" needs a name and a type`},
		{"field twice", func(p *Provider) { res(p).Fields[1].Name = "id" }, `field "id" declared twice`},
		{"param without type", func(p *Provider) { res(p).Params[0].Type = "" }, `param "owner" needs a type`},
		{"param carried by no field", func(p *Provider) { res(p).Params[1].Field = "title" }, `carried by field "title"`},
		{"param carried by a field of another type", func(p *Provider) { res(p).Params[1].Field = "id" }, `carried by field "id"`},
		{"unknown verb", func(p *Provider) { res(p).Methods[0].Verb = "INSERT" }, `unknown verb "INSERT"`},
		{"undeclared required param", func(p *Provider) { res(p).Methods[0].Required = []string{"user"} }, `param "user" is not declared`},
		{"undeclared optional param", func(p *Provider) { res(p).Methods[1].Optional = []string{"colour"} }, `param "colour" is not declared`},
		{"method without description", func(p *Provider) { res(p).Methods[2].Description = " " }, "has no description"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := valid()
			c.mutate(p)
			err := p.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("Validate: %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestLookups(t *testing.T) {
	t.Parallel()
	p := valid()
	s, ok := p.Service("store")
	if !ok {
		t.Fatal("no service store")
	}
	r, ok := s.Resource("items")
	if !ok {
		t.Fatal("no resource items")
	}
	if _, ok := p.Service("shop"); ok {
		t.Error("found a service that is not declared")
	}
	if _, ok := r.Field("kind"); !ok {
		t.Error("no field kind")
	}
	if _, ok := r.Param("item"); !ok {
		t.Error("no param item")
	}
	var hidden []string
	for _, h := range r.HiddenParams() {
		hidden = append(hidden, h.Name)
	}
	// kind is a field too, so only owner and item are hidden columns.
	if !slices.Equal(hidden, []string{"owner", "item"}) {
		t.Errorf("HiddenParams = %v", hidden)
	}
	var selects []string
	for _, m := range r.MethodsFor(Select) {
		selects = append(selects, m.Name)
	}
	if !slices.Equal(selects, []string{"get", "list"}) {
		t.Errorf("MethodsFor(SELECT) = %v", selects)
	}
	m, _ := r.Method("list")
	for param, want := range map[string]bool{"owner": true, "kind": true, "item": false} {
		if got := m.Takes(param); got != want {
			t.Errorf("list.Takes(%q) = %v, want %v", param, got, want)
		}
	}
}

// A route renders path params escaped, bound query params in name order,
// defaults for unbound ones, and secret values as REDACTED.
func TestRouteRender(t *testing.T) {
	r := Route{Verb: "POST", Path: "/orgs/{org}/packages/{package_type}/{package_name}/restore",
		Query: []Query{{Name: "token", Param: "token"}, {Name: "state", Param: "state", Default: "active"}}}
	for _, tc := range []struct {
		params map[string]string
		secret func(string) bool
		want   string
	}{
		{map[string]string{"org": "acme", "package_type": "container", "package_name": "acme/app"}, nil,
			"/orgs/acme/packages/container/acme%2Fapp/restore?state=active"},
		{map[string]string{"org": "a b", "package_type": "npm", "package_name": "x", "token": "t0k", "state": "deleted"}, nil,
			"/orgs/a%20b/packages/npm/x/restore?state=deleted&token=t0k"},
		{map[string]string{"org": "acme", "package_type": "npm", "package_name": "x", "token": "t0k"}, func(p string) bool { return p == "token" },
			"/orgs/acme/packages/npm/x/restore?state=active&token=REDACTED"},
	} {
		if got := r.Render(tc.params, tc.secret); got != tc.want {
			t.Errorf("Render(%v) = %q, want %q", tc.params, got, tc.want)
		}
	}
	if got := r.PathParams(); strings.Join(got, ",") != "org,package_type,package_name" {
		t.Errorf("PathParams = %v", got)
	}
}

func TestSettingCommandArgs(t *testing.T) {
	t.Parallel()
	st := Setting{Name: "token", Command: []string{"gh", "auth", "token", "--hostname", "{base_url.host}"}}
	for _, tc := range []struct {
		url  string
		want []string
	}{
		{"https://api.github.com/", []string{"gh", "auth", "token", "--hostname", "github.com"}},
		{"https://ghe.example.com/api/v3/", []string{"gh", "auth", "token", "--hostname", "ghe.example.com"}},
		{"https://api.acme.ghe.com/", []string{"gh", "auth", "token", "--hostname", "acme.ghe.com"}},
		{"http://127.0.0.1:8080/", nil},
		{"http://localhost:8080/", nil},
		{"http://[::1]:8080/", nil},
		{"", nil},
	} {
		got, ok := st.CommandArgs(map[string]string{"base_url": tc.url})
		if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
			t.Errorf("%q: CommandArgs = %q, %v; want %q", tc.url, got, ok, tc.want)
		}
	}
	if got := st.CommandName(); got != "gh auth token" {
		t.Errorf("CommandName = %q", got)
	}
}

func TestValidateSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		settings []Setting
		wantErr  string
	}{
		{"good", []Setting{{Name: "url", Description: "API URL"}, {Name: "key", Description: "key", Command: []string{"helper", "{url.host}"}}}, ""},
		{"no description", []Setting{{Name: "url"}}, "needs a name and a description"},
		{"twice", []Setting{{Name: "url", Description: "a"}, {Name: "url", Description: "b"}}, "declared twice"},
		{"unknown placeholder", []Setting{{Name: "key", Description: "key", Command: []string{"helper", "{url.host}"}}}, "names no declared setting"},
	} {
		err := (&Provider{Name: "p", Settings: tc.settings}).Validate()
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}
