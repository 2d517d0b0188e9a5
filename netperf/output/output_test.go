package output_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nperf/internal/units"
	"nperf/netperf/output"
	"nperf/result"
	"nperf/stats"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// sampleRecord is a hand-written Final record of test with round numbers:
// start socket sizes differ from the end ones so that a table printing the
// wrong ones shows.
func sampleRecord(test string) *result.Record {
	rec := &result.Record{
		Test: test, Final: true, Elapsed: 10 * time.Second,
		Spec: &result.Spec{Test: test, Host: "127.0.0.1", Port: 12865, LengthSeconds: 10},
		Detail: &result.Detail{
			LocalSendBufBytes: 4194304, LocalRecvBufBytes: 6291456,
			RemoteSendBufBytes: 4194304, RemoteRecvBufBytes: 6291456,
			LocalSendBufStart: 16384, LocalRecvBufStart: 131072,
			RemoteSendBufStart: 16384, RemoteRecvBufStart: 131072,
			SendSize: 16384, RecvSize: 131072, RemoteSendSize: 16384, RemoteRecvSize: 131072,
		},
		CPU: &result.CPUUsage{
			Local: &result.CPUSide{UtilPercent: 37.52, UserPercent: 20.01, SystemPercent: 12.5, IOWaitPercent: 0.01,
				SoftIRQPercent: 5, NumCPUs: 4, Method: "S", ServiceDemandUS: 0.653, ServiceDemandUnit: "KB"},
			Remote: &result.CPUSide{UtilPercent: 41.08, UserPercent: 18.75, SystemPercent: 15.33, IRQPercent: 0.2,
				SoftIRQPercent: 6.8, NumCPUs: 2, Method: "S", ServiceDemandUS: 0.715, ServiceDemandUnit: "KB"},
		},
	}
	d := rec.Detail
	switch test {
	case "TCP_STREAM":
		rec.BytesSent, rec.RemoteBytesRecv = 11_760_065_536, 11_760_000_000
		d.SendCalls, d.RemoteRecvCalls = 717_777, 98_123
	case "TCP_MAERTS":
		rec.BytesRecv, rec.RemoteBytesSent = 8_500_000_000, 8_500_000_000
		d.RecvCalls, d.RemoteSendCalls = 70_001, 518_799
	case "UDP_STREAM":
		d.LocalSendBufStart, d.RemoteRecvBufStart = 212992, 212992
		d.SendSize, d.RemoteRecvSize = 65507, 65507
		d.SendCalls, d.FailedSends, d.RemoteRecvCalls = 500_012, 12, 400_000
		rec.BytesSent, rec.RemoteBytesRecv = 500_000*65507, 400_000*65507
	case "TCP_RR", "TCP_CRR", "UDP_RR":
		rec.Transactions = 254_321
		if test == "TCP_CRR" {
			rec.Transactions = 98_765
		}
		d.SendSize, d.RecvSize = 1, 1
		if test == "UDP_RR" {
			for _, p := range []*int{&d.LocalSendBufStart, &d.LocalRecvBufStart, &d.RemoteSendBufStart, &d.RemoteRecvBufStart} {
				*p = 212992
			}
			d.SendSize, d.RecvSize = 64, 1024
		}
		rec.BytesSent = rec.Transactions * uint64(d.SendSize)
		rec.BytesRecv = rec.Transactions * uint64(d.RecvSize)
		rec.RemoteBytesRecv, rec.RemoteBytesSent = rec.BytesSent, rec.BytesRecv
		d.SendCalls, d.RecvCalls = rec.Transactions, rec.Transactions
		rec.CPU.Local.ServiceDemandUS, rec.CPU.Local.ServiceDemandUnit = 59.013, "Tran"
		rec.CPU.Remote.ServiceDemandUS, rec.CPU.Remote.ServiceDemandUnit = 64.611, "Tran"
		rec.Latency = sampleLatency()
	}
	if test != "UDP_STREAM" && test != "UDP_RR" {
		d.MSS = 65483
	}
	return rec
}

// sampleLatency is a fixed spread of round trips: most between 9 and 39
// us (none on a decimal boundary, where nperf's histogram cannot tell
// which side of it a time was), a tail in the hundreds of microseconds and a few of milliseconds
// and seconds, so that every row of netperf's histogram has something.
func sampleLatency() *stats.Histogram {
	h := stats.NewHistogram()
	for i := range 20000 {
		v := 9075*time.Nanosecond + time.Duration(i%200)*150*time.Nanosecond
		switch {
		case i%5000 == 0:
			v = time.Duration(i/5000+1) * 1300 * time.Millisecond
		case i%1000 == 0:
			v = 3500*time.Microsecond + time.Duration(i)*time.Microsecond
		case i%100 == 0:
			v = 250*time.Microsecond + time.Duration(i)*time.Nanosecond
		}
		h.Record(v)
	}
	return h
}

