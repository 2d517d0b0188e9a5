package output_test

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"nperf/netperf/output"
	"nperf/result"
	"nperf/stats"
)

// The tests here rebuild records from real netperf 2.7.1 outputs of
// interim results (-D), confidence runs (-i/-I) and -v 2, and require
// nperf's rendering of them to be netperf's output byte for byte.

var (
	interimRE = regexp.MustCompile(`^Interim result: +([0-9.]+) (\S+)/s over ([0-9.]+) seconds ending at ([0-9]+)\.([0-9]{3})$`)
	keyvalRE  = regexp.MustCompile(`^NETPERF_([A-Z_]+)\[([0-9]+)\]=(.*)$`)
)

// interval is one interim result as netperf printed it.
type interval struct {
	value, secs float64
	unit        string
	endSec      int64
	endMilli    int64
	index       int
}

// intervalRecord rebuilds the interval record behind an interim result:
// its byte or transaction count from the rate (with an elapsed time
// nudged, well inside the printed precision, for the rate to come out
// exact) and a start such that it ends in the printed millisecond.
func intervalRecord(t *testing.T, test string, iv interval, o output.Options) *result.Record {
	t.Helper()
	f := headlineUnit(test, o.Format)
	if f.Unit() != iv.unit {
		t.Fatalf("netperf printed %s/s, nperf would print %s/s", iv.unit, f.Unit())
	}
	rec := &result.Record{Test: test}
	if result.IsStream(test) {
		n, d := exactRate(iv.value, f, iv.secs)
		rec.Elapsed = d
		if test == "TCP_MAERTS" {
			rec.BytesRecv = n
		} else {
			rec.BytesSent = n
		}
	} else {
		rec.Transactions, rec.Elapsed = transactions(iv.value, iv.secs)
		rec.BytesSent, rec.BytesRecv = rec.Transactions, rec.Transactions
	}
	end := time.Unix(iv.endSec, iv.endMilli*1e6+400_000)
	rec.Start = end.Add(-rec.Elapsed)
	return rec
}

func TestNetperfInterimFixtures(t *testing.T) {
	for _, fx := range loadFixtures(t, "netperf-interim") {
		t.Run(fx.name, func(t *testing.T) {
			o := fx.options()
			banner, body := fx.body()
			var got bytes.Buffer
			if err := output.Banner(&got, &fx.inv.Spec, o); err != nil {
				t.Fatal(err)
			}
			if got.String() != banner {
				t.Fatalf("banner:\ngot  %q\nwant %q", got.String(), banner)
			}
			lines := strings.SplitAfter(body, "\n")
			n := 0
			for n < len(lines) {
				iv, used := parseInterim(t, lines[n:])
				if used == 0 {
					break
				}
				rec := intervalRecord(t, fx.inv.Spec.Test, iv, o)
				if err := output.Interim(&got, rec, o, iv.index); err != nil {
					t.Fatal(err)
				}
				n += used
			}
			if n == 0 {
				t.Fatal("no interim results")
			}
			rest := strings.Join(lines[n:], "")
			if fx.inv.OmniMode != "" {
				sel, err := output.Select(fx.inv.OmniSelection, &fx.inv.Spec, nil)
				if err != nil {
					t.Fatal(err)
				}
				o.Selection = sel
				rec := omniRecord(t, &fx, parseOmni(t, rest, sel, o.OmniMode, o.Headers))
				if err := output.Omni(&got, rec, o); err != nil {
					t.Fatal(err)
				}
			} else {
				rec := recordFromRows(t, &fx.inv.Spec, o, dataRows(rest))
				if err := output.Result(&got, rec, o); err != nil {
					t.Fatal(err)
				}
			}
			if got.String() != fx.out {
				t.Errorf("output differs from netperf's\ngot:\n%s\nwant:\n%s", visible(got.String()), visible(fx.out))
			}
		})
	}
}

