package parse

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// An interim is one -D result line (or keyval group): the rate over the
// last interval and when that interval ended.
type interim struct {
	rate     field  // in units/s
	units    string // "10^6bits", "Trans", ... (without "/s")
	interval field  // seconds
	endSec   int64  // Unix time the interval ended, seconds
	endMS    int64  // and milliseconds
	line     int
}

// warning is netperf's "!!! WARNING" block: the confidence interval widths a
// confidence run reached when they were not narrow enough.
type warning struct {
	throughput, localCPU, remoteCPU field // full widths, percent of the mean
	line                            int
}

var (
	humanInterimRE  = regexp.MustCompile(`^Interim result:\s*(\S+) (\S+)/s over (\S+) seconds ending at (\d+)\.(\d{1,3})$`)
	csvInterimRE    = regexp.MustCompile(`^(-?[0-9.]+|-?nan),([A-Za-z0-9^]+)/s,([0-9]+\.[0-9]{3}),(\d+)\.(\d{3})$`)
	keyvalInterimRE = regexp.MustCompile(`^NETPERF_(INTERIM_RESULT|UNITS|INTERVAL|ENDING)\[(\d+)\]=(.*)$`)
	warningValueRE  = regexp.MustCompile(`^!!!\s+(?:Confidence intervals:\s+)?(Throughput|Local CPU util|Remote CPU util)\s*:\s*(\S+)%\s*$`)
)

// readWarning reads the "!!!" lines of a confidence warning.
func (p *parser) readWarning(r *run) error {
	w := &warning{line: p.l.lineNo(0)}
	for {
		line, ok := p.l.peek(0)
		t := strings.TrimSpace(line)
		if !ok || !strings.HasPrefix(t, "!!!") {
			break
		}
		_, n := p.l.next()
		if m := warningValueRE.FindStringSubmatch(t); m != nil {
			f := field{text: m[2], line: n}
			switch m[1] {
			case "Throughput":
				w.throughput = f
			case "Local CPU util":
				w.localCPU = f
			case "Remote CPU util":
				w.remoteCPU = f
			}
		}
	}
	if w.throughput.text == "" {
		return p.errorf(w.line, "confidence warning without the throughput interval width")
	}
	if r.warning != nil {
		return p.errorf(w.line, "a second confidence warning in the run that starts on line %d", r.start)
	}
	r.warning = w
	return nil
}

func (p *parser) readHumanInterim(r *run) error {
	line, n := p.l.next()
	m := humanInterimRE.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return p.errorf(n, "malformed interim result line")
	}
	return p.addInterim(r, m[1], m[2], m[3], m[4], m[5], n)
}

func (p *parser) readCSVInterim(r *run) error {
	line, n := p.l.next()
	m := csvInterimRE.FindStringSubmatch(strings.TrimSpace(line))
	return p.addInterim(r, m[1], m[2], m[3], m[4], m[5], n)
}

// readKeyvalInterim reads consecutive NETPERF_*[n] lines; each index must
// come with its result, units, interval and ending.
func (p *parser) readKeyvalInterim(r *run) error {
	type group struct {
		vals map[string]field
		line int
	}
	groups := map[int]*group{}
	for {
		line, ok := p.l.peek(0)
		t := strings.TrimSpace(line)
		if !ok || !strings.HasPrefix(t, "NETPERF_") {
			break
		}
		_, n := p.l.next()
		m := keyvalInterimRE.FindStringSubmatch(t)
		if m == nil {
			return p.errorf(n, "malformed keyval interim line")
		}
		i, err := strconv.Atoi(m[2])
		if err != nil || i > 1<<20 {
			return p.errorf(n, "bad interim index %q", m[2])
		}
		g := groups[i]
		if g == nil {
			g = &group{vals: map[string]field{}, line: n}
			groups[i] = g
		}
		if _, dup := g.vals[m[1]]; dup {
			return p.errorf(n, "NETPERF_%s[%d] given twice", m[1], i)
		}
		g.vals[m[1]] = field{text: m[3], line: n}
	}
	idx := make([]int, 0, len(groups))
	for i := range groups {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		g := groups[i]
		for _, k := range []string{"INTERIM_RESULT", "UNITS", "INTERVAL", "ENDING"} {
			if _, ok := g.vals[k]; !ok {
				return p.errorf(g.line, "interim result %d has no NETPERF_%s", i, k)
			}
		}
		u, ok := strings.CutSuffix(g.vals["UNITS"].text, "/s")
		if !ok {
			return p.errorf(g.vals["UNITS"].line, "interim units %q do not end in /s", g.vals["UNITS"].text)
		}
		sec, ms, ok := strings.Cut(g.vals["ENDING"].text, ".")
		if !ok {
			return p.errorf(g.vals["ENDING"].line, "interim ending time %q is not seconds.milliseconds", g.vals["ENDING"].text)
		}
		res, iv := g.vals["INTERIM_RESULT"], g.vals["INTERVAL"]
		if err := p.addInterim(r, res.text, u, iv.text, sec, ms, res.line); err != nil {
			return err
		}
		r.interims[len(r.interims)-1].interval.line = iv.line
	}
	return nil
}

func (p *parser) addInterim(r *run, rate, unit, interval, sec, ms string, n int) error {
	s, err1 := strconv.ParseInt(sec, 10, 64)
	m, err2 := strconv.ParseInt(ms, 10, 64)
	if err1 != nil || err2 != nil || s < 0 || len(ms) > 3 {
		return p.errorf(n, "bad interim ending time %s.%s", sec, ms)
	}
	if _, _, err := parseNumber(rate); err != nil {
		return p.errorf(n, "malformed interim result line: %v", err)
	}
	if v, ok, err := parseNumber(interval); err != nil || !ok || v < 0 {
		return p.errorf(n, "malformed interim result line: interval %q is not seconds", interval)
	}
	for len(ms) < 3 { // %.3ld pads, but be lenient with hand-edited files
		ms += "0"
		m *= 10
	}
	r.interims = append(r.interims, interim{
		rate:     field{text: rate, line: n},
		units:    unit,
		interval: field{text: interval, line: n},
		endSec:   s,
		endMS:    m,
		line:     n,
	})
	return nil
}
