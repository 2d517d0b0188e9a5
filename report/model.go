// Package report renders Records into the documents people read: built-in
// templates (HTML with inline SVG charts, Markdown, CSV, LaTeX, JSON) and
// users' own, in Go's template syntax or in Jinja2 syntax (.j2 files).
//
// Every template sees one data model, Data, built from Records by Build:
// runs, tests, groups of runs with their statistics, interval series and
// merged latency histograms. Go templates name its fields as Go does
// (.Runs, .Result.ThroughputBitsPerSecond); Jinja2 templates and the
// json-summary use the JSON names (runs, result.throughput_bits_per_second).
// docs/reports.md describes every field and every filter.
//
// The package computes nothing of its own that the result and stats
// packages already define: throughput and transaction rates come from
// result.Record's methods, statistics from package stats, and latency
// percentiles from merged stats.Histograms, never from averaged
// percentiles.
package report

import (
	"time"

	"nperf/result"
	"nperf/stats"
)

// Data is the data model every template sees.
type Data struct {
	Title       string    `json:"title"`
	GeneratedAt time.Time `json:"generated_at"`
	Version     string    `json:"version"` // nperf version that rendered the report
	// Level is the confidence level of every confidence interval (0.95).
	Level float64 `json:"confidence_level"`
	// Sources are the inputs in the order given.
	Sources []*Source `json:"sources"`
	// Records and Intervals count the Records read and the interval
	// Records among them.
	Records   int `json:"records"`
	Intervals int `json:"intervals"`
	// Runs are the invocations (by Record.Run) in order of their start.
	Runs []*Run `json:"runs"`
	// Tests are the test types met, in netperf's order.
	Tests []*Test `json:"tests"`
	// Groups are runs of one test with the same labels (iteration aside),
	// in order of first appearance.
	Groups []*Group `json:"groups"`
	// LabelKeys lists every label key met, sorted.
	LabelKeys []string `json:"label_keys"`
	// Expectations holds checked expectations when the Records came from
	// a profile and its expectations were available; nil otherwise.
	Expectations *Expectations `json:"expectations"`
	// Failures lists every instance that reported an error.
	Failures []*Failure `json:"failures"`
}

// A Source is one input: a file name ("-" for stdin), how many Records it
// held and the Headers that led its streams.
type Source struct {
	Name    string           `json:"name"`
	Records int              `json:"records"`
	Headers []*result.Header `json:"headers"`
}

// The data model is a graph: a run is in Data.Runs and in its test's and
// group's Runs. Fields tagged report:"ref" refer to values held elsewhere;
// to_json (and so json-summary) writes them as references (refKey), not
// again in full.

// A Run is one invocation: every Record with one Record.Run.
type Run struct {
	ID     string            `json:"id"`
	Test   string            `json:"test"`
	Source string            `json:"source"` // the input it was read from
	Labels map[string]string `json:"labels"` // labels shared by the run's Records
	// Name is the group's name: the profile test and sweep point when
	// labelled, the test type otherwise.
	Name  string   `json:"name"`
	Group string   `json:"group"` // key of the Group it belongs to
	Hosts []string `json:"hosts"` // client hosts; "local" for this machine
	Peers []string `json:"peers"` // server control addresses
	// Start and Elapsed span the headline result: the common window of a
	// multi-instance run, the data phase of a single instance.
	Start   time.Time     `json:"start"`
	Elapsed time.Duration `json:"elapsed_ns"`
	// Instances are the run's instances by number; an instance without a
	// Final record has a nil Result.
	Instances []*Instance `json:"instances"`
	// Aggregate is the run's aggregate record (Record.Aggregate, Instance
	// -1) of a multi-instance run; nil when the stream has none.
	Aggregate *Aggregate `json:"aggregate"`
	// Result is the run's headline result: the aggregate over the common
	// window when there is one, else the only instance's Final record;
	// nil when neither exists (several instances without an aggregate
	// cannot be summed honestly).
	Result *Result `json:"result"`
	// Latency merges the round-trip times of every instance (nil for
	// STREAM tests).
	Latency *Latency     `json:"latency"`
	Spec    *result.Spec `json:"spec"`
	Failed  int          `json:"failed"` // instances that reported an error
}

// An Instance is one test instance of a run.
type Instance struct {
	Index   int              `json:"instance"` // Record.Instance
	Host    string           `json:"host"`     // "local" for this machine
	Peer    string           `json:"peer"`
	Start   time.Time        `json:"start"`
	Result  *Result          `json:"result"` // from its Final record; nil without one
	Latency *Latency         `json:"latency"`
	CPU     *result.CPUUsage `json:"cpu"`
	Error   *result.Error    `json:"error"`
	Series  *Series          `json:"series"` // its interval records over time
}

