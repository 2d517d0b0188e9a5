package cli

// How nperf stats prints its results: text, Markdown, CSV and JSON.

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"nperf/stats"
)

// ---- formatting values ----

func keyString(by []string, key []string) string {
	if len(key) == 0 {
		return "all"
	}
	parts := make([]string, len(key))
	for i, v := range key {
		if i < len(by) {
			parts[i] = by[i] + "=" + v
		} else {
			parts[i] = v
		}
	}
	return strings.Join(parts, " ")
}

// formatValue prints a value of metric m in a human unit with digits
// significant digits.
func formatValue(m statsMetric, v float64, digits int) string {
	if math.IsNaN(v) {
		return "-"
	}
	if math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	sig := func(x float64) string { return sigDigits(x, digits) }
	switch m.unit {
	case "bits/s":
		return siFormat(v, "bit/s", sig)
	case "trans/s":
		return sig(v) + " trans/s"
	case "ns":
		a := math.Abs(v)
		switch {
		case a >= 1e9:
			return sig(v/1e9) + " s"
		case a >= 1e6:
			return sig(v/1e6) + " ms"
		case a >= 1e3:
			return sig(v/1e3) + " us"
		}
		return sig(v) + " ns"
	case "%":
		return sig(v) + "%"
	case "us/unit":
		return sig(v) + " us"
	}
	return sig(v)
}

func siFormat(v float64, unit string, sig func(float64) string) string {
	a := math.Abs(v)
	switch {
	case a >= 1e12:
		return sig(v/1e12) + " T" + unit
	case a >= 1e9:
		return sig(v/1e9) + " G" + unit
	case a >= 1e6:
		return sig(v/1e6) + " M" + unit
	case a >= 1e3:
		return sig(v/1e3) + " k" + unit
	}
	return sig(v) + " " + unit
}

// sigDigits prints v with n significant digits, without an exponent for
// everyday magnitudes.
func sigDigits(v float64, n int) string {
	a := math.Abs(v)
	if a != 0 && (a >= 1e6 || a < 1e-3) {
		return strconv.FormatFloat(v, 'e', n-1, 64)
	}
	intDigits := 1
	if a >= 1 {
		intDigits = int(math.Floor(math.Log10(a))) + 1
	}
	return strconv.FormatFloat(v, 'f', max(0, n-intDigits), 64)
}

// digitsFor is how many significant digits show a sample's mean and its
// confidence interval apart: 4, and more when the standard error is a tiny
// fraction of the mean (millions of values), up to 10.
func digitsFor(s stats.Summary) int {
	if s.N < 2 || !(s.StdDev > 0) || s.Mean == 0 {
		return 4
	}
	se := s.StdDev / math.Sqrt(float64(s.N))
	return min(10, max(4, int(math.Ceil(math.Log10(math.Abs(s.Mean)/se)))+1))
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	if math.IsInf(v, 0) {
		if v > 0 {
			return "+inf"
		}
		return "-inf"
	}
	return fmt.Sprintf("%+.2f%%", 100*v)
}

// pval prints a p-value with 3 significant digits.
func pval(p float64) string {
	if math.IsNaN(p) {
		return "-"
	}
	if p > 0 && p < 1e-4 {
		return strconv.FormatFloat(p, 'e', 2, 64)
	}
	return strconv.FormatFloat(p, 'g', 3, 64)
}

