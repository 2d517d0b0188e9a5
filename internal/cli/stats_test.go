package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nperf/netperf"
	"nperf/netperf/netperftest"
	"nperf/result"
	"nperf/stats"
)

var updateStats = flag.Bool("update", false, "rewrite testdata/stats golden files and fixtures")

// runStats runs "nperf stats args" in-process with stdin.
func runStats(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = statsCmd(context.Background(), Stdio{In: strings.NewReader(stdin), Out: &out, Err: &errb}, args)
	return out.String(), errb.String(), code
}

// The fixtures: Record streams and numbers with known shapes, made by
// statsFixtures and committed under testdata/stats so that the golden
// outputs read stable files.
//
//	a.jsonl      6 TCP_STREAM runs near 9.4 Gbit/s, 5 intervals each
//	b.jsonl      6 runs about 5% slower
//	c.jsonl      6 runs like a.jsonl with other noise
//	drift.jsonl  3 runs whose intervals fall steadily
//	rr_a.jsonl   5 TCP_RR runs with latency histograms near 50 us
//	rr_b.jsonl   5 runs about 20% slower round trips
//	mixed.jsonl  2 send sizes of TCP_STREAM in one stream, plus a failed run
//	numbers.txt  20 values, two outliers, a NaN, an Inf, comments
func statsFixtures() map[string]string {
	base := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	stream := func(prefix string, runs int, gbps, noise float64, seed uint64, drift float64, sendSize int) string {
		r := rand.New(rand.NewPCG(seed, 1))
		var buf bytes.Buffer
		enc := result.NewEncoder(&buf)
		enc.EncodeHeader(&result.Header{Tool: "nperf", Version: "fixture", Time: base})
		for i := range runs {
			id := fmt.Sprintf("%s%02d", prefix, i)
			start := base.Add(time.Duration(i) * 2 * time.Second)
			rate := gbps * (1 + noise*r.NormFloat64()) * 1e9 / 8 // bytes/s
			var total uint64
			const n = 5
			for k := range n {
				ir := rate * (1 + drift*(float64(k)-2)/2 + 0.002*r.NormFloat64())
				b := uint64(ir * 0.2)
				total += b
				enc.Encode(&result.Record{Run: id, Test: "TCP_STREAM", Peer: "127.0.0.1:12865", Seq: k,
					Start: start.Add(time.Duration(k) * 200 * time.Millisecond), Elapsed: 200 * time.Millisecond, BytesSent: b})
			}
			enc.Encode(&result.Record{Run: id, Test: "TCP_STREAM", Peer: "127.0.0.1:12865", Seq: n, Start: start,
				Elapsed: time.Second, Final: true, BytesSent: total, RemoteBytesRecv: total,
				Spec: &result.Spec{Test: "TCP_STREAM", Host: "127.0.0.1", Port: 12865, LengthSeconds: 1, SendSize: sendSize}})
		}
		return buf.String()
	}
	rr := func(prefix string, runs int, meanUS float64, seed uint64) string {
		r := rand.New(rand.NewPCG(seed, 2))
		var buf bytes.Buffer
		enc := result.NewEncoder(&buf)
		for i := range runs {
			h := stats.NewHistogram()
			run := meanUS * (1 + 0.03*r.NormFloat64())
			var elapsed time.Duration // one round trip after the other
			for range 2000 {
				d := time.Duration(run * math.Exp(0.3*r.NormFloat64()) * 1e3)
				h.Record(d)
				elapsed += d
			}
			tx := h.Count()
			enc.Encode(&result.Record{Run: fmt.Sprintf("%s%02d", prefix, i), Test: "TCP_RR", Peer: "127.0.0.1:12865", Seq: 1,
				Start: base.Add(time.Duration(i) * time.Second), Elapsed: elapsed,
				Final: true, BytesSent: tx, BytesRecv: tx, RemoteBytesSent: tx, Transactions: tx, Latency: h,
				Spec: &result.Spec{Test: "TCP_RR", Host: "127.0.0.1", Port: 12865, LengthSeconds: 1}})
		}
		return buf.String()
	}
	mixed := stream("s", 4, 3.1, 0.02, 7, 0, 1024) + stream("l", 4, 9.0, 0.02, 8, 0, 65536)
	mixed += `{"run":"bad","test":"TCP_STREAM","instance":0,"seq":0,"start":"2026-12-03T17:00:00Z","elapsed_ns":0,"final":true,"bytes_sent":0,"bytes_recv":0,"error":{"kind":"data-connect","message":"connection refused"}}` + "\n"
	return map[string]string{
		"a.jsonl":     stream("a", 6, 9.4, 0.01, 1, 0, 16384),
		"b.jsonl":     stream("b", 6, 8.93, 0.01, 2, 0, 16384),
		"c.jsonl":     stream("c", 6, 9.4, 0.01, 3, 0, 16384),
		"drift.jsonl": stream("d", 3, 9.0, 0.01, 4, -0.2, 16384),
		"rr_a.jsonl":  rr("r", 5, 50, 5),
		"rr_b.jsonl":  rr("q", 5, 60, 6),
		"mixed.jsonl": mixed,
		"numbers.txt": "# throughput samples, Mbit/s\n941.2\n938.7\n940.1\n939.5\n942.8\n\n937.9\n941.0\n940.6\n612.3\n939.9\n" +
			"941.7\n938.2\nNaN\n940.9\n939.1\n942.1\n1203.5\n940.3\n+Inf\n939.6\n941.4\n",
		"one.txt":    "42\n",
		"two.txt":    "1\n3\n",
		"equal.txt":  "7\n7\n7\n7\n7\n",
		"empty.txt":  "# nothing measured\n",
		"higher.txt": "10.1\n10.3\n9.9\n10.2\n10.0\n10.4\n",
		"lower.txt":  "9.1\n9.3\n8.9\n9.2\n9.0\n9.4\n",
	}
}

