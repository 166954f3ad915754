// Package host is what the pkgql command line runs statements with, apart
// from its commands: it starts the provider processes (the bundled provider
// and the plugin directory's), keeps them running for a server, finds the
// connection settings each one declares, and runs statements over them (a
// Runner).
package host

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

// BundledProvider is the provider the pkgql executable serves itself,
// through its hidden `provider github` command.
const BundledProvider = "github"

// pluginPrefix names provider plugin binaries: pkgql-provider-NAME.
const pluginPrefix = "pkgql-provider-"

// Launcher starts provider processes.
type Launcher struct {
	// ProviderPath replaces the bundled provider (--provider-path).
	ProviderPath string
	// Executable serves the bundled provider; empty means this process's own.
	Executable string
	Getenv     func(string) string
	Logger     hclog.Logger
	// Debug relays go-plugin's log and the provider's.
	Debug bool
}

// Spec says how to start one provider process: a plugin binary, or the
// pkgql executable serving its bundled provider.
type Spec struct {
	name string // the provider it should declare
	path string
	args []string
}

// Running is a provider process and what it declared.
type Running struct {
	Name    string
	Spec    Spec
	Process *provider.Process
	Schema  *schema.Provider
	// Settings and Config are what the process was configured with.
	Settings Settings
	Config   provider.Config
	// sup restarts the process when it dies; nil outside serve.
	sup *Supervisor
	// Started is from the process's start to its handshake; SchemaTime is
	// the GetSchema call after it.
	Started, SchemaTime time.Duration
}

// specs lists the providers to start: the bundled GitHub provider (this
// executable, or --provider-path), then every pkgql-provider-NAME in the
// plugin directory, which may also replace the bundled one.
func (l *Launcher) specs() ([]Spec, error) {
	bundled := Spec{name: BundledProvider, args: []string{"provider", BundledProvider}}
	if l.ProviderPath != "" {
		path, err := exec.LookPath(l.ProviderPath)
		if err != nil {
			return nil, UsageError{fmt.Errorf("--provider-path: %w", err)}
		}
		bundled = Spec{name: BundledProvider, path: path}
		if name, ok := strings.CutPrefix(filepath.Base(path), pluginPrefix); ok {
			bundled.name = name
		}
	} else {
		self, err := os.Executable()
		if l.Executable != "" {
			self, err = l.Executable, nil
		}
		if err != nil {
			return nil, fmt.Errorf("finding pkgql's own executable to start the %s provider: %w", BundledProvider, err)
		}
		bundled.path = self
	}
	list := []Spec{bundled}
	dir, err := pluginDir(l.Getenv)
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
		p := Spec{name: name, path: filepath.Join(dir, e.Name())}
		i := slices.IndexFunc(list, func(q Spec) bool { return q.name == name })
		switch {
		case i < 0:
			list = append(list, p)
		case i == 0 && l.ProviderPath != "":
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
	home, err := HomeDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".pkgql", "plugins"), nil
}

// Start starts every plugin at once and reads each one's schema.
// On error the processes already started are ended.
func (l *Launcher) Start(ctx context.Context) ([]*Running, error) {
	list, err := l.specs()
	if err != nil {
		return nil, err
	}
	running := make([]*Running, len(list))
	g, gctx := errgroup.WithContext(ctx)
	for i, p := range list {
		g.Go(func() error {
			rp, err := l.start(gctx, p)
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
				rp.Process.Kill()
			}
		}
		return nil, err
	}
	return running, nil
}

