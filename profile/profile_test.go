package profile

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"nperf/result"
	"nperf/runner"
	"nperf/stats"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// noEnv is a Loader whose environment is empty, so that tests do not
// depend on the caller's.
func noEnv() *Loader { return &Loader{Env: func(string) (string, bool) { return "", false }} }

func TestBuiltinsValidate(t *testing.T) {
	want := []string{"baseline", "cloud", "datacenter", "jitter", "latency", "lossy", "mixed-workload", "stress", "throughput", "wireless"}
	if got := Builtins(); !reflect.DeepEqual(got, want) {
		t.Fatalf("built-ins %v, want %v", got, want)
	}
	for _, name := range want {
		t.Run(name, func(t *testing.T) {
			p, err := noEnv().Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != name || p.Description == "" || len(p.Tags) == 0 {
				t.Errorf("name %q, description %q, tags %v: a built-in needs all three", p.Name, p.Description, p.Tags)
			}
			runs, err := p.Runs(nil)
			if err != nil || len(runs) == 0 {
				t.Fatalf("runs: %v, %v", len(runs), err)
			}
			for _, r := range runs {
				if len(r.Expect) == 0 {
					t.Errorf("run %s checks nothing", r.Name())
				}
				if !r.Embedded() {
					t.Errorf("run %s names a host; built-ins take -H", r.Name())
				}
			}
			roundTrip(t, p)
		})
	}
}

// roundTrip checks that the canonical form loads back to the same runs.
func roundTrip(t *testing.T, p *Profile) {
	t.Helper()
	b, err := p.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	q, err := noEnv().Parse("canonical.yaml", b)
	if err != nil {
		t.Fatalf("canonical form does not load: %v\n%s", err, b)
	}
	r1, err1 := p.Runs(nil)
	r2, err2 := q.Runs(nil)
	if err1 != nil || err2 != nil {
		t.Fatalf("runs: %v, %v", err1, err2)
	}
	if len(r1) != len(r2) {
		t.Fatalf("%d runs, %d after the round trip", len(r1), len(r2))
	}
	for i := range r1 {
		a, b := *r1[i], *r2[i]
		if !reflect.DeepEqual(a.Job, b.Job) || a.Name() != b.Name() || a.Iterations != b.Iterations || len(a.Expect) != len(b.Expect) {
			t.Errorf("run %d differs after the round trip:\n%+v\n%+v", i, a, b)
		}
		for j := range a.Expect {
			x, y := a.Expect[j], b.Expect[j]
			if x.Metric != y.Metric || x.Op != y.Op || x.Want != y.Want || x.Unit != y.Unit || x.Quantile != y.Quantile {
				t.Errorf("run %d expectation %d differs: %+v vs %+v", i, j, x, y)
			}
		}
	}
}

