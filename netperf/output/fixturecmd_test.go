package output_test

import (
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"nperf/internal/units"
	"nperf/netperf"
	"nperf/netperf/output"
	"nperf/result"
)

// A fixture is one saved run of stock netperf 2.7.1 (a copy of a file of
// ../shared/testdata/netperf-outputs) with its command line understood.
type fixture struct {
	name string
	cmd  string
	argv []string // the command line as netperf saw it, argv[0] included
	inv  *netperf.Invocation
	omni bool   // -t omni: netperf's banner reads "OMNI ... TEST", which nperf does not print
	out  string // netperf's stdout
}

// loadFixtures reads every fixture of testdata/<dir>.
func loadFixtures(t *testing.T, dir string) []fixture {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no fixtures in testdata/%s", dir)
	}
	var fs []fixture
	for _, file := range files {
		cmd, out := readFixture(t, file)
		fx := fixture{name: strings.TrimSuffix(filepath.Base(file), ".txt"), cmd: cmd, out: out}
		fx.argv = shellSplit(cmd)
		fx.inv, fx.omni = invocation(t, fx.argv)
		fs = append(fs, fx)
	}
	return fs
}

// invocation parses a netperf command line with nperf's own parser. An
// omni test (-t omni, with -d rr or -d recv) runs as the classic test of
// the same direction, which prints the same selectors.
func invocation(t *testing.T, argv []string) (*netperf.Invocation, bool) {
	t.Helper()
	if len(argv) == 0 || argv[0] != "netperf" {
		t.Fatalf("not a netperf command: %q", argv)
	}
	args := append([]string(nil), argv[1:]...)
	omni := false
	test := "TCP_STREAM"
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "-t" && i+1 < len(args) && args[i+1] == "omni":
			omni = true
			args = append(args[:i], args[i+2:]...)
			i--
		case args[i] == "-d" && i+1 < len(args):
			switch args[i+1] {
			case "rr":
				test = "TCP_RR"
			case "recv":
				test = "TCP_MAERTS"
			default:
				t.Fatalf("-d %s: not understood by this test", args[i+1])
			}
			args = append(args[:i], args[i+2:]...)
			i--
		}
	}
	if omni {
		args = append([]string{"-t", test}, args...)
	}
	inv, err := netperf.ParseArgs(args)
	if err != nil {
		t.Fatalf("%q: %v", argv, err)
	}
	return inv, omni
}

// shellSplit splits a command line as bash would the fixtures' simple
// ones: words separated by spaces, single and double quotes grouping.
func shellSplit(s string) []string {
	var words []string
	var cur strings.Builder
	in := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// options are the output options of a fixture's invocation.
func (fx *fixture) options() output.Options {
	return output.Options{
		Format: fx.inv.Format, Verbosity: fx.inv.Verbosity, Headers: fx.inv.Headers, Brand: fx.inv.Brand,
		OmniMode: fx.inv.OmniMode, CommandLine: fx.argv,
	}
}

// body is netperf's output without its banner line, and whether there
// was one.
func (fx *fixture) body() (banner, rest string) {
	if !fx.inv.Headers {
		return "", fx.out
	}
	b, r, _ := strings.Cut(fx.out, "\n")
	return b + "\n", r
}

// headlineUnit is the unit of a test's headline result, as nperf and
// netperf resolve -f for it.
func headlineUnit(test string, f units.Format) units.Format {
	if result.IsStream(test) {
		if f == units.FormatDefault || f == units.FormatTrans {
			return units.FormatMbits
		}
		return f
	}
	if f == units.FormatDefault {
		return units.FormatTrans
	}
	return f
}

// bytesFor is the byte count that moves at rate v (in unit f) over secs.
func bytesFor(v float64, f units.Format, secs float64) uint64 {
	return uint64(math.Round(v / f.FromBytesPerSecond(1) * secs))
}

// seconds is a duration of s seconds, to the nanosecond.
func seconds(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }

// mustFloat parses a number printed by netperf.
func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return v
}
