// Package bench holds bench/compare.sh; this test runs the script's
// nperf-only rows, which need no stock netperf.
package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
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
		// pair, a median, a min-max range, 1/1 runs good (no C: ratios and CI "-").
		row := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(pair) + `\s+[0-9.]+\s+[0-9.]+-[0-9.]+\s+1/1\s+-\s+-\s+-$`)
		if n := len(row.FindAllString(out, -1)); n != 2 {
			t.Errorf("want a %q row with a result in both tables (rate, round trip), found %d:\n%s", pair, n, out)
		}
	}

	_, errOut := run("--test-args", "-Q")
	if !strings.Contains(errOut, "Go TCP_RR run failed") {
		t.Errorf("an option nperf refuses, given by --test-args, did not fail the run:\n%s", errOut)
	}

	// Pinned, a stream test also counts the receiving CPU's idle entries
	// per MB (the server's CPU, 1, for TCP_STREAM), where cpuidle exists.
	if _, err := os.Stat("/sys/devices/system/cpu/cpu1/cpuidle/state0/usage"); err != nil || runtime.NumCPU() < 2 {
		t.Log("no second CPU with cpuidle counters: idle table not checked")
		return
	}
	out, _ = run("--tests", "TCP_STREAM", "--pin", "0,1")
	idle := regexp.MustCompile(`(?m)^TCP_STREAM receiving CPU 1: idle entries per MB received .*\n.*\n  Go\s+[0-9.]+\s+[0-9.]+-[0-9.]+\s+1/1\s`)
	if !idle.MatchString(out) {
		t.Errorf("want a table of the receiving CPU's idle entries with a Go row:\n%s", out)
	}
}

// TestMedianInterval checks medci.awk against binomial order statistics
// worked out by hand: with n rounds the interval is the k-th smallest to the
// k-th largest ratio, k the largest with P(Binomial(n, 1/2) < k) <= 2.5%.
func TestMedianInterval(t *testing.T) {
	if _, err := exec.LookPath("awk"); err != nil {
		t.Skip("needs awk")
	}
	cases := []struct {
		in   []string
		want string
	}{
		// n=5: even min-max holds the median only with 1-2/32 = 93.75%.
		{[]string{"5", "1", "4", "2", "3"}, "3 1 5 0.9375"},
		// n=6: min-max, 1-2/64.
		{[]string{"0.9", "1.1", "1", "0.95", "1.05", "1.2"}, "1.025 0.9 1.2 0.9688"},
		// n=8: P(B<2) = 9/256 = 3.5% is too much: min-max, 1-2/256.
		{seqStrings(8), "4.5 1 8 0.9922"},
		// n=10: P(B<2) = 11/1024, P(B<3) = 56/1024 > 2.5%: 2nd to 9th.
		{[]string{"10", "9", "8", "7", "6", "5", "4", "3", "2", "1"}, "5.5 2 9 0.9785"},
		// n=20: P(B<6) = 21700/2^20 = 2.07%, P(B<7) > 2.5%: 6th to 15th.
		{seqStrings(20), "10.5 6 15 0.9586"},
		{nil, "- - - -"},
	}
	for _, c := range cases {
		cmd := exec.Command("awk", "-f", "medci.awk")
		cmd.Stdin = strings.NewReader(strings.Join(c.in, "\n"))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("awk: %v", err)
		}
		if got := strings.TrimSpace(string(out)); got != c.want {
			t.Errorf("medci.awk %v = %q, want %q", c.in, got, c.want)
		}
	}
}

func seqStrings(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = strconv.Itoa(n - i)
	}
	return s
}
