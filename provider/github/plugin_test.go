package github

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// buildPlugin builds cmd/pkgql-provider-github into dir.
func buildPlugin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pkgql-provider-github")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/pkgql/pkgql/cmd/pkgql-provider-github")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// pidsOf lists the running processes whose executable is bin.
func pidsOf(t *testing.T, bin string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc to look for the plugin process in")
	}
	var pids []string
	for _, e := range entries {
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && exe == bin {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// The plugin binary, started by the host over go-plugin and gRPC, serves the
// same schema, rows and errors as the provider in process, and is gone once
// killed. Run by hand, it refuses.
func TestPluginProcess(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the plugin binary")
	}
	bin := buildPlugin(t)

	// The subtests run one after the other: the first starts the binary too,
	// and the second counts the binary's processes.
	t.Run("refuses to run by hand", func(t *testing.T) {
		cmd := exec.Command(bin)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("exit %v, want non-zero", err)
		}
		if !strings.Contains(string(out), "This binary is a plugin") {
			t.Errorf("output %q lacks go-plugin's refusal", out)
		}
	})

	t.Run("served over gRPC", func(t *testing.T) {
		ctx := context.Background()
		opts := sandbox.Options{Users: []sandbox.UserSeed{seeded("octocat", "container", 249, "octocat/app")}}
		sb, base := startSandbox(t, opts)
		want := sandboxJSON(t, opts, base, "/users/octocat/packages?package_type=container&per_page=100")

		proc, err := provider.Launch(exec.Command(bin), hclog.NewNullLogger())
		if err != nil {
			t.Fatal(err)
		}
		defer proc.Kill()
		if pids := pidsOf(t, bin); len(pids) != 1 {
			t.Fatalf("plugin processes %v, want one", pids)
		}

		got, err := proc.Schema(ctx)
		if err != nil {
			t.Fatal(err)
		}
		local, _ := New(nil).Schema(ctx)
		if !reflect.DeepEqual(got, local) {
			t.Errorf("schema over gRPC differs:\n%+v\n%+v", got, local)
		}
		if err := proc.Configure(ctx, provider.Config{Settings: map[string]string{SettingBaseURL: base, SettingToken: testToken}, Concurrency: 4}); err != nil {
			t.Fatal(err)
		}

		var rows [][]any
		res, err := proc.Call(ctx, listReq("octocat", "container"), func(b provider.Batch) error {
			rows = append(rows, b.Rows...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(want) || len(want) != 250 || res.Requests != 3 || arrived(sb) != 3 {
			t.Fatalf("%d rows in %d requests (result says %d)", len(rows), arrived(sb), res.Requests)
		}
		for i, row := range rows {
			checkRow(t, row, want[i])
		}

		rows = nil
		if _, err := proc.Call(ctx, pkgReq("get_package_for_user", "octocat", "container", "octocat/app"), func(b provider.Batch) error {
			rows = append(rows, b.Rows...)
			return nil
		}); err != nil || len(rows) != 1 {
			t.Fatalf("get: %v, %d rows", err, len(rows))
		}
		checkRow(t, rows[0], want[len(want)-1])

		nope := pkgReq("get_package_for_user", "octocat", "container", "nope")
		_, err = proc.Call(ctx, nope, func(provider.Batch) error { return nil })
		pe := mustProviderError(t, err)
		if pe.Kind != provider.KindNotFound || pe.HTTPStatus != 404 || pe.Message != "Not Found" || pe.API != "GitHub" ||
			pe.Resource != "github.packages.user_packages" || pe.Method != "get_package_for_user" || pe.Hint == "" || pe.DocURL == "" {
			t.Errorf("error over gRPC: %+v", *pe)
		}
		// The same error as the provider in process gives for that answer.
		inProcess, _ := testProvider(t, base, 4, nil)
		if local := mustProviderError(t, run(inProcess, nope).err); !reflect.DeepEqual(*pe, *local) {
			t.Errorf("error over gRPC %+v, in process %+v", *pe, *local)
		}

		res, err = proc.Call(ctx, pkgReq("delete_package_for_user", "octocat", "container", "octocat/app"), func(provider.Batch) error { return nil })
		if err != nil || res.HTTPStatus != 204 || res.Message != "deleted" || res.Requests != 1 {
			t.Fatalf("delete: %+v, %v", res, err)
		}

		proc.Kill()
		if !proc.Exited() {
			t.Error("the plugin has not exited")
		}
		if pids := pidsOf(t, bin); len(pids) != 0 {
			t.Errorf("plugin processes %v still running after Kill", pids)
		}
	})
}
