package netperf

import (
	"context"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"nperf/result"
)

// BenchmarkRR runs b.N transactions of TCP_RR and UDP_RR between Client and
// Server in this process over loopback: ns/op is the round trip as the loop
// sees it. The cases run the loop with and without recording every round
// trip into the histogram, and with busy polling, whose case reports the
// p50 the histogram measured. cpu-ns/trans is this process's CPU time (user
// and system) per transaction: against a server in another process, the
// client's cost of a transaction. It moves with the rate, since much of it
// is the kernel waking the loop, so it does not settle what recording costs:
// BenchmarkRRLatencyCost does, with the cases interleaved.
//
// Run the cases with -count and compare medians: one process holds both
// ends, so on a small machine the scheduler's noise dominates a single run.
// NPERF_BENCH_SERVER=host:port runs them against that server instead (stock
// netserver in its own process, say).
func BenchmarkRR(b *testing.B) {
	host, port := benchServer(b)

	for _, test := range []string{"TCP_RR", "UDP_RR"} {
		for _, bc := range []struct {
			name string
			c    Client
			busy bool
		}{
			{"latency", Client{}, false},
			{"no-latency", Client{noLatency: true}, false},
			{"busy-poll", Client{}, true},
		} {
			b.Run(test+"/"+bc.name, func(b *testing.B) {
				spec := &result.Spec{Test: test, Host: host, Port: port, LengthUnits: int64(max(b.N, 100)), BusyPoll: bc.busy}
				c := bc.c
				b.ReportAllocs()
				cpu0 := processCPU()
				b.ResetTimer()
				rec := c.Run(context.Background(), spec)
				b.StopTimer()
				cpu := processCPU() - cpu0
				if rec.Err != nil {
					b.Fatal(rec.Err)
				}
				if rec.Transactions != uint64(spec.LengthUnits) {
					b.Fatalf("%d transactions, want %d", rec.Transactions, spec.LengthUnits)
				}
				// The rate over the data phase alone, without the
				// control exchange around it.
				b.ReportMetric(float64(rec.Elapsed.Nanoseconds())/float64(rec.Transactions), "ns/trans")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(rec.Transactions), "cpu-ns/trans")
				if rec.Latency != nil && rec.Latency.Count() > 0 {
					b.ReportMetric(float64(rec.Latency.Quantile(0.5).Nanoseconds()), "p50-ns")
				}
			})
		}
	}
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchServer is the server of BenchmarkRR: NPERF_BENCH_SERVER or one of
// its own in this process.
func benchServer(b *testing.B) (string, int) {
	if hp := os.Getenv("NPERF_BENCH_SERVER"); hp != "" {
		host, p, err := net.SplitHostPort(hp)
		if err != nil {
			b.Fatalf("NPERF_BENCH_SERVER: %v", err)
		}
		port, err := strconv.Atoi(p)
		if err != nil {
			b.Fatalf("NPERF_BENCH_SERVER: bad port %q", p)
		}
		return host, port
	}
	port, _ := startServer(b)
	return "127.0.0.1", port
}

// TestBusyPollRR checks that busy polling runs the same transactions and
// ends at its deadline.
func TestBusyPollRR(t *testing.T) {
	port, _ := startServer(t)
	for _, test := range []string{"TCP_RR", "UDP_RR"} {
		t.Run(test, func(t *testing.T) {
			c := &Client{}
			rec := c.Run(context.Background(), &result.Spec{Test: test, Host: "127.0.0.1", Port: port, LengthUnits: 500, BusyPoll: true})
			if rec.Err != nil {
				t.Fatal(rec.Err)
			}
			if rec.Transactions != 500 || rec.Latency.Count() != 500 {
				t.Errorf("%d transactions, %d round trips recorded, want 500", rec.Transactions, rec.Latency.Count())
			}
			if rec.BytesSent != 500 || rec.BytesRecv != 500 {
				t.Errorf("bytes sent/received %d/%d, want 500/500", rec.BytesSent, rec.BytesRecv)
			}
			start := time.Now()
			rec = c.Run(context.Background(), &result.Spec{Test: test, Host: "127.0.0.1", Port: port, LengthSeconds: 1})
			if rec.Err != nil {
				t.Fatal(rec.Err)
			}
			if rec.Transactions == 0 || rec.Elapsed < 900*time.Millisecond {
				t.Errorf("%d transactions in %v", rec.Transactions, rec.Elapsed)
			}
			if wall := time.Since(start); wall > 10*time.Second {
				t.Errorf("a 1 s busy-poll test took %v", wall)
			}
		})
	}
}

// BenchmarkRRLatencyCost measures what recording every round trip costs
// the transaction rate, with the two cases interleaved: each iteration runs
// a block of transactions with the histogram and one without, in
// alternating order, and the benchmark reports the median over iterations
// of the slowdown of the first against the second (latency-cost-%).
// Interleaving matters here: on a small machine the rate drifts with the
// load and with where the kernel places the two ends, by far more than the
// cost being measured, and blocks run next to each other share the drift.
// For the same reason both ends are pinned, this end to CPU 0 and the
// server's to CPU 1 (netperf -T 0,1; CPU 0 alone on a one-CPU machine):
// otherwise every block's connections are placed anew, and a round trip
// with both ends on one CPU is several times shorter than across two.
// Run it with -benchtime Nx for N pairs of blocks (20x or more).
func BenchmarkRRLatencyCost(b *testing.B) {
	host, port := benchServer(b)
	const block = 5000 // transactions per block
	local, remote := 0, min(1, runtime.NumCPU()-1)
	restore := pinBenchProcess(b, local)
	defer restore()
	for _, test := range []string{"TCP_RR", "UDP_RR"} {
		b.Run(test, func(b *testing.B) {
			run := func(noLatency bool) float64 {
				c := Client{noLatency: noLatency}
				rec := c.Run(context.Background(), &result.Spec{Test: test, Host: host, Port: port, LengthUnits: block, RemoteCPUBind: &remote})
				if rec.Err != nil {
					b.Fatal(rec.Err)
				}
				if rec.Transactions != block {
					b.Fatalf("%d transactions, want %d", rec.Transactions, block)
				}
				return float64(rec.Elapsed.Nanoseconds()) / block
			}
			costs := make([]float64, 0, b.N)
			for i := 0; i < b.N; i++ {
				var with, without float64
				if i%2 == 0 {
					with, without = run(false), run(true)
				} else {
					without, with = run(true), run(false)
				}
				costs = append(costs, 100*(with/without-1))
			}
			sort.Float64s(costs)
			b.ReportMetric(costs[len(costs)/2], "latency-cost-%")
		})
	}
}

// pinBenchProcess pins every thread of the benchmark's process to cpu, as
// nperf run -T does, and returns the function that gives them back the
// CPUs they had.
func pinBenchProcess(b *testing.B, cpu int) (restore func()) {
	var was unix.CPUSet
	if err := unix.SchedGetaffinity(0, &was); err != nil {
		b.Fatal(err)
	}
	if err := BindProcess(cpu); err != nil {
		b.Fatal(err)
	}
	return func() {
		setThreads(&was, 0)
		runtime.UnlockOSThread()
	}
}
