package parse

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"nperf/result"
)

// fuzzHints are the hints the fuzzer chooses from, so that header-less
// paths (which need one) are explored too.
var fuzzHints = []Hint{
	{},
	{Test: "TCP_RR"},
	{Test: "TCP_STREAM", Format: FormatCSV},
	HintFromCommandLine("netperf -t TCP_MAERTS -c -C -v 0 -P 0"),
	HintFromCommandLine("netperf -t omni -P 0 -- -O 'THROUGHPUT,THROUGHPUT_UNITS;ELAPSED_TIME,PROTOCOL'"),
	HintFromCommandLine("netperf -t UDP_STREAM -f K -- -o all"),
	{Test: "TCP_CRR", Format: FormatHuman},
	// The external engine's kind of command line.
	HintFromCommandLine("netperf -t TCP_RR -i 10,3 -D 0.25 -- -k THROUGHPUT,THROUGHPUT_UNITS,ELAPSED_TIME,CONFIDENCE_ITERATION,THROUGHPUT_CONFID"),
}

// FuzzOutput feeds the parser mutations of every saved netperf output: it
// must never crash, every error must name the file and a line, and every
// record must survive the Record stream (encode, read back).
func FuzzOutput(f *testing.F) {
	for _, name := range fixtures(f) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
		// Without the "# cmd:" line, as netperf printed it.
		var plain []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(l, "# ") {
				plain = append(plain, l)
			}
		}
		f.Add([]byte(strings.Join(plain, "\n")), uint8(len(name)))
	}
	f.Fuzz(func(t *testing.T, in []byte, h uint8) {
		recs, err := Output(bytes.NewReader(in), "fuzz", fuzzHints[int(h)%len(fuzzHints)])
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Name != "fuzz" || se.Line < 1 || !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("error without file and line: %v", err)
			}
		}
		var buf bytes.Buffer
		enc := result.NewEncoder(&buf)
		for _, r := range recs {
			if r.Test == "" || r.Elapsed < 0 {
				t.Fatalf("bad record %+v", r)
			}
			if err := enc.Encode(r); err != nil {
				t.Fatalf("record does not encode: %v: %+v", err, r)
			}
		}
		rd := result.NewReader(&buf, "encoded")
		n := 0
		for rd.Scan() {
			n++
		}
		if rd.Err() != nil || n != len(recs) {
			t.Fatalf("read back %d of %d records: %v", n, len(recs), rd.Err())
		}
	})
}
