package provider

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	providerpb "github.com/pkgql/pkgql/proto"
)

// Handshake is shared by host and plugins. A plugin binary run by hand, without
// the cookie the host sets, refuses to start.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "PKGQL_PROVIDER_PLUGIN",
	MagicCookieValue: "4f1c9a7e2b5d4c60a3e8f1d2c7b69e05",
}

// pluginName is the one plugin every provider process serves.
const pluginName = "provider"

// GRPCPlugin adapts a Provider to go-plugin's gRPC transport. Impl is set only
// in the plugin process.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Provider
}

// GRPCServer registers the provider's gRPC service in the plugin process.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	providerpb.RegisterProviderServer(s, &grpcServer{impl: p.Impl})
	return nil
}

// GRPCClient returns the host's side: a Provider that calls the plugin.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &grpcClient{client: providerpb.NewProviderClient(c)}, nil
}

// Serve runs impl as a plugin; it returns when the host ends the plugin.
// Logs go to stderr, which go-plugin forwards into the host's log.
// With no key from the host (a host on Windows, where no pipe can be passed
// on), go-plugin's AutoMTLS takes over.
func Serve(impl Provider, logger hclog.Logger) {
	go exitWithHost(os.Getppid(), logger)
	cfg := &plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         plugin.PluginSet{pluginName: &GRPCPlugin{Impl: impl}},
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger:          logger,
	}
	// Read before go-plugin starts: an error is then the provider's own, and
	// says what is wrong, not only that the handshake failed.
	tlsCfg, ok, err := providerTLS()
	if err != nil {
		logger.Error("cannot start: " + err.Error())
		os.Exit(1)
	}
	if ok {
		logger.Debug("mutual TLS with the host's key")
		cfg.TLSProvider = func() (*tls.Config, error) { return tlsCfg, nil }
	}
	plugin.Serve(cfg)
}

// exitWithHost ends the plugin once the host that started it is gone. A host
// can end its plugins on every way out but one: killed outright (SIGKILL, an
// OOM kill), it leaves them to live on as orphans, re-parented.
func exitWithHost(host int, logger hclog.Logger) {
	for range time.Tick(200 * time.Millisecond) {
		if os.Getppid() != host {
			logger.Warn("the host process is gone: exiting", "host_pid", host)
			os.Exit(1)
		}
	}
}

// Process is a provider running in a plugin process.
type Process struct {
	Provider
	client *plugin.Client
	cmd    *exec.Cmd
}

// Launch starts cmd as a provider plugin and connects to it over gRPC with
// mutual TLS (see tls.go). The client is managed: plugin.CleanupClients kills
// it, and the host calls that on every way out. Tokens in the environment are
// not passed on: the provider gets credentials only through Configure.
func Launch(cmd *exec.Cmd, logger hclog.Logger) (*Process, error) {
	// go-plugin would append the whole host environment; the provider gets it
	// without tokens instead, so credentials arrive only through Configure.
	if cmd.Env == nil {
		cmd.Env = withoutSecrets(os.Environ())
	}
	cfg := &plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          plugin.PluginSet{pluginName: &GRPCPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Managed:          true,
		SkipHostEnv:      true,
		Logger:           logger,
	}
	if runtime.GOOS == "windows" {
		cfg.AutoMTLS = true // os/exec passes no ExtraFiles on Windows
	} else {
		logger.Debug("making the provider's TLS key")
		tlsCfg, pipe, err := hostTLS(cmd)
		if err != nil {
			return nil, err
		}
		defer pipe.Close() // the provider has its own copy once started
		cfg.TLSConfig = tlsCfg
	}
	client := plugin.NewClient(cfg)
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("starting provider %s: %w", cmd.Path, err)
	}
	raw, err := rpc.Dispense(pluginName)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("connecting to provider %s: %w", cmd.Path, err)
	}
	return &Process{Provider: raw.(Provider), client: client, cmd: cmd}, nil
}

// CheckAuth asks the provider what its API makes of the credentials it was
// configured with (see AuthChecker).
func (p *Process) CheckAuth(ctx context.Context) (AuthStatus, error) {
	return p.Provider.(AuthChecker).CheckAuth(ctx)
}

// Exited reports whether the plugin process has ended.
func (p *Process) Exited() bool { return p.client.Exited() }

// killGrace is how long a plugin process has to end when asked, before it
// is killed outright. A provider ends in milliseconds; one that does not is
// stopped (SIGSTOP) or wedged.
const killGrace = 750 * time.Millisecond

// Kill ends the plugin process and waits for it, for a bounded time.
// go-plugin's Client.Kill asks the plugin to shut down and waits for the
// answer without a deadline, so a frozen plugin would hold the host for
// ever: after killGrace the process is killed, which ends that wait.
func (p *Process) Kill() {
	done := make(chan struct{})
	go func() {
		p.client.Kill()
		close(done)
	}()
	select {
	case <-done:
		return
	case <-time.After(killGrace):
	}
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill() // one already gone is fine
	}
	select {
	case <-done:
	case <-time.After(killGrace):
	}
}

// CleanupClients kills every plugin process the host started.
func CleanupClients() { plugin.CleanupClients() }

func withoutSecrets(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "PKGQL_SERVE_PASSWORD":
			continue
		}
		out = append(out, kv)
	}
	return out
}
