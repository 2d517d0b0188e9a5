package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"nperf/netperf/parse"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

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

// ---- input ----

// A statsInput is one FILE: plain numbers or the runs of a Record stream.
type statsInput struct {
	name      string
	isNumbers bool
	numbers   []float64
	lines     []int32 // line of each number
	runs      []*statsRun
	failed    int // Final records with an error, left out
	intervals int // interval records seen
}

// A statsRun is one instance's whole-run result and its interval records.
type statsRun struct {
	file      string
	rec       *result.Record
	intervals []*result.Record
}

func (r *statsRun) where() string {
	return fmt.Sprintf("%s %s/%d", r.file, r.rec.Run, r.rec.Instance)
}

func readStatsInputs(names []string, stdin io.Reader) ([]*statsInput, error) {
	var out []*statsInput
	stdinUsed := false
	for _, name := range names {
		var data []byte
		var err error
		if name == "-" {
			if stdinUsed {
				return nil, fmt.Errorf("stdin (-) given twice")
			}
			stdinUsed = true
			data, err = io.ReadAll(stdin)
		} else {
			data, err = os.ReadFile(name)
		}
		if err != nil {
			return nil, err
		}
		in, err := decodeStatsInput(data, name)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	kinds := 0
	for _, in := range out {
		if in.isNumbers {
			kinds |= 1
		} else {
			kinds |= 2
		}
	}
	if kinds == 3 {
		return nil, fmt.Errorf("the inputs mix plain numbers and Records; give one kind")
	}
	return out, nil
}

// decodeStatsInput sniffs what data holds from its first line that is not
// blank or a # comment: a number means plain numbers, "{" a Record stream,
// anything else saved netperf output.
func decodeStatsInput(data []byte, name string) (*statsInput, error) {
	in := &statsInput{name: name}
	first := ""
	for line := range bytes.Lines(data) {
		s := strings.TrimSpace(string(line))
		if s != "" && !strings.HasPrefix(s, "#") {
			first = s
			break
		}
	}
	if first == "" {
		in.isNumbers = true // nothing at all: an empty sample
		return in, nil
	}
	if isNumber(first) {
		return in, in.readNumbers(data)
	}
	if strings.HasPrefix(first, "{") {
		rd := result.NewReader(bytes.NewReader(data), name)
		var recs []*result.Record
		for rd.Scan() {
			if r := rd.Record(); r != nil {
				recs = append(recs, r)
			}
		}
		if err := rd.Err(); err != nil {
			return nil, err
		}
		in.addRecords(recs)
		return in, nil
	}
	recs, err := netperfTextParser(bytes.NewReader(data), name)
	if err != nil {
		return nil, err
	}
	in.addRecords(recs)
	return in, nil
}

// isNumber reports whether s parses as a float64, counting values beyond
// its range (which parse as ±Inf or 0).
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	var ne *strconv.NumError
	return err == nil || errors.As(err, &ne) && ne.Err == strconv.ErrRange
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (in *statsInput) readNumbers(data []byte) error {
	in.isNumbers = true
	ln := int32(0)
	for line := range bytes.Lines(data) {
		ln++
		s := strings.TrimSpace(string(line))
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if !isNumber(s) {
			return fmt.Errorf("%s:%d: not a number: %q", in.name, ln, truncate(s, 40))
		}
		// Beyond float64's range ParseFloat gives ±Inf or 0, which is what
		// the value is to float64; Inf is then counted and reported.
		v, _ := strconv.ParseFloat(s, 64)
		in.numbers = append(in.numbers, v)
		in.lines = append(in.lines, ln)
	}
	return nil
}

// addRecords keeps the Final records without error as runs and attaches to
// each the interval records of the same run and instance.
func (in *statsInput) addRecords(recs []*result.Record) {
	type key struct {
		run, host string
		instance  int
	}
	byKey := map[key]*statsRun{}
	var pending []*result.Record
	for _, r := range recs {
		if !r.Final {
			in.intervals++
			pending = append(pending, r)
			continue
		}
		if r.Err != nil {
			in.failed++
			continue
		}
		run := &statsRun{file: in.name, rec: r}
		in.runs = append(in.runs, run)
		byKey[key{r.Run, r.Host, r.Instance}] = run
	}
	for _, r := range pending {
		if run := byKey[key{r.Run, r.Host, r.Instance}]; run != nil {
			run.intervals = append(run.intervals, r)
		}
	}
	for _, run := range in.runs {
		slices.SortStableFunc(run.intervals, func(a, b *result.Record) int { return a.Seq - b.Seq })
	}
}

// ---- metrics and fields ----

// A statsMetric is one quantity a run yields.
type statsMetric struct {
	name  string
	unit  string // "bits/s", "trans/s", "ns", "%", "us/KB", "us/Tran", ""
	dir   stats.Direction
	value func(r *result.Record) (float64, bool)
	// quantile (0..1) of the latency histogram, or -1 for the other
	// histogram statistics; only for latency metrics.
	latency  bool
	quantile float64
}

func latencyMetric(name string, q float64) statsMetric {
	return statsMetric{name: name, unit: "ns", dir: stats.LowerIsBetter, latency: true, quantile: q,
		value: func(r *result.Record) (float64, bool) {
			h := r.Latency
			if h == nil || h.Count() == 0 {
				return 0, false
			}
			switch {
			case q >= 0:
				return float64(h.Quantile(q)), true
			case name == "mean_latency":
				return float64(h.Mean()), true
			case name == "min_latency":
				return float64(h.Min()), true
			}
			return float64(h.Max()), true
		}}
}

func cpuMetric(name string, remote, demand bool) statsMetric {
	m := statsMetric{name: name, unit: "%", dir: stats.LowerIsBetter}
	m.value = func(r *result.Record) (float64, bool) {
		if r.CPU == nil {
			return 0, false
		}
		side := r.CPU.Local
		if remote {
			side = r.CPU.Remote
		}
		if side == nil {
			return 0, false
		}
		if demand {
			return side.ServiceDemandUS, true
		}
		return side.UtilPercent, true
	}
	if demand {
		m.unit = "us/unit"
	}
	return m
}

var statsMetrics = sync.OnceValue(func() []statsMetric {
	return []statsMetric{
		{name: "throughput", unit: "bits/s", dir: stats.HigherIsBetter, value: func(r *result.Record) (float64, bool) {
			return r.ThroughputBitsPerSecond(), r.Elapsed > 0
		}},
		{name: "rate", unit: "trans/s", dir: stats.HigherIsBetter, value: func(r *result.Record) (float64, bool) {
			return r.TransactionRate(), r.Elapsed > 0 && !result.IsStream(r.Test)
		}},
		latencyMetric("p50", 0.5), latencyMetric("p90", 0.9), latencyMetric("p95", 0.95),
		latencyMetric("p99", 0.99), latencyMetric("p999", 0.999),
		latencyMetric("mean_latency", -1), latencyMetric("min_latency", -1), latencyMetric("max_latency", -1),
		cpuMetric("local_cpu", false, false), cpuMetric("remote_cpu", true, false),
		cpuMetric("local_sd", false, true), cpuMetric("remote_sd", true, true),
	}
})

func metricByName(name string) (statsMetric, bool) {
	for _, m := range statsMetrics() {
		if m.name == name {
			return m, true
		}
	}
	return statsMetric{}, false
}

func metricNames() []string {
	var names []string
	for _, m := range statsMetrics() {
		names = append(names, m.name)
	}
	return names
}

// specFields maps the JSON name of every Spec field to its index.
var specFields = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[result.Spec]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
})

