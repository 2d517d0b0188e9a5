package netperf

import (
	"math"
	"testing"
)

func TestConfidenceWidth(t *testing.T) {
	// Three results 90, 100, 110: mean 100, population variance 200/3;
	// width = 100 * 2 * t99(2) * sqrt(var/2) / mean = 2 * 9.925 * 5.7735.
	got := confidenceWidth(99, []float64{90, 100, 110})
	want := 2 * 9.925 * math.Sqrt(200.0/3/2)
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("width = %v, want %v", got, want)
	}
	if w := confidenceWidth(95, []float64{5, 5, 5}); w != 0 {
		t.Errorf("constant series width %v", w)
	}
	if w := confidenceWidth(95, []float64{5}); !math.IsInf(w, 1) {
		t.Errorf("one sample width %v, want +Inf", w)
	}
}
