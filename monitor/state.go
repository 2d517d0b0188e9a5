// Package monitor owns nperf's live view of a run: a State built only from
// the Records it is given, a pure renderer of that state to text, and two
// front ends that show it while Records arrive (a full-screen terminal view
// and plain lines for pipes and CI logs).
//
// The state never reads a clock: time reaches it through the Records'
// own timestamps and through Tick, so the same Records and ticks always
// render the same screen.
package monitor

import (
	"fmt"
	"math"
	"slices"
	"time"

	"nperf/result"
	"nperf/stats"
)

// maxPoints bounds the history kept per series: more than any terminal
// is wide, so long runs do not grow without bound.
const maxPoints = 1024

// cpuSaturatedPercent is the utilisation at which a side's CPU is reported
// as saturated: the result may then measure the CPU rather than the network.
const cpuSaturatedPercent = 90

// maxSeq bounds the interval numbers taken into a history: far beyond any
// real run, and far enough from the largest int that index arithmetic
// cannot overflow.
const maxSeq = 1 << 48

// maxWarnings bounds the warnings kept; the screen shows the newest.
const maxWarnings = 200

// A Warning is a problem noticed while watching a run.
type Warning struct {
	Run  string        // the run it belongs to
	At   time.Duration // how far into the run it appeared
	Text string
}

// State is everything the monitor shows. Update feeds it Records; Tick
// moves its display clock. It is not safe for concurrent use: a front end
// owns it.
type State struct {
	runs     []*run
	byID     map[string]*run
	cur      *run
	now      time.Time
	plan     *result.Spec
	header   *result.Header
	ended    bool
	warnings []Warning
	dropped  int // warnings dropped from the front of warnings
	records  int
}

// NewState returns an empty State.
func NewState() *State { return &State{byID: map[string]*run{}} }

// Plan tells the state what a run it is about to see was asked to do (its
// Spec), before any Final record says so: the progress bar and ETA come
// from Spec.LengthSeconds or Spec.LengthUnits. Runs whose Final records
// carry a Spec use that instead.
func (s *State) Plan(spec *result.Spec) { s.plan = spec }

// SetHeader records the Header that led the stream; the title shows what
// produced it.
func (s *State) SetHeader(h *result.Header) { s.header = h }

// Tick sets the display clock. Between Records, the elapsed time of a live
// run advances with it, by at most one interval past the newest Record.
func (s *State) Tick(now time.Time) { s.now = now }

// End marks the stream as ended: no more Records will come.
func (s *State) End() { s.ended = true }

// Ended reports whether End was called.
func (s *State) Ended() bool { return s.ended }

// Records is the number of Records seen.
func (s *State) Records() int { return s.records }

// Warnings returns the warnings kept (the newest few hundred), oldest
// first. The slice must not be modified.
func (s *State) Warnings() []Warning { return s.warnings }

// WarningCount is the number of warnings ever raised, kept or not.
func (s *State) WarningCount() int { return s.dropped + len(s.warnings) }

// Done reports whether every instance seen has delivered its Final record.
func (s *State) Done() bool {
	if len(s.runs) == 0 {
		return false
	}
	for _, r := range s.runs {
		if !r.done() {
			return false
		}
	}
	return true
}

type instKey struct {
	host     string
	instance int
}

type run struct {
	id    string
	tests []string // in order of appearance
	inst  []*instance
	byKey map[instKey]*instance

	aggBits, aggTrans series // sum over instances, by interval number

	start, end time.Time     // earliest Start, latest End of any record
	arrived    time.Time     // display clock when the newest record arrived
	interval   time.Duration // longest interval seen
	spec       *result.Spec

	latency     *stats.Histogram // merged from Final records
	latencyFrom int              // instances whose round trips are in latency
	cpuLocal    *result.CPUSide  // the busiest of the instances' readings
	cpuRemote   *result.CPUSide
	aggregate   *result.Record // the runner's aggregate record, if any

	outOfStep       bool
	saturatedLocal  bool
	saturatedRemote bool
}

type instance struct {
	key          instKey
	test, peer   string
	seq          int // newest interval number seen; -1 before the first
	bits, trans  series
	bytesSent    uint64 // sums of interval counts
	transactions uint64
	final        *result.Record
	stalled      bool
	// liveLatency: this instance's interval records carried histograms,
	// already merged into the run's; its Final histogram would count
	// the same round trips twice.
	liveLatency bool
}

