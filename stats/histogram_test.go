package stats

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

func TestBucketRoundTrip(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 12345, 1 << 40, math.MaxUint64} {
		i := bucketOf(v)
		lo, hi := bucketRange(i)
		if v < lo || v > hi {
			t.Errorf("value %d in bucket %d = [%d,%d]", v, i, lo, hi)
		}
		if hi > lo && float64(hi-lo)/float64(lo) > 1.0/subBuckets {
			t.Errorf("bucket %d = [%d,%d] wider than 1/%d", i, lo, hi, subBuckets)
		}
	}
}

func exactQuantile(sorted []uint64, q float64) float64 {
	idx := int(math.Ceil(q*float64(len(sorted)))) - 1
	if idx < 0 {
		idx = 0
	}
	return float64(sorted[idx])
}

func TestQuantilesMatchExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var vals []uint64
	h := NewHistogram()
	for i := 0; i < 100000; i++ {
		v := uint64(r.ExpFloat64()*20000) + 5000 // a latency-like tail in ns
		vals = append(vals, v)
		h.RecordValue(v)
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		got := float64(h.Quantile(q))
		want := exactQuantile(vals, q)
		if math.Abs(got-want)/want > 0.01 {
			t.Errorf("q%.3f = %.0f, exact %.0f (more than 1%% off)", q, got, want)
		}
	}
	if h.Min() != time.Duration(vals[0]) || h.Max() != time.Duration(vals[len(vals)-1]) {
		t.Errorf("min/max = %v/%v, want %v/%v", h.Min(), h.Max(), vals[0], vals[len(vals)-1])
	}
	var sum float64
	for _, v := range vals {
		sum += float64(v)
	}
	mean := sum / float64(len(vals))
	if math.Abs(float64(h.Mean())-mean) > 1 {
		t.Errorf("mean = %v, want %.0f", h.Mean(), mean)
	}
	var ss float64
	for _, v := range vals {
		ss += (float64(v) - mean) * (float64(v) - mean)
	}
	sd := math.Sqrt(ss / float64(len(vals)))
	if math.Abs(float64(h.StdDev())-sd) > 1 {
		t.Errorf("stddev = %v, want %.0f", h.StdDev(), sd)
	}
}

func TestMergeEqualsUnion(t *testing.T) {
	a, b, all := NewHistogram(), NewHistogram(), NewHistogram()
	for i := uint64(1); i <= 1000; i++ {
		a.RecordValue(i * 1000)
		all.RecordValue(i * 1000)
		b.RecordValue(i * 7)
		all.RecordValue(i * 7)
	}
	a.Merge(b)
	for _, q := range []float64{0, 0.25, 0.5, 0.9, 0.99, 1} {
		if a.Quantile(q) != all.Quantile(q) {
			t.Errorf("q%v merged %v, union %v", q, a.Quantile(q), all.Quantile(q))
		}
	}
	if a.Count() != 2000 || a.Mean() != all.Mean() {
		t.Errorf("count/mean = %d/%v, want 2000/%v", a.Count(), a.Mean(), all.Mean())
	}
	big := NewHistogram()
	big.RecordValue(1 << 50) // grows the slice far past the initial size
	big.Merge(a)
	if big.Count() != 2001 || big.Min() != a.Min() || big.Max() != 1<<50 || big.Quantile(0.25) != a.Quantile(0.25*2001/2000) {
		t.Errorf("merge into a grown histogram: count %d", big.Count())
	}
	var empty Histogram
	empty.Merge(a)
	if empty.Quantile(0.5) != a.Quantile(0.5) {
		t.Error("merge into zero value lost data")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	h := NewHistogram()
	for i := 0; i < 500; i++ {
		h.Record(time.Duration(i*i) * time.Microsecond)
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var g Histogram
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	for _, q := range []float64{0.1, 0.5, 0.99} {
		if g.Quantile(q) != h.Quantile(q) {
			t.Errorf("q%v after round trip %v, want %v", q, g.Quantile(q), h.Quantile(q))
		}
	}
	if g.Count() != h.Count() || g.StdDev() != h.StdDev() || g.Min() != h.Min() || g.Max() != h.Max() {
		t.Error("moments changed in round trip")
	}
}

func TestUnmarshalRejectsInconsistent(t *testing.T) {
	bad := []string{
		`{"unit":"us","sub_bucket_bits":7,"count":0,"buckets":[]}`,
		`{"unit":"ns","sub_bucket_bits":5,"count":0,"buckets":[]}`,
		`{"unit":"ns","sub_bucket_bits":7,"count":2,"buckets":[[3,1]]}`,
		`{"unit":"ns","sub_bucket_bits":7,"count":1,"buckets":[[99999999,1]]}`,
		`{"unit":"ns","sub_bucket_bits":7,"count":1,"min":9,"max":3,"buckets":[[3,1]]}`,
	}
	for _, s := range bad {
		var h Histogram
		if err := json.Unmarshal([]byte(s), &h); err == nil {
			t.Errorf("accepted %s", s)
		}
	}
}

func FuzzHistogramJSON(f *testing.F) {
	f.Add([]byte(`{"unit":"ns","sub_bucket_bits":7,"count":1,"min":3,"max":3,"buckets":[[3,1]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h Histogram
		if err := json.Unmarshal(b, &h); err != nil {
			return
		}
		if q := h.Quantile(0.5); h.Count() > 0 && (q < h.Min() || q > h.Max()) {
			t.Fatalf("median %v outside [%v,%v]", q, h.Min(), h.Max())
		}
	})
}

func BenchmarkRecord(b *testing.B) {
	h := NewHistogram()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h.RecordValue(uint64(i&0xffff) * 37)
	}
}
