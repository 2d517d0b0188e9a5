package cli

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"nperf/profile"
	"nperf/report"
	"nperf/result"
	"nperf/runner"
)

const reportUsage = `Usage: nperf report [-t NAME|FILE] [-o FILE] [options] [RECORDS ...]
       nperf report --validate TEMPLATE ...
       nperf report --list

Renders Records (files or -; none reads stdin) through a built-in template or
your own: Go template syntax, or Jinja2 syntax for .j2 files. Every template
sees one data model (runs, tests, groups, summaries, series, merged latency);
docs/reports.md describes it and every filter.

Options:
  -t, --template NAME|FILE  built-in template or template file; default from
                            the -o extension (.html, .md, .csv, .tex, .json),
                            else markdown-report
  -o FILE           write the report to FILE (only once it rendered whole)
  --title TEXT      the report's title (default "nperf report")
  --level L         confidence level of intervals: 0.95 or 95 (default 95)
  --profile REF     check this profile's expectations (name or file) against
                    the Records; by default the built-in profile the Records'
                    "profile" label names, when there is one
  --no-expectations check no expectations
  --validate        check template files: syntax (line:column), unknown
                    filters, unknown fields of the data model
  --list            list the built-in templates and the filters

The report's date is now, or SOURCE_DATE_EPOCH (seconds) when set, for
reproducible documents.

Exit status: 0 rendered (or templates valid); 1 bad input, a template that
does not render or is invalid; 2 usage error.
`

// reportDefaultByExt picks the built-in for an output file's extension.
var reportDefaultByExt = map[string]string{
	".html": "html-report", ".htm": "html-report", ".md": "markdown-report", ".markdown": "markdown-report",
	".csv": "csv-export", ".tex": "latex-table", ".json": "json-summary",
}

type reportOpts struct {
	template       string
	out            string
	title          string
	level          float64
	profile        string
	noExpectations bool
	validate       bool
	list           bool
	args           []string
}

func parseReportArgs(args []string) (*reportOpts, error) {
	o := &reportOpts{}
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.template, "t", "", "")
	fs.StringVar(&o.template, "template", "", "")
	fs.StringVar(&o.out, "o", "", "")
	fs.StringVar(&o.title, "title", "", "")
	level := fs.String("level", "95", "")
	fs.StringVar(&o.profile, "profile", "", "")
	fs.BoolVar(&o.noExpectations, "no-expectations", false, "")
	fs.BoolVar(&o.validate, "validate", false, "")
	fs.BoolVar(&o.list, "list", false, "")
	// Options may follow the files: parse, take one file, go on.
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "flag provided but not defined: "))
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		o.args = append(o.args, rest[0])
		args = rest[1:]
		if rest[0] == "--" {
			o.args = append(o.args[:len(o.args)-1], args...)
			break
		}
	}
	l, err := strconv.ParseFloat(strings.TrimSuffix(*level, "%"), 64)
	if err == nil && l > 1 {
		l /= 100
	}
	if err != nil || !(l > 0 && l < 1) {
		return nil, fmt.Errorf("option --level: %q is not a confidence level (want 0.95 or 95)", *level)
	}
	o.level = l
	if o.validate && len(o.args) == 0 {
		return nil, fmt.Errorf("--validate takes the template files to check")
	}
	if o.profile != "" && o.noExpectations {
		return nil, fmt.Errorf("--profile and --no-expectations contradict each other")
	}
	return o, nil
}

