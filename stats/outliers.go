package stats

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// An OutlierRule is one way of calling a value an outlier. Rules combine
// as bit flags: an Outlier carries every rule that flagged it.
type OutlierRule uint8

// The outlier rules. The IQR fences are Tukey's; the Z-score rules use the
// sample mean and standard deviation (n-1), which the outliers themselves
// inflate, so they miss outliers in small samples (no |z| can exceed
// (n-1)/√n); the modified Z-score of Iglewicz and Hoaglin, 0.6745·(x -
// median)/MAD with the raw median absolute deviation, does not share that
// weakness.
const (
	IQRMild     OutlierRule = 1 << iota // outside [Q1 - 1.5 IQR, Q3 + 1.5 IQR]
	IQRExtreme                          // outside [Q1 - 3 IQR, Q3 + 3 IQR]
	ZScore2                             // |x - mean| > 2 sd
	ZScore3                             // |x - mean| > 3 sd
	ModifiedZ35                         // |0.6745 (x - median) / MAD| > 3.5
)

var ruleNames = []struct {
	rule OutlierRule
	name string
}{
	{IQRMild, "iqr1.5"}, {IQRExtreme, "iqr3"}, {ZScore2, "z2"}, {ZScore3, "z3"}, {ModifiedZ35, "mad"},
}

// String lists the rules' names, comma-separated: "iqr1.5,z2".
func (r OutlierRule) String() string {
	var names []string
	for _, rn := range ruleNames {
		if r&rn.rule != 0 {
			names = append(names, rn.name)
		}
	}
	return strings.Join(names, ",")
}

// ParseOutlierRule accepts a rule's name: iqr1.5, iqr3, z2, z3 or mad.
func ParseOutlierRule(s string) (OutlierRule, error) {
	for _, rn := range ruleNames {
		if strings.EqualFold(s, rn.name) {
			return rn.rule, nil
		}
	}
	return 0, fmt.Errorf("outlier rule %q: want iqr1.5, iqr3, z2, z3 or mad", s)
}

// An Outlier is one value some rule flagged.
type Outlier struct {
	Index int     // position in the sample
	Value float64 //
	Rules OutlierRule
	Z     float64 // (x - mean) / sd
	// ModZ is 0.6745 (x - median) / MAD; NaN when the MAD is zero.
	ModZ float64
}

// Outliers is what every rule found in one sample, with the fences used.
type Outliers struct {
	Q1, Q3, IQR             float64
	MildLow, MildHigh       float64 // Tukey's inner fences, 1.5 IQR
	ExtremeLow, ExtremeHigh float64 // outer fences, 3 IQR
	Mean, StdDev            float64
	Median                  float64
	MAD                     float64 // raw median absolute deviation
	Found                   []Outlier
}

// Count is the number of values rule flagged.
func (o Outliers) Count(rule OutlierRule) int {
	n := 0
	for _, f := range o.Found {
		if f.Rules&rule != 0 {
			n++
		}
	}
	return n
}

// Keep returns the values of xs that rule did not flag, in order. xs must be
// the sample FindOutliers was given.
func (o Outliers) Keep(xs []float64, rule OutlierRule) []float64 {
	drop := make(map[int]bool)
	for _, f := range o.Found {
		if f.Rules&rule != 0 {
			drop[f.Index] = true
		}
	}
	out := make([]float64, 0, len(xs)-len(drop))
	for i, x := range xs {
		if !drop[i] {
			out = append(out, x)
		}
	}
	return out
}

// FindOutliers applies every rule to xs (finite values). Rules that the
// sample cannot support flag nothing: the Z-scores below two values or with
// zero spread, the modified Z-score when the MAD is zero (more than half
// the values equal).
func FindOutliers(xs []float64) Outliers {
	nan := math.NaN()
	o := Outliers{Q1: nan, Q3: nan, IQR: nan, MildLow: nan, MildHigh: nan, ExtremeLow: nan,
		ExtremeHigh: nan, Mean: nan, StdDev: nan, Median: nan, MAD: nan}
	if len(xs) == 0 {
		return o
	}
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	o.Q1, o.Median, o.Q3 = Quantile(sorted, 0.25), Quantile(sorted, 0.5), Quantile(sorted, 0.75)
	o.IQR = o.Q3 - o.Q1
	o.MildLow, o.MildHigh = o.Q1-1.5*o.IQR, o.Q3+1.5*o.IQR
	o.ExtremeLow, o.ExtremeHigh = o.Q1-3*o.IQR, o.Q3+3*o.IQR
	o.Mean, o.StdDev = meanAndStdDev(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - o.Median)
	}
	o.MAD = Median(dev)

	for i, x := range xs {
		f := Outlier{Index: i, Value: x, Z: nan, ModZ: nan}
		if x < o.MildLow || x > o.MildHigh {
			f.Rules |= IQRMild
		}
		if x < o.ExtremeLow || x > o.ExtremeHigh {
			f.Rules |= IQRExtreme
		}
		if o.StdDev > 0 {
			f.Z = (x - o.Mean) / o.StdDev
			if math.Abs(f.Z) > 2 {
				f.Rules |= ZScore2
			}
			if math.Abs(f.Z) > 3 {
				f.Rules |= ZScore3
			}
		}
		if o.MAD > 0 {
			f.ModZ = 0.6745 * (x - o.Median) / o.MAD
			if math.Abs(f.ModZ) > 3.5 {
				f.Rules |= ModifiedZ35
			}
		}
		if f.Rules != 0 {
			o.Found = append(o.Found, f)
		}
	}
	return o
}
