package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"nperf/stats"
)

// A Chart is a chart laid out for SVG: every coordinate is already in the
// chart's pixel space (0,0 at the top left of a Width x Height viewBox),
// so a template only places elements. Charts come from the chart
// filters (throughput_chart, latency_chart, distribution_chart,
// instance_chart); the html-report shows how to draw one.
type Chart struct {
	ID     string `json:"id"`   // unique within a report, for element ids
	Kind   string `json:"kind"` // "line" or "bars"
	Title  string `json:"title"`
	XLabel string `json:"x_label"`
	YLabel string `json:"y_label"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	// The plot area.
	Left       float64 `json:"left"`
	Top        float64 `json:"top"`
	PlotWidth  float64 `json:"plot_width"`
	PlotHeight float64 `json:"plot_height"`
	Right      float64 `json:"right"`  // Left + PlotWidth
	Bottom     float64 `json:"bottom"` // Top + PlotHeight
	// Where labels go: y tick labels end at YTickLabelX, x tick labels
	// and bar labels sit on XTickLabelY, the axis titles at XTitleX,
	// XTitleY and YTitleY (rotated), the legend from LegendX (swatch to
	// LegendSwatchEnd, text at LegendTextX).
	YTickLabelX     float64 `json:"y_tick_label_x"`
	XTickLabelY     float64 `json:"x_tick_label_y"`
	XTitleX         float64 `json:"x_title_x"`
	XTitleY         float64 `json:"x_title_y"`
	YTitleY         float64 `json:"y_title_y"`
	LegendX         float64 `json:"legend_x"`
	LegendSwatchEnd float64 `json:"legend_swatch_end"`
	LegendTextX     float64 `json:"legend_text_x"`
	XTicks          []*Tick `json:"x_ticks"`
	YTicks          []*Tick `json:"y_ticks"`
	// Series are the lines of a line chart, Bars the bars of a bar chart.
	Series []*ChartSeries `json:"series"`
	Bars   []*ChartBar    `json:"bars"`
	// LegendMore says how many series the legend leaves out ("+3 more"),
	// at LegendMoreY; "" when it shows them all.
	LegendMore  string  `json:"legend_more"`
	LegendMoreY float64 `json:"legend_more_y"`
	// Note says why a chart is empty.
	Note string `json:"note"`
}

// A Tick is one axis mark: its pixel position along the axis and label.
type Tick struct {
	Pos   float64 `json:"pos"`
	Label string  `json:"label"`
}

// A ChartSeries is one line: an SVG polyline's points and its legend.
type ChartSeries struct {
	Name   string `json:"name"`
	Color  string `json:"color"`
	Points string `json:"points"` // "x1,y1 x2,y2 ..."
	Count  int    `json:"count"`  // number of points
	// LegendY is the legend entry's vertical position; InLegend is false
	// for the series the legend has no room for.
	LegendY  float64 `json:"legend_y"`
	InLegend bool    `json:"in_legend"`
}

// A ChartBar is one bar with its label and printed value.
type ChartBar struct {
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Color  string  `json:"color"`
	Label  string  `json:"label"`
	Value  string  `json:"value"`
	// LabelX is the bar's centre, where its label and value go; the
	// value sits at ValueY, above the bar.
	LabelX float64 `json:"label_x"`
	ValueY float64 `json:"value_y"`
}

// palette is Tableau 10: distinct, readable on white and in print.
var palette = []string{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"}

const (
	chartWidth  = 760
	chartHeight = 320
	legendWidth = 170
)

// legendRows is how many series a legend lists.
func legendRows() int { return int((chartHeight - 30 - 30) / 18) }

func newChart(id, kind, title, xl, yl string) *Chart {
	c := &Chart{ID: id, Kind: kind, Title: title, XLabel: xl, YLabel: yl,
		Width: chartWidth, Height: chartHeight, Left: 84, Top: 30}
	c.PlotWidth = float64(chartWidth) - c.Left - 24
	if kind == "line" {
		c.PlotWidth -= legendWidth
	}
	c.PlotHeight = float64(chartHeight) - c.Top - 52
	c.Right, c.Bottom = c.Left+c.PlotWidth, c.Top+c.PlotHeight
	c.YTickLabelX, c.XTickLabelY = c.Left-6, c.Bottom+16
	c.XTitleX, c.XTitleY, c.YTitleY = round1(c.Left+c.PlotWidth/2), float64(chartHeight)-10, round1(c.Top+c.PlotHeight/2)
	c.LegendX = c.Right + 14
	c.LegendSwatchEnd, c.LegendTextX = c.LegendX+18, c.LegendX+24
	c.Series, c.Bars, c.XTicks, c.YTicks = []*ChartSeries{}, []*ChartBar{}, []*Tick{}, []*Tick{}
	return c
}

// chartID makes an element id from parts: letters, digits and dashes.
func chartID(parts ...string) string {
	var sb strings.Builder
	for i, p := range parts {
		if i > 0 {
			sb.WriteByte('-')
		}
		for _, r := range strings.ToLower(p) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				sb.WriteRune(r)
			default:
				sb.WriteByte('-')
			}
		}
	}
	return sb.String()
}

// niceStep is a step of 1, 2 or 5 times a power of ten giving about n
// intervals over span.
func niceStep(span float64, n int) float64 {
	if !(span > 0) {
		return 1
	}
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func fmtPx(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

// round1 rounds a pixel coordinate to a tenth, so that documents stay
// small and stable.
func round1(x float64) float64 { return math.Round(x*10) / 10 }

// xy maps data coordinates into the plot area.
type scale struct{ x0, x1, y0, y1 float64 }

func (c *Chart) px(s scale, x, y float64) (float64, float64) {
	fx, fy := 0.0, 0.0
	if s.x1 > s.x0 {
		fx = (x - s.x0) / (s.x1 - s.x0)
	}
	if s.y1 > s.y0 {
		fy = (y - s.y0) / (s.y1 - s.y0)
	}
	fx, fy = min(max(fx, 0), 1), min(max(fy, 0), 1)
	return c.Left + fx*c.PlotWidth, c.Bottom - fy*c.PlotHeight
}

func (c *Chart) addSeries(name string, pts [][2]float64, s scale) {
	var sb strings.Builder
	for i, p := range pts {
		if i > 0 {
			sb.WriteByte(' ')
		}
		x, y := c.px(s, p[0], p[1])
		sb.WriteString(fmtPx(x) + "," + fmtPx(y))
	}
	i := len(c.Series)
	c.Series = append(c.Series, &ChartSeries{Name: name, Color: palette[i%len(palette)],
		Points: sb.String(), Count: len(pts), LegendY: c.Top + 8 + float64(i)*18})
	if max := legendRows(); i < max {
		c.Series[i].InLegend = true
	} else {
		c.LegendMore = fmt.Sprintf("+%d more", i-max+1)
		c.LegendMoreY = c.Top + 8 + float64(max)*18
	}
}

// rateAxis picks the unit of a rate axis whose top is top: the y title
// names it and the ticks print plain numbers in it.
func rateAxis(metric string, top float64) (title string, format func(float64) string) {
	plain := func(div float64) func(float64) string {
		return func(v float64) string { return strconv.FormatFloat(v/div, 'f', -1, 64) }
	}
	if metric != "throughput" {
		return "transactions/s", func(v float64) string { return formatNumber(v, 0) }
	}
	for _, u := range []struct {
		name string
		div  float64
	}{{"Tbit/s", 1e12}, {"Gbit/s", 1e9}, {"Mbit/s", 1e6}, {"kbit/s", 1e3}} {
		if top >= u.div {
			return "throughput, " + u.name, plain(u.div)
		}
	}
	return "throughput, bit/s", plain(1)
}

// linearYTicks puts ticks over [0, hi] on the y axis, labels them through
// axis (which also names the axis) and returns the axis top.
func (c *Chart) linearYTicks(hi float64, axis func(top float64) (string, func(float64) string)) float64 {
	step := niceStep(hi, 5)
	top := math.Ceil(hi/step-1e-9) * step
	if top <= 0 {
		top = 1
	}
	title, format := axis(top)
	c.YLabel = title
	for i := 0; float64(i)*step <= top+step/2; i++ {
		v := float64(i) * step
		_, y := c.px(scale{0, 1, 0, top}, 0, v)
		c.YTicks = append(c.YTicks, &Tick{Pos: round1(y), Label: format(v)})
	}
	return top
}

// seriesOf finds the instance series a chart of x draws.
func seriesOf(x any) (id, title, metric string, series []*Series, err error) {
	switch v := x.(type) {
	case *Test:
		if v != nil {
			return v.Name, v.Name, v.Metric, v.Series, nil
		}
	case *Group:
		if v != nil {
			for _, r := range v.Runs {
				for _, in := range r.Instances {
					series = append(series, in.Series)
				}
			}
			return v.Key, v.Name, v.Metric, series, nil
		}
	case *Run:
		if v != nil {
			for _, in := range v.Instances {
				series = append(series, in.Series)
			}
			metric, _ := metricOf(v.Test)
			return v.ID, v.Test + " run " + v.ID, metric, series, nil
		}
	default:
		return "", "", "", nil, fmt.Errorf("want a test, group or run, got %s", describe(x))
	}
	return "", "", "", nil, fmt.Errorf("want a test, group or run, got nothing")
}

func throughputChart(x any) (*Chart, error) {
	id, title, metric, series, err := seriesOf(x)
	if err != nil {
		return nil, fmt.Errorf("throughput_chart: %w", err)
	}
	yl := "throughput"
	if metric != "throughput" {
		yl = "transactions/s"
	}
	c := newChart(chartID("throughput", id), "line", title+": "+yl+" over time", "time since the run's start", yl)
	var xmax, ymax float64
	for _, s := range series {
		for _, p := range s.Points {
			xmax = max(xmax, p.Offset.Seconds())
			ymax = max(ymax, p.Value)
		}
	}
	if xmax == 0 {
		c.Note = "no interval records"
		return c, nil
	}
	top := c.linearYTicks(ymax*1.05, func(top float64) (string, func(float64) string) { return rateAxis(metric, top) })
	xstep := niceStep(xmax, 6)
	sc := scale{0, xmax, 0, top}
	for i := 0; float64(i)*xstep <= xmax*(1+1e-9); i++ {
		v := float64(i) * xstep
		px, _ := c.px(sc, v, 0)
		c.XTicks = append(c.XTicks, &Tick{Pos: round1(px), Label: strconv.FormatFloat(v, 'f', -1, 64) + " s"})
	}
	for _, s := range series {
		if len(s.Points) == 0 {
			continue
		}
		// Each interval's rate holds from its start to its end: draw it
		// at both, a step line.
		pts := make([][2]float64, 0, 2*len(s.Points))
		for _, p := range s.Points {
			end := p.Offset.Seconds()
			pts = append(pts, [2]float64{end - p.Elapsed.Seconds(), p.Value}, [2]float64{end, p.Value})
		}
		c.addSeries(s.Name, pts, sc)
	}
	return c, nil
}

// latencies finds the latencies a latency chart of x draws, one line
// each: a test's groups, a group's runs, a run's instances.
func latencies(x any) (id, title string, names []string, ls []*Latency, err error) {
	switch v := x.(type) {
	case *Test:
		if v == nil {
			break
		}
		for _, g := range v.Groups {
			if g.Latency != nil {
				names, ls = append(names, g.Name), append(ls, g.Latency)
			}
		}
		return v.Name, v.Name, names, ls, nil
	case *Group:
		if v == nil {
			break
		}
		for _, r := range v.Runs {
			if r.Latency != nil {
				names, ls = append(names, runLabel(r)), append(ls, r.Latency)
			}
		}
		return v.Key, v.Name, names, ls, nil
	case *Run:
		if v == nil {
			break
		}
		for _, in := range v.Instances {
			if in.Latency != nil {
				names, ls = append(names, fmt.Sprintf("instance %d", in.Index)), append(ls, in.Latency)
			}
		}
		return v.ID, v.Test + " run " + v.ID, names, ls, nil
	default:
		return "", "", nil, nil, fmt.Errorf("want a test, group or run, got %s", describe(x))
	}
	return "", "", nil, nil, fmt.Errorf("want a test, group or run, got nothing")
}

// decades are the log10 bounds of whole decades spanning [lo, hi]
// nanoseconds.
func decades(lo, hi float64) (float64, float64) {
	l0 := math.Floor(math.Log10(max(lo, 1)))
	l1 := math.Ceil(math.Log10(max(hi, 1)))
	if l1 <= l0 {
		l1 = l0 + 1
	}
	return l0, l1
}

func decadeLabel(e float64) string {
	s, _ := formatLatency(math.Pow(10, e), "")
	return s
}

// ninesQuantiles are the quantiles of a percentile chart: 0 to 0.9999 at
// ten steps per "nine".
func ninesQuantiles() []float64 {
	var qs []float64
	for k := 0; k <= 40; k++ {
		qs = append(qs, 1-math.Pow(10, -float64(k)/10))
	}
	return qs
}

func latencyChart(x any) (*Chart, error) {
	id, title, names, ls, err := latencies(x)
	if err != nil {
		return nil, fmt.Errorf("latency_chart: %w", err)
	}
	c := newChart(chartID("latency", id), "line", title+": latency percentiles", "percentile", "round-trip time")
	if len(ls) == 0 {
		c.Note = "no latency histograms (STREAM tests measure none)"
		return c, nil
	}
	qs := ninesQuantiles()
	lo, hi := math.Inf(1), 0.0
	for _, l := range ls {
		lo = min(lo, float64(l.Min))
		hi = max(hi, float64(l.hist.Quantile(qs[len(qs)-1])))
	}
	l0, l1 := decades(lo, hi)
	sc := scale{0, 4, l0, l1}
	for e := l0; e <= l1; e++ {
		_, py := c.px(sc, 0, e)
		c.YTicks = append(c.YTicks, &Tick{Pos: round1(py), Label: decadeLabel(e)})
	}
	for k, label := range []string{"p0", "p90", "p99", "p99.9", "p99.99"} {
		px, _ := c.px(sc, float64(k), 0)
		c.XTicks = append(c.XTicks, &Tick{Pos: round1(px), Label: label})
	}
	for i, l := range ls {
		pts := make([][2]float64, 0, len(qs))
		for j, q := range qs {
			v := float64(l.hist.Quantile(q))
			pts = append(pts, [2]float64{float64(j) / 10, math.Log10(max(v, 1))})
		}
		c.addSeries(names[i], pts, sc)
	}
	return c, nil
}

func distributionChart(x any) (*Chart, error) {
	id, title, names, ls, err := latencies(x)
	if err != nil {
		return nil, fmt.Errorf("distribution_chart: %w", err)
	}
	c := newChart(chartID("distribution", id), "line", title+": latency distribution", "round-trip time (log scale)", "share of round trips")
	if len(ls) == 0 {
		c.Note = "no latency histograms (STREAM tests measure none)"
		return c, nil
	}
	logOf := func(d time.Duration) float64 { return math.Log10(max(float64(d), 1)) }
	lo, hi, ymax := math.Inf(1), math.Inf(-1), 0.0
	for _, l := range ls {
		for _, b := range l.Distribution {
			lo, hi, ymax = min(lo, logOf(b.Lo)), max(hi, logOf(b.Hi)), max(ymax, b.Fraction)
		}
	}
	l0, l1 := math.Floor(lo+1e-9), math.Ceil(hi-1e-9)
	if l1 <= l0 {
		l1 = l0 + 1
	}
	top := c.linearYTicks(ymax*1.05, func(float64) (string, func(float64) string) {
		return "share of round trips per tenth of a decade", func(v float64) string { return formatPercent(v, 0) }
	})
	sc := scale{l0, l1, 0, top}
	for e := l0; e <= l1; e++ {
		px, _ := c.px(sc, e, 0)
		c.XTicks = append(c.XTicks, &Tick{Pos: round1(px), Label: decadeLabel(e)})
	}
	for i, l := range ls {
		var pts [][2]float64
		for _, b := range l.Distribution {
			a, z := logOf(b.Lo), logOf(b.Hi)
			pts = append(pts, [2]float64{a, b.Fraction}, [2]float64{z, b.Fraction})
		}
		if len(pts) > 0 {
			pts = append([][2]float64{{pts[0][0], 0}}, pts...)
			pts = append(pts, [2]float64{pts[len(pts)-1][0], 0})
		}
		c.addSeries(names[i], pts, sc)
	}
	return c, nil
}

func instanceChart(x any) (*Chart, error) {
	r, ok := x.(*Run)
	if !ok || r == nil {
		return nil, fmt.Errorf("instance_chart: want a run, got %s", describe(x))
	}
	metric, _ := metricOf(r.Test)
	yl := "throughput"
	if metric != "throughput" {
		yl = "transactions/s"
	}
	c := newChart(chartID("instances", r.ID), "bars", r.Test+" run "+r.ID+": "+yl+" per instance", "instance", yl)
	var values []float64
	var ins []*Instance
	for _, in := range r.Instances {
		if in.Result != nil {
			values = append(values, in.Result.Value)
			ins = append(ins, in)
		}
	}
	if len(ins) == 0 {
		c.Note = "no instance finished"
		return c, nil
	}
	top := c.linearYTicks(stats.Summarize(values).Max*1.12, func(top float64) (string, func(float64) string) { return rateAxis(metric, top) })
	sc := scale{0, 1, 0, top}
	slot := c.PlotWidth / float64(len(ins))
	w := min(slot*0.7, 80)
	format := func(v float64) string { s, _ := formatValue(v, r.Result.Unit); return s }
	if r.Result == nil {
		_, unit := metricOf(r.Test)
		format = func(v float64) string { s, _ := formatValue(v, unit); return s }
	}
	for i, in := range ins {
		_, y := c.px(sc, 0, in.Result.Value)
		x := c.Left + slot*float64(i) + (slot-w)/2
		color := palette[0]
		if in.Error != nil {
			color = palette[2]
		}
		c.Bars = append(c.Bars, &ChartBar{X: round1(x), Y: round1(y), Width: round1(w), Height: round1(c.Bottom - y),
			Color: color, Label: fmt.Sprintf("#%d", in.Index), Value: format(in.Result.Value),
			LabelX: round1(x + w/2), ValueY: round1(y - 4)})
	}
	return c, nil
}
