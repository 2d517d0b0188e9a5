package report

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"nperf/stats"
)

// A filter is one function templates call, in both syntaxes. It receives
// the filtered value (in), the other arguments in order, and in Jinja2 the
// keyword arguments. In Go templates the filtered value is the last
// argument, so that it can be piped in: {{ .X | format_number 1 }} is
// format_number(x, 1).
type filter struct {
	name  string
	usage string // as docs/reports.md shows it
	doc   string
	// minArgs and maxArgs bound the arguments besides the filtered value.
	minArgs, maxArgs int
	fn               func(in any, args []any, kw map[string]any) (any, error)
	// ret is the type the filter returns given the filtered value's type,
	// for --validate; nil when it cannot be known.
	ret func(in reflect.Type) reflect.Type
}

var (
	stringType   = reflect.TypeFor[string]()
	float64Type  = reflect.TypeFor[float64]()
	intervalType = reflect.TypeFor[Interval]()
	chartType    = reflect.TypeFor[*Chart]()
	bucketsType  = reflect.TypeFor[[]*Bucket]()
)

func returns(t reflect.Type) func(reflect.Type) reflect.Type {
	return func(reflect.Type) reflect.Type { return t }
}

func sameType(in reflect.Type) reflect.Type { return in }

// Filters lists the names of every filter, sorted.
func Filters() []string {
	names := make([]string, 0, len(filters))
	for _, f := range filters {
		names = append(names, f.name)
	}
	sort.Strings(names)
	return names
}

// FilterDoc returns a filter's usage and description.
func FilterDoc(name string) (usage, doc string, ok bool) {
	f, ok := filterByName[name]
	if !ok {
		return "", "", false
	}
	return f.usage, f.doc, true
}

var filterByName = map[string]*filter{}

// call checks the number of arguments and runs the filter.
func (f *filter) call(in any, args []any, kw map[string]any) (any, error) {
	if len(args) < f.minArgs || len(args) > f.maxArgs {
		return nil, fmt.Errorf("%s: %s", f.name, f.arityText(len(args)))
	}
	return f.fn(in, args, kw)
}

// arityText says how many arguments f takes, given n.
func (f *filter) arityText(n int) string {
	want := fmt.Sprintf("%d to %d arguments", f.minArgs, f.maxArgs)
	switch {
	case f.minArgs == f.maxArgs && f.maxArgs == 0:
		want = "no argument"
	case f.minArgs == f.maxArgs && f.maxArgs == 1:
		want = "1 argument"
	case f.minArgs == f.maxArgs:
		want = fmt.Sprintf("%d arguments", f.maxArgs)
	case f.minArgs == 0 && f.maxArgs == 1:
		want = "at most 1 argument"
	}
	return fmt.Sprintf("takes %s besides the value, got %d (usage: %s)", want, n, f.usage)
}

func init() {
	for _, f := range filters {
		filterByName[f.name] = f
	}
}

