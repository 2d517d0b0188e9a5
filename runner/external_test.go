package runner

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"nperf/netperf"
	"nperf/netperf/netperftest"
	"nperf/netperf/parse"
	"nperf/result"
)

// TestExternalArgs checks the command line the external engine runs: the
// Spec's options, interim results and the keyval selector list, and that
// the parser's hint reads the same Spec back from it.
func TestExternalArgs(t *testing.T) {
	cpu := 1
	cases := []struct {
		name     string
		spec     result.Spec
		interval time.Duration
		want     []string // words that must appear, in this order
	}{
		{"rr with interim", result.Spec{Test: "TCP_RR", Host: "127.0.0.1", Port: 5000, LengthSeconds: 2, RequestSize: 64, ResponseSize: 64},
			250 * time.Millisecond, []string{"-t", "TCP_RR", "-p", "5000", "-D", "0.25", "--", "-r", "64", "-k"}},
		{"stream without interim, pinned", result.Spec{Test: "TCP_STREAM", Host: "h", Port: netperf.DefaultPort, LengthSeconds: 10, CPUBind: &cpu},
			0, []string{"-T", "1,", "--", "-k"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := &External{Interval: c.interval}
			args := e.Args(&c.spec)
			at := 0
			for _, w := range c.want {
				i := slices.Index(args[at:], w)
				if i < 0 {
					t.Fatalf("%q not in order in %q", c.want, args)
				}
				at += i + 1
			}
			if c.interval == 0 && slices.Contains(args, "-D") {
				t.Errorf("interim results asked for without an interval: %q", args)
			}
			sel := args[len(args)-1]
			if want := strings.Join(ExternalSelectors(c.spec.Test), ","); sel != want {
				t.Errorf("selectors %q, want %q", sel, want)
			}
			h := parse.HintFromArgs(args)
			if h.Format != parse.FormatKeyval || h.Test != c.spec.Test || !reflect.DeepEqual(*h.Spec, c.spec) {
				t.Errorf("hint %+v spec %+v, want %+v", h, h.Spec, c.spec)
			}
		})
	}
	if s := ExternalSelectors("TCP_STREAM"); slices.Contains(s, "P99_LATENCY") || !slices.Contains(s, "LOCAL_SEND_SIZE") {
		t.Errorf("stream selectors %q", s)
	}
	if s := ExternalSelectors("UDP_RR"); !slices.Contains(s, "TRANSACTION_RATE") || slices.Contains(s, "LOCAL_SEND_SIZE") {
		t.Errorf("rr selectors %q", s)
	}
}