// TestBroken loads every profile of testdata/broken and checks each
// reports its one error kind at the right place.
func TestBroken(t *testing.T) {
	tests := []struct {
		file string
		want []string // "file:line:col: reason substring", in order
	}{
		{"unknown-key.yaml", []string{`unknown-key.yaml:3:3: unknown key "duraton" in globals (did you mean "duration"?)`}},
		{"wrong-type.yaml", []string{`wrong-type.yaml:3:15: iterations: want a whole number, got "three"`}},
		{"bad-unit.yaml", []string{`bad-unit.yaml:5:23: throughput: unknown rate unit "Gbbs"`}},
		{"bad-expectation.yaml", []string{`bad-expectation.yaml:5:21: bad operator in "p99_latency => 200us"`}},
		{"unknown-test.yaml", []string{`unknown-test.yaml:4:11: unknown test type "TCP_STREEM" (did you mean "TCP_STREAM"?)`}},
		{"metric-not-produced.yaml", []string{`metric-not-produced.yaml:7:9: p99_latency < 200us: TCP_STREAM does not measure p99_latency`}},
		{"sweep-unknown-option.yaml", []string{`sweep-unknown-option.yaml:5:7: sweep of unknown option "message_size"`}},
		{"missing-extends.yaml", []string{`missing-extends.yaml:2:10: extends: no profile "no-such-profile"`}},
		{"cyclic-a.yaml", []string{`cyclic-b.yaml:2:10: cyclic extends: cyclic-a.yaml -> cyclic-b.yaml -> cyclic-a.yaml`}},
		{"cyclic-b.yaml", []string{`cyclic-a.yaml:2:10: cyclic extends: cyclic-b.yaml -> cyclic-a.yaml -> cyclic-b.yaml`}},
		{"undefined-variable.yaml", []string{`undefined-variable.yaml:4:14: undefined variable RACK_UNDEFINED_IN_TESTS`}},
		{"duplicate-key.yaml", []string{`duplicate-key.yaml:6:7: duplicate key "request_size" (first at line 5)`}},
		{"yaml-syntax.yaml", []string{`yaml-syntax.yaml:3: YAML syntax: did not find expected ',' or '}'`}},
		{"cv-one-iteration.yaml", []string{`cv-one-iteration.yaml:6:14: cv < 5%: cv is the variation between iterations and needs iterations >= 2`}},
		{"fractional-duration.yaml", []string{`fractional-duration.yaml:4:15: duration: 1500ms: a test lasts whole seconds`}},
		{"option-not-applicable.yaml", []string{`option-not-applicable.yaml:5:7: option request_size does not apply to TCP_STREAM`}},
		{"duplicate-test.yaml", []string{`duplicate-test.yaml:5:5: duplicate test name "rr" (first at line 3)`}},
		{"bad-size.yaml", []string{`bad-size.yaml:5:18: send_size: size 128K out of range (1 to 65507 bytes)`}},
		{"unsupported-engine.yaml", []string{`unsupported-engine.yaml:3:11: engine: "iperf3" is not an engine`}},
		{"not-a-mapping.yaml", []string{`not-a-mapping.yaml:1:1: a profile is a mapping of keys`}},
		{"many-problems.yaml", []string{
			`many-problems.yaml:4:13: duration: invalid duration "soon"`,
			`many-problems.yaml:8:17: no_delay: want true or false, got "maybe"`,
			`many-problems.yaml:10:9: unknown metric "latency"`,
			`many-problems.yaml:12:22: loss: "0.1" needs a % sign`,
		}},
	}
	files, err := filepath.Glob("testdata/broken/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, tc := range tests {
		listed = append(listed, filepath.Join("testdata/broken", tc.file))
	}
	sort.Strings(listed)
	if !reflect.DeepEqual(files, listed) {
		t.Fatalf("testdata/broken holds %v, the table lists %v", files, listed)
	}
	// Errors name files relative to the working directory, as the user
	// typed them; run from inside the folder so that names are short.
	t.Chdir("testdata/broken")
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			p, err := noEnv().Load(tc.file)
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got profile %v, error %v; want an ErrorList", p, err)
			}
			if len(list) != len(tc.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(list), len(tc.want), list)
			}
			for i, w := range tc.want {
				if got := list[i].Error(); !strings.HasPrefix(got, w) {
					t.Errorf("problem %d:\n got %s\nwant %s...", i, got, w)
				}
			}
		})
	}
}

