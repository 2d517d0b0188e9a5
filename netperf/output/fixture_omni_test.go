package output_test

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"nperf/internal/units"
	"nperf/netperf/output"
	"nperf/result"
	"nperf/stats"
)

// TestNetperfOmniFixtures renders records rebuilt from the values of real
// netperf 2.7.1 omni outputs (-o, -k, -O with default lists, explicit
// lists, several blocks, all) and compares with what netperf printed:
// the same lines, titles and selectors, every value that nperf can
// reconstruct identical, and the others (inexact, below) of the same
// shape: an integer where netperf printed one, the same number of
// decimals. Where no value is inexact the whole output must be identical
// byte for byte.
func TestNetperfOmniFixtures(t *testing.T) {
	for _, fx := range loadFixtures(t, "netperf-omni") {
		t.Run(fx.name, func(t *testing.T) {
			sel, err := output.Select(fx.inv.OmniSelection, &fx.inv.Spec, nil)
			if err != nil {
				t.Fatal(err)
			}
			o := fx.options()
			o.Selection = sel
			if o.OmniMode == "" {
				o.OmniMode = output.ModeHuman // plain -t omni prints columns
			}
			banner, body := fx.body()
			want := parseOmni(t, body, sel, o.OmniMode, o.Headers)
			rec := omniRecord(t, &fx, want)
			o.UUID = want["UUID"]

			var gotBanner, got bytes.Buffer
			if err := output.Banner(&gotBanner, rec.Spec, o); err != nil {
				t.Fatal(err)
			}
			if !fx.omni && gotBanner.String() != banner {
				t.Errorf("banner:\ngot  %q\nwant %q", gotBanner.String(), banner)
			}
			if err := output.Omni(&got, rec, o); err != nil {
				t.Fatal(err)
			}
			compareOmni(t, &fx, sel, o, got.String(), body)
		})
	}
}

// TestNetperfSelectorLists compares SelectorList with netperf's `-o ?`
// and `-O ?`.
func TestNetperfSelectorLists(t *testing.T) {
	for _, fx := range loadFixtures(t, "netperf-list") {
		t.Run(fx.name, func(t *testing.T) {
			if fx.inv.OmniSelection != "?" {
				t.Fatalf("not a selector list: %s", fx.cmd)
			}
			var got bytes.Buffer
			if err := output.SelectorList(&got, fx.inv.OmniMode != output.ModeHuman); err != nil {
				t.Fatal(err)
			}
			if got.String() != fx.out {
				t.Errorf("got:\n%s\nwant:\n%s", got.String(), fx.out)
			}
		})
	}
}

// inexact says which selectors' values nperf cannot rebuild from a
// netperf output, or does not print as netperf did, and why.
func inexact(s string, spec *result.Spec) bool {
	switch s {
	case "LOCAL_TRANSPORT_RETRANS", // nperf does not read the local TCP_INFO: -2
		"LOCAL_SEND_WIDTH", "LOCAL_RECV_WIDTH", // nperf uses one buffer, netperf a ring of them
		"REMOTE_SEND_WIDTH", "REMOTE_RECV_WIDTH", // not kept in the record: -1
		"LOCAL_CPU_PEAK_UTIL", "LOCAL_CPU_PEAK_ID", // per-CPU peaks are not measured: -1
		"REMOTE_CPU_PEAK_UTIL", "REMOTE_CPU_PEAK_ID",
		"LOCAL_CONG_CONTROL",                                                          // not kept in the record: ""
		"P50_LATENCY", "P90_LATENCY", "P99_LATENCY", "MEAN_LATENCY", "STDDEV_LATENCY": // a whole histogram is not in the output
		return true
	case "MIN_LATENCY", "MAX_LATENCY":
		return result.IsStream(spec.Test) // netperf timed send() calls; nperf has no such times
	}
	// Without -C netperf prints what its buffer held (-nan, or zeros).
	return !spec.RemoteCPU && strings.HasPrefix(s, "REMOTE_CPU_PERCENT_")
}