func num3(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func (m statsMetric) describe() string {
	s := m.name
	if m.unit != "" {
		s += ", " + m.unit
	}
	if m.dir != stats.UnknownDirection {
		s += ", " + m.dir.String()
	}
	return s
}

func levelName(lv float64) string {
	return strconv.FormatFloat(100*lv, 'f', -1, 64) + "%"
}

func cohenLabel(d float64) string {
	switch a := math.Abs(d); {
	case math.IsNaN(d):
		return ""
	case a < 0.2:
		return " (negligible)"
	case a < 0.5:
		return " (small)"
	case a < 0.8:
		return " (medium)"
	}
	return " (large)"
}

func cliffLabel(d float64) string {
	switch a := math.Abs(d); {
	case math.IsNaN(d):
		return ""
	case a < 0.147:
		return " (negligible)"
	case a < 0.33:
		return " (small)"
	case a < 0.474:
		return " (medium)"
	}
	return " (large)"
}

// ---- text ----

func (rep *statsReport) writeText(w io.Writer, opt statsOptions) {
	if rep.failed > 0 {
		fmt.Fprintf(w, "note: %s left out\n\n", plural(rep.failed, "failed run"))
	}
	for i, s := range rep.summaries {
		if i > 0 {
			fmt.Fprintln(w)
		}
		s.writeText(w, rep, opt)
	}
	for i, c := range rep.compares {
		if i > 0 {
			fmt.Fprintln(w)
		}
		c.writeText(w, rep, opt)
	}
}

func (s *summaryReport) writeText(w io.Writer, rep *statsReport, opt statsOptions) {
	m := s.metric
	digits := digitsFor(s.summary)
	f := func(v float64) string { return formatValue(m, v, digits) }
	fmt.Fprintf(w, "%s  [%s]\n", keyString(rep.by, s.key), m.describe())
	row := func(name, format string, a ...any) {
		fmt.Fprintf(w, "  %-14s %s\n", name, fmt.Sprintf(format, a...))
	}
	sum := s.summary
	what := "value"
	if !rep.numbers {
		what = "run"
	}
	n := plural(sum.N, what)
	if s.sample.missing > 0 {
		n += fmt.Sprintf(" (%d without %s)", s.sample.missing, m.name)
	}
	if k := sum.NonFinite(); k > 0 {
		n += fmt.Sprintf(" (%d left out: %d NaN, %d +Inf, %d -Inf)", k, sum.NaN, sum.PosInf, sum.NegInf)
	}
	if len(s.excluded) > 0 {
		n += fmt.Sprintf(" (%s excluded by %s)", plural(len(s.excluded), "outlier"), opt.exclude)
	}
	row("n", "%s", n)
	if sum.N == 0 {
		return
	}
	row("mean", "%s", f(sum.Mean))
	row("median", "%s", f(sum.Median))
	if sum.N > 1 {
		row("stddev", "%s (CV %s)", f(sum.StdDev), strings.TrimPrefix(pct(sum.CV), "+"))
	}
	row("min .. max", "%s .. %s", f(sum.Min), f(sum.Max))
	if len(sum.Percentiles) > 0 {
		var ps []string
		for _, p := range sum.Percentiles {
			ps = append(ps, fmt.Sprintf("p%s %s", strconv.FormatFloat(p.P, 'f', -1, 64), f(p.Value)))
		}
		row("percentiles", "%s", strings.Join(ps, "  "))
	}
	if s.sample.merged != nil && s.sample.merged.Count() > 0 {
		h := s.sample.merged
		row("latency", "merged histograms of %d runs, %d round trips:", len(s.sample.values), h.Count())
		fmt.Fprintf(w, "  %-14s p50 %s  p90 %s  p99 %s  p99.9 %s  mean %s  max %s\n", "",
			f(float64(h.Quantile(0.5))), f(float64(h.Quantile(0.9))), f(float64(h.Quantile(0.99))),
			f(float64(h.Quantile(0.999))), f(float64(h.Mean())), f(float64(h.Max())))
	}
	for i, iv := range s.tiv {
		name := ""
		if i == 0 {
			name = "mean CI (t)"
		}
		row(name, "%-4s %s .. %s", levelName(iv.Level), f(iv.Lo), f(iv.Hi))
	}
	if len(s.boots) > 0 {
		row("bootstrap", "%s, %d resamples, seed %d: percentile / BCa", levelName(opt.level), opt.resamples, opt.seed)
		for _, b := range s.boots {
			bca := "undefined"
			if !math.IsNaN(b.b.BCa.Lo) {
				bca = f(b.b.BCa.Lo) + " .. " + f(b.b.BCa.Hi)
			}
			fmt.Fprintf(w, "  %-14s %-6s %s .. %s  /  %s\n", "", b.name, f(b.b.Percentile.Lo), f(b.b.Percentile.Hi), bca)
		}
	} else if s.bootNote != "" {
		row("bootstrap", "%s", s.bootNote)
	}
	switch {
	case sum.N >= 2 && sum.Min == sum.Max:
		row("shape", "all values equal")
	case sum.N >= 3:
		shape := fmt.Sprintf("skewness %s, excess kurtosis %s", num3(s.skew), num3(s.kurt))
		if s.normality != nil {
			verdict := "consistent with normal"
			if s.normality.P < rep.alpha {
				verdict = "not normal"
			}
			name := "Shapiro-Wilk W"
			if s.normality.Method == "dagostino-pearson" {
				name = "D'Agostino-Pearson K2"
			}
			shape += fmt.Sprintf("; %s=%s p=%s: %s", name, num3(s.normality.Statistic), pval(s.normality.P), verdict)
		}
		row("shape", "%s", shape)
	}
	s.writeOutliersText(w, opt)
	if s.order != nil {
		verdict := "no trend"
		if !s.order.Stable(driftAlpha, maxDrift) {
			verdict = "TREND"
		}
		row("order", "across the %ss in input order: drift %s (p=%s): %s", what, pct(s.order.Drift), pval(s.order.P), verdict)
	}
	writeStabilityText(w, s.sample.stab, row)
	if opt.plot && len(s.kept) > 0 {
		fmt.Fprintln(w)
		stats.WriteHistogram(w, s.kept, 40, f)
		fmt.Fprintln(w)
		stats.WriteBoxPlots(w, []stats.BoxPlotRow{{Label: "", Values: s.kept}}, 60, f)
	}
}

// maxListed bounds the outliers listed per group.
const maxListed = 20

func (s *summaryReport) writeOutliersText(w io.Writer, opt statsOptions) {
	o := s.outliers
	if s.summary.N+len(s.excluded) < 3 {
		return
	}
	counts := fmt.Sprintf("iqr1.5 %d, iqr3 %d, z2 %d, z3 %d, mad %d", o.Count(stats.IQRMild), o.Count(stats.IQRExtreme),
		o.Count(stats.ZScore2), o.Count(stats.ZScore3), o.Count(stats.ModifiedZ35))
	if len(o.Found) == 0 {
		fmt.Fprintf(w, "  %-14s none (%s)\n", "outliers", counts)
		return
	}
	fmt.Fprintf(w, "  %-14s %s\n", "outliers", counts)
	// Indexes of Found refer to the finite values; map them back.
	fin := finiteIndex(s.sample.values)
	for i, f := range o.Found {
		if i == maxListed {
			fmt.Fprintf(w, "  %-14s ... and %d more\n", "", len(o.Found)-maxListed)
			break
		}
		mark := ""
		if f.Rules&opt.exclude != 0 {
			mark = "  excluded"
		}
		fmt.Fprintf(w, "  %-14s %s  %s  z %s  modz %s  [%s]%s\n", "", s.sample.where(fin[f.Index]),
			formatValue(s.metric, f.Value, digitsFor(s.summary)), num2(f.Z), num2(f.ModZ), f.Rules, mark)
	}
}

// plural is "1 run", "2 runs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func num2(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// finiteIndex maps positions among the finite values of xs to positions
// in xs.
func finiteIndex(xs []float64) []int {
	var idx []int
	for i, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			idx = append(idx, i)
		}
	}
	return idx
}