// variants are the command lines each test is rendered with: how they
// change the spec (-c, -C, test options) and the output options.
var variants = []struct {
	name string
	cpu  string // "c", "C", "cC" or ""
	opts output.Options
	spec func(*result.Spec)
}{
	{name: "v1", opts: output.Options{Verbosity: 1, Headers: true}},
	{name: "P0", opts: output.Options{Verbosity: 1}},
	{name: "P0_brand", opts: output.Options{Verbosity: 1, Brand: "mybrand"}},
	{name: "brand_with_headers", opts: output.Options{Verbosity: 1, Headers: true, Brand: "mybrand"}},
	{name: "v0", opts: output.Options{Verbosity: 0, Headers: true}},
	{name: "v0_P0_brand", opts: output.Options{Verbosity: 0, Brand: "mybrand"}},
	{name: "v2", opts: output.Options{Verbosity: 2, Headers: true}},
	{name: "cC", cpu: "cC", opts: output.Options{Verbosity: 1, Headers: true}},
	{name: "c", cpu: "c", opts: output.Options{Verbosity: 1, Headers: true}},
	{name: "C", cpu: "C", opts: output.Options{Verbosity: 1, Headers: true}},
	{name: "cC_P0_brand", cpu: "cC", opts: output.Options{Verbosity: 1, Brand: "mybrand"}},
	{name: "cC_v0", cpu: "cC", opts: output.Options{Verbosity: 0, Headers: true}},
	{name: "C_v0_P0_brand", cpu: "C", opts: output.Options{Verbosity: 0, Brand: "mybrand"}},
	{name: "fK", opts: output.Options{Format: units.FormatKBytes, Verbosity: 1, Headers: true}},
	{name: "fg", opts: output.Options{Format: units.FormatGbits, Verbosity: 1, Headers: true}},
	{name: "fx", opts: output.Options{Format: units.FormatTrans, Verbosity: 1, Headers: true}},
	{name: "fg_cC", cpu: "cC", opts: output.Options{Format: units.FormatGbits, Verbosity: 1, Headers: true}},
	{name: "fb_v0", opts: output.Options{Format: units.FormatBits, Verbosity: 0, Headers: true}},
	{name: "nodelay_ipv6", opts: output.Options{Verbosity: 1, Headers: true}, spec: func(s *result.Spec) {
		s.Host, s.Family, s.NoDelay = "::1", "inet6", true
	}},
}

// TestGolden renders every test with every variant and compares banner and
// result with testdata/<test>_<variant>.golden.
func TestGolden(t *testing.T) {
	for _, test := range result.Tests {
		for _, v := range variants {
			name := strings.ToLower(test) + "_" + v.name
			t.Run(name, func(t *testing.T) {
				rec := sampleRecord(test)
				rec.Spec.LocalCPU = strings.Contains(v.cpu, "c")
				rec.Spec.RemoteCPU = strings.Contains(v.cpu, "C")
				if !rec.Spec.LocalCPU {
					rec.CPU.Local = nil
				}
				if !rec.Spec.RemoteCPU {
					rec.CPU.Remote = nil
				}
				if v.spec != nil {
					v.spec(rec.Spec)
				}
				var got bytes.Buffer
				if err := output.Banner(&got, rec.Spec, v.opts); err != nil {
					t.Fatal(err)
				}
				if err := output.Result(&got, rec, v.opts); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, filepath.Join("testdata", name+".golden"), got.Bytes())
			})
		}
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s\ngot:\n%s\nwant:\n%s", path, visible(string(got)), visible(string(want)))
	}
}

