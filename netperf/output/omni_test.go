package output_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nperf/internal/units"
	"nperf/netperf/output"
	"nperf/result"
	"nperf/stats"
)

// omniCases are the renderings each test gets in each omni mode, all
// written one after the other into testdata/omni/<test>_<mode>.golden.
var omniCases = []struct {
	name string
	list string // what followed -o/-k/-O; "" = the default list
	cpu  bool   // -c -C
	opts output.Options
	rec  func(*result.Record)
}{
	{name: "default", opts: output.Options{Headers: true}},
	{name: "default_cpu", cpu: true, opts: output.Options{Headers: true}},
	{name: "default_P0", opts: output.Options{}},
	{name: "fK", list: "THROUGHPUT,THROUGHPUT_UNITS,LOCAL_SEND_THROUGHPUT,REMOTE_RECV_THROUGHPUT,SD_UNITS,TRANSACTION_RATE",
		opts: output.Options{Headers: true, Format: units.FormatKBytes}},
	{name: "blocks_brand_cmdline_uuid", list: "THROUGHPUT,RESULT_BRAND;COMMAND_LINE,OUTPUT_NONE,UUID;DIRECTION,PROTOCOL,SOCKET_TYPE",
		opts: output.Options{Headers: true, Brand: "my brand", CommandLine: []string{"netperf", "-B", "my brand", "--", "-o", "THROUGHPUT,RESULT_BRAND"}, UUID: "0f1e2d3c-0000-11f1-8000-0123456789ab"}},
	{name: "no_brand", list: "THROUGHPUT,RESULT_BRAND,UUID,ELAPSED_TIME,RESULT_BRAND",
		opts: output.Options{Headers: true, UUID: "0f1e2d3c-0000-11f1-8000-0123456789ab"}},
	{name: "latency", list: "MIN_LATENCY,MAX_LATENCY,P50_LATENCY,P90_LATENCY,P99_LATENCY,MEAN_LATENCY,STDDEV_LATENCY,TRANSACTION_RATE,RT_LATENCY",
		opts: output.Options{Headers: true}},
	{name: "confidence", list: "THROUGHPUT,ELAPSED_TIME,CONFIDENCE_LEVEL,CONFIDENCE_INTERVAL,CONFIDENCE_ITERATION,THROUGHPUT_CONFID,LOCAL_CPU_CONFID,REMOTE_CPU_CONFID",
		cpu: true, opts: output.Options{Headers: true}, rec: func(r *result.Record) {
			r.Spec.IterationsMax, r.Spec.IterationsMin = 10, 3
			r.Spec.ConfidenceLevel, r.Spec.ConfidenceWidthPercent = 99, 5
			// Four iterations whose results spread around this one's.
			x := r.TransactionRate()
			if result.IsStream(r.Test) {
				x = r.ThroughputBitsPerSecond()
			}
			r.Confidence = &result.Confidence{Iterations: 4, LevelPercent: 99, WantWidthPercent: 5,
				ThroughputWidthPercent: 7.125, LocalCPUWidthPercent: 3.5, RemoteCPUWidthPercent: 12.25,
				Samples: []float64{0.97 * x, 1.05 * x, 0.99 * x, 1.01 * x}, MeanResult: 1.005 * x}
			r.Elapsed *= 4
			r.BytesSent, r.BytesRecv, r.Transactions = 4*r.BytesSent, 4*r.BytesRecv, 4*r.Transactions
			r.RemoteBytesSent, r.RemoteBytesRecv = 4*r.RemoteBytesSent, 4*r.RemoteBytesRecv
		}},
	{name: "all", list: "all", cpu: true, opts: output.Options{Headers: true, UUID: "0f1e2d3c-0000-11f1-8000-0123456789ab",
		CommandLine: []string{"netperf", "-c", "-C", "--", "-k", "all"}}},
	{name: "v2", opts: output.Options{Headers: true, Verbosity: 2}},
}