var recordFields = []string{"test", "host", "peer", "run", "instance", "file"}

func checkField(f string) error {
	if slices.Contains(recordFields, f) {
		return nil
	}
	if _, ok := specFields()[f]; ok {
		return nil
	}
	if name, ok := strings.CutPrefix(f, "label."); ok && name != "" {
		return nil
	}
	return fmt.Errorf("unknown field %q (want test, host, peer, run, instance, file, a Spec field such as send_size, or label.NAME)", f)
}

// fieldValue is the value of field f for a run.
func fieldValue(run *statsRun, f string) string {
	r := run.rec
	switch f {
	case "test":
		return r.Test
	case "host":
		return r.Host
	case "peer":
		return r.Peer
	case "run":
		return r.Run
	case "instance":
		return strconv.Itoa(r.Instance)
	case "file":
		return run.file
	}
	if name, ok := strings.CutPrefix(f, "label."); ok {
		return r.Labels[name]
	}
	if r.Spec == nil {
		return ""
	}
	return fmt.Sprint(reflect.ValueOf(*r.Spec).Field(specFields()[f]).Interface())
}

// ---- grouping ----

// A statsBucket is the data of one side of one group.
type statsBucket struct {
	label string // the compare field's value; "" without comparison
	runs  []*statsRun
	parts []*statsInput // plain numbers, per file
}

type statsGroup struct {
	key    []string // values of the --by fields
	bucket [2]statsBucket
}

