// Package runner runs many instances of a test at once, in this process or
// as external netperf processes: synchronized at a start barrier or
// staggered on purpose, pinned to CPUs if asked, spread over several
// servers, and summed honestly over the window in which they really
// overlapped. It emits every Record through one callback.
package runner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"nperf/netperf"
	"nperf/result"
)

// A Target is one server instances are spread over, round-robin.
type Target struct {
	Host string
	Port int
}

// A Job is N instances of one test.
type Job struct {
	Spec      result.Spec // the test each instance runs; Host/Port unless Targets are given
	Targets   []Target
	Instances int
	// CPUs pins instance i's data loop to CPUs[i % len(CPUs)].
	CPUs []int
	// Stagger starts instance i at i*Stagger on purpose. Zero: all
	// instances connect, then start their data phase together at a barrier.
	Stagger time.Duration
	// Interval is the period of interval Records; the common window is
	// computed from them, so shorter is more precise. Default 250 ms.
	Interval time.Duration
	RunID    string
	Labels   map[string]string
	// Engine, when set, runs each instance as an external netperf process
	// (a copy of Engine with the instance's RunID, Instance, Interval and
	// Emit); nil runs nperf's own client in this process. Processes have
	// no start barrier: without Stagger they are all started at once, so
	// their data phases start as close together as netperf's own control
	// exchanges allow, and the measured StartSpread says how close.
	Engine *External
}

// A Result holds every instance's Final record (in instance order) and the
// aggregate record.
type Result struct {
	Finals    []*result.Record
	Aggregate *result.Record
}

// DefaultInterval is the interval period when a Job does not set one.
const DefaultInterval = 250 * time.Millisecond

// Run runs the job and returns when every instance has finished. emit (if
// not nil) receives every interval and Final record as it is measured and
// the aggregate record last; it is called from one goroutine at a time.
// Cancelling ctx stops every instance; what was measured is kept and the
// aggregate is marked interrupted.
func Run(ctx context.Context, job Job, emit func(*result.Record)) (*Result, error) {
	if job.Instances < 1 {
		return nil, fmt.Errorf("runner: %d instances", job.Instances)
	}
	if job.Interval <= 0 {
		job.Interval = DefaultInterval
	}
	if job.Engine != nil {
		if _, err := job.Engine.LookPath(); err != nil {
			return nil, fmt.Errorf("runner: %w", err)
		}
	}
	var mu sync.Mutex
	intervals := make([][]*result.Record, job.Instances)
	send := func(r *result.Record) {
		mu.Lock()
		defer mu.Unlock()
		if r.Labels == nil && len(job.Labels) > 0 {
			r.Labels = job.Labels
		}
		if !r.Final && r.Instance >= 0 && r.Instance < len(intervals) {
			intervals[r.Instance] = append(intervals[r.Instance], r)
		}
		if emit != nil {
			emit(r)
		}
	}

	bar := newBarrier(job.Instances)
	cpuStart, cpuErr := netperf.ReadCPU()
	cpuFrom := time.Now()
	finals := make([]*result.Record, job.Instances)
	var wg sync.WaitGroup
	for i := 0; i < job.Instances; i++ {
		spec := job.Spec
		if len(job.Targets) > 0 {
			t := job.Targets[i%len(job.Targets)]
			spec.Host, spec.Port = t.Host, t.Port
		}
		var cpu *int
		if len(job.CPUs) > 0 {
			c := job.CPUs[i%len(job.CPUs)]
			cpu = &c
			spec.CPUBind = cpu
		}
		client := &netperf.Client{RunID: job.RunID, Instance: i, Interval: job.Interval, Emit: send, Shared: job.Instances > 1}
		if job.Stagger == 0 {
			client.Ready = func() error { return bar.wait(ctx, i) }
		}
		wg.Add(1)
		go func(i int, spec result.Spec) {
			defer wg.Done()
			defer bar.leave(i) // an instance that fails early must not hold the others
			if cpu != nil && job.Engine == nil {
				if err := netperf.BindThread(*cpu); err != nil {
					finals[i] = failed(job, i, &spec, fmt.Errorf("pin to CPU %d: %w", *cpu, err))
					send(finals[i])
					return
				}
			}
			if job.Stagger > 0 && i > 0 {
				select {
				case <-time.After(time.Duration(i) * job.Stagger):
				case <-ctx.Done():
					finals[i] = failed(job, i, &spec, ctx.Err())
					finals[i].Err.Kind = result.ErrInterrupted
					send(finals[i])
					return
				}
			}
			var rec *result.Record
			if job.Engine != nil {
				e := *job.Engine
				e.RunID, e.Instance, e.Interval, e.Emit = job.RunID, i, job.Interval, send
				rec = e.Run(ctx, &spec) // pins the process to spec.CPUBind itself
			} else {
				rec = client.Run(ctx, &spec)
			}
			finals[i] = rec
			send(rec)
		}(i, spec)
	}
	wg.Wait()
	cpuEnd, cpuErr2 := netperf.ReadCPU()
	cpuWindow := time.Since(cpuFrom)

	agg := aggregate(job, finals, intervals)
	agg.Aggregate.Interrupted = ctx.Err() != nil
	if cpuErr == nil && cpuErr2 == nil {
		side := cpuEnd.UtilSince(cpuStart)
		side.ServiceDemandUS, side.ServiceDemandUnit = serviceDemand(finals, side, cpuWindow)
		agg.CPU = &result.CPUUsage{Local: side}
	}
	send(agg)
	return &Result{Finals: finals, Aggregate: agg}, nil
}

