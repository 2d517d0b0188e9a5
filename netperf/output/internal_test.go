package output

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"nperf/stats"
)

func TestWriteHistogram(t *testing.T) {
	// Counts put in the middle of netperf's cells come back exactly.
	var want [8][10]int
	h := stats.NewHistogram()
	unit := time.Microsecond
	n := 0
	for row := range want {
		for d := range want[row] {
			if d == 0 || (row+d)%3 == 0 { // cell 0 of a row lies below the row: always empty
				continue
			}
			c := (row*10+d)%7 + 1
			want[row][d] = c
			for range c {
				h.Record(time.Duration((float64(d) + 0.5) * float64(unit)))
				n++
			}
		}
		unit *= 10
	}
	h.Record(101 * time.Second)
	h.Record(0) // 0 us is in the first cell
	want[0][0] = 1
	var b bytes.Buffer
	writeHistogram(&b, h)
	lines := strings.Split(b.String(), "\n")
	if len(lines) != 11 || lines[10] != "" {
		t.Fatalf("got %d lines:\n%s", len(lines), b.String())
	}
	for row, title := range histogramRows {
		var cells []string
		for _, c := range want[row] {
			cells = append(cells, pad4(c))
		}
		if w := title + ": " + strings.Join(cells, ": "); lines[row] != w {
			t.Errorf("row %d:\ngot  %q\nwant %q", row, lines[row], w)
		}
	}
	if lines[8] != ">100_SECS: 1" || lines[9] != "HIST_TOTAL:      "+itoa(n+2) {
		t.Errorf("got %q and %q", lines[8], lines[9])
	}
}

func pad4(n int) string {
	s := itoa(n)
	for len(s) < 4 {
		s = " " + s
	}
	return s
}

func TestCountBelow(t *testing.T) {
	h := stats.NewHistogram()
	if got := countBelow(h, time.Second); got != 0 {
		t.Errorf("empty histogram: %d below 1s", got)
	}
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	tests := []struct {
		d    time.Duration
		want uint64
	}{
		{time.Millisecond, 0}, // at the minimum: nothing is below
		{1001 * time.Millisecond, 1000},
		{time.Hour, 1000},
		{500*time.Millisecond + 500*time.Microsecond, 500},
	}
	for _, tt := range tests {
		if got := countBelow(h, tt.d); got != tt.want {
			t.Errorf("countBelow(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
	prev := uint64(0)
	for d := time.Duration(0); d < 1100*time.Millisecond; d += 7 * time.Millisecond {
		got := countBelow(h, d)
		if got < prev {
			t.Fatalf("countBelow decreases at %v: %d after %d", d, got, prev)
		}
		prev = got
	}
}

func TestCFloat(t *testing.T) {
	tests := []struct {
		verb string
		v    float64
		want string
	}{
		{"%7.2f", 3.14159, "   3.14"},
		{"%7.2f", math.Inf(1), "    inf"},
		{"%-6.3f", math.Inf(-1), "-inf  "},
		{"%6.2f", math.NaN(), "  -nan"},
		{"%f", math.NaN(), "-nan"},
		{"%.3f", math.Inf(1), "inf"},
	}
	for _, tt := range tests {
		if got := cfloat(tt.verb, tt.v); got != tt.want {
			t.Errorf("cfloat(%q, %v) = %q, want %q", tt.verb, tt.v, got, tt.want)
		}
	}
}