// groupInputs sorts runs (or numbers) into groups by the --by fields, and
// within each group into the two sides of a comparison when compare is set.
func groupInputs(inputs []*statsInput, by []string, compare string) ([]*statsGroup, [2]string, error) {
	var sides [2]string
	numbers := len(inputs) > 0 && inputs[0].isNumbers
	if numbers {
		for _, f := range append(slices.Clone(by), compare) {
			if f != "" && f != "file" {
				return nil, sides, hintError{fmt.Errorf("plain numbers have no field %q", f), "plain numbers can be grouped or compared by file only"}
			}
		}
	}
	// Two FILEs compared by file are A and B by position, even when they
	// have the same name.
	byPosition := compare == "file" && len(inputs) == 2
	if byPosition {
		sides = [2]string{inputs[0].name, inputs[1].name}
	}
	// Otherwise the two sides are the values of the compare field in order
	// of appearance.
	if compare != "" && !byPosition {
		var seen []string
		add := func(v string) {
			if !slices.Contains(seen, v) {
				seen = append(seen, v)
			}
		}
		for _, in := range inputs {
			if numbers {
				add(in.name)
				continue
			}
			for _, run := range in.runs {
				add(fieldValue(run, compare))
			}
		}
		if len(seen) != 2 {
			return nil, sides, hintError{
				fmt.Errorf("--compare %s: the input has %d values of %s (%s), need exactly 2", compare, len(seen), compare, strings.Join(quoteAll(seen), ", ")),
				"compare two files (nperf stats A B) or pick a field with two values"}
		}
		sides = [2]string{seen[0], seen[1]}
	}
	var groups []*statsGroup
	index := map[string]*statsGroup{}
	get := func(key []string) *statsGroup {
		k := strings.Join(key, "\x00")
		g := index[k]
		if g == nil {
			g = &statsGroup{key: key}
			g.bucket[0].label, g.bucket[1].label = sides[0], sides[1]
			index[k] = g
			groups = append(groups, g)
		}
		return g
	}
	for pos, in := range inputs {
		side := func(v string) int {
			if byPosition {
				return pos
			}
			if compare != "" && v == sides[1] {
				return 1
			}
			return 0
		}
		if numbers {
			var key []string
			if len(by) == 1 {
				key = []string{in.name}
			}
			g := get(key)
			b := &g.bucket[side(in.name)]
			b.parts = append(b.parts, in)
			continue
		}
		for _, run := range in.runs {
			key := make([]string, len(by))
			for i, f := range by {
				key[i] = fieldValue(run, f)
			}
			g := get(key)
			b := &g.bucket[side(fieldValue(run, compare))]
			b.runs = append(b.runs, run)
		}
	}
	return groups, sides, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// ---- analysis ----

// A statsSample is what one bucket yields for one metric.
type statsSample struct {
	values  []float64
	where   func(i int) string // where value i came from
	runs    int                // runs in the bucket
	missing int                // runs without a value of the metric
	merged  *stats.Histogram   // latency metrics: every round trip of every run
	stab    stability
}

// stability is the trend check of the interval series of a bucket's runs.
type stability struct {
	checked  int // runs with at least 3 intervals
	short    int // runs with fewer
	drifting []runDrift
	maxDrift float64 // signed drift of largest size among the checked runs
}

type runDrift struct {
	where string
	trend stats.Trend
}

// Stability thresholds: a run drifts when the slope of its interval series
// is significant at driftAlpha and the fitted change over the run exceeds
// maxDrift of its mean.
const (
	driftAlpha = 0.05
	maxDrift   = 0.05
)

func (b *statsBucket) sample(m statsMetric, numbers bool) statsSample {
	if numbers {
		var s statsSample
		type span struct {
			in    *statsInput
			start int
		}
		var spans []span
		for _, in := range b.parts {
			spans = append(spans, span{in, len(s.values)})
			s.values = append(s.values, in.numbers...)
		}
		s.runs = len(s.values)
		s.where = func(i int) string {
			for k := len(spans) - 1; k >= 0; k-- {
				if i >= spans[k].start {
					return fmt.Sprintf("%s:%d", spans[k].in.name, spans[k].in.lines[i-spans[k].start])
				}
			}
			return ""
		}
		return s
	}
	s := statsSample{runs: len(b.runs)}
	var from []*statsRun
	if m.latency {
		s.merged = stats.NewHistogram()
	}
	for _, run := range b.runs {
		v, ok := m.value(run.rec)
		if !ok {
			s.missing++
			continue
		}
		s.values = append(s.values, v)
		from = append(from, run)
		if m.latency {
			s.merged.Merge(run.rec.Latency)
		}
		s.stab.check(run, m)
	}
	s.where = func(i int) string { return from[i].where() }
	return s
}

// check adds one run's interval series to the stability check. The series
// is of the metric when intervals carry it (throughput, rate), otherwise of
// the test's headline rate.
func (st *stability) check(run *statsRun, m statsMetric) {
	perInterval := func(r *result.Record) float64 {
		if m.name == "rate" || (m.name != "throughput" && !result.IsStream(r.Test)) {
			return r.TransactionRate()
		}
		return r.ThroughputBitsPerSecond()
	}
	var ys []float64
	for _, r := range run.intervals {
		if r.Elapsed > 0 {
			ys = append(ys, perInterval(r))
		}
	}
	if len(ys) < 3 {
		st.short++
		return
	}
	tr, err := stats.LinearTrend(ys)
	if err != nil {
		st.short++
		return
	}
	st.checked++
	if math.Abs(tr.Drift) > math.Abs(st.maxDrift) {
		st.maxDrift = tr.Drift
	}
	if !tr.Stable(driftAlpha, maxDrift) {
		st.drifting = append(st.drifting, runDrift{run.where(), tr})
	}
}

// resolveMetric picks the group's metric: --metric, or throughput for
// STREAM tests and rate for RR/CRR; plain numbers have the metric "value".
func resolveMetric(g *statsGroup, opt statsOptions, numbers bool) (statsMetric, error) {
	if numbers {
		m := statsMetric{name: "value", dir: opt.direction}
		if opt.metric != "" {
			mm, _ := metricByName(opt.metric)
			m = statsMetric{name: mm.name, unit: mm.unit, dir: mm.dir}
		}
		if opt.direction != stats.UnknownDirection {
			m.dir = opt.direction
		}
		return m, nil
	}
	if opt.metric != "" {
		m, _ := metricByName(opt.metric)
		return m, nil
	}
	stream, rr := 0, 0
	for _, b := range g.bucket {
		for _, run := range b.runs {
			if result.IsStream(run.rec.Test) {
				stream++
			} else {
				rr++
			}
		}
	}
	switch {
	case stream > 0 && rr > 0:
		return statsMetric{}, hintError{fmt.Errorf("group %s mixes STREAM and RR tests", keyString(nil, g.key)),
			"group by test (--by test) or choose a metric (--metric)"}
	case rr > 0:
		m, _ := metricByName("rate")
		return m, nil
	}
	m, _ := metricByName("throughput")
	return m, nil
}

// statsReport is everything "nperf stats" found, ready to print.
type statsReport struct {
	by        []string
	compare   string
	sides     [2]string
	summaries []*summaryReport
	compares  []*compareReport
	numbers   bool
	failed    int // failed runs left out, all inputs
	level     float64
	alpha     float64
	threshold float64
}

type summaryReport struct {
	key       []string
	metric    statsMetric
	sample    statsSample
	kept      []float64 // values after --exclude
	excluded  []stats.Outlier
	summary   stats.Summary
	tiv       []stats.Interval // 90, 95, 99% where defined
	boots     []bootRow
	bootNote  string
	skew      float64
	kurt      float64
	normality *stats.NormalityTest
	outliers  stats.Outliers
	order     *stats.Trend // trend over the values in input order
}

type bootRow struct {
	name string // "mean", "p50", ...
	b    stats.Bootstrap
}

type compareReport struct {
	key      []string
	metric   statsMetric
	side     [2]statsSample
	kept     [2][]float64
	excluded [2]int
	cmp      stats.Comparison
	err      error
}

// minBootstrap is the smallest sample bootstrapped: below it every
// resample is one of a handful of arrangements and the intervals say
// little more than the minimum and maximum.
const minBootstrap = 5

// bootstrapBudget bounds bootstrap work (values x resamples) per statistic,
// so that a sample of millions of values does not resample for minutes.
const bootstrapBudget = 200_000_000

func analyse(inputs []*statsInput, opt statsOptions) (*statsReport, error) {
	numbers := len(inputs) > 0 && inputs[0].isNumbers
	rep := &statsReport{numbers: numbers, level: opt.level, alpha: opt.cmp.Alpha, threshold: opt.cmp.Threshold}
	for _, in := range inputs {
		rep.failed += in.failed
	}
	by := opt.by
	if !opt.byGiven && !numbers {
		by = []string{"test"}
	}
	compare := opt.compare
	if compare == "" && len(inputs) == 2 && !slices.Contains(by, "file") {
		compare = "file"
	}
	rep.by, rep.compare = by, compare
	if !numbers {
		runs := 0
		for _, in := range inputs {
			runs += len(in.runs)
		}
		if runs == 0 {
			return nil, hintError{fmt.Errorf("no successful runs in the input (%d failed)", rep.failed),
				"nperf stats reads the Final record of each run, as 'nperf run --json' writes it"}
		}
	}
	groups, sides, err := groupInputs(inputs, by, compare)
	if err != nil {
		return nil, err
	}
	rep.sides = sides
	for _, g := range groups {
		m, err := resolveMetric(g, opt, numbers)
		if err != nil {
			return nil, err
		}
		if compare == "" {
			rep.summaries = append(rep.summaries, summarise(g, m, opt, numbers))
		} else {
			rep.compares = append(rep.compares, compareGroup(g, m, opt, numbers))
		}
	}
	return rep, nil
}

// exclude applies --exclude to the finite values of a sample.
func exclude(values []float64, rule stats.OutlierRule) (kept []float64, out stats.Outliers, dropped []stats.Outlier) {
	fin, _, _, _ := stats.Finite(values)
	out = stats.FindOutliers(fin)
	if rule == 0 {
		return fin, out, nil
	}
	for _, o := range out.Found {
		if o.Rules&rule != 0 {
			dropped = append(dropped, o)
		}
	}
	return out.Keep(fin, rule), out, dropped
}

func summarise(g *statsGroup, m statsMetric, opt statsOptions, numbers bool) *summaryReport {
	s := &summaryReport{key: g.key, metric: m, sample: g.bucket[0].sample(m, numbers)}
	s.kept, s.outliers, s.excluded = exclude(s.sample.values, opt.exclude)
	s.summary = stats.Summarize(s.sample.values, opt.percentiles...)
	if opt.exclude != 0 {
		// The summary describes what is kept; the non-finite counts stay.
		nonfinite := s.summary
		s.summary = stats.Summarize(s.kept, opt.percentiles...)
		s.summary.NaN, s.summary.PosInf, s.summary.NegInf = nonfinite.NaN, nonfinite.PosInf, nonfinite.NegInf
	}
	xs := s.kept
	for _, lv := range []float64{0.90, 0.95, 0.99} {
		if iv, err := stats.MeanInterval(xs, lv); err == nil {
			s.tiv = append(s.tiv, iv)
		}
	}
	s.skew, s.kurt = stats.Skewness(xs), stats.ExcessKurtosis(xs)
	if nt, err := stats.Normality(xs); err == nil {
		s.normality = &nt
	}
	if tr, err := stats.LinearTrend(xs); err == nil && opt.exclude == 0 {
		s.order = &tr
	}
	switch {
	case opt.resamples == 0:
	case len(xs) < minBootstrap:
		s.bootNote = fmt.Sprintf("needs %d or more values", minBootstrap)
	case len(xs)*opt.resamples > bootstrapBudget:
		s.bootNote = fmt.Sprintf("skipped: %d values x %d resamples is too much work (lower --bootstrap)", len(xs), opt.resamples)
	default:
		bo := stats.BootstrapOptions{Level: opt.level, Resamples: opt.resamples, Seed: opt.seed}
		if b, err := stats.BootstrapMean(xs, bo); err == nil {
			s.boots = append(s.boots, bootRow{"mean", b})
		}
		qs := []float64{50}
		for _, p := range opt.percentiles {
			if !slices.Contains(qs, p) {
				qs = append(qs, p)
			}
		}
		for _, p := range qs {
			if b, err := stats.BootstrapQuantile(xs, p/100, bo); err == nil {
				name := "p" + strconv.FormatFloat(p, 'f', -1, 64)
				if p == 50 {
					name = "median"
				}
				s.boots = append(s.boots, bootRow{name, b})
			}
		}
	}
	return s
}

func compareGroup(g *statsGroup, m statsMetric, opt statsOptions, numbers bool) *compareReport {
	c := &compareReport{key: g.key, metric: m}
	var dropped [2][]stats.Outlier
	for i := range c.side {
		c.side[i] = g.bucket[i].sample(m, numbers)
		c.kept[i], _, dropped[i] = exclude(c.side[i].values, opt.exclude)
		c.excluded[i] = len(dropped[i])
	}
	co := opt.cmp
	co.Direction = m.dir
	c.cmp, c.err = stats.Compare(c.kept[0], c.kept[1], co)
	// Compare summarised the kept values; report the non-finite ones the
	// inputs had.
	for i, sum := range []*stats.Summary{&c.cmp.A, &c.cmp.B} {
		all := stats.Summarize(c.side[i].values)
		sum.NaN, sum.PosInf, sum.NegInf = all.NaN, all.PosInf, all.NegInf
	}
	return c
}

// failing lists the groups whose verdict matches --fail-if.
func (rep *statsReport) failing(failIf string) []string {
	var hit []string
	for _, c := range rep.compares {
		v := c.cmp.Verdict
		match := false
		switch failIf {
		case "worse":
			match = v == stats.Worse
		case "better":
			match = v == stats.Better
		case "different":
			match = v != stats.NoDifference
		}
		if match {
			hit = append(hit, fmt.Sprintf("%s: %s %s (%+.2f%%)", keyString(rep.by, c.key), c.metric.name, v, 100*c.cmp.Change))
		}
	}
	return hit
}

// ---- formatting values ----

func keyString(by []string, key []string) string {
	if len(key) == 0 {
		return "all"
	}
	parts := make([]string, len(key))
	for i, v := range key {
		if i < len(by) {
			parts[i] = by[i] + "=" + v
		} else {
			parts[i] = v
		}
	}
	return strings.Join(parts, " ")
}

// formatValue prints a value of metric m in a human unit with digits
// significant digits.
func formatValue(m statsMetric, v float64, digits int) string {
	if math.IsNaN(v) {
		return "-"
	}
	if math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	sig := func(x float64) string { return sigDigits(x, digits) }
	switch m.unit {
	case "bits/s":
		return siFormat(v, "bit/s", sig)
	case "trans/s":
		return sig(v) + " trans/s"
	case "ns":
		a := math.Abs(v)
		switch {
		case a >= 1e9:
			return sig(v/1e9) + " s"
		case a >= 1e6:
			return sig(v/1e6) + " ms"
		case a >= 1e3:
			return sig(v/1e3) + " us"
		}
		return sig(v) + " ns"
	case "%":
		return sig(v) + "%"
	case "us/unit":
		return sig(v) + " us"
	}
	return sig(v)
}

func siFormat(v float64, unit string, sig func(float64) string) string {
	a := math.Abs(v)
	switch {
	case a >= 1e12:
		return sig(v/1e12) + " T" + unit
	case a >= 1e9:
		return sig(v/1e9) + " G" + unit
	case a >= 1e6:
		return sig(v/1e6) + " M" + unit
	case a >= 1e3:
		return sig(v/1e3) + " k" + unit
	}
	return sig(v) + " " + unit
}

// sigDigits prints v with n significant digits, without an exponent for
// everyday magnitudes.
func sigDigits(v float64, n int) string {
	a := math.Abs(v)
	if a != 0 && (a >= 1e6 || a < 1e-3) {
		return strconv.FormatFloat(v, 'e', n-1, 64)
	}
	intDigits := 1
	if a >= 1 {
		intDigits = int(math.Floor(math.Log10(a))) + 1
	}
	return strconv.FormatFloat(v, 'f', max(0, n-intDigits), 64)
}

// digitsFor is how many significant digits show a sample's mean and its
// confidence interval apart: 4, and more when the standard error is a tiny
// fraction of the mean (millions of values), up to 10.
func digitsFor(s stats.Summary) int {
	if s.N < 2 || !(s.StdDev > 0) || s.Mean == 0 {
		return 4
	}
	se := s.StdDev / math.Sqrt(float64(s.N))
	return min(10, max(4, int(math.Ceil(math.Log10(math.Abs(s.Mean)/se)))+1))
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	if math.IsInf(v, 0) {
		if v > 0 {
			return "+inf"
		}
		return "-inf"
	}
	return fmt.Sprintf("%+.2f%%", 100*v)
}

// pval prints a p-value with 3 significant digits.
func pval(p float64) string {
	if math.IsNaN(p) {
		return "-"
	}
	if p > 0 && p < 1e-4 {
		return strconv.FormatFloat(p, 'e', 2, 64)
	}
	return strconv.FormatFloat(p, 'g', 3, 64)
}

func num3(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func (m statsMetric) describe() string {
	s := m.name
	if m.unit != "" {
		s += ", " + m.unit
	}
	if m.dir != stats.UnknownDirection {
		s += ", " + m.dir.String()
	}
	return s
}

func levelName(lv float64) string {
	return strconv.FormatFloat(100*lv, 'f', -1, 64) + "%"
}

func cohenLabel(d float64) string {
	switch a := math.Abs(d); {
	case math.IsNaN(d):
		return ""
	case a < 0.2:
		return " (negligible)"
	case a < 0.5:
		return " (small)"
	case a < 0.8:
		return " (medium)"
	}
	return " (large)"
}

func cliffLabel(d float64) string {
	switch a := math.Abs(d); {
	case math.IsNaN(d):
		return ""
	case a < 0.147:
		return " (negligible)"
	case a < 0.33:
		return " (small)"
	case a < 0.474:
		return " (medium)"
	}
	return " (large)"
}

// ---- text ----

func (rep *statsReport) writeText(w io.Writer, opt statsOptions) {
	if rep.failed > 0 {
		fmt.Fprintf(w, "note: %s left out\n\n", plural(rep.failed, "failed run"))
	}
	for i, s := range rep.summaries {
		if i > 0 {
			fmt.Fprintln(w)
		}
		s.writeText(w, rep, opt)
	}
	for i, c := range rep.compares {
		if i > 0 {
			fmt.Fprintln(w)
		}
		c.writeText(w, rep, opt)
	}
}

func (s *summaryReport) writeText(w io.Writer, rep *statsReport, opt statsOptions) {
	m := s.metric
	digits := digitsFor(s.summary)
	f := func(v float64) string { return formatValue(m, v, digits) }
	fmt.Fprintf(w, "%s  [%s]\n", keyString(rep.by, s.key), m.describe())
	row := func(name, format string, a ...any) {
		fmt.Fprintf(w, "  %-14s %s\n", name, fmt.Sprintf(format, a...))
	}
	sum := s.summary
	what := "value"
	if !rep.numbers {
		what = "run"
	}
	n := plural(sum.N, what)
	if s.sample.missing > 0 {
		n += fmt.Sprintf(" (%d without %s)", s.sample.missing, m.name)
	}
	if k := sum.NonFinite(); k > 0 {
		n += fmt.Sprintf(" (%d left out: %d NaN, %d +Inf, %d -Inf)", k, sum.NaN, sum.PosInf, sum.NegInf)
	}
	if len(s.excluded) > 0 {
		n += fmt.Sprintf(" (%s excluded by %s)", plural(len(s.excluded), "outlier"), opt.exclude)
	}
	row("n", "%s", n)
	if sum.N == 0 {
		return
	}
	row("mean", "%s", f(sum.Mean))
	row("median", "%s", f(sum.Median))
	if sum.N > 1 {
		row("stddev", "%s (CV %s)", f(sum.StdDev), strings.TrimPrefix(pct(sum.CV), "+"))
	}
	row("min .. max", "%s .. %s", f(sum.Min), f(sum.Max))
	if len(sum.Percentiles) > 0 {
		var ps []string
		for _, p := range sum.Percentiles {
			ps = append(ps, fmt.Sprintf("p%s %s", strconv.FormatFloat(p.P, 'f', -1, 64), f(p.Value)))
		}
		row("percentiles", "%s", strings.Join(ps, "  "))
	}
	if s.sample.merged != nil && s.sample.merged.Count() > 0 {
		h := s.sample.merged
		row("latency", "merged histograms of %d runs, %d round trips:", len(s.sample.values), h.Count())
		fmt.Fprintf(w, "  %-14s p50 %s  p90 %s  p99 %s  p99.9 %s  mean %s  max %s\n", "",
			f(float64(h.Quantile(0.5))), f(float64(h.Quantile(0.9))), f(float64(h.Quantile(0.99))),
			f(float64(h.Quantile(0.999))), f(float64(h.Mean())), f(float64(h.Max())))
	}
	for i, iv := range s.tiv {
		name := ""
		if i == 0 {
			name = "mean CI (t)"
		}
		row(name, "%-4s %s .. %s", levelName(iv.Level), f(iv.Lo), f(iv.Hi))
	}
	if len(s.boots) > 0 {
		row("bootstrap", "%s, %d resamples, seed %d: percentile / BCa", levelName(opt.level), opt.resamples, opt.seed)
		for _, b := range s.boots {
			bca := "undefined"
			if !math.IsNaN(b.b.BCa.Lo) {
				bca = f(b.b.BCa.Lo) + " .. " + f(b.b.BCa.Hi)
			}
			fmt.Fprintf(w, "  %-14s %-6s %s .. %s  /  %s\n", "", b.name, f(b.b.Percentile.Lo), f(b.b.Percentile.Hi), bca)
		}
	} else if s.bootNote != "" {
		row("bootstrap", "%s", s.bootNote)
	}
	switch {
	case sum.N >= 2 && sum.Min == sum.Max:
		row("shape", "all values equal")
	case sum.N >= 3:
		shape := fmt.Sprintf("skewness %s, excess kurtosis %s", num3(s.skew), num3(s.kurt))
		if s.normality != nil {
			verdict := "consistent with normal"
			if s.normality.P < rep.alpha {
				verdict = "not normal"
			}
			name := "Shapiro-Wilk W"
			if s.normality.Method == "dagostino-pearson" {
				name = "D'Agostino-Pearson K2"
			}
			shape += fmt.Sprintf("; %s=%s p=%s: %s", name, num3(s.normality.Statistic), pval(s.normality.P), verdict)
		}
		row("shape", "%s", shape)
	}
	s.writeOutliersText(w, opt)
	if s.order != nil {
		verdict := "no trend"
		if !s.order.Stable(driftAlpha, maxDrift) {
			verdict = "TREND"
		}
		row("order", "across the %ss in input order: drift %s (p=%s): %s", what, pct(s.order.Drift), pval(s.order.P), verdict)
	}
	writeStabilityText(w, s.sample.stab, row)
	if opt.plot && len(s.kept) > 0 {
		fmt.Fprintln(w)
		stats.WriteHistogram(w, s.kept, 40, f)
		fmt.Fprintln(w)
		stats.WriteBoxPlots(w, []stats.BoxPlotRow{{Label: "", Values: s.kept}}, 60, f)
	}
}

// maxListed bounds the outliers listed per group.
const maxListed = 20

func (s *summaryReport) writeOutliersText(w io.Writer, opt statsOptions) {
	o := s.outliers
	if s.summary.N+len(s.excluded) < 3 {
		return
	}
	counts := fmt.Sprintf("iqr1.5 %d, iqr3 %d, z2 %d, z3 %d, mad %d", o.Count(stats.IQRMild), o.Count(stats.IQRExtreme),
		o.Count(stats.ZScore2), o.Count(stats.ZScore3), o.Count(stats.ModifiedZ35))
	if len(o.Found) == 0 {
		fmt.Fprintf(w, "  %-14s none (%s)\n", "outliers", counts)
		return
	}
	fmt.Fprintf(w, "  %-14s %s\n", "outliers", counts)
	// Indexes of Found refer to the finite values; map them back.
	fin := finiteIndex(s.sample.values)
	for i, f := range o.Found {
		if i == maxListed {
			fmt.Fprintf(w, "  %-14s ... and %d more\n", "", len(o.Found)-maxListed)
			break
		}
		mark := ""
		if f.Rules&opt.exclude != 0 {
			mark = "  excluded"
		}
		fmt.Fprintf(w, "  %-14s %s  %s  z %s  modz %s  [%s]%s\n", "", s.sample.where(fin[f.Index]),
			formatValue(s.metric, f.Value, digitsFor(s.summary)), num2(f.Z), num2(f.ModZ), f.Rules, mark)
	}
}

// plural is "1 run", "2 runs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func num2(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// finiteIndex maps positions among the finite values of xs to positions
// in xs.
func finiteIndex(xs []float64) []int {
	var idx []int
	for i, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			idx = append(idx, i)
		}
	}
	return idx
}

