package report

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"nperf/stats"
)

// call runs a filter the way a Go template does: the value last.
func call(t *testing.T, name string, args ...any) (any, error) {
	t.Helper()
	f, ok := goFuncs()[name].(func(...any) (any, error))
	if !ok {
		t.Fatalf("no filter %s", name)
	}
	return f(args...)
}

func TestFormatFilters(t *testing.T) {
	tests := []struct {
		name   string
		filter string
		args   []any
		want   string
	}{
		{"throughput auto", "format_throughput", []any{9.41e9}, "9.41 Gbit/s"},
		{"throughput small", "format_throughput", []any{512.0}, "512 bit/s"},
		{"throughput tera", "format_throughput", []any{1.5e12}, "1.50 Tbit/s"},
		{"throughput unit", "format_throughput", []any{"Mbit/s", 9.41e9}, "9410.00 Mbit/s"},
		{"throughput bytes", "format_throughput", []any{"MB/s", 8.0 * 1024 * 1024}, "1.00 MB/s"},
		{"throughput NaN", "format_throughput", []any{math.NaN()}, "n/a"},
		{"latency duration", "format_latency", []any{57300 * time.Nanosecond}, "57.3 us"},
		{"latency ns number", "format_latency", []any{512}, "512 ns"},
		{"latency ms", "format_latency", []any{1234567.0}, "1.23 ms"},
		{"latency s", "format_latency", []any{2 * time.Second}, "2.00 s"},
		{"latency unit", "format_latency", []any{"us", 1500 * time.Microsecond}, "1500 us"},
		{"percent", "format_percent", []any{0.1234}, "12.3%"},
		{"percent decimals", "format_percent", []any{2, 0.1234}, "12.34%"},
		{"percent negative zero", "format_percent", []any{-0.00001}, "0.0%"},
		{"percent NaN", "format_percent", []any{math.NaN()}, "n/a"},
		{"bytes", "format_bytes", []any{512}, "512 B"},
		{"bytes KiB", "format_bytes", []any{65536}, "64.0 KiB"},
		{"bytes GiB", "format_bytes", []any{uint64(1826193408)}, "1.70 GiB"},
		{"duration ms", "format_duration", []any{250 * time.Millisecond}, "250 ms"},
		{"duration s", "format_duration", []any{2 * time.Second}, "2.00 s"},
		{"duration m", "format_duration", []any{90 * time.Second}, "1m30s"},
		{"number int", "format_number", []any{1234567}, "1,234,567"},
		{"number float", "format_number", []any{1234567.891}, "1,234,567.89"},
		{"number decimals", "format_number", []any{1, -1234.56}, "-1,234.6"},
		{"number small", "format_number", []any{0, 999.4}, "999"},
		{"number NaN", "format_number", []any{math.NaN()}, "n/a"},
		{"plain", "plain_number", []any{7304774023.5}, "7304774023.5"},
		{"plain decimals", "plain_number", []any{3, 1.23456}, "1.235"},
		{"plain NaN", "plain_number", []any{math.NaN()}, ""},
		{"value bits", "format_value", []any{"bits/s", 7.3e9}, "7.30 Gbit/s"},
		{"value trans", "format_value", []any{"trans/s", 23219.6}, "23,220 trans/s"},
		{"value ns", "format_value", []any{"ns", 21300.0}, "21.3 us"},
		{"value other", "format_value", []any{"widgets", 2.5}, "2.50 widgets"},
		{"time", "format_time", []any{time.Date(2026, 12, 3, 17, 10, 55, 9, time.FixedZone("X", 3600))}, "2026-12-03 16:10:55 UTC"},
		{"time layout", "format_time", []any{"2006-01-02", time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)}, "2026-12-03"},
		{"labels", "format_labels", []any{map[string]string{"test": "rr", "profile": "p"}}, "profile=p, test=rr"},
		{"labels none", "format_labels", []any{map[string]string(nil)}, ""},
		{"latex", "escape_latex", []any{`50% of $x_1 & {y} #2 ~ ^ \cmd <a|b>`}, `50\% of \$x\_1 \& \{y\} \#2 \textasciitilde{} \textasciicircum{} \textbackslash{}cmd \textless{}a\textbar{}b\textgreater{}`},
		{"latex newline", "escape_latex", []any{"a\nb"}, "a b"},
		{"csv plain", "escape_csv", []any{"host-1"}, "host-1"},
		{"csv comma", "escape_csv", []any{`a,"b"`}, `"a,""b"""`},
		{"csv formula", "escape_csv", []any{"=1+1"}, "'=1+1"},
		{"csv plus", "escape_csv", []any{"+cmd"}, "'+cmd"},
		{"csv minus", "escape_csv", []any{"-2+3"}, "'-2+3"},
		{"csv at", "escape_csv", []any{"@SUM(A1)"}, "'@SUM(A1)"},
		{"csv formula with comma", "escape_csv", []any{`=HYPERLINK("x",1)`}, `"'=HYPERLINK(""x"",1)"`},
		{"csv tab", "escape_csv", []any{"\t=1"}, "'\t=1"},
		{"markdown", "escape_markdown", []any{"a|b *c* <b>d</b> [x](y) TCP_RR"}, `a\|b \*c\* \<b\>d\</b\> \[x\](y) TCP\_RR`},
		{"markdown newline", "escape_markdown", []any{"a\nb"}, "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := call(t, tt.filter, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%s%v = %q, want %q", tt.filter, tt.args, got, tt.want)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct {
		name   string
		filter string
		args   []any
		want   string
	}{
		{"not a number", "format_throughput", []any{"fast"}, "want a number"},
		{"bad unit", "format_throughput", []any{"furlongs", 1.0}, "unknown throughput unit"},
		{"bad latency unit", "format_latency", []any{"weeks", 1.0}, "unknown latency unit"},
		{"no value", "format_bytes", nil, "no value"},
		{"decimals", "format_percent", []any{1.5, 0.1}, "whole number"},
		{"sort not a list", "sort_by", []any{"x", 3}, "want a list"},
		{"sort bad key", "sort_by", []any{"Nope", []*Run{{}}}, `no field "Nope"`},
		{"avg percentile", "avg_value", []any{"Latency.P99", []*Run{{}}}, "never averaged"},
		{"avg percentile json", "avg_value", []any{"latency.p99_ns", []*Run{{}}}, "never averaged"},
		{"avg latencies", "avg_value", []any{[]*Latency{{}}}, "never averaged"},
		{"ci level", "ci", []any{1.5e3, []float64{1, 2}}, "ci level 1500: want a confidence level"},
		{"percentile p", "percentile", []any{101, []float64{1}}, "0..100"},
		{"delta args", "delta", []any{1.0}, "baseline"},
		{"chart", "throughput_chart", []any{3}, "want a test, group or run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := call(t, tt.filter, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestListFilters(t *testing.T) {
	runs := []*Run{
		{ID: "a", Test: "TCP_RR", Result: &Result{Value: 3}, Labels: map[string]string{"point": "x"}},
		{ID: "b", Test: "TCP_STREAM", Result: &Result{Value: math.NaN()}, Labels: map[string]string{"point": "y"}},
		{ID: "c", Test: "TCP_RR", Result: &Result{Value: 1}, Labels: map[string]string{"point": "x"}},
		{ID: "d", Test: "TCP_RR"},
		{ID: "e", Test: "TCP_RR", Result: &Result{Value: 2}, Labels: map[string]string{"point": "z"}},
	}
	ids := func(x any) string {
		var s []string
		for _, r := range x.([]*Run) {
			s = append(s, r.ID)
		}
		return strings.Join(s, "")
	}
	for _, tt := range []struct {
		args []any
		want string
	}{
		{[]any{"Result.Value", runs}, "ceabd"},
		{[]any{"result.value", runs}, "ceabd"},
		{[]any{"-Result.Value", runs}, "aecbd"},
		{[]any{"Result.Value", true, runs}, "aecbd"},
		{[]any{"Labels.point", runs}, "acbed"},
		{[]any{"ID", runs}, "abcde"},
	} {
		got, err := call(t, "sort_by", tt.args...)
		if err != nil {
			t.Fatal(err)
		}
		if ids(got) != tt.want {
			t.Errorf("sort_by %v = %s, want %s", tt.args[:len(tt.args)-1], ids(got), tt.want)
		}
	}
	got, err := call(t, "group_by", "Test", runs)
	if err != nil {
		t.Fatal(err)
	}
	buckets := got.([]*Bucket)
	if len(buckets) != 2 || buckets[0].Key != "TCP_RR" || ids(buckets[0].Items) != "acde" || ids(buckets[1].Items) != "b" {
		t.Errorf("group_by: %+v", buckets)
	}

	for _, tt := range []struct {
		filter string
		args   []any
		want   float64
	}{
		{"max_value", []any{"Result.Value", runs}, 3},
		{"min_value", []any{"Result.Value", runs}, 1},
		{"avg_value", []any{"Result.Value", runs}, 2},
		{"max_value", []any{[]float64{4, math.NaN(), 9, 1}}, 9},
		{"avg_value", []any{[]int{1, 2, 6}}, 3},
		{"delta", []any{4.0, 5.0}, 0.25},
		{"delta", []any{&Summary{Mean: 10}, &Summary{Mean: 9}}, -0.1},
		{"percentile", []any{50, []float64{1, 2, 3, 4}}, 2.5},
		{"percentile", []any{90, &Summary{Values: []float64{10, 20, 30, 40, 50}}}, 46},
	} {
		got, err := call(t, tt.filter, tt.args...)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got.(float64)-tt.want) > 1e-12 {
			t.Errorf("%s %v = %v, want %v", tt.filter, tt.args, got, tt.want)
		}
	}
	got, err = call(t, "max_value", []float64{})
	if err != nil || !math.IsNaN(got.(float64)) {
		t.Errorf("max_value of nothing = %v, %v; want NaN", got, err)
	}
	got, err = call(t, "delta", 0.0, 1.0)
	if err != nil || !math.IsNaN(got.(float64)) {
		t.Errorf("delta against 0 = %v, %v; want NaN", got, err)
	}
}

// ci is stats.MeanInterval: 1..5 has mean 3, s = 1.5811, t(0.975, 4) =
// 2.7764, so the 95% interval is 3 ± 1.9632.
func TestCIFilter(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5}
	got, err := call(t, "ci", xs)
	if err != nil {
		t.Fatal(err)
	}
	iv := got.(Interval)
	want, _ := stats.MeanInterval(xs, 0.95)
	if !iv.Valid || iv.Lo != want.Lo || iv.Hi != want.Hi || math.Abs(iv.HalfWidth-1.9632) > 1e-4 || iv.Mean != 3 {
		t.Errorf("ci = %+v, want %+v", iv, want)
	}
	got, err = call(t, "ci", 99, xs)
	if err != nil {
		t.Fatal(err)
	}
	if iv99 := got.(Interval); iv99.Level != 0.99 || !(iv99.HalfWidth > iv.HalfWidth) {
		t.Errorf("99%% ci = %+v", iv99)
	}
	got, err = call(t, "ci", "Result.Value", []*Run{{Result: &Result{Value: 1}}, {Result: &Result{Value: 3}}})
	if err != nil || !got.(Interval).Valid || got.(Interval).Mean != 2 {
		t.Errorf("ci of a field = %+v, %v", got, err)
	}
	got, err = call(t, "ci", []float64{7})
	if err != nil || got.(Interval).Valid || got.(Interval).Note == "" {
		t.Errorf("ci of one value = %+v, %v; want invalid with a note", got, err)
	}
}

