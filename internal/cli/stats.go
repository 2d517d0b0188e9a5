package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"nperf/netperf/parse"
	"nperf/result"
	"nperf/stats"
)

const statsUsage = `Usage: nperf stats [options] [FILE ...]
       nperf stats [options] A B

Statistics over Record streams (nperf run --json, ...) or plain numbers, one
per line. FILE "-", or no FILE, reads stdin. With two FILEs it compares B
against A and gives a verdict per group (or with --compare FIELD, the two
values of FIELD in the pooled input); to summarise two files side by side
instead, use --by file.

A Record stream contributes one value per run (per Final record; failed runs
are skipped and counted). Latency metrics take each run's value from its
histogram, and the group's percentiles from the merged histograms of all its
runs, never from averaging percentiles. Interval records feed a stability
check (trend over the run). Plain numbers: every line that is not blank or a
# comment must parse as a number; NaN and Inf are counted and left out.

Options:
  --metric NAME       what to analyse; default throughput for STREAM tests,
                      rate for RR and CRR: throughput, rate, p50, p90, p95,
                      p99, p999, mean_latency, min_latency, max_latency,
                      local_cpu, remote_cpu, local_sd, remote_sd; for
                      plain numbers it says what they are (unit, direction)
  --by FIELDS         group by these comma-separated fields (default test):
                      test, host, peer, run, instance, file, any Spec field
                      by its JSON name (send_size, request_size, ...), or
                      label.NAME
  --compare FIELD     compare the two values of FIELD, A = the first seen;
                      with two FILEs the default is file
  --format F          text (default), csv, json, markdown
  --percentiles LIST  percentiles to report, with bootstrap intervals
                      (default 50,90,99)
  --level PCT         confidence level of the bootstrap and change
                      intervals, percent (default 95); the mean's t
                      intervals are always given at 90, 95 and 99
  --bootstrap N       bootstrap resamples (default 10000; 0 = none)
  --seed N            bootstrap seed (default 1): same seed, same intervals
  --exclude RULE      leave out the values an outlier rule flags: iqr1.5,
                      iqr3, z2, z3, mad (default: list outliers, keep them)
  --plot              draw an ASCII histogram and box plot (text format)
  --alpha A           significance level of comparisons (default 0.05)
  --threshold PCT     smallest change of the mean that counts, percent
                      ("5%" or "5"; default 0); also the change the power
                      warning is about (5% when 0)
  --test T            test that decides a comparison: auto (default: Welch,
                      Mann-Whitney when a sample is not normal), welch,
                      mann-whitney
  --direction D       which way is better for plain numbers: higher, lower
  --fail-if V         exit 1 when any group's verdict is V: worse, better,
                      different (better or worse)

Exit status: 0 done, 1 bad input or --fail-if met, 2 bad command line.
`

// netperfTextParser turns saved netperf text output (classic tables, omni
// CSV/keyval/columns) into Records.
func netperfTextParser(r io.Reader, name string) ([]*result.Record, error) {
	return parse.Output(r, name, parse.Hint{})
}

// statsOptions is the parsed command line of "nperf stats".
type statsOptions struct {
	metric      string
	by          []string
	byGiven     bool
	compare     string
	format      string
	percentiles []float64
	level       float64 // fraction
	resamples   int
	seed        uint64
	exclude     stats.OutlierRule
	plot        bool
	cmp         stats.CompareOptions
	failIf      string
	direction   stats.Direction
	files       []string
}

func statsCmd(_ context.Context, stdio Stdio, args []string) int {
	opt, err := parseStatsArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdio.Out, statsUsage)
		return exitOK
	}
	if err != nil {
		errorf(stdio.Err, "%v", err)
		hintf(stdio.Err, "run 'nperf stats --help' for the options")
		return exitUsage
	}
	inputs, err := readStatsInputs(opt.files, stdio.In)
	if err != nil {
		errorf(stdio.Err, "%v", err)
		var he hintError
		if errors.As(err, &he) {
			hintf(stdio.Err, "%s", he.hint)
		}
		return exitFailed
	}
	if (opt.failIf == "worse" || opt.failIf == "better") && len(inputs) > 0 && inputs[0].isNumbers &&
		opt.direction == stats.UnknownDirection && opt.metric == "" {
		errorf(stdio.Err, "--fail-if %s: plain numbers have no direction, so no verdict is %s", opt.failIf, opt.failIf)
		hintf(stdio.Err, "say which way is better: --direction higher or --direction lower")
		return exitUsage
	}
	rep, err := analyse(inputs, opt)
	if err != nil {
		errorf(stdio.Err, "%v", err)
		var he hintError
		if errors.As(err, &he) {
			hintf(stdio.Err, "%s", he.hint)
		}
		return exitFailed
	}
	w := bufio.NewWriter(stdio.Out)
	switch opt.format {
	case "csv":
		err = rep.writeCSV(w)
	case "json":
		err = rep.writeJSON(w)
	case "markdown":
		rep.writeMarkdown(w)
	default:
		rep.writeText(w, opt)
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		errorf(stdio.Err, "writing the report: %v", err)
		return exitFailed
	}
	if opt.failIf != "" {
		if hit := rep.failing(opt.failIf); len(hit) > 0 {
			errorf(stdio.Err, "--fail-if %s: %s", opt.failIf, strings.Join(hit, "; "))
			return exitFailed
		}
	}
	return exitOK
}