func writeStabilityText(w io.Writer, st stability, row func(name, format string, a ...any)) {
	if st.checked == 0 {
		return
	}
	if len(st.drifting) == 0 {
		row("intervals", "%d runs with 3+ intervals: no significant drift (largest fitted drift %s)", st.checked, pct(st.maxDrift))
		return
	}
	row("intervals", "%d of %d runs with 3+ intervals DRIFT:", len(st.drifting), st.checked)
	for i, d := range st.drifting {
		if i == maxListed {
			row("", "... and %d more", len(st.drifting)-maxListed)
			break
		}
		row("", "%s: %s over the run (p=%s)", d.where, pct(d.trend.Drift), pval(d.trend.P))
	}
}

func (c *compareReport) writeText(w io.Writer, rep *statsReport, opt statsOptions) {
	m := c.metric
	digits := max(digitsFor(c.cmp.A), digitsFor(c.cmp.B))
	f := func(v float64) string { return formatValue(m, v, digits) }
	fmt.Fprintf(w, "%s  [%s]\n", keyString(rep.by, c.key), m.describe())
	cmp := c.cmp
	labels := [2]string{"A: " + rep.sides[0], "B: " + rep.sides[1]}
	if rep.compare != "file" {
		labels = [2]string{"A: " + rep.compare + "=" + rep.sides[0], "B: " + rep.compare + "=" + rep.sides[1]}
	}
	row := func(name, format string, args ...any) {
		fmt.Fprintf(w, "  %-14s %s\n", name, fmt.Sprintf(format, args...))
	}
	// Two columns, A and B, sized to what they hold.
	var pairs [][3]string
	two := func(name, a, b string) { pairs = append(pairs, [3]string{name, a, b}) }
	two("", labels[0], labels[1])
	var ns [2]string
	for i, s := range []stats.Summary{cmp.A, cmp.B} {
		ns[i] = strconv.Itoa(s.N)
		if c.side[i].missing > 0 {
			ns[i] += fmt.Sprintf(" (%d without)", c.side[i].missing)
		}
		if k := s.NonFinite(); k > 0 {
			ns[i] += fmt.Sprintf(" (%d non-finite)", k)
		}
		if c.excluded[i] > 0 {
			ns[i] += fmt.Sprintf(" (%d excluded)", c.excluded[i])
		}
	}
	two("n", ns[0], ns[1])
	two("mean", f(cmp.A.Mean), f(cmp.B.Mean))
	two("median", f(cmp.A.Median), f(cmp.B.Median))
	two("stddev", f(cmp.A.StdDev), f(cmp.B.StdDev))
	two("CV", strings.TrimPrefix(pct(cmp.A.CV), "+"), strings.TrimPrefix(pct(cmp.B.CV), "+"))
	var ivs [2]string
	for i, xs := range c.kept {
		ivs[i] = "-"
		if iv, err := stats.MeanInterval(xs, opt.level); err == nil {
			ivs[i] = f(iv.Lo) + " .. " + f(iv.Hi)
		}
	}
	two("mean CI "+levelName(opt.level), ivs[0], ivs[1])
	if c.side[0].merged != nil && c.side[1].merged != nil && c.side[0].merged.Count() > 0 && c.side[1].merged.Count() > 0 {
		for _, q := range []float64{0.5, 0.9, 0.99} {
			a, b := float64(c.side[0].merged.Quantile(q)), float64(c.side[1].merged.Quantile(q))
			two(fmt.Sprintf("merged p%g", q*100), f(a), fmt.Sprintf("%s (%s)", f(b), pct(b/a-1)))
		}
	}
	cw := 0
	for _, p := range pairs {
		cw = max(cw, len(p[1]))
	}
	for _, p := range pairs {
		fmt.Fprintf(w, "%s\n", strings.TrimRight(fmt.Sprintf("  %-14s %-*s  %s", p[0], cw, p[1], p[2]), " "))
	}
	if c.err != nil {
		row("error", "%v", c.err)
		return
	}
	if !math.IsNaN(cmp.ChangeCI.Lo) {
		row("change", "%s (%s CI %s .. %s)", pct(cmp.Change), levelName(cmp.ChangeCI.Level), pct(cmp.ChangeCI.Lo), pct(cmp.ChangeCI.Hi))
	} else {
		row("change", "%s", pct(cmp.Change))
	}
	if !math.IsNaN(cmp.Welch.P) {
		row("welch t-test", "t=%s df=%s p=%s", num3(cmp.Welch.T), num2(cmp.Welch.DF), pval(cmp.Welch.P))
	}
	if !math.IsNaN(cmp.MannWhitney.P) {
		how := "normal approximation"
		if cmp.MannWhitney.Exact {
			how = "exact"
		}
		row("mann-whitney", "U=%s p=%s (%s)", strconv.FormatFloat(cmp.MannWhitney.U, 'f', -1, 64), pval(cmp.MannWhitney.P), how)
	}
	if !math.IsNaN(cmp.CohensD) || !math.IsNaN(cmp.CliffsDelta) {
		row("effect size", "Cohen's d %s%s, Cliff's delta %s%s", num2(cmp.CohensD), cohenLabel(cmp.CohensD),
			num2(cmp.CliffsDelta), cliffLabel(cmp.CliffsDelta))
	}
	if !math.IsNaN(cmp.Power) {
		row("power", "%.0f%% to detect a %s change; 80%% power at %s",
			100*cmp.Power, strings.TrimPrefix(pct(cmp.PowerChange), "+"), strings.TrimPrefix(pct(cmp.DetectableChange), "+"))
	}
	for _, side := range []int{0, 1} {
		st := c.side[side].stab
		if st.checked > 0 {
			writeStabilityText(w, st, func(name, format string, args ...any) {
				if name != "" {
					name += " " + string("AB"[side])
				}
				row(name, format, args...)
			})
		}
	}
	verdict := string(cmp.Verdict)
	if cmp.Test != "" {
		verdict += fmt.Sprintf(" (%s p=%s, alpha %g", cmp.Test, pval(cmp.P), rep.alpha)
		if rep.threshold > 0 {
			verdict += fmt.Sprintf(", threshold %s", strings.TrimPrefix(pct(rep.threshold), "+"))
		}
		verdict += ")"
	}
	row("verdict", "%s", verdict)
	for _, n := range cmp.Notes {
		row("note", "%s", n)
	}
	if opt.plot && len(c.kept[0])+len(c.kept[1]) > 0 {
		fmt.Fprintln(w)
		stats.WriteBoxPlots(w, []stats.BoxPlotRow{{Label: "A", Values: c.kept[0]}, {Label: "B", Values: c.kept[1]}}, 60, f)
	}
}