// Update adds one Record to the state.
func (s *State) Update(r *result.Record) {
	if r == nil {
		return
	}
	s.records++
	ru := s.byID[r.Run]
	if ru == nil {
		ru = &run{id: r.Run, byKey: map[instKey]*instance{}}
		s.byID[r.Run] = ru
		s.runs = append(s.runs, ru)
	}
	s.cur = ru
	ru.arrived = s.now
	if !slices.Contains(ru.tests, r.Test) {
		ru.tests = append(ru.tests, r.Test)
	}
	if r.Spec != nil && ru.spec == nil {
		ru.spec = r.Spec
	}

	if r.Aggregate != nil || r.Instance < 0 {
		s.updateAggregate(ru, r)
		return
	}
	if !r.Start.IsZero() {
		if ru.start.IsZero() || r.Start.Before(ru.start) {
			ru.start = r.Start
		}
		if r.End().After(ru.end) {
			ru.end = r.End()
		}
	}

	k := instKey{r.Host, r.Instance}
	in := ru.byKey[k]
	if in == nil {
		in = &instance{key: k, test: r.Test, peer: r.Peer, seq: -1}
		ru.byKey[k] = in
		i, _ := slices.BinarySearchFunc(ru.inst, k, func(a *instance, k instKey) int {
			if a.key.host != k.host {
				if a.key.host < k.host {
					return -1
				}
				return 1
			}
			return a.key.instance - k.instance
		})
		ru.inst = slices.Insert(ru.inst, i, in)
	}
	if r.Final {
		s.updateFinal(ru, in, r)
		return
	}
	s.updateInterval(ru, in, r)
}

func (s *State) updateInterval(ru *run, in *instance, r *result.Record) {
	if r.Elapsed > ru.interval {
		ru.interval = r.Elapsed
	}
	if r.Seq > in.seq {
		in.seq = r.Seq
	}
	bits, trans := r.ThroughputBitsPerSecond(), r.TransactionRate()
	in.bits.add(r.Seq, bits)
	in.trans.add(r.Seq, trans)
	ru.aggBits.add(r.Seq, bits)
	ru.aggTrans.add(r.Seq, trans)
	in.bytesSent += r.BytesSent
	in.transactions += r.Transactions
	if r.Latency != nil && r.Latency.Count() > 0 {
		if ru.latency == nil {
			ru.latency = stats.NewHistogram()
		}
		ru.latency.Merge(r.Latency)
		if !in.liveLatency {
			ru.latencyFrom++
		}
		in.liveLatency = true
	}

	// A stall: a whole interval without a byte. The last, partial interval
	// of a test may be too short to count.
	idle := r.PayloadBytes() == 0 && r.Transactions == 0 && r.Elapsed > 0 && r.Elapsed >= ru.interval/2
	switch {
	case idle && !in.stalled:
		in.stalled = true
		s.warn(ru, fmt.Sprintf("%s stalled: no data in interval %d", in.name(), r.Seq))
	case !idle:
		in.stalled = false
	}
	s.checkStep(ru)
}

// checkStep warns once per episode when the running instances are two or
// more intervals apart: their sum then mixes different moments.
func (s *State) checkStep(ru *run) {
	var lo, hi *instance
	for _, in := range ru.inst {
		if in.final != nil || in.seq < 0 {
			continue
		}
		if lo == nil || in.seq < lo.seq {
			lo = in
		}
		if hi == nil || in.seq > hi.seq {
			hi = in
		}
	}
	apart := lo != nil && hi.seq-lo.seq >= 2
	if apart && !ru.outOfStep {
		s.warn(ru, fmt.Sprintf("instances out of step: %s at interval %d, %s at %d", lo.name(), lo.seq, hi.name(), hi.seq))
	}
	ru.outOfStep = apart
}

func (s *State) updateFinal(ru *run, in *instance, r *result.Record) {
	in.final = r
	if r.Elapsed > 0 && ru.interval == 0 {
		// A run without interval records: the final is its only sample.
		in.bits.add(0, r.ThroughputBitsPerSecond())
		in.trans.add(0, r.TransactionRate())
	}
	if r.Latency != nil && r.Latency.Count() > 0 && !in.liveLatency {
		if ru.latency == nil {
			ru.latency = stats.NewHistogram()
		}
		ru.latency.Merge(r.Latency)
		ru.latencyFrom++
	}
	if r.CPU != nil {
		ru.cpuLocal = busier(ru.cpuLocal, r.CPU.Local)
		ru.cpuRemote = busier(ru.cpuRemote, r.CPU.Remote)
		s.checkCPU(ru, in)
	}
	if r.Err != nil {
		if r.Err.Kind == result.ErrInterrupted {
			s.warn(ru, in.name()+" interrupted")
		} else {
			s.warn(ru, fmt.Sprintf("%s failed: %s", in.name(), r.Err))
		}
	}
	s.checkStep(ru)
}

