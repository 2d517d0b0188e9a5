package stats

import (
	"fmt"
	"math"
)

// A Direction says which way a metric improves.
type Direction int

// The directions. Throughput and transaction rate are HigherIsBetter,
// latency is LowerIsBetter; plain numbers of unknown meaning are
// UnknownDirection, and their verdicts say only higher or lower.
const (
	UnknownDirection Direction = iota
	HigherIsBetter
	LowerIsBetter
)

// String is "higher is better", "lower is better" or "unknown".
func (d Direction) String() string {
	switch d {
	case HigherIsBetter:
		return "higher is better"
	case LowerIsBetter:
		return "lower is better"
	}
	return "unknown"
}

// A Verdict is Compare's answer: did B change from A, and for the better?
type Verdict string

// The verdicts. Higher and Lower replace Better and Worse when the
// direction of the metric is unknown.
const (
	Better       Verdict = "better"
	Worse        Verdict = "worse"
	NoDifference Verdict = "no significant difference"
	Higher       Verdict = "higher"
	Lower        Verdict = "lower"
)

// The tests Compare can decide with.
const (
	TestAuto        = "auto"         // Welch, or Mann-Whitney when either sample is not normal
	TestWelch       = "welch"        // Welch's t-test on the means
	TestMannWhitney = "mann-whitney" // Mann-Whitney U on the ranks
)

// CompareOptions configures Compare.
type CompareOptions struct {
	Direction Direction
	// Alpha is the significance level: a p-value below it is a change.
	Alpha float64
	// Threshold is the smallest relative change of the mean that counts
	// (0.05 = 5%); a significant change below it is no difference.
	Threshold float64
	// DetectChange is the relative change the power analysis asks about;
	// Threshold when zero, and 5% when both are.
	DetectChange float64
	// Level is the confidence level of the relative change's interval.
	Level float64
	// Test picks the test that decides: TestAuto (the default when
	// empty), TestWelch or TestMannWhitney.
	Test string
}

// DefaultCompareOptions are the usual settings: α = 0.05, 95% intervals,
// any significant change counts, the test picked automatically.
var DefaultCompareOptions = CompareOptions{Alpha: 0.05, Level: 0.95, Test: TestAuto}

// A Comparison is everything Compare found about B against A.
type Comparison struct {
	A, B        Summary
	Welch       TTest
	MannWhitney UTest
	CohensD     float64
	CliffsDelta float64
	// Change is mean(B)/mean(A) - 1, with its interval by Fieller's theorem.
	Change   float64
	ChangeCI Interval
	// Power is the probability that samples like these detect a true
	// relative change of PowerChange (Welch, at Alpha). DetectableChange is
	// the relative change they detect with 80% power, and RunsNeeded the
	// values per sample that would detect PowerChange with 80% power (0 when
	// the samples cannot tell; above 10,000 it says 10,001).
	PowerChange      float64
	Power            float64
	DetectableChange float64
	RunsNeeded       int
	// NormalA and NormalB are the Shapiro-Wilk tests used to pick the test
	// (their P is NaN when a sample could not be tested).
	NormalA, NormalB NormalityTest
	Test             string  // the test that decided: TestWelch or TestMannWhitney
	P                float64 // its p-value
	Verdict          Verdict
	// Notes explain the verdict and warn about what limits it, one
	// sentence each.
	Notes []string
}