// percentile of latencies merges their histograms: the p50 of two
// instances, one fast and one slow, is the p50 of all their values, not
// the mean of their p50s.
func TestPercentileMerges(t *testing.T) {
	fast, slow := stats.NewHistogram(), stats.NewHistogram()
	for i := range 900 {
		fast.Record(time.Duration(10000 + i))
	}
	for i := range 100 {
		slow.Record(time.Duration(1000000 + i))
	}
	ls := []*Latency{newLatency(fast), newLatency(slow)}
	got, err := call(t, "percentile", 95, ls)
	if err != nil {
		t.Fatal(err)
	}
	merged := stats.NewHistogram()
	merged.Merge(fast)
	merged.Merge(slow)
	if got != merged.Quantile(0.95) {
		t.Errorf("p95 = %v, want %v from the merged histogram", got, merged.Quantile(0.95))
	}
	avg := (fast.Quantile(0.95) + slow.Quantile(0.95)) / 2
	if got == avg {
		t.Errorf("p95 is the average of percentiles")
	}
	if d := got.(time.Duration); d < time.Millisecond {
		t.Errorf("p95 %v: 10%% of the values are above 1 ms, so p95 is too", d)
	}
	runs := []*Run{{Latency: ls[0]}, {Latency: ls[1]}}
	if g, err := call(t, "percentile", 95, runs); err != nil || g != got {
		t.Errorf("percentile of runs = %v, %v; want %v", g, err, got)
	}
}