func writeStabilityText(w io.Writer, st stability, row func(name, format string, a ...any)) {
	if st.checked == 0 {
		return
	}
	if len(st.drifting) == 0 {
		row("intervals", "%d runs with 3+ intervals: no significant drift (largest fitted drift %s)", st.checked, pct(st.maxDrift))
		return
	}
	row("intervals", "%d of %d runs with 3+ intervals DRIFT:", len(st.drifting), st.checked)
	for i, d := range st.drifting {
		if i == maxListed {
			row("", "... and %d more", len(st.drifting)-maxListed)
			break
		}
		row("", "%s: %s over the run (p=%s)", d.where, pct(d.trend.Drift), pval(d.trend.P))
	}
}

func (c *compareReport) writeText(w io.Writer, rep *statsReport, opt statsOptions) {
	m := c.metric
	digits := max(digitsFor(c.cmp.A), digitsFor(c.cmp.B))
	f := func(v float64) string { return formatValue(m, v, digits) }
	fmt.Fprintf(w, "%s  [%s]\n", keyString(rep.by, c.key), m.describe())
	cmp := c.cmp
	labels := [2]string{"A: " + rep.sides[0], "B: " + rep.sides[1]}
	if rep.compare != "file" {
		labels = [2]string{"A: " + rep.compare + "=" + rep.sides[0], "B: " + rep.compare + "=" + rep.sides[1]}
	}
	row := func(name, format string, args ...any) {
		fmt.Fprintf(w, "  %-14s %s\n", name, fmt.Sprintf(format, args...))
	}
	// Two columns, A and B, sized to what they hold.
	var pairs [][3]string
	two := func(name, a, b string) { pairs = append(pairs, [3]string{name, a, b}) }
	two("", labels[0], labels[1])
	var ns [2]string
	for i, s := range []stats.Summary{cmp.A, cmp.B} {
		ns[i] = strconv.Itoa(s.N)
		if c.side[i].missing > 0 {
			ns[i] += fmt.Sprintf(" (%d without)", c.side[i].missing)
		}
		if k := s.NonFinite(); k > 0 {
			ns[i] += fmt.Sprintf(" (%d non-finite)", k)
		}
		if c.excluded[i] > 0 {
			ns[i] += fmt.Sprintf(" (%d excluded)", c.excluded[i])
		}
	}
	two("n", ns[0], ns[1])
	two("mean", f(cmp.A.Mean), f(cmp.B.Mean))
	two("median", f(cmp.A.Median), f(cmp.B.Median))
	two("stddev", f(cmp.A.StdDev), f(cmp.B.StdDev))
	two("CV", strings.TrimPrefix(pct(cmp.A.CV), "+"), strings.TrimPrefix(pct(cmp.B.CV), "+"))
	var ivs [2]string
	for i, xs := range c.kept {
		ivs[i] = "-"
		if iv, err := stats.MeanInterval(xs, opt.level); err == nil {
			ivs[i] = f(iv.Lo) + " .. " + f(iv.Hi)
		}
	}
	two("mean CI "+levelName(opt.level), ivs[0], ivs[1])
	if c.side[0].merged != nil && c.side[1].merged != nil && c.side[0].merged.Count() > 0 && c.side[1].merged.Count() > 0 {
		for _, q := range []float64{0.5, 0.9, 0.99} {
			a, b := float64(c.side[0].merged.Quantile(q)), float64(c.side[1].merged.Quantile(q))
			two(fmt.Sprintf("merged p%g", q*100), f(a), fmt.Sprintf("%s (%s)", f(b), pct(b/a-1)))
		}
	}
	cw := 0
	for _, p := range pairs {
		cw = max(cw, len(p[1]))
	}
	for _, p := range pairs {
		fmt.Fprintf(w, "%s\n", strings.TrimRight(fmt.Sprintf("  %-14s %-*s  %s", p[0], cw, p[1], p[2]), " "))
	}
	if c.err != nil {
		row("error", "%v", c.err)
		return
	}
	if !math.IsNaN(cmp.ChangeCI.Lo) {
		row("change", "%s (%s CI %s .. %s)", pct(cmp.Change), levelName(cmp.ChangeCI.Level), pct(cmp.ChangeCI.Lo), pct(cmp.ChangeCI.Hi))
	} else {
		row("change", "%s", pct(cmp.Change))
	}
	if !math.IsNaN(cmp.Welch.P) {
		row("welch t-test", "t=%s df=%s p=%s", num3(cmp.Welch.T), num2(cmp.Welch.DF), pval(cmp.Welch.P))
	}
	if !math.IsNaN(cmp.MannWhitney.P) {
		how := "normal approximation"
		if cmp.MannWhitney.Exact {
			how = "exact"
		}
		row("mann-whitney", "U=%s p=%s (%s)", strconv.FormatFloat(cmp.MannWhitney.U, 'f', -1, 64), pval(cmp.MannWhitney.P), how)
	}
	if !math.IsNaN(cmp.CohensD) || !math.IsNaN(cmp.CliffsDelta) {
		row("effect size", "Cohen's d %s%s, Cliff's delta %s%s", num2(cmp.CohensD), cohenLabel(cmp.CohensD),
			num2(cmp.CliffsDelta), cliffLabel(cmp.CliffsDelta))
	}
	if !math.IsNaN(cmp.Power) {
		row("power", "%.0f%% to detect a %s change; 80%% power at %s",
			100*cmp.Power, strings.TrimPrefix(pct(cmp.PowerChange), "+"), strings.TrimPrefix(pct(cmp.DetectableChange), "+"))
	}
	for _, side := range []int{0, 1} {
		st := c.side[side].stab
		if st.checked > 0 {
			writeStabilityText(w, st, func(name, format string, args ...any) {
				if name != "" {
					name += " " + string("AB"[side])
				}
				row(name, format, args...)
			})
		}
	}
	verdict := string(cmp.Verdict)
	if cmp.Test != "" {
		verdict += fmt.Sprintf(" (%s p=%s, alpha %g", cmp.Test, pval(cmp.P), rep.alpha)
		if rep.threshold > 0 {
			verdict += fmt.Sprintf(", threshold %s", strings.TrimPrefix(pct(rep.threshold), "+"))
		}
		verdict += ")"
	}
	row("verdict", "%s", verdict)
	for _, n := range cmp.Notes {
		row("note", "%s", n)
	}
	if opt.plot && len(c.kept[0])+len(c.kept[1]) > 0 {
		fmt.Fprintln(w)
		stats.WriteBoxPlots(w, []stats.BoxPlotRow{{Label: "A", Values: c.kept[0]}, {Label: "B", Values: c.kept[1]}}, 60, f)
	}
}

