package output_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"nperf/internal/units"
	"nperf/netperf/output"
	"nperf/result"
)

// TestNetperfFixtures renders records rebuilt from the numbers of real
// netperf 2.7.1 outputs (testdata/netperf, copied from the shared
// reference fixtures) and requires the very same bytes back: banner,
// titles, spacing, trailing blanks and all.
func TestNetperfFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "netperf", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata/netperf")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			cmd, want := readFixture(t, file)
			spec, opts := parseCommand(t, cmd)
			rec := recordFromRows(t, spec, opts, dataRows(want))
			var got bytes.Buffer
			if err := output.Banner(&got, spec, opts); err != nil {
				t.Fatal(err)
			}
			if err := output.Result(&got, rec, opts); err != nil {
				t.Fatal(err)
			}
			if got.String() != want {
				t.Errorf("output differs from netperf's\ncmd: %s\ngot:\n%s\nwant:\n%s", cmd, visible(got.String()), visible(want))
			}
		})
	}
}

// readFixture returns a fixture's command line and netperf's stdout: the
// file without its leading and trailing "# " lines.
func readFixture(t testing.TB, file string) (cmd, stdout string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for len(lines) > 0 && strings.HasPrefix(lines[0], "# ") {
		if c, ok := strings.CutPrefix(lines[0], "# cmd: "); ok {
			cmd = strings.TrimSpace(c)
		}
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.HasPrefix(lines[len(lines)-1], "# ") {
		lines = lines[:len(lines)-1]
	}
	if cmd == "" {
		t.Fatalf("%s: no # cmd: line", file)
	}
	return cmd, strings.Join(lines, "")
}

// parseCommand understands the few netperf options the fixtures use.
func parseCommand(t *testing.T, cmd string) (*result.Spec, output.Options) {
	t.Helper()
	args := strings.Fields(cmd)
	if len(args) == 0 || args[0] != "netperf" {
		t.Fatalf("not a netperf command: %q", cmd)
	}
	spec := &result.Spec{Test: "TCP_STREAM", LengthSeconds: 10}
	opts := output.Options{Verbosity: 1, Headers: true}
	for i := 1; i < len(args); i++ {
		a := args[i]
		value := func() string {
			t.Helper()
			i++
			if i >= len(args) {
				t.Fatalf("%s: missing value in %q", a, cmd)
			}
			return args[i]
		}
		atoi := func(s string) int {
			t.Helper()
			n, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("%s %s: %v", a, s, err)
			}
			return n
		}
		switch a {
		case "-H":
			spec.Host = value()
		case "-t":
			spec.Test = value()
		case "-l":
			spec.LengthSeconds = atoi(value())
		case "-P":
			opts.Headers = value() != "0"
		case "-v":
			opts.Verbosity = atoi(value())
		case "-f":
			f, err := units.ParseFormat(value())
			if err != nil {
				t.Fatal(err)
			}
			opts.Format = f
		case "-c":
			spec.LocalCPU = true
		case "-C":
			spec.RemoteCPU = true
		case "-4":
			spec.Family = "inet"
		case "-6":
			spec.Family = "inet6"
		default:
			t.Fatalf("option %s of %q is not understood by this test", a, cmd)
		}
	}
	return spec, opts
}

// dataRows splits the lines of an output that start with a number.
func dataRows(out string) [][]string {
	var rows [][]string
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if _, err := strconv.ParseFloat(f[0], 64); err == nil {
			rows = append(rows, f)
		}
	}
	return rows
}

