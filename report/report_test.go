package report

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nperf/result"
	"nperf/stats"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// The fixtures in testdata are real Record streams:
//
//	multi-rr.jsonl     nperf multi --json -n 3 -t TCP_RR -l 2
//	stream.jsonl       nperf run --json -t TCP_STREAM -l 2
//	profile-lab.jsonl  nperf profile run lab.yaml --json (../internal/cli/testdata/report/lab.yaml)
var fixtures = []string{"testdata/multi-rr.jsonl", "testdata/stream.jsonl", "testdata/profile-lab.jsonl"}

func readInputs(t testing.TB, names ...string) []*Input {
	t.Helper()
	var out []*Input
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			t.Fatal(err)
		}
		in, err := ReadInput(f, filepath.Base(n))
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
	return out
}

// labVerdicts are what 'nperf profile run testdata/lab.yaml' printed for
// the Records of profile-lab.jsonl (internal/cli checks that the report
// command computes the same).
func labVerdicts() *Expectations {
	v := func(name, exp, metric, status, measured string, labels ...string) *Verdict {
		l := map[string]string{"profile": "lab"}
		for i := 0; i+1 < len(labels); i += 2 {
			l[labels[i]] = labels[i+1]
		}
		return &Verdict{Name: name, Expectation: exp, Metric: metric, Status: status, MeasuredText: measured,
			Measured: math.NaN(), Labels: l}
	}
	return &Expectations{Profile: "lab", Source: "profile testdata/lab.yaml", Verdicts: []*Verdict{
		v("bulk[send_size=16K]", "throughput >= 100 Mbit/s", "throughput", StatusPass, "1307 Mbit/s", "test", "bulk", "point", "send_size=16K"),
		v("bulk[send_size=16K]", "throughput >= 10 Tbit/s", "throughput", StatusFail, "1.307 Gbit/s", "test", "bulk", "point", "send_size=16K"),
		v("bulk[send_size=64K]", "throughput >= 100 Mbit/s", "throughput", StatusPass, "7633 Mbit/s", "test", "bulk", "point", "send_size=64K"),
		v("bulk[send_size=64K]", "throughput >= 10 Tbit/s", "throughput", StatusFail, "7.633 Gbit/s", "test", "bulk", "point", "send_size=64K"),
		v("rr", "transaction_rate >= 100", "transaction_rate", StatusPass, "1290/s", "test", "rr"),
		v("rr", "p99_latency < 1s", "p99_latency", StatusPass, "130.6us", "test", "rr"),
		v("rr", "cv < 100%", "cv", StatusFail, "137.3%", "test", "rr"),
	}}
}

func fixedOptions() Options {
	return Options{Title: "nperf report", GeneratedAt: time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC),
		Version: "0.1.0-test", Expectations: labVerdicts()}
}

func fixtureData(t testing.TB) *Data {
	t.Helper()
	return Build(readInputs(t, fixtures...), fixedOptions())
}

func render(t testing.TB, tmpl *Template, d *Data) string {
	t.Helper()
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// golden compares got with testdata/golden/name, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\n got: %q\nwant: %q\n(run go test -update if the change is intended)", name, i+1, g, w)
			}
		}
	}
}

var goldenExt = map[string]string{"html-report": ".html", "markdown-report": ".md", "csv-export": ".csv",
	"latex-table": ".tex", "json-summary": ".json"}

func TestBuiltinsGolden(t *testing.T) {
	d := fixtureData(t)
	for _, name := range Builtins() {
		t.Run(name, func(t *testing.T) {
			tmpl, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+goldenExt[name], render(t, tmpl, d))
		})
	}
}

// Every built-in and both examples pass their own validation: the checker
// knows every field and filter they use.
func TestBuiltinsValidate(t *testing.T) {
	for _, name := range Builtins() {
		src, file, err := BuiltinSource(name)
		if err != nil {
			t.Fatal(err)
		}
		if errs := Validate(file, src); errs != nil {
			t.Errorf("%s: %v", name, errs)
		}
	}
	for _, f := range []string{"../examples/report-template.md.tmpl", "../examples/report-template.md.j2"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if errs := Validate(f, src); errs != nil {
			t.Errorf("%s: %v", f, errs)
		}
	}
}

