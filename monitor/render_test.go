package monitor

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"nperf/result"
	"nperf/stats"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// interval is instance i's interval record number seq of one second.
func interval(run, test string, i, seq int, bytes, trans uint64) *result.Record {
	return &result.Record{
		Run: run, Test: test, Instance: i, Peer: "192.0.2.10:12865", Seq: seq,
		Start: t0.Add(time.Duration(seq) * time.Second), Elapsed: time.Second,
		BytesSent: bytes, BytesRecv: trans, Transactions: trans,
	}
}

// latencies returns a histogram of n round trips spread from lo upwards.
func latencies(n int, lo time.Duration) *stats.Histogram {
	h := stats.NewHistogram()
	for k := 0; k < n; k++ {
		h.Record(lo + time.Duration(k%100)*time.Microsecond + time.Duration(k/100)*time.Nanosecond)
	}
	return h
}

// A scenario is a fixed sequence of Records and clock ticks.
type scenario struct {
	name  string
	plan  *result.Spec
	feed  func(s *State)
	ended bool
}

func scenarios() []scenario {
	return []scenario{
		{name: "empty", feed: func(s *State) {}},
		{
			// Four TCP_STREAM instances 6.3 s into a 10 s run; instance 2
			// stalls in interval 3 and recovers.
			name: "stream_live",
			plan: &result.Spec{Test: "TCP_STREAM", LengthSeconds: 10},
			feed: func(s *State) {
				s.SetHeader(&result.Header{Tool: "nperf", CommandLine: []string{"/usr/local/bin/nperf", "multi", "--json", "-n", "4", "-l", "10"}})
				for seq := 0; seq < 6; seq++ {
					s.Tick(t0.Add(time.Duration(seq+1) * time.Second))
					for i := 0; i < 4; i++ {
						b := uint64(1_100_000_000 + 50_000_000*seq + 10_000_000*i)
						if i == 2 && seq == 3 {
							b = 0
						}
						s.Update(interval("a1b2c3", "TCP_STREAM", i, seq, b, 0))
					}
				}
				s.Tick(t0.Add(6300 * time.Millisecond))
			},
		},
		{
			// Two TCP_RR instances to the end: finals with latency and CPU,
			// then the runner's aggregate.
			name: "rr_done",
			feed: func(s *State) {
				for seq := 0; seq < 4; seq++ {
					for i := 0; i < 2; i++ {
						s.Update(interval("d4e5f6", "TCP_RR", i, seq, 0, uint64(20000+1000*seq+500*i)))
					}
				}
				for i := 0; i < 2; i++ {
					n := 86000 + 2000*i
					s.Update(&result.Record{
						Run: "d4e5f6", Test: "TCP_RR", Instance: i, Peer: "192.0.2.10:12865", Seq: 4, Final: true,
						Start: t0, Elapsed: 4 * time.Second, BytesSent: uint64(n), BytesRecv: uint64(n), Transactions: uint64(n),
						Latency: latencies(n, 40*time.Microsecond),
						CPU: &result.CPUUsage{
							Local:  &result.CPUSide{UtilPercent: 41.5 + float64(i), NumCPUs: 8, Method: "S"},
							Remote: &result.CPUSide{UtilPercent: 93.2, NumCPUs: 4, Method: "S"},
						},
						Spec: &result.Spec{Test: "TCP_RR", LengthSeconds: 4, LocalCPU: true, RemoteCPU: true},
					})
				}
				s.Update(&result.Record{
					Run: "d4e5f6", Test: "TCP_RR", Instance: -1, Final: true, Start: t0.Add(time.Millisecond),
					Elapsed: 3998 * time.Millisecond, Transactions: 175900,
					Aggregate: &result.Aggregate{Instances: 2, Valid: 2, JainIndex: 0.9995, WindowCoverage: 0.9995},
				})
			},
		},
		{
			// Three UDP_RR instances, one two intervals behind and one
			// failed; the stream ended before the others finished.
			name:  "out_of_step",
			ended: true,
			plan:  &result.Spec{Test: "UDP_RR", LengthUnits: 100000},
			feed: func(s *State) {
				for seq := 0; seq < 5; seq++ {
					s.Update(interval("0a0b0c", "UDP_RR", 0, seq, 0, 9000))
					if seq < 3 {
						s.Update(interval("0a0b0c", "UDP_RR", 1, seq, 0, 8000))
					}
					if seq < 2 {
						s.Update(interval("0a0b0c", "UDP_RR", 2, seq, 0, 7000))
					}
				}
				s.Update(&result.Record{
					Run: "0a0b0c", Test: "UDP_RR", Instance: 2, Final: true, Start: t0, Elapsed: 2500 * time.Millisecond,
					Transactions: 15000, Err: &result.Error{Kind: result.ErrTimeout, Message: "no answer from 192.0.2.10:12865 for 120s"},
				})
			},
		},
		{
			// One TCP_STREAM instance stopped (q) after 2.5 s of 10.
			name: "stopped",
			plan: &result.Spec{Test: "TCP_STREAM", LengthSeconds: 10},
			feed: func(s *State) {
				for seq := 0; seq < 2; seq++ {
					s.Update(interval("5t0p", "TCP_STREAM", 0, seq, uint64(900_000_000+100_000_000*seq), 0))
				}
				last := interval("5t0p", "TCP_STREAM", 0, 2, 500_000_000, 0)
				last.Elapsed = 500 * time.Millisecond
				s.Update(last)
				s.Update(&result.Record{
					Run: "5t0p", Test: "TCP_STREAM", Peer: "192.0.2.10:12865", Seq: 3, Final: true, Start: t0,
					Elapsed: 2500 * time.Millisecond, BytesSent: 2_400_000_000, RemoteBytesRecv: 2_399_000_000,
					Err: &result.Error{Kind: result.ErrInterrupted, Message: "stopped after 2.50 s"},
				})
			},
		},
		{
			// Twenty instances on two client hosts: more rows than fit.
			name: "many",
			plan: &result.Spec{Test: "TCP_MAERTS", LengthSeconds: 30},
			feed: func(s *State) {
				for seq := 0; seq < 3; seq++ {
					for i := 0; i < 20; i++ {
						r := interval("manyrun", "TCP_MAERTS", i%10, seq, 0, 0)
						r.Host = []string{"client-a", "client-b"}[i/10]
						r.BytesRecv = uint64(100_000_000 + 1_000_000*i + 3_000_000*seq)
						s.Update(r)
					}
				}
			},
		},
	}
}