// fakeNetperf writes a shell script that stands in for netperf.
func fakeNetperf(t *testing.T, script string) string {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	path := filepath.Join(t.TempDir(), "netperf")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestExternalFailures runs stand-ins for netperf that fail in the ways a
// real one can, and checks the typed error of each.
func TestExternalFailures(t *testing.T) {
	spec := &result.Spec{Test: "TCP_RR", Host: "127.0.0.1", Port: 9, LengthSeconds: 1}
	cases := []struct {
		name, script string
		kind         string
		msg          []string
	}{
		{"refused control connection",
			"echo 'establish control: are you sure there is a netserver listening on 127.0.0.1 at port 9?'\n" +
				"echo 'establish_control could not establish the control connection from 0.0.0.0 port 0 address family AF_UNSPEC to 127.0.0.1 port 9 address family AF_INET'\nexit 255\n",
			result.ErrControlConnect, []string{"are you sure there is a netserver"}},
		{"garbage", "echo 'Segmentation fault of the mind'\nexit 3\n", result.ErrProtocol, []string{"netperf output:1:", "exit status 3"}},
		{"nothing printed", "echo 'oops' >&2\nexit 1\n", result.ErrProtocol, []string{"netperf printed no result", "exit status 1", "stderr: oops"}},
		{"result then bad status", "echo THROUGHPUT=100.00\necho THROUGHPUT_UNITS=Trans/s\necho ELAPSED_TIME=1.00\nexit 2\n",
			result.ErrProtocol, []string{"printed a result but failed", "exit status 2"}},
		{"refused command line", "echo 'The test you requested (TCP_RR) is unknown to this netperf.'\nexit 1\n",
			result.ErrProtocol, []string{"netperf did not run"}},
		{"killed by a signal", "kill -9 $$\n", result.ErrProtocol, []string{"signal: killed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := &External{Path: fakeNetperf(t, c.script), RunID: "r", Instance: 2}
			rec := e.Run(context.Background(), spec)
			if rec.Err == nil || rec.Err.Kind != c.kind {
				t.Fatalf("err %v, want kind %s", rec.Err, c.kind)
			}
			for _, m := range c.msg {
				if !strings.Contains(rec.Err.Message, m) {
					t.Errorf("message %q lacks %q", rec.Err.Message, m)
				}
			}
			if !rec.Final || rec.Run != "r" || rec.Instance != 2 || rec.Peer != "127.0.0.1:9" || rec.Spec != spec {
				t.Errorf("record %+v", rec)
			}
		})
	}
	t.Run("no such binary", func(t *testing.T) {
		e := &External{Path: filepath.Join(t.TempDir(), "netperf")}
		if _, err := e.LookPath(); err == nil {
			t.Fatal("LookPath found a missing binary")
		}
		if rec := e.Run(context.Background(), spec); rec.Err == nil || rec.Err.Kind != result.ErrProtocol {
			t.Errorf("err %v", rec.Err)
		}
		if _, err := Run(context.Background(), Job{Spec: *spec, Instances: 1, Engine: e}, nil); err == nil {
			t.Error("Run started a job with a missing netperf")
		}
	})
}

// TestExternalStubbornProcess checks that a process that ignores SIGINT is
// killed after the grace period and the instance reported interrupted.
func TestExternalStubbornProcess(t *testing.T) {
	t.Parallel() // it waits out the grace period
	e := &External{Path: fakeNetperf(t, "trap '' INT\nwhile :; do sleep 0.1; done\n")}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	rec := e.Run(ctx, &result.Spec{Test: "TCP_STREAM", Host: "127.0.0.1", LengthSeconds: 60})
	if rec.Err == nil || rec.Err.Kind != result.ErrInterrupted || !strings.Contains(rec.Err.Message, "was killed") {
		t.Fatalf("err %v", rec.Err)
	}
}

// TestExternalPinsProcess checks that the process runs on the instance's
// CPU: netperf's -T and the process's own affinity. The stand-in reads
// its affinity until it changes (or a second has passed).
func TestExternalPinsProcess(t *testing.T) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Skip(err)
	}
	cpu := -1
	for c := 0; c < 1024; c++ {
		if set.IsSet(c) {
			cpu = c
		}
	}
	want := "Cpus_allowed_list:\t" + strconv.Itoa(cpu)
	e := &External{Path: fakeNetperf(t, `i=0
while [ $i -lt 50 ]; do
  while read -r line; do case "$line" in Cpus_allowed_list*) seen="$line";; esac; done < /proc/self/status
  [ "$seen" = "`+want+`" ] && break
  i=$((i+1)); sleep 0.02
done
echo "$seen" >&2
echo "args: $*" >&2
exit 1
`)}
	rec := e.Run(context.Background(), &result.Spec{Test: "TCP_RR", Host: "127.0.0.1", LengthSeconds: 1, CPUBind: &cpu})
	if rec.Err == nil || !strings.Contains(rec.Err.Message, "-T "+strconv.Itoa(cpu)+",") || !strings.Contains(rec.Err.Message, want) {
		t.Errorf("want -T %d, and %q in %v", cpu, want, rec.Err)
	}
}

// netperfBinary skips the test when no netperf is installed.
func netperfBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("netperf")
	if err != nil {
		t.Skip("netperf is not installed")
	}
	return p
}

