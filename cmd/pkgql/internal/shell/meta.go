package shell

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Meta commands are lines that start with "." or "\" where a statement
// would start. They change how the shell shows results and runs
// statements; they never reach the engine, except .schema, which is
// DESCRIBE written short.

// metaCommands are the commands, as Tab completes them.
var metaCommands = []string{".help", ".quit", ".output", ".dryrun", ".timer", ".pager", ".schema", ".history"}

const helpText = `Statements end with ";" and may span lines. For example:
  SHOW PROVIDERS;
  SHOW RESOURCES IN github.packages;
  DESCRIBE github.packages.user_packages;
  SELECT name, version_count FROM github.packages.user_packages
   WHERE username = 'octocat' AND package_type = 'npm';
  EXEC github.packages.user_packages.restore_package_for_user
       @username = 'octocat', @package_type = 'npm', @package_name = 'hello';
Tab completes keywords, resource names, columns, methods, @params and
values; Up and Ctrl-R recall earlier statements. Ctrl-C stops the running
statement (at the prompt it drops the line); Ctrl-D leaves.
Commands:
  .help, \?              this help
  .quit, \q              leave (so does Ctrl-D)
  .output [FORMAT]       show results as table, json, csv, text or markdown
  .dryrun [on|off]       show the REST calls of DELETE and EXEC instead of making them
  .timer [on|off]        show how long each statement took
  .pager [on|off]        page results longer than the terminal through $PAGER
  .schema [RESOURCE]     describe a resource (DESCRIBE); without one, list them all
  .history               list the statements typed (kept in the history file)
`

// isMeta reports whether a line, typed where a statement would start, is a
// command.
func isMeta(line string) bool {
	t := strings.TrimSpace(line)
	switch strings.ToLower(t) {
	case "help", "quit", "exit":
		return true
	}
	return strings.HasPrefix(t, ".") || strings.HasPrefix(t, `\`)
}

// isQuit reports whether a command line leaves the shell.
func isQuit(line string) bool {
	fields := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), ";"))
	return len(fields) > 0 && slices.Contains([]string{".quit", ".exit", `\q`, "quit", "exit"}, strings.ToLower(fields[0]))
}

// meta runs a command line other than a quit. Its error says what was wrong
// with it.
func (s *Shell) meta(ctx context.Context, line string) error {
	fields := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), ";"))
	name, args := strings.ToLower(fields[0]), fields[1:]
	switch name {
	case ".help", `\?`, "help", `\h`:
		fmt.Fprint(s.cfg.Out, helpText)
		return nil
	case ".output":
		if len(args) == 0 {
			s.notice("output: %s", s.set.Format)
			return nil
		}
		f := strings.ToLower(args[0])
		if len(args) > 1 || !slices.Contains(s.cfg.Formats, f) {
			return fmt.Errorf(".output %s: use one of %s", strings.Join(args, " "), strings.Join(s.cfg.Formats, ", "))
		}
		s.set.Format = f
		s.notice("output: %s", f)
		return nil
	case ".dryrun":
		return s.toggle(name, args, &s.set.DryRun)
	case ".timer":
		return s.toggle(name, args, &s.set.Timer)
	case ".pager":
		return s.toggle(name, args, &s.set.Pager)
	case ".schema":
		if len(args) > 1 {
			return fmt.Errorf(".schema takes one resource, provider.service.resource")
		}
		if len(args) == 1 {
			return s.run(ctx, "DESCRIBE "+args[0]+";")
		}
		var script strings.Builder
		for _, p := range s.comp.catalog() {
			for _, sv := range p.Services {
				fmt.Fprintf(&script, "SHOW RESOURCES IN %s.%s;\n", p.Name, sv.Name)
			}
		}
		if script.Len() == 0 {
			return fmt.Errorf(".schema: no provider declares any resource")
		}
		return s.run(ctx, script.String())
	case ".history":
		for i, e := range s.hist.entries {
			fmt.Fprintf(s.cfg.Out, "%5d  %s\n", i+1, e)
		}
		return nil
	}
	return fmt.Errorf("unknown command %s: .help lists the commands", fields[0])
}

// toggle sets or shows an on/off setting.
func (s *Shell) toggle(name string, args []string, v *bool) error {
	switch {
	case len(args) == 0:
	case len(args) == 1 && strings.EqualFold(args[0], "on"):
		*v = true
	case len(args) == 1 && strings.EqualFold(args[0], "off"):
		*v = false
	default:
		return fmt.Errorf("%s %s: use %s on or %s off", name, strings.Join(args, " "), name, name)
	}
	s.notice("%s: %s", name[1:], map[bool]string{true: "on", false: "off"}[*v])
	return nil
}

// notice tells an interactive user what a command did; scripts stay quiet.
func (s *Shell) notice(format string, args ...any) {
	if s.cfg.Interactive {
		fmt.Fprintf(s.cfg.Out, format+"\n", args...)
	}
}

// completeMeta completes a command line: the command, then its argument.
func (s *Shell) completeMeta(before string) (start int, candidates []string) {
	start = strings.LastIndexAny(before, " \t") + 1
	word := before[start:]
	fields := strings.Fields(before[:start])
	if len(fields) == 0 {
		for _, m := range metaCommands {
			if strings.HasPrefix(m, strings.ToLower(word)) {
				candidates = append(candidates, m+" ")
			}
		}
		return start, candidates
	}
	if len(fields) > 1 {
		return start, nil
	}
	var args []string
	switch strings.ToLower(fields[0]) {
	case ".output":
		args = s.cfg.Formats
	case ".dryrun", ".timer", ".pager":
		args = []string{"on", "off"}
	case ".schema":
		return start, s.comp.names(strings.Split(word, "."), toResource, "")
	}
	for _, a := range args {
		if hasPrefixFold(a, word) {
			candidates = append(candidates, a)
		}
	}
	return start, candidates
}