var filters = []*filter{
	{name: "format_throughput", minArgs: 0, maxArgs: 1, usage: "format_throughput(bits_per_second [, unit])",
		doc: `a rate in bits/s with an SI prefix, "9.41 Gbit/s"; unit fixes it: bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s, or bytes: B/s, KB/s, MB/s, GB/s (1024s)`,
		fn: func(in any, args []any, _ map[string]any) (any, error) {
			x, err := mustFloat(in, "format_throughput")
			if err != nil {
				return nil, err
			}
			return formatThroughput(x, optString(args, 0))
		}, ret: returns(stringType)},
	{name: "format_latency", minArgs: 0, maxArgs: 1, usage: "format_latency(nanoseconds [, unit])",
		doc: `a latency (a duration or a number of nanoseconds) with three significant digits, "57.3 us"; unit fixes it: ns, us, ms, s`,
		fn: func(in any, args []any, _ map[string]any) (any, error) {
			x, err := mustFloat(in, "format_latency")
			if err != nil {
				return nil, err
			}
			return formatLatency(x, optString(args, 0))
		}, ret: returns(stringType)},
	{name: "format_percent", minArgs: 0, maxArgs: 1, usage: "format_percent(fraction [, decimals])",
		doc: `a fraction as a percentage: 0.123 is "12.3%" (decimals default 1); fields named ...Percent are already percentages: use format_number`,
		fn: func(in any, args []any, _ map[string]any) (any, error) {
			x, err := mustFloat(in, "format_percent")
			if err != nil {
				return nil, err
			}
			dec, err := optInt(args, 0, 1, "format_percent decimals")
			if err != nil {
				return nil, err
			}
			return formatPercent(x, dec), nil
		}, ret: returns(stringType)},
	{name: "format_bytes", minArgs: 0, maxArgs: 0, usage: "format_bytes(bytes)",
		doc: `a byte count in IEC units, "1.70 GiB"`,
		fn: func(in any, _ []any, _ map[string]any) (any, error) {
			x, err := mustFloat(in, "format_bytes")
			if err != nil {
				return nil, err
			}
			return formatBytes(x), nil
		}, ret: returns(stringType)},
	{name: "format_duration", minArgs: 0, maxArgs: 0, usage: "format_duration(duration)",
		doc: `a duration (or nanoseconds): "250 ms", "2.00 s", "1m30s"`,
		fn: func(in any, _ []any, _ map[string]any) (any, error) {
			d, err := toDuration(in, "format_duration")
			if err != nil {
				return nil, err
			}
			return formatDuration(d), nil
		}, ret: returns(stringType)},
	{name: "format_number", minArgs: 0, maxArgs: 1, usage: "format_number(x [, decimals])",
		doc: `a number with thousands separators, "1,234,567.89"; decimals default 0 for whole numbers, 2 otherwise`,
		fn: func(in any, args []any, _ map[string]any) (any, error) {
			x, err := mustFloat(in, "format_number")
			if err != nil {
				return nil, err
			}
			def := 2
			if isInteger(in) {
				def = 0
			}
			dec, err := optInt(args, 0, def, "format_number decimals")
			if err != nil {
				return nil, err
			}
			return formatNumber(x, dec), nil
		}, ret: returns(stringType)},
	{name: "format_value", minArgs: 1, maxArgs: 1, usage: "format_value(x, unit)",
		doc: `a value in the unit a Summary, Result or Test names: "bits/s" as format_throughput, "trans/s" as "12,345 trans/s", "ns" as format_latency, "bytes" as format_bytes, anything else as format_number with the unit after it`,
		fn: func(in any, args []any, _ map[string]any) (any, error) {
			x, err := mustFloat(in, "format_value")
			if err != nil {
				return nil, err
			}
			return formatValue(x, optString(args, 0))
		}, ret: returns(stringType)},
	{name: "plain_number", minArgs: 0, maxArgs: 1, usage: "plain_number(x [, decimals])",
		doc: `a number for machines (CSV): no separators, no exponent, shortest exact form unless decimals are given; NaN prints nothing`,
		fn: func(in any, args []any, _ map[string]any) (any, error) {
			x, err := mustFloat(in, "plain_number")
			if err != nil {
				return nil, err
			}
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return "", nil
			}
			if len(args) == 0 {
				return strconv.FormatFloat(x, 'f', -1, 64), nil
			}
			dec, err := optInt(args, 0, 0, "plain_number decimals")
			if err != nil {
				return nil, err
			}
			return strconv.FormatFloat(x, 'f', dec, 64), nil
		}, ret: returns(stringType)},
	{name: "format_time", minArgs: 0, maxArgs: 1, usage: "format_time(time [, layout])",
		doc: `a time in UTC, "2026-12-03 17:10:55 UTC", or in a Go layout ("2006-01-02")`,
		fn: func(in any, args []any, _ map[string]any) (any, error) {
			t, ok := in.(time.Time)
			if !ok {
				return nil, fmt.Errorf("format_time: want a time, got %s", describe(in))
			}
			return formatTime(t, optString(args, 0)), nil
		}, ret: returns(stringType)},
	{name: "format_labels", minArgs: 0, maxArgs: 0, usage: "format_labels(labels)",
		doc: `labels as "key=value, key=value", sorted by key`,
		fn: func(in any, _ []any, _ map[string]any) (any, error) {
			m, ok := in.(map[string]string)
			if !ok && in != nil {
				return nil, fmt.Errorf("format_labels: want labels, got %s", describe(in))
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, len(keys))
			for i, k := range keys {
				parts[i] = k + "=" + m[k]
			}
			return strings.Join(parts, ", "), nil
		}, ret: returns(stringType)},
	{name: "sort_by", minArgs: 1, maxArgs: 2, usage: "sort_by(list, key [, reverse])",
		doc: `the list sorted (stably) by a field path ("Result.Value" or "result.value", "Labels.point"); a leading "-" on the key, reverse=true in Jinja2 or a third argument true sorts descending; missing and NaN values sort last`,
		fn:  sortBy, ret: sameType},
	{name: "group_by", minArgs: 1, maxArgs: 1, usage: "group_by(list, key)",
		doc: `buckets of the list's items with the same value at a field path, in order of first appearance: each has Key (key), the value as text, and Items (items)`,
		fn:  groupBy, ret: returns(bucketsType)},
	{name: "max_value", minArgs: 0, maxArgs: 1, usage: "max_value(list [, key])",
		doc: `the largest number in the list, or of a field path of its items; NaN values are skipped; NaN when there is none`,
		fn: func(in any, args []any, _ map[string]any) (any, error) {
			return extreme("max_value", in, args, func(a, b float64) bool { return a > b })
		}, ret: returns(float64Type)},
	{name: "min_value", minArgs: 0, maxArgs: 1, usage: "min_value(list [, key])",
		doc: `the smallest number, as max_value`,
		fn: func(in any, args []any, _ map[string]any) (any, error) {
			return extreme("min_value", in, args, func(a, b float64) bool { return a < b })
		}, ret: returns(float64Type)},
	{name: "avg_value", minArgs: 0, maxArgs: 1, usage: "avg_value(list [, key])",
		doc: `the arithmetic mean (stats.Mean) of the list's numbers or of a field path of its items, NaN values skipped; refuses latency percentiles, which are never averaged (use the Latency of a group, test or run: its histogram is merged)`,
		fn:  avgValue, ret: returns(float64Type)},
	{name: "ci", minArgs: 0, maxArgs: 2, usage: "ci(values [, key] [, level])",
		doc: `the Student-t confidence interval of the mean (stats.MeanInterval) of a list of numbers, of a field path of a list's items, or of a Summary's values; level defaults to the report's (0.95); an Interval: Lo, Hi, Mean, HalfWidth, Relative, Level, Valid, Note`,
		fn:  ciFilter, ret: returns(intervalType)},
	{name: "delta", minArgs: 1, maxArgs: 1, usage: "delta(baseline, x)",
		doc: `the relative change of x against the baseline, x / baseline - 1, as a fraction (print it with format_percent); numbers, or Summaries (their means); NaN when the baseline is 0. Jinja2: x | delta(baseline)`,
		fn:  deltaFilter, ret: returns(float64Type)},
	{name: "percentile", minArgs: 1, maxArgs: 1, usage: "percentile(x, p)",
		doc: `the p-th percentile (0..100): of a Latency read from its histogram (a duration); of a list of Latencies, or of runs, groups, tests or instances, from their histograms merged (never averaged); of a list of numbers or a Summary by linear interpolation (stats.Quantile)`,
		fn:  percentileFilter, ret: nil},
	{name: "escape_latex", minArgs: 0, maxArgs: 0, usage: "escape_latex(text)",
		doc: `text made literal in LaTeX: \ & % $ # _ { } ~ ^ < > | become their printed forms, control characters spaces`,
		fn: func(in any, _ []any, _ map[string]any) (any, error) {
			return escapeLaTeX(toString(in)), nil
		}, ret: returns(stringType)},
	{name: "escape_csv", minArgs: 0, maxArgs: 0, usage: "escape_csv(text)",
		doc: `text made one CSV cell: a leading = + - @ tab or CR gets an apostrophe (no formula runs in a spreadsheet), and a cell with a comma, quote or line break is quoted`,
		fn: func(in any, _ []any, _ map[string]any) (any, error) {
			return escapeCSV(toString(in)), nil
		}, ret: returns(stringType)},
	{name: "escape_markdown", minArgs: 0, maxArgs: 0, usage: "escape_markdown(text)",
		doc: "text made literal in Markdown paragraphs and table cells: \\ ` * _ [ ] < > # | ~ & are backslash-escaped, line breaks become spaces",
		fn: func(in any, _ []any, _ map[string]any) (any, error) {
			return escapeMarkdown(toString(in)), nil
		}, ret: returns(stringType)},
	{name: "to_json", minArgs: 0, maxArgs: 0, usage: "to_json(x)",
		doc: `x as indented JSON with the data model's JSON names; NaN and infinities are null`,
		fn: func(in any, _ []any, _ map[string]any) (any, error) {
			b, err := marshalJSON(in)
			return string(b), err
		}, ret: returns(stringType)},
	{name: "throughput_chart", minArgs: 0, maxArgs: 0, usage: "throughput_chart(test | group | run)",
		doc: `a Chart of the headline metric over time: one line per instance series`,
		fn:  func(in any, _ []any, _ map[string]any) (any, error) { return throughputChart(in) },
		ret: returns(chartType)},
	{name: "latency_chart", minArgs: 0, maxArgs: 0, usage: "latency_chart(test | group | run)",
		doc: `a Chart of latency percentiles (p0 to p99.99 on a log "nines" axis, latency on a log axis): one line per group of a test, per run of a group, per instance of a run`,
		fn:  func(in any, _ []any, _ map[string]any) (any, error) { return latencyChart(in) },
		ret: returns(chartType)},
	{name: "distribution_chart", minArgs: 0, maxArgs: 0, usage: "distribution_chart(test | group | run)",
		doc: `a Chart of the latency distribution (density per decade on a log latency axis), lines as latency_chart`,
		fn:  func(in any, _ []any, _ map[string]any) (any, error) { return distributionChart(in) },
		ret: returns(chartType)},
	{name: "instance_chart", minArgs: 0, maxArgs: 0, usage: "instance_chart(run)",
		doc: `a Chart with one bar per instance of a run: its headline result`,
		fn:  func(in any, _ []any, _ map[string]any) (any, error) { return instanceChart(in) },
		ret: returns(chartType)},
}

