package profile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// An Expectation is one checked claim about a run's result, such as
// "throughput >= 9 Gbit/s" or "p99_latency < 200us".
type Expectation struct {
	Metric string  // throughput, transaction_rate, p99_latency, cv, loss, ...
	Op     string  // >=, >, <=, <
	Want   float64 // in the metric's base unit: bits/s, ns, a fraction (cv, loss), 1/s, or plain
	Unit   string  // the unit as written ("Gbit/s", "us", "%"), used to print the measured value alike
	Text   string  // the expectation as written
	Pos    Pos
	// Quantile is the fraction of a percentile latency (0.99 for p99).
	Quantile float64
	kind     quantity
}

// quantity is what kind of number a metric is, which decides its units.
type quantity int

const (
	qRate      quantity = iota // bits/s
	qLatency                   // ns
	qPercent                   // fraction, written in %
	qPerSecond                 // transactions/s
	qPlain                     // a bare number
)

// A metricDef describes one metric expectations can check.
type metricDef struct {
	name  string
	kind  quantity
	tests []string // test types that produce it; nil = every test
	doc   string
}

// metrics lists every metric, in the order docs/profiles.md gives.
var metrics = []metricDef{
	{"throughput", qRate, nil, "data rate: received payload over time (STREAM: what arrived; RR: both directions), mean over iterations"},
	{"transaction_rate", qPerSecond, rrTests, "completed transactions per second, mean over iterations"},
	{"mean_latency", qLatency, rrTests, "mean round-trip time of every transaction"},
	{"min_latency", qLatency, rrTests, "smallest round-trip time"},
	{"max_latency", qLatency, rrTests, "largest round-trip time"},
	{"pNN_latency", qLatency, rrTests, "percentile of the round-trip times (p50, p90, p99, p999 = 99.9th, p99.99), from the histogram merged over instances and iterations"},
	{"jitter", qLatency, rrTests, "standard deviation of the round-trip times"},
	{"cv", qPercent, nil, "coefficient of variation of the per-iteration results (throughput for STREAM tests, transaction rate for RR tests); needs iterations >= 2"},
	{"loss", qPercent, []string{"UDP_STREAM"}, "1 - received/sent bytes, over every instance and iteration"},
	{"fairness", qPlain, nil, "Jain's index of the instances' shares (1 = even, 1/n = one instance got all), mean over iterations"},
}

var percentileRE = regexp.MustCompile(`^p([0-9]+(?:\.[0-9]+)?)_latency$`)

// metricOf finds a metric, and for pNN_latency its quantile.
func metricOf(name string) (*metricDef, float64, error) {
	if m := percentileRE.FindStringSubmatch(name); m != nil {
		q, err := percentile(m[1])
		if err != nil {
			return nil, 0, err
		}
		return findMetric("pNN_latency"), q, nil
	}
	if name == "pNN_latency" {
		return nil, 0, fmt.Errorf("unknown metric %q (write the percentile: p50_latency, p99_latency, p999_latency)", name)
	}
	if m := findMetric(name); m != nil {
		return m, 0, nil
	}
	names := make([]string, 0, len(metrics))
	for _, m := range metrics {
		names = append(names, m.name)
	}
	return nil, 0, fmt.Errorf("unknown metric %q%s", name, suggest(name, names))
}

func findMetric(name string) *metricDef {
	for i := range metrics {
		if metrics[i].name == name {
			return &metrics[i]
		}
	}
	return nil
}