// TestExternalNetperf runs the real netperf against nperf's server and
// checks the Records against what the in-process engine writes.
func TestExternalNetperf(t *testing.T) {
	netperfBinary(t)
	srv := netperftest.NewServer(t)
	cases := []struct {
		test  string
		check func(t *testing.T, f *result.Record)
	}{
		{"TCP_RR", func(t *testing.T, f *result.Record) {
			if f.Transactions == 0 || f.BytesSent != f.Transactions || f.TransactionRate() <= 0 {
				t.Errorf("transactions %d sent %d", f.Transactions, f.BytesSent)
			}
			if f.Detail == nil || f.Detail.SendSize != 1 || f.Detail.RecvSize != 1 {
				t.Errorf("detail %+v", f.Detail)
			}
			if f.Labels["netperf.p99_latency_us"] == "" {
				t.Errorf("latency percentiles not kept: %v", f.Labels)
			}
		}},
		{"TCP_STREAM", func(t *testing.T, f *result.Record) {
			if f.RemoteBytesRecv == 0 || f.BytesSent == 0 || f.ThroughputBitsPerSecond() <= 0 {
				t.Errorf("bytes sent %d received %d", f.BytesSent, f.RemoteBytesRecv)
			}
			if f.Detail == nil || f.Detail.SendSize <= 0 || f.Detail.SendCalls == 0 || f.Detail.LocalSendBufStart <= 0 {
				t.Errorf("detail %+v", f.Detail)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.test, func(t *testing.T) {
			var got []*result.Record
			e := &External{Interval: 200 * time.Millisecond, Emit: func(r *result.Record) { got = append(got, r) }, RunID: "run", Instance: 1}
			spec := &result.Spec{Test: c.test, Host: srv.Host, Port: srv.Port, LengthSeconds: 1}
			f := e.Run(context.Background(), spec)
			if f.Err != nil {
				t.Fatalf("err %v", f.Err)
			}
			if !f.Final || f.Run != "run" || f.Instance != 1 || f.Test != c.test || f.Spec != spec || f.Peer != srv.Addr {
				t.Errorf("final %+v", f)
			}
			if f.Elapsed < 900*time.Millisecond || f.Elapsed > 5*time.Second {
				t.Errorf("elapsed %v of a 1 s test", f.Elapsed)
			}
			if len(got) == 0 {
				t.Fatal("no interval records")
			}
			var sum time.Duration
			for i, r := range got {
				if r.Final || r.Seq != i || r.Instance != 1 || r.Run != "run" || r.Elapsed <= 0 {
					t.Errorf("interval %d: %+v", i, r)
				}
				sum += r.Elapsed
			}
			if f.Seq != len(got) || !f.Start.Equal(got[0].Start) {
				t.Errorf("final seq %d start %v; intervals %d from %v", f.Seq, f.Start, len(got), got[0].Start)
			}
			if sum < 500*time.Millisecond {
				t.Errorf("intervals cover %v of a 1 s test", sum)
			}
			c.check(t, f)
		})
	}
	t.Run("dead server", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		f := (&External{}).Run(context.Background(), &result.Spec{Test: "TCP_RR", Host: "127.0.0.1", Port: port, LengthSeconds: 1})
		if f.Err == nil || f.Err.Kind != result.ErrControlConnect || f.Peer != net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) {
			t.Errorf("err %v peer %s", f.Err, f.Peer)
		}
	})
	t.Run("interrupt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var got []*result.Record
		e := &External{Interval: 200 * time.Millisecond, Emit: func(r *result.Record) { got = append(got, r) }}
		go func() { time.Sleep(700 * time.Millisecond); cancel() }()
		f := e.Run(ctx, &result.Spec{Test: "TCP_STREAM", Host: srv.Host, Port: srv.Port, LengthSeconds: 30})
		if f.Err == nil || f.Err.Kind != result.ErrInterrupted {
			t.Fatalf("err %v", f.Err)
		}
		// netperf stops on SIGINT and prints what it measured.
		if f.RemoteBytesRecv == 0 || f.Elapsed <= 0 || f.Elapsed >= 30*time.Second || len(got) == 0 {
			t.Errorf("interrupted record: %d bytes in %v, %d intervals", f.RemoteBytesRecv, f.Elapsed, len(got))
		}
	})
}

// TestExternalJob runs a multi-instance job of netperf processes and
// checks that they are summed like the in-process engine's.
func TestExternalJob(t *testing.T) {
	netperfBinary(t)
	srv := netperftest.NewServer(t)
	emit, got := collect()
	job := Job{Spec: result.Spec{Test: "TCP_RR", Host: srv.Host, Port: srv.Port, LengthSeconds: 1}, Instances: 3, RunID: "ext",
		Engine: &External{}, CPUs: []int{0}}
	res, err := Run(context.Background(), job, emit)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Aggregate
	if a.Aggregate.Valid != 3 || a.Transactions == 0 || a.Elapsed <= 0 || a.Aggregate.JainIndex <= 0 {
		t.Fatalf("aggregate %+v %+v; finals %v %v %v", a, a.Aggregate, res.Finals[0].Err, res.Finals[1].Err, res.Finals[2].Err)
	}
	intervals := map[int]int{}
	for _, r := range got() {
		if r.Run != "ext" {
			t.Errorf("record of run %q", r.Run)
		}
		if !r.Final {
			intervals[r.Instance]++
		}
	}
	for i, f := range res.Finals {
		if f.Instance != i || intervals[i] == 0 || f.Spec.CPUBind == nil || *f.Spec.CPUBind != 0 {
			t.Errorf("instance %d: %d intervals, spec %+v", f.Instance, intervals[i], f.Spec)
		}
	}
	// The window sum comes from the interval records: it cannot exceed
	// the instances' own totals.
	var total uint64
	for _, f := range res.Finals {
		total += f.Transactions
	}
	if a.Transactions > total {
		t.Errorf("window holds %d transactions, the instances %d", a.Transactions, total)
	}
}