// Compare compares sample b against sample a (NaN and Inf are left out and
// counted in the summaries) and gives a verdict. The deciding test is
// Welch's t-test unless opt.Test says otherwise or, with TestAuto, either
// sample of at least three values fails a Shapiro-Wilk test at Alpha, when
// the Mann-Whitney U test decides instead. The direction of a change is the
// sign of the mean difference for Welch and of Cliff's delta for
// Mann-Whitney; its size is compared with Threshold as the relative change
// of the means.
func Compare(a, b []float64, opt CompareOptions) (Comparison, error) {
	if opt.Test == "" {
		opt.Test = TestAuto
	}
	switch opt.Test {
	case TestAuto, TestWelch, TestMannWhitney:
	default:
		return Comparison{}, fmt.Errorf("compare: unknown test %q: want auto, welch or mann-whitney", opt.Test)
	}
	if !(opt.Alpha > 0 && opt.Alpha < 1) {
		return Comparison{}, fmt.Errorf("compare: alpha %v: want a fraction between 0 and 1", opt.Alpha)
	}
	if err := checkLevel(opt.Level); err != nil {
		return Comparison{}, fmt.Errorf("compare: %w", err)
	}
	if opt.Threshold < 0 {
		return Comparison{}, fmt.Errorf("compare: negative threshold %v", opt.Threshold)
	}
	a, _, _, _ = Finite(a)
	b, _, _, _ = Finite(b)
	nan := math.NaN()
	c := Comparison{
		Welch: TTest{T: nan, DF: nan, P: nan}, MannWhitney: UTest{U: nan, P: nan},
		CohensD: CohensD(a, b), CliffsDelta: CliffsDelta(a, b),
		Change: nan, ChangeCI: Interval{Level: opt.Level, Lo: nan, Hi: nan},
		Power: nan, DetectableChange: nan, P: nan, Verdict: NoDifference,
		NormalA: NormalityTest{P: nan, Statistic: nan}, NormalB: NormalityTest{P: nan, Statistic: nan},
	}
	c.A = Summarize(a)
	c.B = Summarize(b)
	if len(a) < 2 || len(b) < 2 {
		c.Notes = append(c.Notes, fmt.Sprintf("too few values to compare (%d and %d; need at least 2 each, better 5 or more)", len(a), len(b)))
		if len(a) > 0 && len(b) > 0 && c.A.Mean != 0 {
			c.Change = c.B.Mean/c.A.Mean - 1
		}
		return c, nil
	}
	c.Welch, _ = WelchTTest(a, b)
	c.MannWhitney, _ = MannWhitneyU(a, b)
	c.Change, c.ChangeCI, _ = RelativeChange(a, b, opt.Level)

	c.Test = opt.Test
	if opt.Test == TestAuto {
		c.Test = TestWelch
		c.NormalA, _ = ShapiroWilk(a)
		c.NormalB, _ = ShapiroWilk(b)
		for _, side := range []struct {
			name string
			t    NormalityTest
		}{{"A", c.NormalA}, {"B", c.NormalB}} {
			if side.t.P < opt.Alpha {
				c.Test = TestMannWhitney
				c.Notes = append(c.Notes, fmt.Sprintf("%s does not look normal (Shapiro-Wilk p=%.3g): decided by Mann-Whitney U", side.name, side.t.P))
			}
		}
	}
	sign := math.Copysign(1, c.B.Mean-c.A.Mean)
	c.P = c.Welch.P
	if c.Test == TestMannWhitney {
		c.P = c.MannWhitney.P
		sign = math.Copysign(1, c.CliffsDelta)
		// The smallest two-sided p the ranks of m and n values can give is
		// 2/C(m+n, m), whatever the data.
		if minP := 2 / math.Exp(lchoose(c.A.N+c.B.N, c.A.N)); minP >= opt.Alpha {
			c.Notes = append(c.Notes, fmt.Sprintf("with %d and %d values Mann-Whitney cannot reach p<%g (its smallest p is %.3g)",
				c.A.N, c.B.N, opt.Alpha, minP))
		}
	}

	c.power(opt)

	switch {
	case !(c.P < opt.Alpha):
		c.Verdict = NoDifference
	case math.Abs(c.Change) < opt.Threshold:
		c.Verdict = NoDifference
		c.Notes = append(c.Notes, fmt.Sprintf("the change of %+.2f%% is significant (p=%.3g) but below the %.3g%% threshold",
			100*c.Change, c.P, 100*opt.Threshold))
	case opt.Direction == HigherIsBetter && sign > 0, opt.Direction == LowerIsBetter && sign < 0:
		c.Verdict = Better
	case opt.Direction == HigherIsBetter, opt.Direction == LowerIsBetter:
		c.Verdict = Worse
	case sign > 0:
		c.Verdict = Higher
	default:
		c.Verdict = Lower
	}
	return c, nil
}

// power fills in the power analysis and warns when the samples are too
// small to see the change asked about.
func (c *Comparison) power(opt CompareOptions) {
	c.PowerChange = opt.DetectChange
	if c.PowerChange == 0 {
		c.PowerChange = opt.Threshold
	}
	if c.PowerChange == 0 {
		c.PowerChange = 0.05
	}
	if c.A.Mean == 0 || math.IsNaN(c.A.Mean) {
		return
	}
	ref := math.Abs(c.A.Mean)
	delta := c.PowerChange * ref
	const want = 0.8
	c.Power = WelchPower(delta, c.A.StdDev, c.B.StdDev, c.A.N, c.B.N, opt.Alpha)
	c.DetectableChange = DetectableDelta(c.A.StdDev, c.B.StdDev, c.A.N, c.B.N, opt.Alpha, want) / ref
	if c.Power >= want {
		return
	}
	c.RunsNeeded = SampleSizeFor(delta, c.A.StdDev, c.B.StdDev, opt.Alpha, want, 10000)
	need := fmt.Sprintf("about %d per side would", c.RunsNeeded)
	if c.RunsNeeded > 10000 {
		need = "more than 10000 per side would"
	}
	c.Notes = append(c.Notes, fmt.Sprintf("low power: with %d and %d values a %.3g%% change is detected with probability %.0f%% (80%% needs a change of %.3g%%); %s reach 80%%",
		c.A.N, c.B.N, 100*c.PowerChange, 100*c.Power, 100*c.DetectableChange, need))
}

// lchoose is log C(n, k).
func lchoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}