// checkCPU warns once per run and side when a CPU reading (of instance
// in, or of the whole run when in is nil) is at saturation.
func (s *State) checkCPU(ru *run, in *instance) {
	who := "over the run"
	if in != nil {
		who = "seen by " + in.name()
	}
	if c := ru.cpuLocal; c != nil && c.UtilPercent >= cpuSaturatedPercent && !ru.saturatedLocal {
		ru.saturatedLocal = true
		s.warn(ru, fmt.Sprintf("local CPU saturated: %.0f%% %s; the result may measure the CPU, not the network", c.UtilPercent, who))
	}
	if c := ru.cpuRemote; c != nil && c.UtilPercent >= cpuSaturatedPercent && !ru.saturatedRemote {
		ru.saturatedRemote = true
		s.warn(ru, fmt.Sprintf("remote CPU saturated: %.0f%% %s; the result may measure the CPU, not the network", c.UtilPercent, who))
	}
}

// updateAggregate takes the runner's sum over the common window. Its
// latency is the merge of the Final records already merged, so it is used
// only when no Final record brought one.
func (s *State) updateAggregate(ru *run, r *result.Record) {
	ru.aggregate = r
	if ru.latency == nil && r.Latency != nil && r.Latency.Count() > 0 {
		ru.latency = stats.NewHistogram()
		ru.latency.Merge(r.Latency)
	}
	if r.CPU != nil {
		// The runner reads the whole window once: better than any instance.
		if r.CPU.Local != nil {
			ru.cpuLocal = r.CPU.Local
		}
		if r.CPU.Remote != nil {
			ru.cpuRemote = r.CPU.Remote
		}
		s.checkCPU(ru, nil)
	}
	if r.Aggregate != nil {
		for _, w := range r.Aggregate.Warnings {
			s.warn(ru, "aggregate: "+w)
		}
	}
	if r.Err != nil && r.Err.Kind != result.ErrInterrupted {
		s.warn(ru, "aggregate: "+r.Err.Error())
	}
}

func busier(a, b *result.CPUSide) *result.CPUSide {
	if a == nil || (b != nil && b.UtilPercent > a.UtilPercent) {
		return b
	}
	return a
}

func (s *State) warn(ru *run, text string) {
	s.warnings = append(s.warnings, Warning{Run: ru.id, At: ru.elapsedRecords(), Text: text})
	if over := len(s.warnings) - maxWarnings; over > 0 {
		s.warnings = slices.Delete(s.warnings, 0, over)
		s.dropped += over
	}
}

func (in *instance) name() string {
	if in.key.host != "" {
		return fmt.Sprintf("instance %d on %s", in.key.instance, in.key.host)
	}
	return fmt.Sprintf("instance %d", in.key.instance)
}

// label is the instance's name in the table: its number, after its client
// host when it ran elsewhere.
func (in *instance) label() string {
	if in.key.host != "" {
		return fmt.Sprintf("%s/%d", in.key.host, in.key.instance)
	}
	return fmt.Sprint(in.key.instance)
}

// stream reports whether the instance's headline is throughput rather
// than a transaction rate.
func (in *instance) stream() bool { return result.IsStream(in.test) }

// done reports whether every instance of the run has its Final record.
func (ru *run) done() bool {
	if len(ru.inst) == 0 {
		return ru.aggregate != nil
	}
	for _, in := range ru.inst {
		if in.final == nil {
			return false
		}
	}
	return true
}

// stopped reports whether the run ended early: an instance (or the
// runner's aggregate) says it was interrupted.
func (ru *run) stopped() bool {
	if a := ru.aggregate; a != nil && a.Aggregate != nil && a.Aggregate.Interrupted {
		return true
	}
	for _, in := range ru.inst {
		if in.final != nil && in.final.Err != nil && in.final.Err.Kind == result.ErrInterrupted {
			return true
		}
	}
	return false
}

// hasStream and hasRR say which headlines the run needs.
func (ru *run) hasStream() bool { return slices.ContainsFunc(ru.tests, result.IsStream) }
func (ru *run) hasRR() bool {
	return slices.ContainsFunc(ru.tests, func(t string) bool { return !result.IsStream(t) })
}

