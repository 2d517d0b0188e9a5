package output

import (
	"fmt"
	"io"

	"nperf/internal/units"
	"nperf/result"
)

// The buffer alignment and offset netperf prints at -v 2 are the ones it
// asks for by default (-a 8, -o 0 and their remote twins -A, -O). nperf
// asks the server for the same and its own buffers are Go allocations,
// aligned to at least 8 bytes with no offset.
const (
	bufAlign  = 8
	bufOffset = 0
)

// verbose2 adds what netperf's classic printers add at -v 2: for TCP
// tests a block of buffer alignments, offsets and per-call averages (and
// for the stream tests the MSS), then the histogram of the times netperf
// measured per call or per transaction.
//
// nperf keeps a histogram of round trips for request/response tests
// (Record.Latency). For stream tests netperf histograms the time of each
// send() or recv() call, which nperf does not record: their histogram is
// printed only if a record carries one, and left out otherwise rather
// than printed as zeros.
func (t *table) verbose2() {
	r, d := t.rec, t.d
	hist := ""
	switch r.Test {
	case "TCP_STREAM":
		t.printf("\n"+
			"Alignment      Offset         %-8.8s %-8.8s    Sends   %-8.8s Recvs\n"+
			"Local  Remote  Local  Remote  Xfered   Per                 Per\n"+
			"Send   Recv    Send   Recv             Send (avg)          Recv (avg)\n"+
			"%5d   %5d  %5d   %5d %6d  %s    %6d   %s %6d\n",
			"Bytes", "Bytes", "Bytes", bufAlign, bufAlign, bufOffset, bufOffset,
			r.BytesSent, cfloat("%6.2f", ratio(float64(r.BytesSent), float64(d.SendCalls))), d.SendCalls,
			cfloat("%6.2f", ratio(float64(r.BytesSent), float64(d.RemoteRecvCalls))), d.RemoteRecvCalls)
		t.printf("\nMaximum\nSegment\nSize (bytes)\n%6d\n", transportMSS(r))
		hist = "\n\nHistogram of time spent in send() call.\n"
	case "TCP_MAERTS":
		t.printf("\n"+
			"Alignment      Offset         %-8.8s %-8.8s    Recvs   %-8.8s Sends\n"+
			"Local  Remote  Local  Remote  Xfered   Per                 Per\n"+
			"Recv   Send    Recv   Send             Recv (avg)          Send (avg)\n"+
			"%5d   %5d  %5d   %5d %6d  %s    %6d   %s %6d\n",
			"Bytes", "Bytes", "Bytes", bufAlign, bufAlign, bufOffset, bufOffset,
			r.BytesRecv, cfloat("%6.2f", ratio(float64(r.BytesRecv), float64(d.RecvCalls))), d.RecvCalls,
			cfloat("%6.2f", ratio(float64(r.RemoteBytesSent), float64(d.RemoteSendCalls))), d.RemoteSendCalls)
		t.printf("\nMaximum\nSegment\nSize (bytes)\n%6d\n", transportMSS(r))
		hist = "\n\nHistogram of time spent in recv() call.\n"
	case "TCP_RR":
		// Outbound and inbound rates are in the -f unit, megabits when
		// the table is in transactions.
		f := t.format
		if f == units.FormatTrans {
			f = units.FormatMbits
		}
		rate := headline(r, units.FormatTrans)
		t.printf("Alignment      Offset         RoundTrip  Trans    Throughput\n"+
			"Local  Remote  Local  Remote  Latency    Rate     %-8.8s/s\n"+
			"Send   Recv    Send   Recv    usec/Tran  per sec  Outbound   Inbound\n"+
			"%5d  %5d   %5d  %5d   %s   %s %s    %s\n",
			f.Unit(),
			// netperf prints the remote offset where the remote
			// alignment belongs; both are its defaults here.
			bufAlign, bufOffset, bufOffset, bufOffset,
			cfloat("%-6.3f", ratio(1e6, rate)), cfloat("%-6.3f", rate),
			cfloat("%-6.3f", f.FromBytesPerSecond(rate*float64(d.SendSize))),
			cfloat("%-6.3f", f.FromBytesPerSecond(rate*float64(d.RecvSize))))
		hist = "\nHistogram of request/response times\n"
	case "TCP_CRR":
		t.printf("\nAlignment      Offset\nLocal  Remote  Local  Remote\nSend   Recv    Send   Recv\n%5d  %5d   %5d  %5d\n",
			bufAlign, bufAlign, bufOffset, bufOffset)
		hist = "\nHistogram of request/response times\n"
	case "UDP_STREAM":
		hist = "\nHistogram of time spent in send() call\n"
	case "UDP_RR":
		hist = "\nHistogram of request/reponse times.\n" // sic
	}
	if r.Latency != nil {
		t.printf("%s", hist)
		writeHistogram(&t.b, r.Latency)
	}
}

// omniHistogram is what netperf prints after omni output at -v 2 and
// above: the histogram of the times it measured, under a title naming
// them. Like verbose2, it prints nothing when the record has none.
func omniHistogram(w io.Writer, rec *result.Record) {
	if rec.Latency == nil {
		return
	}
	what := "request/response"
	switch rec.Test {
	case "TCP_STREAM", "UDP_STREAM":
		what = "send"
	case "TCP_MAERTS":
		what = "recv"
	case "TCP_CRR":
		what = "connect/request/response/close"
	}
	fmt.Fprintf(w, "\nHistogram of %s times\n", what)
	writeHistogram(w, rec.Latency)
}

// transportMSS is the MSS netperf reports: the data connection's
// TCP_MAXSEG, -2 (netperf's "not known") when it was not read, and -1 for
// UDP, which has none.
func transportMSS(rec *result.Record) int {
	if !isTCP(rec.Test) {
		return -1
	}
	if rec.Detail == nil || rec.Detail.MSS <= 0 {
		return -2
	}
	return rec.Detail.MSS
}

// isTCP reports whether a test runs over TCP.
func isTCP(test string) bool {
	return test != "UDP_STREAM" && test != "UDP_RR"
}
