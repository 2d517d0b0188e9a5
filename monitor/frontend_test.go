package monitor

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"nperf/result"
)

// TestRunPlain feeds a whole stream at once: the plain front end prints
// the finished result once, then returns when the stream closes.
func TestRunPlain(t *testing.T) {
	tests := []struct {
		name   string
		events []Event
		want   []string // line prefixes, in order
	}{
		{"empty", nil, []string{"waiting for the first records; the stream ended without any"}},
		{"header only", []Event{{Header: &result.Header{Tool: "nperf"}}}, []string{"waiting for the first records; the stream ended without any"}},
		{
			"finished run",
			[]Event{
				{Header: &result.Header{Tool: "nperf"}},
				{Record: interval("r", "TCP_STREAM", 0, 0, 1000, 0)},
				{Record: &result.Record{Run: "r", Test: "TCP_STREAM", Final: true, Start: t0, Elapsed: time.Second, BytesSent: 1000, RemoteBytesRecv: 1000}},
			},
			[]string{"done 1.0s | TCP_STREAM x1 | result 8.00 kbit/s"},
		},
		{
			"cut short",
			[]Event{{Record: interval("r", "TCP_STREAM", 0, 0, 1000, 0)}, {Record: interval("r", "TCP_STREAM", 0, 1, 0, 0)}},
			[]string{"stream ended at 2.0s | TCP_STREAM x1 | now 0 bit/s | warning: instance 0 stalled: no data in interval 1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := make(chan Event, len(tt.events))
			for _, ev := range tt.events {
				ch <- ev
			}
			close(ch)
			var b bytes.Buffer
			clock := func() time.Time { return t0 }
			if err := RunPlain(context.Background(), NewState(), ch, &b, Options{Refresh: time.Hour}, clock); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tt.want), b.String())
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d = %q, want %q...", i+1, lines[i], w)
				}
			}
		})
	}
}

// TestRunPlainStopsWithContext: a stream that never ends (stdin left
// open) does not hold the front end once ctx is done.
func TestRunPlainStopsWithContext(t *testing.T) {
	ch := make(chan Event)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b bytes.Buffer
	if err := RunPlain(ctx, NewState(), ch, &b, Options{}, nil); err != nil {
		t.Fatal(err)
	}
}
