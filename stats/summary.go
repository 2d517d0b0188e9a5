package stats

import (
	"math"
	"slices"
)

// A Summary describes one sample: its size, centre, spread and
// percentiles. Values that are NaN or infinite are counted and left out,
// never propagated into the other fields. A field that the sample is too
// small to define (the standard deviation of one value, anything of no
// values) is NaN.
type Summary struct {
	N      int // finite values summarised
	NaN    int // NaN values left out
	PosInf int // +Inf values left out
	NegInf int // -Inf values left out

	Mean   float64
	StdDev float64 // sample standard deviation (n-1 denominator)
	// CV is the coefficient of variation, StdDev / |Mean|: the noise of a
	// measurement relative to its size.
	CV     float64
	Min    float64
	Max    float64
	Median float64
	// Percentiles holds the requested percentiles in the order asked.
	Percentiles []Percentile
}

// A Percentile is the value below which P percent of a sample lies.
type Percentile struct {
	P     float64 // 0..100
	Value float64
}

// NonFinite is the number of values left out because they were NaN or
// infinite.
func (s Summary) NonFinite() int { return s.NaN + s.PosInf + s.NegInf }

// Summarize computes the Summary of xs with the given percentiles (0..100),
// interpolated linearly between order statistics (the "type 7" definition
// of R, NumPy and spreadsheets). xs is not modified.
//
// It selects the order statistics it needs instead of sorting, and sums
// with compensation after scaling by a power of two, so it is fast on
// millions of values and exact enough on values near the float64 limit.
func Summarize(xs []float64, percentiles ...float64) Summary {
	fin, nan, pos, neg := Finite(xs)
	s := Summary{N: len(fin), NaN: nan, PosInf: pos, NegInf: neg}
	s.Percentiles = make([]Percentile, len(percentiles))
	for i, p := range percentiles {
		s.Percentiles[i] = Percentile{P: p, Value: math.NaN()}
	}
	nan64 := math.NaN()
	s.Mean, s.StdDev, s.CV, s.Min, s.Max, s.Median = nan64, nan64, nan64, nan64, nan64, nan64
	if s.N == 0 {
		return s
	}
	if len(fin) == len(xs) {
		fin = slices.Clone(xs) // selection reorders its input
	}
	s.Min, s.Max = fin[0], fin[0]
	for _, x := range fin {
		s.Min = min(s.Min, x)
		s.Max = max(s.Max, x)
	}
	s.Mean, s.StdDev = meanAndStdDev(fin)
	if s.N > 1 {
		if s.Mean != 0 {
			s.CV = s.StdDev / math.Abs(s.Mean)
		}
	}

	qs := make([]float64, 0, len(percentiles)+1)
	qs = append(qs, 0.5)
	for _, p := range percentiles {
		qs = append(qs, p/100)
	}
	vals := selectQuantiles(fin, qs)
	s.Median = vals[0]
	for i := range percentiles {
		s.Percentiles[i].Value = vals[i+1]
	}
	return s
}

// Finite returns the finite values of xs (xs itself when all are finite)
// and how many were NaN, +Inf and -Inf.
func Finite(xs []float64) (finite []float64, nan, posInf, negInf int) {
	bad := 0
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			bad++
		}
	}
	if bad == 0 {
		return xs, 0, 0, 0
	}
	finite = make([]float64, 0, len(xs)-bad)
	for _, x := range xs {
		switch {
		case math.IsNaN(x):
			nan++
		case math.IsInf(x, 1):
			posInf++
		case math.IsInf(x, -1):
			negInf++
		default:
			finite = append(finite, x)
		}
	}
	return finite, nan, posInf, negInf
}

// Mean is the arithmetic mean of xs, NaN when xs is empty. Values near the
// float64 limit do not overflow: xs is scaled by a power of two first.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	m, _ := meanAndStdDev(xs)
	return m
}

// Variance is the sample variance of xs (n-1 denominator), NaN for fewer
// than two values.
func Variance(xs []float64) float64 {
	sd := StdDev(xs)
	return sd * sd
}

// StdDev is the sample standard deviation of xs, NaN for fewer than two
// values.
func StdDev(xs []float64) float64 {
	_, sd := meanAndStdDev(xs)
	return sd
}

// scaleOf returns a power of two near the largest magnitude in xs, so that
// xs/scale lies within [-1, 1] and scaling is exact.
func scaleOf(xs []float64) float64 {
	var big float64
	for _, x := range xs {
		big = max(big, math.Abs(x))
	}
	if big == 0 || math.IsInf(big, 0) || math.IsNaN(big) {
		return 1
	}
	_, e := math.Frexp(big)
	// Not below the smallest normal power of two, so that 1/scale is finite.
	return math.Ldexp(1, max(e, -1021))
}

