package output

import (
	"fmt"
	"io"
	"math"
	"time"

	"nperf/stats"
)

// netperf's -v 2 histogram has one row per decade of microseconds, from
// 0-9 us to 10-99 s, and in each row ten cells: how many times had that
// leading digit. Cell d of the row for 10^k us counts the times t with
// d*10^k <= t/us < (d+1)*10^k; netperf truncates each time to whole
// microseconds first, which puts every time in the same cell as these
// real-valued bounds do.
var histogramRows = [...]string{
	"UNIT_USEC     ",
	"TEN_USEC      ",
	"HUNDRED_USEC  ",
	"UNIT_MSEC     ",
	"TEN_MSEC      ",
	"HUNDRED_MSEC  ",
	"UNIT_SEC      ",
	"TEN_SEC       ",
}

// writeHistogram prints h in the layout of netperf's HIST_report: the
// decade rows, the count of times of 100 s and more, and the total.
//
// nperf's histogram (stats.Histogram) keeps times to within 0.8% rather
// than by decimal digit, so a bucket that straddles a cell boundary is
// split between the two cells in proportion, as its quantiles are
// interpolated; every other count is exact, and the cells always add up
// to the total.
func writeHistogram(w io.Writer, h *stats.Histogram) {
	below := func(d time.Duration) uint64 { return countBelow(h, d) }
	unit := time.Microsecond
	prev := uint64(0)
	for _, title := range histogramRows {
		fmt.Fprint(w, title)
		for d := 1; d <= 10; d++ {
			n := below(time.Duration(d) * unit)
			fmt.Fprintf(w, ": %4d", n-prev)
			prev = n
		}
		fmt.Fprint(w, "\n")
		unit *= 10
	}
	fmt.Fprintf(w, ">100_SECS: %d\n", h.Count()-prev)
	fmt.Fprintf(w, "HIST_TOTAL:      %d\n", h.Count())
}

// countBelow is how many of h's values are below d, with the values of
// the bucket that holds d counted in proportion, consistently with
// h.Quantile: it inverts Quantile by bisection, which needs nothing of
// the histogram but its exported answers. The result never decreases as
// d grows, so differences of it are never negative.
func countBelow(h *stats.Histogram, d time.Duration) uint64 {
	n := h.Count()
	switch {
	case n == 0 || d <= h.Min():
		return 0
	case d > h.Max():
		return n
	}
	// The largest q with Quantile(q) < d, to well below one value.
	lo, hi := 0.0, 1.0
	for i := 0; i < 60 && (hi-lo)*float64(n) > 1e-3; i++ {
		mid := (lo + hi) / 2
		if h.Quantile(mid) < d {
			lo = mid
		} else {
			hi = mid
		}
	}
	return uint64(math.Round(lo * float64(n)))
}
