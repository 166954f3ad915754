// Command pkgql-provider-github is pkgql's GitHub provider as a standalone
// plugin binary, for a plugin directory or --provider-path. The host starts it
// over go-plugin; run by hand it refuses to start.
package main

import "github.com/pkgql/pkgql/provider/github"

func main() {
	github.Serve()
}
