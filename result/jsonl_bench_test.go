package result

import (
	"io"
	"testing"
	"time"

	"nperf/stats"
)

// BenchmarkEncode writes one interval Record and one Final Record with a
// latency histogram, the two shapes a run emits.
func BenchmarkEncode(b *testing.B) {
	start := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	h := stats.NewHistogram()
	for i := 0; i < 100000; i++ {
		h.Record(time.Duration(15000+i%20000) * time.Nanosecond)
	}
	for _, bc := range []struct {
		name string
		rec  *Record
	}{
		{"interval", &Record{Run: "r1", Test: "TCP_STREAM", Instance: 3, Peer: "127.0.0.1:12865", Seq: 7,
			Start: start, Elapsed: time.Second, BytesSent: 1 << 33}},
		{"final-rr", &Record{Run: "r1", Test: "UDP_RR", Instance: 3, Peer: "127.0.0.1:12865", Seq: 5, Final: true,
			Start: start, Elapsed: 5 * time.Second, BytesSent: 100000, BytesRecv: 100000, Transactions: 100000,
			Latency: h, Spec: &Spec{Test: "UDP_RR", Host: "127.0.0.1", Port: 12865, LengthSeconds: 5}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := NewEncoder(io.Discard)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := e.Encode(bc.rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
