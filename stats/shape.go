package stats

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// centralMoments returns the population central moments m2, m3, m4 of xs,
// computed on xs scaled by a power of two so that huge values cannot
// overflow; the ratios Skewness and ExcessKurtosis need are scale-free, so
// the moments are returned scaled.
func centralMoments(xs []float64) (m2, m3, m4 float64) {
	scale := scaleOf(xs)
	inv := 1 / scale
	var sum float64
	for _, x := range xs {
		sum += x * inv
	}
	mean := sum / float64(len(xs))
	for _, x := range xs {
		d := x*inv - mean
		d2 := d * d
		m2 += d2
		m3 += d2 * d
		m4 += d2 * d2
	}
	n := float64(len(xs))
	return m2 / n, m3 / n, m4 / n
}

// Skewness is the adjusted Fisher-Pearson sample skewness G1 of xs (what
// SciPy's skew(bias=False), Excel's SKEW and SAS report): positive when the
// right tail is longer. It is NaN for fewer than three values or no spread.
func Skewness(xs []float64) float64 {
	n := float64(len(xs))
	if len(xs) < 3 {
		return math.NaN()
	}
	m2, m3, _ := centralMoments(xs)
	if m2 == 0 {
		return math.NaN()
	}
	g1 := m3 / math.Pow(m2, 1.5)
	return g1 * math.Sqrt(n*(n-1)) / (n - 2)
}

// ExcessKurtosis is the adjusted sample excess kurtosis G2 of xs (SciPy's
// kurtosis(bias=False), Excel's KURT): 0 for a normal distribution,
// positive for heavier tails. It is NaN for fewer than four values or no
// spread.
func ExcessKurtosis(xs []float64) float64 {
	n := float64(len(xs))
	if len(xs) < 4 {
		return math.NaN()
	}
	m2, _, m4 := centralMoments(xs)
	if m2 == 0 {
		return math.NaN()
	}
	g2 := m4/(m2*m2) - 3
	return ((n+1)*g2 + 6) * (n - 1) / ((n - 2) * (n - 3))
}

// A NormalityTest is the outcome of a test of the hypothesis that a sample
// comes from a normal distribution: a small P is evidence that it does not.
type NormalityTest struct {
	Method    string  // "shapiro-wilk" or "dagostino-pearson"
	Statistic float64 // W, or K² for D'Agostino-Pearson
	P         float64
}

// Normality tests xs for normality with Shapiro-Wilk when 3 <= n <= 5000
// (it has the most power for the small samples benchmarks produce) and with
// D'Agostino-Pearson above.
func Normality(xs []float64) (NormalityTest, error) {
	if len(xs) > 5000 {
		return DAgostinoPearson(xs)
	}
	return ShapiroWilk(xs)
}

// ShapiroWilk is the Shapiro-Wilk test of xs (3 to 5000 finite values, not
// all equal), with the coefficients and p-value approximation of Royston,
// "Remark AS R94", Applied Statistics 44(4), 1995; the p-value is exact for
// n = 3.
func ShapiroWilk(xs []float64) (NormalityTest, error) {
	n := len(xs)
	res := NormalityTest{Method: "shapiro-wilk", Statistic: math.NaN(), P: math.NaN()}
	if n < 3 {
		return res, fmt.Errorf("shapiro-wilk: %w (%d, need 3)", ErrTooFew, n)
	}
	if n > 5000 {
		return res, fmt.Errorf("shapiro-wilk: %d values, at most 5000", n)
	}
	x := slices.Clone(xs)
	slices.Sort(x)
	rng := x[n-1] - x[0]
	if !(rng > 0) {
		return res, fmt.Errorf("shapiro-wilk: %w", ErrConstant)
	}

	// Coefficients for the upper half, largest value first: a[0] weights
	// x[n-1] - x[0], a[1] weights x[n-2] - x[1], and so on.
	half := n / 2
	a := make([]float64, half)
	if n == 3 {
		a[0] = math.Sqrt(0.5)
	} else {
		norm := distuv.UnitNormal
		m := make([]float64, half) // expected normal order statistics, upper half
		var mm float64
		for i := range m {
			m[i] = -norm.Quantile((float64(i+1) - 0.375) / (float64(n) + 0.25))
			mm += m[i] * m[i]
		}
		mm *= 2
		u := 1 / math.Sqrt(float64(n))
		a[0] = m[0]/math.Sqrt(mm) + poly(u, 0, 0.221157, -0.147981, -2.071190, 4.434685, -2.706056)
		first := 1
		phi := (mm - 2*m[0]*m[0]) / (1 - 2*a[0]*a[0])
		if n > 5 {
			a[1] = m[1]/math.Sqrt(mm) + poly(u, 0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633)
			first = 2
			phi = (mm - 2*m[0]*m[0] - 2*m[1]*m[1]) / (1 - 2*a[0]*a[0] - 2*a[1]*a[1])
		}
		for i := first; i < half; i++ {
			a[i] = m[i] / math.Sqrt(phi)
		}
	}

	// W is the squared correlation of the ordered sample with the
	// coefficients (which sum to 0 and square-sum to 1); 1-W is computed
	// directly to keep its precision when W is near 1.
	coef := func(i int) float64 { // coefficient of x[i]
		switch {
		case i < half:
			return -a[i]
		case n%2 == 1 && i == half:
			return 0
		default:
			return a[n-1-i]
		}
	}
	var xbar float64
	for _, v := range x {
		xbar += v / rng
	}
	xbar /= float64(n)
	var ssa, ssx, sax float64
	for i, v := range x {
		c := coef(i)
		d := v/rng - xbar
		ssa += c * c
		ssx += d * d
		sax += c * d
	}
	r := math.Sqrt(ssa * ssx)
	w1 := (r - sax) * (r + sax) / (ssa * ssx)
	res.Statistic = 1 - w1

	switch {
	case n == 3:
		p := 6 / math.Pi * (math.Asin(math.Sqrt(res.Statistic)) - math.Asin(math.Sqrt(0.75)))
		res.P = max(p, 0)
		return res, nil
	case n <= 11:
		fn := float64(n)
		gamma := poly(fn, -2.273, 0.459)
		y := math.Log(w1)
		if y >= gamma {
			res.P = 0 // beyond the range of the approximation: W is tiny
			return res, nil
		}
		y = -math.Log(gamma - y)
		mu := poly(fn, 0.5440, -0.39978, 0.025054, -0.0006714)
		sigma := math.Exp(poly(fn, 1.3822, -0.77857, 0.062767, -0.0020322))
		res.P = distuv.UnitNormal.Survival((y - mu) / sigma)
	default:
		ln := math.Log(float64(n))
		mu := poly(ln, -1.5861, -0.31082, -0.083751, 0.0038915)
		sigma := math.Exp(poly(ln, -0.4803, -0.082676, 0.0030302))
		res.P = distuv.UnitNormal.Survival((math.Log(w1) - mu) / sigma)
	}
	return res, nil
}