func TestBanner(t *testing.T) {
	tests := []struct {
		name string
		spec result.Spec
		opts output.Options
		want string
	}{
		{
			name: "tcp_stream",
			spec: result.Spec{Test: "TCP_STREAM", Host: "127.0.0.1"},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : histogram : interval : demo\n",
		},
		{
			name: "no_headers",
			spec: result.Spec{Test: "TCP_STREAM", Host: "127.0.0.1"},
			want: "",
		},
		{
			name: "tcp_rr_first_burst",
			spec: result.Spec{Test: "TCP_RR", Host: "127.0.0.1"},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP REQUEST/RESPONSE TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : histogram : interval : demo : first burst 0\n",
		},
		{
			name: "tcp_crr_no_first_burst",
			spec: result.Spec{Test: "TCP_CRR", Host: "127.0.0.1"},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP Connect/Request/Response TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : histogram : interval : demo\n",
		},
		{
			name: "nodelay",
			spec: result.Spec{Test: "TCP_RR", Host: "127.0.0.1", NoDelay: true},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP REQUEST/RESPONSE TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : nodelay : histogram : interval : demo : first burst 0\n",
		},
		{
			name: "cpu_bind_remote_only",
			spec: result.Spec{Test: "TCP_RR", Host: "127.0.0.1", RemoteCPUBind: new(1)},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP REQUEST/RESPONSE TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : histogram : interval : demo : first burst 0 : cpu bind\n",
		},
		{
			name: "ipv6_literal_without_family",
			spec: result.Spec{Test: "UDP_STREAM", Host: "::1"},
			opts: output.Options{Headers: true},
			want: "MIGRATED UDP STREAM TEST from ::0 (::) port 0 AF_INET6 to ::1 (::1) port 0 AF_INET6 : histogram : interval : demo\n",
		},
		{
			name: "ipv6_long_address",
			spec: result.Spec{Test: "TCP_STREAM", Host: "fe80::1:2%eth0"},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP STREAM TEST from ::0 (::) port 0 AF_INET6 to fe80::1:2%eth0 () port 0 AF_INET6 : histogram : interval : demo\n",
		},
		{
			name: "short_ipv4_and_local_host",
			spec: result.Spec{Test: "TCP_MAERTS", Host: "1.2.3.4", LocalHost: "10.0.0.25"},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP MAERTS TEST from 10.0.0.25 () port 0 AF_INET to 1.2.3.4 (1.2.3.4) port 0 AF_INET : histogram : interval : demo\n",
		},
		{
			name: "host_name_and_data_ports",
			spec: result.Spec{Test: "UDP_RR", Host: "example.net", LocalDataPort: 5001, RemoteDataPort: 5002},
			opts: output.Options{Headers: true},
			want: "MIGRATED UDP REQUEST/RESPONSE TEST from 0.0.0.0 (0.0.0.0) port 5001 AF_INET to example.net () port 5002 AF_INET : histogram : interval : demo : first burst 0\n",
		},
		{
			name: "localhost_inet6",
			spec: result.Spec{Test: "TCP_STREAM", Host: "localhost", Family: "inet6"},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP STREAM TEST from ::0 (::) port 0 AF_INET6 to localhost (::1) port 0 AF_INET6 : histogram : interval : demo\n",
		},
		{
			name: "confidence",
			spec: result.Spec{Test: "TCP_STREAM", Host: "127.0.0.1", IterationsMax: 10, IterationsMin: 3, ConfidenceLevel: 99, ConfidenceWidthPercent: 5},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : +/-2.500% @ 99% conf.  : histogram : interval : demo\n",
		},
		{
			name: "confidence_nodelay_rr",
			spec: result.Spec{Test: "TCP_RR", Host: "127.0.0.1", NoDelay: true, IterationsMax: 3, IterationsMin: 3, ConfidenceLevel: 95, ConfidenceWidthPercent: 50},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP REQUEST/RESPONSE TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : +/-25.000% @ 95% conf.  : nodelay : histogram : interval : demo : first burst 0\n",
		},
		{
			name: "one_iteration_is_no_confidence_run",
			spec: result.Spec{Test: "TCP_STREAM", Host: "127.0.0.1", IterationsMax: 1, IterationsMin: 1, ConfidenceLevel: 99, ConfidenceWidthPercent: 5},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : histogram : interval : demo\n",
		},
		{
			name: "default_host",
			spec: result.Spec{Test: "TCP_STREAM"},
			opts: output.Options{Headers: true},
			want: "MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to localhost () port 0 AF_INET : histogram : interval : demo\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := output.Banner(&b, &tt.spec, tt.opts); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got  %q\nwant %q", b.String(), tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	interval := sampleRecord("TCP_STREAM")
	interval.Final = false
	noDetail := sampleRecord("TCP_RR")
	noDetail.Detail = nil
	unknown := sampleRecord("TCP_STREAM")
	unknown.Test, unknown.Spec.Test = "SCTP_STREAM", "SCTP_STREAM"
	tests := []struct {
		name string
		rec  *result.Record
		want string
	}{
		{"nil", nil, "no test spec"},
		{"no_spec", &result.Record{Test: "TCP_RR", Final: true}, "no test spec"},
		{"interval", interval, "not a final result"},
		{"no_detail", noDetail, "no detail"},
		{"unknown_test", unknown, "unknown test"},
	}
	opts := output.Options{Verbosity: 1, Headers: true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := output.Result(&b, tt.rec, opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %q on error", b.String())
			}
		})
	}
	if err := output.Banner(&bytes.Buffer{}, &result.Spec{Test: "SCTP_STREAM"}, opts); err == nil {
		t.Error("Banner accepted an unknown test")
	}
	if err := output.Banner(&bytes.Buffer{}, nil, opts); err == nil {
		t.Error("Banner accepted a nil spec")
	}
}
