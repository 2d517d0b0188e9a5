package stats

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// A TTest is the outcome of Welch's unequal-variances t-test of B against
// A: T is positive when B's mean is larger; P is two-sided.
type TTest struct {
	T  float64
	DF float64 // Welch-Satterthwaite degrees of freedom
	P  float64
}

// WelchTTest tests whether a and b (finite values, at least two each) have
// the same mean without assuming equal variances. When neither sample
// varies, the means either differ (T = ±Inf, P = 0) or do not (T = 0,
// P = 1), and DF is NaN.
func WelchTTest(a, b []float64) (TTest, error) {
	if len(a) < 2 || len(b) < 2 {
		return TTest{T: math.NaN(), DF: math.NaN(), P: math.NaN()},
			fmt.Errorf("welch t-test: %w (%d and %d, need 2 each)", ErrTooFew, len(a), len(b))
	}
	ma, sa := meanAndStdDev(a)
	mb, sb := meanAndStdDev(b)
	va, vb := sa*sa/float64(len(a)), sb*sb/float64(len(b))
	se := math.Sqrt(va + vb)
	if se == 0 {
		if ma == mb {
			return TTest{T: 0, DF: math.NaN(), P: 1}, nil
		}
		return TTest{T: math.Copysign(math.Inf(1), mb-ma), DF: math.NaN(), P: 0}, nil
	}
	t := (mb - ma) / se
	df := welchDF(va, vb, len(a), len(b))
	return TTest{T: t, DF: df, P: 2 * studentsT(df).Survival(math.Abs(t))}, nil
}

// welchDF is the Welch-Satterthwaite degrees of freedom for the variances
// of two means, va = sa²/na and vb = sb²/nb.
func welchDF(va, vb float64, na, nb int) float64 {
	return (va + vb) * (va + vb) / (va*va/float64(na-1) + vb*vb/float64(nb-1))
}

// A UTest is the outcome of the Mann-Whitney U test (Wilcoxon rank-sum) of
// B against A. U counts the pairs (a, b) with b > a, ties counting half;
// P is two-sided.
type UTest struct {
	U     float64
	P     float64
	Exact bool // P from the exact distribution of U rather than the normal approximation
}

// MannWhitneyU tests whether values of b tend to be larger or smaller than
// values of a (at least one finite value each), without assuming a
// distribution. As SciPy's method "auto", P is exact when one sample has at
// most 8 values and there are no ties (and, here, the other sample has at
// most 1000 values, where the normal approximation is excellent anyway);
// otherwise it uses the normal approximation with tie and continuity
// corrections.
func MannWhitneyU(a, b []float64) (UTest, error) {
	na, nb := len(a), len(b)
	if na < 1 || nb < 1 {
		return UTest{U: math.NaN(), P: math.NaN()}, fmt.Errorf("mann-whitney u: %w (%d and %d, need 1 each)", ErrTooFew, na, nb)
	}
	ranks, ties := rank(a, b)
	var rb float64
	for _, r := range ranks[na:] {
		rb += r
	}
	ub := rb - float64(nb*(nb+1))/2
	ua := float64(na*nb) - ub
	big := max(ua, ub)
	res := UTest{U: ub}
	if min(na, nb) <= 8 && max(na, nb) <= 1000 && ties == 0 {
		res.Exact = true
		res.P = min(1, 2*uUpperTail(int(big), na, nb))
		return res, nil
	}
	n := float64(na + nb)
	mu := float64(na*nb) / 2
	s := math.Sqrt(float64(na*nb) / 12 * ((n + 1) - ties/(n*(n-1))))
	if s == 0 {
		res.P = 1
		return res, nil
	}
	z := (big - mu - 0.5) / s
	res.P = min(1, 2*distuv.UnitNormal.Survival(z))
	return res, nil
}

