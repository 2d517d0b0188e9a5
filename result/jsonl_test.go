package result

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"nperf/stats"
)

func TestRoundTrip(t *testing.T) {
	h := stats.NewHistogram()
	h.Record(30 * time.Microsecond)
	h.Record(50 * time.Microsecond)
	start := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	in := []*Record{
		{Run: "r1", Test: "TCP_RR", Seq: 0, Start: start, Elapsed: time.Second, BytesSent: 10, BytesRecv: 10, Transactions: 10},
		{Run: "r1", Test: "TCP_RR", Seq: 1, Start: start, Elapsed: 2 * time.Second, Final: true, Transactions: 20,
			Latency: h, Spec: &Spec{Test: "TCP_RR", RequestSize: 1, ResponseSize: 1}, Labels: map[string]string{"a": "<b>"},
			Err: &Error{Kind: ErrData, Message: "x"}},
	}
	var buf bytes.Buffer
	enc := NewEncoder(&buf)
	if err := enc.EncodeHeader(&Header{Tool: "nperf", Version: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range in {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Count(buf.String(), "\n") != 3 {
		t.Fatalf("want 3 lines, got:\n%s", buf.String())
	}
	rd := NewReader(&buf, "x.jsonl")
	var got []*Record
	headers := 0
	for rd.Scan() {
		if rd.Header() != nil {
			headers++
			continue
		}
		got = append(got, rd.Record())
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if headers != 1 || len(got) != 2 {
		t.Fatalf("headers %d records %d", headers, len(got))
	}
	f := got[1]
	if !f.Final || f.Latency.Count() != 2 || f.Latency.Max() != 50*time.Microsecond || f.Spec.RequestSize != 1 ||
		f.Labels["a"] != "<b>" || f.Err.Kind != ErrData || !f.Start.Equal(start) || f.TransactionRate() != 10 {
		t.Errorf("final record changed in round trip: %+v", f)
	}
}

func TestReaderErrorsNameLine(t *testing.T) {
	cases := map[string]string{
		"garbage":   "{\"test\":\"TCP_RR\"}\n\nnot json\n",
		"no test":   "{\"run\":\"x\"}\n",
		"bad type":  "{\"test\":\"TCP_RR\",\"seq\":\"one\"}\n",
		"truncated": "{\"test\":\"TCP_RR\"}\n{\"test\":",
		"bad histo": "{\"test\":\"TCP_RR\",\"latency\":{\"unit\":\"s\"}}\n",
	}
	wantLine := map[string]string{"garbage": "f:3:", "no test": "f:1:", "bad type": "f:1:", "truncated": "f:2:", "bad histo": "f:1:"}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			rd := NewReader(strings.NewReader(in), "f")
			for rd.Scan() {
			}
			if rd.Err() == nil || !strings.HasPrefix(rd.Err().Error(), wantLine[name]) {
				t.Fatalf("err = %v, want prefix %s", rd.Err(), wantLine[name])
			}
		})
	}
}

func TestThroughput(t *testing.T) {
	r := &Record{Test: "TCP_STREAM", Final: true, Elapsed: 2 * time.Second, BytesSent: 1000, RemoteBytesRecv: 500}
	if got := r.ThroughputBitsPerSecond(); got != 2000 {
		t.Errorf("stream final = %v, want receiver's bytes 500*8/2 = 2000", got)
	}
	r = &Record{Test: "TCP_MAERTS", Elapsed: time.Second, BytesRecv: 100}
	if got := r.ThroughputBitsPerSecond(); got != 800 {
		t.Errorf("maerts = %v", got)
	}
	r = &Record{Test: "TCP_STREAM", Elapsed: time.Second, BytesSent: 100}
	if got := r.ThroughputBitsPerSecond(); got != 800 {
		t.Errorf("stream interval = %v", got)
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("{\"test\":\"TCP_RR\",\"seq\":1}\n{\"header\":{\"tool\":\"nperf\"}}\n"))
	f.Add([]byte("{\"test\":\"TCP_RR\",\"latency\":{\"unit\":\"ns\",\"sub_bucket_bits\":7,\"count\":1,\"min\":3,\"max\":3,\"buckets\":[[3,1]]}}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rd := NewReader(bytes.NewReader(b), "fuzz")
		for rd.Scan() {
			if rd.Record() == nil && rd.Header() == nil {
				t.Fatal("Scan true with neither record nor header")
			}
		}
	})
}