// ---- markdown ----

func (rep *statsReport) writeMarkdown(w io.Writer) {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	if len(rep.summaries) > 0 {
		fmt.Fprintf(w, "| group | metric | n | mean | median | stddev | CV | 95%% CI (t) | min | max | normality p | outliers (iqr1.5) |\n")
		fmt.Fprintf(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n")
		for _, s := range rep.summaries {
			f := func(v float64) string { return formatValue(s.metric, v, digitsFor(s.summary)) }
			sum := s.summary
			ci := "-"
			for _, iv := range s.tiv {
				if iv.Level == 0.95 {
					ci = f(iv.Lo) + " .. " + f(iv.Hi)
				}
			}
			np := "-"
			if s.normality != nil {
				np = pval(s.normality.P)
			}
			fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %d |\n",
				cell(keyString(rep.by, s.key)), s.metric.name, sum.N, f(sum.Mean), f(sum.Median), f(sum.StdDev),
				strings.TrimPrefix(pct(sum.CV), "+"), ci, f(sum.Min), f(sum.Max), np, s.outliers.Count(stats.IQRMild))
		}
	}
	if len(rep.compares) > 0 {
		fmt.Fprintf(w, "| group | metric | n A | n B | mean A | mean B | change | %s CI | p | test | verdict |\n", levelName(rep.level))
		fmt.Fprintf(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |\n")
		var notes []string
		for _, c := range rep.compares {
			f := func(v float64) string {
				return formatValue(c.metric, v, max(digitsFor(c.cmp.A), digitsFor(c.cmp.B)))
			}
			cmp := c.cmp
			fmt.Fprintf(w, "| %s | %s | %d | %d | %s | %s | %s | %s .. %s | %s | %s | **%s** |\n",
				cell(keyString(rep.by, c.key)), c.metric.name, cmp.A.N, cmp.B.N, f(cmp.A.Mean), f(cmp.B.Mean),
				pct(cmp.Change), pct(cmp.ChangeCI.Lo), pct(cmp.ChangeCI.Hi), pval(cmp.P), cmp.Test, cmp.Verdict)
			for _, n := range cmp.Notes {
				notes = append(notes, fmt.Sprintf("- %s: %s", cell(keyString(rep.by, c.key)), n))
			}
		}
		if len(notes) > 0 {
			fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n"))
		}
		fmt.Fprintf(w, "\nA: %s, B: %s\n", rep.sides[0], rep.sides[1])
	}
}

// ---- CSV ----

func csvNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func (rep *statsReport) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	keyCols := slices.Clone(rep.by)
	if len(rep.summaries) > 0 {
		head := append(keyCols, "metric", "unit", "n", "nan", "inf", "mean", "stddev", "cv", "min", "max", "median")
		if len(rep.summaries) > 0 {
			for _, p := range rep.summaries[0].summary.Percentiles {
				head = append(head, "p"+strconv.FormatFloat(p.P, 'f', -1, 64))
			}
		}
		head = append(head, "ci90_lo", "ci90_hi", "ci95_lo", "ci95_hi", "ci99_lo", "ci99_hi",
			"boot_mean_lo", "boot_mean_hi", "boot_mean_bca_lo", "boot_mean_bca_hi",
			"skewness", "excess_kurtosis", "normality_test", "normality_stat", "normality_p",
			"outliers_iqr1.5", "outliers_iqr3", "outliers_z2", "outliers_z3", "outliers_mad", "excluded",
			"intervals_checked", "intervals_drifting")
		cw.Write(head)
		for _, s := range rep.summaries {
			sum := s.summary
			row := append(slices.Clone(s.key), s.metric.name, s.metric.unit, strconv.Itoa(sum.N), strconv.Itoa(sum.NaN),
				strconv.Itoa(sum.PosInf+sum.NegInf), csvNum(sum.Mean), csvNum(sum.StdDev), csvNum(sum.CV),
				csvNum(sum.Min), csvNum(sum.Max), csvNum(sum.Median))
			for _, p := range sum.Percentiles {
				row = append(row, csvNum(p.Value))
			}
			for _, lv := range []float64{0.90, 0.95, 0.99} {
				lo, hi := "", ""
				for _, iv := range s.tiv {
					if iv.Level == lv {
						lo, hi = csvNum(iv.Lo), csvNum(iv.Hi)
					}
				}
				row = append(row, lo, hi)
			}
			var bm [4]string
			for _, b := range s.boots {
				if b.name == "mean" {
					bm = [4]string{csvNum(b.b.Percentile.Lo), csvNum(b.b.Percentile.Hi), csvNum(b.b.BCa.Lo), csvNum(b.b.BCa.Hi)}
				}
			}
			row = append(row, bm[:]...)
			nt := [3]string{}
			if s.normality != nil {
				nt = [3]string{s.normality.Method, csvNum(s.normality.Statistic), csvNum(s.normality.P)}
			}
			row = append(row, csvNum(s.skew), csvNum(s.kurt), nt[0], nt[1], nt[2])
			o := s.outliers
			for _, r := range []stats.OutlierRule{stats.IQRMild, stats.IQRExtreme, stats.ZScore2, stats.ZScore3, stats.ModifiedZ35} {
				row = append(row, strconv.Itoa(o.Count(r)))
			}
			row = append(row, strconv.Itoa(len(s.excluded)), strconv.Itoa(s.sample.stab.checked), strconv.Itoa(len(s.sample.stab.drifting)))
			cw.Write(row)
		}
	}
	if len(rep.compares) > 0 {
		head := append(keyCols, "metric", "unit", "direction", "a", "b",
			"a_n", "a_mean", "a_median", "a_stddev", "b_n", "b_mean", "b_median", "b_stddev",
			"change", "change_lo", "change_hi", "welch_t", "welch_df", "welch_p", "mw_u", "mw_p", "mw_exact",
			"cohens_d", "cliffs_delta", "power", "power_change", "detectable_change", "test", "p", "verdict")
		cw.Write(head)
		for _, c := range rep.compares {
			cmp := c.cmp
			dir := ""
			if c.metric.dir != stats.UnknownDirection {
				dir = c.metric.dir.String()
			}
			row := append(slices.Clone(c.key), c.metric.name, c.metric.unit, dir, rep.sides[0], rep.sides[1],
				strconv.Itoa(cmp.A.N), csvNum(cmp.A.Mean), csvNum(cmp.A.Median), csvNum(cmp.A.StdDev),
				strconv.Itoa(cmp.B.N), csvNum(cmp.B.Mean), csvNum(cmp.B.Median), csvNum(cmp.B.StdDev),
				csvNum(cmp.Change), csvNum(cmp.ChangeCI.Lo), csvNum(cmp.ChangeCI.Hi),
				csvNum(cmp.Welch.T), csvNum(cmp.Welch.DF), csvNum(cmp.Welch.P),
				csvNum(cmp.MannWhitney.U), csvNum(cmp.MannWhitney.P), strconv.FormatBool(cmp.MannWhitney.Exact),
				csvNum(cmp.CohensD), csvNum(cmp.CliffsDelta), csvNum(cmp.Power), csvNum(cmp.PowerChange),
				csvNum(cmp.DetectableChange), cmp.Test, csvNum(cmp.P), string(cmp.Verdict))
			cw.Write(row)
		}
	}
	cw.Flush()
	return cw.Error()
}