func optString(args []any, i int) string {
	if i < len(args) {
		return toString(args[i])
	}
	return ""
}

func optInt(args []any, i, def int, what string) (int, error) {
	if i >= len(args) {
		return def, nil
	}
	n, err := toInt(args[i], what)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > 20 {
		return 0, fmt.Errorf("%s: %d out of range 0..20", what, n)
	}
	return n, nil
}

func truthy(x any) bool {
	switch v := x.(type) {
	case bool:
		return v
	case string:
		return v == "true" || v == "desc"
	}
	return false
}

func sortBy(in any, args []any, kw map[string]any) (any, error) {
	items, err := toList(in, "sort_by")
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("sort_by: want a key")
	}
	key := toString(args[0])
	desc := false
	if k, ok := strings.CutPrefix(key, "-"); ok {
		key, desc = k, true
	}
	if len(args) > 1 && truthy(args[1]) {
		desc = !desc
	}
	if r, ok := kw["reverse"]; ok && truthy(r) {
		desc = !desc
	}
	keys := make([]any, len(items))
	for i, it := range items {
		if keys[i], err = path(it, key); err != nil {
			return nil, fmt.Errorf("sort_by %q: %w", key, err)
		}
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := keys[idx[a]], keys[idx[b]]
		if desc && !missing(ka) && !missing(kb) {
			return compare(kb, ka) < 0
		}
		return compare(ka, kb) < 0
	})
	out := make([]any, len(items))
	for i, j := range idx {
		out[i] = items[j]
	}
	return typedList(out), nil
}

