package github

import (
	"os"

	"github.com/hashicorp/go-hclog"

	"github.com/pkgql/pkgql/provider"
)

// Serve runs the GitHub provider as a plugin process and returns when the host
// ends it. Both the standalone cmd/pkgql-provider-github binary and pkgql's
// hidden `provider github` command call it, so they are one provider.
//
// Logs go to stderr as JSON lines, which go-plugin hands to the host's logger
// with their levels; the host decides what is shown. Run by hand, without the
// host's handshake cookie, it prints go-plugin's refusal and exits with 1.
func Serve() {
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       "github",
		Level:      hclog.Debug,
		Output:     os.Stderr,
		JSONFormat: true,
	})
	provider.Serve(New(logger), logger)
}