// parseOmni reads an omni output into its values by selector name. Values
// the output leaves out (RESULT_BRAND without -B) are absent.
func parseOmni(t *testing.T, out string, sel output.Selection, mode string, headers bool) map[string]string {
	t.Helper()
	c := cells(t, out, sel, mode, headers)
	m := make(map[string]string)
	for i, s := range c.names {
		m[s] = c.values[i]
	}
	return m
}

// omniCells is an omni output split into selectors, titles and values.
type omniCells struct {
	names  []string
	values []string
	titles []string // CSV: the header line; human: each block's titles, blanks collapsed
}

func cells(t *testing.T, out string, sel output.Selection, mode string, headers bool) omniCells {
	t.Helper()
	var flat []output.Selector
	for _, b := range sel {
		flat = append(flat, b...)
	}
	var c omniCells
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	switch mode {
	case output.ModeKeyval:
		for _, l := range lines {
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("keyval line without '=': %q", l)
			}
			c.names = append(c.names, k)
			c.values = append(c.values, v)
		}
	case output.ModeCSV:
		if headers {
			c.titles, lines = []string{lines[0]}, lines[1:]
		}
		if len(lines) != 1 {
			t.Fatalf("CSV output has %d value lines, want 1", len(lines))
		}
		fields := csvFields(lines[0])
		if len(fields) != len(flat) {
			t.Fatalf("%d CSV values for %d selectors: %q", len(fields), len(flat), lines[0])
		}
		for i, s := range flat {
			c.names = append(c.names, s.String())
			c.values = append(c.values, fields[i])
		}
	case output.ModeHuman:
		i := 0
		for _, block := range sel {
			if len(block) == 0 {
				continue
			}
			if i > 0 {
				if lines[i] != "" {
					t.Fatalf("line %d: want the empty line between blocks, got %q", i+1, lines[i])
				}
				i++
			}
			var vals []string
			if headers {
				title := lines[i : i+4]
				for _, l := range title {
					c.titles = append(c.titles, strings.Join(strings.Fields(l), " "))
				}
				vals = columns(t, title[0], lines[i+4], block)
				i += 5
			} else {
				vals = strings.Fields(lines[i])
				i++
			}
			if len(vals) != len(block) {
				t.Fatalf("%d columns for %d selectors", len(vals), len(block))
			}
			for j, s := range block {
				c.names = append(c.names, s.String())
				c.values = append(c.values, vals[j])
			}
		}
		if i != len(lines) {
			t.Fatalf("%d lines, the selection accounts for %d", len(lines), i)
		}
	}
	return c
}

// csvFields splits a CSV value line as netperf writes it: no escaping,
// but quoted values (RESULT_BRAND, COMMAND_LINE) may hold commas. A field
// of one space is OUTPUT_NONE's; other blanks around values are dropped.
func csvFields(line string) []string {
	var fs []string
	for len(line) > 0 || fs == nil {
		var f string
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, `"`) {
			end := strings.Index(trimmed[1:], `"`) + 2
			f, line = trimmed[:end], strings.TrimPrefix(trimmed[end:], ",")
		} else {
			var ok bool
			f, line, ok = strings.Cut(line, ",")
			if !ok {
				line = ""
			}
		}
		if f != " " {
			f = strings.TrimSpace(f)
		}
		fs = append(fs, f)
		if line == "" {
			break
		}
	}
	return fs
}

// columns splits a human value line at the columns of its block: each
// starts where the first title line has text after the previous column's
// widest title.
func columns(t *testing.T, title0, values string, block []output.Selector) []string {
	t.Helper()
	starts := make([]int, len(block))
	for j := 1; j < len(block); j++ {
		w := 0
		for _, l := range block[j-1].Title() {
			w = max(w, len(l))
		}
		i := starts[j-1] + w + 1
		for i < len(title0) && title0[i] == ' ' {
			i++
		}
		starts[j] = i
	}
	vals := make([]string, len(block))
	for j, s := range starts {
		end := len(values)
		if j+1 < len(starts) {
			end = starts[j+1]
		}
		if s > len(values) || end > len(values) {
			t.Fatalf("value line %q too short for column %d", values, j)
		}
		vals[j] = strings.TrimRight(values[s:end], " ")
	}
	return vals
}