// rank returns the ranks (1-based, ties averaged) of a followed by b in
// their concatenation, and the tie term Σ(t³ - t) over groups of t equal
// values.
func rank(a, b []float64) (ranks []float64, tieTerm float64) {
	n := len(a) + len(b)
	idx := make([]int, n)
	val := func(i int) float64 {
		if i < len(a) {
			return a[i]
		}
		return b[i-len(a)]
	}
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		vi, vj := val(i), val(j)
		switch {
		case vi < vj:
			return -1
		case vi > vj:
			return 1
		}
		return 0
	})
	ranks = make([]float64, n)
	for i := 0; i < n; {
		j := i + 1
		for j < n && val(idx[j]) == val(idx[i]) {
			j++
		}
		r := float64(i+j+1) / 2 // mean of ranks i+1 .. j
		for k := i; k < j; k++ {
			ranks[idx[k]] = r
		}
		t := float64(j - i)
		tieTerm += t*t*t - t
		i = j
	}
	return ranks, tieTerm
}

// uUpperTail is P(U >= u) for the Mann-Whitney statistic of samples of m
// and n values without ties. It builds the distribution by the recurrence
// on the largest value of the pooled sample: it belongs to the first
// sample with probability i/(i+j) and then beats all j values of the
// second, so
//
//	P(i, j, k) = i/(i+j) P(i-1, j, k-j) + j/(i+j) P(i, j-1, k),
//
// summing probabilities, never counts, so nothing overflows.
func uUpperTail(u, m, n int) float64 {
	if m > n {
		m, n = n, m // the distribution is symmetric in the two sizes
	}
	// prev[i] is P(i, j-1, ·), cur[i] is P(i, j, ·), for i = 0..m; both
	// layers reuse buffers of the final length.
	prev := make([][]float64, m+1)
	cur := make([][]float64, m+1)
	for i := range prev {
		prev[i] = make([]float64, 1, m*n+1)
		prev[i][0] = 1 // j = 0: U is 0
		cur[i] = make([]float64, 1, m*n+1)
		cur[i][0] = 1
	}
	for j := 1; j <= n; j++ {
		for i := 1; i <= m; i++ {
			d := cur[i][:i*j+1]
			clear(d)
			pi, pj := float64(i)/float64(i+j), float64(j)/float64(i+j)
			for k, p := range cur[i-1] { // the largest is from the first sample: +j
				d[k+j] += pi * p
			}
			for k, p := range prev[i] {
				d[k] += pj * p
			}
			cur[i] = d
		}
		prev, cur = cur, prev
	}
	dist := prev[m]
	var tail float64
	for k := len(dist) - 1; k >= u && k >= 0; k-- {
		tail += dist[k]
	}
	return tail
}

// CohensD is the standardised difference of means, (mean(b) - mean(a)) /
// pooled standard deviation: about 0.2 is small, 0.5 medium, 0.8 large. It
// is NaN when the pooled standard deviation is zero or undefined.
func CohensD(a, b []float64) float64 {
	na, nb := len(a), len(b)
	if na+nb < 3 || na == 0 || nb == 0 {
		return math.NaN()
	}
	ma, sa := meanAndStdDev(a)
	mb, sb := meanAndStdDev(b)
	if na == 1 {
		sa = 0
	}
	if nb == 1 {
		sb = 0
	}
	pooled := math.Sqrt((float64(na-1)*sa*sa + float64(nb-1)*sb*sb) / float64(na+nb-2))
	if pooled == 0 {
		return math.NaN()
	}
	return (mb - ma) / pooled
}

// CliffsDelta is P(b > a) - P(b < a) over all pairs: from -1 (every b
// below every a) to 1, robust to outliers and to the shape of either
// distribution. |δ| below 0.147 is negligible, below 0.33 small, below
// 0.474 medium, large above (Romano et al., 2006).
func CliffsDelta(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN()
	}
	ranks, _ := rank(a, b)
	var rb float64
	for _, r := range ranks[len(a):] {
		rb += r
	}
	ub := rb - float64(len(b)*(len(b)+1))/2
	return 2*ub/float64(len(a)*len(b)) - 1
}