// ---- markdown ----

func (rep *statsReport) writeMarkdown(w io.Writer) {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	if len(rep.summaries) > 0 {
		fmt.Fprintf(w, "| group | metric | n | mean | median | stddev | CV | 95%% CI (t) | min | max | normality p | outliers (iqr1.5) |\n")
		fmt.Fprintf(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n")
		for _, s := range rep.summaries {
			f := func(v float64) string { return formatValue(s.metric, v, digitsFor(s.summary)) }
			sum := s.summary
			ci := "-"
			for _, iv := range s.tiv {
				if iv.Level == 0.95 {
					ci = f(iv.Lo) + " .. " + f(iv.Hi)
				}
			}
			np := "-"
			if s.normality != nil {
				np = pval(s.normality.P)
			}
			fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %d |\n",
				cell(keyString(rep.by, s.key)), s.metric.name, sum.N, f(sum.Mean), f(sum.Median), f(sum.StdDev),
				strings.TrimPrefix(pct(sum.CV), "+"), ci, f(sum.Min), f(sum.Max), np, s.outliers.Count(stats.IQRMild))
		}
	}
	if len(rep.compares) > 0 {
		fmt.Fprintf(w, "| group | metric | n A | n B | mean A | mean B | change | %s CI | p | test | verdict |\n", levelName(rep.level))
		fmt.Fprintf(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |\n")
		var notes []string
		for _, c := range rep.compares {
			f := func(v float64) string {
				return formatValue(c.metric, v, max(digitsFor(c.cmp.A), digitsFor(c.cmp.B)))
			}
			cmp := c.cmp
			fmt.Fprintf(w, "| %s | %s | %d | %d | %s | %s | %s | %s .. %s | %s | %s | **%s** |\n",
				cell(keyString(rep.by, c.key)), c.metric.name, cmp.A.N, cmp.B.N, f(cmp.A.Mean), f(cmp.B.Mean),
				pct(cmp.Change), pct(cmp.ChangeCI.Lo), pct(cmp.ChangeCI.Hi), pval(cmp.P), cmp.Test, cmp.Verdict)
			for _, n := range cmp.Notes {
				notes = append(notes, fmt.Sprintf("- %s: %s", cell(keyString(rep.by, c.key)), n))
			}
		}
		if len(notes) > 0 {
			fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n"))
		}
		fmt.Fprintf(w, "\nA: %s, B: %s\n", rep.sides[0], rep.sides[1])
	}
}

// ---- CSV ----

func csvNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func (rep *statsReport) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	keyCols := slices.Clone(rep.by)
	if len(rep.summaries) > 0 {
		head := append(keyCols, "metric", "unit", "n", "nan", "inf", "mean", "stddev", "cv", "min", "max", "median")
		if len(rep.summaries) > 0 {
			for _, p := range rep.summaries[0].summary.Percentiles {
				head = append(head, "p"+strconv.FormatFloat(p.P, 'f', -1, 64))
			}
		}
		head = append(head, "ci90_lo", "ci90_hi", "ci95_lo", "ci95_hi", "ci99_lo", "ci99_hi",
			"boot_mean_lo", "boot_mean_hi", "boot_mean_bca_lo", "boot_mean_bca_hi",
			"skewness", "excess_kurtosis", "normality_test", "normality_stat", "normality_p",
			"outliers_iqr1.5", "outliers_iqr3", "outliers_z2", "outliers_z3", "outliers_mad", "excluded",
			"intervals_checked", "intervals_drifting")
		cw.Write(head)
		for _, s := range rep.summaries {
			sum := s.summary
			row := append(slices.Clone(s.key), s.metric.name, s.metric.unit, strconv.Itoa(sum.N), strconv.Itoa(sum.NaN),
				strconv.Itoa(sum.PosInf+sum.NegInf), csvNum(sum.Mean), csvNum(sum.StdDev), csvNum(sum.CV),
				csvNum(sum.Min), csvNum(sum.Max), csvNum(sum.Median))
			for _, p := range sum.Percentiles {
				row = append(row, csvNum(p.Value))
			}
			for _, lv := range []float64{0.90, 0.95, 0.99} {
				lo, hi := "", ""
				for _, iv := range s.tiv {
					if iv.Level == lv {
						lo, hi = csvNum(iv.Lo), csvNum(iv.Hi)
					}
				}
				row = append(row, lo, hi)
			}
			var bm [4]string
			for _, b := range s.boots {
				if b.name == "mean" {
					bm = [4]string{csvNum(b.b.Percentile.Lo), csvNum(b.b.Percentile.Hi), csvNum(b.b.BCa.Lo), csvNum(b.b.BCa.Hi)}
				}
			}
			row = append(row, bm[:]...)
			nt := [3]string{}
			if s.normality != nil {
				nt = [3]string{s.normality.Method, csvNum(s.normality.Statistic), csvNum(s.normality.P)}
			}
			row = append(row, csvNum(s.skew), csvNum(s.kurt), nt[0], nt[1], nt[2])
			o := s.outliers
			for _, r := range []stats.OutlierRule{stats.IQRMild, stats.IQRExtreme, stats.ZScore2, stats.ZScore3, stats.ModifiedZ35} {
				row = append(row, strconv.Itoa(o.Count(r)))
			}
			row = append(row, strconv.Itoa(len(s.excluded)), strconv.Itoa(s.sample.stab.checked), strconv.Itoa(len(s.sample.stab.drifting)))
			cw.Write(row)
		}
	}
	if len(rep.compares) > 0 {
		head := append(keyCols, "metric", "unit", "direction", "a", "b",
			"a_n", "a_mean", "a_median", "a_stddev", "b_n", "b_mean", "b_median", "b_stddev",
			"change", "change_lo", "change_hi", "welch_t", "welch_df", "welch_p", "mw_u", "mw_p", "mw_exact",
			"cohens_d", "cliffs_delta", "power", "power_change", "detectable_change", "test", "p", "verdict")
		cw.Write(head)
		for _, c := range rep.compares {
			cmp := c.cmp
			dir := ""
			if c.metric.dir != stats.UnknownDirection {
				dir = c.metric.dir.String()
			}
			row := append(slices.Clone(c.key), c.metric.name, c.metric.unit, dir, rep.sides[0], rep.sides[1],
				strconv.Itoa(cmp.A.N), csvNum(cmp.A.Mean), csvNum(cmp.A.Median), csvNum(cmp.A.StdDev),
				strconv.Itoa(cmp.B.N), csvNum(cmp.B.Mean), csvNum(cmp.B.Median), csvNum(cmp.B.StdDev),
				csvNum(cmp.Change), csvNum(cmp.ChangeCI.Lo), csvNum(cmp.ChangeCI.Hi),
				csvNum(cmp.Welch.T), csvNum(cmp.Welch.DF), csvNum(cmp.Welch.P),
				csvNum(cmp.MannWhitney.U), csvNum(cmp.MannWhitney.P), strconv.FormatBool(cmp.MannWhitney.Exact),
				csvNum(cmp.CohensD), csvNum(cmp.CliffsDelta), csvNum(cmp.Power), csvNum(cmp.PowerChange),
				csvNum(cmp.DetectableChange), cmp.Test, csvNum(cmp.P), string(cmp.Verdict))
			cw.Write(row)
		}
	}
	cw.Flush()
	return cw.Error()
}

