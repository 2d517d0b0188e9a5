package netperf_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"nperf/netperf"
	"nperf/netperf/netperftest"
	"nperf/result"
)

// TestAllTestsOnLoopback runs each of the six tests between Client and
// Server over real loopback sockets and checks that the numbers hang
// together.
func TestAllTestsOnLoopback(t *testing.T) {
	srv := netperftest.NewServer(t)
	for _, test := range result.Tests {
		t.Run(test, func(t *testing.T) {
			t.Parallel()
			spec := &result.Spec{Test: test, Host: srv.Host, Port: srv.Port, LengthSeconds: 1}
			var mu sync.Mutex
			var intervals []*result.Record
			c := &netperf.Client{Interval: 200 * time.Millisecond, RunID: "t", Emit: func(r *result.Record) {
				mu.Lock()
				defer mu.Unlock()
				intervals = append(intervals, r)
			}}
			start := time.Now()
			rec := c.Run(context.Background(), spec)
			if rec.Err != nil {
				t.Fatalf("run failed: %v", rec.Err)
			}
			if d := rec.Elapsed; d < 900*time.Millisecond || d > 1500*time.Millisecond {
				t.Errorf("elapsed %v for a 1 s test", d)
			}
			if test != "TCP_CRR" && time.Since(start) > 4*time.Second {
				t.Errorf("test took %v of wall time", time.Since(start))
			}
			var sumSent, sumRecv, sumTrans, sumRTT uint64
			for i, iv := range intervals {
				if iv.Latency != nil {
					sumRTT += iv.Latency.Count()
				}
				if iv.Seq != i || iv.Final {
					t.Errorf("interval %d has seq %d final %v", i, iv.Seq, iv.Final)
				}
				sumSent += iv.BytesSent
				sumRecv += iv.BytesRecv
				sumTrans += iv.Transactions
			}
			if len(intervals) < 4 || len(intervals) > 7 {
				t.Errorf("%d interval records for 1 s at 200 ms", len(intervals))
			}
			if sumSent != rec.BytesSent || sumRecv != rec.BytesRecv || sumTrans != rec.Transactions {
				t.Errorf("intervals add up to %d/%d/%d, final says %d/%d/%d",
					sumSent, sumRecv, sumTrans, rec.BytesSent, rec.BytesRecv, rec.Transactions)
			}
			if rec.Seq != len(intervals) {
				t.Errorf("final seq %d after %d intervals", rec.Seq, len(intervals))
			}
			switch test {
			case "TCP_STREAM":
				if rec.RemoteBytesRecv == 0 || rec.RemoteBytesRecv != rec.BytesSent {
					t.Errorf("sent %d, server received %d", rec.BytesSent, rec.RemoteBytesRecv)
				}
			case "UDP_STREAM":
				if rec.RemoteBytesRecv == 0 || rec.RemoteBytesRecv > rec.BytesSent {
					t.Errorf("sent %d, server received %d", rec.BytesSent, rec.RemoteBytesRecv)
				}
			case "TCP_MAERTS":
				if rec.BytesRecv == 0 || rec.BytesRecv > rec.RemoteBytesSent {
					t.Errorf("received %d, server sent %d", rec.BytesRecv, rec.RemoteBytesSent)
				}
			default:
				if rec.Transactions == 0 || rec.Latency == nil || rec.Latency.Count() != rec.Transactions {
					t.Fatalf("transactions %d, latency %v", rec.Transactions, rec.Latency)
				}
				if d := rec.Detail.RemoteTransactions; d+1 < rec.Transactions || d > rec.Transactions+1 {
					t.Errorf("client counted %d transactions, server %d", rec.Transactions, d)
				}
				if sumRTT != rec.Latency.Count() {
					t.Errorf("interval histograms hold %d round trips, the final one %d", sumRTT, rec.Latency.Count())
				}
				h := rec.Latency
				if !(h.Min() <= h.Quantile(0.5) && h.Quantile(0.5) <= h.Quantile(0.9) &&
					h.Quantile(0.9) <= h.Quantile(0.99) && h.Quantile(0.99) <= h.Max()) {
					t.Errorf("percentiles out of order")
				}
			}
			if rec.ThroughputBitsPerSecond() <= 0 {
				t.Errorf("throughput %v", rec.ThroughputBitsPerSecond())
			}
		})
	}
}

func TestCountBased(t *testing.T) {
	srv := netperftest.NewServer(t)
	c := &netperf.Client{}
	rec := c.Run(context.Background(), &result.Spec{Test: "TCP_RR", Host: srv.Host, Port: srv.Port, LengthUnits: 500})
	if rec.Err != nil || rec.Transactions != 500 {
		t.Fatalf("TCP_RR -l -500: %d transactions, err %v", rec.Transactions, rec.Err)
	}
	rec = c.Run(context.Background(), &result.Spec{Test: "TCP_STREAM", Host: srv.Host, Port: srv.Port, LengthUnits: 1 << 20})
	if rec.Err != nil || rec.BytesSent != 1<<20 || rec.RemoteBytesRecv != 1<<20 {
		t.Fatalf("TCP_STREAM -l -1M: sent %d, received %d, err %v", rec.BytesSent, rec.RemoteBytesRecv, rec.Err)
	}
}