// TestOmniGolden renders fixed records of every test with every case of
// omniCases in every mode.
func TestOmniGolden(t *testing.T) {
	for _, test := range result.Tests {
		for _, mode := range []string{output.ModeCSV, output.ModeKeyval, output.ModeHuman} {
			name := strings.ToLower(test) + "_" + mode
			t.Run(name, func(t *testing.T) {
				var got bytes.Buffer
				for _, c := range omniCases {
					rec := sampleRecord(test)
					rec.Spec.LocalCPU, rec.Spec.RemoteCPU = c.cpu, c.cpu
					if !c.cpu {
						rec.CPU = nil
					}
					if c.rec != nil {
						c.rec(rec)
					}
					o := c.opts
					o.OmniMode = mode
					sel, err := output.Select(c.list, rec.Spec, nil)
					if err != nil {
						t.Fatal(err)
					}
					o.Selection = sel
					fmt.Fprintf(&got, "== %s ==\n", c.name)
					if err := output.Omni(&got, rec, o); err != nil {
						t.Fatalf("%s: %v", c.name, err)
					}
				}
				checkGolden(t, filepath.Join("testdata", "omni", name+".golden"), got.Bytes())
			})
		}
	}
}

// TestOmniValues checks values that the golden files only show: how each
// is computed from the record, with netperf's rounding.
func TestOmniValues(t *testing.T) {
	latency := func(values ...time.Duration) *stats.Histogram {
		h := stats.NewHistogram()
		for _, v := range values {
			h.Record(v)
		}
		return h
	}
	repeat := func(n int, v time.Duration) []time.Duration {
		s := make([]time.Duration, n)
		for i := range s {
			s[i] = v
		}
		return s
	}
	tests := []struct {
		name string
		test string
		list string
		edit func(*result.Record, *output.Options)
		want string
	}{
		{
			name: "latency_one_value",
			test: "TCP_RR", list: "MIN_LATENCY,MAX_LATENCY,P50_LATENCY,P99_LATENCY,MEAN_LATENCY,STDDEV_LATENCY",
			edit: func(r *result.Record, _ *output.Options) { r.Latency = latency(15300 * time.Nanosecond) },
			// netperf's percentiles are 0 until the histogram holds enough values to reach them.
			want: "MIN_LATENCY=15\nMAX_LATENCY=15\nP50_LATENCY=0\nP99_LATENCY=0\nMEAN_LATENCY=15.30\nSTDDEV_LATENCY=0.00\n",
		},
		{
			name: "latency_two_clusters",
			test: "UDP_RR", list: "MIN_LATENCY,MAX_LATENCY,P50_LATENCY,P90_LATENCY,P99_LATENCY,MEAN_LATENCY,STDDEV_LATENCY",
			edit: func(r *result.Record, _ *output.Options) {
				r.Latency = latency(append(repeat(90, 20500*time.Nanosecond), repeat(10, 300500*time.Nanosecond)...)...)
			},
			// Mean 48.5 us; population standard deviation sqrt(9408.25 - 48.5^2) = 84.
			want: "MIN_LATENCY=20\nMAX_LATENCY=300\nP50_LATENCY=20\nP90_LATENCY=20\nP99_LATENCY=300\nMEAN_LATENCY=48.50\nSTDDEV_LATENCY=84.00\n",
		},
		{
			name: "latency_unknown_on_stream",
			test: "TCP_STREAM", list: "MIN_LATENCY,P90_LATENCY,MEAN_LATENCY,STDDEV_LATENCY",
			want: "MIN_LATENCY=-1\nP90_LATENCY=-1\nMEAN_LATENCY=-1.00\nSTDDEV_LATENCY=-1.00\n",
		},
		{
			name: "rr_rates",
			test: "TCP_RR", list: "THROUGHPUT,THROUGHPUT_UNITS,TRANSACTION_RATE,RT_LATENCY,SD_UNITS",
			// 254321 transactions in 10 s.
			want: "THROUGHPUT=25432.10\nTHROUGHPUT_UNITS=Trans/s\nTRANSACTION_RATE=25432.100\nRT_LATENCY=39.320\nSD_UNITS=usec/Tran\n",
		},
		{
			name: "rr_in_megabits",
			test: "TCP_RR", list: "THROUGHPUT,THROUGHPUT_UNITS,TRANSACTION_RATE,LOCAL_SEND_THROUGHPUT,SD_UNITS,LOCAL_SD",
			edit: func(r *result.Record, o *output.Options) {
				o.Format = units.FormatMbits
				r.Spec.LocalCPU = true
			},
			// 25432.1 trans/s of 2 bytes = 0.41 10^6bits/s; 59.013 us/Tran over 2 bytes
			// per transaction is 59.013*512 us/KB.
			want: "THROUGHPUT=0.41\nTHROUGHPUT_UNITS=10^6bits/s\nTRANSACTION_RATE=25432.100\nLOCAL_SEND_THROUGHPUT=0.20\nSD_UNITS=usec/KB\nLOCAL_SD=30214.656\n",
		},
		{
			name: "stream_rates_fx_is_m",
			test: "TCP_STREAM", list: "THROUGHPUT,THROUGHPUT_UNITS,TRANSACTION_RATE,RT_LATENCY,LOCAL_SEND_THROUGHPUT",
			edit: func(_ *result.Record, o *output.Options) { o.Format = units.FormatTrans },
			want: "THROUGHPUT=9408.00\nTHROUGHPUT_UNITS=10^6bits/s\nTRANSACTION_RATE=1.000\nRT_LATENCY=-1.000\nLOCAL_SEND_THROUGHPUT=9408.05\n",
		},
		{
			name: "rt_latency_without_transactions",
			test: "TCP_CRR", list: "TRANSACTION_RATE,RT_LATENCY",
			edit: func(r *result.Record, _ *output.Options) { r.Transactions = 0 },
			want: "TRANSACTION_RATE=0.000\nRT_LATENCY=inf\n",
		},
		{
			name: "cpu_not_measured",
			test: "TCP_STREAM", list: "LOCAL_CPU_UTIL,LOCAL_CPU_PERCENT_USER,LOCAL_CPU_METHOD,LOCAL_SD,LOCAL_CPU_COUNT,REMOTE_CPU_UTIL,REMOTE_CPU_PERCENT_SWINTR,REMOTE_CPU_METHOD,REMOTE_SD",
			want: "LOCAL_CPU_UTIL=-1.00\nLOCAL_CPU_PERCENT_USER=0.00\nLOCAL_CPU_METHOD=U\nLOCAL_SD=-1.000\nLOCAL_CPU_COUNT=0\n" +
				"REMOTE_CPU_UTIL=-1.00\nREMOTE_CPU_PERCENT_SWINTR=0.00\nREMOTE_CPU_METHOD=U\nREMOTE_SD=-1.000\n",
		},
		{
			name: "cpu_measured_here_only",
			test: "TCP_STREAM", list: "LOCAL_CPU_UTIL,LOCAL_CPU_METHOD,LOCAL_SD,LOCAL_CPU_COUNT,REMOTE_CPU_UTIL,REMOTE_SD",
			edit: func(r *result.Record, _ *output.Options) { r.Spec.LocalCPU = true },
			want: "LOCAL_CPU_UTIL=37.52\nLOCAL_CPU_METHOD=S\nLOCAL_SD=0.653\nLOCAL_CPU_COUNT=4\nREMOTE_CPU_UTIL=-1.00\nREMOTE_SD=-1.000\n",
		},
		{
			name: "no_confidence_run",
			test: "UDP_STREAM", list: "CONFIDENCE_LEVEL,CONFIDENCE_INTERVAL,CONFIDENCE_ITERATION,THROUGHPUT_CONFID,LOCAL_CPU_CONFID",
			want: "CONFIDENCE_LEVEL=0\nCONFIDENCE_INTERVAL=-1.000000\nCONFIDENCE_ITERATION=1\nTHROUGHPUT_CONFID=-1.000\nLOCAL_CPU_CONFID=-1.000\n",
		},
		{
			name: "sizes_stream",
			test: "TCP_STREAM", list: "LSS_SIZE_REQ,LSS_SIZE,LSS_SIZE_END,RSR_SIZE_REQ,LOCAL_SEND_SIZE,LOCAL_RECV_SIZE,REQUEST_SIZE,RESPONSE_SIZE",
			edit: func(r *result.Record, _ *output.Options) { r.Spec.RemoteRecvBuf = 65536 },
			want: "LSS_SIZE_REQ=-1\nLSS_SIZE=16384\nLSS_SIZE_END=4194304\nRSR_SIZE_REQ=65536\nLOCAL_SEND_SIZE=16384\nLOCAL_RECV_SIZE=0\nREQUEST_SIZE=-1\nRESPONSE_SIZE=-1\n",
		},
		{
			name: "sizes_maerts",
			test: "TCP_MAERTS", list: "LOCAL_SEND_SIZE,LOCAL_RECV_SIZE,REMOTE_SEND_SIZE,DIRECTION",
			want: "LOCAL_SEND_SIZE=0\nLOCAL_RECV_SIZE=131072\nREMOTE_SEND_SIZE=16384\nDIRECTION=Receive\n",
		},
		{
			name: "sizes_rr",
			test: "UDP_RR", list: "LOCAL_SEND_SIZE,LOCAL_RECV_SIZE,REQUEST_SIZE,RESPONSE_SIZE,SOCKET_TYPE,PROTOCOL,DIRECTION,TRANSPORT_MSS,LOCAL_TRANSPORT_RETRANS",
			want: "LOCAL_SEND_SIZE=0\nLOCAL_RECV_SIZE=0\nREQUEST_SIZE=64\nRESPONSE_SIZE=1024\nSOCKET_TYPE=Datagram\nPROTOCOL=UDP\nDIRECTION=Send|Recv\nTRANSPORT_MSS=-1\nLOCAL_TRANSPORT_RETRANS=-1\n",
		},
		{
			name: "addresses_ipv6_ports_bind",
			test: "TCP_CRR", list: "SOURCE_ADDR,SOURCE_PORT,SOURCE_FAMILY,DEST_ADDR,DEST_PORT,DEST_FAMILY,LOCAL_CPU_BIND,REMOTE_CPU_BIND,LOCAL_NODELAY,REMOTE_NODELAY,DIRECTION",
			edit: func(r *result.Record, _ *output.Options) {
				two := 2
				r.Spec.Host, r.Spec.Family, r.Spec.LocalDataPort, r.Spec.RemoteDataPort = "::1", "inet6", 5001, 5002
				r.Spec.RemoteCPUBind, r.Spec.NoDelay = &two, true
			},
			want: "SOURCE_ADDR=::0\nSOURCE_PORT=5001\nSOURCE_FAMILY=0\nDEST_ADDR=::1\nDEST_PORT=5002\nDEST_FAMILY=10\nLOCAL_CPU_BIND=-1\nREMOTE_CPU_BIND=2\nLOCAL_NODELAY=1\nREMOTE_NODELAY=1\nDIRECTION=Connect|Send|Recv\n",
		},
		{
			name: "calls_and_bytes",
			test: "TCP_STREAM", list: "LOCAL_SEND_CALLS,LOCAL_BYTES_PER_SEND,LOCAL_BYTES_PER_RECV,LOCAL_BYTES_XFERD,REMOTE_RECV_CALLS,REMOTE_BYTES_PER_RECV,REMOTE_BYTES_RECVD,REMOTE_CONG_CONTROL,TRANSPORT_MSS,REMOTE_TRANSPORT_RETRANS,LOCAL_TRANSPORT_RETRANS",
			edit: func(r *result.Record, _ *output.Options) {
				r.Detail.CongestionControl, r.Detail.RemoteRetransmits = "cubic", 7
			},
			want: "LOCAL_SEND_CALLS=717777\nLOCAL_BYTES_PER_SEND=16384.01\nLOCAL_BYTES_PER_RECV=0.00\nLOCAL_BYTES_XFERD=11760065536\n" +
				"REMOTE_RECV_CALLS=98123\nREMOTE_BYTES_PER_RECV=119849.58\nREMOTE_BYTES_RECVD=11760000000\nREMOTE_CONG_CONTROL=cubic\nTRANSPORT_MSS=65483\nREMOTE_TRANSPORT_RETRANS=7\nLOCAL_TRANSPORT_RETRANS=-2\n",
		},
		{
			name: "quotes_kept_not_escaped",
			test: "TCP_RR", list: "RESULT_BRAND,COMMAND_LINE",
			edit: func(_ *result.Record, o *output.Options) {
				o.Brand, o.CommandLine = `a "b", c`, []string{"netperf", "-B", `a "b", c`}
			},
			want: "RESULT_BRAND=\"a \"b\", c\"\nCOMMAND_LINE=\"netperf -B a \"b\", c\"\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := sampleRecord(tt.test)
			o := output.Options{OmniMode: output.ModeKeyval}
			if tt.edit != nil {
				tt.edit(rec, &o)
			}
			sel, err := output.ParseSelection(tt.list)
			if err != nil {
				t.Fatal(err)
			}
			o.Selection = sel
			var b bytes.Buffer
			if err := output.Omni(&b, rec, o); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tt.want)
			}
		})
	}
}

