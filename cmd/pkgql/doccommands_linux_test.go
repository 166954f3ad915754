package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The pages whose commands TestDocCommands runs: every hand-written page.
// docs/reference is generated (TestDocs runs its statements) and
// docs/architecture.md shows no commands.
var docPages = []string{
	"../../README.md",
	"../../docs/README.md",
	"../../docs/getting-started.md",
	"../../docs/cookbook.md",
	"../../docs/dialect.md",
	"../../docs/shell.md",
	"../../docs/postgres-clients.md",
	"../../docs/performance.md",
	"../../docs/rate-limits.md",
}

// docColumns is the width of the terminal the pages' commands ran in.
const docColumns = 120

// TestDocCommands runs every command the pages show in a ```console block
// and compares what a terminal shows afterwards with the page, so that a
// reader who types them gets what the page says. The rules, which
// docs/README.md states for the writers:
//
//   - A block's `$ ` lines are commands, run by bash in a terminal 120
//     columns wide (stdout and stderr both); a command goes on over the next
//     lines while a quote is open, a line ends in `\` or `|`, or a here
//     document has not ended. The lines up to the next `$ ` are its output.
//   - The blocks of a page run in order in one directory with one
//     environment: `export` carries over, as does `$?`, and a fenced block
//     after `<!-- file: NAME -->` is written to NAME there. State and cache
//     directories are the page's own.
//   - `pkgql sandbox` and `pkgql serve` keep running until the page ends; they
//     listen on a free port, which the commands and outputs read as the port
//     the page names.
//   - An output line `…` stands for any lines; a line ending in `…` for any
//     line that begins with the rest. Trailing blanks are not compared.
//   - `<!-- not run: REASON -->` before a block leaves it out; ```text blocks
//     are illustrations (keys typed in the shell) and are not run.
//
// go test -run TestDocCommands -update rewrites the outputs that differ.
func TestDocCommands(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash to run the pages' commands")
	}
	for _, path := range docPages {
		t.Run(strings.TrimPrefix(path, "../../"), func(t *testing.T) {
			t.Parallel()
			page, err := parseDocPage(path)
			if err != nil {
				t.Fatal(err)
			}
			runDocPage(t, page)
		})
	}
}

// docPage is one Markdown page: its lines and its fenced blocks.
type docPage struct {
	path   string
	lines  []string
	blocks []docBlock
}

type docBlock struct {
	line     int // 1-based line of the opening fence
	lang     string
	body     []string
	file     string // from <!-- file: NAME -->
	notRun   string // from <!-- not run: REASON -->
	commands []docCommand
}

// docCommand is one `$ ` command of a console block and the output shown.
type docCommand struct {
	line       int    // 1-based line of the `$ `
	text       string // the command, its continuation lines and here documents
	want       []string
	outputFrom int // 0-based index in docPage.lines of the first output line
}

var (
	fileMarker   = regexp.MustCompile(`^<!-- file: (\S+) -->$`)
	notRunMarker = regexp.MustCompile(`^<!-- not run: (.+) -->$`)
)

