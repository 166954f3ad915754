package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// TestRetentionWorkflow runs the pkgql steps of
// examples/workflows/container-retention.yml with bash, as the runner would,
// against the sandbox: the pull request's dry run deletes nothing, the
// schedule's run deletes the garbage and the dangling signature and nothing
// a tag needs. The install step is the binary under test.
func TestRetentionWorkflow(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(examplesDir, "workflows", "container-retention.yml"))
	if err != nil {
		t.Fatal(err)
	}
	steps := runSteps(string(data))
	if len(steps) != 3 || !strings.Contains(steps[0], "go install") {
		t.Fatalf("the workflow's run steps changed: %q", steps)
	}
	s, url := apiServer(t, sandbox.Options{})
	bin := t.TempDir()
	if err := os.Symlink(pkgqlBin, filepath.Join(bin, "pkgql")); err != nil {
		t.Fatal(err)
	}
	before := live(s)
	for _, mode := range []string{"--dry-run", "--yes"} {
		for _, step := range steps[1:] {
			cmd := exec.Command("bash", "-e", "-c", step)
			cmd.Env = testEnv("PATH="+bin+":"+os.Getenv("PATH"), "PKGQL_GITHUB_URL="+url, "PKGQL_REGISTRY_URL="+strings.TrimSuffix(url, "/"),
				"GITHUB_TOKEN=ghs_workflowtoken", "ORG=shipyard", "IMAGE=app", "MODE="+mode)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", mode, err, out)
			}
		}
		want := before
		if mode == "--yes" {
			want = before - 13 // 12 untagged versions no tag needs, 1 signature of a gone image
		}
		if live(s) != want {
			t.Fatalf("after %s: %d live, want %d", mode, live(s), want)
		}
	}
}

// runSteps reads the `run: |` blocks of a workflow, in order.
func runSteps(yml string) []string {
	var steps []string
	lines := strings.Split(yml, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "run: |" {
			indent := -1
			var b strings.Builder
			for i++; i < len(lines); i++ {
				n := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
				if strings.TrimSpace(lines[i]) == "" {
					continue
				}
				if indent < 0 {
					indent = n
				}
				if n < indent {
					i--
					break
				}
				b.WriteString(lines[i][indent:] + "\n")
			}
			steps = append(steps, b.String())
		} else if cmd, ok := strings.CutPrefix(l, "run: "); ok {
			steps = append(steps, cmd)
		}
	}
	return steps
}