// parseInterim reads one interim result from the start of lines: a human
// line or four keyval lines. used is 0 when lines do not start with one.
func parseInterim(t *testing.T, lines []string) (iv interval, used int) {
	t.Helper()
	if m := interimRE.FindStringSubmatch(strings.TrimSuffix(lines[0], "\n")); m != nil {
		iv.value, iv.unit, iv.secs = mustFloat(t, m[1]), m[2], mustFloat(t, m[3])
		iv.endSec, _ = strconv.ParseInt(m[4], 10, 64)
		iv.endMilli, _ = strconv.ParseInt(m[5], 10, 64)
		return iv, 1
	}
	if len(lines) < 4 {
		return iv, 0
	}
	for i, key := range []string{"INTERIM_RESULT", "UNITS", "INTERVAL", "ENDING"} {
		m := keyvalRE.FindStringSubmatch(strings.TrimSuffix(lines[i], "\n"))
		if m == nil || m[1] != key {
			return iv, 0
		}
		iv.index, _ = strconv.Atoi(m[2])
		switch key {
		case "INTERIM_RESULT":
			iv.value = mustFloat(t, m[3])
		case "UNITS":
			iv.unit = strings.TrimSuffix(m[3], "/s")
		case "INTERVAL":
			iv.secs = mustFloat(t, m[3])
		case "ENDING":
			s, ms, _ := strings.Cut(m[3], ".")
			iv.endSec, _ = strconv.ParseInt(s, 10, 64)
			iv.endMilli, _ = strconv.ParseInt(ms, 10, 64)
		}
	}
	return iv, 4
}

var widthRE = regexp.MustCompile(`(Throughput|Local CPU util|Remote CPU util) *: ([0-9.]+)%`)

func TestNetperfConfidenceFixtures(t *testing.T) {
	for _, fx := range loadFixtures(t, "netperf-confidence") {
		t.Run(fx.name, func(t *testing.T) {
			o := fx.options()
			_, body := fx.body()
			widths := map[string]float64{}
			for _, m := range widthRE.FindAllStringSubmatch(body, -1) {
				widths[m[1]] = mustFloat(t, m[2])
			}
			rec := recordFromRows(t, &fx.inv.Spec, o, dataRows(body))
			confidentRecord(rec, fx.inv.Spec.IterationsMax, func(c *result.Confidence) {
				c.Met = len(widths) == 0
				c.ThroughputWidthPercent = widths["Throughput"]
				c.LocalCPUWidthPercent = widths["Local CPU util"]
				c.RemoteCPUWidthPercent = widths["Remote CPU util"]
			})
			if rec.Confidence == nil {
				t.Fatalf("%s: not a confidence run", fx.cmd)
			}
			var got bytes.Buffer
			if err := output.Banner(&got, rec.Spec, o); err != nil {
				t.Fatal(err)
			}
			if err := output.Result(&got, rec, o); err != nil {
				t.Fatal(err)
			}
			if got.String() != fx.out {
				t.Errorf("output differs from netperf's\ngot:\n%s\nwant:\n%s", visible(got.String()), visible(fx.out))
			}
		})
	}
}