// reportCmd is "nperf report".
func reportCmd(_ context.Context, stdio Stdio, args []string) int {
	o, err := parseReportArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdio.Out, reportUsage)
		return exitOK
	}
	if err != nil {
		errorf(stdio.Err, "%v", err)
		hintf(stdio.Err, "run 'nperf report --help' for the options")
		return exitUsage
	}
	switch {
	case o.list:
		reportList(stdio.Out)
		return exitOK
	case o.validate:
		return reportValidate(stdio, o.args)
	}

	ref := o.template
	if ref == "" {
		ref = "markdown-report"
		if def, ok := reportDefaultByExt[strings.ToLower(filepath.Ext(o.out))]; ok {
			ref = def
		}
	}
	tmpl, err := report.Load(ref)
	if err != nil {
		printTemplateError(stdio.Err, ref, err)
		return exitFailed
	}
	if !isBuiltinTemplate(ref) {
		// A user template is checked before it runs: a misspelt field
		// would otherwise print nothing where a value belongs.
		src, err := os.ReadFile(ref)
		if err == nil {
			if problems := report.Validate(ref, src); problems != nil {
				printTemplateError(stdio.Err, ref, problems)
				return exitFailed
			}
		}
	}

	inputs, err := readReportInputs(o.args, stdio.In)
	if err != nil {
		errorf(stdio.Err, "%v", err)
		return exitFailed
	}
	var records []*result.Record
	for _, in := range inputs {
		records = append(records, in.Records...)
	}
	if len(records) == 0 {
		errorf(stdio.Err, "no Records in %s", strings.Join(reportNames(o.args), ", "))
		hintf(stdio.Err, "write Records with 'nperf run --json', 'nperf multi --json' or 'nperf profile run --json'")
		return exitFailed
	}
	var exp *report.Expectations
	if !o.noExpectations {
		exp, err = reportExpectations(records, o.profile)
		if err != nil {
			printProfileError(stdio.Err, cmp.Or(o.profile, "named by the Records"), err)
			return exitFailed
		}
	}
	d := report.Build(inputs, report.Options{Title: o.title, GeneratedAt: reportTime(), Version: Version,
		Level: o.level, Expectations: exp})

	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, d); err != nil {
		errorf(stdio.Err, "%v", err)
		return exitFailed
	}
	if o.out == "" || o.out == "-" {
		_, err = stdio.Out.Write(buf.Bytes())
	} else {
		err = os.WriteFile(o.out, buf.Bytes(), 0o644)
	}
	if err != nil {
		errorf(stdio.Err, "%v", err)
		return exitFailed
	}
	return exitOK
}

func isBuiltinTemplate(ref string) bool { return slices.Contains(report.Builtins(), ref) }

func reportNames(args []string) []string {
	if len(args) == 0 {
		return []string{"stdin"}
	}
	return args
}

// reportTime is the report's date: SOURCE_DATE_EPOCH when set (the
// reproducible-builds convention), else now.
func reportTime() time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(sec, 0).UTC()
		}
	}
	return time.Now().UTC()
}

// readReportInputs reads every input through result.Reader; "-" or no
// argument is stdin.
func readReportInputs(names []string, stdin io.Reader) ([]*report.Input, error) {
	if len(names) == 0 {
		names = []string{"-"}
	}
	var out []*report.Input
	for _, name := range names {
		var r io.Reader = stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			r = f
		}
		in, err := report.ReadInput(r, name)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// printTemplateError prints each problem of a template as
// file:line:column: reason, then one error line.
func printTemplateError(w io.Writer, ref string, err error) {
	var list report.ErrorList
	if !errors.As(err, &list) {
		errorf(w, "template %s: %v", ref, err)
		return
	}
	for _, e := range list {
		fmt.Fprintln(w, e.Error())
	}
	n := "1 problem"
	if len(list) > 1 {
		n = fmt.Sprintf("%d problems", len(list))
	}
	errorf(w, "template %s is invalid: %s", ref, n)
}

func reportValidate(stdio Stdio, files []string) int {
	status := exitOK
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			errorf(stdio.Err, "%v", err)
			status = exitFailed
			continue
		}
		if problems := report.Validate(f, src); problems != nil {
			printTemplateError(stdio.Err, f, problems)
			status = exitFailed
			continue
		}
		syntax, _ := report.SyntaxOf(f)
		fmt.Fprintf(stdio.Out, "%s: valid %s template\n", f, syntax)
	}
	return status
}

