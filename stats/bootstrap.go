package stats

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// BootstrapOptions configures a bootstrap: how many resamples and the seed
// that makes the result reproducible (the same seed and input give the same
// intervals on every machine).
type BootstrapOptions struct {
	Level     float64 // confidence level, 0..1
	Resamples int     // number of resamples; 10,000 is plenty for 95% intervals
	Seed      uint64
}

// A Bootstrap is the outcome of resampling one statistic: the statistic of
// the sample and two intervals from the distribution of its resampled
// values.
//
// Percentile is the plain percentile interval. BCa corrects it for bias
// (Bias, the normal quantile of the fraction of resampled values below the
// estimate, ties counting half) and for skew (Acceleration, from the
// jackknife), after Efron and Tibshirani, "An Introduction to the
// Bootstrap" (1993), 14.3; it is the better interval when the two differ.
// BCa's bounds are NaN when it is undefined: when every jackknife value is
// equal or every resampled value lies on one side of the estimate.
type Bootstrap struct {
	Estimate     float64
	Percentile   Interval
	BCa          Interval
	Bias         float64 // z0
	Acceleration float64 // a
	Resamples    int
	Seed         uint64
}

func checkBootstrap(xs []float64, opt BootstrapOptions) error {
	if err := checkLevel(opt.Level); err != nil {
		return err
	}
	if opt.Resamples < 10 {
		return fmt.Errorf("bootstrap: %d resamples, need at least 10", opt.Resamples)
	}
	if len(xs) < 2 {
		return fmt.Errorf("bootstrap: %w (%d, need 2)", ErrTooFew, len(xs))
	}
	return nil
}

// newRand returns the generator of a bootstrap: PCG, seeded from one number.
func newRand(seed uint64) *rand.PCG {
	return rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
}

// index draws a uniform index below n from r (Lemire's multiply-shift;
// its bias, below n/2^64, is far under the bootstrap's own noise).
func index(r *rand.PCG, n uint64) int {
	hi, _ := bits.Mul64(r.Uint64(), n)
	return int(hi)
}

// BootstrapMean resamples the mean of xs (finite values, at least two).
func BootstrapMean(xs []float64, opt BootstrapOptions) (Bootstrap, error) {
	if err := checkBootstrap(xs, opt); err != nil {
		return Bootstrap{}, err
	}
	if b, ok := degenerate(xs, opt); ok {
		return b, nil
	}
	n := len(xs)
	scale := scaleOf(xs)
	ys := make([]float64, n) // scaled exactly by a power of two: sums cannot overflow
	var total float64
	for i, x := range xs {
		ys[i] = x / scale
		total += ys[i]
	}
	r := newRand(opt.Seed)
	thetas := make([]float64, opt.Resamples)
	for b := range thetas {
		var sum float64
		for range n {
			sum += ys[index(r, uint64(n))]
		}
		thetas[b] = sum / float64(n) * scale
	}
	jack := make([]float64, n)
	for i, y := range ys {
		jack[i] = (total - y) / float64(n-1) * scale
	}
	return finishBootstrap(Mean(xs), thetas, jack, opt), nil
}