// The example template in Jinja2 syntax and the same one in Go syntax
// print the same document, from every fixture and from the sample.
func TestJinjaMatchesGo(t *testing.T) {
	goT, err := Load("../examples/report-template.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	jT, err := Load("../examples/report-template.md.j2")
	if err != nil {
		t.Fatal(err)
	}
	if goT.Syntax != SyntaxText || jT.Syntax != SyntaxJinja {
		t.Fatalf("syntaxes %v and %v", goT.Syntax, jT.Syntax)
	}
	cases := map[string][]string{
		"fixtures": fixtures,
		"multi":    {"testdata/multi-rr.jsonl"},
		"profile":  {"testdata/profile-lab.jsonl"},
		"sample":   {"../examples/sample-run.jsonl"},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			d := Build(readInputs(t, files...), fixedOptions())
			g, j := render(t, goT, d), render(t, jT, d)
			if g != j {
				t.Fatalf("outputs differ:\n--- go\n%s\n--- jinja2\n%s", g, j)
			}
			for _, want := range []string{"# nperf report", "| group | runs | mean |", "## Instances, fastest first"} {
				if !strings.Contains(g, want) {
					t.Errorf("output lacks %q", want)
				}
			}
		})
	}
}

// The data model holds what the Records and package stats say.
func TestModel(t *testing.T) {
	inputs := readInputs(t, fixtures...)
	d := Build(inputs, fixedOptions())
	var all []*result.Record
	for _, in := range inputs {
		all = append(all, in.Records...)
	}
	if d.Records != len(all) {
		t.Errorf("Records %d, want %d", d.Records, len(all))
	}
	byID := map[string]*Run{}
	for _, r := range d.Runs {
		byID[r.ID] = r
	}
	// Every aggregate record is its run's result, through the Record's
	// own methods; its latency is the merge of the instances'.
	aggregates := 0
	for _, rec := range all {
		if rec.Aggregate == nil {
			continue
		}
		aggregates++
		r := byID[rec.Run]
		if r == nil || r.Result == nil || r.Aggregate == nil {
			t.Fatalf("run %s has no aggregate result", rec.Run)
		}
		if r.Result.ThroughputBitsPerSecond != rec.ThroughputBitsPerSecond() || r.Result.TransactionRate != rec.TransactionRate() {
			t.Errorf("run %s: result %v, %v; record says %v, %v", rec.Run, r.Result.ThroughputBitsPerSecond,
				r.Result.TransactionRate, rec.ThroughputBitsPerSecond(), rec.TransactionRate())
		}
		if r.Aggregate.Valid != rec.Aggregate.Valid || r.Aggregate.JainIndex != rec.Aggregate.JainIndex {
			t.Errorf("run %s: aggregate %+v, record %+v", rec.Run, r.Aggregate, rec.Aggregate)
		}
		if rec.Latency != nil && (r.Latency == nil || r.Latency.Count != rec.Latency.Count() ||
			r.Latency.P99 != rec.Latency.Quantile(0.99)) {
			t.Errorf("run %s: latency %+v, aggregate record count %d p99 %v", rec.Run, r.Latency, rec.Latency.Count(), rec.Latency.Quantile(0.99))
		}
	}
	if aggregates != 7 {
		t.Errorf("%d aggregate records in the fixtures, want 7", aggregates)
	}
	multi := byID["b5182a4bdd71"]
	if multi == nil || len(multi.Instances) != 3 || multi.Test != "TCP_RR" {
		t.Fatalf("multi run: %+v", multi)
	}
	for _, in := range multi.Instances {
		if in.Series == nil || len(in.Series.Points) < 7 {
			t.Errorf("instance %d: series %+v", in.Index, in.Series)
		}
	}
	single := byID["aac36561215e"]
	if single == nil || single.Aggregate != nil || single.Result != single.Instances[0].Result {
		t.Fatalf("single run: %+v", single)
	}

	// Groups: one per configuration, iterations together.
	var names []string
	for _, g := range d.Groups {
		names = append(names, g.Name)
	}
	if got, want := strings.Join(names, ","), "TCP_RR,TCP_STREAM,bulk[send_size=16K],bulk[send_size=64K],rr"; got != want {
		t.Errorf("groups %s, want %s", got, want)
	}
	for _, g := range d.Groups {
		var values []float64
		merged := stats.NewHistogram()
		for _, r := range g.Runs {
			values = append(values, r.Result.Value)
			if r.Latency != nil {
				merged.Merge(r.Latency.hist)
			}
		}
		s := stats.Summarize(values)
		if g.Summary.N != len(values) || g.Summary.Mean != s.Mean || !sameFloat(g.Summary.StdDev, s.StdDev) {
			t.Errorf("group %s: summary %+v, stats says %+v", g.Name, g.Summary, s)
		}
		if len(values) >= 2 {
			iv, err := stats.MeanInterval(values, DefaultLevel)
			if err != nil || g.Summary.CI.Lo != iv.Lo || g.Summary.CI.Hi != iv.Hi || !g.Summary.CI.Valid {
				t.Errorf("group %s: CI %+v, stats says %+v (%v)", g.Name, g.Summary.CI, iv, err)
			}
		} else if g.Summary.CI.Valid {
			t.Errorf("group %s: a CI of %d values", g.Name, len(values))
		}
		if (merged.Count() > 0) != (g.Latency != nil) || g.Latency != nil && g.Latency.P99 != merged.Quantile(0.99) {
			t.Errorf("group %s: latency not the merge of its runs'", g.Name)
		}
		if len(g.Verdicts) == 0 && g.Labels["profile"] == "lab" {
			t.Errorf("group %s: no verdicts attached", g.Name)
		}
	}
	if d.Expectations.Passed != 4 || d.Expectations.Failed != 3 {
		t.Errorf("expectations %d passed %d failed, want 4 and 3", d.Expectations.Passed, d.Expectations.Failed)
	}
	for _, tt := range d.Tests {
		for _, l := range []*Latency{tt.Latency} {
			if l == nil {
				continue
			}
			var sum float64
			for _, b := range l.Distribution {
				sum += b.Fraction
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("%s: distribution adds up to %v", tt.Name, sum)
			}
		}
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// Records without a run ID (parsed netperf output) make one run per Final
// record; a multi-instance run without an aggregate record has no result.
func TestModelEdges(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	recs := []*result.Record{
		{Test: "TCP_STREAM", Final: true, Start: at, Elapsed: time.Second, BytesSent: 1000, RemoteBytesRecv: 1000},
		{Test: "TCP_STREAM", Final: true, Start: at.Add(time.Minute), Elapsed: time.Second, BytesSent: 2000, RemoteBytesRecv: 2000},
		{Run: "m", Test: "TCP_RR", Instance: 0, Final: true, Start: at, Elapsed: time.Second, Transactions: 10},
		{Run: "m", Test: "TCP_RR", Instance: 1, Final: true, Start: at, Elapsed: time.Second, Transactions: 20,
			Err: &result.Error{Kind: result.ErrData, Message: "connection reset"}},
	}
	d := Build([]*Input{{Name: "x", Records: recs}}, Options{})
	if len(d.Runs) != 3 {
		t.Fatalf("%d runs, want 3", len(d.Runs))
	}
	if d.Runs[0].ID != "x#1" || d.Runs[2].ID != "x#2" {
		t.Errorf("run IDs %q %q %q", d.Runs[0].ID, d.Runs[1].ID, d.Runs[2].ID)
	}
	var m *Run
	for _, r := range d.Runs {
		if r.ID == "m" {
			m = r
		}
	}
	if m.Result != nil || m.Failed != 1 || len(d.Failures) != 1 || d.Failures[0].Message != "connection reset" {
		t.Errorf("multi run without aggregate: result %+v failed %d failures %+v", m.Result, m.Failed, d.Failures)
	}
	if d.Title != "nperf report" || d.Level != DefaultLevel {
		t.Errorf("defaults: %q %v", d.Title, d.Level)
	}
	var stream *Group
	for _, g := range d.Groups {
		if g.Test == "TCP_STREAM" {
			stream = g
		}
	}
	if stream == nil || stream.Summary.N != 2 || stream.Summary.Mean != 12000 {
		t.Errorf("stream group: %+v", stream)
	}
}