func parseDocPage(path string) (*docPage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p := &docPage{path: path, lines: strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")}
	for i := 0; i < len(p.lines); i++ {
		lang, ok := strings.CutPrefix(p.lines[i], "```")
		if !ok {
			continue
		}
		blk := docBlock{line: i + 1, lang: lang}
		for j := i - 1; j >= 0 && j >= i-2; j-- {
			if m := fileMarker.FindStringSubmatch(p.lines[j]); m != nil {
				blk.file = m[1]
			}
			if m := notRunMarker.FindStringSubmatch(p.lines[j]); m != nil {
				blk.notRun = m[1]
			}
		}
		start := i + 1
		for i = start; i < len(p.lines) && p.lines[i] != "```"; i++ {
		}
		if i == len(p.lines) {
			return nil, fmt.Errorf("%s:%d: the block does not end", path, blk.line)
		}
		blk.body = p.lines[start:i]
		if lang == "console" {
			blk.commands, err = splitCommands(p.lines, start, i)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		p.blocks = append(p.blocks, blk)
	}
	return p, nil
}

// splitCommands reads lines[from:to], a console block, into its commands.
func splitCommands(lines []string, from, to int) ([]docCommand, error) {
	var cmds []docCommand
	for i := from; i < to; {
		text, ok := strings.CutPrefix(lines[i], "$ ")
		if !ok {
			return nil, fmt.Errorf("line %d: a console block starts with a `$ ` command", i+1)
		}
		c := docCommand{line: i + 1}
		i++
		for {
			more, heredocs := shellIncomplete(text)
			if more {
				if i == to {
					return nil, fmt.Errorf("line %d: the command does not end", c.line)
				}
				text += "\n" + lines[i]
				i++
				continue
			}
			for _, delim := range heredocs {
				for {
					if i == to {
						return nil, fmt.Errorf("line %d: the here document %s does not end", c.line, delim)
					}
					text += "\n" + lines[i]
					i++
					if strings.TrimLeft(lines[i-1], "\t") == delim {
						break
					}
				}
			}
			break
		}
		c.text, c.outputFrom = text, i
		for ; i < to && !strings.HasPrefix(lines[i], "$ "); i++ {
			c.want = append(c.want, lines[i])
		}
		cmds = append(cmds, c)
	}
	return cmds, nil
}

// shellIncomplete says whether bash would read another line to end the
// command s, and names the here documents s opens.
func shellIncomplete(s string) (more bool, heredocs []string) {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			}
		case c == '\\':
			if i == len(s)-1 {
				return true, nil
			}
			i++
		case quote == '"':
			if c == '"' {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '<' && strings.HasPrefix(s[i:], "<<") && !strings.HasPrefix(s[i:], "<<<"):
			rest := strings.TrimLeft(strings.TrimPrefix(s[i+2:], "-"), " ")
			word := rest
			if n := strings.IndexAny(rest, " ;|&)\n"); n >= 0 {
				word = rest[:n]
			}
			heredocs = append(heredocs, strings.Trim(word, `'"`))
			i += len(s[i:]) - len(rest) + len(word) - 1
		}
	}
	if quote != 0 {
		return true, nil
	}
	t := strings.TrimRight(s, " ")
	return strings.HasSuffix(t, "|") || strings.HasSuffix(t, "&&"), heredocs
}

// pageRun is the state a page's commands share.
type pageRun struct {
	t       *testing.T
	page    *docPage
	dir     string // the working directory
	envFile string // the exported environment, carried from one command to the next
	env     []string
	status  int // $? of the last command
	ports   map[string]string
	servers []*exec.Cmd
	fixed   map[int][]string // for -update: the outputs that differ, by the index of their first line
}

