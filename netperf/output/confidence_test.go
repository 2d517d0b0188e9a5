package output_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"nperf/netperf/output"
	"nperf/result"
)

// confidenceCases are the confidence runs each test is rendered as, one
// after the other, into testdata/confidence/<test>.golden.
var confidenceCases = []struct {
	name string
	cpu  bool
	met  bool
	opts output.Options
}{
	{name: "not_met", opts: output.Options{Verbosity: 1, Headers: true}},
	{name: "not_met_cC", cpu: true, opts: output.Options{Verbosity: 1, Headers: true}},
	{name: "not_met_v0_P0", opts: output.Options{Verbosity: 0, Brand: "b"}},
	{name: "not_met_cC_v0", cpu: true, opts: output.Options{Verbosity: 0, Headers: true}},
	{name: "met", met: true, cpu: true, opts: output.Options{Verbosity: 1, Headers: true}},
	{name: "not_met_omni_keyval", opts: output.Options{Headers: true, OmniMode: output.ModeKeyval}},
}

// confidenceSample is sampleRecord as the sum of three iterations whose
// results were 5% apart, with -i 3,3 -I 99,1.
func confidenceSample(test string, cpu, met bool) *result.Record {
	rec := sampleRecord(test)
	rec.Spec.IterationsMax, rec.Spec.IterationsMin = 3, 3
	rec.Spec.ConfidenceLevel, rec.Spec.ConfidenceWidthPercent = 99, 1
	rec.Spec.LocalCPU, rec.Spec.RemoteCPU = cpu, cpu
	c := &result.Confidence{Iterations: 3, LevelPercent: 99, WantWidthPercent: 1, Met: met,
		ThroughputWidthPercent: 149.201}
	if met {
		c.ThroughputWidthPercent = 0.731
	}
	if cpu {
		c.LocalCPUWidthPercent, c.RemoteCPUWidthPercent = 18.501, 7.25
	} else {
		rec.CPU = nil
	}
	x := rec.TransactionRate()
	if result.IsStream(test) {
		x = rec.ThroughputBitsPerSecond()
	}
	c.Samples = []float64{0.95 * x, x, 1.05 * x}
	c.MeanResult = x
	rec.Confidence = c
	rec.Elapsed *= 3
	rec.BytesSent, rec.BytesRecv, rec.Transactions = 3*rec.BytesSent, 3*rec.BytesRecv, 3*rec.Transactions
	rec.RemoteBytesSent, rec.RemoteBytesRecv = 3*rec.RemoteBytesSent, 3*rec.RemoteBytesRecv
	return rec
}

// TestConfidenceGolden renders confidence runs: the banner's interval,
// the warning block when the interval was not met (not in omni output),
// and the means over the iterations in the table.
func TestConfidenceGolden(t *testing.T) {
	for _, test := range result.Tests {
		t.Run(strings.ToLower(test), func(t *testing.T) {
			var got bytes.Buffer
			for _, c := range confidenceCases {
				fmt.Fprintf(&got, "== %s ==\n", c.name)
				rec := confidenceSample(test, c.cpu, c.met)
				if err := output.Banner(&got, rec.Spec, c.opts); err != nil {
					t.Fatal(err)
				}
				var err error
				if c.opts.OmniMode != "" {
					c.opts.Selection, err = output.ParseSelection("THROUGHPUT,ELAPSED_TIME,CONFIDENCE_ITERATION,THROUGHPUT_CONFID")
					if err == nil {
						err = output.Omni(&got, rec, c.opts)
					}
				} else {
					err = output.Result(&got, rec, c.opts)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			checkGolden(t, filepath.Join("testdata", "confidence", strings.ToLower(test)+".golden"), got.Bytes())
		})
	}
}

// TestConfidenceMeans checks that a confidence run prints the mean of its
// iterations' results and elapsed times, not the rate of its sums.
func TestConfidenceMeans(t *testing.T) {
	rec := sampleRecord("TCP_RR") // 254321 transactions in 10 s
	rec.Spec.IterationsMax, rec.Spec.ConfidenceLevel, rec.Spec.ConfidenceWidthPercent = 3, 95, 10
	rec.Elapsed *= 3
	rec.Transactions = 3 * 254321
	rec.Confidence = &result.Confidence{Iterations: 3, Met: true, Samples: []float64{20000, 25000, 30000}}
	var b bytes.Buffer
	if err := output.Result(&b, rec, output.Options{Verbosity: 1}); err != nil {
		t.Fatal(err)
	}
	want := "16384  131072 1        1       10.00    25000.00   \n16384  131072\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}
