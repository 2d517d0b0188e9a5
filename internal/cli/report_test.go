package cli

import (
	"os"
	"testing"

	"nperf/report"
)

// reportExpectations recomputes, from the Records alone, the verdicts
// 'nperf profile run testdata/report/lab.yaml --json' printed while it
// wrote testdata/report/profile-lab.jsonl.
func TestReportExpectationsMatchProfileRun(t *testing.T) {
	f, err := os.Open("testdata/report/profile-lab.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := report.ReadInput(f, "profile-lab.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	exp, err := reportExpectations(in.Records, "testdata/report/lab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// What the profile run printed: "  PASS  bulk[send_size=16K]  throughput >= 100 Mbit/s  measured 1307 Mbit/s".
	want := []struct{ status, name, expectation, measured string }{
		{"pass", "bulk[send_size=16K]", "throughput >= 100 Mbit/s", "1307 Mbit/s"},
		{"fail", "bulk[send_size=16K]", "throughput >= 10 Tbit/s", "1.307 Gbit/s"},
		{"pass", "bulk[send_size=64K]", "throughput >= 100 Mbit/s", "7633 Mbit/s"},
		{"fail", "bulk[send_size=64K]", "throughput >= 10 Tbit/s", "7.633 Gbit/s"},
		{"pass", "rr", "transaction_rate >= 100", "1290/s"},
		{"pass", "rr", "p99_latency < 1s", "130.6us"},
		{"fail", "rr", "cv < 100%", "137.3%"},
	}
	if exp == nil || len(exp.Verdicts) != len(want) {
		t.Fatalf("verdicts %+v, want %d", exp, len(want))
	}
	for i, w := range want {
		v := exp.Verdicts[i]
		if v.Status != w.status || v.Name != w.name || v.Expectation != w.expectation || v.MeasuredText != w.measured {
			t.Errorf("verdict %d: %s %s %q %s, want %s %s %q %s", i, v.Status, v.Name, v.Expectation, v.MeasuredText,
				w.status, w.name, w.expectation, w.measured)
		}
	}
	if exp.Profile != "lab" || exp.Source != "profile testdata/report/lab.yaml" {
		t.Errorf("profile %q from %q", exp.Profile, exp.Source)
	}

	// Without a profile reference, "lab" is no built-in: nothing to check.
	if exp, err := reportExpectations(in.Records, ""); exp != nil || err != nil {
		t.Errorf("without --profile: %+v, %v", exp, err)
	}
}