// percentile reads the digits of pNN: "50" is 0.5, "99" 0.99, "999"
// 0.999 (digits after the second are decimals), "99.9" 0.999.
func percentile(s string) (float64, error) {
	if !strings.Contains(s, ".") && len(s) > 2 {
		if s[0] != '9' {
			return 0, fmt.Errorf("invalid percentile p%s (p50, p99, p999 = 99.9th, p99.99; use max_latency for the largest)", s)
		}
		s = s[:2] + "." + s[2:]
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v >= 100 {
		return 0, fmt.Errorf("invalid percentile p%s (between p0 and p100; use min_latency and max_latency for the extremes)", s)
	}
	return v / 100, nil
}

var ops = []string{">=", "<=", ">", "<"}

// ParseExpectation reads "METRIC OP VALUE". It checks the metric and the
// value's unit but not whether a test produces the metric.
func ParseExpectation(text string) (Expectation, error) {
	e, _, err := parseExpectation(text)
	return e, err
}

// parseExpectation also returns the byte offset the error is about.
func parseExpectation(text string) (Expectation, int, error) {
	e := Expectation{Text: strings.Join(strings.Fields(text), " ")}
	s := strings.TrimSpace(text)
	lead := len(text) - len(strings.TrimLeft(text, " \t"))
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] == '.' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	if i == 0 {
		return e, lead, fmt.Errorf("bad expectation %q: want METRIC OP VALUE, for example \"throughput >= 9 Gbit/s\"", text)
	}
	e.Metric = s[:i]
	m, q, err := metricOf(e.Metric)
	if err != nil {
		return e, lead, err
	}
	e.kind, e.Quantile = m.kind, q
	rest := strings.TrimLeft(s[i:], " \t")
	at := lead + len(s) - len(rest)
	for _, op := range ops {
		if strings.HasPrefix(rest, op) {
			e.Op = op
			break
		}
	}
	if e.Op == "" || strings.HasPrefix(rest[len(e.Op):], "=") || strings.HasPrefix(rest[len(e.Op):], ">") || strings.HasPrefix(rest[len(e.Op):], "<") {
		return e, at, fmt.Errorf("bad operator in %q: want %s VALUE with one of >=, >, <=, <", text, e.Metric)
	}
	value := strings.TrimSpace(rest[len(e.Op):])
	at += len(rest) - len(strings.TrimLeft(rest[len(e.Op):], " \t"))
	if value == "" {
		return e, at, fmt.Errorf("bad expectation %q: no value after %s", text, e.Op)
	}
	switch e.kind {
	case qRate:
		e.Want, err = parseRate(value)
	case qLatency:
		e.Want, err = parseLatency(value)
	case qPercent:
		e.Want, err = parsePercent(value)
	case qPerSecond:
		e.Want, err = parsePerSecond(value)
	case qPlain:
		e.Want, err = parsePlain(value)
	}
	if err != nil {
		return e, at, fmt.Errorf("%s: %v", e.Metric, err)
	}
	_, e.Unit, _ = splitNumber(value)
	return e, 0, nil
}

// expectations decodes a test's expect list.
func (d *decoder) expectations(n *yaml.Node, t *Test) {
	list := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		list = n.Content
	}
	for _, c := range list {
		c = d.deref(c)
		if c.Kind != yaml.ScalarNode || isNull(c) {
			d.add(d.pos(c), "expect: want an expectation such as \"throughput >= 9 Gbit/s\", got %s", kindName(c))
			continue
		}
		e, at, err := parseExpectation(c.Value)
		if err != nil {
			d.add(d.posAt(c, at), "%v", err)
			continue
		}
		e.Pos = d.pos(c)
		t.Expect = append(t.Expect, e)
	}
}

// checkExpectations reports expectations on metrics the test cannot
// produce.
func (d *decoder) checkExpectations(p *Profile, t *Test) {
	iterations := t.Iterations
	if iterations == 0 {
		iterations = p.Globals.Iterations
	}
	for _, e := range t.Expect {
		m, _, _ := metricOf(e.Metric)
		if t.Type != "" && m.tests != nil && !contains(m.tests, t.Type) {
			d.add(e.Pos, "%s: %s does not measure %s (only %s do)", e.Text, t.Type, e.Metric, strings.Join(m.tests, ", "))
		}
		if e.Metric == "cv" && iterations < 2 {
			d.add(e.Pos, "%s: cv is the variation between iterations and needs iterations >= 2 (this test runs %d)", e.Text, iterations)
		}
	}
}