// TestNetperfVerboseFixtures rebuilds -v 2 outputs: the table, the block
// of alignments and per-call averages, the MSS and the histogram. For
// stream tests netperf's histogram is of send() times, which nperf does
// not record: without one the output must be netperf's without its
// histogram, and with one rebuilt from netperf's it must be netperf's.
func TestNetperfVerboseFixtures(t *testing.T) {
	for _, fx := range loadFixtures(t, "netperf-v2") {
		t.Run(fx.name, func(t *testing.T) {
			o := fx.options()
			spec := &fx.inv.Spec
			cut := regexp.MustCompile(`(?m)^\n*(Alignment|Histogram of)`).FindStringIndex(fx.out)
			if cut == nil {
				t.Fatal("no -v 2 block")
			}
			rec := recordFromRows(t, spec, o, dataRows(fx.out[:cut[0]]))
			verbose := fx.out[cut[0]:]
			d := rec.Detail
			rows := dataRows(verbose)
			switch spec.Test {
			case "TCP_STREAM":
				r := rows[0]
				rec.BytesSent = uint64(mustFloat(t, r[4]))
				d.SendCalls, d.RemoteRecvCalls = uint64(mustFloat(t, r[6])), uint64(mustFloat(t, r[8]))
				d.MSS = int(mustFloat(t, rows[1][0]))
			case "TCP_RR":
				rec.Transactions, rec.Elapsed = transactions(mustFloat(t, rows[0][5]), rec.Elapsed.Seconds())
			}
			hist := histogramFrom(t, verbose)

			render := func(latency *stats.Histogram) string {
				rec.Latency = latency
				var got bytes.Buffer
				if err := output.Banner(&got, spec, o); err != nil {
					t.Fatal(err)
				}
				if err := output.Result(&got, rec, o); err != nil {
					t.Fatal(err)
				}
				return got.String()
			}
			if got := render(hist); got != fx.out {
				t.Errorf("output differs from netperf's\ngot:\n%s\nwant:\n%s", visible(got), visible(fx.out))
			}
			if result.IsStream(spec.Test) {
				i := strings.Index(fx.out, "Histogram of")
				want := strings.TrimSuffix(fx.out[:i], "\n")
				if spec.Test != "UDP_STREAM" {
					want = strings.TrimSuffix(want, "\n")
				}
				if got := render(nil); got != want {
					t.Errorf("without a histogram, output differs from netperf's without its histogram\ngot:\n%s\nwant:\n%s", visible(got), visible(want))
				}
			}
		})
	}
}

// histogramFrom rebuilds a histogram from netperf's report of one: every
// count of a cell recorded in the middle of the cell.
func histogramFrom(t *testing.T, out string) *stats.Histogram {
	t.Helper()
	h := stats.NewHistogram()
	unit := time.Microsecond
	row := 0
	var total uint64
	for line := range strings.Lines(out) {
		name, cells, ok := strings.Cut(strings.TrimSuffix(line, "\n"), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(name) {
		case ">100_SECS":
			for range int(mustFloat(t, cells)) {
				h.Record(150 * time.Second)
			}
		case "HIST_TOTAL":
			total = uint64(mustFloat(t, cells))
		case "UNIT_USEC", "TEN_USEC", "HUNDRED_USEC", "UNIT_MSEC", "TEN_MSEC", "HUNDRED_MSEC", "UNIT_SEC", "TEN_SEC":
			for d, c := range strings.Split(cells, ":") {
				mid := time.Duration((float64(d) + 0.5) * float64(unit))
				for range int(mustFloat(t, c)) {
					h.Record(mid)
				}
			}
			unit *= 10
			row++
		}
	}
	if row != 8 || h.Count() != total {
		t.Fatalf("histogram of %d rows and %d values, netperf's total is %d", row, h.Count(), total)
	}
	return h
}

// Check that the helpers above are not vacuous: a rebuilt histogram has
// the counts it was rebuilt from.
func TestHistogramFrom(t *testing.T) {
	report := "UNIT_USEC     :    0:    0:    0:    0:    0:    0:    0:    0:    0:    3\n" +
		"TEN_USEC      :    0:    5:    0:    0:    0:    0:    0:    0:    0:    0\n" +
		strings.Repeat("UNIT_MSEC     :    0:    0:    0:    0:    0:    0:    0:    0:    0:    0\n", 6) +
		">100_SECS: 1\nHIST_TOTAL:      9\n"
	h := histogramFrom(t, report)
	if h.Count() != 9 || h.Max() != 150*time.Second || math.Abs(float64(h.Min()-9500*time.Nanosecond)) > 0 {
		t.Errorf("got count %d min %v max %v", h.Count(), h.Min(), h.Max())
	}
}