var (
	intRE   = regexp.MustCompile(`^-?[0-9]+$`)
	fixedRE = regexp.MustCompile(`^-?[0-9]+\.([0-9]+)$`)
)

// shape is what an inexact value must keep: its kind and precision.
func shape(v string) string {
	switch {
	case v == "-nan" || v == "nan":
		return "nan"
	case intRE.MatchString(v):
		return "int"
	case fixedRE.MatchString(v):
		return "fixed" + strconv.Itoa(len(fixedRE.FindStringSubmatch(v)[1]))
	case strings.HasPrefix(v, "0x"):
		return "hex"
	}
	return "text"
}

func compareOmni(t *testing.T, fx *fixture, sel output.Selection, o output.Options, got, want string) {
	t.Helper()
	if strings.Count(got, "\n") != strings.Count(want, "\n") {
		t.Fatalf("got %d lines, want %d\ngot:\n%s\nwant:\n%s", strings.Count(got, "\n"), strings.Count(want, "\n"), got, want)
	}
	g := cells(t, got, sel, o.OmniMode, o.Headers)
	w := cells(t, want, sel, o.OmniMode, o.Headers)
	if strings.Join(g.titles, "\n") != strings.Join(w.titles, "\n") {
		t.Errorf("titles differ\ngot:\n%s\nwant:\n%s", strings.Join(g.titles, "\n"), strings.Join(w.titles, "\n"))
	}
	if strings.Join(g.names, ",") != strings.Join(w.names, ",") {
		t.Fatalf("selectors differ\ngot  %s\nwant %s", strings.Join(g.names, ","), strings.Join(w.names, ","))
	}
	allExact := true
	for i, name := range g.names {
		gv, wv := g.values[i], w.values[i]
		if inexact(name, &fx.inv.Spec) {
			allExact = false
			if gs, ws := shape(gv), shape(wv); gs != ws && !(ws == "nan" && strings.HasPrefix(gs, "fixed")) {
				t.Errorf("%s = %q, want something shaped like netperf's %q", name, gv, wv)
			}
			continue
		}
		if gv != wv {
			t.Errorf("%s = %q, want %q", name, gv, wv)
		}
	}
	if allExact && got != want {
		t.Errorf("output differs from netperf's\ngot:\n%s\nwant:\n%s", visible(got), visible(want))
	}
}