// TestStatsFixtures checks that testdata/stats holds what statsFixtures
// makes (go test -update rewrites them).
func TestStatsFixtures(t *testing.T) {
	for name, want := range statsFixtures() {
		path := filepath.Join("testdata", "stats", name)
		if *updateStats {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if string(got) != want {
			t.Errorf("%s differs from what statsFixtures makes (go test -update)", path)
		}
	}
}

// TestStatsGolden runs the command on the fixtures and compares the output
// with testdata/stats/*.golden.
func TestStatsGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"summary_stream", []string{"a.jsonl"}, 0},
		{"summary_numbers", []string{"--plot", "numbers.txt"}, 0},
		{"outliers_exclude", []string{"--exclude", "iqr1.5", "numbers.txt"}, 0},
		{"summary_rr_p99", []string{"--metric", "p99", "rr_a.jsonl"}, 0},
		{"summary_drift", []string{"drift.jsonl"}, 0},
		{"summary_by_send_size", []string{"--by", "test,send_size", "mixed.jsonl"}, 0},
		{"summary_csv", []string{"--format", "csv", "--by", "send_size", "mixed.jsonl"}, 0},
		{"summary_json", []string{"--format", "json", "numbers.txt"}, 0},
		{"summary_markdown", []string{"--format", "markdown", "--by", "file", "a.jsonl", "b.jsonl"}, 0},
		{"summary_one", []string{"one.txt"}, 0},
		{"summary_two", []string{"two.txt"}, 0},
		{"summary_equal", []string{"equal.txt"}, 0},
		{"summary_empty", []string{"empty.txt"}, 0},
		{"compare_worse", []string{"a.jsonl", "b.jsonl"}, 0},
		{"compare_better_plot", []string{"--plot", "b.jsonl", "a.jsonl"}, 0},
		{"compare_same", []string{"a.jsonl", "c.jsonl"}, 0},
		{"compare_latency", []string{"--metric", "p99", "rr_a.jsonl", "rr_b.jsonl"}, 0},
		{"compare_rate", []string{"rr_a.jsonl", "rr_b.jsonl"}, 0},
		{"compare_field", []string{"--compare", "send_size", "mixed.jsonl"}, 0},
		{"compare_numbers", []string{"lower.txt", "higher.txt"}, 0},
		{"compare_csv", []string{"--format", "csv", "a.jsonl", "b.jsonl"}, 0},
		{"compare_json", []string{"--format", "json", "--threshold", "2%", "a.jsonl", "b.jsonl"}, 0},
		{"compare_markdown", []string{"--format", "markdown", "rr_a.jsonl", "rr_b.jsonl"}, 0},
		{"compare_fail_worse", []string{"--fail-if", "worse", "--threshold", "5%", "a.jsonl", "b.jsonl"}, 1},
	}
	t.Chdir(filepath.Join("testdata", "stats"))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := runStats(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, errs)
			}
			got := out
			if errs != "" {
				got += "--- stderr\n" + errs
			}
			path := tc.name + ".golden"
			if *updateStats {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from testdata/stats/%s:\n%s", path, got)
			}
		})
	}
}

