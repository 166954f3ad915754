package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-plugin"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// dial serves the real GitHub provider through GRPCPlugin on an in-memory
// gRPC connection and returns the host's side of it, configured for a sandbox.
func dial(t *testing.T) (provider.Provider, *sandbox.Server, string) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{
		"provider": &provider.GRPCPlugin{Impl: github.New(nil)},
	})
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense("provider")
	if err != nil {
		t.Fatal(err)
	}
	p := raw.(provider.Provider)
	if err := p.Configure(context.Background(), provider.Config{Settings: map[string]string{github.SettingBaseURL: srv.URL}}); err != nil {
		t.Fatal(err)
	}
	return p, sb, srv.URL
}

func TestGRPCCall(t *testing.T) {
	t.Parallel()
	p, sb, url := dial(t)
	ctx := context.Background()

	sc, err := p.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Validate(); err != nil {
		t.Fatalf("schema after gRPC: %v", err)
	}

	list := provider.Request{Service: "packages", Resource: "user_packages", Method: "list_packages_for_user",
		Params: map[string]string{"username": "octocat", "package_type": "npm"}, Columns: []string{"name", "version_count", "owner"}}
	var rows [][]any
	res, err := p.Call(ctx, list, func(b provider.Batch) error {
		rows = append(rows, b.Rows...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// What the sandbox itself answers, read without the provider.
	resp, err := http.Get(url + "/users/octocat/packages?package_type=npm&per_page=100")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var truth []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&truth); err != nil {
		t.Fatal(err)
	}
	want := len(truth)
	if len(rows) != want || res.Requests != 1 {
		t.Fatalf("%d rows in %d requests, want %d in 1", len(rows), res.Requests, want)
	}
	for _, r := range rows {
		pkg, ok := sb.Package("octocat", "npm", r[0].(string))
		if !ok || r[1] != int64(pkg.VersionCount) {
			t.Fatalf("row %v does not match the sandbox", r[:2])
		}
		if _, ok := r[2].(provider.JSON); !ok {
			t.Fatalf("owner is %T, want provider.JSON", r[2])
		}
	}
}

// An error leaves the provider process with its kind, status and message.
func TestGRPCErrorDetail(t *testing.T) {
	t.Parallel()
	p, _, _ := dial(t)
	_, err := p.Call(context.Background(), provider.Request{Service: "packages", Resource: "user_packages", Method: "get_package_for_user",
		Params: map[string]string{"username": "octocat", "package_type": "npm", "package_name": "no-such-package"}},
		func(provider.Batch) error { return nil })
	pe, ok := provider.AsError(err)
	if !ok || pe.Kind != provider.KindNotFound || pe.HTTPStatus != 404 || pe.API != "GitHub" || pe.Message == "" {
		t.Fatalf("error %#v", err)
	}
}

// When the host stops reading, Call returns the host's own error at once.
func TestGRPCStopEarly(t *testing.T) {
	t.Parallel()
	p, _, _ := dial(t)
	stop := errors.New("enough")
	batches := 0
	_, err := p.Call(context.Background(), provider.Request{Service: "packages", Resource: "user_packages", Method: "list_packages_for_user",
		Params: map[string]string{"username": "octocat", "package_type": "container"}},
		func(provider.Batch) error { batches++; return stop })
	if !errors.Is(err, stop) || batches != 1 {
		t.Fatalf("err %v after %d batches", err, batches)
	}
}
