package stats

import (
	"fmt"
	"math"
)

// A Trend is the least-squares line through a series of values taken at
// equal steps (interval samples of a run, or runs in order), and whether
// its slope is distinguishable from zero.
type Trend struct {
	N         int
	Slope     float64 // change per step
	Intercept float64 // fitted value at step 0
	R         float64 // correlation of value with step
	P         float64 // two-sided p-value of slope = 0 (t with n-2 degrees of freedom)
	// Drift is the fitted change from the first to the last step relative
	// to the series mean: Slope·(n-1)/mean. NaN when the mean is zero.
	Drift float64
	CV    float64 // coefficient of variation of the values
}

// Stable reports whether the series shows no drift that matters: either
// the slope is not significant at level alpha or the fitted drift is
// within maxDrift (a fraction, 0.05 = 5%) of the mean.
func (t Trend) Stable(alpha, maxDrift float64) bool {
	return !(t.P < alpha) || !(math.Abs(t.Drift) > maxDrift)
}

// LinearTrend fits ys (finite values, at least three) against their
// positions 0, 1, 2, ...
func LinearTrend(ys []float64) (Trend, error) {
	n := len(ys)
	nan := math.NaN()
	tr := Trend{N: n, Slope: nan, Intercept: nan, R: nan, P: nan, Drift: nan, CV: nan}
	if n < 3 {
		return tr, fmt.Errorf("trend: %w (%d, need 3)", ErrTooFew, n)
	}
	mean, sd := meanAndStdDev(ys)
	if mean != 0 {
		tr.CV = sd / math.Abs(mean)
	}
	xbar := float64(n-1) / 2
	var sxx, sxy, syy float64
	for i, y := range ys {
		dx, dy := float64(i)-xbar, y-mean
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	tr.Slope = sxy / sxx
	tr.Intercept = mean - tr.Slope*xbar
	if mean != 0 {
		tr.Drift = tr.Slope * float64(n-1) / mean
	}
	if syy == 0 {
		tr.R, tr.P = 0, 1 // a flat series has no trend
		return tr, nil
	}
	tr.R = sxy / math.Sqrt(sxx*syy)
	r2 := min(tr.R*tr.R, 1)
	if r2 == 1 {
		tr.P = 0
		return tr, nil
	}
	df := float64(n - 2)
	t := tr.R * math.Sqrt(df/(1-r2))
	tr.P = 2 * studentsT(df).Survival(math.Abs(t))
	return tr, nil
}