// RelativeChange is mean(b)/mean(a) - 1 with its confidence interval by
// Fieller's theorem for the ratio of two independent means (t quantile at
// the Welch-Satterthwaite degrees of freedom). The interval is unbounded
// (±Inf) when A's mean is not clearly away from zero at this level, and
// the change is NaN when A's mean is zero.
func RelativeChange(a, b []float64, level float64) (change float64, ci Interval, err error) {
	ci = Interval{Level: level, Lo: math.NaN(), Hi: math.NaN()}
	if err := checkLevel(level); err != nil {
		return math.NaN(), ci, err
	}
	if len(a) < 2 || len(b) < 2 {
		return math.NaN(), ci, fmt.Errorf("relative change: %w (%d and %d, need 2 each)", ErrTooFew, len(a), len(b))
	}
	ma, sa := meanAndStdDev(a)
	mb, sb := meanAndStdDev(b)
	if ma == 0 {
		return math.NaN(), ci, fmt.Errorf("relative change: mean of A is zero")
	}
	change = mb/ma - 1
	va, vb := sa*sa/float64(len(a)), sb*sb/float64(len(b))
	if va+vb == 0 {
		ci.Lo, ci.Hi = change, change
		return change, ci, nil
	}
	t := tQuantile(welchDF(va, vb, len(a), len(b)), 1-(1-level)/2)
	t2 := t * t
	// (mb - r·ma)² <= t² (vb + r² va), a quadratic in r.
	qa := ma*ma - t2*va
	if qa <= 0 {
		ci.Lo, ci.Hi = math.Inf(-1), math.Inf(1)
		return change, ci, nil
	}
	disc := t2 * (ma*ma*vb + mb*mb*va - t2*va*vb)
	root := math.Sqrt(max(disc, 0))
	lo, hi := (ma*mb-root)/qa, (ma*mb+root)/qa
	ci.Lo, ci.Hi = lo-1, hi-1
	return change, ci, nil
}

// WelchPower is the probability that a two-sided Welch t-test at level
// alpha detects a true difference of means delta, given the standard
// deviations and sizes of the two samples: the noncentral t distribution at
// the Welch-Satterthwaite degrees of freedom.
func WelchPower(delta, sa, sb float64, na, nb int, alpha float64) float64 {
	if na < 2 || nb < 2 {
		return math.NaN()
	}
	va, vb := sa*sa/float64(na), sb*sb/float64(nb)
	se := math.Sqrt(va + vb)
	if se == 0 {
		if delta != 0 {
			return 1
		}
		return alpha
	}
	df := welchDF(va, vb, na, nb)
	tc := tQuantile(df, 1-alpha/2)
	ncp := math.Abs(delta) / se
	nct := distuv.NoncentralT{Nu: df, Mu: ncp}
	// The lower tail P(T < -tc) is below P(T < 0) = Φ(-ncp), nothing once
	// ncp passes 8; and Gonum's AS 243 goes wrong there for large ncp (it
	// returns 1 beyond about 40), so it is only asked where it matters.
	lower := 0.0
	if ncp < 8 {
		lower = nct.CDF(-tc)
	}
	return min(1, max(0, 1-nct.CDF(tc)+lower))
}

// DetectableDelta is the smallest true difference of means that a Welch
// t-test at level alpha detects with the given power, for samples like the
// two described: the "minimum detectable effect".
func DetectableDelta(sa, sb float64, na, nb int, alpha, power float64) float64 {
	if na < 2 || nb < 2 {
		return math.NaN()
	}
	se := math.Sqrt(sa*sa/float64(na) + sb*sb/float64(nb))
	if se == 0 {
		return 0
	}
	lo, hi := 0.0, se
	for WelchPower(hi, sa, sb, na, nb, alpha) < power {
		lo, hi = hi, 2*hi
		if hi > 1e6*se {
			return math.Inf(1)
		}
	}
	for range 60 {
		mid := (lo + hi) / 2
		if WelchPower(mid, sa, sb, na, nb, alpha) < power {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// SampleSizeFor is the smallest number of values per sample, up to max, at
// which a Welch t-test at level alpha detects a difference delta with the
// given power, if both samples had standard deviations sa and sb. It
// returns max+1 when even max is not enough.
func SampleSizeFor(delta, sa, sb float64, alpha, power float64, max int) int {
	enough := func(n int) bool { return WelchPower(delta, sa, sb, n, n, alpha) >= power }
	if enough(2) {
		return 2
	}
	if !enough(max) {
		return max + 1
	}
	lo, hi := 2, max // !enough(lo), enough(hi)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if enough(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}
