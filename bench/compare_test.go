// Package bench holds bench/compare.sh; this test runs the script's
// nperf-only rows, which need no stock netperf.
package bench

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCompareNperfRows runs compare.sh for one short TCP_RR round with
// the pairs nperf has by itself: Go, Base (the same build standing in for
// another) and Go busy. Each must show a rate and a median round trip.
// Then --test-args must reach the clients: an option nperf refuses makes
// every run fail, and the script says so.
func TestCompareNperfRows(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nperf for several seconds")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash")
	}
	nperf := filepath.Join(t.TempDir(), "nperf")
	build := exec.Command("go", "build", "-o", nperf, "../cmd/nperf")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	absent := filepath.Join(t.TempDir(), "absent")
	run := func(extra ...string) (string, string) {
		args := append([]string{"compare.sh", "--nperf", nperf, "--netperf", absent, "--netserver", absent,
			"--iperf3", absent, "--sockperf", absent, "--tests", "TCP_RR", "--runs", "1", "--length", "1"}, extra...)
		cmd := exec.Command("bash", args...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("compare.sh %v: %v\nstdout:\n%s\nstderr:\n%s", extra, err, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}

	out, _ := run("--busy-poll", "--base", nperf)
	for _, pair := range []string{"Go", "Base", "Go busy"} {
		// pair, a median, a min-max range, 1/1 runs good (no C: ratio "-").
		row := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(pair) + `\s+[0-9.]+\s+[0-9.]+-[0-9.]+\s+1/1\s+-\s+-$`)
		if n := len(row.FindAllString(out, -1)); n != 2 {
			t.Errorf("want a %q row with a result in both tables (rate, round trip), found %d:\n%s", pair, n, out)
		}
	}

	_, errOut := run("--test-args", "-Q")
	if !strings.Contains(errOut, "Go TCP_RR run failed") {
		t.Errorf("an option nperf refuses, given by --test-args, did not fail the run:\n%s", errOut)
	}
}