// meanAndStdDev returns the mean of xs and its sample standard deviation
// (NaN for fewer than two values). It works on xs scaled into [-1, 1]
// (exactly, by a power of two) with compensated sums, so that neither
// values near the float64 limit nor long inputs lose the answer.
func meanAndStdDev(xs []float64) (mean, sd float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	scale := scaleOf(xs)
	inv := 1 / scale
	var sum, c float64
	for _, x := range xs {
		sum, c = neumaier(sum, c, x*inv)
	}
	ms := (sum + c) / float64(len(xs)) // scaled mean
	if len(xs) < 2 {
		return ms * scale, math.NaN()
	}
	var ss, cs float64
	for _, x := range xs {
		d := x*inv - ms
		ss, cs = neumaier(ss, cs, d*d)
	}
	return ms * scale, math.Sqrt((ss+cs)/float64(len(xs)-1)) * scale
}

// neumaier adds x to the compensated sum (sum, c).
func neumaier(sum, c, x float64) (float64, float64) {
	t := sum + x
	if math.Abs(sum) >= math.Abs(x) {
		c += (sum - t) + x
	} else {
		c += (x - t) + sum
	}
	return t, c
}

// Quantile returns the q-quantile (0..1) of sorted, interpolating linearly
// between the order statistics at ranks floor(h) and ceil(h), h = (n-1)q:
// the definition of R's type 7, NumPy's default and spreadsheets'
// PERCENTILE. It is NaN for an empty slice.
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	q = min(max(q, 0), 1)
	h := float64(n-1) * q
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	return lerp(sorted[lo], sorted[lo+1], h-float64(lo))
}

// lerp interpolates between a and b without overflowing when b-a does.
func lerp(a, b, t float64) float64 {
	if t == 0 || a == b {
		return a
	}
	d := b - a
	if math.IsInf(d, 0) {
		return a*(1-t) + b*t
	}
	if t < 0.5 {
		return a + d*t
	}
	return b - d*(1-t)
}

// Median is the median of xs (the mean of the two middle values for an
// even count), NaN when xs is empty. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	return selectQuantiles(slices.Clone(xs), []float64{0.5})[0]
}

// Quantiles returns the type-7 quantiles qs (0..1) of xs without sorting
// it fully. xs is not modified.
func Quantiles(xs []float64, qs ...float64) []float64 {
	if len(xs) == 0 {
		out := make([]float64, len(qs))
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	return selectQuantiles(slices.Clone(xs), qs)
}

// selectQuantiles returns the type-7 quantiles qs of a, reordering a.
func selectQuantiles(a []float64, qs []float64) []float64 {
	n := len(a)
	ranks := make([]int, 0, 2*len(qs))
	for _, q := range qs {
		h := float64(n-1) * min(max(q, 0), 1)
		lo := int(math.Floor(h))
		ranks = append(ranks, lo)
		if lo+1 < n {
			ranks = append(ranks, lo+1)
		}
	}
	slices.Sort(ranks)
	ranks = slices.Compact(ranks)
	selectRanks(a, ranks, 0, n, 2*bitsLen(n)+8)
	out := make([]float64, len(qs))
	for i, q := range qs {
		if math.IsNaN(q) {
			out[i] = math.NaN()
			continue
		}
		h := float64(n-1) * min(max(q, 0), 1)
		lo := int(math.Floor(h))
		if lo >= n-1 {
			out[i] = a[n-1]
			continue
		}
		out[i] = lerp(a[lo], a[lo+1], h-float64(lo))
	}
	return out
}

func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

// selectRanks reorders a[lo:hi] so that, for every rank k in ranks (sorted,
// all within [lo, hi)), a[k] holds the value a full sort would put there.
// It partitions around a median-of-three pivot (Hoare's scheme, which splits
// runs of equal values evenly) and recurses only into the parts that hold
// wanted ranks: O(n log len(ranks)) expected. When the recursion is deeper
// than depth, it sorts instead, which bounds the worst case.
func selectRanks(a []float64, ranks []int, lo, hi, depth int) {
	for len(ranks) > 0 && hi-lo > 1 {
		if hi-lo <= 32 || depth == 0 {
			slices.Sort(a[lo:hi])
			return
		}
		depth--
		p := medianOf3(a[lo], a[lo+(hi-lo)/2], a[hi-1])
		i, j := lo-1, hi
		for {
			for i++; a[i] < p; i++ {
			}
			for j--; a[j] > p; j-- {
			}
			if i >= j {
				break
			}
			a[i], a[j] = a[j], a[i]
		}
		// a[lo:j+1] <= p <= a[j+1:hi], both parts non-empty.
		mid := j + 1
		k, _ := slices.BinarySearch(ranks, mid)
		left, right := ranks[:k], ranks[k:]
		// Recurse into the smaller side, loop on the larger.
		if mid-lo < hi-mid {
			selectRanks(a, left, lo, mid, depth)
			ranks, lo = right, mid
		} else {
			selectRanks(a, right, mid, hi, depth)
			ranks, hi = left, mid
		}
	}
}

func medianOf3(a, b, c float64) float64 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	if a > b {
		return a
	}
	return b
}