// BootstrapQuantile resamples the type-7 q-quantile (0..1) of xs (finite
// values, at least two); q = 0.5 is the median.
//
// A resample is drawn as counts over the sorted sample, so each costs
// O(n) without sorting.
func BootstrapQuantile(xs []float64, q float64, opt BootstrapOptions) (Bootstrap, error) {
	if err := checkBootstrap(xs, opt); err != nil {
		return Bootstrap{}, err
	}
	if !(q >= 0 && q <= 1) {
		return Bootstrap{}, fmt.Errorf("bootstrap: quantile %v: want 0..1", q)
	}
	if b, ok := degenerate(xs, opt); ok {
		return b, nil
	}
	n := len(xs)
	sorted := slices.Clone(xs)
	slices.Sort(sorted)

	h := float64(n-1) * q
	lo := int(math.Floor(h))
	frac := h - float64(lo)
	hi := min(lo+1, n-1)
	counts := make([]int32, n)
	r := newRand(opt.Seed)
	thetas := make([]float64, opt.Resamples)
	for b := range thetas {
		clear(counts)
		for range n {
			counts[index(r, uint64(n))]++
		}
		// The values at ranks lo and hi of the resample, sorted.
		var a, c float64
		cum, found := 0, false
		for i, k := range counts {
			cum += int(k)
			if !found && cum > lo {
				a, found = sorted[i], true
			}
			if cum > hi {
				c = sorted[i]
				break
			}
		}
		thetas[b] = lerp(a, c, frac)
	}

	// Jackknife: leave out sorted[i]; rank k of what remains is sorted[k]
	// below i and sorted[k+1] from i on.
	jack := make([]float64, n)
	hj := float64(n-2) * q
	lj := int(math.Floor(hj))
	fj := hj - float64(lj)
	at := func(k, i int) float64 {
		if k < i {
			return sorted[k]
		}
		return sorted[k+1]
	}
	for i := range jack {
		if lj+1 > n-2 {
			jack[i] = at(lj, i)
			continue
		}
		jack[i] = lerp(at(lj, i), at(lj+1, i), fj)
	}
	return finishBootstrap(Quantile(sorted, q), thetas, jack, opt), nil
}

// degenerate answers for a sample whose values are all equal: every
// resample is the sample, so the percentile interval is that value and BCa
// is undefined.
func degenerate(xs []float64, opt BootstrapOptions) (Bootstrap, bool) {
	for _, x := range xs[1:] {
		if x != xs[0] {
			return Bootstrap{}, false
		}
	}
	nan := math.NaN()
	return Bootstrap{
		Estimate:     xs[0],
		Percentile:   Interval{Level: opt.Level, Lo: xs[0], Hi: xs[0]},
		BCa:          Interval{Level: opt.Level, Lo: nan, Hi: nan},
		Bias:         nan,
		Acceleration: nan,
		Resamples:    opt.Resamples,
		Seed:         opt.Seed,
	}, true
}

// finishBootstrap turns resampled and jackknife values into intervals.
func finishBootstrap(est float64, thetas, jack []float64, opt BootstrapOptions) Bootstrap {
	slices.Sort(thetas)
	alpha := (1 - opt.Level) / 2
	res := Bootstrap{
		Estimate:   est,
		Percentile: Interval{Level: opt.Level, Lo: Quantile(thetas, alpha), Hi: Quantile(thetas, 1-alpha)},
		Resamples:  len(thetas),
		Seed:       opt.Seed,
	}

	// z0: where the estimate falls in the resampled distribution.
	var below, atOrBelow int
	for _, t := range thetas {
		if t < est {
			below++
		}
		if t <= est {
			atOrBelow++
		}
	}
	norm := distuv.UnitNormal
	res.Bias = norm.Quantile(float64(below+atOrBelow) / float64(2*len(thetas)))

	// a: skew of the jackknife values.
	var dot float64
	for _, j := range jack {
		dot += j
	}
	dot /= float64(len(jack))
	var s2, s3 float64
	for _, j := range jack {
		u := dot - j
		s2 += u * u
		s3 += u * u * u
	}
	res.Acceleration = s3 / (6 * math.Pow(s2, 1.5))

	res.BCa = Interval{Level: opt.Level, Lo: math.NaN(), Hi: math.NaN()}
	z0, a := res.Bias, res.Acceleration
	if math.IsInf(z0, 0) || math.IsNaN(a) || math.IsInf(a, 0) {
		return res
	}
	adj := func(z float64) float64 {
		num := z0 + z
		return norm.CDF(z0 + num/(1-a*num))
	}
	za := norm.Quantile(alpha)
	res.BCa.Lo = Quantile(thetas, adj(za))
	res.BCa.Hi = Quantile(thetas, adj(-za))
	return res
}
