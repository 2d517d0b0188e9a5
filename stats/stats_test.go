package stats

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestSummarizeEdges(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	big := math.MaxFloat64 / 2
	tests := []struct {
		name                  string
		xs                    []float64
		n, nans, pos, neg     int
		mean, sd, median, p90 float64
	}{
		{"empty", nil, 0, 0, 0, 0, nan, nan, nan, nan},
		{"one", []float64{7}, 1, 0, 0, 0, 7, nan, 7, 7},
		{"two", []float64{1, 3}, 2, 0, 0, 0, 2, math.Sqrt2, 2, 2.8},
		{"all equal", []float64{5, 5, 5, 5}, 4, 0, 0, 0, 5, 0, 5, 5},
		{"nan and inf left out", []float64{1, nan, 2, inf, 3, -inf, nan}, 3, 2, 1, 1, 2, 1, 2, 2.8},
		{"only nan", []float64{nan, nan}, 0, 2, 0, 0, nan, nan, nan, nan},
		{"huge", []float64{big, big, big}, 3, 0, 0, 0, big, 0, big, big},
		{"huge spread", []float64{-big, big}, 2, 0, 0, 0, 0, big * math.Sqrt2, 0, big * 0.8},
		{"tiny", []float64{1e-310, 3e-310}, 2, 0, 0, 0, 2e-310, math.Sqrt2 * 1e-310, 2e-310, 2.8e-310},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.xs)
			s := Summarize(in, 90)
			if !slices.EqualFunc(in, tc.xs, func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }) {
				t.Errorf("Summarize modified its input")
			}
			if s.N != tc.n || s.NaN != tc.nans || s.PosInf != tc.pos || s.NegInf != tc.neg {
				t.Errorf("counts n=%d nan=%d +inf=%d -inf=%d, want %d %d %d %d", s.N, s.NaN, s.PosInf, s.NegInf, tc.n, tc.nans, tc.pos, tc.neg)
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"mean", s.Mean, tc.mean}, {"sd", s.StdDev, tc.sd}, {"median", s.Median, tc.median}, {"p90", s.Percentiles[0].Value, tc.p90}} {
				if !near(c.got, c.want, 1e-12, 0) {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
				if math.IsInf(c.got, 0) {
					t.Errorf("%s is infinite", c.what)
				}
			}
		})
	}
}

// TestSelectionMatchesSort checks the selection algorithm against a full
// sort on inputs that stress it: duplicates, sorted, reversed, organ pipe.
func TestSelectionMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gens := map[string]func(n int) []float64{
		"random": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = r.NormFloat64()
			}
			return xs
		},
		"few distinct": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(r.IntN(3))
			}
			return xs
		},
		"sorted": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(i)
			}
			return xs
		},
		"reversed": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(n - i)
			}
			return xs
		},
		"organ pipe": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(min(i, n-i))
			}
			return xs
		},
	}
	qs := []float64{0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1}
	for name, gen := range gens {
		for _, n := range []int{1, 2, 3, 25, 1000, 100001} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				xs := gen(n)
				sorted := slices.Clone(xs)
				slices.Sort(sorted)
				got := Quantiles(xs, qs...)
				for i, q := range qs {
					if want := Quantile(sorted, q); got[i] != want {
						t.Errorf("q%v = %v, want %v", q, got[i], want)
					}
				}
			})
		}
	}
}

func TestMeanInterval(t *testing.T) {
	if _, err := MeanInterval([]float64{1}, 0.95); err == nil {
		t.Error("one value: no error")
	}
	if _, err := MeanInterval([]float64{1, 2}, 1.5); err == nil {
		t.Error("level 1.5: no error")
	}
	iv, err := MeanInterval([]float64{4, 4, 4}, 0.95)
	if err != nil || iv.Lo != 4 || iv.Hi != 4 {
		t.Errorf("constant sample: %+v, %v; want [4, 4]", iv, err)
	}
	// Wider at higher confidence.
	xs := []float64{9.1, 9.4, 8.8, 9.0, 9.7}
	i90, _ := MeanInterval(xs, 0.90)
	i99, _ := MeanInterval(xs, 0.99)
	if !(i99.Lo < i90.Lo && i90.Hi < i99.Hi) {
		t.Errorf("99%% %+v not wider than 90%% %+v", i99, i90)
	}
}

