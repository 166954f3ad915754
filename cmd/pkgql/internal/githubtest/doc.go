// Package githubtest checks GitHub's behaviour as users meet it through the
// engine: the real GitHub provider over HTTP to the sandbox, with its rules
// (the image guard over the registry, the owners' routing, GitHub's refusals)
// reaching statements. The engine's own mechanics are tested in its package
// over a synthetic provider.
package githubtest