// ---- JSON ----

// jnum is a float64 that encodes NaN and ±Inf as null, which JSON has no
// numbers for.
type jnum float64

func (f jnum) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

type jInterval struct {
	Level jnum `json:"level"`
	Lo    jnum `json:"lo"`
	Hi    jnum `json:"hi"`
}

func jiv(iv stats.Interval) jInterval { return jInterval{jnum(iv.Level), jnum(iv.Lo), jnum(iv.Hi)} }

type jSummary struct {
	N           int             `json:"n"`
	NaN         int             `json:"nan,omitempty"`
	PosInf      int             `json:"pos_inf,omitempty"`
	NegInf      int             `json:"neg_inf,omitempty"`
	Mean        jnum            `json:"mean"`
	StdDev      jnum            `json:"stddev"`
	CV          jnum            `json:"cv"`
	Min         jnum            `json:"min"`
	Max         jnum            `json:"max"`
	Median      jnum            `json:"median"`
	Percentiles map[string]jnum `json:"percentiles,omitempty"`
}

func jsum(s stats.Summary) jSummary {
	j := jSummary{N: s.N, NaN: s.NaN, PosInf: s.PosInf, NegInf: s.NegInf, Mean: jnum(s.Mean), StdDev: jnum(s.StdDev),
		CV: jnum(s.CV), Min: jnum(s.Min), Max: jnum(s.Max), Median: jnum(s.Median)}
	if len(s.Percentiles) > 0 {
		j.Percentiles = map[string]jnum{}
		for _, p := range s.Percentiles {
			j.Percentiles["p"+strconv.FormatFloat(p.P, 'f', -1, 64)] = jnum(p.Value)
		}
	}
	return j
}