func TestBootstrap(t *testing.T) {
	xs := []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4}
	opt := BootstrapOptions{Level: 0.95, Resamples: 2000, Seed: 42}
	t.Run("reproducible", func(t *testing.T) {
		xs := benchSample(20)
		a, _ := BootstrapMean(xs, opt)
		b, _ := BootstrapMean(xs, opt)
		if a != b {
			t.Errorf("same seed, different results: %+v, %+v", a, b)
		}
		opt2 := opt
		opt2.Seed++
		c, _ := BootstrapMean(xs, opt2)
		if c.Percentile == a.Percentile {
			t.Errorf("different seeds, same interval %+v", a.Percentile)
		}
	})
	t.Run("contains estimate", func(t *testing.T) {
		for _, q := range []float64{0, 0.1, 0.5, 0.9, 1} {
			b, err := BootstrapQuantile(xs, q, opt)
			if err != nil {
				t.Fatal(err)
			}
			if b.Estimate != Quantiles(xs, q)[0] {
				t.Errorf("q%v estimate %v", q, b.Estimate)
			}
			if !b.Percentile.Contains(b.Estimate) {
				t.Errorf("q%v: percentile interval %+v misses the estimate %v", q, b.Percentile, b.Estimate)
			}
		}
	})
	t.Run("too few", func(t *testing.T) {
		if _, err := BootstrapMean([]float64{1}, opt); err == nil {
			t.Error("one value: no error")
		}
		if _, err := BootstrapMean(xs, BootstrapOptions{Level: 0.95, Resamples: 1}); err == nil {
			t.Error("one resample: no error")
		}
	})
	t.Run("all equal", func(t *testing.T) {
		b, err := BootstrapQuantile([]float64{2, 2, 2}, 0.5, opt)
		if err != nil || b.Percentile.Lo != 2 || b.Percentile.Hi != 2 || !math.IsNaN(b.BCa.Lo) {
			t.Errorf("constant sample: %+v, %v", b, err)
		}
	})
	t.Run("huge", func(t *testing.T) {
		big := math.MaxFloat64 / 2
		b, err := BootstrapMean([]float64{big, big * 0.9, big * 0.8}, opt)
		if err != nil || math.IsInf(b.Percentile.Hi, 0) || b.Percentile.Hi > big {
			t.Errorf("huge values: %+v, %v", b, err)
		}
	})
}

func TestOutliersEdges(t *testing.T) {
	if o := FindOutliers(nil); len(o.Found) != 0 || !math.IsNaN(o.Q1) {
		t.Errorf("empty: %+v", o)
	}
	o := FindOutliers([]float64{5, 5, 5, 5, 5, 5, 9})
	// MAD and IQR are zero: the IQR fences collapse onto 5 and flag 9; the
	// modified Z-score is undefined and flags nothing.
	if o.MAD != 0 || o.Count(ModifiedZ35) != 0 || o.Count(IQRMild) != 1 {
		t.Errorf("mostly equal: %+v", o)
	}
	xs := []float64{10, 11, 10.5, 9.8, 10.2, 30}
	o = FindOutliers(xs)
	if got := o.Keep(xs, IQRMild); !slices.Equal(got, xs[:5]) {
		t.Errorf("Keep(iqr1.5) = %v", got)
	}
	for _, s := range []string{"iqr1.5", "IQR3", "z2", "z3", "mad"} {
		r, err := ParseOutlierRule(s)
		if err != nil || !strings.EqualFold(r.String(), s) {
			t.Errorf("ParseOutlierRule(%q) = %v, %v", s, r, err)
		}
	}
	if _, err := ParseOutlierRule("grubbs"); err == nil {
		t.Error("unknown rule accepted")
	}
}

func TestNormalityEdges(t *testing.T) {
	if _, err := ShapiroWilk([]float64{1, 2}); err == nil {
		t.Error("two values: no error")
	}
	if _, err := ShapiroWilk([]float64{3, 3, 3, 3}); err == nil {
		t.Error("constant: no error")
	}
	if _, err := DAgostinoPearson([]float64{1, 2, 3, 4, 5, 6, 7}); err == nil {
		t.Error("seven values: no error")
	}
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]float64, 6000)
	for i := range xs {
		xs[i] = r.NormFloat64()
	}
	if nt, err := Normality(xs); err != nil || nt.Method != "dagostino-pearson" || !(nt.P > 0.001) {
		t.Errorf("6000 normal values: %+v, %v", nt, err)
	}
	for i := range xs {
		xs[i] = r.ExpFloat64()
	}
	if nt, err := Normality(xs[:50]); err != nil || nt.Method != "shapiro-wilk" || !(nt.P < 0.01) {
		t.Errorf("50 exponential values: %+v, %v", nt, err)
	}
	if !math.IsNaN(Skewness([]float64{1, 2})) || !math.IsNaN(Skewness([]float64{1, 1, 1})) {
		t.Error("skewness of 2 or constant values is not NaN")
	}
}

