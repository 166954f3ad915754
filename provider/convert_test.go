package provider

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pkgql/pkgql/schema"
)

func TestValueRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   any
		want any
	}{
		{nil, nil},
		{int64(-7), int64(-7)},
		{7, int64(7)},
		{2.5, 2.5},
		{"owner/image", "owner/image"},
		{true, true},
		{JSON(`{"login":"octocat"}`), JSON(`{"login":"octocat"}`)},
		{JSON(nil), nil},
	}
	for _, c := range cases {
		pv, err := valueToProto(c.in)
		if err != nil {
			t.Fatalf("valueToProto(%#v): %v", c.in, err)
		}
		if got := valueFromProto(pv); !reflect.DeepEqual(got, c.want) {
			t.Errorf("round trip of %#v = %#v, want %#v", c.in, got, c.want)
		}
	}
	if _, err := valueToProto(struct{}{}); err == nil {
		t.Error("a value of an unknown type was sent")
	}
}

func TestSchemaRoundTrip(t *testing.T) {
	t.Parallel()
	in := &schema.Provider{Name: "acme", Version: "1", Description: "d", Services: []schema.Service{{
		Name: "store", Title: "Store", Description: "s",
		Resources: []schema.Resource{{
			Name: "items", Title: "Items", Description: "r",
			Fields: []schema.Field{{Name: "name", Type: schema.String, Description: "f"}},
			Params: []schema.Param{{Name: "item", Type: schema.String, Description: "p", Enum: []string{"a"}, Field: "name"}},
			Methods: []schema.Method{{Name: "get", Verb: schema.Select, Required: []string{"item"},
				Description: "m", Route: schema.Route{Verb: "GET", Path: "/items/{item}"}, Unique: true}},
		}},
	}}, Settings: []schema.Setting{
		{Name: "url", Description: "the store's URL", Flag: "store-url", Env: []string{"STORE_URL"}, Default: "https://store.example/"},
		{Name: "key", Description: "store key", Flag: "key-file", Env: []string{"STORE_KEY", "KEY"},
			Command: []string{"store", "key", "--host", "{url.host}"}, Secret: true, Hint: "set STORE_KEY", Needs: "a key needs read"},
	}}
	out := schemaFromProto(schemaToProto(in))
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip changed the schema:\n got %#v\nwant %#v", out, in)
	}
}

func TestErrorRoundTrip(t *testing.T) {
	t.Parallel()
	reset := time.Unix(1_900_000_000, 0)
	cases := []struct {
		name string
		in   error
		want *Error
	}{
		{"not found keeps status and message",
			&Error{Kind: KindNotFound, API: "GitHub", HTTPStatus: 404, Message: "Package not found.", Resource: "packages.user_packages",
				Method: "get_package_for_user", DocURL: "https://docs.github.com/rest", Hint: "check the name"},
			&Error{Kind: KindNotFound, API: "GitHub", HTTPStatus: 404, Message: "Package not found.", Resource: "packages.user_packages",
				Method: "get_package_for_user", DocURL: "https://docs.github.com/rest", Hint: "check the name"}},
		{"rate limit keeps its reset",
			&Error{Kind: KindRateLimit, HTTPStatus: 403, Message: "API rate limit exceeded", Retryable: true, Reset: reset},
			&Error{Kind: KindRateLimit, HTTPStatus: 403, Message: "API rate limit exceeded", Retryable: true, Reset: reset}},
		{"invalid param",
			&Error{Kind: KindInvalid, Message: "not a package type", Param: "package_type"},
			&Error{Kind: KindInvalid, Message: "not a package type", Param: "package_type"}},
		{"a plain error becomes internal",
			errors.New("boom"),
			&Error{Kind: KindInternal, Message: "boom"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, ok := AsError(errorFromStatus(errorToStatus(c.in)))
			if !ok {
				t.Fatal("no *Error after the round trip")
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	e := &Error{API: "GitHub", HTTPStatus: 400, Message: "You cannot delete a public package", Resource: "packages.user_packages",
		Method: "delete_package_for_user", Param: "package_name", Hint: "contact GitHub Support"}
	want := "packages.user_packages.delete_package_for_user: GitHub answered 400: You cannot delete a public package (param package_name); contact GitHub Support"
	if e.Error() != want {
		t.Errorf("Error() = %q\nwant %q", e.Error(), want)
	}
}

// No setting's value may leak through any way a Config can be formatted.
func TestConfigHidesSettings(t *testing.T) {
	t.Parallel()
	const secret = "ghp_supersecret0123456789"
	c := Config{Settings: map[string]string{"token": secret, "base_url": "https://api.github.com/"}, Concurrency: 8}
	for _, s := range []string{c.String(), c.GoString(), c.LogValue().String(), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		if strings.Contains(s, secret) || strings.Contains(s, "api.github.com") {
			t.Errorf("a value in %q", s)
		}
		if !strings.Contains(s, "Settings:[base_url token]") {
			t.Errorf("%q does not say which settings are set", s)
		}
	}
}
