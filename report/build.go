package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"nperf/result"
	"nperf/stats"
)

// An Input is one Record stream: its name ("-" for stdin), its Headers and
// its Records in order.
type Input struct {
	Name    string
	Headers []*result.Header
	Records []*result.Record
}

// ReadInput reads one Record stream through result.Reader; name is used in
// error messages (file:line).
func ReadInput(r io.Reader, name string) (*Input, error) {
	in := &Input{Name: name}
	rd := result.NewReader(r, name)
	for rd.Scan() {
		if h := rd.Header(); h != nil {
			in.Headers = append(in.Headers, h)
			continue
		}
		in.Records = append(in.Records, rd.Record())
	}
	return in, rd.Err()
}

// Options set what Build cannot learn from the Records.
type Options struct {
	Title       string    // default "nperf report"
	GeneratedAt time.Time // when the report was made; the zero time is kept as is
	Version     string    // nperf's version
	// Level is the confidence level of intervals, 0..1 (default 0.95).
	Level float64
	// Expectations are checked expectations to include (see Expectations).
	Expectations *Expectations
}

// DefaultLevel is the confidence level of intervals when Options.Level is 0.
const DefaultLevel = 0.95

// percentilesShown are the latency percentiles every Latency lists.
var percentilesShown = []float64{50, 90, 95, 99, 99.9, 99.99}

// distributionQuantiles is how many equal shares a latency distribution
// is read in; binsPerDecade how many bins it has per power of ten.
const (
	distributionQuantiles = 200
	binsPerDecade         = 10
)

// Build turns Records into the data model. It never fails: Records that
// cannot contribute (an instance without a Final record, a run whose
// instances cannot be summed) are kept with nil results, and templates
// show what is missing.
func Build(inputs []*Input, opt Options) *Data {
	if opt.Level <= 0 || opt.Level >= 1 {
		opt.Level = DefaultLevel
	}
	if opt.Title == "" {
		opt.Title = "nperf report"
	}
	d := &Data{Title: opt.Title, GeneratedAt: opt.GeneratedAt, Version: opt.Version, Level: opt.Level}
	b := &builder{data: d, runs: map[string]*runAcc{}}
	labelKeys := map[string]bool{}
	for _, in := range inputs {
		src := &Source{Name: in.Name, Headers: in.Headers}
		d.Sources = append(d.Sources, src)
		anon := 0
		for _, r := range in.Records {
			src.Records++
			d.Records++
			if !r.Final {
				d.Intervals++
			}
			for k := range r.Labels {
				labelKeys[k] = true
			}
			id, key := r.Run, in.Name+"\x00"+r.Run
			if r.Run == "" {
				// Records without a run ID (parsed netperf output): each
				// Final record closes one run.
				id = fmt.Sprintf("%s#%d", in.Name, anon+1)
				key = in.Name + "\x00#" + id
				if r.Final {
					anon++
				}
			}
			b.add(key, id, in.Name, r)
		}
	}
	for k := range labelKeys {
		d.LabelKeys = append(d.LabelKeys, k)
	}
	sort.Strings(d.LabelKeys)

	for _, acc := range b.order {
		d.Runs = append(d.Runs, acc.finish(d))
	}
	sort.SliceStable(d.Runs, func(i, j int) bool { return d.Runs[i].Start.Before(d.Runs[j].Start) })
	b.groupAndTest(opt.Expectations)
	return d
}

type builder struct {
	data  *Data
	runs  map[string]*runAcc
	order []*runAcc
}

// runAcc collects one run's Records.
type runAcc struct {
	id, source string
	records    []*result.Record
}

func (b *builder) add(key, id, source string, r *result.Record) {
	acc := b.runs[key]
	if acc == nil {
		acc = &runAcc{id: id, source: source}
		b.runs[key] = acc
		b.order = append(b.order, acc)
	}
	acc.records = append(acc.records, r)
}

