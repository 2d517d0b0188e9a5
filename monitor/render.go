package monitor

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"nperf/internal/units"
	"nperf/result"
)

// Styles colour parts of the screen. The zero value renders plain text,
// which is what the golden tests and the final printout use.
type Styles struct {
	Title, Label, Value, Spark, Bar, Dim, Warn, Good lipgloss.Style

	on bool
}

// ColorStyles returns the styles of the terminal view, for the terminal r
// writes to (it decides how many colours there are, down to none).
func ColorStyles(r *lipgloss.Renderer) Styles {
	return Styles{
		Title: r.NewStyle().Bold(true),
		Label: r.NewStyle().Foreground(lipgloss.Color("6")),
		Value: r.NewStyle().Bold(true),
		Spark: r.NewStyle().Foreground(lipgloss.Color("4")),
		Bar:   r.NewStyle().Foreground(lipgloss.Color("2")),
		Dim:   r.NewStyle().Faint(true),
		Warn:  r.NewStyle().Foreground(lipgloss.Color("3")).Bold(true),
		Good:  r.NewStyle().Foreground(lipgloss.Color("2")),
		on:    true,
	}
}

// The screen's column layout: a label column, then values.
const (
	labelWidth  = 13
	minWidth    = 40
	wideWidth   = 100 // from here the instance table shows where each instance runs
	sparkLevels = "▁▂▃▄▅▆▇█"
)

// Render writes the screen for a terminal of width x height cells, as
// plain text: one line per row, no line longer than width, at most height
// lines (height <= 0: as many as it takes).
func (s *State) Render(w io.Writer, width, height int) error {
	return s.RenderStyled(w, width, height, Styles{})
}

// RenderStyled is Render with colours.
func (s *State) RenderStyled(w io.Writer, width, height int, st Styles) error {
	width = max(width, minWidth)
	lines := s.lines(width, height, st)
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}

// A row is one line under construction; it never grows past its width.
type row struct {
	st    Styles
	b     strings.Builder
	n     int
	width int
}

func newRow(width int, st Styles) *row { return &row{st: st, width: width} }

func (r *row) add(style lipgloss.Style, text string) *row {
	room := r.width - r.n
	if room <= 0 || text == "" {
		return r
	}
	text = clean(text)
	if ansi.StringWidth(text) > room {
		text = ansi.Truncate(text, room, "…")
	}
	r.n += ansi.StringWidth(text)
	if r.st.on {
		text = style.Render(text)
	}
	r.b.WriteString(text)
	return r
}

func (r *row) plain(text string) *row { return r.add(lipgloss.Style{}, text) }

// to pads with spaces up to column col (at least one space when text is
// already there).
func (r *row) to(col int) *row {
	if r.n > 0 && r.n >= col {
		col = r.n + 1
	}
	if col > r.width {
		col = r.width
	}
	if col > r.n {
		r.b.WriteString(strings.Repeat(" ", col-r.n))
		r.n = col
	}
	return r
}

func (r *row) label(text string) *row { return r.add(r.st.Label, text).to(labelWidth) }

func (r *row) String() string { return strings.TrimRight(r.b.String(), " ") }

func (s *State) lines(width, height int, st Styles) []string {
	ru := s.cur
	var head, table, tail, warns []string
	head = append(head, s.title(width, st))
	if ru == nil {
		head = append(head, newRow(width, st).label("progress").add(st.Dim, "waiting for the first records").String())
	} else {
		head = append(head, s.headlines(ru, width, st)...)
		head = append(head, s.progressLine(ru, width, st))
		if len(s.runs) > 1 {
			head = append(head, newRow(width, st).label("runs").add(st.Dim,
				fmt.Sprintf("%d in this stream; showing the newest", len(s.runs))).String())
		}
		table = s.table(ru, width, st)
		tail = append(tail, s.latencyLines(ru, width, st)...)
		tail = append(tail, s.cpuLine(ru, width, st))
	}
	warns = s.warningLines(width, st)

	if height <= 0 {
		out := append(head, "")
		if len(table) > 0 {
			out = append(append(out, table...), "")
		}
		out = append(append(out, tail...), warns...)
		return out
	}

	// Fit the height: drop the blank separators first, then keep the
	// newest warnings (up to three) and cut the instance table short, then
	// give what is left to older warnings.
	room := height - len(head) - len(tail)
	blanks := 1
	if len(table) > 0 {
		blanks = 2
	}
	if room < len(table)+len(warns)+blanks {
		blanks = 0
	}
	room -= blanks
	nWarn := min(len(warns), 3, max(room-2, 1))
	nTable := max(room-nWarn, 0)
	if nTable > len(table) {
		nWarn = min(len(warns), nWarn+nTable-len(table))
		nTable = len(table)
	}
	warns = s.warningLinesN(width, st, nWarn)
	table = cutTable(table, nTable, width, st)

	out := head
	if blanks > 0 {
		out = append(out, "")
	}
	if len(table) > 0 {
		out = append(out, table...)
		if blanks > 1 {
			out = append(out, "")
		}
	}
	out = append(append(out, tail...), warns...)
	if len(out) > height {
		out = out[:height]
	}
	return out
}

