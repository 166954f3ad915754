package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// Cold start is one `pkgql exec` of a get by name against a server without
// latency: host start, provider start and handshake, schema, one GET, output,
// shutdown. Its phases come from --debug runs, whose log lines carry
// timestamps (to the millisecond) for the steps go-plugin and pkgql take;
// --debug costs time of its own, so the headline figure is from plain runs.

const coldSQL = "SELECT id, name FROM github.packages.user_packages WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'"

// coldEvents are the log lines that end each phase, in order, and whether
// the time is the provider's own (its lines carry a timestamp= field; the
// host's leading timestamp is when the host relayed them).
var coldEvents = []struct {
	phase, marker string
	provider      bool
}{
	{"host: process start, init, flags, token", "making the provider's TLS key", false},
	{"host: TLS key (P-256) and certificate", "starting plugin:", false},
	{"provider: fork/exec, runtime and package init, TLS key read", "mutual TLS with the host's key", true},
	{"provider: listen", "plugin address:", true},
	{"host: handshake line read", "using plugin:", false},
	{"host: gRPC dial, TLS handshake, GetSchema", "provider ready:", false},
	{"statement: Configure, plan, one GET, output", "statement done:", false},
}

const coldExitPhase = "shutdown: provider stop, exit"

// coldReport is the cold-start measurement.
type coldReport struct {
	runs      int
	requests  int
	wall      time.Duration // median of plain runs
	debugWall time.Duration // median of --debug runs
	phases    []time.Duration
	binary    int64 // bytes
}

func coldStart(b binaries, runs int) (coldReport, error) {
	srv, err := startServer(sandbox.Options{})
	if err != nil {
		return coldReport{}, err
	}
	defer srv.Close()
	want := []byte(`[{"id":1,"name":"hello"}]`)
	r := coldReport{runs: runs, phases: make([]time.Duration, len(coldEvents)+1)}
	if fi, err := os.Stat(b.pkgql); err == nil {
		r.binary = fi.Size()
	}

	var plain, debug []time.Duration
	phases := make([][]time.Duration, len(coldEvents)+1)
	for i := 0; i <= runs; i++ { // run 0 warms the page cache
		s, err := b.measure(srv, b.pkgqlCmd(srv.URL, 8, "", coldSQL), "")
		if err == nil {
			err = sameAnswer(s.out, want)
		}
		if err != nil {
			return r, err
		}
		r.requests = max(r.requests, s.requests)
		if i > 0 {
			plain = append(plain, s.wall)
		}
	}
	progress("cold start: %s median of %d runs", fmtDur(median(plain)), runs)
	for range runs {
		s, err := b.measure(srv, b.pkgqlCmd(srv.URL, 8, "", "--debug", coldSQL), "")
		if err != nil {
			return r, err
		}
		ps, err := coldPhases(string(s.stderr), s.start, s.start.Add(s.wall))
		if err != nil {
			return r, err
		}
		for i, p := range ps {
			phases[i] = append(phases[i], p)
		}
		debug = append(debug, s.wall)
	}
	r.wall, r.debugWall = median(plain), median(debug)
	for i := range phases {
		r.phases[i] = median(phases[i])
	}
	return r, nil
}

// coldPhases splits a --debug run from start to end at the coldEvents.
func coldPhases(log string, start, end time.Time) ([]time.Duration, error) {
	lines := strings.Split(log, "\n")
	prev := start
	var out []time.Duration
	for _, ev := range coldEvents {
		at, ok := time.Time{}, false
		for _, line := range lines {
			if strings.Contains(line, ev.marker) {
				at, ok = logTime(line, ev.provider)
				break
			}
		}
		if !ok {
			return nil, fmt.Errorf("no timestamped %q line in the --debug log:\n%s", ev.marker, lastLines(log, 30))
		}
		out = append(out, at.Sub(prev))
		prev = at
	}
	return append(out, end.Sub(prev)), nil
}

// hclogTime is hclog's timestamp layout.
const hclogTime = "2006-01-02T15:04:05.000Z0700"

// logTime reads a log line's time: its leading timestamp, or with provider
// set the timestamp= field the provider wrote.
func logTime(line string, provider bool) (time.Time, bool) {
	field := line
	if provider {
		_, after, ok := strings.Cut(line, "timestamp=")
		if !ok {
			return time.Time{}, false
		}
		field = after
	}
	field, _, _ = strings.Cut(field, " ")
	t, err := time.Parse(hclogTime, field)
	return t, err == nil
}