// TestOmniLayouts pins the layout rules on a small selection, where the
// rules are easy to see: CSV's empty field and following blank for a
// missing value, keyval leaving it out, human columns as wide as the
// widest of title and value plus one, empty blocks.
func TestOmniLayouts(t *testing.T) {
	tests := []struct {
		name, mode, list string
		headers          bool
		want             string
	}{
		{"csv_missing_brand", output.ModeCSV, "ELAPSED_TIME,RESULT_BRAND,PROTOCOL", true,
			"Elapsed Time (sec),Result Tag,Protocol\n10.00,, TCP\n"},
		{"csv_missing_brand_last", output.ModeCSV, "PROTOCOL,RESULT_BRAND", false,
			"TCP,,\n"},
		{"csv_output_none", output.ModeCSV, "PROTOCOL,OUTPUT_NONE,DIRECTION", true,
			"Protocol, ,Direction\nTCP, ,Send|Recv\n"},
		{"csv_first_block_empty", output.ModeCSV, ";PROTOCOL", true, ""},
		{"keyval_missing_brand", output.ModeKeyval, "PROTOCOL;RESULT_BRAND,OUTPUT_NONE", true,
			"PROTOCOL=TCP\nOUTPUT_NONE= \n"},
		{"human_widths", output.ModeHuman, "PROTOCOL,THROUGHPUT_UNITS,RESULT_BRAND", true,
			"Protocol Throughput Result \n" +
				"         Units      Tag    \n" +
				"                           \n" +
				"                           \n" +
				"TCP      Trans/s           \n"},
		{"human_blocks_P0", output.ModeHuman, "PROTOCOL;DIRECTION", false,
			"TCP      \n\nSend|Recv  \n"},
		{"human_first_block_empty", output.ModeHuman, ";PROTOCOL;;DIRECTION", false,
			"\nTCP      \n\nSend|Recv  \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := output.ParseSelection(tt.list)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			err = output.Omni(&b, sampleRecord("TCP_RR"), output.Options{OmniMode: tt.mode, Headers: tt.headers, Selection: sel})
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", visible(b.String()), visible(tt.want))
			}
		})
	}
}

func TestOmniErrors(t *testing.T) {
	interval := sampleRecord("TCP_RR")
	interval.Final = false
	tests := []struct {
		name string
		rec  *result.Record
		mode string
		want string
	}{
		{"nil", nil, output.ModeCSV, "no test spec"},
		{"interval", interval, output.ModeCSV, "not a final result"},
		{"no_mode", sampleRecord("TCP_RR"), "", "unknown output mode"},
		{"bad_mode", sampleRecord("TCP_RR"), "json", "unknown output mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := output.Omni(&b, tt.rec, output.Options{OmniMode: tt.mode})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %q on error", b.String())
			}
		})
	}
}