func reportList(w io.Writer) {
	fmt.Fprintln(w, "Built-in templates:")
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, n := range report.Builtins() {
		fmt.Fprintf(tw, "  %s\t%s\n", n, report.BuiltinSummary(n))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nFilters (Go templates: {{ x | name args }}; Jinja2: {{ x | name(args) }}):")
	for _, n := range report.Filters() {
		usage, _, _ := report.FilterDoc(n)
		fmt.Fprintf(w, "  %s\n", usage)
	}
}

// reportExpectations checks a profile's expectations against Records that
// a profile run wrote (labelled profile, test, point, iteration), with the
// profile package's own measurement, so that the report says what
// 'nperf profile run' said. ref names the profile; "" takes the built-in
// profile the Records' label names, if it exists. It returns nil when
// there is nothing to check.
func reportExpectations(records []*result.Record, ref string) (*report.Expectations, error) {
	names := map[string]bool{}
	for _, r := range records {
		if p := r.Labels["profile"]; p != "" {
			names[p] = true
		}
	}
	source := ""
	if ref == "" {
		if len(names) != 1 {
			return nil, nil
		}
		for n := range names {
			ref = n
		}
		if !slices.Contains(profile.Builtins(), ref) {
			return nil, nil
		}
		source = "the built-in profile " + ref
	}
	l := &profile.Loader{Env: os.LookupEnv}
	p, err := l.Load(ref)
	if err != nil {
		return nil, err
	}
	if source == "" {
		source = "profile " + ref
	}
	runs, err := p.Runs(nil)
	if err != nil {
		return nil, err
	}
	exp := &report.Expectations{Profile: p.Name, Source: source}
	for _, r := range runs {
		labels := map[string]string{"profile": p.Name, "test": r.Test}
		if len(r.Point) > 0 {
			labels["point"] = r.PointLabel()
		}
		m, found := measureFromRecords(r.Type, records, labels)
		for _, e := range r.Expect {
			v := &report.Verdict{Name: r.Name(), Expectation: e.Text, Metric: e.Metric, Labels: labels,
				Measured: math.NaN()}
			switch {
			case !found:
				v.Status, v.MeasuredText = report.StatusNotMeasured, "not measured: no Records of this run in the input"
			default:
				pv := m.Check(e)
				v.MeasuredText = pv.MeasuredText()
				switch {
				case pv.Err != nil:
					v.Status = report.StatusNotMeasured
				case pv.OK:
					v.Status, v.Measured = report.StatusPass, pv.Measured
				default:
					v.Status, v.Measured = report.StatusFail, pv.Measured
				}
			}
			exp.Verdicts = append(exp.Verdicts, v)
		}
	}
	if len(exp.Verdicts) == 0 {
		return nil, nil
	}
	return exp, nil
}

// measureFromRecords rebuilds what 'nperf profile run' measured for one
// profile run from its Records: one runner.Result per iteration (Records
// sharing a run ID), fed to profile.Measurement in iteration order.
func measureFromRecords(typ string, records []*result.Record, labels map[string]string) (*profile.Measurement, bool) {
	type iteration struct {
		n   int
		res *runner.Result
	}
	byRun := map[string]*iteration{}
	var order []*iteration
	for _, r := range records {
		if !r.Final || !labelsHave(r.Labels, labels) {
			continue
		}
		it := byRun[r.Run]
		if it == nil {
			n, _ := strconv.Atoi(r.Labels["iteration"])
			it = &iteration{n: n, res: &runner.Result{}}
			byRun[r.Run] = it
			order = append(order, it)
		}
		if r.Aggregate != nil || r.Instance < 0 {
			it.res.Aggregate = r
		} else {
			it.res.Finals = append(it.res.Finals, r)
		}
	}
	if len(order) == 0 {
		return nil, false
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].n < order[j].n })
	m := profile.NewMeasurement(typ)
	for _, it := range order {
		sort.SliceStable(it.res.Finals, func(i, j int) bool { return it.res.Finals[i].Instance < it.res.Finals[j].Instance })
		m.Add(it.n, it.res)
	}
	return m, true
}

// labelsHave reports whether have carries every label of want, and no
// sweep point when want has none.
func labelsHave(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	_, wantPoint := want["point"]
	_, hasPoint := have["point"]
	return wantPoint == hasPoint
}