// metricOf is a test's headline metric and its unit.
func metricOf(test string) (metric, unit string) {
	if result.IsStream(test) {
		return "throughput", "bits/s"
	}
	return "transaction_rate", "trans/s"
}

// resultOf derives a Result from one Record through its methods.
func resultOf(r *result.Record) *Result {
	metric, unit := metricOf(r.Test)
	res := &Result{
		Metric: metric, Unit: unit,
		ThroughputBitsPerSecond: r.ThroughputBitsPerSecond(),
		TransactionRate:         r.TransactionRate(),
		PayloadBytes:            r.PayloadBytes(),
		BytesSent:               r.BytesSent,
		BytesRecv:               r.BytesRecv,
		Transactions:            r.Transactions,
		Start:                   r.Start,
		Elapsed:                 r.Elapsed,
		LocalCPUPercent:         math.NaN(),
		RemoteCPUPercent:        math.NaN(),
	}
	res.Value = res.TransactionRate
	if metric == "throughput" {
		res.Value = res.ThroughputBitsPerSecond
	}
	if r.CPU != nil {
		if r.CPU.Local != nil {
			res.LocalCPUPercent = r.CPU.Local.UtilPercent
		}
		if r.CPU.Remote != nil {
			res.RemoteCPUPercent = r.CPU.Remote.UtilPercent
		}
	}
	return res
}

func hostName(h string) string {
	if h == "" {
		return "local"
	}
	return h
}

