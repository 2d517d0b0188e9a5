package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// An Interval is a confidence interval [Lo, Hi] at confidence Level (0..1).
// Lo or Hi may be infinite when the data cannot bound that side.
type Interval struct {
	Level float64
	Lo    float64
	Hi    float64
}

// Contains reports whether x lies in the interval.
func (iv Interval) Contains(x float64) bool { return iv.Lo <= x && x <= iv.Hi }

// ErrTooFew is returned when a sample is too small for the method asked.
var ErrTooFew = errors.New("too few values")

// ErrConstant is returned by methods that need a sample whose values are
// not all equal.
var ErrConstant = errors.New("all values are equal")

func checkLevel(level float64) error {
	if !(level > 0 && level < 1) {
		return fmt.Errorf("confidence level %v: want a fraction between 0 and 1", level)
	}
	return nil
}

// MeanInterval is the Student-t confidence interval of the mean of xs:
// mean ± t(1-(1-level)/2, n-1) · s/√n. It assumes the mean is roughly
// normally distributed, which holds for a few dozen values of most
// distributions and for fewer of near-normal ones. xs must hold finite
// values; at least two are needed.
func MeanInterval(xs []float64, level float64) (Interval, error) {
	if err := checkLevel(level); err != nil {
		return Interval{}, err
	}
	n := len(xs)
	if n < 2 {
		return Interval{}, fmt.Errorf("confidence interval of the mean: %w (%d, need 2)", ErrTooFew, n)
	}
	mean, sd := meanAndStdDev(xs)
	t := tQuantile(float64(n-1), 1-(1-level)/2)
	half := t * sd / math.Sqrt(float64(n))
	return Interval{Level: level, Lo: mean - half, Hi: mean + half}, nil
}

func studentsT(df float64) distuv.StudentsT {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
}

// tQuantile is the p-quantile of Student's t with df degrees of freedom.
// Gonum's inverse is good to about 1e-9; a few Newton steps on its CDF
// (accurate to near machine precision) bring it to full precision, so that
// intervals agree with other implementations to 12 digits.
func tQuantile(df, p float64) float64 {
	d := studentsT(df)
	x := d.Quantile(p)
	for range 3 {
		f := d.Prob(x)
		if !(f > 0) || math.IsInf(x, 0) {
			break
		}
		step := (d.CDF(x) - p) / f
		x -= step
		if math.Abs(step) <= 1e-15*math.Abs(x) {
			break
		}
	}
	return x
}
