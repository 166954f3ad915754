package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/errgroup"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// bundledProvider is the provider this executable serves itself, through the
// hidden `provider github` command.
const bundledProvider = "github"

// pluginPrefix names provider plugin binaries: pkgql-provider-NAME.
const pluginPrefix = "pkgql-provider-"

// plugin says how to start one provider process.
type launchSpec struct {
	name string // the provider it should declare
	path string
	args []string
}

// runningProvider is a provider process and what it declared.
type runningProvider struct {
	name    string
	spec    launchSpec
	process *provider.Process
	schema  *schema.Provider
	// settings and config are what the process was configured with.
	settings settings
	config   provider.Config
	// sup restarts the process when it dies; nil outside serve.
	sup *supervisor
	// started is from the process's start to its handshake; schemaTime is
	// the GetSchema call after it.
	started, schemaTime time.Duration
}

// launchSpecs lists the providers to start: the bundled GitHub provider (this
// executable, or --provider-path), then every pkgql-provider-NAME in the
// plugin directory, which may also replace the bundled one.
func (a *app) launchSpecs() ([]launchSpec, error) {
	bundled := launchSpec{name: bundledProvider, args: []string{"provider", bundledProvider}}
	if a.opts.providerPath != "" {
		path, err := exec.LookPath(a.opts.providerPath)
		if err != nil {
			return nil, usageError{fmt.Errorf("--provider-path: %w", err)}
		}
		bundled = launchSpec{name: bundledProvider, path: path}
		if name, ok := strings.CutPrefix(filepath.Base(path), pluginPrefix); ok {
			bundled.name = name
		}
	} else {
		self, err := os.Executable()
		if a.env.executable != "" {
			self, err = a.env.executable, nil
		}
		if err != nil {
			return nil, fmt.Errorf("finding pkgql's own executable to start the %s provider: %w", bundledProvider, err)
		}
		bundled.path = self
	}
	list := []launchSpec{bundled}
	dir, err := pluginDir(a.env.getenv)
	if err != nil {
		return list, nil // no home directory: no plugin directory
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return list, nil
		}
		return nil, fmt.Errorf("reading the plugin directory: %w", err)
	}
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), pluginPrefix)
		if !ok || name == "" {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
			continue
		}
		p := launchSpec{name: name, path: filepath.Join(dir, e.Name())}
		i := slices.IndexFunc(list, func(q launchSpec) bool { return q.name == name })
		switch {
		case i < 0:
			list = append(list, p)
		case i == 0 && a.opts.providerPath != "":
			// --provider-path was asked for by name on this run: it wins.
		default:
			list[i] = p
		}
	}
	return list, nil
}

// pluginDir is $PKGQL_PLUGIN_DIR, else ~/.pkgql/plugins.
func pluginDir(getenv func(string) string) (string, error) {
	if dir := getenv("PKGQL_PLUGIN_DIR"); dir != "" {
		return dir, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".pkgql", "plugins"), nil
}

// startProviders starts every plugin at once and reads each one's schema.
// On error the processes already started are ended.
func (a *app) startProviders(ctx context.Context) ([]*runningProvider, error) {
	list, err := a.launchSpecs()
	if err != nil {
		return nil, err
	}
	running := make([]*runningProvider, len(list))
	g, gctx := errgroup.WithContext(ctx)
	for i, p := range list {
		g.Go(func() error {
			rp, err := a.startProvider(gctx, p)
			running[i] = rp
			return err
		})
	}
	err = g.Wait()
	if err == nil {
		err = checkNames(running)
	}
	if err != nil {
		for _, rp := range running {
			if rp != nil {
				rp.process.Kill()
			}
		}
		return nil, err
	}
	return running, nil
}

func (a *app) startProvider(ctx context.Context, p launchSpec) (*runningProvider, error) {
	begin := time.Now()
	cmd := exec.Command(p.path, p.args...)
	// go-plugin's own log (and the provider's, which it relays) is for
	// --debug: a provider that fails is reported in our words.
	logger := hclog.NewNullLogger()
	if a.opts.debug {
		logger = a.logger.Named("provider").With("provider", p.name)
	}
	proc, err := provider.Launch(cmd, logger)
	if err != nil {
		return nil, fmt.Errorf("provider %s could not start: %w", p.name, err)
	}
	remember(cmd.Process)
	started := time.Since(begin)
	s, err := proc.Schema(ctx)
	if err == nil {
		err = s.Validate()
	}
	if err != nil {
		proc.Kill()
		return nil, fmt.Errorf("provider %s (%s) did not declare a usable schema: %w", p.name, p.path, err)
	}
	rp := &runningProvider{name: s.Name, spec: p, process: proc, schema: s, started: started, schemaTime: time.Since(begin) - started}
	a.logger.Debug("provider ready", "provider", s.Name, "path", p.path,
		"start_and_handshake", rp.started.Round(time.Microsecond), "schema", rp.schemaTime.Round(time.Microsecond))
	// A plugin binary's name says which provider it is.
	if p.name != s.Name && strings.HasPrefix(filepath.Base(p.path), pluginPrefix) {
		return rp, fmt.Errorf("plugin %s declares the provider %q, not %q", p.path, s.Name, p.name)
	}
	return rp, nil
}