// complete is the newest interval number every running instance has
// reported, so that the aggregate at it sums all of them. Instances two or
// more intervals behind do not hold it back (they are warned about).
func (ru *run) complete() int {
	hi := -1
	for _, in := range ru.inst {
		hi = max(hi, in.seq)
	}
	c := hi
	for _, in := range ru.inst {
		if in.final == nil && in.seq >= hi-1 {
			c = min(c, in.seq)
		}
	}
	return c
}

// elapsedRecords is how much of the run the Records cover.
func (ru *run) elapsedRecords() time.Duration {
	if ru.start.IsZero() {
		return 0
	}
	return ru.end.Sub(ru.start)
}

// elapsed is elapsedRecords moved on by the display clock while the run is
// live, by at most one interval past the newest Record.
func (ru *run) elapsed(now time.Time) time.Duration {
	e := ru.elapsedRecords()
	if ru.done() || now.IsZero() || ru.arrived.IsZero() || ru.start.IsZero() {
		return e
	}
	return e + min(max(now.Sub(ru.arrived), 0), ru.interval)
}

// progress returns the fraction done (0..1) and the time left; fraction
// -1 means the length is not known.
func (ru *run) progress(now time.Time, plan *result.Spec) (frac float64, left time.Duration) {
	if ru.done() && !ru.stopped() {
		return 1, 0
	}
	spec := ru.spec
	if spec == nil {
		spec = plan
	}
	if spec == nil {
		return -1, 0
	}
	el := ru.elapsed(now)
	switch {
	case spec.LengthSeconds > 0:
		total := time.Duration(spec.LengthSeconds) * time.Second
		frac = min(el.Seconds()/total.Seconds(), 1)
		return frac, max(total-el, 0)
	case spec.LengthUnits > 0 && len(ru.inst) > 0:
		frac = 1
		for _, in := range ru.inst {
			done := in.transactions
			if in.stream() {
				done = in.bytesSent
			}
			if in.final != nil && !ru.stopped() {
				continue
			}
			frac = min(frac, float64(done)/float64(spec.LengthUnits))
		}
		if frac <= 0 {
			return 0, 0
		}
		frac = min(frac, 1)
		return frac, time.Duration(float64(el) * (1 - frac) / frac).Round(time.Millisecond)
	}
	return -1, 0
}

// series is a history of values by interval number, keeping the newest
// maxPoints. Values add, so that one series can sum instances.
type series struct {
	first int // interval number of v[0]
	v     []float64
}

func (s *series) add(seq int, x float64) {
	if seq < 0 || seq > maxSeq {
		return
	}
	if len(s.v) == 0 {
		s.first, s.v = seq, append(s.v, x)
		return
	}
	if seq < s.first {
		d := s.first - seq
		if d+len(s.v) > maxPoints {
			return // older than what is kept
		}
		pre := make([]float64, d, d+len(s.v))
		pre[0] = x
		for i := 1; i < d; i++ {
			pre[i] = math.NaN()
		}
		s.v, s.first = append(pre, s.v...), seq
		return
	}
	if first := seq - maxPoints + 1; first > s.first {
		// Drop what falls out of the window before growing towards seq,
		// so that a far jump cannot grow the series.
		drop := min(first-s.first, len(s.v))
		s.v = slices.Delete(s.v, 0, drop)
		s.first = first
		if len(s.v) == 0 {
			s.v = append(s.v, math.NaN())
		}
	}
	for s.first+len(s.v) <= seq {
		s.v = append(s.v, math.NaN())
	}
	i := seq - s.first
	if math.IsNaN(s.v[i]) {
		s.v[i] = x
	} else {
		s.v[i] += x
	}
}

// upTo returns the values up to and including interval seq.
func (s *series) upTo(seq int) []float64 {
	n := seq - s.first + 1
	if n <= 0 {
		return nil
	}
	return s.v[:min(n, len(s.v))]
}

// at returns the value at interval seq, NaN when there is none.
func (s *series) at(seq int) float64 {
	i := seq - s.first
	if i < 0 || i >= len(s.v) {
		return math.NaN()
	}
	return s.v[i]
}

// last returns the newest value, NaN when there is none.
func (s *series) last() float64 {
	for i := len(s.v) - 1; i >= 0; i-- {
		if !math.IsNaN(s.v[i]) {
			return s.v[i]
		}
	}
	return math.NaN()
}