func TestTestsEdges(t *testing.T) {
	if tt, err := WelchTTest([]float64{1, 1}, []float64{1, 1}); err != nil || tt.P != 1 {
		t.Errorf("equal constants: %+v, %v", tt, err)
	}
	if tt, err := WelchTTest([]float64{1, 1}, []float64{2, 2}); err != nil || tt.P != 0 || !math.IsInf(tt.T, 1) {
		t.Errorf("different constants: %+v, %v", tt, err)
	}
	if _, err := WelchTTest([]float64{1}, []float64{2, 3}); err == nil {
		t.Error("one value: no error")
	}
	if u, err := MannWhitneyU([]float64{4, 4, 4}, []float64{4, 4}); err != nil || u.P != 1 {
		t.Errorf("all equal: %+v, %v", u, err)
	}
	if u, err := MannWhitneyU([]float64{1}, []float64{2}); err != nil || !u.Exact || u.P != 1 {
		t.Errorf("one each: %+v, %v", u, err)
	}
	// P(U >= 9) for 3 and 3 values: only one of C(6,3) = 20 orders.
	if p := uUpperTail(9, 3, 3); math.Abs(p-1.0/20) > 1e-15 {
		t.Errorf("P(U>=9 | 3,3) = %v, want 0.05", p)
	}
	if p := uUpperTail(0, 8, 1000); math.Abs(p-1) > 1e-12 {
		t.Errorf("distribution of U(8, 1000) sums to %v", p)
	}
	// A change hundreds of standard errors wide: power 1, never more.
	if p := WelchPower(0.15*9.4e9, 35e6, 34e6, 5, 5, 0.05); p != 1 {
		t.Errorf("power for a huge change = %v, want 1", p)
	}
	if d := CliffsDelta([]float64{1, 2}, []float64{3, 4}); d != 1 {
		t.Errorf("cliff's delta of separated samples = %v", d)
	}
	if d := CohensD([]float64{1, 1}, []float64{2, 2}); !math.IsNaN(d) {
		t.Errorf("cohen's d without spread = %v, want NaN", d)
	}
	if ch, ci, err := RelativeChange([]float64{0.1, -0.1, 5}, []float64{1, 2, 3}, 0.95); err != nil || !math.IsInf(ci.Hi, 1) || math.IsNaN(ch) {
		t.Errorf("A's mean near zero: change %v ci %+v, %v; want an unbounded interval", ch, ci, err)
	}
	if _, _, err := RelativeChange([]float64{-1, 1}, []float64{1, 2}, 0.95); err == nil {
		t.Error("A's mean zero: no error")
	}
}