// poly evaluates c[0] + c[1] x + c[2] x² + ... by Horner's rule.
func poly(x float64, c ...float64) float64 {
	var p float64
	for i := len(c) - 1; i >= 0; i-- {
		p = p*x + c[i]
	}
	return p
}

// DAgostinoPearson is D'Agostino and Pearson's omnibus test of xs (at least
// 8 finite values, not all equal): K² = Zs² + Zk², the squared normal
// transforms of the sample skewness (D'Agostino 1970) and kurtosis
// (Anscombe and Glynn 1983), χ² with 2 degrees of freedom. The kurtosis
// transform is rough below 20 values.
func DAgostinoPearson(xs []float64) (NormalityTest, error) {
	n := float64(len(xs))
	res := NormalityTest{Method: "dagostino-pearson", Statistic: math.NaN(), P: math.NaN()}
	if len(xs) < 8 {
		return res, fmt.Errorf("dagostino-pearson: %w (%d, need 8)", ErrTooFew, len(xs))
	}
	m2, m3, m4 := centralMoments(xs)
	if m2 == 0 {
		return res, fmt.Errorf("dagostino-pearson: %w", ErrConstant)
	}
	// Skewness test.
	b1 := m3 / math.Pow(m2, 1.5)
	y := b1 * math.Sqrt((n+1)*(n+3)/(6*(n-2)))
	beta2 := 3 * (n*n + 27*n - 70) * (n + 1) * (n + 3) / ((n - 2) * (n + 5) * (n + 7) * (n + 9))
	w2 := -1 + math.Sqrt(2*(beta2-1))
	delta := 1 / math.Sqrt(0.5*math.Log(w2))
	alpha := math.Sqrt(2 / (w2 - 1))
	if y == 0 {
		y = 1 // as SciPy: keeps the transform defined; Zs is then tiny
	}
	zs := delta * math.Asinh(y/alpha)

	// Kurtosis test.
	b2 := m4 / (m2 * m2)
	e := 3 * (n - 1) / (n + 1)
	varb2 := 24 * n * (n - 2) * (n - 3) / ((n + 1) * (n + 1) * (n + 3) * (n + 5))
	xk := (b2 - e) / math.Sqrt(varb2)
	sqrtBeta1 := 6 * (n*n - 5*n + 2) / ((n + 7) * (n + 9)) * math.Sqrt(6*(n+3)*(n+5)/(n*(n-2)*(n-3)))
	A := 6 + 8/sqrtBeta1*(2/sqrtBeta1+math.Sqrt(1+4/(sqrtBeta1*sqrtBeta1)))
	term1 := 1 - 2/(9*A)
	denom := 1 + xk*math.Sqrt(2/(A-4))
	if denom == 0 {
		return res, fmt.Errorf("dagostino-pearson: kurtosis transform undefined for this sample")
	}
	term2 := math.Copysign(math.Cbrt((1-2/A)/math.Abs(denom)), denom)
	zk := (term1 - term2) / math.Sqrt(2/(9*A))

	res.Statistic = zs*zs + zk*zk
	res.P = math.Exp(-res.Statistic / 2) // χ²(2) survival
	return res, nil
}