// A Result is what one Record measured, derived through result.Record's
// methods.
type Result struct {
	// Value is the headline: ThroughputBitsPerSecond for STREAM tests,
	// TransactionRate for RR and CRR tests; Metric and Unit say which.
	Value  float64 `json:"value"`
	Metric string  `json:"metric"` // "throughput" or "transaction_rate"
	Unit   string  `json:"unit"`   // "bits/s" or "trans/s"

	ThroughputBitsPerSecond float64       `json:"throughput_bits_per_second"`
	TransactionRate         float64       `json:"transaction_rate"` // per second
	PayloadBytes            uint64        `json:"payload_bytes"`
	BytesSent               uint64        `json:"bytes_sent"`
	BytesRecv               uint64        `json:"bytes_recv"`
	Transactions            uint64        `json:"transactions"`
	Start                   time.Time     `json:"start"`
	Elapsed                 time.Duration `json:"elapsed_ns"`
	// LocalCPUPercent and RemoteCPUPercent are CPU utilisation (0-100);
	// NaN when not measured.
	LocalCPUPercent  float64 `json:"local_cpu_percent"`
	RemoteCPUPercent float64 `json:"remote_cpu_percent"`
}

// Aggregate is the aggregate record of a multi-instance run: its counts
// cover the common window in which every valid instance ran.
type Aggregate struct {
	Instances int `json:"instances"` // started
	Valid     int `json:"valid"`     // finished without error and moved data
	// WindowStart and Window are the common window.
	WindowStart time.Time     `json:"window_start"`
	Window      time.Duration `json:"window_ns"`
	// WindowCoverage is the window over the requested length (0..1).
	WindowCoverage float64       `json:"window_coverage"`
	StartSpread    time.Duration `json:"start_spread_ns"`
	// NaiveSumBitsPerSecond and NaiveSumTransactionsPerSecond add up the
	// instances' whole-run results, as super_netperf does.
	NaiveSumBitsPerSecond         float64  `json:"naive_sum_bits_per_second"`
	NaiveSumTransactionsPerSecond float64  `json:"naive_sum_transactions_per_second"`
	NaiveSum                      float64  `json:"naive_sum"` // the one of the two in the headline's unit
	JainIndex                     float64  `json:"jain_index"`
	Interrupted                   bool     `json:"interrupted"`
	Warnings                      []string `json:"warnings"`
}

// A Test gathers every run of one test type.
type Test struct {
	Name   string `json:"name"`   // TCP_STREAM, TCP_RR, ...
	Metric string `json:"metric"` // headline metric: "throughput" or "transaction_rate"
	Unit   string `json:"unit"`   // "bits/s" or "trans/s"
	Runs   []*Run `json:"runs" report:"ref"`
	// Groups are this test's groups.
	Groups []*Group `json:"groups" report:"ref"`
	// Summary is over the runs' headline results, one value per run.
	Summary *Summary `json:"summary"`
	// Latency merges every run's histogram.
	Latency *Latency `json:"latency"`
	// Series are the interval series of every instance of every run.
	Series []*Series `json:"series" report:"ref"`
}

// A Group is the runs of one test with the same labels, the label
// "iteration" aside: the repetitions of one configuration.
type Group struct {
	Key    string            `json:"key"`  // test type and labels, "TCP_RR profile=p test=rr"
	Name   string            `json:"name"` // "rr[send_size=1K]" when labelled, else the test type
	Test   string            `json:"test"`
	Metric string            `json:"metric"`
	Unit   string            `json:"unit"`
	Labels map[string]string `json:"labels"`
	Runs   []*Run            `json:"runs" report:"ref"`
	// Summary is over the runs' headline results, one value per run;
	// Throughput and TransactionRate are the same for those two metrics.
	Summary         *Summary `json:"summary"`
	Throughput      *Summary `json:"throughput"`
	TransactionRate *Summary `json:"transaction_rate"`
	// Latency merges every run's histogram.
	Latency *Latency `json:"latency"`
	// Verdicts are the group's checked expectations.
	Verdicts []*Verdict `json:"verdicts" report:"ref"`
}

// A Summary describes one sample of values, from package stats: centre,
// spread and the confidence interval of the mean.
type Summary struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	StdDev float64 `json:"stddev"` // sample standard deviation; NaN below 2 values
	CV     float64 `json:"cv"`     // StdDev / |Mean|, a fraction
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// CI is the Student-t confidence interval of the mean at Data.Level.
	CI     Interval  `json:"ci"`
	Unit   string    `json:"unit"`
	Values []float64 `json:"values"` // the sample, in input order
}

// An Interval is a confidence interval of a mean. When the sample cannot
// give one (fewer than two values), Valid is false and Note says why.
type Interval struct {
	Level     float64 `json:"level"`
	Lo        float64 `json:"lo"`
	Hi        float64 `json:"hi"`
	Mean      float64 `json:"mean"`
	HalfWidth float64 `json:"half_width"`
	// Relative is HalfWidth / |Mean|, a fraction.
	Relative float64 `json:"relative"`
	Valid    bool    `json:"valid"`
	Note     string  `json:"note"`
}

