package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"
	"golang.org/x/sys/unix"
)

// writeReport writes the measurements: the machine, a table per size, cold
// start, and the targets.
func writeReport(w io.Writer, cfg config, b binaries, tools []tool, results []sizeResult, cold coldReport) error {
	render, heading := func(t table.Writer) string { return t.Render() }, ""
	if cfg.out == "markdown" {
		render, heading = func(t table.Writer) string { return t.RenderMarkdown() }, "### "
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%spkgql benchmark, %s\n\n", heading, time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&sb, "- machine: %s\n", machine())
	fmt.Fprintf(&sb, "- pkgql: %s (%.1f MiB), built with %s\n", b.pkgql, float64(cold.binary)/(1<<20), runtime.Version())
	fmt.Fprintf(&sb, "- server: the sandbox over HTTP on 127.0.0.1, %s latency per response; wall time is the median of %d runs, peak RSS from one more run\n\n",
		cfg.latency, cfg.runs)

	for _, r := range results {
		fmt.Fprintf(&sb, "%s%d %s packages (%d of %s; %d packages in all)\n\n", heading, r.d.n, listType, r.d.counts[groupOther], groupOther, r.d.packages)
		sb.WriteString(render(sizeTable(tools, r)) + "\n\n")
	}
	fmt.Fprintf(&sb, "%sCold start: `pkgql exec` of a get by name, server without latency\n\n", heading)
	sb.WriteString(render(coldTable(cold)) + "\n\n")
	fmt.Fprintf(&sb, "%sTargets\n\n", heading)
	sb.WriteString(render(targetTable(cfg, tools, results, cold)) + "\n")
	_, err := io.WriteString(w, sb.String())
	return err
}

func sizeTable(tools []tool, r sizeResult) table.Writer {
	all := func(f func(tool) string) string {
		parts := make([]string, len(tools))
		for i, tl := range tools {
			parts[i] = f(tl)
		}
		return strings.Join(parts, " / ")
	}
	t := table.NewWriter()
	header := table.Row{"query", "min req", "requests " + all(short)}
	for _, tl := range tools {
		header = append(header, "wall "+short(tl))
	}
	header = append(header, "pager ÷ "+short(tools[toolDefault]), "CPU "+all(short))
	for _, tl := range tools {
		header = append(header, "peak RSS "+short(tl))
	}
	header = append(header, "max in flight "+all(short))
	t.AppendHeader(header)
	for qi, q := range r.queries {
		cells := r.cells[qi]
		each := func(f func(tool, cell) string) string {
			parts := make([]string, len(cells))
			for i, c := range cells {
				parts[i] = f(tools[i], c)
			}
			return strings.Join(parts, " / ")
		}
		row := table.Row{q.name, q.min, each(func(_ tool, c cell) string { return requestsText(c.requests, q.min) })}
		for _, c := range cells {
			row = append(row, fmtDur(median(c.walls)))
		}
		row = append(row, fmt.Sprintf("%.1fx", ratio(median(cells[toolPager].walls), median(cells[toolDefault].walls))),
			each(func(_ tool, c cell) string { return fmtDur(median(c.cpus)) }))
		for i, c := range cells {
			if tools[i].concurrency == 0 {
				row = append(row, fmtMiB(c.rss))
			} else {
				row = append(row, fmtMiB(c.rss)+" + "+fmtMiB(c.providerRSS))
			}
		}
		row = append(row, each(func(_ tool, c cell) string { return fmt.Sprint(c.maxInFlight) }))
		t.AppendRow(row)
	}
	return t
}

// short is a tool's name in a column header.
func short(t tool) string {
	if t.concurrency == 0 {
		return "pager"
	}
	return fmt.Sprintf("c%d", t.concurrency)
}

// requestsText is a cell's request count, marked ✓ when every run made the
// fewest possible; a count that varied between runs shows its range.
func requestsText(rs []int, min int) string {
	lo, hi := slices.Min(rs), slices.Max(rs)
	s := fmt.Sprint(lo)
	if hi != lo {
		s = fmt.Sprintf("%d–%d", lo, hi)
	}
	if lo == min && hi == min {
		return s + " ✓"
	}
	return s + " ✗"
}

func coldTable(c coldReport) table.Writer {
	t := table.NewWriter()
	t.AppendHeader(table.Row{"", "median"})
	t.AppendRow(table.Row{fmt.Sprintf("whole run, %d runs (%d request)", c.runs, c.requests), fmtDur(c.wall)})
	t.AppendRow(table.Row{fmt.Sprintf("whole run with --debug, %d runs", c.runs), fmtDur(c.debugWall)})
	for i, ev := range coldEvents {
		t.AppendRow(table.Row{"  " + ev.phase, fmtDur(c.phases[i])})
	}
	t.AppendRow(table.Row{"  " + coldExitPhase, fmtDur(c.phases[len(coldEvents)])})
	return t
}

func targetTable(cfg config, tools []tool, results []sizeResult, cold coldReport) table.Writer {
	t := table.NewWriter()
	t.AppendHeader(table.Row{"target", "measured", "met"})
	check := func(ok bool) string {
		if ok {
			return "✓"
		}
		return "✗"
	}

	cases, exact := 0, 0
	var misses []string
	for _, r := range results {
		for qi, q := range r.queries {
			for i, c := range r.cells[qi] {
				if tools[i].concurrency == 0 {
					continue
				}
				cases++
				if slices.Min(c.requests) == q.min && slices.Max(c.requests) == q.min {
					exact++
				} else {
					misses = append(misses, fmt.Sprintf("%d/%s/%s", r.d.n, q.name, short(tools[i])))
				}
			}
		}
	}
	measured := fmt.Sprintf("%d of %d", exact, cases)
	if len(misses) > 0 {
		measured += "; not: " + strings.Join(misses, ", ")
	}
	t.AppendRow(table.Row{"requests = the minimum, every query, size and concurrency", measured, check(exact == cases)})

	if r, ok := resultFor(results, 5000); ok {
		ours, pager := median(r.cells[queryListing][toolDefault].walls), median(r.cells[queryListing][toolPager].walls)
		x := ratio(pager, ours)
		t.AppendRow(table.Row{fmt.Sprintf("5,000-package listing, %s latency: ≥ 5x faster than the pager at %s", cfg.latency, short(tools[toolDefault])),
			fmt.Sprintf("%.1fx (%s vs %s)", x, fmtDur(ours), fmtDur(pager)), check(x >= 5)})
	}
	if r, ok := resultFor(results, results[0].d.n); ok {
		ours, pager := median(r.cells[queryJoin][toolDefault].walls), median(r.cells[queryJoin][toolPager].walls)
		x := ratio(pager, ours)
		t.AppendRow(table.Row{fmt.Sprintf("JOIN of %d packages to their versions, %s latency: ≥ 6x faster than the pager at %s", r.d.joinCount, cfg.latency, short(tools[toolDefault])),
			fmt.Sprintf("%.1fx (%s vs %s)", x, fmtDur(ours), fmtDur(pager)), check(x >= 6)})
	}
	t.AppendRow(table.Row{"cold start under 50 ms median", fmtDur(cold.wall), check(cold.wall < 50*time.Millisecond)})
	big, ok1 := resultFor(results, 100_000)
	small, ok2 := resultFor(results, 10_000)
	if ok1 && ok2 {
		for _, i := range []int{toolC1, toolDefault} {
			tl := tools[i]
			b, s := big.cells[queryFiltered][i], small.cells[queryFiltered][i]
			x := float64(b.rss+b.providerRSS) / float64(s.rss+s.providerRSS)
			t.AppendRow(table.Row{fmt.Sprintf("filtered listing, host + provider peak RSS at 100k ≤ 1.3x of 10k (%s)", short(tl)),
				fmt.Sprintf("%.2fx (%s vs %s)", x, fmtMiB(b.rss+b.providerRSS), fmtMiB(s.rss+s.providerRSS)), check(x <= 1.3)})
		}
	}
	return t
}

func resultFor(results []sizeResult, n int) (sizeResult, bool) {
	for _, r := range results {
		if r.d.n == n {
			return r, true
		}
	}
	return sizeResult{}, false
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func fmtDur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func fmtMiB(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

// machine describes the computer: CPU model, cores, memory, kernel.
func machine() string {
	model, mem := "unknown CPU", ""
	for _, f := range []struct {
		path, key string
		dst       *string
	}{{"/proc/cpuinfo", "model name", &model}, {"/proc/meminfo", "MemTotal", &mem}} {
		file, err := os.Open(f.path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == f.key {
				*f.dst = strings.TrimSpace(v)
				break
			}
		}
		file.Close()
	}
	var kib int64
	fmt.Sscanf(mem, "%d kB", &kib)
	var uts unix.Utsname
	kernel := ""
	if unix.Uname(&uts) == nil {
		kernel = ", Linux " + unix.ByteSliceToString(uts.Release[:])
	}
	return fmt.Sprintf("%s, %d cores, %.0f GiB%s", model, runtime.NumCPU(), float64(kib)/(1<<20), kernel)
}