func (l *Launcher) start(ctx context.Context, p Spec) (*Running, error) {
	begin := time.Now()
	cmd := exec.Command(p.path, p.args...)
	// go-plugin's own log (and the provider's, which it relays) is for
	// --debug: a provider that fails is reported in our words.
	logger := hclog.NewNullLogger()
	if l.Debug {
		logger = l.Logger.Named("provider").With("provider", p.name)
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
	rp := &Running{Name: s.Name, Spec: p, Process: proc, Schema: s, Started: started, SchemaTime: time.Since(begin) - started}
	l.Logger.Debug("provider ready", "provider", s.Name, "path", p.path,
		"start_and_handshake", rp.Started.Round(time.Microsecond), "schema", rp.SchemaTime.Round(time.Microsecond))
	// A plugin binary's name says which provider it is.
	if p.name != s.Name && strings.HasPrefix(filepath.Base(p.path), pluginPrefix) {
		return rp, fmt.Errorf("plugin %s declares the provider %q, not %q", p.path, s.Name, p.name)
	}
	return rp, nil
}

// checkNames refuses two processes that declare the same provider.
func checkNames(running []*Running) error {
	seen := map[string]bool{}
	for _, rp := range running {
		if seen[rp.Name] {
			return fmt.Errorf("two provider plugins declare the provider %q: remove one from the plugin directory", rp.Name)
		}
		seen[rp.Name] = true
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

// KillAll ends every provider process this process started, at once, without the graceful
// shutdown (which may wait two seconds for a busy provider).
func KillAll() {
	launched.Lock()
	defer launched.Unlock()
	for _, p := range launched.procs {
		_ = p.Kill() // one already gone is fine
	}
}

// Exited names a provider whose process has ended, after a call
// failed in a way a dead process would explain. The process's end is noticed
// a moment after its connection breaks, hence the short wait.
func Exited(running []*Running, err error) (string, bool) {
	pe, ok := provider.AsError(err)
	if !ok || pe.HTTPStatus != 0 || (pe.Kind != provider.KindUnavailable && pe.Kind != provider.KindInternal) {
		return "", false
	}
	deadline := time.Now().Add(500 * time.Millisecond)
	for {
		for _, rp := range running {
			if rp.Current().Exited() {
				return rp.Name, true
			}
		}
		if time.Now().After(deadline) {
			return "", false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// current is the provider's process now: a restarted one replaces the first.
func (rp *Running) Current() *provider.Process {
	if rp.sup != nil {
		return rp.sup.process()
	}
	return rp.Process
}

// The restart bound: a provider that keeps dying is left dead, and every
// statement says so, rather than being started again and again.
const (
	MaxRestarts   = 5
	RestartWindow = 10 * time.Minute
)

// Supervisor keeps a provider running for a long-lived server: a process
// that has died is started again, with the same configuration, when the next
// call needs it. The call that met the death has already reported it; the
// restart is logged once.
type Supervisor struct {
	l   *Launcher
	rp  *Running
	cfg provider.Config

	mu       sync.Mutex
	proc     *provider.Process
	restarts []time.Time // within RestartWindow
	gaveUp   error
}

var _ provider.Provider = (*Supervisor)(nil)

// Supervise makes rp's process one that is started again, with cfg, when it
// has died and a call needs it.
func (l *Launcher) Supervise(rp *Running, cfg provider.Config) *Supervisor {
	sup := &Supervisor{l: l, rp: rp, cfg: cfg, proc: rp.Process}
	rp.sup = sup
	return sup
}

func (s *Supervisor) process() *provider.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

// live returns a running process, starting one if the last has died.
func (s *Supervisor) live(ctx context.Context) (*provider.Process, error) {
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
		if now.Sub(t) < RestartWindow {
			recent = append(recent, t)
		}
	}
	s.restarts = recent
	if len(s.restarts) >= MaxRestarts {
		s.gaveUp = &provider.Error{Kind: provider.KindUnavailable,
			Message: fmt.Sprintf("provider %s exited %d times within %s and is not started again", s.rp.Name, MaxRestarts+1, RestartWindow),
			Hint:    "restart pkgql serve; --debug shows the provider's last log lines"}
		s.l.Logger.Error("provider keeps exiting; not restarting it", "provider", s.rp.Name)
		return nil, s.gaveUp
	}
	s.restarts = append(s.restarts, now)
	rp, err := s.l.start(ctx, s.rp.Spec)
	if err == nil {
		if err = rp.Process.Configure(ctx, s.cfg); err != nil {
			rp.Process.Kill()
		}
	}
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindUnavailable,
			Message: fmt.Sprintf("provider %s exited and could not be started again: %v", s.rp.Name, err),
			Hint:    "the next statement tries again"}
	}
	s.l.Logger.Warn("provider exited; started it again", "provider", s.rp.Name, "restarts", len(s.restarts))
	s.proc = rp.Process
	return s.proc, nil
}

func (s *Supervisor) Schema(context.Context) (*schema.Provider, error) { return s.rp.Schema, nil }

func (s *Supervisor) Configure(ctx context.Context, cfg provider.Config) error {
	p, err := s.live(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.cfg = cfg
	s.mu.Unlock()
	return p.Configure(ctx, cfg)
}

func (s *Supervisor) Call(ctx context.Context, req provider.Request, emit func(provider.Batch) error) (provider.Result, error) {
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

// Provider is what the engine calls for rp: its supervisor, which starts
// the process again if it died, or the process.
func (rp *Running) Provider() provider.Provider {
	if rp.sup != nil {
		return rp.sup
	}
	return rp.Process
}

// UsageError is a mistake in how pkgql was called: exit status 2.
type UsageError struct{ Err error }

func (u UsageError) Error() string { return u.Err.Error() }
func (u UsageError) Unwrap() error { return u.Err }