// A Bucket is one value of a group_by key and the items that have it.
type Bucket struct {
	Key   string `json:"key"`
	Items any    `json:"items"` // a list of the grouped items' type
}

func groupBy(in any, args []any, _ map[string]any) (any, error) {
	items, err := toList(in, "group_by")
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("group_by: want a key")
	}
	key := toString(args[0])
	var out []*Bucket
	lists := map[string][]any{}
	var order []string
	for _, it := range items {
		v, err := path(it, key)
		if err != nil {
			return nil, fmt.Errorf("group_by %q: %w", key, err)
		}
		k := toString(v)
		if _, ok := lists[k]; !ok {
			order = append(order, k)
		}
		lists[k] = append(lists[k], it)
	}
	for _, k := range order {
		out = append(out, &Bucket{Key: k, Items: typedList(lists[k])})
	}
	if out == nil {
		out = []*Bucket{}
	}
	return out, nil
}

// numbers reads the numbers of a list, or of a field path of its items;
// a Summary gives its values.
func numbers(what string, in any, key string) ([]float64, error) {
	if s, ok := in.(*Summary); ok && key == "" {
		return s.Values, nil
	}
	if xs, ok := in.([]float64); ok && key == "" {
		return xs, nil
	}
	items, err := toList(in, what)
	if err != nil {
		return nil, err
	}
	out := make([]float64, 0, len(items))
	for _, it := range items {
		v, err := path(it, key)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", what, key, err)
		}
		if isNothing(v) {
			continue // a run without a result, say
		}
		f, ok := toFloat(v)
		if !ok {
			return nil, fmt.Errorf("%s: want numbers, got %s", what, describe(v))
		}
		out = append(out, f)
	}
	return out, nil
}

