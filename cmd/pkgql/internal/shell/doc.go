// Package shell is pkgql's interactive loop: it reads lines until they make
// complete statements (ended by ";" outside strings and comments, as the
// engine's own Tokenizer reads them), hands them to the command line to run,
// shows their results (through a pager when they are long) and answers the
// engine's confirmation questions from the same terminal.
//
// On a terminal, lines are edited with github.com/peterh/liner: history
// (Up, Ctrl-R) kept in a file across runs, and Tab completion from the
// providers' schemas. liner was chosen over github.com/chzyer/readline,
// whose last release (v1.5.1) dates from July 2022, and over
// github.com/reeflective/readline, which is well kept (v1.3.0, July 2026)
// but is a whole shell framework (vi mode, inputrc, history sources it
// writes itself): liner is maintained (v1.2.3, October 2026), small,
// depends only on go-runewidth, and its API fits a SQL shell exactly: a
// WordCompleter that gets the line and the cursor and returns the word's
// replacements, history that the caller adds to (so lines that carry a
// credential are never stored), Ctrl-C at a prompt reported as an error,
// and the terminal left in its own mode between prompts, so that Ctrl-C
// while a statement runs is a signal that cancels it.
//
// The package knows the schemas (for completion) but not the engine or the
// output formats: Config.Run runs a script and writes its result sets where
// it is told, Config.Report shows an error. Tests drive the loop with
// plain input.
package shell