// TestStatsVerdicts checks the verdicts and --fail-if on fixtures whose
// answer is known: b.jsonl is about 5% slower than a.jsonl, c.jsonl is
// a.jsonl's twin, rr_b.jsonl has 20% slower round trips.
func TestStatsVerdicts(t *testing.T) {
	t.Chdir(filepath.Join("testdata", "stats"))
	tests := []struct {
		name    string
		args    []string
		verdict stats.Verdict
	}{
		{"slower is worse", []string{"a.jsonl", "b.jsonl"}, stats.Worse},
		{"faster is better", []string{"b.jsonl", "a.jsonl"}, stats.Better},
		{"twins", []string{"a.jsonl", "c.jsonl"}, stats.NoDifference},
		{"below threshold", []string{"--threshold", "10%", "a.jsonl", "b.jsonl"}, stats.NoDifference},
		{"higher latency is worse", []string{"--metric", "p99", "rr_a.jsonl", "rr_b.jsonl"}, stats.Worse},
		{"lower rate is worse", []string{"rr_a.jsonl", "rr_b.jsonl"}, stats.Worse},
		{"mann-whitney", []string{"--test", "mann-whitney", "a.jsonl", "b.jsonl"}, stats.Worse},
		{"numbers without direction", []string{"lower.txt", "higher.txt"}, stats.Higher},
		{"numbers higher is better", []string{"--direction", "higher", "lower.txt", "higher.txt"}, stats.Better},
		{"numbers as latency", []string{"--metric", "p99", "lower.txt", "higher.txt"}, stats.Worse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := verdictOf(t, tc.args...)
			if v != tc.verdict {
				t.Fatalf("verdict %q, want %q", v, tc.verdict)
			}
			// --fail-if V fails exactly when the verdict is V.
			for _, failIf := range []string{"worse", "better", "different"} {
				if v == stats.Higher || v == stats.Lower {
					if failIf != "different" {
						continue // no direction: TestStatsErrors checks the refusal
					}
				}
				_, errs, code := runStats(t, "", append([]string{"--fail-if", failIf}, tc.args...)...)
				want := v == stats.Verdict(failIf) || failIf == "different" && v != stats.NoDifference
				if (code != 0) != want {
					t.Errorf("--fail-if %s with verdict %q: exit %d; stderr %s", failIf, v, code, errs)
				}
				if code != 0 && !strings.Contains(errs, "--fail-if "+failIf) {
					t.Errorf("--fail-if %s: stderr does not say why: %q", failIf, errs)
				}
			}
		})
	}
}

