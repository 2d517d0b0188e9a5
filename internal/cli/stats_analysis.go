package cli

// How nperf stats groups its inputs and computes summaries and comparisons.

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"nperf/result"
	"nperf/stats"
)

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