func extreme(what string, in any, args []any, better func(a, b float64) bool) (any, error) {
	xs, err := numbers(what, in, optString(args, 0))
	if err != nil {
		return nil, err
	}
	best := math.NaN()
	for _, x := range xs {
		if math.IsNaN(x) {
			continue
		}
		if math.IsNaN(best) || better(x, best) {
			best = x
		}
	}
	return best, nil
}

// percentileKeys are latency fields that hold percentiles.
var percentileKeys = []string{"p50", "p90", "p99", "p999", "percentiles"}

func avgValue(in any, args []any, _ map[string]any) (any, error) {
	key := optString(args, 0)
	for _, part := range strings.Split(strings.ToLower(key), ".") {
		if slices.Contains(percentileKeys, strings.TrimSuffix(part, "_ns")) {
			return nil, fmt.Errorf("avg_value %q: percentiles are never averaged; read them from a merged histogram (the Latency of a group, test or run, or percentile)", key)
		}
	}
	if items, err := toList(in, "avg_value"); err == nil && len(items) > 0 {
		switch items[0].(type) {
		case *Latency, *LatencyPercentile:
			return nil, fmt.Errorf("avg_value: latencies are never averaged; merge them with percentile")
		}
	}
	xs, err := numbers("avg_value", in, key)
	if err != nil {
		return nil, err
	}
	fin, _, _, _ := stats.Finite(xs)
	return stats.Mean(fin), nil
}

// levelOf reads a confidence level: a fraction, or a percentage above 1.
func levelOf(x any) (float64, error) {
	given, err := mustFloat(x, "ci level")
	if err != nil {
		return 0, err
	}
	l := given
	if l > 1 {
		l /= 100
	}
	if !(l > 0 && l < 1) {
		return 0, fmt.Errorf("ci level %v: want a confidence level, a fraction (0.95) or a percentage (95)", given)
	}
	return l, nil
}

func ciFilter(in any, args []any, kw map[string]any) (any, error) {
	level := DefaultLevel
	if s, ok := in.(*Summary); ok && s != nil && s.CI.Level > 0 {
		level = s.CI.Level
	}
	key := ""
	for _, a := range args {
		if s, ok := a.(string); ok {
			key = s
			continue
		}
		l, err := levelOf(a)
		if err != nil {
			return nil, err
		}
		level = l
	}
	if l, ok := kw["level"]; ok {
		var err error
		if level, err = levelOf(l); err != nil {
			return nil, err
		}
	}
	xs, err := numbers("ci", in, key)
	if err != nil {
		return nil, err
	}
	return interval(xs, level), nil
}

// meanOf reads a number, or a Summary's mean.
func meanOf(x any, what string) (float64, error) {
	if s, ok := x.(*Summary); ok {
		if s == nil {
			return math.NaN(), nil
		}
		return s.Mean, nil
	}
	return mustFloat(x, what)
}

func deltaFilter(in any, args []any, _ map[string]any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("delta: want a baseline and a value")
	}
	x, err := meanOf(in, "delta")
	if err != nil {
		return nil, err
	}
	base, err := meanOf(args[0], "delta baseline")
	if err != nil {
		return nil, err
	}
	if base == 0 {
		return math.NaN(), nil
	}
	return x/base - 1, nil
}

// histogramOf finds the latency histogram of a value: a Latency, or a
// run, group, test or instance (their Latency field).
func histogramOf(x any) (*stats.Histogram, bool) {
	switch v := x.(type) {
	case *Latency:
		if v == nil {
			return nil, true
		}
		return v.hist, true
	case *stats.Histogram:
		return v, true
	case *Run:
		return histogramOf(v.Latency)
	case *Group:
		return histogramOf(v.Latency)
	case *Test:
		return histogramOf(v.Latency)
	case *Instance:
		return histogramOf(v.Latency)
	}
	return nil, false
}