// TestShow checks the canonical form of testdata/good profiles against
// golden files: inheritance merged, variables substituted.
func TestShow(t *testing.T) {
	l := noEnv()
	l.Set = map[string]string{"PORT": "9999"}
	for _, name := range []string{"parent", "child", "shadow"} {
		t.Run(name, func(t *testing.T) {
			p, err := l.Load(filepath.Join("testdata/good", name+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Canonical()
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata/good", name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("canonical form differs from %s (go test -update rewrites it):\n%s", golden, got)
			}
			roundTrip(t, p)
		})
	}
}

func TestInheritanceAndSweeps(t *testing.T) {
	l := noEnv()
	l.Env = func(k string) (string, bool) {
		if k == "SERVER" {
			return "srv.example", true
		}
		return "", false
	}
	p, err := l.Load("testdata/good/child.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"testdata/good/parent.yaml"}; !reflect.DeepEqual(p.Extends, want) {
		t.Errorf("extends %v, want %v", p.Extends, want)
	}
	if p.Globals.Duration != 3*time.Second || p.Globals.Iterations != 2 {
		t.Errorf("globals %+v: want the child's duration and the parent's iterations", p.Globals)
	}
	runs, err := p.Runs(nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range runs {
		names = append(names, r.Name())
	}
	want := []string{
		"bulk[send_size=1K,instances=1]", "bulk[send_size=1K,instances=2]",
		"bulk[send_size=64K,instances=1]", "bulk[send_size=64K,instances=2]",
		"rr", "udp",
	}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("runs %q, want %q", names, want)
	}
	bulk := runs[3].Job
	wantSpec := result.Spec{Test: "TCP_STREAM", Port: 0, LengthSeconds: 3, SendSize: 65536,
		LocalSendBuf: 256 << 10, RemoteRecvBuf: 1 << 20, IntervalMS: 250}
	if !reflect.DeepEqual(bulk.Spec, wantSpec) || bulk.Instances != 2 {
		t.Errorf("bulk job %+v (%d instances), want spec %+v and 2 instances", bulk.Spec, bulk.Instances, wantSpec)
	}
	if want := []runner.Target{{Host: "srv.example", Port: 12865}}; !reflect.DeepEqual(bulk.Targets, want) {
		t.Errorf("targets %v, want %v (SERVER from the environment, PORT from vars)", bulk.Targets, want)
	}
	if got := runs[3].Expect; len(got) != 1 || got[0].Text != "throughput >= 1 Gbit/s" {
		t.Errorf("bulk expectations %v: want the parent's", got)
	}
	rr := runs[4]
	if len(rr.Expect) != 2 || rr.Expect[0].Metric != "transaction_rate" || rr.Expect[0].Want != 20000 || !rr.Job.Spec.NoDelay {
		t.Errorf("rr: %+v: want the child's expectations and the parent's options", rr)
	}
	udp := runs[5]
	if udp.Job.Spec.LengthSeconds != 1 || !reflect.DeepEqual(udp.Job.Targets, []runner.Target{{Host: "::1", Port: 12865}}) {
		t.Errorf("udp: %+v", udp.Job)
	}
	j := runs[1].JobFor(2, "abc-7")
	wantLabels := map[string]string{"profile": "child", "test": "bulk", "point": "send_size=1K,instances=2", "iteration": "2"}
	if j.RunID != "abc-7" || !reflect.DeepEqual(j.Labels, wantLabels) {
		t.Errorf("JobFor: run %q labels %v, want %v", j.RunID, j.Labels, wantLabels)
	}
	// -H replaces every host.
	runs, _ = p.Runs([]string{"10.0.0.1:5000", "10.0.0.2"})
	if want := []runner.Target{{Host: "10.0.0.1", Port: 5000}, {Host: "10.0.0.2"}}; !reflect.DeepEqual(runs[5].Job.Targets, want) {
		t.Errorf("targets with -H: %v, want %v", runs[5].Job.Targets, want)
	}
}

func TestShadowBuiltin(t *testing.T) {
	p, err := noEnv().Load("testdata/good/shadow.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"builtin/baseline.yaml"}; !reflect.DeepEqual(p.Extends, want) {
		t.Errorf("extends %v, want %v", p.Extends, want)
	}
	runs, _ := p.Runs(nil)
	if len(runs) != 3 || runs[0].Job.Spec.LengthSeconds != 1 {
		t.Errorf("%d runs of %d s; want baseline's 4 less the skipped one, 1 s each", len(runs), runs[0].Job.Spec.LengthSeconds)
	}
}

func TestVariables(t *testing.T) {
	src := []byte("name: v\nvars: {A: from-vars, B: from-vars, C: from-vars}\ntests:\n  - name: t\n    type: TCP_RR\n    description: \"${A} ${B} ${C} ${D:-inline} $${A} $$5\"\n")
	l := &Loader{
		Set: map[string]string{"A": "from-set"},
		Env: func(k string) (string, bool) {
			if k == "A" || k == "B" {
				return "from-env", true
			}
			return "", false
		},
	}
	p, err := l.Parse("v.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Tests[0].Description, "from-set from-env from-vars inline ${A} $5"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseQuantities(t *testing.T) {
	tests := []struct {
		text    string
		metric  string
		want    float64
		wantErr string
	}{
		{"throughput >= 9 Gbit/s", "throughput", 9e9, ""},
		{"throughput >= 10 Gbps", "throughput", 10e9, ""},
		{"throughput>=10Gb/s", "throughput", 10e9, ""},
		{"throughput > 100 Mbit/s", "throughput", 100e6, ""},
		{"throughput >= 1.25 GB/s", "throughput", 10e9, ""},
		{"throughput >= 100 MiB/s", "throughput", 100 * (1 << 20) * 8, ""},
		{"throughput >= 500 kbps", "throughput", 500e3, ""},
		{"throughput >= 10 Gbbs", "", 0, `unknown rate unit "Gbbs"`},
		{"throughput >= 10", "", 0, "needs a unit"},
		{"p99_latency < 200us", "p99_latency", 200e3, ""},
		{"p99_latency < 200 µs", "p99_latency", 200e3, ""},
		{"p999_latency <= 1.5ms", "p999_latency", 1.5e6, ""},
		{"p99.99_latency < 1s", "p99.99_latency", 1e9, ""},
		{"mean_latency < 50us", "mean_latency", 50e3, ""},
		{"p99_latency < 200", "", 0, "needs a unit"},
		{"p99_latency < 200 furlongs", "", 0, `unknown time unit "furlongs"`},
		{"p100_latency < 1ms", "", 0, "invalid percentile"},
		{"cv < 5%", "cv", 0.05, ""},
		{"loss < 0.1%", "loss", 0.001, ""},
		{"loss < 0.1", "", 0, "needs a % sign"},
		{"transaction_rate >= 20000", "transaction_rate", 20000, ""},
		{"transaction_rate >= 20k", "transaction_rate", 20000, ""},
		{"transaction_rate >= 20k trans/s", "transaction_rate", 20000, ""},
		{"transaction_rate >= 20 Mbit/s", "", 0, "unknown unit"},
		{"fairness >= 0.9", "fairness", 0.9, ""},
		{"jitter < 2ms", "jitter", 2e6, ""},
		{"throughput => 1 Gbit/s", "", 0, "bad operator"},
		{"throughput == 1 Gbit/s", "", 0, "bad operator"},
		{"throughput >= ", "", 0, "no value"},
		{"speed >= 1 Gbit/s", "", 0, `unknown metric "speed"`},
		{">= 1 Gbit/s", "", 0, "want METRIC OP VALUE"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			e, err := ParseExpectation(tc.text)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Metric != tc.metric || relDiff(e.Want, tc.want) > 1e-12 {
				t.Errorf("got %s %v, want %s %v", e.Metric, e.Want, tc.metric, tc.want)
			}
		})
	}
}

func relDiff(a, b float64) float64 {
	if a == b {
		return 0
	}
	d := (a - b) / b
	if d < 0 {
		d = -d
	}
	return d
}

// iteration builds a runner result of one instance.
func iteration(test string, elapsed time.Duration, sent, recv, trans uint64, rtts ...time.Duration) *runner.Result {
	f := &result.Record{Test: test, Final: true, Elapsed: elapsed, BytesSent: sent, RemoteBytesRecv: recv, Transactions: trans}
	agg := &result.Record{Test: test, Final: true, Instance: -1, Elapsed: elapsed, BytesSent: sent, RemoteBytesRecv: recv,
		Transactions: trans, Aggregate: &result.Aggregate{Instances: 1, Valid: 1, JainIndex: 1}}
	if len(rtts) > 0 {
		h := stats.NewHistogram()
		for _, d := range rtts {
			h.Record(d)
		}
		f.Latency, agg.Latency = h, h
	}
	return &runner.Result{Finals: []*result.Record{f}, Aggregate: agg}
}

func TestMeasurementVerdicts(t *testing.T) {
	stream := NewMeasurement("UDP_STREAM")
	// 1 s each: 800 and 1000 Mbit/s arrived of 1000 and 1250 Mbit/s sent.
	stream.Add(1, iteration("UDP_STREAM", time.Second, 125e6, 100e6, 0))
	stream.Add(2, iteration("UDP_STREAM", time.Second, 156.25e6, 125e6, 0))
	rr := NewMeasurement("TCP_RR")
	rr.Add(1, iteration("TCP_RR", 2*time.Second, 100, 100, 4, 10*time.Microsecond, 20*time.Microsecond))
	rr.Add(2, iteration("TCP_RR", 2*time.Second, 100, 100, 4, 30*time.Microsecond, 40*time.Microsecond))
	failed := NewMeasurement("TCP_RR")
	bad := iteration("TCP_RR", 0, 0, 0, 0)
	bad.Finals[0].Err = &result.Error{Kind: result.ErrControlConnect, Message: "refused"}
	bad.Aggregate.Aggregate.Valid = 0
	failed.Add(1, bad)

	tests := []struct {
		m        *Measurement
		expect   string
		ok       bool
		measured string
	}{
		{stream, "throughput >= 900 Mbit/s", true, "900 Mbit/s"},
		{stream, "throughput > 900 Mbit/s", false, "900 Mbit/s"},
		{stream, "loss < 25%", true, "20%"},
		{stream, "loss < 19%", false, "20%"},
		{stream, "cv < 16%", true, "15.71%"},
		{stream, "cv < 15%", false, "15.71%"},
		{rr, "transaction_rate >= 2", true, "2/s"},
		{rr, "mean_latency <= 25us", true, "25us"},
		{rr, "max_latency < 40us", false, "40us"},
		{rr, "min_latency >= 10us", true, "10us"},
		{rr, "p50_latency < 1ms", true, "20.09us"},
		{rr, "cv < 1%", true, "0%"},
		{rr, "jitter < 12us", true, "11.18us"},
		{failed, "transaction_rate >= 1", false, "not measured: no iteration produced a valid result"},
	}
	for _, tc := range tests {
		t.Run(tc.expect, func(t *testing.T) {
			e, err := ParseExpectation(tc.expect)
			if err != nil {
				t.Fatal(err)
			}
			v := tc.m.Check(e)
			if v.OK != tc.ok || v.MeasuredText() != tc.measured {
				t.Errorf("ok %v measured %q, want ok %v measured %q", v.OK, v.MeasuredText(), tc.ok, tc.measured)
			}
		})
	}
	if len(failed.Failures) != 1 || !strings.Contains(failed.Failures[0], "control-connect: refused") {
		t.Errorf("failures %q", failed.Failures)
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in   string
		want runner.Target
		err  bool
	}{
		{"host", runner.Target{Host: "host", Port: 7}, false},
		{"host:99", runner.Target{Host: "host", Port: 99}, false},
		{"[::1]:99", runner.Target{Host: "::1", Port: 99}, false},
		{"::1", runner.Target{Host: "::1", Port: 7}, false},
		{"host:0", runner.Target{}, true},
		{"host:x", runner.Target{}, true},
		{"", runner.Target{}, true},
	}
	for _, tc := range tests {
		got, err := ParseTarget(tc.in, 7)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseTarget(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// FuzzLoad feeds the loader arbitrary bytes: it must not panic, every
// problem must carry a position in the file, and a profile it accepts
// must expand into runs and survive the canonical round trip.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/broken/*.yaml", "testdata/good/*.yaml", "profiles/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\ntests: *c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := noEnv().Parse("fuzz.yaml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) {
				// Only a missing extends target may fail otherwise, and
				// it is reported in the list too.
				t.Fatalf("error is not an ErrorList: %v", err)
			}
			for _, e := range list {
				if e.Pos.File == "" && !strings.Contains(e.Msg, "too large") {
					t.Fatalf("problem without a file: %v", e)
				}
			}
			return
		}
		if _, err := p.Runs(nil); err != nil {
			t.Fatalf("valid profile does not expand: %v", err)
		}
		roundTrip(t, p)
	})
}

// TestDocsCoverEverything keeps docs/profiles.md in step with the
// decoder: every key, option, metric and built-in is documented.
func TestDocsCoverEverything(t *testing.T) {
	b, err := os.ReadFile("../docs/profiles.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	var names []string
	names = append(names, topKeys...)
	names = append(names, globalsKeys...)
	names = append(names, testKeys...)
	names = append(names, optionNames()...)
	for _, m := range metrics {
		if m.name != "pNN_latency" {
			names = append(names, m.name)
		}
	}
	names = append(names, Builtins()...)
	for _, n := range names {
		if !strings.Contains(doc, "`"+n+"`") {
			t.Errorf("docs/profiles.md does not mention `%s`", n)
		}
	}
}