func failed(job Job, i int, spec *result.Spec, err error) *result.Record {
	return &result.Record{
		Run: job.RunID, Test: spec.Test, Instance: i, Final: true, Start: time.Now(),
		Peer: netperf.Addr(spec.Host, spec.Port), Spec: spec,
		Err: &result.Error{Kind: result.ErrData, Message: err.Error()},
	}
}

// serviceDemand is CPU time per KB or per transaction for the whole run,
// computed once from system-wide CPU and every valid instance's counts:
// per-instance service demands are wrong under concurrency, since each
// instance's CPU reading includes the others.
//
// The CPU time is utilisation times the window between the two readings
// it came from, which holds all of the instances' work (and the set-up
// and padding around it: CPU spent there is spent on the test too).
func serviceDemand(finals []*result.Record, cpu *result.CPUSide, window time.Duration) (float64, string) {
	var bytes, trans float64
	test := ""
	for _, r := range finals {
		if !valid(r) {
			continue
		}
		test = r.Test
		if r.Test == "UDP_STREAM" {
			bytes += float64(r.BytesSent) // per KB sent, as netperf
		} else {
			bytes += float64(r.PayloadBytes())
		}
		trans += float64(r.Transactions)
	}
	busyUS := cpu.UtilPercent / 100 * float64(cpu.NumCPUs) * window.Seconds() * 1e6
	if result.IsStream(test) {
		if bytes == 0 {
			return 0, "KB"
		}
		return busyUS / (bytes / 1024), "KB"
	}
	if trans == 0 {
		return 0, "Tran"
	}
	return busyUS / trans, "Tran"
}

// barrier releases every waiter once each of n instances has either
// arrived (ready to start) or left (ended without getting there).
type barrier struct {
	mu      sync.Mutex
	counted []bool
	pending int
	release chan struct{}
}

func newBarrier(n int) *barrier {
	return &barrier{counted: make([]bool, n), pending: n, release: make(chan struct{})}
}

func (b *barrier) count(i int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.counted[i] {
		return
	}
	b.counted[i] = true
	b.pending--
	if b.pending == 0 {
		close(b.release)
	}
}

// wait is called by instance i when it is ready to start its data phase.
func (b *barrier) wait(ctx context.Context, i int) error {
	b.count(i)
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// leave is deferred by every instance, so that one that fails before the
// barrier does not hold the others forever.
func (b *barrier) leave(i int) { b.count(i) }