func TestCharts(t *testing.T) {
	d := fixtureData(t)
	for _, tt := range d.Tests {
		c, err := throughputChart(tt)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, s := range tt.Series {
			if len(s.Points) > 0 {
				want++
			}
		}
		if len(c.Series) != want || want == 0 {
			t.Errorf("%s: throughput chart has %d series, want %d", tt.Name, len(c.Series), want)
		}
		for _, s := range c.Series {
			for _, p := range strings.Fields(s.Points) {
				x, y, _ := strings.Cut(p, ",")
				if !inside(x, c.Left, c.Right) || !inside(y, c.Top, c.Bottom) {
					t.Errorf("%s: point %s outside the plot", tt.Name, p)
				}
			}
		}
		lc, err := latencyChart(tt)
		if err != nil {
			t.Fatal(err)
		}
		dc, err := distributionChart(tt)
		if err != nil {
			t.Fatal(err)
		}
		groups := 0
		for _, g := range tt.Groups {
			if g.Latency != nil {
				groups++
			}
		}
		if len(lc.Series) != groups || len(dc.Series) != groups {
			t.Errorf("%s: latency charts have %d and %d series, want %d", tt.Name, len(lc.Series), len(dc.Series), groups)
		}
		if groups == 0 && lc.Note == "" {
			t.Errorf("%s: empty latency chart without a note", tt.Name)
		}
	}
	for _, r := range d.Runs {
		c, err := instanceChart(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Bars) != len(r.Instances) {
			t.Errorf("run %s: %d bars for %d instances", r.ID, len(c.Bars), len(r.Instances))
		}
	}
}

func inside(s string, lo, hi float64) bool {
	var v float64
	if _, err := fmt.Sscan(s, &v); err != nil {
		return false
	}
	return v >= lo-0.05 && v <= hi+0.05
}
