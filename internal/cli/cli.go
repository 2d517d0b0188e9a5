// Package cli is nperf's command line: the subcommand table and the only
// place that touches arguments, exit codes, signals and process output.
package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Version is nperf's version, set at build time with -ldflags "-X".
var Version = "0.1.0-dev"

// Stdio is the process's standard streams, passed in so that tests can
// run commands in-process.
type Stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// Exit codes shared by every subcommand.
const (
	exitOK     = 0
	exitFailed = 1 // the command ran and failed (a test error, a bad input file)
	exitUsage  = 2 // the command line is wrong; nothing ran
)

// A command is one subcommand: its name, a one-line summary, and the
// function that runs it with the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io Stdio, args []string) int
}

func commands() []command {
	return []command{
		{"run", "run one netperf test (netperf's options; no -H: an embedded loopback server)", runCmd},
		{"server", "serve netperf clients, like netserver", serverCmd},
		{"multi", "run N instances of a test at once and sum them honestly", multiCmd},
		{"orchestrate", "check, deploy, start servers and run N x M matrices on hosts over SSH", orchestrateCmd},
		{"profile", "list, show, validate and run YAML test suites with checked expectations", profileCmd},
		{"monitor", "show a run live, or watch a Record stream (FILE or -)", monitorCmd},
		{"parse", "turn saved netperf output (FILE or -) into Records", parseCmd},
		{"stats", "statistics over Records or numbers; A/B verdict (nperf stats A B)", statsCmd},
		{"report", "render Records through templates: HTML with charts, Markdown, CSV, LaTeX, JSON", reportCmd},
		{"version", "print nperf's version", versionCmd},
	}
}

// Main runs nperf with the full argument vector and returns the exit code.
func Main(ctx context.Context, args []string, stdio Stdio) int {
	if len(args) == 0 {
		args = []string{"nperf"}
	}
	// A link named netperf or netserver stands in for the C programs.
	switch filepath.Base(args[0]) {
	case "netperf":
		return runCmd(ctx, stdio, args[1:])
	case "netserver":
		return serverCmd(ctx, stdio, args[1:])
	}
	if len(args) < 2 {
		usage(stdio.Err)
		return exitUsage
	}
	name := args[1]
	switch name {
	case "-h", "--help", "help":
		usage(stdio.Out)
		return exitOK
	case "-V", "--version":
		return versionCmd(ctx, stdio, nil)
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, stdio, args[2:])
		}
	}
	errorf(stdio.Err, "unknown command %q", name)
	hintf(stdio.Err, "run 'nperf help' for the list of commands")
	return exitUsage
}

// optionValue returns the value of the option at args[*i] named name, in
// any of the forms users type: "--name=v", "-nV" (one-letter options),
// or the next argument, which it then consumes. ok is false, with the
// error printed, when the value is missing.
func optionValue(stdio Stdio, args []string, i *int, name string) (v string, ok bool) {
	a := args[*i]
	if v, ok := strings.CutPrefix(a, name+"="); ok {
		return v, true
	}
	if len(name) == 2 && len(a) > 2 {
		return a[2:], true
	}
	if *i+1 >= len(args) {
		errorf(stdio.Err, "option %s: needs a value", name)
		return "", false
	}
	*i++
	return args[*i], true
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "nperf %s: network performance, netperf-compatible\n\nUsage: nperf COMMAND [options]\n\nCommands:\n", Version)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'nperf COMMAND -h' for a command's options.\n")
}

func versionCmd(_ context.Context, stdio Stdio, _ []string) int {
	fmt.Fprintf(stdio.Out, "nperf %s (netperf 2.7 compatible)\n", Version)
	return exitOK
}

// errorf prints "nperf: error: ...", the one shape of every error.
func errorf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "nperf: error: %s\n", strings.TrimRight(fmt.Sprintf(format, args...), "\n"))
}

func hintf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "nperf: hint: %s\n", fmt.Sprintf(format, args...))
}
