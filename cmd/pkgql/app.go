package main

import (
	"io"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pkgql/pkgql/cmd/pkgql/internal/output"
)

// app is one run of the command line: its streams, its flags and what they
// resolve to.
type app struct {
	env    environ
	stdin  io.Reader
	stdout io.Writer
	stderr *redactor // every diagnostic goes through it, the token never does
	opts   options
	flags  *pflag.FlagSet // the command's, once parsed: providers' settings are read from it
	format output.Format
	logger hclog.Logger
	// started is set once cobra has parsed the flags and arguments and the
	// command itself runs: an error before that is a usage error.
	started bool
}

func newApp(env environ, stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{env: env, stdin: stdin, stdout: stdout, stderr: newRedactor(stderr), logger: hclog.NewNullLogger()}
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "pkgql",
		Short: "SQL over GitHub Packages",
		Long: `pkgql answers SQL about GitHub Packages, and changes them with SQL.

Statements name resources as provider.service.resource. Params such as
username and package_type are bound in WHERE; DELETE and EXEC call GitHub's
mutating endpoints once per fully bound package.

The token comes from --token-file, GITHUB_TOKEN, GH_TOKEN or ` + "`gh auth token`" + `,
in that order, and reaches the provider process only through its Configure
call. --sandbox needs none: it runs a seeded GitHub-compatible API on loopback.

Providers run as separate processes (go-plugin over gRPC): the GitHub provider
is this executable re-run, or --provider-path; executables named
pkgql-provider-NAME in $PKGQL_PLUGIN_DIR (default ~/.pkgql/plugins) are started
too, and one named pkgql-provider-github replaces the bundled provider.

Output (-o): table and markdown for people, text (tab-separated), csv and json
for scripts. json writes each result set as one array of objects on one line,
object fields as JSON objects. NULL is NULL in table, markdown and text, an
empty field in csv and null in json.

Exit status: 0 ok, 1 a statement failed, 2 a usage error, 130 interrupted.`,
		Example: `  # Try it without a token or a network, on the built-in sandbox
  pkgql --sandbox exec "SELECT name, version_count FROM github.packages.user_packages
                        WHERE username = 'octocat' AND package_type = 'npm'"

  # What can be queried
  pkgql exec "SHOW RESOURCES IN github.packages; DESCRIBE github.packages.user_packages"

  # Scripts: JSON lines, CSV, tab-separated text
  pkgql exec -o json -f report.sql | jq '.[] | .name'

  # An interactive shell
  pkgql shell`,
		Version:       versionLine(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.started = true
			return a.setUp(cmd)
		},
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	// --version prints what `pkgql version` prints.
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{Err: err} })
	a.opts.register(root.PersistentFlags(), a.env.getenv)
	root.AddCommand(
		a.newCmdExec(nil),
		a.newCmdShell(nil),
		a.newCmdServe(nil),
		a.newCmdSandbox(nil),
		a.newCmdDocs(nil),
		a.newCmdAuth(),
		a.newCmdVersion(nil),
		a.newCmdCache(),
		a.newCmdProvider(),
	)
	return root
}

// setUp checks the global flags and sets up logging, before any command runs.
func (a *app) setUp(cmd *cobra.Command) error {
	format, err := a.opts.check(cmd.Flags())
	if err != nil {
		return usageError{Err: err}
	}
	a.format = format
	a.flags = cmd.Flags()
	level := hclog.Warn
	if a.opts.debug {
		level = hclog.Debug
	}
	a.logger = hclog.New(&hclog.LoggerOptions{Name: "pkgql", Level: level, Output: a.stderr})
	return nil
}