func percentileFilter(in any, args []any, _ map[string]any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("percentile: want a value and p (0..100)")
	}
	p, err := mustFloat(args[0], "percentile p")
	if err != nil {
		return nil, err
	}
	if !(p >= 0 && p <= 100) {
		return nil, fmt.Errorf("percentile p %v: want 0..100", p)
	}
	if h, ok := histogramOf(in); ok {
		if h == nil || h.Count() == 0 {
			return math.NaN(), nil
		}
		return h.Quantile(p / 100), nil
	}
	if s, ok := in.(*Summary); ok {
		return stats.Quantiles(s.Values, p/100)[0], nil
	}
	items, err := toList(in, "percentile")
	if err != nil {
		return nil, err
	}
	if len(items) > 0 {
		if _, ok := histogramOf(items[0]); ok {
			merged := stats.NewHistogram()
			for _, it := range items {
				h, ok := histogramOf(it)
				if !ok {
					return nil, fmt.Errorf("percentile: cannot merge %s with latencies", describe(it))
				}
				merged.Merge(h)
			}
			if merged.Count() == 0 {
				return math.NaN(), nil
			}
			return merged.Quantile(p / 100), nil
		}
	}
	xs, err := numbers("percentile", in, "")
	if err != nil {
		return nil, err
	}
	fin, _, _, _ := stats.Finite(xs)
	return stats.Quantiles(fin, p/100)[0], nil
}

// marshalJSON encodes a value of the data model with its JSON names,
// NaN and infinities as null, indented.
func marshalJSON(x any) ([]byte, error) {
	var sb strings.Builder
	if err := encodeJSON(&sb, reflect.ValueOf(x), ""); err != nil {
		return nil, err
	}
	return []byte(sb.String()), nil
}

func encodeJSON(sb *strings.Builder, v reflect.Value, indent string) error {
	if !v.IsValid() {
		sb.WriteString("null")
		return nil
	}
	if v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			sb.WriteString("null")
			return nil
		}
		if m, ok := v.Interface().(json.Marshaler); ok && v.Kind() == reflect.Pointer {
			b, err := m.MarshalJSON()
			if err != nil {
				return err
			}
			sb.Write(b)
			return nil
		}
		return encodeJSON(sb, v.Elem(), indent)
	}
	if v.Type() == timeType {
		b, err := v.Interface().(time.Time).MarshalJSON()
		if err != nil {
			return err
		}
		sb.Write(b)
		return nil
	}
	inner := indent + "  "
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			sb.WriteString("null")
			return nil
		}
		b, _ := json.Marshal(f)
		sb.Write(b)
	case reflect.Struct:
		t := v.Type()
		first := true
		sb.WriteString("{")
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			name := jsonName(f)
			if name == "" {
				name = f.Name
			}
			if strings.Contains(f.Tag.Get("json"), ",omitempty") && v.Field(i).IsZero() {
				continue
			}
			if !first {
				sb.WriteString(",")
			}
			first = false
			sb.WriteString("\n" + inner)
			b, _ := json.Marshal(name)
			sb.Write(b)
			sb.WriteString(": ")
			fv := v.Field(i)
			if f.Tag.Get("report") == "ref" {
				fv = refsOf(fv)
			}
			if err := encodeJSON(sb, fv, inner); err != nil {
				return err
			}
		}
		if !first {
			sb.WriteString("\n" + indent)
		}
		sb.WriteString("}")
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			sb.WriteString("[]")
			return nil
		}
		sb.WriteString("[")
		for i := range v.Len() {
			if i > 0 {
				sb.WriteString(",")
			}
			sb.WriteString("\n" + inner)
			if err := encodeJSON(sb, v.Index(i), inner); err != nil {
				return err
			}
		}
		if v.Len() > 0 {
			sb.WriteString("\n" + indent)
		}
		sb.WriteString("]")
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return toString(keys[i].Interface()) < toString(keys[j].Interface()) })
		sb.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				sb.WriteString(",")
			}
			sb.WriteString("\n" + inner)
			b, _ := json.Marshal(toString(k.Interface()))
			sb.Write(b)
			sb.WriteString(": ")
			if err := encodeJSON(sb, v.MapIndex(k), inner); err != nil {
				return err
			}
		}
		if len(keys) > 0 {
			sb.WriteString("\n" + indent)
		}
		sb.WriteString("}")
	default:
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return err
		}
		sb.Write(b)
	}
	return nil
}

// refsOf replaces a list of values held elsewhere in the data model by
// their references.
func refsOf(v reflect.Value) reflect.Value {
	if v.Kind() != reflect.Slice {
		return v
	}
	out := make([]any, v.Len())
	for i := range out {
		e := v.Index(i).Interface()
		if r, ok := e.(interface{ refKey() any }); ok && !isNothing(e) {
			out[i] = r.refKey()
		} else {
			out[i] = e
		}
	}
	return reflect.ValueOf(out)
}
