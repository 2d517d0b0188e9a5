package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"nperf/netperf/parse"
	"nperf/result"
)

const parseUsage = `Usage: nperf parse [options] FILE...|-

Reads saved netperf output and writes Records (JSON Lines) to stdout: the
classic tables of every test (with or without banner, -v 0/1/2, CPU columns,
confidence warnings, interim -D lines), omni -o CSV, -k keyval and -O columns
with any selector list, and netperf's error lines (a Record with the error).
A file may hold many runs in any mix of formats; - is standard input.

A line "# cmd: netperf ARGS" or "$ netperf ARGS" in the input tells how the
run after it was started, as --cmd does for the whole input.

options:
  --cmd 'netperf ARGS'  the command line that produced the output: the test,
                        -f unit, -o/-k/-O selectors, -c/-C and the options
                        recorded in each Record's spec
  --test NAME           the test, for output without a banner (-P 0, -v 0)
  --format F            classic, csv, keyval or human: how to read lines that
                        do not say (output without headers)

On bad input it writes the Records parsed before the bad line, prints
"nperf: error: FILE:LINE: ..." and exits 1.
`

var testNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// parseCmd is "nperf parse".
func parseCmd(_ context.Context, stdio Stdio, args []string) int {
	var hint parse.Hint
	var test, format, cmd string
	var files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		value := func() (string, bool) {
			if hasVal {
				return val, true
			}
			if i+1 >= len(args) {
				errorf(stdio.Err, "option %s: needs a value", name)
				return "", false
			}
			i++
			return args[i], true
		}
		var ok bool
		switch {
		case a == "-h" || a == "--help":
			fmt.Fprint(stdio.Out, parseUsage)
			return exitOK
		case name == "--cmd":
			if cmd, ok = value(); !ok {
				return exitUsage
			}
		case name == "--test":
			if test, ok = value(); !ok {
				return exitUsage
			}
		case name == "--format":
			if format, ok = value(); !ok {
				return exitUsage
			}
		case a == "--":
			files = append(files, args[i+1:]...)
			i = len(args)
		case a == "-" || !strings.HasPrefix(a, "-"):
			files = append(files, a)
		default:
			errorf(stdio.Err, "unknown option %s", a)
			hintf(stdio.Err, "run 'nperf parse --help' for the options")
			return exitUsage
		}
	}
	if cmd != "" {
		hint = parse.HintFromCommandLine(cmd)
	}
	if test != "" {
		if !testNameRE.MatchString(test) {
			errorf(stdio.Err, "option --test: %q is not a test name (for example TCP_RR)", test)
			return exitUsage
		}
		hint.Test = strings.ToUpper(test)
		if hint.Spec != nil {
			hint.Spec.Test = hint.Test
		}
	}
	if format != "" {
		f, err := parse.ParseFormat(format)
		if err != nil {
			errorf(stdio.Err, "option --format: %v", err)
			return exitUsage
		}
		hint.Format = f
	}
	if len(files) == 0 {
		errorf(stdio.Err, "no input: name files, or - for standard input")
		hintf(stdio.Err, "run 'nperf parse --help' for the options")
		return exitUsage
	}

	enc := result.NewEncoder(stdio.Out)
	if err := enc.EncodeHeader(newHeader(os.Args)); err != nil {
		errorf(stdio.Err, "%v", err)
		return exitFailed
	}
	code := exitOK
	for _, name := range files {
		if err := parseFile(stdio, enc, name, hint); err != nil {
			errorf(stdio.Err, "%v", err)
			code = exitFailed
		}
	}
	return code
}

// parseFile writes the Records of one input; on a bad line the Records
// before it are written and the error returned.
func parseFile(stdio Stdio, enc *result.Encoder, name string, hint parse.Hint) error {
	var in io.Reader = stdio.In
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	rd := parse.NewReader(in, name, hint)
	for rd.Scan() {
		if err := enc.Encode(rd.Record()); err != nil {
			return err
		}
	}
	return rd.Err()
}