func (s *State) title(width int, st Styles) string {
	r := newRow(width, st).add(st.Title, "nperf monitor")
	ru := s.cur
	status := "waiting"
	switch {
	case ru != nil && ru.done() && ru.stopped():
		status = "stopped"
	case ru != nil && ru.done():
		status = "done"
	case s.ended:
		status = "stream ended"
	case ru != nil:
		status = "live"
	}
	style := st.Good
	if status != "live" && status != "done" {
		style = st.Dim
	}
	r.to(15).add(style, status)
	if ru != nil {
		r.to(r.n+2).add(st.Value, fmt.Sprintf("%s x%d", strings.Join(ru.tests, "+"), max(len(ru.inst), instancesOf(ru))))
		if ru.id != "" {
			r.to(r.n+2).add(st.Dim, "run "+ru.id)
		}
		if p := peers(ru); p != "" {
			r.to(r.n+2).add(st.Dim, p)
		}
	}
	if s.header != nil && len(s.header.CommandLine) > 0 {
		argv := append([]string{filepath.Base(s.header.CommandLine[0])}, s.header.CommandLine[1:]...)
		r.to(r.n+2).add(st.Dim, "from: "+strings.Join(argv, " "))
	}
	return r.String()
}

func instancesOf(ru *run) int {
	if ru.aggregate != nil && ru.aggregate.Aggregate != nil {
		return ru.aggregate.Aggregate.Instances
	}
	return 0
}

// peers names the server, or says how many there are.
func peers(ru *run) string {
	seen := map[string]bool{}
	one := ""
	for _, in := range ru.inst {
		if in.peer != "" && !seen[in.peer] {
			seen[in.peer] = true
			one = in.peer
		}
	}
	switch len(seen) {
	case 0:
		return ""
	case 1:
		return "to " + one
	}
	return fmt.Sprintf("to %d servers", len(seen))
}

// headlines are the aggregate rate lines: now (live) or the whole run
// (done), with the sparkline of the sum by interval.
func (s *State) headlines(ru *run, width int, st Styles) []string {
	var out []string
	c := ru.complete()
	done := ru.done()
	line := func(label string, hist *series, now float64, final float64, format func(float64) string) {
		r := newRow(width, st).label(label)
		v, tag := now, "now"
		if done {
			v, tag = final, "result"
		}
		val := "-"
		if !math.IsNaN(v) {
			val = format(v)
		}
		r.add(st.Value, val).plain(" ").add(st.Dim, tag).to(labelWidth + 22)
		r.add(st.Spark, sparkline(hist.upTo(c), width-r.n))
		out = append(out, r.String())
	}
	if ru.hasStream() || !ru.hasRR() {
		line("throughput", &ru.aggBits, ru.aggBits.at(c), ru.resultBits(), units.BitsPerSecond)
	}
	if ru.hasRR() {
		line("transactions", &ru.aggTrans, ru.aggTrans.at(c), ru.resultTrans(), transRate)
	}
	if a := ru.aggregate; a != nil && a.Aggregate != nil {
		ag := a.Aggregate
		r := newRow(width, st).to(labelWidth)
		r.add(st.Dim, fmt.Sprintf("common window %s of %d/%d valid instances, Jain %.3f", seconds(a.Elapsed), ag.Valid, ag.Instances, ag.JainIndex))
		out = append(out, r.String())
	}
	return out
}

// resultBits is the whole run's throughput: the runner's sum over the
// common window when there is one, else the sum of the instances' own.
func (ru *run) resultBits() float64 {
	if ru.aggregate != nil && ru.aggregate.Elapsed > 0 {
		return ru.aggregate.ThroughputBitsPerSecond()
	}
	return ru.sumFinals(func(r *result.Record) float64 { return r.ThroughputBitsPerSecond() })
}

func (ru *run) resultTrans() float64 {
	if ru.aggregate != nil && ru.aggregate.Elapsed > 0 {
		return ru.aggregate.TransactionRate()
	}
	return ru.sumFinals(func(r *result.Record) float64 { return r.TransactionRate() })
}