// TestInterrupt cancels each test half a second into a 30 s run: it must
// stop promptly and keep what it measured, marked interrupted.
func TestInterrupt(t *testing.T) {
	srv := netperftest.NewServer(t)
	for _, test := range result.Tests {
		t.Run(test, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			rec := (&netperf.Client{}).Run(ctx, &result.Spec{Test: test, Host: srv.Host, Port: srv.Port, LengthSeconds: 30})
			if late := time.Since(rec.Start) - rec.Elapsed; late > 2*time.Second {
				t.Errorf("returned %v after the data phase ended", late)
			}
			if rec.Err == nil || rec.Err.Kind != result.ErrInterrupted {
				t.Fatalf("err = %v, want interrupted", rec.Err)
			}
			if rec.BytesSent+rec.BytesRecv == 0 || rec.Elapsed < 300*time.Millisecond || rec.Elapsed > 2*time.Second {
				t.Errorf("interrupted record: %d+%d bytes in %v", rec.BytesSent, rec.BytesRecv, rec.Elapsed)
			}
		})
	}
}

func TestControlConnectError(t *testing.T) {
	srv := netperftest.NewServer(t)
	port := srv.Port
	srv.Close()
	rec := (&netperf.Client{}).Run(context.Background(), &result.Spec{Test: "TCP_RR", Host: "127.0.0.1", Port: port, LengthSeconds: 1})
	if rec.Err == nil || rec.Err.Kind != result.ErrControlConnect {
		t.Fatalf("err = %v, want control-connect", rec.Err)
	}
}

// TestConfidenceRun repeats the test on one control connection: at least
// IterationsMin and at most IterationsMax times, with each iteration's
// result kept and the counts summed.
func TestConfidenceRun(t *testing.T) {
	srv := netperftest.NewServer(t)
	spec := &result.Spec{Test: "TCP_RR", Host: srv.Host, Port: srv.Port, LengthUnits: 300,
		IterationsMax: 4, IterationsMin: 3, ConfidenceLevel: 99, ConfidenceWidthPercent: 0.0001}
	rec := (&netperf.Client{}).Run(context.Background(), spec)
	if rec.Err != nil {
		t.Fatal(rec.Err)
	}
	c := rec.Confidence
	if c == nil || c.Iterations != 4 || len(c.Samples) != 4 || c.Met {
		t.Fatalf("confidence %+v: want 4 iterations, not met at a 0.0001%% width", c)
	}
	if rec.Transactions != 1200 || rec.Latency.Count() != 1200 {
		t.Errorf("summed %d transactions, histogram %d, want 4 x 300", rec.Transactions, rec.Latency.Count())
	}
	if c.ThroughputWidthPercent <= 0 || c.MeanResult <= 0 {
		t.Errorf("width %v mean %v", c.ThroughputWidthPercent, c.MeanResult)
	}
	spec.ConfidenceWidthPercent = 1e9 // any spread of results is within this
	rec = (&netperf.Client{}).Run(context.Background(), spec)
	if rec.Err != nil || rec.Confidence.Iterations != 3 || !rec.Confidence.Met {
		t.Errorf("wide interval: %v, %+v; want met after the minimum of 3", rec.Err, rec.Confidence)
	}
}

// TestFirstBurst keeps Burst+1 requests in flight: every response is
// matched to its own request's send time, and the counts still agree.
func TestFirstBurst(t *testing.T) {
	srv := netperftest.NewServer(t)
	for _, test := range []string{"TCP_RR", "UDP_RR"} {
		t.Run(test, func(t *testing.T) {
			rec := (&netperf.Client{}).Run(context.Background(), &result.Spec{Test: test, Host: srv.Host, Port: srv.Port, LengthSeconds: 1, Burst: 4})
			if rec.Err != nil {
				t.Fatal(rec.Err)
			}
			if rec.Transactions == 0 || rec.Latency.Count() != rec.Transactions {
				t.Fatalf("%d transactions, %d round trips timed", rec.Transactions, rec.Latency.Count())
			}
			// The server answered at least every request we got an answer
			// to, and at most those plus the burst still in flight.
			if d := rec.Detail.RemoteTransactions; d < rec.Transactions || d > rec.Transactions+5 {
				t.Errorf("client %d transactions, server %d", rec.Transactions, d)
			}
		})
	}
}

// TestInterruptWhileServerSilent: a server that accepts the control
// connection and never answers cannot hold an interrupted client.
func TestInterruptWhileServerSilent(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		c, err := silent.Accept()
		if err == nil {
			time.Sleep(10 * time.Second)
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	rec := (&netperf.Client{}).Run(ctx, &result.Spec{Test: "TCP_RR", Host: "127.0.0.1", Port: silent.Addr().(*net.TCPAddr).Port, LengthSeconds: 5})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v to give up", d)
	}
	if rec.Err == nil || rec.Err.Kind != result.ErrInterrupted {
		t.Errorf("err = %v, want interrupted", rec.Err)
	}
}
