package stats

import (
	"testing"
	"time"
)

// BenchmarkHistogramRecord is the per-round-trip cost of an RR loop's
// latency recording: one Record of a round-trip-sized duration.
func BenchmarkHistogramRecord(b *testing.B) {
	for _, bc := range []struct {
		name   string
		spread time.Duration // values cycle over [base, base+spread)
	}{
		{"constant", 0},
		{"spread-1ms", time.Millisecond},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := NewHistogram()
			h.Record(2 * time.Second) // buckets grown up front, as after warm-up
			d := 20 * time.Microsecond
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if bc.spread > 0 {
					d = 20*time.Microsecond + time.Duration(i*7919)%bc.spread
				}
				h.Record(d)
			}
		})
	}
}

// BenchmarkHistogramMerge merges one interval's histogram into a run's.
func BenchmarkHistogramMerge(b *testing.B) {
	iv := NewHistogram()
	for i := 0; i < 10000; i++ {
		iv.Record(time.Duration(10000+i*37) * time.Nanosecond)
	}
	run := NewHistogram()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run.Merge(iv)
	}
}
