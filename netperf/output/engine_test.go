package output_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"nperf/netperf"
	"nperf/netperf/netperftest"
	"nperf/netperf/output"
	"nperf/result"
)

// TestEngineRecords prints the records of real (short) runs against
// nperf's own server in every format: whatever the engine fills in must
// print without error, and the values the engine measures must not come
// out as netperf's placeholders for unknown ones.
func TestEngineRecords(t *testing.T) {
	srv := netperftest.NewServer(t)
	tests := []struct {
		test  string
		units int64
		known []string // selectors that must not print netperf's "unknown"
	}{
		{"TCP_STREAM", 64 << 20, []string{"LSS_SIZE_END", "RSR_SIZE_END", "TRANSPORT_MSS", "LOCAL_CPU_UTIL", "REMOTE_CPU_UTIL", "LOCAL_SD", "REMOTE_RECV_SIZE"}},
		{"TCP_RR", 3000, []string{"LSS_SIZE_END", "RSS_SIZE_END", "P50_LATENCY", "P99_LATENCY", "MEAN_LATENCY", "RT_LATENCY", "LOCAL_SD"}},
		{"UDP_RR", 3000, []string{"LSS_SIZE_END", "MIN_LATENCY", "REQUEST_SIZE"}},
	}
	for _, tt := range tests {
		t.Run(tt.test, func(t *testing.T) {
			spec := &result.Spec{Test: tt.test, Host: srv.Host, Port: srv.Port, LengthUnits: tt.units, LocalCPU: true, RemoteCPU: true}
			var mu sync.Mutex
			var intervals []*result.Record
			c := &netperf.Client{RunID: "test", Interval: 10 * time.Millisecond, Emit: func(r *result.Record) {
				mu.Lock()
				defer mu.Unlock()
				intervals = append(intervals, r)
			}}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			rec := c.Run(ctx, spec)
			if rec.Err != nil {
				t.Fatal(rec.Err)
			}
			var b bytes.Buffer
			mu.Lock()
			for i, r := range intervals {
				if err := output.Interim(&b, r, output.Options{}, i); err != nil {
					t.Fatal(err)
				}
			}
			mu.Unlock()
			for _, v := range []int{0, 1, 2} {
				o := output.Options{Verbosity: v, Headers: true}
				if err := output.Banner(&b, rec.Spec, o); err != nil {
					t.Fatal(err)
				}
				if err := output.Result(&b, rec, o); err != nil {
					t.Fatal(err)
				}
			}
			all := output.AllSelection()
			n := 0
			for _, blk := range all {
				n += len(blk)
			}
			for _, mode := range []string{output.ModeCSV, output.ModeKeyval, output.ModeHuman} {
				var out bytes.Buffer
				o := output.Options{OmniMode: mode, Headers: true, Selection: all, UUID: "u", CommandLine: []string{"netperf"}}
				if err := output.Omni(&out, rec, o); err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
				want := map[string]int{output.ModeCSV: 2, output.ModeKeyval: n - 1, output.ModeHuman: 4*5 + 3}[mode]
				if len(lines) != want {
					t.Errorf("%s: %d lines, want %d", mode, len(lines), want)
				}
				if mode != output.ModeKeyval {
					continue
				}
				for _, l := range lines {
					name, val, _ := strings.Cut(l, "=")
					for _, k := range tt.known {
						if name == k && (val == "-1" || val == "-1.00" || val == "-1.000" || val == "-2" || val == "0") {
							t.Errorf("%s = %s: the engine's record lacks it", name, val)
						}
					}
				}
			}
		})
	}
}
