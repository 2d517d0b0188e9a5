package monitor

import (
	"math"
	"strings"
	"testing"
	"time"

	"nperf/result"
)

func TestStallWarnsOncePerEpisode(t *testing.T) {
	tests := []struct {
		name  string
		bytes []uint64 // instance 0's bytes per interval
		want  int      // stall warnings
	}{
		{"never", []uint64{5, 5, 5, 5}, 0},
		{"one interval", []uint64{5, 0, 5, 5}, 1},
		{"long stall counts once", []uint64{5, 0, 0, 0, 5}, 1},
		{"two stalls", []uint64{5, 0, 5, 0, 5}, 2},
		{"from the start", []uint64{0, 5}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewState()
			for seq, b := range tt.bytes {
				s.Update(interval("r", "TCP_STREAM", 0, seq, b, 0))
			}
			if got := countWarnings(s, "stalled"); got != tt.want {
				t.Errorf("%d stall warnings, want %d: %v", got, tt.want, s.Warnings())
			}
		})
	}
}

func TestShortLastIntervalIsNoStall(t *testing.T) {
	s := NewState()
	s.Update(interval("r", "TCP_CRR", 0, 0, 0, 100))
	last := interval("r", "TCP_CRR", 0, 1, 0, 0)
	last.Elapsed = time.Millisecond // the partial interval at the end
	s.Update(last)
	if n := countWarnings(s, "stalled"); n != 0 {
		t.Errorf("a 1 ms closing interval raised %d stall warnings", n)
	}
}

func TestOutOfStep(t *testing.T) {
	s := NewState()
	// Instance 0 runs ahead; instance 1 stops reporting after interval 0.
	s.Update(interval("r", "TCP_RR", 1, 0, 0, 10))
	for seq := 0; seq < 5; seq++ {
		s.Update(interval("r", "TCP_RR", 0, seq, 0, 10))
	}
	if n := countWarnings(s, "out of step"); n != 1 {
		t.Fatalf("%d out-of-step warnings, want 1: %v", n, s.Warnings())
	}
	ru := s.cur
	if c := ru.complete(); c != 4 {
		t.Errorf("complete = %d: an instance far behind must not hold the aggregate back", c)
	}
	// It catches up, falls behind again: a second episode.
	for seq := 1; seq < 5; seq++ {
		s.Update(interval("r", "TCP_RR", 1, seq, 0, 10))
	}
	for seq := 5; seq < 7; seq++ {
		s.Update(interval("r", "TCP_RR", 0, seq, 0, 10))
	}
	if n := countWarnings(s, "out of step"); n != 2 {
		t.Errorf("%d out-of-step warnings after a second episode, want 2", n)
	}
}

func TestAggregateSumsCompleteIntervals(t *testing.T) {
	s := NewState()
	s.Update(interval("r", "TCP_STREAM", 0, 0, 1000, 0))
	s.Update(interval("r", "TCP_STREAM", 1, 0, 3000, 0))
	s.Update(interval("r", "TCP_STREAM", 0, 1, 2000, 0)) // instance 1 not there yet
	ru := s.cur
	if c := ru.complete(); c != 0 {
		t.Fatalf("complete = %d, want 0 until instance 1 reports interval 1", c)
	}
	if got, want := ru.aggBits.at(0), 4000.0*8; got != want {
		t.Errorf("aggregate of interval 0 = %v bits/s, want %v", got, want)
	}
	s.Update(interval("r", "TCP_STREAM", 1, 1, 2000, 0))
	if got, want := ru.aggBits.at(ru.complete()), 4000.0*8; ru.complete() != 1 || got != want {
		t.Errorf("aggregate now = %v at %d, want %v at 1", got, ru.complete(), want)
	}
}

func TestLatencyFromFinalsOnly(t *testing.T) {
	s := NewState()
	s.Update(interval("r", "TCP_RR", 0, 0, 0, 100))
	if s.cur.latency != nil {
		t.Fatal("latency before any Final record")
	}
	for i := 0; i < 2; i++ {
		s.Update(&result.Record{Run: "r", Test: "TCP_RR", Instance: i, Final: true, Start: t0, Elapsed: time.Second,
			Transactions: 1000, Latency: latencies(1000, time.Duration(i+1)*time.Millisecond)})
	}
	// The runner's aggregate carries the same merge: it must not count twice.
	s.Update(&result.Record{Run: "r", Test: "TCP_RR", Instance: -1, Final: true, Start: t0, Elapsed: time.Second,
		Latency: latencies(2000, time.Millisecond), Aggregate: &result.Aggregate{Instances: 2, Valid: 2}})
	h := s.cur.latency
	if h.Count() != 2000 || s.cur.latencyFrom != 2 {
		t.Fatalf("merged %d round trips from %d finals, want 2000 from 2", h.Count(), s.cur.latencyFrom)
	}
	if h.Min() != time.Millisecond || h.Max() < 2*time.Millisecond {
		t.Errorf("merged min %v max %v: not the union of both instances", h.Min(), h.Max())
	}
	if !s.Done() {
		t.Error("not done after every instance's Final record")
	}
}