type jLatency struct {
	Runs       int    `json:"runs"`
	RoundTrips uint64 `json:"round_trips"`
	P50NS      jnum   `json:"p50_ns"`
	P90NS      jnum   `json:"p90_ns"`
	P99NS      jnum   `json:"p99_ns"`
	P999NS     jnum   `json:"p999_ns"`
	MeanNS     jnum   `json:"mean_ns"`
	MaxNS      jnum   `json:"max_ns"`
}

func jlat(s statsSample) *jLatency {
	h := s.merged
	if h == nil || h.Count() == 0 {
		return nil
	}
	q := func(p float64) jnum { return jnum(h.Quantile(p)) }
	return &jLatency{Runs: len(s.values), RoundTrips: h.Count(), P50NS: q(0.5), P90NS: q(0.9), P99NS: q(0.99),
		P999NS: q(0.999), MeanNS: jnum(h.Mean()), MaxNS: jnum(h.Max())}
}

type jStability struct {
	Checked  int      `json:"checked"`
	MaxDrift jnum     `json:"max_drift"`
	Drifting []jDrift `json:"drifting"`
}

type jDrift struct {
	Where string `json:"where"`
	Drift jnum   `json:"drift"`
	P     jnum   `json:"p"`
}

func jstab(st stability) *jStability {
	if st.checked == 0 {
		return nil
	}
	j := &jStability{Checked: st.checked, MaxDrift: jnum(st.maxDrift), Drifting: []jDrift{}}
	for _, d := range st.drifting {
		j.Drifting = append(j.Drifting, jDrift{d.where, jnum(d.trend.Drift), jnum(d.trend.P)})
	}
	return j
}