// finish assembles the run from its Records.
func (acc *runAcc) finish(d *Data) *Run {
	first := acc.records[0]
	run := &Run{ID: acc.id, Test: first.Test, Source: acc.source}
	run.Labels = commonLabels(acc.records)
	instances := map[int]*Instance{}
	intervals := map[int][]*result.Record{}
	var aggRec *result.Record
	earliest := first.Start
	hosts, peers := map[string]bool{}, map[string]bool{}
	for _, r := range acc.records {
		if r.Start.Before(earliest) {
			earliest = r.Start
		}
		if r.Aggregate != nil || r.Instance < 0 {
			if r.Final {
				aggRec = r
			}
			continue
		}
		in := instances[r.Instance]
		if in == nil {
			in = &Instance{Index: r.Instance, Host: hostName(r.Host), Peer: r.Peer, Start: r.Start}
			instances[r.Instance] = in
			hosts[in.Host] = true
			if r.Peer != "" {
				peers[r.Peer] = true
			}
		}
		if !r.Final {
			intervals[r.Instance] = append(intervals[r.Instance], r)
			continue
		}
		in.Start = r.Start
		in.Result = resultOf(r)
		in.Latency = newLatency(r.Latency)
		in.CPU = r.CPU
		in.Error = r.Err
		if run.Spec == nil {
			run.Spec = r.Spec
		}
		if r.Err != nil {
			run.Failed++
			d.Failures = append(d.Failures, &Failure{Run: run.ID, Test: r.Test, Instance: r.Instance,
				Host: hostName(r.Host), Peer: r.Peer, Kind: r.Err.Kind, Message: r.Err.Message})
		}
	}
	idx := make([]int, 0, len(instances))
	for i := range instances {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	merged := stats.NewHistogram()
	for _, i := range idx {
		in := instances[i]
		in.Series = newSeries(run, i, intervals[i], earliest, d.Level)
		run.Instances = append(run.Instances, in)
		if in.Latency != nil {
			merged.Merge(in.Latency.hist)
		}
	}
	if merged.Count() == 0 && aggRec != nil && aggRec.Latency != nil {
		merged = aggRec.Latency
	}
	run.Latency = newLatency(merged)
	for h := range hosts {
		run.Hosts = append(run.Hosts, h)
	}
	sort.Strings(run.Hosts)
	for p := range peers {
		run.Peers = append(run.Peers, p)
	}
	sort.Strings(run.Peers)

	switch {
	case aggRec != nil:
		run.Aggregate = newAggregate(aggRec)
		if run.Spec == nil {
			run.Spec = aggRec.Spec
		}
		if aggRec.Aggregate == nil || (aggRec.Aggregate.Valid > 0 && aggRec.Elapsed > 0) {
			run.Result = resultOf(aggRec)
		}
	case len(run.Instances) == 1 && run.Instances[0].Result != nil:
		run.Result = run.Instances[0].Result
	}
	run.Start = earliest
	if run.Result != nil {
		run.Start, run.Elapsed = run.Result.Start, run.Result.Elapsed
	}
	return run
}

// commonLabels returns the labels every Record of a run carries with the
// same value.
func commonLabels(recs []*result.Record) map[string]string {
	out := map[string]string{}
	for k, v := range recs[0].Labels {
		out[k] = v
	}
	for _, r := range recs[1:] {
		for k, v := range out {
			if r.Labels[k] != v {
				delete(out, k)
			}
		}
	}
	return out
}

func newAggregate(r *result.Record) *Aggregate {
	a := &Aggregate{WindowStart: r.Start, Window: r.Elapsed}
	if ra := r.Aggregate; ra != nil {
		a.Instances, a.Valid = ra.Instances, ra.Valid
		a.WindowCoverage = ra.WindowCoverage
		a.StartSpread = ra.StartSpread
		a.NaiveSumBitsPerSecond = ra.NaiveSumBitsPerSecond
		a.NaiveSumTransactionsPerSecond = ra.NaiveSumTransactionsPerSecond
		a.JainIndex = ra.JainIndex
		a.Interrupted = ra.Interrupted
		a.Warnings = ra.Warnings
	}
	a.NaiveSum = a.NaiveSumTransactionsPerSecond
	if result.IsStream(r.Test) {
		a.NaiveSum = a.NaiveSumBitsPerSecond
	}
	return a
}

// newSeries builds an instance's series from its interval Records.
func newSeries(run *Run, instance int, recs []*result.Record, origin time.Time, level float64) *Series {
	metric, unit := metricOf(run.Test)
	s := &Series{Run: run.ID, Test: run.Test, Instance: instance, Metric: metric, Unit: unit,
		Name: fmt.Sprintf("%s #%d", runLabel(run), instance)}
	recs = slices.Clone(recs)
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Seq < recs[j].Seq })
	values := make([]float64, 0, len(recs))
	for _, r := range recs {
		p := &Point{Seq: r.Seq, Offset: r.End().Sub(origin), Start: r.Start, Elapsed: r.Elapsed,
			ThroughputBitsPerSecond: r.ThroughputBitsPerSecond(), TransactionRate: r.TransactionRate()}
		p.Value = p.TransactionRate
		if metric == "throughput" {
			p.Value = p.ThroughputBitsPerSecond
		}
		s.Points = append(s.Points, p)
		values = append(values, p.Value)
	}
	s.Summary = summarize(values, unit, level)
	if tr, err := stats.LinearTrend(values); err == nil {
		s.Trend = &Trend{Slope: tr.Slope, P: tr.P, Drift: tr.Drift, Stable: tr.Stable(0.05, 0.05)}
	}
	return s
}

// shortID shortens a run ID for chart legends: a random ID to its first 8
// characters, keeping a "-N" job suffix (profile runs number their jobs).
func shortID(id string) string {
	if len(id) <= 12 {
		return id
	}
	if i := strings.LastIndexByte(id, '-'); i > 0 && len(id)-i <= 5 {
		return id[:min(8, i)] + id[i:]
	}
	return id[:8]
}

// runLabel names a run in legends: a profile test, sweep point and
// iteration when labelled, its short ID otherwise.
func runLabel(r *Run) string {
	if r.Labels["test"] == "" {
		return shortID(r.ID)
	}
	name := groupName(r)
	if it := r.Labels["iteration"]; it != "" {
		name += " it" + it
	}
	return name
}