// hintError is an error with a hint for the user.
type hintError struct {
	err  error
	hint string
}

func (e hintError) Error() string { return e.err.Error() }
func (e hintError) Unwrap() error { return e.err }

// parseStatsArgs reads the command line; flags and FILEs may be mixed, and
// everything after "--" is a FILE.
func parseStatsArgs(args []string) (statsOptions, error) {
	opt := statsOptions{cmp: stats.DefaultCompareOptions}
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	metric := fs.String("metric", "", "")
	by := fs.String("by", "", "")
	fs.StringVar(&opt.compare, "compare", "", "")
	format := fs.String("format", "text", "")
	pcts := fs.String("percentiles", "50,90,99", "")
	level := fs.String("level", "95", "")
	fs.IntVar(&opt.resamples, "bootstrap", 10000, "")
	fs.Uint64Var(&opt.seed, "seed", 1, "")
	exclude := fs.String("exclude", "", "")
	fs.BoolVar(&opt.plot, "plot", false, "")
	fs.Float64Var(&opt.cmp.Alpha, "alpha", 0.05, "")
	threshold := fs.String("threshold", "0", "")
	fs.StringVar(&opt.cmp.Test, "test", stats.TestAuto, "")
	direction := fs.String("direction", "", "")
	fs.StringVar(&opt.failIf, "fail-if", "", "")

	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return opt, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			opt.files = append(opt.files, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		opt.files = append(opt.files, rest[0])
		args = rest[1:]
	}
	if len(opt.files) == 0 {
		opt.files = []string{"-"}
	}

	if *metric != "" {
		if _, ok := metricByName(*metric); !ok {
			return opt, fmt.Errorf("option --metric: unknown metric %q (want %s)", *metric, strings.Join(metricNames(), ", "))
		}
		opt.metric = *metric
	}
	if *by != "" {
		opt.byGiven = true
		for _, f := range strings.Split(*by, ",") {
			f = strings.TrimSpace(f)
			if err := checkField(f); err != nil {
				return opt, fmt.Errorf("option --by: %w", err)
			}
			opt.by = append(opt.by, f)
		}
	}
	if opt.compare != "" {
		if err := checkField(opt.compare); err != nil {
			return opt, fmt.Errorf("option --compare: %w", err)
		}
		if slices.Contains(opt.by, opt.compare) {
			return opt, fmt.Errorf("option --compare %s: the field is also in --by", opt.compare)
		}
	}
	switch *format {
	case "text", "csv", "json", "markdown":
		opt.format = *format
	default:
		return opt, fmt.Errorf("option --format: %q: want text, csv, json or markdown", *format)
	}
	for _, p := range strings.Split(*pcts, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimPrefix(p, "p"), 64)
		if err != nil || !(v >= 0 && v <= 100) {
			return opt, fmt.Errorf("option --percentiles: %q is not a percentile between 0 and 100", p)
		}
		opt.percentiles = append(opt.percentiles, v)
	}
	lv, err := parsePercent(*level)
	if err != nil || !(lv > 0 && lv < 1) {
		return opt, fmt.Errorf("option --level: %q: want a percentage between 0 and 100, such as 95", *level)
	}
	opt.level, opt.cmp.Level = lv, lv
	if opt.resamples != 0 && opt.resamples < 100 {
		return opt, fmt.Errorf("option --bootstrap: %d resamples: want 0 (none) or at least 100", opt.resamples)
	}
	if *exclude != "" {
		r, err := stats.ParseOutlierRule(*exclude)
		if err != nil {
			return opt, fmt.Errorf("option --exclude: %w", err)
		}
		opt.exclude = r
	}
	if !(opt.cmp.Alpha > 0 && opt.cmp.Alpha < 1) {
		return opt, fmt.Errorf("option --alpha: %v: want a fraction between 0 and 1, such as 0.05", opt.cmp.Alpha)
	}
	th, err := parsePercent(*threshold)
	if err != nil || th < 0 || th >= 10 {
		return opt, fmt.Errorf("option --threshold: %q: want a percentage such as 5%%", *threshold)
	}
	opt.cmp.Threshold = th
	switch opt.cmp.Test {
	case stats.TestAuto, stats.TestWelch, stats.TestMannWhitney:
	default:
		return opt, fmt.Errorf("option --test: %q: want auto, welch or mann-whitney", opt.cmp.Test)
	}
	switch *direction {
	case "":
	case "higher":
		opt.direction = stats.HigherIsBetter
	case "lower":
		opt.direction = stats.LowerIsBetter
	default:
		return opt, fmt.Errorf("option --direction: %q: want higher or lower", *direction)
	}
	switch opt.failIf {
	case "", "worse", "better", "different":
	default:
		return opt, fmt.Errorf("option --fail-if: %q: want worse, better or different", opt.failIf)
	}
	return opt, nil
}

// parsePercent reads "5%" or "5" as 0.05.
func parsePercent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("not a percentage: %q", s)
	}
	return v / 100, nil
}