// checkNames refuses two processes that declare the same provider.
func checkNames(running []*runningProvider) error {
	seen := map[string]bool{}
	for _, rp := range running {
		if seen[rp.name] {
			return fmt.Errorf("two provider plugins declare the provider %q: remove one from the plugin directory", rp.name)
		}
		seen[rp.name] = true
	}
	return nil
}

// launched are the provider processes this process started, for the last
// resort of an interrupt that the normal way out does not finish in time.
var launched struct {
	sync.Mutex
	procs []*os.Process
}

func remember(p *os.Process) {
	if p == nil {
		return
	}
	launched.Lock()
	defer launched.Unlock()
	launched.procs = append(launched.procs, p)
}

// killProviders ends every provider process at once, without the graceful
// shutdown (which may wait two seconds for a busy provider).
func killProviders() {
	launched.Lock()
	defer launched.Unlock()
	for _, p := range launched.procs {
		_ = p.Kill() // one already gone is fine
	}
}

// exitedProvider names a provider whose process has ended, after a call
// failed in a way a dead process would explain. The process's end is noticed
// a moment after its connection breaks, hence the short wait.
func exitedProvider(running []*runningProvider, err error) (string, bool) {
	pe, ok := provider.AsError(err)
	if !ok || pe.HTTPStatus != 0 || (pe.Kind != provider.KindUnavailable && pe.Kind != provider.KindInternal) {
		return "", false
	}
	deadline := time.Now().Add(500 * time.Millisecond)
	for {
		for _, rp := range running {
			if rp.current().Exited() {
				return rp.name, true
			}
		}
		if time.Now().After(deadline) {
			return "", false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// current is the provider's process now: a restarted one replaces the first.
func (rp *runningProvider) current() *provider.Process {
	if rp.sup != nil {
		return rp.sup.process()
	}
	return rp.process
}

// The restart bound: a provider that keeps dying is left dead, and every
// statement says so, rather than being started again and again.
const (
	maxRestarts   = 5
	restartWindow = 10 * time.Minute
)

// supervisor keeps a provider running for a long-lived server: a process
// that has died is started again, with the same configuration, when the next
// call needs it. The call that met the death has already reported it; the
// restart is logged once.
type supervisor struct {
	a   *app
	rp  *runningProvider
	cfg provider.Config

	mu       sync.Mutex
	proc     *provider.Process
	restarts []time.Time // within restartWindow
	gaveUp   error
}

var _ provider.Provider = (*supervisor)(nil)

func (a *app) supervise(rp *runningProvider, cfg provider.Config) *supervisor {
	sup := &supervisor{a: a, rp: rp, cfg: cfg, proc: rp.process}
	rp.sup = sup
	return sup
}

func (s *supervisor) process() *provider.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

// live returns a running process, starting one if the last has died.
func (s *supervisor) live(ctx context.Context) (*provider.Process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.proc.Exited() {
		return s.proc, nil
	}
	if s.gaveUp != nil {
		return nil, s.gaveUp
	}
	now := time.Now()
	recent := s.restarts[:0]
	for _, t := range s.restarts {
		if now.Sub(t) < restartWindow {
			recent = append(recent, t)
		}
	}
	s.restarts = recent
	if len(s.restarts) >= maxRestarts {
		s.gaveUp = &provider.Error{Kind: provider.KindUnavailable,
			Message: fmt.Sprintf("provider %s exited %d times within %s and is not started again", s.rp.name, maxRestarts+1, restartWindow),
			Hint:    "restart pkgql serve; --debug shows the provider's last log lines"}
		s.a.logger.Error("provider keeps exiting; not restarting it", "provider", s.rp.name)
		return nil, s.gaveUp
	}
	s.restarts = append(s.restarts, now)
	rp, err := s.a.startProvider(ctx, s.rp.spec)
	if err == nil {
		if err = rp.process.Configure(ctx, s.cfg); err != nil {
			rp.process.Kill()
		}
	}
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindUnavailable,
			Message: fmt.Sprintf("provider %s exited and could not be started again: %v", s.rp.name, err),
			Hint:    "the next statement tries again"}
	}
	s.a.logger.Warn("provider exited; started it again", "provider", s.rp.name, "restarts", len(s.restarts))
	s.proc = rp.process
	return s.proc, nil
}

func (s *supervisor) Schema(context.Context) (*schema.Provider, error) { return s.rp.schema, nil }

func (s *supervisor) Configure(ctx context.Context, cfg provider.Config) error {
	p, err := s.live(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.cfg = cfg
	s.mu.Unlock()
	return p.Configure(ctx, cfg)
}

func (s *supervisor) Call(ctx context.Context, req provider.Request, emit func(provider.Batch) error) (provider.Result, error) {
	p, err := s.live(ctx)
	if err != nil {
		return provider.Result{}, err
	}
	res, err := p.Call(ctx, req, emit)
	if err != nil && ctx.Err() == nil {
		// A process that died breaks its connection (an error no API gave)
		// a moment before it is seen to have exited: wait for that, so that
		// the next call starts a new one instead of meeting the dead one.
		if pe, ok := provider.AsError(err); ok && pe.Kind == provider.KindUnavailable && pe.API == "" {
			deadline := time.Now().Add(time.Second)
			for !p.Exited() && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	return res, err
}