func runDocPage(t *testing.T, page *docPage) {
	root := t.TempDir()
	r := &pageRun{t: t, page: page, dir: filepath.Join(root, "work"), envFile: filepath.Join(root, "env"),
		ports: map[string]string{}, fixed: map[int][]string{}}
	for _, d := range []string{"work", "home", "cache", "state", "gh"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(r.envFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r.env = testEnv(
		"PATH="+filepath.Dir(pkgqlBin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+filepath.Join(root, "home"),
		"XDG_CACHE_HOME="+filepath.Join(root, "cache"),
		"XDG_STATE_HOME="+filepath.Join(root, "state"),
		"GH_CONFIG_DIR="+filepath.Join(root, "gh"), // no `gh auth token` from the machine
		"TERM=xterm", "PAGER=", "PSQL_PAGER=cat", "LC_ALL=C.UTF-8", "PSQLRC=/dev/null",
	)
	defer r.stopServers()

	var ran, skipped int
	for _, blk := range page.blocks {
		if blk.notRun != "" {
			skipped++
			t.Logf("%s:%d: not run: %s", page.path, blk.line, blk.notRun)
			continue
		}
		if blk.file != "" {
			content := strings.Join(blk.body, "\n") + "\n"
			if err := os.WriteFile(filepath.Join(r.dir, blk.file), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range blk.commands {
			r.run(c)
			ran++
		}
	}
	t.Logf("%s: %d commands run, %d blocks not run", page.path, ran, skipped)
	if *update && len(r.fixed) > 0 {
		r.rewrite()
	}
}

var serverCommand = regexp.MustCompile(`^(\w+=\S+ )*pkgql( -{1,2}[\w-]+)* (sandbox|serve)\b`)

var serverPort = regexp.MustCompile(`127\.0\.0\.1:(\d+)|\[::\]:(\d+)`)

var listenFlag = regexp.MustCompile(`--listen ([\w.:\[\]]+):(\d+)`)

func (r *pageRun) run(c docCommand) {
	r.t.Helper()
	text := r.toActual(c.text)
	var got string
	if serverCommand.MatchString(text) {
		got = r.startServer(c, text)
	} else {
		got = r.runInTerminal(c, text)
	}
	got = r.toDoc(got)
	gotLines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if got == "" {
		gotLines = nil
	}
	if matchOutput(trimRight(c.want), gotLines) {
		return
	}
	if *update {
		r.fixed[c.outputFrom] = gotLines
		r.t.Logf("%s:%d: output rewritten", r.page.path, c.line)
		return
	}
	r.t.Errorf("%s:%d: the output differs from the page (go test -run TestDocCommands -update rewrites it)\n$ %s\n--- got:\n%s\n--- the page shows:\n%s",
		r.page.path, c.line, c.text, strings.Join(gotLines, "\n"), strings.Join(c.want, "\n"))
}

// runInTerminal runs text with bash in a terminal and returns what the
// terminal shows when it is done.
func (r *pageRun) runInTerminal(c docCommand, text string) string {
	r.t.Helper()
	script := fmt.Sprintf(". %s\n(exit %d)\n%s\n__status=$?; export -p > %s; exit $__status\n",
		shellQuote(r.envFile), r.status, text, shellQuote(r.envFile))
	cmd := exec.Command("bash", "--noprofile", "--norc", "-c", script)
	cmd.Dir, cmd.Env = r.dir, r.env
	scr := newScreen(docColumns)
	if err := runInPTY(cmd, scr); err != nil {
		r.t.Fatalf("%s:%d: %v", r.page.path, c.line, err)
	}
	r.status = cmd.ProcessState.ExitCode()
	return scr.String()
}

// runInPTY runs cmd with a terminal docColumns wide as its stdin, stdout and
// stderr, and writes what cmd writes there to w.
func runInPTY(cmd *exec.Cmd, w io.Writer) error {
	controller, terminal, err := openPTY(docColumns, 50)
	if err != nil {
		return err
	}
	defer controller.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = terminal, terminal, terminal
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	err = cmd.Start()
	terminal.Close()
	if err != nil {
		return err
	}
	copied := make(chan struct{})
	go func() {
		// Reading ends with EIO once every process has closed the terminal.
		io.Copy(w, controller)
		close(copied)
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return errors.New("the command did not finish within a minute")
	}
	select {
	case <-copied:
	case <-time.After(10 * time.Second):
		return errors.New("the terminal stayed open after the command ended")
	}
	return nil
}

// TestProgressLineOnATerminal lists bigcorp's npm packages, five pages, with
// stderr a terminal: the progress line is drawn, and erased before the
// result, so the screen shows the result alone.
func TestProgressLineOnATerminal(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(pkgqlBin, "--sandbox", "exec",
		"SELECT COUNT(*) AS n FROM github.packages.packages WHERE org = 'bigcorp' AND package_type = 'npm'")
	cmd.Env = testEnv("TERM=xterm")
	var raw strings.Builder
	scr := newScreen(docColumns)
	if err := runInPTY(cmd, io.MultiWriter(&raw, scr)); err != nil {
		t.Fatal(err)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit %d: %q", code, raw.String())
	}
	if !regexp.MustCompile(`\(\d/5\) .* rows · \d+ requests · rate limit \d+ left`).MatchString(raw.String()) {
		t.Errorf("no progress line of 5 pages was drawn: %q", raw.String())
	}
	want := "+-----+\n| n   |\n+-----+\n| 404 |\n+-----+\n1 row\n"
	if got := scr.String(); got != want {
		t.Errorf("the terminal shows\n%s\nwant\n%s", got, want)
	}
}

// startServer starts a pkgql sandbox or serve command for the rest of the
// page, on a free port, and returns the lines it printed that the page shows.
func (r *pageRun) startServer(c docCommand, text string) string {
	r.t.Helper()
	docPort := ""
	if m := listenFlag.FindStringSubmatch(text); m != nil {
		docPort = m[2]
		text = strings.Replace(text, m[0], "--listen "+m[1]+":0", 1)
	} else {
		docPort = "5466" // serve's default
		text += " --listen 127.0.0.1:0"
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-c", fmt.Sprintf(". %s\nexec env %s", shellQuote(r.envFile), text))
	cmd.Dir, cmd.Env = r.dir, r.env
	out, err := cmd.StdoutPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.servers = append(r.servers, cmd)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The banner comes all at once: it has ended when a moment passed with no
	// line after the one that names the port, and the page's lines are there
	// (or 30s passed).
	var got []string
	var port []string
	timeout := time.After(30 * time.Second)
	var settled <-chan time.Time
banner:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				r.t.Fatalf("%s:%d: the server ended: %s", r.page.path, c.line, strings.Join(got, "\n"))
			}
			got = append(got, l)
			if port == nil {
				port = serverPort.FindStringSubmatch(l)
			}
			if port != nil {
				settled = time.After(300 * time.Millisecond)
			}
		case <-settled:
			if len(got) >= len(c.want) {
				break banner
			}
		case <-timeout:
			if port != nil {
				break banner
			}
			r.t.Fatalf("%s:%d: the server did not say its port within 30s: %s", r.page.path, c.line, strings.Join(got, "\n"))
		}
	}
	go func() {
		for range lines {
		}
	}()
	r.ports[docPort] = port[1] + port[2]
	return strings.Join(got, "\n") + "\n"
}

func (r *pageRun) stopServers() {
	for _, cmd := range r.servers {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
}

// toActual and toDoc translate between the ports a page names and the ports
// its servers listen on.
func (r *pageRun) toActual(s string) string { return r.swapPorts(s, false) }
func (r *pageRun) toDoc(s string) string    { return r.swapPorts(s, true) }

func (r *pageRun) swapPorts(s string, toDoc bool) string {
	for doc, actual := range r.ports {
		from, to := doc, actual
		if toDoc {
			from, to = actual, doc
		}
		re := regexp.MustCompile(`(:|-p |port=|port )` + from + `\b`)
		s = re.ReplaceAllString(s, "${1}"+to)
	}
	return s
}

// matchOutput compares a page's output with a terminal's, with the page's
// cuts: a line `…` stands for any lines, a line ending in `…` for a line that
// begins with the rest.
func matchOutput(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if want[0] == "…" {
		for skip := 0; skip <= len(got); skip++ {
			if matchOutput(want[1:], got[skip:]) {
				return true
			}
		}
		return false
	}
	if len(got) == 0 {
		return false
	}
	w := want[0]
	if prefix, cut := strings.CutSuffix(w, "…"); cut && prefix != "" {
		if !strings.HasPrefix(got[0], prefix) {
			return false
		}
	} else if got[0] != w {
		return false
	}
	return matchOutput(want[1:], got[1:])
}

func trimRight(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(l, " ")
	}
	return out
}

// rewrite writes the page with the outputs that differed replaced by what
// the terminal showed.
func (r *pageRun) rewrite() {
	var out []string
	cmds := map[int]docCommand{}
	for _, b := range r.page.blocks {
		for _, c := range b.commands {
			cmds[c.outputFrom] = c
		}
	}
	for i := 0; i < len(r.page.lines); i++ {
		got, ok := r.fixed[i]
		if !ok {
			out = append(out, r.page.lines[i])
			continue
		}
		out = append(out, got...)
		if n := len(cmds[i].want); n > 0 {
			i += n - 1
		} else {
			out = append(out, r.page.lines[i])
		}
	}
	if err := os.WriteFile(r.page.path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