// ---- JSON ----

// jnum is a float64 that encodes NaN and ±Inf as null, which JSON has no
// numbers for.
type jnum float64

func (f jnum) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

type jInterval struct {
	Level jnum `json:"level"`
	Lo    jnum `json:"lo"`
	Hi    jnum `json:"hi"`
}

func jiv(iv stats.Interval) jInterval { return jInterval{jnum(iv.Level), jnum(iv.Lo), jnum(iv.Hi)} }

type jSummary struct {
	N           int             `json:"n"`
	NaN         int             `json:"nan,omitempty"`
	PosInf      int             `json:"pos_inf,omitempty"`
	NegInf      int             `json:"neg_inf,omitempty"`
	Mean        jnum            `json:"mean"`
	StdDev      jnum            `json:"stddev"`
	CV          jnum            `json:"cv"`
	Min         jnum            `json:"min"`
	Max         jnum            `json:"max"`
	Median      jnum            `json:"median"`
	Percentiles map[string]jnum `json:"percentiles,omitempty"`
}

func jsum(s stats.Summary) jSummary {
	j := jSummary{N: s.N, NaN: s.NaN, PosInf: s.PosInf, NegInf: s.NegInf, Mean: jnum(s.Mean), StdDev: jnum(s.StdDev),
		CV: jnum(s.CV), Min: jnum(s.Min), Max: jnum(s.Max), Median: jnum(s.Median)}
	if len(s.Percentiles) > 0 {
		j.Percentiles = map[string]jnum{}
		for _, p := range s.Percentiles {
			j.Percentiles["p"+strconv.FormatFloat(p.P, 'f', -1, 64)] = jnum(p.Value)
		}
	}
	return j
}

