// Package stats owns the numbers nperf computes from measurements:
// mergeable latency histograms now, and the statistics built on them.
// It is pure math: no I/O, no clocks.
package stats

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"time"
)

// subBucketBits sets the histogram's precision: each power of two is split
// into 2^subBucketBits linear buckets, so a recorded value is known to
// within 1/128 (0.8%) of itself, at every scale from 1 ns to centuries.
const subBucketBits = 7

const (
	subBuckets = 1 << subBucketBits
	// numBuckets covers every uint64: subBuckets exact buckets for the
	// smallest values, then subBuckets for each power of two above them.
	numBuckets = (64-subBucketBits+1)*subBuckets + subBuckets
)

// A Histogram is a log-linear histogram of durations in nanoseconds. It
// records without allocating, merges exactly with any other Histogram
// (counts add), and serialises sparsely. Percentiles of a merged histogram
// are the percentiles of all the values, which is why nperf merges
// histograms instead of averaging percentiles.
//
// The zero value is empty and ready to use.
type Histogram struct {
	counts []uint64 // index from bucketOf; grows to the highest bucket used
	count  uint64
	min    uint64
	max    uint64
	sum    float64 // ns; float64 so that long runs cannot overflow
	sumSq  float64 // ns^2, for the standard deviation
}

// initialBuckets covers values up to about 2 s (bucket 24*128 starts at
// 2^31 ns), the range of nearly every round trip, so that recording
// rarely grows the slice.
const initialBuckets = 24 * subBuckets

// NewHistogram returns an empty histogram with room for the usual range
// of round-trip times, so that recording does not allocate.
func NewHistogram() *Histogram {
	return &Histogram{counts: make([]uint64, initialBuckets)}
}

// grow makes room for bucket i. Histograms stay small (a few KB) when
// values are small, which matters for the one every interval record
// carries.
func (h *Histogram) grow(i int) {
	n := max(i+1, initialBuckets, 2*len(h.counts))
	n = min(n, numBuckets)
	c := make([]uint64, n)
	copy(c, h.counts)
	h.counts = c
}

// bucketOf maps a value to its bucket: exact below subBuckets, then
// subBuckets linear buckets for every power of two above.
func bucketOf(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	e := bits.Len64(v) - subBucketBits - 1 // v>>e lies in [subBuckets, 2*subBuckets)
	return (e+1)*subBuckets + int(v>>uint(e)) - subBuckets
}

// bucketRange returns the smallest and largest value that fall in bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < subBuckets {
		return uint64(i), uint64(i)
	}
	e := i/subBuckets - 1
	off := uint64(i%subBuckets) + subBuckets
	lo = off << uint(e)
	hi = lo + (uint64(1) << uint(e)) - 1
	return lo, hi
}

// Record adds one duration. Negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(0)
	if d > 0 {
		v = uint64(d)
	}
	h.RecordValue(v)
}

// RecordValue adds one value in nanoseconds.
func (h *Histogram) RecordValue(ns uint64) {
	i := bucketOf(ns)
	if i >= len(h.counts) {
		h.grow(i)
	}
	h.counts[i]++
	if h.count == 0 || ns < h.min {
		h.min = ns
	}
	if ns > h.max {
		h.max = ns
	}
	h.count++
	f := float64(ns)
	h.sum += f
	h.sumSq += f * f
}

// Merge adds every value of o into h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.count == 0 {
		return
	}
	if len(o.counts) > len(h.counts) {
		h.grow(len(o.counts) - 1)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.count += o.count
	h.sum += o.sum
	h.sumSq += o.sumSq
}

// Count is the number of recorded values.
func (h *Histogram) Count() uint64 { return h.count }

// Min is the smallest recorded value, exactly.
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Max is the largest recorded value, exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean is the exact arithmetic mean of the recorded values.
func (h *Histogram) Mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.count))
}

// StdDev is the population standard deviation of the recorded values, as
// netperf's STDDEV_LATENCY reports it.
func (h *Histogram) StdDev() time.Duration {
	if h.count == 0 {
		return 0
	}
	n := float64(h.count)
	mean := h.sum / n
	v := h.sumSq/n - mean*mean
	if v < 0 {
		v = 0
	}
	return time.Duration(math.Sqrt(v))
}

// Quantile returns the value below which a fraction q (0..1) of the
// recorded values lie, interpolated linearly inside its bucket and clamped
// to the exact minimum and maximum. Its error is below 1% of the value.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	if q <= 0 {
		return h.Min()
	}
	if q >= 1 {
		return h.Max()
	}
	rank := q * float64(h.count) // values at or below the answer
	var seen float64
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		if seen+float64(c) >= rank {
			lo, hi := bucketRange(i)
			frac := (rank - seen) / float64(c)
			v := float64(lo) + frac*float64(hi-lo)
			v = math.Max(v, float64(h.min))
			v = math.Min(v, float64(h.max))
			return time.Duration(v)
		}
		seen += float64(c)
	}
	return h.Max()
}

// histogramJSON is the serialised form: sparse [bucket, count] pairs plus
// the exact moments, so a decoded histogram merges and answers exactly as
// the original.
type histogramJSON struct {
	Unit          string      `json:"unit"`
	SubBucketBits int         `json:"sub_bucket_bits"`
	Count         uint64      `json:"count"`
	Min           uint64      `json:"min"`
	Max           uint64      `json:"max"`
	Sum           float64     `json:"sum"`
	SumSq         float64     `json:"sum_sq"`
	Buckets       [][2]uint64 `json:"buckets"`
}

// MarshalJSON writes the histogram sparsely, in nanoseconds.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	j := histogramJSON{Unit: "ns", SubBucketBits: subBucketBits, Count: h.count,
		Min: h.min, Max: h.max, Sum: h.sum, SumSq: h.sumSq, Buckets: [][2]uint64{}}
	for i, c := range h.counts {
		if c != 0 {
			j.Buckets = append(j.Buckets, [2]uint64{uint64(i), c})
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote and checks that it is
// consistent: a histogram from a file or the network is untrusted input.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	var j histogramJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Unit != "ns" {
		return fmt.Errorf("histogram: unit %q, want \"ns\"", j.Unit)
	}
	if j.SubBucketBits != subBucketBits {
		return fmt.Errorf("histogram: sub_bucket_bits %d, want %d", j.SubBucketBits, subBucketBits)
	}
	var n uint64
	top := uint64(0)
	for _, b := range j.Buckets {
		if b[0] >= numBuckets {
			return fmt.Errorf("histogram: bucket %d out of range", b[0])
		}
		top = max(top, b[0])
	}
	counts := make([]uint64, top+1)
	for _, b := range j.Buckets {
		counts[b[0]] += b[1]
		n += b[1]
	}
	if n != j.Count {
		return fmt.Errorf("histogram: buckets hold %d values, count says %d", n, j.Count)
	}
	if j.Count > 0 && j.Min > j.Max {
		return fmt.Errorf("histogram: min %d above max %d", j.Min, j.Max)
	}
	*h = Histogram{counts: counts, count: j.Count, min: j.Min, max: j.Max, sum: j.Sum, sumSq: j.SumSq}
	return nil
}
