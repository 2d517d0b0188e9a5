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
)

// intervalSample is a fixed interval record of test: half a second of
// traffic ending at a known wall-clock time.
func intervalSample(test string) *result.Record {
	rec := &result.Record{Test: test, Seq: 3, Elapsed: 501234567 * time.Nanosecond,
		Start: time.Date(2026, 12, 3, 17, 10, 55, 395_000_000, time.UTC)}
	switch test {
	case "TCP_MAERTS":
		rec.BytesRecv = 987_654_321
	case "TCP_STREAM", "UDP_STREAM":
		rec.BytesSent = 987_654_321
	default:
		rec.Transactions = 31_234
		rec.BytesSent, rec.BytesRecv = 31_234*64, 31_234*1024
	}
	return rec
}

// TestInterimGolden renders an interval record of every test in every
// mode and in a few units into testdata/interim.golden.
func TestInterimGolden(t *testing.T) {
	var got bytes.Buffer
	for _, test := range result.Tests {
		for _, mode := range []string{"", output.ModeHuman, output.ModeCSV, output.ModeKeyval} {
			for _, f := range []units.Format{units.FormatDefault, units.FormatTrans, units.FormatKBytes, units.FormatGbits} {
				letter := string(rune(f))
				if f == units.FormatDefault {
					letter = "default"
				}
				fmt.Fprintf(&got, "== %s mode=%q -f %s ==\n", test, mode, letter)
				o := output.Options{OmniMode: mode, Format: f}
				if err := output.Interim(&got, intervalSample(test), o, 7); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	checkGolden(t, filepath.Join("testdata", "interim.golden"), got.Bytes())
}

func TestInterim(t *testing.T) {
	stream := intervalSample("TCP_STREAM")
	tests := []struct {
		name string
		rec  *result.Record
		o    output.Options
		want string
	}{
		{
			// 987654321 bytes in 0.501234567 s = 15763.55 10^6bits/s;
			// it ends at 17:10:55.896234567.
			name: "human", rec: stream,
			want: "Interim result: 15763.55 10^6bits/s over 0.501 seconds ending at 1796317855.896\n",
		},
		{
			name: "csv", rec: stream, o: output.Options{OmniMode: output.ModeCSV},
			want: "15763.55,10^6bits/s,0.501,1796317855.896\n",
		},
		{
			name: "keyval", rec: stream, o: output.Options{OmniMode: output.ModeKeyval},
			want: "NETPERF_INTERIM_RESULT[7]=15763.55\nNETPERF_UNITS[7]=10^6bits/s\nNETPERF_INTERVAL[7]=0.501\nNETPERF_ENDING[7]=1796317855.896\n",
		},
		{
			name: "rr_transactions", rec: intervalSample("UDP_RR"),
			want: "Interim result: 62314.14 Trans/s over 0.501 seconds ending at 1796317855.896\n",
		},
		{
			name: "rr_bytes_both_ways", rec: intervalSample("TCP_RR"), o: output.Options{Format: units.FormatKbits},
			want: "Interim result: 542382.26 10^3bits/s over 0.501 seconds ending at 1796317855.896\n",
		},
		{
			name: "small_rate_padded", rec: &result.Record{Test: "TCP_CRR", Transactions: 3, Elapsed: time.Second,
				Start: time.Unix(1796317855, 5_000_000)},
			want: "Interim result:    3.00 Trans/s over 1.000 seconds ending at 1796317856.005\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := output.Interim(&b, tt.rec, tt.o, 7); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got  %q\nwant %q", b.String(), tt.want)
			}
		})
	}
}

func TestInterimErrors(t *testing.T) {
	final := intervalSample("TCP_RR")
	final.Final = true
	tests := []struct {
		name string
		rec  *result.Record
		mode string
		want string
	}{
		{"nil", nil, "", "no record"},
		{"final", final, "", "final result"},
		{"unknown_test", &result.Record{Test: "SCTP_RR"}, "", "unknown test"},
		{"bad_mode", intervalSample("TCP_RR"), "json", "unknown output mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := output.Interim(&b, tt.rec, output.Options{OmniMode: tt.mode}, 0)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %q on error", b.String())
			}
		})
	}
}