func TestProgress(t *testing.T) {
	tests := []struct {
		name     string
		plan     *result.Spec
		tick     time.Duration // display clock after the last record's arrival
		wantFrac float64
		wantLeft time.Duration
	}{
		{"unknown length", nil, 0, -1, 0},
		{"timed", &result.Spec{LengthSeconds: 10}, 0, 0.3, 7 * time.Second},
		{"timed, clock moved on", &result.Spec{LengthSeconds: 10}, 500 * time.Millisecond, 0.35, 6500 * time.Millisecond},
		{"clock moves at most one interval", &result.Spec{LengthSeconds: 10}, time.Hour, 0.4, 6 * time.Second},
		{"count-based", &result.Spec{LengthUnits: 1000}, 0, 0.3, 7 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewState()
			if tt.plan != nil {
				s.Plan(tt.plan)
			}
			arrive := t0.Add(3 * time.Second)
			s.Tick(arrive)
			for seq := 0; seq < 3; seq++ {
				s.Update(interval("r", "TCP_RR", 0, seq, 0, 100))
			}
			s.Tick(arrive.Add(tt.tick))
			frac, left := s.cur.progress(s.now, s.plan)
			if math.Abs(frac-tt.wantFrac) > 1e-9 || left != tt.wantLeft {
				t.Errorf("progress = %v, %v left; want %v, %v", frac, left, tt.wantFrac, tt.wantLeft)
			}
		})
	}
}

func TestCPUSaturated(t *testing.T) {
	s := NewState()
	for i := 0; i < 3; i++ {
		s.Update(&result.Record{Run: "r", Test: "TCP_STREAM", Instance: i, Final: true, Start: t0, Elapsed: time.Second,
			CPU: &result.CPUUsage{Local: &result.CPUSide{UtilPercent: 50 + 20*float64(i), NumCPUs: 2}}})
	}
	if n := countWarnings(s, "local CPU saturated"); n != 1 {
		t.Errorf("%d saturation warnings, want 1 (at 90%%, once per run): %v", n, s.Warnings())
	}
	if s.cur.cpuLocal.UtilPercent != 90 {
		t.Errorf("shown local CPU %v%%, want the busiest instance's 90%%", s.cur.cpuLocal.UtilPercent)
	}
}

func TestSeriesKeepsNewest(t *testing.T) {
	var sr series
	for i := 0; i < 3*maxPoints; i++ {
		sr.add(i, float64(i))
	}
	if len(sr.v) != maxPoints || sr.first != 2*maxPoints || sr.last() != float64(3*maxPoints-1) {
		t.Errorf("kept %d points from %d, last %v", len(sr.v), sr.first, sr.last())
	}
	sr.add(0, 1) // far older than what is kept
	if len(sr.v) != maxPoints {
		t.Errorf("an old point grew the series to %d", len(sr.v))
	}
	var gap series
	gap.add(5, 1)
	gap.add(2, 2)
	gap.add(7, 3)
	want := []float64{2, math.NaN(), math.NaN(), 1, math.NaN(), 3}
	if gap.first != 2 || len(gap.v) != len(want) {
		t.Fatalf("series from %d: %v", gap.first, gap.v)
	}
	for i, w := range want {
		if g := gap.v[i]; g != w && !(math.IsNaN(g) && math.IsNaN(w)) {
			t.Errorf("v[%d] = %v, want %v", i, g, w)
		}
	}
}

func TestSparkline(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name  string
		v     []float64
		width int
		want  string
	}{
		{"eight levels", []float64{0, 1, 2, 3, 4, 5, 6, 7}, 10, "▁▂▃▄▅▆▇█"},
		{"newest kept", []float64{7, 0, 7}, 2, "▁█"},
		{"missing is blank", []float64{1, nan, 1}, 3, "█ █"},
		{"all zero", []float64{0, 0}, 5, "▁▁"},
		{"no room", []float64{1}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sparkline(tt.v, tt.width); got != tt.want {
				t.Errorf("sparkline = %q, want %q", got, tt.want)
			}
		})
	}
}

func countWarnings(s *State, substr string) int {
	n := 0
	for _, w := range s.Warnings() {
		if strings.Contains(w.Text, substr) {
			n++
		}
	}
	return n
}

func TestSeriesFarJump(t *testing.T) {
	var sr series
	sr.add(0, 1)
	sr.add(1<<40, 2) // a garbage interval number must not allocate its way there
	if len(sr.v) > maxPoints || sr.last() != 2 || sr.first != 1<<40-maxPoints+1 {
		t.Errorf("after a far jump: %d points from %d, last %v", len(sr.v), sr.first, sr.last())
	}
}

func TestSeriesIgnoresAbsurdSeq(t *testing.T) {
	var sr series
	sr.add(3, 1)
	sr.add(math.MaxInt, 2)
	if len(sr.v) != 1 || sr.last() != 1 {
		t.Errorf("interval number MaxInt changed the series: %d points, last %v", len(sr.v), sr.last())
	}
}

// TestLiveLatency: interval records that carry histograms give percentiles
// while the run goes on; the instance's Final histogram, which holds the
// same round trips, is then not merged again.
func TestLiveLatency(t *testing.T) {
	s := NewState()
	iv := interval("r", "TCP_RR", 0, 0, 0, 100)
	iv.Latency = latencies(100, time.Millisecond)
	s.Update(iv)
	if s.cur.latency == nil || s.cur.latency.Count() != 100 || s.cur.latencyFrom != 1 {
		t.Fatalf("live latency after one interval: %v", s.cur.latency)
	}
	s.Update(&result.Record{Run: "r", Test: "TCP_RR", Instance: 0, Final: true, Start: t0, Elapsed: time.Second,
		Transactions: 100, Latency: latencies(100, time.Millisecond)})
	if s.cur.latency.Count() != 100 || s.cur.latencyFrom != 1 {
		t.Errorf("after the Final record: %d round trips from %d instances, want 100 from 1", s.cur.latency.Count(), s.cur.latencyFrom)
	}
}