// newLatency describes a histogram; nil when it holds no values.
func newLatency(h *stats.Histogram) *Latency {
	if h == nil || h.Count() == 0 {
		return nil
	}
	l := &Latency{hist: h, Count: h.Count(), Min: h.Min(), Max: h.Max(), Mean: h.Mean(), StdDev: h.StdDev(),
		P50: h.Quantile(0.50), P90: h.Quantile(0.90), P99: h.Quantile(0.99), P999: h.Quantile(0.999)}
	for _, p := range percentilesShown {
		l.Percentiles = append(l.Percentiles, &LatencyPercentile{P: p, Value: h.Quantile(p / 100)})
	}
	l.Distribution = distribution(h)
	return l
}

// distribution bins a histogram's values on a log scale, binsPerDecade
// bins per power of ten from the minimum to the maximum. The histogram
// answers quantiles only, so the values are read as distributionQuantiles
// equal shares between successive quantiles, each spread evenly (in log
// space) over the bins it spans.
func distribution(h *stats.Histogram) []*Bin {
	logOf := func(d time.Duration) float64 { return math.Log10(max(float64(d), 1)) }
	lo := math.Floor(logOf(h.Min())*binsPerDecade) / binsPerDecade
	hi := math.Ceil(logOf(h.Max())*binsPerDecade) / binsPerDecade
	n := max(1, int(math.Round((hi-lo)*binsPerDecade)))
	frac := make([]float64, n)
	binOf := func(x float64) int { return min(max(int((x-lo)*binsPerDecade), 0), n-1) }
	share := 1 / float64(distributionQuantiles)
	a := logOf(h.Quantile(0))
	for i := 1; i <= distributionQuantiles; i++ {
		b := logOf(h.Quantile(float64(i) / distributionQuantiles))
		if b-a < 1e-9 {
			frac[binOf(a)] += share
		} else {
			for k := binOf(a); k <= binOf(b); k++ {
				k0 := lo + float64(k)/binsPerDecade
				overlap := min(b, k0+1.0/binsPerDecade) - max(a, k0)
				if overlap > 0 {
					frac[k] += share * overlap / (b - a)
				}
			}
		}
		a = max(a, b)
	}
	bins := make([]*Bin, n)
	for k := range bins {
		e0, e1 := lo+float64(k)/binsPerDecade, lo+float64(k+1)/binsPerDecade
		bins[k] = &Bin{Lo: time.Duration(math.Round(math.Pow(10, e0))), Hi: time.Duration(math.Round(math.Pow(10, e1))), Fraction: frac[k]}
	}
	return bins
}

// summarize describes values with package stats: Summarize for centre and
// spread, MeanInterval for the confidence interval.
func summarize(values []float64, unit string, level float64) *Summary {
	s := stats.Summarize(values)
	out := &Summary{N: s.N, Mean: s.Mean, Median: s.Median, StdDev: s.StdDev, CV: s.CV,
		Min: s.Min, Max: s.Max, Unit: unit, Values: values}
	if out.Values == nil {
		out.Values = []float64{}
	}
	out.CI = interval(values, level)
	return out
}

// interval is the Student-t confidence interval of the mean of values.
func interval(values []float64, level float64) Interval {
	fin, _, _, _ := stats.Finite(values)
	iv := Interval{Level: level, Lo: math.NaN(), Hi: math.NaN(), Mean: stats.Mean(fin),
		HalfWidth: math.NaN(), Relative: math.NaN()}
	ci, err := stats.MeanInterval(fin, level)
	if err != nil {
		iv.Note = err.Error()
		return iv
	}
	iv.Valid = true
	iv.Lo, iv.Hi = ci.Lo, ci.Hi
	iv.HalfWidth = (ci.Hi - ci.Lo) / 2
	if iv.Mean != 0 {
		iv.Relative = iv.HalfWidth / math.Abs(iv.Mean)
	}
	return iv
}

// counted reports whether a run's headline enters group statistics: it
// has a result and none of its instances failed.
func counted(r *Run) bool { return r.Result != nil && r.Failed == 0 }