// recordFromRows builds the Final record whose rendering should print
// rows. Counts are chosen so that rates come out as printed: byte counts
// over the printed elapsed time, and for transactions a whole count with
// the elapsed time nudged (well inside its printed precision) to fit.
func recordFromRows(t *testing.T, spec *result.Spec, opts output.Options, rows [][]string) *result.Record {
	t.Helper()
	if len(rows) == 0 {
		t.Fatal("no data rows")
	}
	num := func(row []string, i int) float64 {
		t.Helper()
		if i >= len(row) {
			t.Fatalf("row %q has no field %d", row, i)
		}
		v, err := strconv.ParseFloat(row[i], 64)
		if err != nil {
			t.Fatalf("row %q field %d: %v", row, i, err)
		}
		return v
	}
	integer := func(row []string, i int) int { t.Helper(); return int(num(row, i)) }

	rec := &result.Record{Test: spec.Test, Final: true, Spec: spec, Detail: &result.Detail{}}
	d := rec.Detail
	seconds := float64(spec.LengthSeconds)
	setElapsed := func(s float64) { rec.Elapsed = time.Duration(math.Round(s * 1e9)) }
	setElapsed(seconds)
	// bytes is the byte count that gives rate v in the -f unit f.
	bytes := func(v float64, f units.Format) uint64 {
		if f == units.FormatDefault || f == units.FormatTrans {
			f = units.FormatMbits
		}
		return uint64(math.Round(v / f.FromBytesPerSecond(1) * seconds))
	}
	cpu := func(lu, ru, lsd, rsd float64) {
		rec.CPU = &result.CPUUsage{}
		if spec.LocalCPU {
			rec.CPU.Local = &result.CPUSide{UtilPercent: lu, ServiceDemandUS: lsd, Method: "S"}
		}
		if spec.RemoteCPU {
			rec.CPU.Remote = &result.CPUSide{UtilPercent: ru, ServiceDemandUS: rsd, Method: "S"}
		}
	}
	withCPU := spec.LocalCPU || spec.RemoteCPU
	r := rows[0]

	if opts.Verbosity == 0 {
		switch {
		case withCPU:
			cpu(0, 0, num(r, 0), num(r, 0))
		case spec.Test == "TCP_RR" || spec.Test == "UDP_RR" || spec.Test == "TCP_CRR":
			rec.Transactions, rec.Elapsed = transactions(num(r, 0), seconds)
		case spec.Test == "UDP_STREAM":
			rec.BytesSent = bytes(num(r, 0), opts.Format)
		case spec.Test == "TCP_MAERTS":
			rec.BytesRecv = bytes(num(r, 0), opts.Format)
		default:
			rec.RemoteBytesRecv = bytes(num(r, 0), opts.Format)
			rec.BytesSent = rec.RemoteBytesRecv
		}
		return rec
	}

	switch spec.Test {
	case "TCP_STREAM", "TCP_MAERTS":
		d.RemoteRecvBufStart, d.LocalRecvBufStart = integer(r, 0), integer(r, 0)
		d.LocalSendBufStart, d.RemoteSendBufStart = integer(r, 1), integer(r, 1)
		d.SendSize, d.RemoteSendSize = integer(r, 2), integer(r, 2)
		seconds = num(r, 3)
		setElapsed(seconds)
		n := bytes(num(r, 4), opts.Format)
		if spec.Test == "TCP_MAERTS" {
			rec.BytesRecv, rec.RemoteBytesSent = n, n
		} else {
			rec.BytesSent, rec.RemoteBytesRecv = n, n
		}
		if withCPU {
			cpu(num(r, 5), num(r, 6), num(r, 7), num(r, 8))
		}
	case "UDP_STREAM":
		if len(rows) != 2 {
			t.Fatalf("UDP_STREAM wants 2 data rows, got %d", len(rows))
		}
		r2 := rows[1]
		d.LocalSendBufStart, d.SendSize = integer(r, 0), integer(r, 1)
		seconds = num(r, 2)
		setElapsed(seconds)
		d.FailedSends = uint64(integer(r, 4))
		d.SendCalls = uint64(integer(r, 3)) + d.FailedSends
		rec.BytesSent = bytes(num(r, 5), opts.Format)
		d.RemoteRecvBufStart = integer(r2, 0)
		d.RemoteRecvCalls = uint64(integer(r2, 2))
		rec.RemoteBytesRecv = bytes(num(r2, 3), opts.Format)
		if withCPU {
			cpu(num(r, 6), num(r2, 4), num(r, 7), num(r2, 5))
		}
	case "TCP_RR", "UDP_RR", "TCP_CRR":
		if len(rows) != 2 {
			t.Fatalf("%s wants 2 data rows, got %d", spec.Test, len(rows))
		}
		r2 := rows[1]
		d.LocalSendBufStart, d.LocalRecvBufStart = integer(r, 0), integer(r, 1)
		d.SendSize, d.RecvSize = integer(r, 2), integer(r, 3)
		d.RemoteSendBufStart, d.RemoteRecvBufStart = integer(r2, 0), integer(r2, 1)
		rec.Transactions, rec.Elapsed = transactions(num(r, 5), num(r, 4))
		rec.BytesSent = rec.Transactions * uint64(d.SendSize)
		rec.BytesRecv = rec.Transactions * uint64(d.RecvSize)
		if withCPU {
			cpu(num(r, 6), num(r, 7), num(r, 8), num(r, 9))
		}
	default:
		t.Fatalf("unknown test %q", spec.Test)
	}
	return rec
}

// transactions returns a whole transaction count and an elapsed time, as
// close to seconds as a whole count allows, whose rate is exactly rate.
func transactions(rate, seconds float64) (uint64, time.Duration) {
	n := math.Round(rate * seconds)
	return uint64(n), time.Duration(math.Round(n / rate * 1e9))
}

// visible marks line ends so that trailing blanks show in a failure.
func visible(s string) string {
	return strings.ReplaceAll(s, "\n", "|\n")
}