// A Series is one instance's interval Records over time.
type Series struct {
	Run      string   `json:"run"`
	Test     string   `json:"test"`
	Instance int      `json:"instance"`
	Name     string   `json:"name"` // "run a1b2 #0"
	Metric   string   `json:"metric"`
	Unit     string   `json:"unit"`
	Points   []*Point `json:"points"`
	Summary  *Summary `json:"summary"` // of the points' values
	// Trend is the least-squares trend of the values (stats.LinearTrend);
	// nil below three points.
	Trend *Trend `json:"trend"`
}

// A Point is one interval Record.
type Point struct {
	Seq int `json:"seq"`
	// Offset is the interval's end relative to the run's earliest start.
	Offset                  time.Duration `json:"offset_ns"`
	Start                   time.Time     `json:"start"`
	Elapsed                 time.Duration `json:"elapsed_ns"`
	Value                   float64       `json:"value"` // in the series' metric
	ThroughputBitsPerSecond float64       `json:"throughput_bits_per_second"`
	TransactionRate         float64       `json:"transaction_rate"`
}

// Trend is a series' drift: the fitted change from its first to its last
// point relative to its mean, and whether the slope is significant.
type Trend struct {
	Slope  float64 `json:"slope"` // per interval, in the series' unit
	P      float64 `json:"p"`
	Drift  float64 `json:"drift"`  // fraction of the mean
	Stable bool    `json:"stable"` // slope not significant at 0.05 or drift within 5%
}

// Latency describes round-trip times from a merged histogram. Every
// percentile is read from the histogram of all the values.
type Latency struct {
	Count  uint64        `json:"count"`
	Min    time.Duration `json:"min_ns"`
	Max    time.Duration `json:"max_ns"`
	Mean   time.Duration `json:"mean_ns"`
	StdDev time.Duration `json:"stddev_ns"`
	P50    time.Duration `json:"p50_ns"`
	P90    time.Duration `json:"p90_ns"`
	P99    time.Duration `json:"p99_ns"`
	P999   time.Duration `json:"p999_ns"`
	// Percentiles lists 50, 90, 95, 99, 99.9 and 99.99.
	Percentiles []*LatencyPercentile `json:"percentiles"`
	// Distribution bins the values on a log scale, ten bins per power of
	// ten from Min to Max; the fractions add up to 1.
	Distribution []*Bin `json:"distribution"`

	hist *stats.Histogram
}

// A LatencyPercentile is the round-trip time below which P percent of the
// values lie.
type LatencyPercentile struct {
	P     float64       `json:"p"` // 0..100
	Value time.Duration `json:"value_ns"`
}

// A Bin is one bar of a latency distribution: Fraction of the values lie
// in [Lo, Hi].
type Bin struct {
	Lo       time.Duration `json:"lo_ns"`
	Hi       time.Duration `json:"hi_ns"`
	Fraction float64       `json:"fraction"`
}

// A Failure is an instance that reported an error.
type Failure struct {
	Run      string `json:"run"`
	Test     string `json:"test"`
	Instance int    `json:"instance"`
	Host     string `json:"host"`
	Peer     string `json:"peer"`
	Kind     string `json:"kind"`
	Message  string `json:"message"`
}

// Expectations are a profile's expectations checked against the Records.
// Package report does not read profiles: the caller checks the
// expectations and passes the verdicts in Options.
type Expectations struct {
	Profile     string     `json:"profile"`
	Source      string     `json:"source"` // where the expectations came from
	Verdicts    []*Verdict `json:"verdicts"`
	Passed      int        `json:"passed"`
	Failed      int        `json:"failed"`
	NotMeasured int        `json:"not_measured"`
}

// Verdict statuses.
const (
	StatusPass        = "pass"
	StatusFail        = "fail"
	StatusNotMeasured = "not-measured"
)

// A Verdict is one expectation checked against what was measured.
type Verdict struct {
	Name        string `json:"name"`        // the profile run: "bulk[send_size=64K]"
	Expectation string `json:"expectation"` // as written: "throughput >= 9 Gbit/s"
	Metric      string `json:"metric"`
	Status      string `json:"status"` // StatusPass, StatusFail or StatusNotMeasured
	// Measured is the measured value in the metric's base unit (bits/s,
	// ns, a fraction, 1/s); MeasuredText prints it in the unit the
	// expectation was written in, or says why nothing was measured.
	Measured     float64 `json:"measured"`
	MeasuredText string  `json:"measured_text"`
	// Labels select the Records the verdict is about (profile, test,
	// point); Build attaches it to the group with those labels.
	Labels map[string]string `json:"labels"`
}

// refKey identifies a value that fields tagged report:"ref" refer to.
func (r *Run) refKey() any { return r.ID }

func (g *Group) refKey() any { return g.Key }

func (s *Series) refKey() any {
	return struct {
		Run      string `json:"run"`
		Instance int    `json:"instance"`
	}{s.Run, s.Instance}
}

func (v *Verdict) refKey() any {
	return struct {
		Name        string `json:"name"`
		Expectation string `json:"expectation"`
	}{v.Name, v.Expectation}
}
