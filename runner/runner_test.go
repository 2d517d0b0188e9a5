package runner

import (
	"context"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"nperf/netperf/netperftest"
	"nperf/result"
)

// TestAggregateWindow checks the window arithmetic on made-up records: two
// instances at 100 bytes/s each, the second starting 2 s late.
func TestAggregateWindow(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(inst int, start time.Time, n int) (*result.Record, []*result.Record) {
		var ivs []*result.Record
		for k := 0; k < n; k++ {
			ivs = append(ivs, &result.Record{Test: "TCP_STREAM", Instance: inst, Seq: k, Start: start.Add(time.Duration(k) * time.Second), Elapsed: time.Second, BytesSent: 100})
		}
		f := &result.Record{Test: "TCP_STREAM", Instance: inst, Final: true, Start: start, Elapsed: time.Duration(n) * time.Second,
			BytesSent: uint64(100 * n), RemoteBytesRecv: uint64(100 * n)}
		return f, ivs
	}
	f0, i0 := mk(0, t0, 5)
	f1, i1 := mk(1, t0.Add(2*time.Second), 5)
	agg := aggregate(Job{Spec: result.Spec{Test: "TCP_STREAM", LengthSeconds: 5}}, []*result.Record{f0, f1}, [][]*result.Record{i0, i1})
	a := agg.Aggregate
	if !agg.Start.Equal(t0.Add(2*time.Second)) || agg.Elapsed != 3*time.Second {
		t.Fatalf("window %v + %v, want t0+2s + 3s", agg.Start, agg.Elapsed)
	}
	if got := agg.ThroughputBitsPerSecond(); got != 1600 {
		t.Errorf("aggregate %v bit/s, want 2 x 100 B/s x 8 = 1600", got)
	}
	if a.NaiveSumBitsPerSecond != 1600 || a.Valid != 2 || a.StartSpread != 2*time.Second {
		t.Errorf("aggregate info %+v", a)
	}
	if math.Abs(a.WindowCoverage-0.6) > 1e-9 || len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "60%") {
		t.Errorf("coverage %v warnings %q", a.WindowCoverage, a.Warnings)
	}
	if a.JainIndex != 1 {
		t.Errorf("jain %v", a.JainIndex)
	}
	if got := jain([]float64{1, 0, 0, 0}); got != 0.25 {
		t.Errorf("jain of one-takes-all = %v, want 1/n", got)
	}
}

func collect() (func(*result.Record), func() []*result.Record) {
	var mu sync.Mutex
	var all []*result.Record
	return func(r *result.Record) {
			mu.Lock()
			defer mu.Unlock()
			all = append(all, r)
		}, func() []*result.Record {
			mu.Lock()
			defer mu.Unlock()
			return all
		}
}

func TestSynchronizedRun(t *testing.T) {
	srv := netperftest.NewServer(t)
	emit, got := collect()
	res, err := Run(context.Background(), Job{Spec: result.Spec{Test: "TCP_RR", Host: srv.Host, Port: srv.Port, LengthSeconds: 1}, Instances: 4, RunID: "r"}, emit)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Aggregate
	if a.Aggregate.Valid != 4 || a.Instance != -1 || a.Transactions == 0 || a.Latency == nil {
		t.Fatalf("aggregate %+v %+v", a, a.Aggregate)
	}
	if a.Aggregate.StartSpread > 200*time.Millisecond {
		t.Errorf("start spread %v at a barrier", a.Aggregate.StartSpread)
	}
	var sum uint64
	for _, f := range res.Finals {
		sum += f.Latency.Count()
	}
	if a.Latency.Count() != sum {
		t.Errorf("merged histogram holds %d, instances %d", a.Latency.Count(), sum)
	}
	if a.CPU == nil || a.CPU.Local == nil || a.CPU.Local.ServiceDemandUnit != "Tran" {
		t.Errorf("system CPU %+v", a.CPU)
	}
	recs := got()
	if last := recs[len(recs)-1]; last != a {
		t.Error("aggregate is not the last record emitted")
	}
	finals := 0
	for _, r := range recs {
		if r.Final && r.Aggregate == nil {
			finals++
		}
	}
	if finals != 4 {
		t.Errorf("%d final records emitted", finals)
	}
}