// omniRecord rebuilds the Final record behind an omni output from the
// values it printed: sizes, counts and CPU figures as they are, byte and
// transaction counts from the rates over the elapsed time (solving the
// elapsed time from the bytes and the rate where netperf printed both).
func omniRecord(t *testing.T, fx *fixture, v map[string]string) *result.Record {
	t.Helper()
	spec := fx.inv.Spec
	rec := &result.Record{Test: spec.Test, Final: true, Spec: &spec, Detail: &result.Detail{}}
	d := rec.Detail
	f := headlineUnit(spec.Test, fx.inv.Format)
	has := func(name string) bool { _, ok := v[name]; return ok }
	num := func(name string) float64 { t.Helper(); return mustFloat(t, v[name]) }
	integer := func(name string) int { t.Helper(); return int(num(name)) }
	counter := func(name string) uint64 { t.Helper(); return uint64(num(name)) }

	secs := float64(spec.LengthSeconds)
	if has("ELAPSED_TIME") {
		secs = num("ELAPSED_TIME")
	}
	for name, p := range map[string]*int{
		"LSS_SIZE": &d.LocalSendBufStart, "LSS_SIZE_END": &d.LocalSendBufBytes,
		"LSR_SIZE": &d.LocalRecvBufStart, "LSR_SIZE_END": &d.LocalRecvBufBytes,
		"RSS_SIZE": &d.RemoteSendBufStart, "RSS_SIZE_END": &d.RemoteSendBufBytes,
		"RSR_SIZE": &d.RemoteRecvBufStart, "RSR_SIZE_END": &d.RemoteRecvBufBytes,
		"REMOTE_SEND_SIZE": &d.RemoteSendSize, "REMOTE_RECV_SIZE": &d.RemoteRecvSize,
		"TRANSPORT_MSS": &d.MSS,
	} {
		if has(name) {
			*p = integer(name)
		}
	}
	for name, p := range map[string]*uint64{
		"LOCAL_SEND_CALLS": &d.SendCalls, "LOCAL_RECV_CALLS": &d.RecvCalls,
		"REMOTE_SEND_CALLS": &d.RemoteSendCalls, "REMOTE_RECV_CALLS": &d.RemoteRecvCalls,
		"LOCAL_BYTES_SENT": &rec.BytesSent, "LOCAL_BYTES_RECVD": &rec.BytesRecv,
		"REMOTE_BYTES_SENT": &rec.RemoteBytesSent, "REMOTE_BYTES_RECVD": &rec.RemoteBytesRecv,
		"REMOTE_TRANSPORT_RETRANS": &d.RemoteRetransmits,
	} {
		if has(name) && num(name) >= 0 {
			*p = counter(name)
		}
	}
	d.CongestionControl = v["REMOTE_CONG_CONTROL"]
	if has("LOCAL_SEND_SIZE") && spec.Test != "TCP_MAERTS" && result.IsStream(spec.Test) {
		d.SendSize = integer("LOCAL_SEND_SIZE")
	}
	if has("LOCAL_RECV_SIZE") && spec.Test == "TCP_MAERTS" {
		d.RecvSize = integer("LOCAL_RECV_SIZE")
	}

	if result.IsStream(spec.Test) {
		payload := &rec.RemoteBytesRecv
		if spec.Test == "TCP_MAERTS" {
			payload = &rec.BytesRecv
		}
		if *payload > 0 && has("THROUGHPUT") {
			// netperf printed both: the elapsed time behind its rate.
			secs = f.FromBytesPerSecond(float64(*payload)) / num("THROUGHPUT")
		} else if has("THROUGHPUT") {
			var e time.Duration
			*payload, e = exactRate(num("THROUGHPUT"), f, secs)
			secs = e.Seconds()
		}
		for name, p := range map[string]*uint64{
			"LOCAL_SEND_THROUGHPUT": &rec.BytesSent, "LOCAL_RECV_THROUGHPUT": &rec.BytesRecv,
			"REMOTE_SEND_THROUGHPUT": &rec.RemoteBytesSent, "REMOTE_RECV_THROUGHPUT": &rec.RemoteBytesRecv,
		} {
			switch {
			case !has(name) || *p != 0:
			case v[name] == v["THROUGHPUT"]:
				*p = *payload
			default:
				*p = bytesFor(num(name), f, secs)
			}
		}
		if rec.BytesSent == 0 && spec.Test != "TCP_MAERTS" {
			rec.BytesSent = rec.RemoteBytesRecv
		}
		rec.Elapsed = seconds(secs)
	} else {
		d.SendSize, d.RecvSize = 1, 1
		if has("REQUEST_SIZE") {
			d.SendSize, d.RecvSize = integer("REQUEST_SIZE"), integer("RESPONSE_SIZE")
		} else if spec.RequestSize > 0 {
			d.SendSize, d.RecvSize = spec.RequestSize, spec.ResponseSize
		}
		var rate float64
		switch {
		case has("TRANSACTION_RATE"):
			rate = num("TRANSACTION_RATE")
		case has("RT_LATENCY"):
			rate = 1e6 / num("RT_LATENCY")
		case f == units.FormatTrans:
			rate = num("THROUGHPUT")
		default:
			t.Fatalf("no transaction rate in the output")
		}
		rec.Transactions, rec.Elapsed = transactions(rate, secs)
		if rec.BytesSent == 0 {
			rec.BytesSent = rec.Transactions * uint64(d.SendSize)
			rec.BytesRecv = rec.Transactions * uint64(d.RecvSize)
		}
	}

	cpuSide := func(prefix string) *result.CPUSide {
		if !has(prefix+"_CPU_UTIL") || num(prefix+"_CPU_UTIL") == -1 {
			return nil
		}
		s := &result.CPUSide{
			UtilPercent: num(prefix + "_CPU_UTIL"), UserPercent: num(prefix + "_CPU_PERCENT_USER"),
			SystemPercent: num(prefix + "_CPU_PERCENT_SYSTEM"), IOWaitPercent: num(prefix + "_CPU_PERCENT_IOWAIT"),
			IRQPercent: num(prefix + "_CPU_PERCENT_IRQ"), SoftIRQPercent: num(prefix + "_CPU_PERCENT_SWINTR"),
			Method: v[prefix+"_CPU_METHOD"], NumCPUs: 1, ServiceDemandUnit: "KB",
		}
		if has(prefix + "_CPU_COUNT") {
			s.NumCPUs = integer(prefix + "_CPU_COUNT")
		}
		if v["SD_UNITS"] == "usec/Tran" {
			s.ServiceDemandUnit = "Tran"
		}
		if has(prefix + "_SD") {
			s.ServiceDemandUS = num(prefix + "_SD")
		}
		return s
	}
	if l, r := cpuSide("LOCAL"), cpuSide("REMOTE"); l != nil || r != nil {
		rec.CPU = &result.CPUUsage{Local: l, Remote: r}
	}

	if has("MIN_LATENCY") && num("MIN_LATENCY") >= 0 && !result.IsStream(spec.Test) {
		h := stats.NewHistogram()
		for _, name := range []string{"MIN_LATENCY", "P50_LATENCY", "P90_LATENCY", "P99_LATENCY", "MAX_LATENCY"} {
			if has(name) {
				h.Record(time.Duration(num(name))*time.Microsecond + 500*time.Nanosecond)
			}
		}
		rec.Latency = h
	}

	if has("CONFIDENCE_ITERATION") {
		confidentRecord(rec, integer("CONFIDENCE_ITERATION"), func(c *result.Confidence) {
			c.ThroughputWidthPercent = num("THROUGHPUT_CONFID")
			c.LocalCPUWidthPercent = num("LOCAL_CPU_CONFID")
			c.RemoteCPUWidthPercent = num("REMOTE_CPU_CONFID")
		})
	}
	return rec
}