type jMetric struct {
	Name      string `json:"name"`
	Unit      string `json:"unit,omitempty"`
	Direction string `json:"direction,omitempty"`
}

func jmet(m statsMetric) jMetric {
	j := jMetric{Name: m.name, Unit: m.unit}
	if m.dir != stats.UnknownDirection {
		j.Direction = m.dir.String()
	}
	return j
}

func jkey(by, key []string) map[string]string {
	m := map[string]string{}
	for i, f := range by {
		if i < len(key) {
			m[f] = key[i]
		}
	}
	return m
}

func (rep *statsReport) writeJSON(w io.Writer) error {
	type jBoot struct {
		Statistic  string    `json:"statistic"`
		Estimate   jnum      `json:"estimate"`
		Percentile jInterval `json:"percentile"`
		BCa        jInterval `json:"bca"`
	}
	type jOutlier struct {
		Where string `json:"where"`
		Value jnum   `json:"value"`
		Rules string `json:"rules"`
		Z     jnum   `json:"z"`
		ModZ  jnum   `json:"modified_z"`
	}
	type jShape struct {
		Skewness       jnum   `json:"skewness"`
		ExcessKurtosis jnum   `json:"excess_kurtosis"`
		NormalityTest  string `json:"normality_test,omitempty"`
		NormalityStat  *jnum  `json:"normality_stat,omitempty"`
		NormalityP     *jnum  `json:"normality_p,omitempty"`
	}
	type jGroup struct {
		Group       map[string]string `json:"group"`
		Metric      jMetric           `json:"metric"`
		Missing     int               `json:"missing,omitempty"`
		Summary     jSummary          `json:"summary"`
		MeanCI      []jInterval       `json:"mean_ci"`
		Bootstrap   []jBoot           `json:"bootstrap,omitempty"`
		Shape       jShape            `json:"shape"`
		Outliers    []jOutlier        `json:"outliers"`
		Excluded    int               `json:"excluded"`
		OrderTrend  *jnum             `json:"order_drift,omitempty"`
		OrderTrendP *jnum             `json:"order_drift_p,omitempty"`
		Latency     *jLatency         `json:"latency,omitempty"`
		Stability   *jStability       `json:"stability,omitempty"`
	}
	type jSide struct {
		Label     string      `json:"label"`
		Summary   jSummary    `json:"summary"`
		Excluded  int         `json:"excluded"`
		Latency   *jLatency   `json:"latency,omitempty"`
		Stability *jStability `json:"stability,omitempty"`
	}
	type jCompare struct {
		Group       map[string]string `json:"group"`
		Metric      jMetric           `json:"metric"`
		A           jSide             `json:"a"`
		B           jSide             `json:"b"`
		Change      jnum              `json:"change"`
		ChangeCI    jInterval         `json:"change_ci"`
		WelchT      jnum              `json:"welch_t"`
		WelchDF     jnum              `json:"welch_df"`
		WelchP      jnum              `json:"welch_p"`
		MannWhitney struct {
			U     jnum `json:"u"`
			P     jnum `json:"p"`
			Exact bool `json:"exact"`
		} `json:"mann_whitney"`
		CohensD          jnum     `json:"cohens_d"`
		CliffsDelta      jnum     `json:"cliffs_delta"`
		Power            jnum     `json:"power"`
		PowerChange      jnum     `json:"power_change"`
		DetectableChange jnum     `json:"detectable_change"`
		RunsNeeded       int      `json:"runs_needed,omitempty"`
		Test             string   `json:"test"`
		P                jnum     `json:"p"`
		Verdict          string   `json:"verdict"`
		Notes            []string `json:"notes"`
	}
	out := struct {
		By          []string   `json:"by"`
		Compare     string     `json:"compare,omitempty"`
		FailedRuns  int        `json:"failed_runs,omitempty"`
		Groups      []jGroup   `json:"groups,omitempty"`
		Comparisons []jCompare `json:"comparisons,omitempty"`
	}{By: rep.by, Compare: rep.compare, FailedRuns: rep.failed}
	if out.By == nil {
		out.By = []string{}
	}
	for _, s := range rep.summaries {
		g := jGroup{Group: jkey(rep.by, s.key), Metric: jmet(s.metric), Missing: s.sample.missing, Summary: jsum(s.summary),
			MeanCI: []jInterval{}, Outliers: []jOutlier{}, Excluded: len(s.excluded),
			Latency: jlat(s.sample), Stability: jstab(s.sample.stab)}
		for _, iv := range s.tiv {
			g.MeanCI = append(g.MeanCI, jiv(iv))
		}
		for _, b := range s.boots {
			g.Bootstrap = append(g.Bootstrap, jBoot{b.name, jnum(b.b.Estimate), jiv(b.b.Percentile), jiv(b.b.BCa)})
		}
		g.Shape = jShape{Skewness: jnum(s.skew), ExcessKurtosis: jnum(s.kurt)}
		if s.normality != nil {
			st, p := jnum(s.normality.Statistic), jnum(s.normality.P)
			g.Shape.NormalityTest, g.Shape.NormalityStat, g.Shape.NormalityP = s.normality.Method, &st, &p
		}
		fin := finiteIndex(s.sample.values)
		for _, o := range s.outliers.Found {
			g.Outliers = append(g.Outliers, jOutlier{s.sample.where(fin[o.Index]), jnum(o.Value), o.Rules.String(), jnum(o.Z), jnum(o.ModZ)})
		}
		if s.order != nil {
			d, p := jnum(s.order.Drift), jnum(s.order.P)
			g.OrderTrend, g.OrderTrendP = &d, &p
		}
		out.Groups = append(out.Groups, g)
	}
	for _, c := range rep.compares {
		cmp := c.cmp
		j := jCompare{Group: jkey(rep.by, c.key), Metric: jmet(c.metric),
			A:      jSide{rep.sides[0], jsum(cmp.A), c.excluded[0], jlat(c.side[0]), jstab(c.side[0].stab)},
			B:      jSide{rep.sides[1], jsum(cmp.B), c.excluded[1], jlat(c.side[1]), jstab(c.side[1].stab)},
			Change: jnum(cmp.Change), ChangeCI: jiv(cmp.ChangeCI),
			WelchT: jnum(cmp.Welch.T), WelchDF: jnum(cmp.Welch.DF), WelchP: jnum(cmp.Welch.P),
			CohensD: jnum(cmp.CohensD), CliffsDelta: jnum(cmp.CliffsDelta), Power: jnum(cmp.Power),
			PowerChange: jnum(cmp.PowerChange), DetectableChange: jnum(cmp.DetectableChange), RunsNeeded: cmp.RunsNeeded,
			Test: cmp.Test, P: jnum(cmp.P), Verdict: string(cmp.Verdict), Notes: cmp.Notes}
		j.MannWhitney.U, j.MannWhitney.P, j.MannWhitney.Exact = jnum(cmp.MannWhitney.U), jnum(cmp.MannWhitney.P), cmp.MannWhitney.Exact
		if j.Notes == nil {
			j.Notes = []string{}
		}
		if c.err != nil {
			j.Notes = append(j.Notes, c.err.Error())
		}
		out.Comparisons = append(out.Comparisons, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