// verdictOf runs a comparison with --format json and returns its one
// verdict.
func verdictOf(t *testing.T, args ...string) stats.Verdict {
	t.Helper()
	out, errs, code := runStats(t, "", append([]string{"--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct {
		Comparisons []struct{ Verdict string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Comparisons) != 1 {
		t.Fatalf("%d comparisons, want 1:\n%s", len(rep.Comparisons), out)
	}
	return stats.Verdict(rep.Comparisons[0].Verdict)
}

// TestStatsRealRuns compares real loopback runs of two message sizes: the
// command gives a verdict, and --fail-if worse exits non-zero exactly when
// that verdict is worse. Runs end after a byte count, so the test is quick.
func TestStatsRealRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real tests on loopback")
	}
	srv := netperftest.NewServer(t)
	dir := t.TempDir()
	write := func(name string, sendSize int) {
		var buf bytes.Buffer
		enc := result.NewEncoder(&buf)
		for range 4 {
			spec := &result.Spec{Test: "TCP_STREAM", Host: srv.Host, Port: srv.Port, LengthUnits: 8 << 20, SendSize: sendSize}
			rec := (&netperf.Client{RunID: name}).Run(context.Background(), spec)
			if rec.Err != nil {
				t.Fatalf("run: %v", rec.Err)
			}
			enc.Encode(rec)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("small.jsonl", 256)
	write("large.jsonl", 64<<10)
	t.Chdir(dir)
	for _, args := range [][]string{{"small.jsonl", "large.jsonl"}, {"large.jsonl", "small.jsonl"}} {
		v := verdictOf(t, args...)
		switch v {
		case stats.Better, stats.Worse, stats.NoDifference:
		default:
			t.Fatalf("%v: verdict %q", args, v)
		}
		_, _, code := runStats(t, "", append([]string{"--fail-if", "worse"}, args...)...)
		if (code != 0) != (v == stats.Worse) {
			t.Errorf("%v: verdict %q but --fail-if worse exits %d", args, v, code)
		}
	}
}

func TestStatsErrors(t *testing.T) {
	t.Chdir(filepath.Join("testdata", "stats"))
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown metric", []string{"--metric", "goodput", "a.jsonl"}, exitUsage, "unknown metric"},
		{"unknown field", []string{"--by", "colour", "a.jsonl"}, exitUsage, "unknown field"},
		{"bad format", []string{"--format", "xml", "a.jsonl"}, exitUsage, "--format"},
		{"bad threshold", []string{"--threshold", "lots", "a.jsonl"}, exitUsage, "--threshold"},
		{"bad fail-if", []string{"--fail-if", "slower", "a.jsonl"}, exitUsage, "--fail-if"},
		{"bad exclude", []string{"--exclude", "grubbs", "a.jsonl"}, exitUsage, "outlier rule"},
		{"compare in by", []string{"--by", "file", "--compare", "file", "a.jsonl"}, exitUsage, "also in --by"},
		{"missing file", []string{"nothere.jsonl"}, exitFailed, "nothere.jsonl"},
		{"mixed kinds", []string{"a.jsonl", "numbers.txt"}, exitFailed, "mix plain numbers and Records"},
		{"three values", []string{"--compare", "run", "a.jsonl"}, exitFailed, "need exactly 2"},
		{"numbers by test", []string{"--by", "test", "numbers.txt"}, exitFailed, "plain numbers have no field"},
		{"mixed tests", []string{"--by", "file", "a.jsonl", "rr_a.jsonl"}, exitOK, ""},
		{"fail-if without direction", []string{"--fail-if", "worse", "lower.txt", "higher.txt"}, exitUsage, "no direction"},
		{"mixed tests one group", []string{"--by", "instance", "a.jsonl", "rr_a.jsonl"}, exitFailed, "mixes STREAM and RR"},
		{"compare field with 3 values", []string{"--compare", "test", "a.jsonl", "rr_a.jsonl", "numbers.txt"}, exitFailed, "mix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, code := runStats(t, "", tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, tc.code, tc.want)
			}
			if code != 0 && !strings.HasPrefix(errs, "nperf: error: ") {
				t.Errorf("stderr %q does not start with nperf: error:", errs)
			}
		})
	}
}

