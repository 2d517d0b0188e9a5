package stats

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// HistogramBins splits the range of xs (finite values) into equal bins,
// choosing the width as NumPy's "auto" does: the smaller of Sturges' and
// Freedman-Diaconis' widths, so that small samples get a few bins and
// large ones resolve their shape. The result is capped at maxBins. It
// returns the bin edges (len = bins+1) and counts; a constant sample gets
// one bin.
func HistogramBins(xs []float64, maxBins int) (edges []float64, counts []int) {
	if len(xs) == 0 {
		return nil, nil
	}
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	lo, hi := sorted[0], sorted[len(sorted)-1]
	if !(hi > lo) {
		return []float64{lo, hi}, []int{len(xs)}
	}
	span := hi - lo
	n := float64(len(xs))
	width := span / (math.Log2(n) + 1) // Sturges
	if iqr := Quantile(sorted, 0.75) - Quantile(sorted, 0.25); iqr > 0 {
		width = min(width, 2*iqr/math.Cbrt(n)) // Freedman-Diaconis
	}
	bins := int(math.Ceil(span / width))
	bins = max(1, min(bins, maxBins))
	edges = make([]float64, bins+1)
	for i := range edges {
		edges[i] = lo + span*float64(i)/float64(bins)
	}
	edges[bins] = hi
	counts = make([]int, bins)
	for _, x := range sorted {
		i := int(float64(bins) * (x - lo) / span)
		counts[min(i, bins-1)]++ // the last bin includes hi
	}
	return edges, counts
}

// WriteHistogram draws an ASCII histogram of xs (finite values), one line
// per bin, "[lo, hi)  ####  count", with bars scaled to width characters
// and values printed by format.
func WriteHistogram(w io.Writer, xs []float64, width int, format func(float64) string) error {
	edges, counts := HistogramBins(xs, 20)
	if len(counts) == 0 {
		return nil
	}
	labels := make([]string, len(counts))
	lw := 0
	for i := range counts {
		labels[i] = format(edges[i]) + " .. " + format(edges[i+1])
		lw = max(lw, len(labels[i]))
	}
	top := slices.Max(counts)
	bw := bufio.NewWriter(w)
	for i, c := range counts {
		bar := 0
		if top > 0 {
			bar = int(math.Round(float64(width) * float64(c) / float64(top)))
		}
		if c > 0 && bar == 0 {
			bar = 1 // every non-empty bin shows
		}
		fmt.Fprintf(bw, "  %-*s |%s %d\n", lw, labels[i], strings.Repeat("#", bar), c)
	}
	return bw.Flush()
}

// A BoxPlotRow is one labelled sample of a box plot.
type BoxPlotRow struct {
	Label  string
	Values []float64 // finite values
}

// WriteBoxPlots draws one Tukey box plot per row on a shared scale of width
// characters: the box spans the quartiles with the median as "|", the
// whiskers "-" reach the furthest values within 1.5 IQR of the box, and
// values beyond are "o". An axis line under the plots gives the scale's
// ends, printed by format.
func WriteBoxPlots(w io.Writer, rows []BoxPlotRow, width int, format func(float64) string) error {
	width = max(width, 10)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		for _, x := range r.Values {
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	if math.IsInf(lo, 0) {
		return nil
	}
	col := func(x float64) int {
		if !(hi > lo) {
			return width / 2
		}
		return min(width-1, max(0, int(math.Round(float64(width-1)*(x-lo)/(hi-lo)))))
	}
	lw := 0
	for _, r := range rows {
		lw = max(lw, len(r.Label))
	}
	bw := bufio.NewWriter(w)
	for _, r := range rows {
		line := []byte(strings.Repeat(" ", width))
		if len(r.Values) > 0 {
			sorted := slices.Clone(r.Values)
			slices.Sort(sorted)
			q1, med, q3 := Quantile(sorted, 0.25), Quantile(sorted, 0.5), Quantile(sorted, 0.75)
			fenceLo, fenceHi := q1-1.5*(q3-q1), q3+1.5*(q3-q1)
			wlo, whi := q1, q3
			for _, x := range sorted {
				if x >= fenceLo {
					wlo = min(wlo, x)
				}
				if x <= fenceHi {
					whi = max(whi, x)
				}
			}
			for c := col(wlo); c <= col(whi); c++ {
				line[c] = '-'
			}
			line[col(wlo)], line[col(whi)] = '|', '|'
			for c := col(q1); c <= col(q3); c++ {
				line[c] = '='
			}
			line[col(q1)], line[col(q3)] = '[', ']'
			line[col(med)] = '|'
			for _, x := range sorted {
				if x < fenceLo || x > fenceHi {
					line[col(x)] = 'o'
				}
			}
		}
		fmt.Fprintf(bw, "%s\n", strings.TrimRight(fmt.Sprintf("  %-*s %s", lw, r.Label, line), " "))
	}
	left, right := format(lo), format(hi)
	gap := max(1, width-len(left)-len(right))
	fmt.Fprintf(bw, "  %-*s %s%s%s\n", lw, "", left, strings.Repeat(" ", gap), right)
	return bw.Flush()
}