func TestCompareVerdicts(t *testing.T) {
	a := []float64{100, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1}
	up := []float64{110, 111, 109, 110.5, 109.5, 110.2, 109.8, 110.1}
	slightly := []float64{101, 102, 100, 101.5, 100.5, 101.2, 100.8, 101.1}
	tests := []struct {
		name      string
		b         []float64
		dir       Direction
		threshold float64
		want      Verdict
	}{
		{"throughput up", up, HigherIsBetter, 0, Better},
		{"latency up", up, LowerIsBetter, 0, Worse},
		{"throughput down", a, HigherIsBetter, 0, NoDifference},
		{"unknown direction", up, UnknownDirection, 0, Higher},
		{"below threshold", slightly, HigherIsBetter, 0.05, NoDifference},
		{"above threshold", up, LowerIsBetter, 0.05, Worse},
		{"one value", []float64{200}, HigherIsBetter, 0, NoDifference},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := DefaultCompareOptions
			opt.Direction, opt.Threshold = tc.dir, tc.threshold
			c, err := Compare(a, tc.b, opt)
			if err != nil {
				t.Fatal(err)
			}
			if c.Verdict != tc.want {
				t.Errorf("verdict %q, want %q (p=%v, change %v, notes %q)", c.Verdict, tc.want, c.P, c.Change, c.Notes)
			}
		})
	}
	t.Run("reversed", func(t *testing.T) {
		c, _ := Compare(up, a, CompareOptions{Direction: HigherIsBetter, Alpha: 0.05, Level: 0.95})
		if c.Verdict != Worse {
			t.Errorf("verdict %q, want worse", c.Verdict)
		}
	})
	t.Run("power warning", func(t *testing.T) {
		c, _ := Compare([]float64{100, 120, 90}, []float64{105, 95, 125}, DefaultCompareOptions)
		if !(c.Power < 0.8) || c.RunsNeeded <= 3 || !strings.Contains(strings.Join(c.Notes, " "), "low power") {
			t.Errorf("no power warning: power %v, runs %d, notes %q", c.Power, c.RunsNeeded, c.Notes)
		}
	})
	t.Run("non-normal picks mann-whitney", func(t *testing.T) {
		skewed := []float64{1, 1.1, 0.9, 1.05, 0.95, 1, 1.02, 9}
		c, _ := Compare(skewed, up, DefaultCompareOptions)
		if c.Test != TestMannWhitney {
			t.Errorf("test %q, want mann-whitney (Shapiro-Wilk p %v)", c.Test, c.NormalA.P)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		for _, opt := range []CompareOptions{{Alpha: 0, Level: 0.95}, {Alpha: 0.05, Level: 2}, {Alpha: 0.05, Level: 0.95, Test: "sign"}} {
			if _, err := Compare(a, up, opt); err == nil {
				t.Errorf("%+v accepted", opt)
			}
		}
	})
}

func TestTrendEdges(t *testing.T) {
	if _, err := LinearTrend([]float64{1, 2}); err == nil {
		t.Error("two values: no error")
	}
	tr, _ := LinearTrend([]float64{5, 5, 5, 5})
	if tr.P != 1 || tr.Slope != 0 || !tr.Stable(0.05, 0.05) {
		t.Errorf("flat: %+v", tr)
	}
	tr, _ = LinearTrend([]float64{10, 11, 12, 13, 14})
	if tr.P != 0 || tr.Slope != 1 || math.Abs(tr.Drift-4.0/12) > 1e-15 || tr.Stable(0.05, 0.05) {
		t.Errorf("line: %+v", tr)
	}
}

func TestPlotsGolden(t *testing.T) {
	xs := []float64{9.1, 9.4, 8.8, 9.0, 9.7, 9.3, 9.2, 9.25, 9.15, 9.05, 12.5, 9.35, 9.12, 9.22, 9.18}
	ys := []float64{9.9, 10.3, 9.7, 10.0, 10.4, 10.1, 10.05, 9.95}
	f := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	var buf bytes.Buffer
	if err := WriteHistogram(&buf, xs, 30, f); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("\n")
	if err := WriteBoxPlots(&buf, []BoxPlotRow{{"A", xs}, {"B", ys}, {"empty", nil}}, 50, f); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("\n")
	if err := WriteHistogram(&buf, []float64{3, 3, 3}, 30, f); err != nil {
		t.Fatal(err)
	}
	if err := WriteBoxPlots(&buf, []BoxPlotRow{{"constant", []float64{3, 3, 3}}}, 20, f); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/plots.golden", buf.Bytes())
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; got:\n%s\nwant:\n%s", path, got, want)
	}
}

func BenchmarkSummarize10M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 10_000_000)
	for i := range xs {
		xs[i] = 9.4e9 + 1e8*r.NormFloat64()
	}
	b.ResetTimer()
	for b.Loop() {
		Summarize(xs, 1, 5, 25, 75, 90, 95, 99)
	}
}

func benchSample(n int) []float64 {
	r := rand.New(rand.NewPCG(2, 2))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = 100 + 10*r.NormFloat64()
	}
	return xs
}

func BenchmarkBootstrapMean1000x10000(b *testing.B) {
	xs := benchSample(1000)
	opt := BootstrapOptions{Level: 0.95, Resamples: 10000, Seed: 1}
	for b.Loop() {
		BootstrapMean(xs, opt)
	}
}

func BenchmarkBootstrapMedian1000x10000(b *testing.B) {
	xs := benchSample(1000)
	opt := BootstrapOptions{Level: 0.95, Resamples: 10000, Seed: 1}
	for b.Loop() {
		BootstrapQuantile(xs, 0.5, opt)
	}
}
