package cli

// What nperf stats reads: Record streams, plain numbers and saved netperf
// text, and the metrics and fields it can take from them.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"nperf/result"
	"nperf/stats"
)

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
		if r.Aggregate != nil || r.Instance < 0 {
			// The sum of a multi-instance run: its instances are the
			// runs here, and counting it too would count them twice.
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