type jLatency struct {
	Runs       int    `json:"runs"`
	RoundTrips uint64 `json:"round_trips"`
	P50NS      jnum   `json:"p50_ns"`
	P90NS      jnum   `json:"p90_ns"`
	P99NS      jnum   `json:"p99_ns"`
	P999NS     jnum   `json:"p999_ns"`
	MeanNS     jnum   `json:"mean_ns"`
	MaxNS      jnum   `json:"max_ns"`
}

func jlat(s statsSample) *jLatency {
	h := s.merged
	if h == nil || h.Count() == 0 {
		return nil
	}
	q := func(p float64) jnum { return jnum(h.Quantile(p)) }
	return &jLatency{Runs: len(s.values), RoundTrips: h.Count(), P50NS: q(0.5), P90NS: q(0.9), P99NS: q(0.99),
		P999NS: q(0.999), MeanNS: jnum(h.Mean()), MaxNS: jnum(h.Max())}
}

type jStability struct {
	Checked  int      `json:"checked"`
	MaxDrift jnum     `json:"max_drift"`
	Drifting []jDrift `json:"drifting"`
}

type jDrift struct {
	Where string `json:"where"`
	Drift jnum   `json:"drift"`
	P     jnum   `json:"p"`
}

func jstab(st stability) *jStability {
	if st.checked == 0 {
		return nil
	}
	j := &jStability{Checked: st.checked, MaxDrift: jnum(st.maxDrift), Drifting: []jDrift{}}
	for _, d := range st.drifting {
		j.Drifting = append(j.Drifting, jDrift{d.where, jnum(d.trend.Drift), jnum(d.trend.P)})
	}
	return j
}