// groupKey is a run's group: its test and its labels but "iteration".
func groupKey(r *Run) string {
	keys := make([]string, 0, len(r.Labels))
	for k := range r.Labels {
		if k != "iteration" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var sb strings.Builder
	sb.WriteString(r.Test)
	for _, k := range keys {
		sb.WriteString(" " + k + "=" + r.Labels[k])
	}
	return sb.String()
}

// groupName names a group for people: the profile test and sweep point
// when labelled, the test type otherwise.
func groupName(r *Run) string {
	name := r.Labels["test"]
	if name == "" {
		return r.Test
	}
	if p := r.Labels["point"]; p != "" {
		name += "[" + p + "]"
	}
	return name
}

func (b *builder) groupAndTest(exp *Expectations) {
	d := b.data
	groups := map[string]*Group{}
	tests := map[string]*Test{}
	for _, r := range d.Runs {
		key := groupKey(r)
		r.Group, r.Name = key, groupName(r)
		g := groups[key]
		if g == nil {
			metric, unit := metricOf(r.Test)
			g = &Group{Key: key, Name: r.Name, Test: r.Test, Metric: metric, Unit: unit, Labels: map[string]string{}}
			for k, v := range r.Labels {
				if k != "iteration" {
					g.Labels[k] = v
				}
			}
			groups[key] = g
			d.Groups = append(d.Groups, g)
		}
		g.Runs = append(g.Runs, r)
		t := tests[r.Test]
		if t == nil {
			metric, unit := metricOf(r.Test)
			t = &Test{Name: r.Test, Metric: metric, Unit: unit}
			tests[r.Test] = t
		}
		t.Runs = append(t.Runs, r)
		for _, in := range r.Instances {
			t.Series = append(t.Series, in.Series)
		}
	}
	for _, g := range d.Groups {
		var head, tput, rate []float64
		h := stats.NewHistogram()
		for _, r := range g.Runs {
			if !counted(r) {
				continue
			}
			if r.Latency != nil {
				h.Merge(r.Latency.hist) // the same runs as the summary
			}
			head = append(head, r.Result.Value)
			tput = append(tput, r.Result.ThroughputBitsPerSecond)
			rate = append(rate, r.Result.TransactionRate)
		}
		g.Summary = summarize(head, g.Unit, d.Level)
		g.Throughput = summarize(tput, "bits/s", d.Level)
		g.TransactionRate = summarize(rate, "trans/s", d.Level)
		g.Latency = newLatency(h)
		tests[g.Test].Groups = append(tests[g.Test].Groups, g)
	}
	names := make([]string, 0, len(tests))
	for n := range tests {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := slices.Index(result.Tests, names[i]), slices.Index(result.Tests, names[j])
		if a < 0 {
			a = len(result.Tests)
		}
		if b < 0 {
			b = len(result.Tests)
		}
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		t := tests[n]
		var head []float64
		h := stats.NewHistogram()
		for _, r := range t.Runs {
			if !counted(r) {
				continue
			}
			if r.Latency != nil {
				h.Merge(r.Latency.hist) // the same runs as the summary
			}
			head = append(head, r.Result.Value)
		}
		t.Summary = summarize(head, t.Unit, d.Level)
		t.Latency = newLatency(h)
		d.Tests = append(d.Tests, t)
	}
	if exp != nil {
		d.Expectations = exp
		exp.Passed, exp.Failed, exp.NotMeasured = 0, 0, 0
		for _, v := range exp.Verdicts {
			switch v.Status {
			case StatusPass:
				exp.Passed++
			case StatusFail:
				exp.Failed++
			default:
				exp.NotMeasured++
			}
			for _, g := range d.Groups {
				if labelsMatch(g.Labels, v.Labels) {
					g.Verdicts = append(g.Verdicts, v)
					break
				}
			}
		}
	}
	if d.Failures == nil {
		d.Failures = []*Failure{}
	}
}

// labelsMatch reports whether have carries every label of want with the
// same value.
func labelsMatch(have, want map[string]string) bool {
	if len(want) == 0 {
		return false
	}
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}