func (sc scenario) state() *State {
	s := NewState()
	if sc.plan != nil {
		s.Plan(sc.plan)
	}
	sc.feed(s)
	if sc.ended {
		s.End()
	}
	return s
}

// TestRenderGolden renders each scenario at two terminal sizes and as the
// plain line; go test -update rewrites testdata/.
func TestRenderGolden(t *testing.T) {
	sizes := []struct{ width, height int }{{80, 24}, {120, 40}}
	for _, sc := range scenarios() {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, sz.width, sz.height), func(t *testing.T) {
				var b bytes.Buffer
				if err := sc.state().Render(&b, sz.width, sz.height); err != nil {
					t.Fatal(err)
				}
				checkScreen(t, b.String(), sz.width, sz.height)
				golden(t, fmt.Sprintf("%s_%dx%d.golden", sc.name, sz.width, sz.height), b.Bytes())
			})
		}
		t.Run(sc.name+"/line", func(t *testing.T) {
			var b bytes.Buffer
			if err := sc.state().RenderLine(&b, 0); err != nil {
				t.Fatal(err)
			}
			if strings.Count(b.String(), "\n") != 1 || strings.ContainsRune(b.String(), '\x1b') {
				t.Errorf("not one plain line: %q", b.String())
			}
			golden(t, sc.name+"_line.golden", b.Bytes())
		})
	}
}

// checkScreen checks what holds for every screen: it fits the terminal
// and has no escape codes.
func checkScreen(t *testing.T, screen string, width, height int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(screen, "\n"), "\n")
	if len(lines) > height {
		t.Errorf("%d lines, terminal has %d", len(lines), height)
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n > width {
			t.Errorf("line %d is %d cells wide, terminal has %d: %q", i+1, n, width, l)
		}
		if strings.ContainsRune(l, '\x1b') {
			t.Errorf("line %d has an escape code: %q", i+1, l)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

// TestRenderHeights renders one scenario at every height from 1 to 40:
// the screen never overflows, and what it keeps follows the priorities.
func TestRenderHeights(t *testing.T) {
	var s *State
	for _, sc := range scenarios() {
		if sc.name == "many" {
			s = sc.state()
		}
	}
	for h := 1; h <= 40; h++ {
		var b bytes.Buffer
		s.Render(&b, 80, h)
		checkScreen(t, b.String(), 80, h)
		if h >= 12 && !strings.Contains(b.String(), "progress") {
			t.Errorf("height %d: no progress line:\n%s", h, b.String())
		}
	}
}