type jMetric struct {
	Name      string `json:"name"`
	Unit      string `json:"unit,omitempty"`
	Direction string `json:"direction,omitempty"`
}

func jmet(m statsMetric) jMetric {
	j := jMetric{Name: m.name, Unit: m.unit}
	if m.dir != stats.UnknownDirection {
		j.Direction = m.dir.String()
	}
	return j
}

func jkey(by, key []string) map[string]string {
	m := map[string]string{}
	for i, f := range by {
		if i < len(key) {
			m[f] = key[i]
		}
	}
	return m
}

func (rep *statsReport) writeJSON(w io.Writer) error {
	type jBoot struct {
		Statistic  string    `json:"statistic"`
		Estimate   jnum      `json:"estimate"`
		Percentile jInterval `json:"percentile"`
		BCa        jInterval `json:"bca"`
	}
	type jOutlier struct {
		Where string `json:"where"`
		Value jnum   `json:"value"`
		Rules string `json:"rules"`
		Z     jnum   `json:"z"`
		ModZ  jnum   `json:"modified_z"`
	}
	type jShape struct {
		Skewness       jnum   `json:"skewness"`
		ExcessKurtosis jnum   `json:"excess_kurtosis"`
		NormalityTest  string `json:"normality_test,omitempty"`
		NormalityStat  *jnum  `json:"normality_stat,omitempty"`
		NormalityP     *jnum  `json:"normality_p,omitempty"`
	}
	type jGroup struct {
		Group       map[string]string `json:"group"`
		Metric      jMetric           `json:"metric"`
		Missing     int               `json:"missing,omitempty"`
		Summary     jSummary          `json:"summary"`
		MeanCI      []jInterval       `json:"mean_ci"`
		Bootstrap   []jBoot           `json:"bootstrap,omitempty"`
		Shape       jShape            `json:"shape"`
		Outliers    []jOutlier        `json:"outliers"`
		Excluded    int               `json:"excluded"`
		OrderTrend  *jnum             `json:"order_drift,omitempty"`
		OrderTrendP *jnum             `json:"order_drift_p,omitempty"`
		Latency     *jLatency         `json:"latency,omitempty"`
		Stability   *jStability       `json:"stability,omitempty"`
	}
	type jSide struct {
		Label     string      `json:"label"`
		Summary   jSummary    `json:"summary"`
		Excluded  int         `json:"excluded"`
		Latency   *jLatency   `json:"latency,omitempty"`
		Stability *jStability `json:"stability,omitempty"`
	}
	type jCompare struct {
		Group       map[string]string `json:"group"`
		Metric      jMetric           `json:"metric"`
		A           jSide             `json:"a"`
		B           jSide             `json:"b"`
		Change      jnum              `json:"change"`
		ChangeCI    jInterval         `json:"change_ci"`
		WelchT      jnum              `json:"welch_t"`
		WelchDF     jnum              `json:"welch_df"`
		WelchP      jnum              `json:"welch_p"`
		MannWhitney struct {
			U     jnum `json:"u"`
			P     jnum `json:"p"`
			Exact bool `json:"exact"`
		} `json:"mann_whitney"`
		CohensD          jnum     `json:"cohens_d"`
		CliffsDelta      jnum     `json:"cliffs_delta"`
		Power            jnum     `json:"power"`
		PowerChange      jnum     `json:"power_change"`
		DetectableChange jnum     `json:"detectable_change"`
		RunsNeeded       int      `json:"runs_needed,omitempty"`
		Test             string   `json:"test"`
		P                jnum     `json:"p"`
		Verdict          string   `json:"verdict"`
		Notes            []string `json:"notes"`
	}
	out := struct {
		By          []string   `json:"by"`
		Compare     string     `json:"compare,omitempty"`
		FailedRuns  int        `json:"failed_runs,omitempty"`
		Groups      []jGroup   `json:"groups,omitempty"`
		Comparisons []jCompare `json:"comparisons,omitempty"`
	}{By: rep.by, Compare: rep.compare, FailedRuns: rep.failed}
	if out.By == nil {
		out.By = []string{}
	}
	for _, s := range rep.summaries {
		g := jGroup{Group: jkey(rep.by, s.key), Metric: jmet(s.metric), Missing: s.sample.missing, Summary: jsum(s.summary),
			MeanCI: []jInterval{}, Outliers: []jOutlier{}, Excluded: len(s.excluded),
			Latency: jlat(s.sample), Stability: jstab(s.sample.stab)}
		for _, iv := range s.tiv {
			g.MeanCI = append(g.MeanCI, jiv(iv))
		}
		for _, b := range s.boots {
			g.Bootstrap = append(g.Bootstrap, jBoot{b.name, jnum(b.b.Estimate), jiv(b.b.Percentile), jiv(b.b.BCa)})
		}
		g.Shape = jShape{Skewness: jnum(s.skew), ExcessKurtosis: jnum(s.kurt)}
		if s.normality != nil {
			st, p := jnum(s.normality.Statistic), jnum(s.normality.P)
			g.Shape.NormalityTest, g.Shape.NormalityStat, g.Shape.NormalityP = s.normality.Method, &st, &p
		}
		fin := finiteIndex(s.sample.values)
		for _, o := range s.outliers.Found {
			g.Outliers = append(g.Outliers, jOutlier{s.sample.where(fin[o.Index]), jnum(o.Value), o.Rules.String(), jnum(o.Z), jnum(o.ModZ)})
		}
		if s.order != nil {
			d, p := jnum(s.order.Drift), jnum(s.order.P)
			g.OrderTrend, g.OrderTrendP = &d, &p
		}
		out.Groups = append(out.Groups, g)
	}
	for _, c := range rep.compares {
		cmp := c.cmp
		j := jCompare{Group: jkey(rep.by, c.key), Metric: jmet(c.metric),
			A:      jSide{rep.sides[0], jsum(cmp.A), c.excluded[0], jlat(c.side[0]), jstab(c.side[0].stab)},
			B:      jSide{rep.sides[1], jsum(cmp.B), c.excluded[1], jlat(c.side[1]), jstab(c.side[1].stab)},
			Change: jnum(cmp.Change), ChangeCI: jiv(cmp.ChangeCI),
			WelchT: jnum(cmp.Welch.T), WelchDF: jnum(cmp.Welch.DF), WelchP: jnum(cmp.Welch.P),
			CohensD: jnum(cmp.CohensD), CliffsDelta: jnum(cmp.CliffsDelta), Power: jnum(cmp.Power),
			PowerChange: jnum(cmp.PowerChange), DetectableChange: jnum(cmp.DetectableChange), RunsNeeded: cmp.RunsNeeded,
			Test: cmp.Test, P: jnum(cmp.P), Verdict: string(cmp.Verdict), Notes: cmp.Notes}
		j.MannWhitney.U, j.MannWhitney.P, j.MannWhitney.Exact = jnum(cmp.MannWhitney.U), jnum(cmp.MannWhitney.P), cmp.MannWhitney.Exact
		if j.Notes == nil {
			j.Notes = []string{}
		}
		if c.err != nil {
			j.Notes = append(j.Notes, c.err.Error())
		}
		out.Comparisons = append(out.Comparisons, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