// exactRate returns a whole byte count and an elapsed time close to secs
// over which those bytes move at rate v in unit f to within the 0.005
// that netperf's two decimals show: a time whole in nanoseconds, chosen
// among those near secs.
func exactRate(v float64, f units.Format, secs float64) (uint64, time.Duration) {
	perByte := f.FromBytesPerSecond(1)
	e := seconds(secs)
	for i := range 100000 {
		d := e + time.Duration(i)
		n := math.Round(v / perByte * d.Seconds())
		if math.Abs(n*perByte/d.Seconds()-v) < 0.004 {
			return uint64(n), d
		}
	}
	return bytesFor(v, f, secs), e
}

// confidentRecord turns a one-iteration record into the record of a
// confidence run of n identical iterations: counts and time summed, each
// iteration's result a sample, widths as set.
func confidentRecord(rec *result.Record, n int, widths func(*result.Confidence)) {
	if n < 1 || rec.Spec.IterationsMax <= 1 {
		return
	}
	c := &result.Confidence{Iterations: n, LevelPercent: rec.Spec.ConfidenceLevel, WantWidthPercent: rec.Spec.ConfidenceWidthPercent}
	widths(c)
	sample := rec.TransactionRate()
	if result.IsStream(rec.Test) {
		sample = rec.ThroughputBitsPerSecond()
	}
	for range n {
		c.Samples = append(c.Samples, sample)
	}
	c.MeanResult = sample
	rec.Confidence = c
	k := uint64(n)
	rec.Elapsed *= time.Duration(n)
	rec.BytesSent *= k
	rec.BytesRecv *= k
	rec.RemoteBytesSent *= k
	rec.RemoteBytesRecv *= k
	rec.Transactions *= k
}