func (ru *run) sumFinals(rate func(*result.Record) float64) float64 {
	sum, n := 0.0, 0
	for _, in := range ru.inst {
		if f := in.final; f != nil && f.Elapsed > 0 && (f.Err == nil || f.Err.Kind == result.ErrInterrupted) {
			sum += rate(f)
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum
}

func (s *State) progressLine(ru *run, width int, st Styles) string {
	r := newRow(width, st).label("progress")
	el := ru.elapsed(s.now)
	if ru.start.IsZero() && !ru.done() {
		return r.add(st.Dim, "waiting for the first interval").String()
	}
	frac, left := ru.progress(s.now, s.plan)
	if frac < 0 {
		return r.add(st.Value, seconds(el)).add(st.Dim, " elapsed; length not known yet").String()
	}
	var tailText string
	switch {
	case ru.done() && ru.stopped():
		tailText = "stopped after " + seconds(el)
	case ru.done():
		tailText = "done in " + seconds(el)
	default:
		tailText = fmt.Sprintf("%s elapsed  ETA %s", seconds(el), seconds(left))
	}
	pct := fmt.Sprintf("%3.0f%%", 100*frac)
	barWidth := max(width-labelWidth-2-2-len(pct)-2-len(tailText), 10)
	barWidth = min(barWidth, 60)
	filled := int(math.Round(frac * float64(barWidth)))
	r.plain("[").add(st.Bar, strings.Repeat("█", filled)).add(st.Dim, strings.Repeat("░", barWidth-filled)).plain("]")
	r.plain("  ").add(st.Value, pct).plain("  ").plain(tailText)
	return r.String()
}

func (s *State) table(ru *run, width int, st Styles) []string {
	if len(ru.inst) == 0 {
		return nil
	}
	wide := width >= wideWidth
	const rateWidth = 14
	const stateWidth = 8
	nameWidth := 4
	for _, in := range ru.inst {
		nameWidth = max(nameWidth, ansi.StringWidth(in.label()))
	}
	nameWidth = min(nameWidth, 20)
	whereWidth := 0
	if wide {
		whereWidth = 22
	}
	rateCol := nameWidth + 2 + whereWidth
	sparkCol := rateCol + rateWidth
	sparkWidth := max(width-sparkCol-stateWidth-1, 4)
	stateCol := sparkCol + sparkWidth + 1

	head := newRow(width, st)
	head.add(st.Label, "inst").to(nameWidth + 2)
	if wide {
		head.add(st.Label, "server").to(rateCol)
	}
	head.add(st.Label, "rate").to(sparkCol).add(st.Label, "history").to(stateCol).add(st.Label, "state")
	out := []string{head.String()}

	for _, in := range ru.inst {
		r := newRow(width, st)
		name := in.label()
		if in.key.host == "" {
			name = fmt.Sprintf("%*s", nameWidth, name)
		}
		r.plain(ansi.Truncate(name, nameWidth, "…")).to(nameWidth + 2)
		if wide {
			r.add(st.Dim, ansi.Truncate(in.peer, whereWidth-2, "…")).to(rateCol)
		}
		hist, rate, format := &in.bits, 0.0, units.BitsPerSecond
		if !in.stream() {
			hist, format = &in.trans, transRate
		}
		rate = hist.last()
		if f := in.final; f != nil && f.Elapsed > 0 {
			rate = f.ThroughputBitsPerSecond()
			if !in.stream() {
				rate = f.TransactionRate()
			}
		}
		val := "-"
		if !math.IsNaN(rate) {
			val = format(rate)
		}
		r.add(st.Value, val).to(sparkCol)
		r.add(st.Spark, sparkline(hist.v, sparkWidth)).to(stateCol)
		state, style := in.state()
		r.add(s.pick(st, style), state)
		out = append(out, r.String())
	}
	return out
}

func (in *instance) state() (string, string) {
	switch {
	case in.final != nil && in.final.Err != nil && in.final.Err.Kind == result.ErrInterrupted:
		return "stopped", "warn"
	case in.final != nil && in.final.Err != nil:
		return "failed", "warn"
	case in.final != nil:
		return "done", "good"
	case in.stalled:
		return "stalled", "warn"
	}
	return "live", "good"
}

func (s *State) pick(st Styles, name string) lipgloss.Style {
	switch name {
	case "warn":
		return st.Warn
	case "good":
		return st.Good
	}
	return st.Dim
}

// cutTable keeps the header and as many rows as fit in n lines, saying how
// many are left out.
func cutTable(table []string, n, width int, st Styles) []string {
	if len(table) <= n {
		return table
	}
	if n < 2 {
		return nil
	}
	more := len(table) - n + 1
	out := append([]string(nil), table[:n-1]...)
	return append(out, newRow(width, st).add(st.Dim, fmt.Sprintf("… %d more instances", more)).String())
}

func (s *State) latencyLines(ru *run, width int, st Styles) []string {
	r := newRow(width, st).label("latency")
	if !ru.hasRR() {
		return []string{r.add(st.Dim, "none: stream tests time no round trips").String()}
	}
	h := ru.latency
	if h == nil || h.Count() == 0 {
		finals := 0
		for _, in := range ru.inst {
			if in.final != nil {
				finals++
			}
		}
		return []string{r.add(st.Dim, fmt.Sprintf("at end: no histograms in the interval records yet (%d of %d instances final)", finals, len(ru.inst))).String()}
	}
	r.plain("min ").add(st.Value, latency(h.Min())).plain("  avg ").add(st.Value, latency(h.Mean())).
		plain("  max ").add(st.Value, latency(h.Max())).plain("  stddev ").add(st.Value, latency(h.StdDev()))
	r2 := newRow(width, st).to(labelWidth)
	r2.plain("P50 ").add(st.Value, latency(h.Quantile(0.50))).plain("  P95 ").add(st.Value, latency(h.Quantile(0.95))).
		plain("  P99 ").add(st.Value, latency(h.Quantile(0.99)))
	from := fmt.Sprintf("  merged from %d of %d instances, %d round trips", ru.latencyFrom, len(ru.inst), h.Count())
	if ru.latencyFrom == 0 {
		from = fmt.Sprintf("  from the aggregate, %d round trips", h.Count())
	}
	r2.add(st.Dim, from)
	return []string{r.String(), r2.String()}
}

func (s *State) cpuLine(ru *run, width int, st Styles) string {
	r := newRow(width, st).label("cpu")
	if ru.cpuLocal == nil && ru.cpuRemote == nil {
		spec := ru.spec
		if spec == nil {
			spec = s.plan
		}
		switch {
		case spec != nil && !spec.LocalCPU && !spec.RemoteCPU:
			return r.add(st.Dim, "not measured (-c / -C)").String()
		case ru.done():
			return r.add(st.Dim, "not measured").String()
		}
		return r.add(st.Dim, "at end, when measured (-c / -C)").String()
	}
	side := func(name string, c *result.CPUSide) {
		if c == nil {
			return
		}
		style := st.Value
		if c.UtilPercent >= cpuSaturatedPercent {
			style = st.Warn
		}
		r.plain(name+" ").add(style, fmt.Sprintf("%.1f%%", c.UtilPercent)).add(st.Dim, fmt.Sprintf(" of %d CPUs", c.NumCPUs)).plain("   ")
	}
	side("local", ru.cpuLocal)
	side("remote", ru.cpuRemote)
	if len(ru.inst) > 1 && ru.aggregate == nil {
		r.add(st.Dim, "(busiest instance)")
	}
	return r.String()
}

func (s *State) warningLines(width int, st Styles) []string {
	return s.warningLinesN(width, st, len(s.warnings))
}

// warningLinesN renders the newest n warnings (at least one line).
func (s *State) warningLinesN(width int, st Styles, n int) []string {
	label := "warnings"
	if len(s.warnings) == 0 {
		return []string{newRow(width, st).label(label).add(st.Dim, "none").String()}
	}
	n = max(min(n, len(s.warnings)), 1)
	shown := s.warnings[len(s.warnings)-n:]
	if hidden := len(s.warnings) - n; hidden > 0 {
		label = fmt.Sprintf("warnings +%d", hidden)
	}
	var out []string
	for i, w := range shown {
		r := newRow(width, st)
		if i == 0 {
			r.label(label)
		} else {
			r.to(labelWidth)
		}
		r.add(st.Dim, fmt.Sprintf("[%6s] ", seconds(w.At))).add(st.Warn, w.Text)
		out = append(out, r.String())
	}
	return out
}

// lineInstances is how many instances the plain line lists one by one;
// beyond it, it gives their range.
const lineInstances = 8

// RenderLine writes one plain line (no escape codes) that sums up the
// state: what the plain front end prints on each refresh. It ends with the
// warnings from number since on (0: all; see WarningCount), so that each
// is printed once.
func (s *State) RenderLine(w io.Writer, since int) error {
	var b strings.Builder
	ru := s.cur
	if ru == nil {
		b.WriteString("waiting for the first records")
		if s.ended {
			b.WriteString("; the stream ended without any")
		}
		_, err := fmt.Fprintln(w, b.String())
		return err
	}
	el := ru.elapsed(s.now)
	frac, left := ru.progress(s.now, s.plan)
	switch {
	case ru.done() && ru.stopped():
		fmt.Fprintf(&b, "stopped %s", seconds(el))
	case ru.done():
		fmt.Fprintf(&b, "done %s", seconds(el))
	case s.ended:
		fmt.Fprintf(&b, "stream ended at %s", seconds(el))
	case frac >= 0:
		fmt.Fprintf(&b, "%s %.0f%% ETA %s", seconds(el), 100*frac, seconds(left))
	default:
		fmt.Fprintf(&b, "%s", seconds(el))
	}
	fmt.Fprintf(&b, " | %s x%d", strings.Join(ru.tests, "+"), max(len(ru.inst), instancesOf(ru)))
	c := ru.complete()
	rates := func(word string, now, final float64, format func(float64) string, per func(*instance) float64) {
		v := now
		if ru.done() {
			word, v = "result", final
		}
		if math.IsNaN(v) {
			fmt.Fprintf(&b, " | %s -", word)
		} else {
			fmt.Fprintf(&b, " | %s %s", word, format(v))
		}
		if len(ru.inst) > 1 {
			var parts []string
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, in := range ru.inst {
				x := per(in)
				if math.IsNaN(x) {
					parts = append(parts, "-")
					continue
				}
				parts = append(parts, format(x))
				lo, hi = min(lo, x), max(hi, x)
			}
			if len(parts) <= lineInstances {
				fmt.Fprintf(&b, " [%s]", strings.Join(parts, ", "))
			} else if hi >= lo {
				fmt.Fprintf(&b, " [%d instances from %s to %s]", len(parts), format(lo), format(hi))
			}
		}
	}
	instRate := func(bits bool) func(*instance) float64 {
		return func(in *instance) float64 {
			if f := in.final; f != nil && f.Elapsed > 0 {
				if bits {
					return f.ThroughputBitsPerSecond()
				}
				return f.TransactionRate()
			}
			if bits {
				return in.bits.last()
			}
			return in.trans.last()
		}
	}
	if ru.hasStream() || !ru.hasRR() {
		rates("now", ru.aggBits.at(c), ru.resultBits(), units.BitsPerSecond, instRate(true))
	}
	if ru.hasRR() {
		rates("now", ru.aggTrans.at(c), ru.resultTrans(), transRate, instRate(false))
		if h := ru.latency; h != nil && h.Count() > 0 {
			fmt.Fprintf(&b, " | latency min %s avg %s max %s P50 %s P95 %s P99 %s",
				latency(h.Min()), latency(h.Mean()), latency(h.Max()),
				latency(h.Quantile(0.50)), latency(h.Quantile(0.95)), latency(h.Quantile(0.99)))
		} else {
			b.WriteString(" | latency at end")
		}
	}
	if ru.cpuLocal != nil || ru.cpuRemote != nil {
		b.WriteString(" | cpu")
		if c := ru.cpuLocal; c != nil {
			fmt.Fprintf(&b, " local %.1f%%", c.UtilPercent)
		}
		if c := ru.cpuRemote; c != nil {
			fmt.Fprintf(&b, " remote %.1f%%", c.UtilPercent)
		}
	}
	for _, w := range s.warnings[min(max(since-s.dropped, 0), len(s.warnings)):] {
		fmt.Fprintf(&b, " | warning: %s", w.Text)
	}
	_, err := fmt.Fprintln(w, clean(b.String()))
	return err
}

// clean replaces control characters (newlines, escape sequences) that a
// Record's strings may carry with spaces, so that no input can break the
// layout or drive the terminal.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// sparkline draws values as 8-level bars scaled from zero to the largest
// value shown, newest on the right, in at most width cells; a missing
// interval is a blank.
func sparkline(v []float64, width int) string {
	if width <= 0 || len(v) == 0 {
		return ""
	}
	if len(v) > width {
		v = v[len(v)-width:]
	}
	top := 0.0
	for _, x := range v {
		if !math.IsNaN(x) && x > top {
			top = x
		}
	}
	levels := []rune(sparkLevels)
	var b strings.Builder
	for _, x := range v {
		switch {
		case math.IsNaN(x):
			b.WriteByte(' ')
		case top <= 0:
			b.WriteRune(levels[0])
		default:
			i := int(math.Round(x / top * float64(len(levels)-1)))
			b.WriteRune(levels[min(max(i, 0), len(levels)-1)])
		}
	}
	return b.String()
}

func transRate(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.0f tr/s", v)
	}
	return fmt.Sprintf("%.1f tr/s", v)
}

// latency formats a round-trip time with three significant digits.
func latency(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