func TestStatsInputSniffing(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		numbers int
		runs    int
		err     string
	}{
		{"numbers", "1\n2.5\n-3e2\n", 3, 0, ""},
		{"comments and blanks", "# x\n\n  4 \n# y\n5\n", 2, 0, ""},
		{"nan and inf kept", "NaN\n1\nInf\n-Inf\n", 4, 0, ""},
		{"huge", "1e400\n1\n", 2, 0, ""},
		{"bad number", "1\n2\nthree\n", 0, 0, "-:3: not a number"},
		{"records", `{"run":"x","test":"TCP_RR","seq":0,"start":"2026-12-03T17:00:00Z","elapsed_ns":1000,"final":true,"transactions":5}` + "\n", 0, 1, ""},
		{"bad record", "{\"run\":1}\n", 0, 0, "-:1:"},
		{"multi aggregate not a run", `{"run":"x","test":"TCP_RR","instance":0,"seq":0,"start":"2026-12-03T17:00:00Z","elapsed_ns":1000,"final":true,"transactions":5}` + "\n" +
			`{"run":"x","test":"TCP_RR","instance":-1,"seq":0,"start":"2026-12-03T17:00:00Z","elapsed_ns":1000,"final":true,"transactions":5,"aggregate":{"instances":1,"valid":1}}` + "\n", 0, 1, ""},
		{"netperf text cut short", "MIGRATED TCP STREAM TEST from 0.0.0.0\n", 0, 0, "not netperf output"},
		{"netperf text", "MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : histogram : interval : demo\n" +
			"Recv   Send    Send                          \nSocket Socket  Message  Elapsed              \n" +
			"Size   Size    Size     Time     Throughput  \nbytes  bytes   bytes    secs.    10^6bits/sec  \n\n" +
			"131072  16384  16384    3.00     15383.00   \n", 0, 1, ""},
		{"empty", "", 0, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := decodeStatsInput([]byte(tc.in), "-")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(in.numbers) != tc.numbers || len(in.runs) != tc.runs {
				t.Errorf("%d numbers, %d runs; want %d, %d", len(in.numbers), len(in.runs), tc.numbers, tc.runs)
			}
		})
	}
}

func TestStatsStdin(t *testing.T) {
	out, errs, code := runStats(t, "3\n4\n5\n", "--format", "csv", "-")
	if code != 0 || !strings.Contains(out, "\nvalue,,3,0,0,4,1,") {
		t.Errorf("exit %d, stderr %q, out:\n%s", code, errs, out)
	}
	_, errs, code = runStats(t, "3\n", "-", "-")
	if code != exitFailed || !strings.Contains(errs, "stdin (-) given twice") {
		t.Errorf("stdin twice: exit %d, %q", code, errs)
	}
}

// FuzzDecodeStatsInput feeds arbitrary bytes to the input sniffer and
// decoders: they must return values or an error, never panic, and plain
// numbers must come back one per number line.
func FuzzDecodeStatsInput(f *testing.F) {
	for name, data := range statsFixtures() {
		if strings.HasSuffix(name, ".txt") || name == "rr_a.jsonl" {
			f.Add([]byte(data))
		}
	}
	f.Add([]byte("1\n{}\n"))
	f.Add([]byte("{\"test\":\"TCP_RR\",\"final\":true}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := decodeStatsInput(data, "fuzz")
		if err != nil {
			return
		}
		if in.isNumbers && len(in.numbers) != len(in.lines) {
			t.Fatalf("%d numbers, %d lines", len(in.numbers), len(in.lines))
		}
		if in.isNumbers {
			stats.Summarize(in.numbers, 50, 99)
			stats.FindOutliers(in.numbers)
		}
	})
}
