package parse

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nperf/internal/units"
	"nperf/result"
)

// parseFile parses a fixture as nperf parse would, "# cmd:" line and all.
func parseFile(t *testing.T, name string, hint Hint) ([]*result.Record, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "netperf-outputs", name))
	if err != nil {
		t.Fatal(err)
	}
	return Output(strings.NewReader(string(b)), name, hint)
}

// final returns the last record, which must be a Final one.
func final(t *testing.T, recs []*result.Record) *result.Record {
	t.Helper()
	if len(recs) == 0 || !recs[len(recs)-1].Final {
		t.Fatalf("no final record in %d records", len(recs))
	}
	return recs[len(recs)-1]
}

// near reports whether got shows as want at the precision want was
// printed with (half a unit of its last digit).
func near(got, want float64, decimals int) bool {
	return math.Abs(got-want) <= 0.5*math.Pow(10, -float64(decimals))+1e-9
}

// TestFixtureValues checks, for a representative set of the saved netperf
// outputs, the values typed here by hand from the files: the test, the
// printed throughput (through the record's own derived rate), the elapsed
// time, and the sizes, CPU, latency and error fields.
func TestFixtureValues(t *testing.T) {
	mbit := 1e6 // bits/s per 10^6bits/s
	cases := []struct {
		file      string
		test      string
		intervals int
		rateBits  float64 // printed throughput in bits/s (0: not checked)
		rateDec   float64 // bits/s of one unit of the last printed digit
		trans     float64 // printed transactions/s (0: not checked)
		transDec  int
		elapsed   float64 // printed elapsed seconds (0: none)
		check     func(t *testing.T, r *result.Record)
	}{
		{file: "01_tcp_stream_default.txt", test: "TCP_STREAM", rateBits: 15383.00 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				d := r.Detail
				if d.RemoteRecvBufStart != 131072 || d.LocalSendBufStart != 16384 || d.SendSize != 16384 || d.LocalSendBufBytes != -1 {
					t.Errorf("detail %+v", d)
				}
				if r.BytesSent != 0 || r.CPU != nil || r.Err != nil {
					t.Errorf("unprinted values set: sent %d cpu %v err %v", r.BytesSent, r.CPU, r.Err)
				}
			}},
		{file: "03_tcp_maerts.txt", test: "TCP_MAERTS", rateBits: 15473.56 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if r.BytesRecv == 0 || r.RemoteBytesRecv != 0 {
					t.Errorf("maerts counts: recv %d remote recv %d", r.BytesRecv, r.RemoteBytesRecv)
				}
				if d := r.Detail; d.LocalRecvBufStart != 131072 || d.RemoteSendBufStart != 16384 || d.RemoteSendSize != 16384 {
					t.Errorf("detail %+v", d)
				}
			}},
		{file: "04_tcp_rr.txt", test: "TCP_RR", trans: 60635.19, transDec: 2, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if r.BytesSent != r.Transactions || r.BytesRecv != r.Transactions {
					t.Errorf("1-byte requests and responses: sent %d recv %d transactions %d", r.BytesSent, r.BytesRecv, r.Transactions)
				}
				if d := r.Detail; d.LocalSendBufStart != 16384 || d.LocalRecvBufStart != 131072 || d.RemoteSendBufStart != 16384 || d.RemoteRecvBufStart != 131072 {
					t.Errorf("detail %+v", d)
				}
			}},
		{file: "05_tcp_crr.txt", test: "TCP_CRR", trans: 11283.36, transDec: 2, elapsed: 3},
		{file: "06_udp_stream.txt", test: "UDP_STREAM", rateBits: 62805.48 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				// Messages of 65507 bytes: counts are exact.
				if r.BytesSent != 455095*65507 || r.RemoteBytesRecv != 359556*65507 {
					t.Errorf("sent %d remote recv %d", r.BytesSent, r.RemoteBytesRecv)
				}
				if r.Detail.SendCalls != 455095 || r.Detail.RemoteRecvCalls != 359556 || r.Detail.FailedSends != 0 {
					t.Errorf("detail %+v", r.Detail)
				}
			}},
		{file: "07_udp_rr.txt", test: "UDP_RR", trans: 12357.85, transDec: 2, elapsed: 3},
		{file: "10_P0_tcp_crr.txt", test: "TCP_CRR", trans: 12887.24, transDec: 2, elapsed: 3},
		{file: "10_P0_udp_stream.txt", test: "UDP_STREAM", rateBits: 54862.29 * mbit, rateDec: 0.01 * mbit, elapsed: 3},
		{file: "11_v0_tcp_stream.txt", test: "TCP_STREAM",
			check: func(t *testing.T, r *result.Record) {
				// No elapsed time: the rate stays as printed.
				if r.Elapsed != 0 || r.RemoteBytesRecv != 0 || r.Labels[labelThroughput] != "23039.73" || r.Labels[labelThroughputUnit] != "10^6bits/s" {
					t.Errorf("elapsed %v recv %d labels %v", r.Elapsed, r.RemoteBytesRecv, r.Labels)
				}
			}},
		{file: "12_v2_tcp_stream.txt", test: "TCP_STREAM", rateBits: 17770.77 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if r.BytesSent != 6667370496 || r.Detail.SendCalls != 406944 || r.Detail.RemoteRecvCalls != 67381 || r.Detail.MSS != 65483 {
					t.Errorf("sent %d detail %+v", r.BytesSent, r.Detail)
				}
			}},
		{file: "12_v2_tcp_rr.txt", test: "TCP_RR", trans: 53300.489, transDec: 3, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if r.Transactions != 159957 { // HIST_TOTAL
					t.Errorf("transactions %d, want the histogram's 159957", r.Transactions)
				}
			}},
		{file: "20_cpu_cC_tcp_maerts.txt", test: "TCP_MAERTS", rateBits: 25928.19 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				for _, c := range []*result.CPUSide{r.CPU.Local, r.CPU.Remote} {
					if c == nil || c.UtilPercent != 72.03 || c.Method != "S" || c.ServiceDemandUS != 0.455 || c.ServiceDemandUnit != "KB" {
						t.Errorf("cpu %+v", c)
					}
				}
				// netperf prints TCP_STREAM's variables in this table.
				if d := r.Detail; d.RemoteRecvBufStart != 131072 || d.LocalSendBufStart != 16384 || d.RemoteSendSize != 16384 {
					t.Errorf("detail %+v", d)
				}
			}},
		{file: "20_cpu_cC_tcp_rr.txt", test: "TCP_RR", trans: 12786.88, transDec: 2, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if c := r.CPU.Local; c.UtilPercent != 34.40 || c.ServiceDemandUS != 53.811 || c.ServiceDemandUnit != "Tran" {
					t.Errorf("cpu %+v", c)
				}
			}},
		{file: "20_cpu_cC_udp_stream.txt", test: "UDP_STREAM", rateBits: 30729.2 * mbit, rateDec: 0.1 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if c := r.CPU.Local; c.UtilPercent != 96.72 || c.ServiceDemandUS != 0.264 || c.Method != "S" {
					t.Errorf("local cpu %+v", c)
				}
				if c := r.CPU.Remote; c.UtilPercent != 96.72 || c.Method != "S" {
					t.Errorf("remote cpu %+v", c)
				}
			}},
		{file: "22_cpu_cC_v0_tcp_rr.txt", test: "TCP_RR",
			check: func(t *testing.T, r *result.Record) {
				// -c -C -v 0 prints the local service demand alone.
				if r.CPU != nil || r.Labels["netperf.local_service_demand"] != "48.019" || r.Labels["netperf.local_cpu_method"] != "S" || r.Labels["netperf.service_demand_units"] != "usec/Tran" {
					t.Errorf("cpu %v labels %v", r.CPU, r.Labels)
				}
			}},
		{file: "23_cpu_local_only_c_tcp_stream.txt", test: "TCP_STREAM", rateBits: 23282.48 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if r.CPU.Remote != nil || r.CPU.Local.UtilPercent != 90.84 || r.CPU.Local.ServiceDemandUS != 0.639 {
					t.Errorf("-1.00 is not measured: cpu %+v %+v", r.CPU.Local, r.CPU.Remote)
				}
				if !r.Spec.LocalCPU || r.Spec.RemoteCPU {
					t.Errorf("spec %+v", r.Spec)
				}
			}},
		{file: "30_confidence_i10_3_I99_5_tcp_stream.txt", test: "TCP_STREAM", rateBits: 18281.65 * mbit, rateDec: 0.01 * mbit, elapsed: 30,
			check: func(t *testing.T, r *result.Record) {
				// The warning: netperf ran all 10 iterations; the record
				// sums them, keeping the printed (mean) rate.
				c := r.Confidence
				if c == nil || c.ThroughputWidthPercent != 42.183 || c.Met || c.LevelPercent != 99 || c.WantWidthPercent != 5 ||
					c.Iterations != 10 || c.MeanResult != 18281.65e6 || c.LocalCPUWidthPercent != 0 {
					t.Errorf("confidence %+v", c)
				}
				if _, ok := r.Labels["netperf.confidence_met"]; ok {
					t.Errorf("confidence still in labels: %v", r.Labels)
				}
			}},
		{file: "40_demo_D0.5_tcp_stream.txt", test: "TCP_STREAM", intervals: 5, rateBits: 14726.21 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if want := time.Unix(1796314304, 226e6).Add(-957 * time.Millisecond); !r.Start.Equal(want) {
					t.Errorf("final start %v, want the first interval's %v", r.Start, want)
				}
			}},
		{file: "41_demo_D0.5_tcp_rr.txt", test: "TCP_RR", intervals: 6, trans: 64391.21, transDec: 2, elapsed: 3},
		{file: "44_demo_D0.5_omni_keyval_tcp_stream.txt", test: "TCP_STREAM", intervals: 5},
		{file: "53_omni_tcp_rr_csv_default.txt", test: "TCP_RR", trans: 62641.61, transDec: 2, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if d := r.Detail; d.LocalSendBufBytes != 4194304 || d.LocalRecvBufBytes != 262484 || d.RemoteRecvBufBytes != 261944 || d.RemoteSendBufBytes != 4194304 || d.SendSize != 1 || d.RecvSize != 1 {
					t.Errorf("detail %+v", d)
				}
			}},
		{file: "56_omni_tcp_stream_cC_keyval_default.txt", test: "TCP_STREAM", rateBits: 15705.72 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				c := r.CPU.Local
				if c.UtilPercent != 98.99 || c.UserPercent != 51.43 || c.SystemPercent != 25.03 || c.SoftIRQPercent != 22.35 || c.ServiceDemandUS != 1.033 || c.ServiceDemandUnit != "KB" {
					t.Errorf("cpu %+v", c)
				}
			}},
		{file: "58_omni_tcp_maerts_keyval_default.txt", test: "TCP_MAERTS", rateBits: 15006.11 * mbit, rateDec: 0.01 * mbit, elapsed: 3},
		{file: "59_omni_plain_d_rr.txt", test: "TCP_RR", trans: 2460.55, transDec: 2, elapsed: 3},
		{file: "59_omni_plain_d_recv_keyval_direction.txt", test: "TCP_MAERTS"},
		{file: "62_omni_human_selected.txt", test: "TCP_STREAM", rateBits: 16851.63 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if d := r.Detail; d.RemoteRecvSize != 131072 || d.RemoteRecvBufBytes != 4774903 || d.MSS != 65483 {
					t.Errorf("detail %+v", d)
				}
			}},
		{file: "64_omni_human_selected_P0.txt", test: "TCP_STREAM", rateBits: 17250.05 * mbit, rateDec: 0.01 * mbit, elapsed: 3},
		{file: "66_omni_human_multiblock_semicolon.txt", test: "TCP_STREAM", rateBits: 14615.87 * mbit, rateDec: 0.01 * mbit, elapsed: 3},
		{file: "68_omni_csv_with_brand_cmdline_uuid.txt", test: "TCP_STREAM",
			check: func(t *testing.T, r *result.Record) {
				if r.Labels[labelBrand] != "mybrand" || r.Labels[labelUUID] != "629aded0-ef34-11f1-aef3-c3b0c941831e" || r.Labels[labelThroughput] != "18489.73" {
					t.Errorf("labels %v", r.Labels)
				}
			}},
		{file: "70_omni_keyval_all.txt", test: "TCP_STREAM", rateBits: 17372.13 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if r.RemoteBytesRecv != 6521058037 || r.BytesSent != 6521044992 || r.Detail.RemoteRecvBufBytes != 33554432 || r.Detail.CongestionControl != "bbr" {
					t.Errorf("recv %d sent %d detail %+v", r.RemoteBytesRecv, r.BytesSent, r.Detail)
				}
				if r.CPU != nil {
					t.Errorf("-1.00 CPU is not measured: %+v", r.CPU)
				}
				if r.Labels["netperf.p99_latency_us"] != "58" || r.Labels["netperf.max_latency_us"] != "9452" || r.Labels["netperf.stddev_latency_us"] != "39.39" {
					t.Errorf("labels %v", r.Labels)
				}
			}},
		{file: "72_omni_human_all.txt", test: "TCP_STREAM", rateBits: 14919.47 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if r.RemoteBytesRecv != 5597710733 || r.Detail.SendCalls != 341657 || r.Detail.RemoteRecvCalls != 55122 || r.Labels[labelUUID] != "69cf8336-ef34-11f1-9d11-494c2796a551" {
					t.Errorf("recv %d detail %+v labels %v", r.RemoteBytesRecv, r.Detail, r.Labels)
				}
			}},
		{file: "73_omni_keyval_all_tcp_rr_cC.txt", test: "TCP_RR", trans: 63049.399, transDec: 3, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if r.Transactions != 189169 || r.CPU.Local.NumCPUs != 2 || r.CPU.Remote.ServiceDemandUnit != "Tran" || r.Detail.MSS != 32768 {
					t.Errorf("transactions %d cpu %+v detail %+v", r.Transactions, r.CPU.Local, r.Detail)
				}
			}},
		{file: "80_latency_csv_tcp_rr.txt", test: "TCP_RR",
			check: func(t *testing.T, r *result.Record) {
				want := map[string]string{"netperf.min_latency_us": "12", "netperf.max_latency_us": "4523", "netperf.p50_latency_us": "15",
					"netperf.p90_latency_us": "17", "netperf.p99_latency_us": "80", "netperf.mean_latency_us": "17.07",
					"netperf.stddev_latency_us": "23.32", labelTransRate: "58369.989"}
				for k, v := range want {
					if r.Labels[k] != v {
						t.Errorf("label %s = %q, want %q", k, r.Labels[k], v)
					}
				}
			}},
		{file: "86_latency_csv_tcp_rr_r64_1024.txt", test: "TCP_RR",
			check: func(t *testing.T, r *result.Record) {
				if r.Spec.RequestSize != 64 || r.Spec.ResponseSize != 1024 || r.Detail.SendSize != 64 || r.Detail.RecvSize != 1024 {
					t.Errorf("spec %+v detail %+v", r.Spec, r.Detail)
				}
			}},
		{file: "90_units_fb_tcp_stream_keyval.txt", test: "TCP_STREAM",
			check: func(t *testing.T, r *result.Record) {
				if r.Labels[labelThroughputUnit] != "10^0bits/s" {
					t.Errorf("labels %v", r.Labels)
				}
			}},
		{file: "91_units_fK_tcp_stream_human_classic.txt", test: "TCP_STREAM", rateBits: 1710511.92 * 1024 * 8, rateDec: 0.01 * 1024 * 8, elapsed: 3},
		{file: "91_units_fg_tcp_stream_human_classic.txt", test: "TCP_STREAM", rateBits: 16.44e9, rateDec: 0.01e9, elapsed: 3},
		{file: "93_units_fk_udp_stream_classic.txt", test: "UDP_STREAM", rateBits: 35859531.04e3, rateDec: 0.01e3, elapsed: 3},
		{file: "A0_ipv6_tcp_stream.txt", test: "TCP_STREAM", rateBits: 19718.40 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				if r.Peer != "[::1]:12865" || r.Spec.Family != "inet6" {
					t.Errorf("peer %q spec %+v", r.Peer, r.Spec)
				}
			}},
		{file: "B0_fail_no_netserver_port12999.txt", test: "TCP_STREAM",
			check: func(t *testing.T, r *result.Record) {
				if r.Err == nil || r.Err.Kind != result.ErrControlConnect || !strings.HasPrefix(r.Err.Message, "establish control: are you sure there is a netserver listening on 127.0.0.1 at port 12999?") {
					t.Errorf("error %+v", r.Err)
				}
				if r.Peer != "127.0.0.1:12999" {
					t.Errorf("peer %q", r.Peer)
				}
			}},
		{file: "C1_confidence_achieved_i10_3_I95_90_tcp_stream_no_warning.txt", test: "TCP_STREAM", rateBits: 9147.60 * mbit, rateDec: 0.01 * mbit, elapsed: 3,
			check: func(t *testing.T, r *result.Record) {
				// Met without a warning: how many iterations ran is not
				// printed, so the counts are those of one iteration.
				if c := r.Confidence; c == nil || !c.Met || c.LevelPercent != 95 || c.WantWidthPercent != 90 || c.Iterations != 0 {
					t.Errorf("confidence %+v", r.Confidence)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			recs, err := parseFile(t, c.file, Hint{})
			if err != nil {
				t.Fatal(err)
			}
			r := final(t, recs)
			if r.Test != c.test || len(recs) != c.intervals+1 {
				t.Fatalf("test %s with %d records, want %s with %d intervals", r.Test, len(recs), c.test, c.intervals)
			}
			if c.elapsed > 0 && !near(r.Elapsed.Seconds(), c.elapsed, 2) {
				t.Errorf("elapsed %v, printed %.2f", r.Elapsed, c.elapsed)
			}
			if c.rateBits > 0 && math.Abs(r.ThroughputBitsPerSecond()-c.rateBits) > c.rateDec/2 {
				t.Errorf("throughput %.2f bits/s, printed %.2f", r.ThroughputBitsPerSecond(), c.rateBits)
			}
			if c.trans > 0 && !near(r.TransactionRate(), c.trans, c.transDec) {
				t.Errorf("transaction rate %.4f, printed %.*f", r.TransactionRate(), c.transDec, c.trans)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

// TestIntervals checks the interval records of -D output against the
// printed interim lines.
func TestIntervals(t *testing.T) {
	recs, err := parseFile(t, "41_demo_D0.5_tcp_rr.txt", Hint{})
	if err != nil {
		t.Fatal(err)
	}
	// Interim result: 59813.04 Trans/s over 0.500 seconds ending at 1796314306.789
	first := recs[0]
	if first.Final || first.Seq != 0 || !near(first.TransactionRate(), 59813.04, 2) || !near(first.Elapsed.Seconds(), 0.5, 3) ||
		!first.End().Round(time.Millisecond).Equal(time.Unix(1796314306, 789e6)) {
		t.Errorf("first interval %+v", first)
	}
	recs, err = parseFile(t, "44_demo_D0.5_omni_keyval_tcp_stream.txt", Hint{})
	if err != nil {
		t.Fatal(err)
	}
	// NETPERF_INTERIM_RESULT[4]=17583.16 over 0.029 s: 63738955 bytes.
	last := recs[4]
	if last.Seq != 4 || math.Abs(last.ThroughputBitsPerSecond()-17583.16e6) > 0.005e6 || !near(last.Elapsed.Seconds(), 0.029, 3) {
		t.Errorf("last interval %+v (%.2f bits/s)", last, last.ThroughputBitsPerSecond())
	}
}

// TestMixedFile parses one file holding many runs of different formats and
// a failure, as a script that appends every result to one log makes.
func TestMixedFile(t *testing.T) {
	var all strings.Builder
	names := []string{"01_tcp_stream_default.txt", "54_omni_tcp_rr_keyval_default.txt", "B0_fail_no_netserver_port12999.txt",
		"57_omni_tcp_stream_cC_csv_default.txt", "41_demo_D0.5_tcp_rr.txt", "10_P0_udp_rr.txt", "82_latency_human_tcp_rr.txt", "06_udp_stream.txt"}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", "netperf-outputs", n))
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	recs, err := Output(strings.NewReader(all.String()), "log.txt", Hint{})
	if err != nil {
		t.Fatal(err)
	}
	var finals []string
	for _, r := range recs {
		if r.Final {
			finals = append(finals, r.Test)
		}
	}
	want := []string{"TCP_STREAM", "TCP_RR", "TCP_STREAM", "TCP_STREAM", "TCP_RR", "UDP_RR", "TCP_RR", "UDP_STREAM"}
	if strings.Join(finals, " ") != strings.Join(want, " ") || len(recs) != len(want)+6 {
		t.Errorf("finals %v in %d records, want %v and 6 intervals", finals, len(recs), want)
	}
	if recs[2].Err == nil || recs[2].Err.Kind != result.ErrControlConnect {
		t.Errorf("third run: %+v", recs[2])
	}
}

// TestBadInput checks that bad input is an error naming file and line,
// and that the records of the runs before it still come out.
func TestBadInput(t *testing.T) {
	stream := "MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET\n" +
		"Recv   Send    Send                          \n" +
		"Socket Socket  Message  Elapsed              \n" +
		"Size   Size    Size     Time     Throughput  \n" +
		"bytes  bytes   bytes    secs.    10^6bits/sec  \n\n" +
		"131072  16384  16384    3.00     15383.00   \n"
	rr := "MIGRATED TCP REQUEST/RESPONSE TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET\n" +
		"Local /Remote\n" +
		"Socket Size   Request  Resp.   Elapsed  Trans.\n" +
		"Send   Recv   Size     Size    Time     Rate         \n" +
		"bytes  Bytes  bytes    bytes   secs.    per sec   \n\n" +
		"16384  131072 1        1       3.00     60635.19   \n"
	cases := []struct {
		name, in string
		hint     Hint
		records  int    // records before the error
		want     string // error prefix
	}{
		{"banner only", stream[:strings.Index(stream, "\n")+1], Hint{}, 0, "f:2: unexpected end of input: the run that starts on line 1"},
		{"table without row", stream[:strings.LastIndex(stream, "131072")], Hint{}, 0, "f:7: unexpected end of input"},
		{"rr without second row", rr, Hint{}, 0, "f:8: unexpected end of input"},
		{"truncated row", stream[:strings.LastIndex(stream, "    3.00")], Hint{}, 0, "f:7: a result row of 5 columns, found 3"},
		{"second run truncated", stream + stream[:strings.LastIndex(stream, "    3.00")], Hint{}, 1, "f:14: a result row of 5 columns"},
		{"letters in a number column", strings.Replace(stream, "15383.00", "15383.0x", 1), Hint{}, 0, `f:7: column 5 THROUGHPUT: "15383.0x" is not a number`},
		{"extra column with headers", strings.Replace(stream, "15383.00   ", "15383.00 12 ", 1), Hint{}, 0, "f:7: unexpected text after the 5 result columns"},
		{"binary garbage", stream + "\x00\x01\x02garbage\n", Hint{}, 1, "f:8: binary data"},
		{"garbage line", "hello world\n", Hint{}, 0, `f:1: not netperf output: "hello world"`},
		{"second banner", stream[:strings.Index(stream, "\n")+1] + stream, Hint{}, 0, "f:2: a new banner, but the run that starts on line 1 printed no result"},
		{"csv columns", "Throughput,Throughput Units,Elapsed Time (sec)\n15252.99,10^6bits/s\n", Hint{}, 0, "f:2: 2 CSV values for 3 columns"},
		{"csv mixed-up columns", "Throughput,Elapsed Time (sec)\n10^6bits/s,3.00\n", Hint{}, 0, `f:2: column 1 THROUGHPUT: "10^6bits/s" is not a number`},
		{"csv header without values", "Throughput,Elapsed Time (sec)\n", Hint{}, 0, "f:2: unexpected end of input: the CSV header on line 1"},
		{"keyval bad number", "THROUGHPUT=fast\n", Hint{}, 0, `f:1: THROUGHPUT: "fast" is not a number`},
		{"keyval interim incomplete", "NETPERF_INTERIM_RESULT[0]=1.00\nNETPERF_UNITS[0]=10^6bits/s\nTHROUGHPUT=1.00\n", Hint{}, 0, "f:1: interim result 0 has no NETPERF_INTERVAL"},
		{"unknown unit", "THROUGHPUT=1.00\nTHROUGHPUT_UNITS=furlongs/s\nELAPSED_TIME=3.00\n", Hint{Test: "TCP_STREAM"}, 0, `f:2: unknown throughput unit "furlongs"`},
		{"trans for a stream test", "THROUGHPUT=1.00\nTHROUGHPUT_UNITS=Trans/s\nELAPSED_TIME=3.00\n", Hint{Test: "TCP_STREAM"}, 0, "f:2: a rate in transactions for TCP_STREAM"},
		{"negative elapsed", "THROUGHPUT=1.00\nELAPSED_TIME=-3.00\n", Hint{Test: "TCP_STREAM"}, 0, "f:2: negative elapsed time"},
		{"banner and table disagree", strings.Replace(rr, "REQUEST/RESPONSE", "STREAM", 1) + "16384  131072\n", Hint{}, 0, "f:1: a TCP_RR or TCP_CRR or UDP_RR result table, but the output is of TCP_STREAM"},
		{"hint and banner disagree", stream, Hint{Test: "TCP_RR"}, 0, "f:1: the banner says TCP_STREAM, but the command line says TCP_RR"},
		{"no test for -P 0", "131072  16384  16384    3.00     15383.00\n", Hint{}, 0, "f:1: a result row without headers or banner (-P 0): which test printed it is not known"},
		{"no test for -v 0", "15383.00\n", Hint{}, 0, "f:1: a bare number (netperf -v 0)"},
		{"-v 0 demand of unknown side", stream[:strings.Index(stream, "\n")+1] + "0.455 S\n", Hint{}, 0, "f:2: a -v 0 service demand (0.455 S)"},
		{"selection file", "12.00,3.00\n", Hint{Test: "TCP_STREAM", Format: FormatCSV, Selectors: "myfile"}, 0, `f:1: the selectors come from the file "myfile"`},
		{"human misaligned", "Throughput Elapsed \n           Time    \n           (sec)   \n                   \n15252.99  3.00    \n", Hint{}, 0, "f:5: column 1 (THROUGHPUT) does not line up"},
		{"refused", "Only 95% and 99% confidence level is supported\n", Hint{}, 0, "f:1: netperf did not run: Only 95%"},
		{"incomplete warning", "!!! WARNING\n!!! Desired confidence was not achieved\n", Hint{}, 0, "f:1: confidence warning without the throughput interval width"},
		{"bad warning width", stream[:strings.Index(stream, "\n")+1] + "!!! WARNING\n!!! Confidence intervals: Throughput      : lots%\n\n" + stream[strings.Index(stream, "\n")+1:],
			Hint{}, 0, "f:3: confidence interval width"},
		{"bad interim", "Interim result: lots 10^6bits/s over 0.5 seconds ending at 1796314304.226\n", Hint{}, 0, "f:1: malformed interim result line"},
		{"interim without result", "Interim result: 1.00 10^6bits/s over 0.500 seconds ending at 1796314304.226\n", Hint{}, 0, "f:2: unexpected end of input: the run that starts on line 1"},
		{"selector list", "OUTPUT_NONE,SOCKET_TYPE,PROTOCOL\n", Hint{}, 0, "f:1: a list of omni selector names"},
		{"histogram garbage", strings.TrimSuffix(rr, "\n") + "\n16384  131072\n\nHistogram of request/response times\nUNIT_USEC     :    0:    0\nbanana\n", Hint{}, 0, `f:12: the histogram that starts on line 10: unexpected line "banana"`},
		{"long line", strings.Repeat("1", maxLineBytes+10), Hint{}, 0, "f:1: line longer than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, err := Output(strings.NewReader(c.in), "f", c.hint)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("err = %v, want prefix %q", err, c.want)
			}
			var se *SyntaxError
			if !errors.As(err, &se) || se.Name != "f" || se.Line < 1 {
				t.Errorf("error %#v is not a SyntaxError naming file and line", err)
			}
			if len(recs) != c.records {
				t.Errorf("%d records before the error, want %d", len(recs), c.records)
			}
		})
	}
}

// TestHints checks output that only a hint makes readable.
func TestHints(t *testing.T) {
	cases := []struct {
		name, in string
		hint     Hint
		check    func(t *testing.T, recs []*result.Record)
	}{
		{"-P 0 with --test", "131072  16384  16384    3.00     21532.29   \n", Hint{Test: "TCP_MAERTS"},
			func(t *testing.T, recs []*result.Record) {
				r := recs[0]
				if r.Test != "TCP_MAERTS" || !near(r.ThroughputBitsPerSecond()/1e6, 21532.29, 2) || r.Detail.LocalRecvBufStart != 131072 {
					t.Errorf("%+v", r)
				}
			}},
		{"-P 0 with brand", "16384  131072 1        1       3.00     51619.45   my brand\n16384  131072\n", HintFromCommandLine("netperf -t TCP_RR -P 0 -B 'my brand'"),
			func(t *testing.T, recs []*result.Record) {
				if r := recs[0]; r.Labels[labelBrand] != "my brand" || !near(r.TransactionRate(), 51619.45, 2) {
					t.Errorf("%+v", r)
				}
			}},
		{"-P 0 many runs", "18229.75 \n18300.10 \n0.00 \n", HintFromCommandLine("netperf -t TCP_STREAM -P 0 -v 0"),
			func(t *testing.T, recs []*result.Record) {
				if len(recs) != 3 || recs[1].Labels[labelThroughput] != "18300.10" || recs[1].Run != "-:2" {
					t.Errorf("%d records: %+v", len(recs), recs)
				}
				if e := recs[2].Err; e == nil || e.Kind != result.ErrData {
					t.Errorf("a 0.00 result is a failed run: %+v", recs[2])
				}
			}},
		{"-v 0 remote service demand", "0.715 S\n", HintFromCommandLine("netperf -t TCP_STREAM -C -v 0 -P 0"),
			func(t *testing.T, recs []*result.Record) {
				if l := recs[0].Labels; l["netperf.remote_service_demand"] != "0.715" || l["netperf.remote_cpu_method"] != "S" || l["netperf.service_demand_units"] != "usec/KB" {
					t.Errorf("%v", l)
				}
			}},
		{"-P 0 CSV with selectors", "16847.85,10^6bits/s,3.00,TCP,Send\n", HintFromCommandLine("netperf -t omni -P 0 -- -o THROUGHPUT,THROUGHPUT_UNITS,ELAPSED_TIME,PROTOCOL,DIRECTION"),
			func(t *testing.T, recs []*result.Record) {
				if r := recs[0]; r.Test != "TCP_STREAM" || !near(r.ThroughputBitsPerSecond()/1e6, 16847.85, 2) {
					t.Errorf("%+v", r)
				}
			}},
		{"-P 0 CSV default list", "4194304,262484,261944,4194304,1,1,3.00,62641.61,Trans/s\n", Hint{Test: "TCP_RR", Format: FormatCSV},
			func(t *testing.T, recs []*result.Record) {
				if r := recs[0]; !near(r.TransactionRate(), 62641.61, 2) || r.Detail.RemoteRecvBufBytes != 261944 {
					t.Errorf("%+v", r)
				}
			}},
		{"-P 0 human multi-block", "14615.87   10^6bits/s  \n\n3.00    TCP      Send      \n", HintFromCommandLine(`netperf -t omni -P 0 -- -O "THROUGHPUT,THROUGHPUT_UNITS;ELAPSED_TIME,PROTOCOL,DIRECTION"`),
			func(t *testing.T, recs []*result.Record) {
				if r := recs[0]; !near(r.ThroughputBitsPerSecond()/1e6, 14615.87, 2) || !near(r.Elapsed.Seconds(), 3, 2) {
					t.Errorf("%+v", r)
				}
			}},
		{"UDP_STREAM shape needs no hint", "212992   65507   3.00       430327      0    75167.16\n212992           3.00       314083           54862.29\n\n", Hint{},
			func(t *testing.T, recs []*result.Record) {
				if r := recs[0]; r.Test != "UDP_STREAM" || r.RemoteBytesRecv != 314083*65507 {
					t.Errorf("%+v", r)
				}
			}},
		{"TCP_CRR -f g prints its rate in bits", "Local /Remote\nSocket Size   Request  Resp.   Elapsed  Trans.\nSend   Recv   Size     Size    Time     Rate         \nbytes  Bytes  bytes    bytes   secs.    per sec   \n\n16384  131072 1        1       10.00    0.00   \n16384  131072\n",
			HintFromCommandLine("netperf -t TCP_CRR -f g"),
			func(t *testing.T, recs []*result.Record) {
				// 0.00 10^9bits/s is below what the unit shows, not a failure.
				if r := recs[0]; r.Err != nil || r.Labels[labelThroughputUnit] != "10^9bits/s" || r.Elapsed != 0 {
					t.Errorf("%+v", r)
				}
			}},
		{"CSV interim lines", "15924.17,10^6bits/s,1.411,1796314316.756\n14227.46,10^6bits/s,0.560,1796314317.316\nThroughput,Throughput Units,Elapsed Time (sec)\n15991.82,10^6bits/s,3.00\n", Hint{Test: "TCP_STREAM"},
			func(t *testing.T, recs []*result.Record) {
				if len(recs) != 3 || !near(recs[1].ThroughputBitsPerSecond()/1e6, 14227.46, 2) || !recs[1].End().Equal(time.Unix(1796314317, 316e6).Add(recs[1].Elapsed-560*time.Millisecond)) ||
					!near(recs[2].ThroughputBitsPerSecond()/1e6, 15991.82, 2) {
					t.Errorf("%d records: %+v", len(recs), recs)
				}
			}},
		{"-f b labels bytes as bits", "MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET\nRecv   Send    Send\nSocket Socket  Message  Elapsed\nSize   Size    Size     Time     Throughput\nbytes  bytes   bytes    secs.    10^0bits/sec\n\n131072  16384  16384    3.00     2854206820.57\n", Hint{},
			func(t *testing.T, recs []*result.Record) {
				if r := recs[0]; r.RemoteBytesRecv != uint64(math.Round(2854206820.57*3)) {
					t.Errorf("bytes %d: 10^0bits/s is bytes/s", r.RemoteBytesRecv)
				}
			}},
		{"nan result", "THROUGHPUT=-nan\nTHROUGHPUT_UNITS=10^6bits/s\nELAPSED_TIME=3.00\n", Hint{Test: "TCP_STREAM"},
			func(t *testing.T, recs []*result.Record) {
				if r := recs[0]; r.Err == nil || r.Err.Kind != result.ErrProtocol || r.Elapsed != 0 || r.Labels[labelThroughput] != "-nan" {
					t.Errorf("%+v", r)
				}
			}},
		{"confidence run in keyval: counts summed over the iterations",
			"THROUGHPUT=20000.00\nTHROUGHPUT_UNITS=Trans/s\nELAPSED_TIME=2.00\nCONFIDENCE_LEVEL=99\nCONFIDENCE_INTERVAL=5.000000\n" +
				"CONFIDENCE_ITERATION=4\nTHROUGHPUT_CONFID=3.210\nLOCAL_CPU_CONFID=7.500\nREMOTE_CPU_CONFID=0.000\n", Hint{Test: "TCP_RR"},
			func(t *testing.T, recs []*result.Record) {
				r := recs[0]
				c := r.Confidence
				if c == nil || c.Iterations != 4 || c.LevelPercent != 99 || c.WantWidthPercent != 5 || c.ThroughputWidthPercent != 3.21 ||
					c.LocalCPUWidthPercent != 7.5 || c.Met || c.MeanResult != 20000 || len(c.Samples) != 0 {
					t.Errorf("confidence %+v", c)
				}
				if r.Transactions != 160000 || r.Elapsed != 8*time.Second || r.TransactionRate() != 20000 {
					t.Errorf("%d transactions in %v", r.Transactions, r.Elapsed)
				}
			}},
		{"confidence met in keyval", "THROUGHPUT=1.00\nELAPSED_TIME=3.00\nCONFIDENCE_LEVEL=95\nCONFIDENCE_INTERVAL=10.0\nTHROUGHPUT_CONFID=9.900\n",
			Hint{Test: "TCP_STREAM"},
			func(t *testing.T, recs []*result.Record) {
				if c := recs[0].Confidence; c == nil || !c.Met || c.Iterations != 0 || c.MeanResult != 1e6 || recs[0].Elapsed != 3*time.Second {
					t.Errorf("confidence %+v, elapsed %v", c, recs[0].Elapsed)
				}
			}},
		{"not a confidence run", "THROUGHPUT=1.00\nELAPSED_TIME=3.00\nCONFIDENCE_LEVEL=0\nCONFIDENCE_INTERVAL=-1.000000\nCONFIDENCE_ITERATION=1\nTHROUGHPUT_CONFID=-1.000\n",
			Hint{Test: "TCP_STREAM"},
			func(t *testing.T, recs []*result.Record) {
				if c := recs[0].Confidence; c != nil {
					t.Errorf("confidence %+v", c)
				}
			}},
		{"nan CPU breakdown", "THROUGHPUT=1.00\nELAPSED_TIME=3.00\nREMOTE_CPU_UTIL=50.00\nREMOTE_CPU_PERCENT_SWINTR=-nan\nREMOTE_CPU_PERCENT_USER=20.00\n", Hint{Test: "TCP_STREAM"},
			func(t *testing.T, recs []*result.Record) {
				if c := recs[0].CPU; c.Local != nil || c.Remote.UtilPercent != 50 || c.Remote.UserPercent != 20 || c.Remote.SoftIRQPercent != 0 {
					t.Errorf("%+v", c.Remote)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, err := Output(strings.NewReader(c.in), "-", c.hint)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) == 0 {
				t.Fatal("no records")
			}
			c.check(t, recs)
		})
	}
}

// TestOtherVersions reads what other netperf versions and builds print:
// banners without "MIGRATED" or without addresses, -B brands, and nperf's
// own errors.
func TestOtherVersions(t *testing.T) {
	table := "Recv   Send    Send                          \n" +
		"Socket Socket  Message  Elapsed              \n" +
		"Size   Size    Size     Time     Throughput  \n" +
		"bytes  bytes   bytes    secs.    10^6bits/sec  \n\n" +
		" 87380  16384  16384    10.00    9387.51   \n"
	cases := []struct {
		name, in string
		test     string
		check    func(t *testing.T, r *result.Record)
	}{
		{"netperf 2.4 banner", "TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to localhost (127.0.0.1) port 0 AF_INET : demo\n" + table, "TCP_STREAM",
			func(t *testing.T, r *result.Record) {
				if r.Spec.Host != "localhost" || r.Spec.Family != "inet" || r.Detail.RemoteRecvBufStart != 87380 || !near(r.Elapsed.Seconds(), 10, 2) {
					t.Errorf("%+v %+v", r.Spec, r.Detail)
				}
			}},
		{"netperf 2.1 banner", "TCP STREAM TEST to localhost\n" + table, "TCP_STREAM", nil},
		{"confidence and nodelay in banner", "TCP REQUEST/RESPONSE TEST from ::0 (::) port 0 AF_INET6 to ::1 (::1) port 0 AF_INET6 : +/-2.5% @ 95% conf. : nodelay\n" +
			"Local /Remote\nSocket Size   Request  Resp.   Elapsed  Trans.\nSend   Recv   Size     Size    Time     Rate\nbytes  Bytes  bytes    bytes   secs.    per sec\n\n" +
			"16384  87380  1        1       10.00    25000.00\n16384  87380\n", "TCP_RR",
			func(t *testing.T, r *result.Record) {
				if !r.Spec.NoDelay || r.Spec.ConfidenceLevel != 95 || r.Spec.ConfidenceWidthPercent != 5 || r.Confidence == nil || !r.Confidence.Met || r.Transactions != 250000 {
					t.Errorf("%+v %+v", r.Spec, r.Confidence)
				}
			}},
		{"a test nperf does not run", "MIGRATED TCP SENDFILE TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET\n" + table, "TCP_SENDFILE",
			func(t *testing.T, r *result.Record) {
				if r.RemoteBytesRecv == 0 {
					t.Errorf("%+v", r)
				}
			}},
		{"nperf's own error", "nperf: error: control-connect: cannot reach a netserver on 127.0.0.1 port 9: connection refused\nnperf: hint: is a netserver or 'nperf server' listening there?\n", "UNKNOWN",
			func(t *testing.T, r *result.Record) {
				if r.Err.Kind != result.ErrControlConnect || !strings.Contains(r.Err.Message, "; nperf: hint:") {
					t.Errorf("%+v", r.Err)
				}
			}},
		{"data connection failure after banner", "MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 10.0.0.2 () port 0 AF_INET\nnetperf: send_omni: connect_data_socket failed: No route to host\n", "TCP_STREAM",
			func(t *testing.T, r *result.Record) {
				if r.Err.Kind != result.ErrDataConnect || r.Spec.Host != "10.0.0.2" {
					t.Errorf("%+v %+v", r.Err, r.Spec)
				}
			}},
		{"windows line endings", strings.ReplaceAll("TCP STREAM TEST to localhost\n"+table, "\n", "\r\n"), "TCP_STREAM", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, err := Output(strings.NewReader(c.in), "-", Hint{})
			if err != nil {
				t.Fatal(err)
			}
			r := final(t, recs)
			if r.Test != c.test {
				t.Fatalf("test %s, want %s", r.Test, c.test)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

func TestHintFromArgs(t *testing.T) {
	cases := []struct {
		cmd       string
		test      string
		format    Format
		selectors string
		units     units.Format
		check     func(t *testing.T, h Hint)
	}{
		{cmd: "netperf -H 10.0.0.2 -t TCP_RR -c -C -l 30 -- -r 64,1024", test: "TCP_RR", format: FormatClassic,
			check: func(t *testing.T, h Hint) {
				s := h.Spec
				if s.Host != "10.0.0.2" || !s.LocalCPU || !s.RemoteCPU || s.LengthSeconds != 30 || s.RequestSize != 64 || s.ResponseSize != 1024 {
					t.Errorf("spec %+v", s)
				}
			}},
		{cmd: "/usr/local/bin/netperf -f g -t tcp_stream", test: "TCP_STREAM", format: FormatClassic, units: 'g'},
		{cmd: "netperf -t omni -- -d rr -k THROUGHPUT,P99_LATENCY", test: "TCP_RR", format: FormatKeyval, selectors: "THROUGHPUT,P99_LATENCY"},
		{cmd: "netperf -t omni -- -d recv -T udp", test: "", format: FormatHuman},
		{cmd: "netperf -t omni -- -T udp -o", test: "UDP_STREAM", format: FormatCSV},
		{cmd: "netperf -t omni -- -O 'A,B;C'", test: "TCP_STREAM", format: FormatHuman, selectors: "A,B;C"},
		{cmd: "netperf -H ::1 -B 'two words' -P 0", test: "TCP_STREAM", format: FormatClassic,
			check: func(t *testing.T, h Hint) {
				if h.Brand != "two words" || h.Spec.Host != "::1" {
					t.Errorf("%+v %+v", h, h.Spec)
				}
			}},
		{cmd: "nperf run --interval 1s -t UDP_RR -p 5000", test: "UDP_RR", format: FormatClassic,
			check: func(t *testing.T, h Hint) {
				if h.Spec.Port != 5000 {
					t.Errorf("spec %+v", h.Spec)
				}
			}},
		{cmd: "netperf -T 1,1 -t TCP_MAERTS -j -- -P ,5001", test: "TCP_MAERTS", format: FormatClassic},
	}
	for _, c := range cases {
		t.Run(c.cmd, func(t *testing.T) {
			h := HintFromCommandLine(c.cmd)
			if h.Test != c.test || h.Format != c.format || h.Selectors != c.selectors || h.Units != c.units || h.Spec == nil || h.Spec.Test != c.test {
				t.Errorf("hint %+v spec %+v", h, h.Spec)
			}
			if c.check != nil {
				c.check(t, h)
			}
		})
	}
}

func TestParseUnit(t *testing.T) {
	cases := []struct {
		in    string
		bytes float64
		trans bool
	}{
		{"10^6bits/sec", 125000, false},
		{"10^6bits/s", 125000, false},
		{"10^9bits", 125e6, false},
		{"10^3bits/s", 125, false},
		{"10^0bits/s", 1, false}, // netperf's -f b: the value is bytes/s
		{"Bytes/s", 1, false},
		{"KBytes/sec", 1024, false},
		{"MBytes/s", 1 << 20, false},
		{"GBytes", 1 << 30, false},
		{"Trans/s", 0, true},
	}
	for _, c := range cases {
		u, err := parseUnit(c.in)
		if err != nil || u.bytes != c.bytes || u.trans != c.trans {
			t.Errorf("parseUnit(%q) = %+v, %v", c.in, u, err)
		}
	}
	for _, bad := range []string{"", "bits/s", "10^6bytes/s", "kBytes/s"} {
		if _, err := parseUnit(bad); err == nil {
			t.Errorf("parseUnit(%q) accepted", bad)
		}
	}
}

func TestReconstruct(t *testing.T) {
	cases := []struct {
		rate, elapsed float64
		count         uint64
	}{
		{60635.19, 3.00, 181906},                     // a transaction count
		{15383.00e6 / 8, 3.00, 5768625000},           // bytes
		{50, 3.00, 150},                              // few units: elapsed cannot move
		{0, 3.00, 0},                                 // nothing
		{1234.5, 0.5, uint64(math.Round(617.25))},    // interim
		{99.99, 1.00, uint64(math.Round(99.99 * 1))}, // rounding up
	}
	for _, c := range cases {
		n, e := reconstruct(c.rate, c.elapsed, 2)
		if n != c.count || !near(e.Seconds(), c.elapsed, 2) {
			t.Errorf("reconstruct(%v, %v) = %d, %v", c.rate, c.elapsed, n, e)
		}
		if n > 0 && float64(n)/e.Seconds() != c.rate && math.Abs(float64(n)/e.Seconds()-c.rate) > 0.5 {
			t.Errorf("reconstruct(%v, %v): %d over %v is %v", c.rate, c.elapsed, n, e, float64(n)/e.Seconds())
		}
	}
}