// TestStaggerShowsSkew starts the second instance late on purpose: the
// honest aggregate covers only the overlap, and the naive sum of the
// instances' own results is larger.
func TestStaggerShowsSkew(t *testing.T) {
	srv := netperftest.NewServer(t)
	res, err := Run(context.Background(), Job{Spec: result.Spec{Test: "TCP_STREAM", Host: srv.Host, Port: srv.Port, LengthSeconds: 2}, Instances: 2, Stagger: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Aggregate
	if a.Aggregate.Valid != 2 {
		t.Fatalf("valid %d: %v %v", a.Aggregate.Valid, res.Finals[0].Err, res.Finals[1].Err)
	}
	if w := a.Elapsed; w < 700*time.Millisecond || w > 1300*time.Millisecond {
		t.Errorf("window %v, want about 1 s of overlap", w)
	}
	if a.Aggregate.StartSpread < 900*time.Millisecond {
		t.Errorf("start spread %v with a 1 s stagger", a.Aggregate.StartSpread)
	}
	if len(a.Aggregate.Warnings) == 0 {
		t.Error("no warning for a window of half the length")
	}
	// Whether the skew inflates the naive sum depends on whether the two
	// instances compete for a bottleneck, which loopback on a given
	// machine need not have (TestAggregateWindow checks the arithmetic);
	// here the naive sum must be the instances' own results added up and
	// the window aggregate a rate of its own.
	var naive float64
	for _, f := range res.Finals {
		naive += f.ThroughputBitsPerSecond()
	}
	if got := a.Aggregate.NaiveSumBitsPerSecond; math.Abs(got-naive) > 1e-9*naive {
		t.Errorf("naive sum %v, instances' results add up to %v", got, naive)
	}
	if a.ThroughputBitsPerSecond() <= 0 {
		t.Errorf("window aggregate %v", a.ThroughputBitsPerSecond())
	}
}

func TestFailedInstanceIsReported(t *testing.T) {
	srv := netperftest.NewServer(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	res, err := Run(context.Background(), Job{
		Spec:      result.Spec{Test: "TCP_STREAM", LengthSeconds: 1},
		Targets:   []Target{{srv.Host, srv.Port}, {srv.Host, srv.Port}, {srv.Host, srv.Port}, {"127.0.0.1", dead}},
		Instances: 4,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Aggregate.Aggregate
	if a.Valid != 3 || res.Finals[3].Err == nil || res.Finals[3].Err.Kind != result.ErrControlConnect {
		t.Fatalf("valid %d, instance 3 err %v", a.Valid, res.Finals[3].Err)
	}
	if res.Aggregate.ThroughputBitsPerSecond() <= 0 || !strings.Contains(strings.Join(a.Warnings, ";"), "3 of 4") {
		t.Errorf("aggregate %v, warnings %q", res.Aggregate.ThroughputBitsPerSecond(), a.Warnings)
	}
}

func TestInterruptStopsAll(t *testing.T) {
	srv := netperftest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, Job{Spec: result.Spec{Test: "TCP_STREAM", Host: srv.Host, Port: srv.Port, LengthSeconds: 10}, Instances: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("interrupted run took %v", d)
	}
	if a := res.Aggregate.Aggregate; !a.Interrupted || a.Valid != 3 || res.Aggregate.ThroughputBitsPerSecond() <= 0 {
		t.Errorf("aggregate of an interrupted run: %+v", a)
	}
	for i, f := range res.Finals {
		if f.Err == nil || f.Err.Kind != result.ErrInterrupted || f.BytesSent == 0 {
			t.Errorf("instance %d: %v, %d bytes", i, f.Err, f.BytesSent)
		}
	}
}

func TestPinnedInstances(t *testing.T) {
	srv := netperftest.NewServer(t)
	res, err := Run(context.Background(), Job{Spec: result.Spec{Test: "TCP_RR", Host: srv.Host, Port: srv.Port, LengthUnits: 100}, Instances: 2, CPUs: []int{0}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range res.Finals {
		if f.Err != nil || f.Spec.CPUBind == nil || *f.Spec.CPUBind != 0 {
			t.Errorf("instance %d: err %v, spec CPU %v", i, f.Err, f.Spec.CPUBind)
		}
	}
}

// TestSlowPeerDoesNotBreakOthers: one instance's server accepts the
// control connection and never answers. The start barrier comes before the
// test request, so the other instance's server timer is not running while
// it waits, and its test is unharmed.
func TestSlowPeerDoesNotBreakOthers(t *testing.T) {
	srv := netperftest.NewServer(t)
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		c, err := silent.Accept()
		if err != nil {
			return
		}
		time.Sleep(6 * time.Second) // longer than the test and netserver's 4 s pad
		c.Close()
	}()
	res, err := Run(context.Background(), Job{
		Spec:      result.Spec{Test: "TCP_STREAM", LengthSeconds: 1},
		Targets:   []Target{{srv.Host, srv.Port}, {"127.0.0.1", silent.Addr().(*net.TCPAddr).Port}},
		Instances: 2,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Finals[0]; f.Err != nil || f.RemoteBytesRecv == 0 {
		t.Errorf("the healthy instance: %v, %d bytes received", f.Err, f.RemoteBytesRecv)
	}
	if res.Finals[1].Err == nil {
		t.Error("the silent server's instance did not fail")
	}
}
