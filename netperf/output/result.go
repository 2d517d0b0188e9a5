package output

import (
	"bytes"
	"fmt"
	"io"

	"nperf/internal/units"
	"nperf/result"
)

// Result writes the classic result block of a Final record: the column
// titles when o.Headers is set, then the data row(s), in the layout of the
// record's test. The CPU variant of the table is used when the spec asked
// for local (-c) or remote (-C) CPU measurement.
//
// The socket sizes printed are the ones at the start of the test, as
// netperf prints them. Each test keeps netperf's own spacing, which differs
// between tests in small ways (TCP_RR and UDP_RR rows with CPU, TCP_CRR
// without a brand or method letters), because scripts split these lines.
//
// Around the table Result prints what netperf's classic printer prints:
// before it, the "!!! WARNING" block of a confidence run whose interval
// was not met (confidence.go); after it, at -v 2 and above, the extra
// blocks of verbose.go. For a confidence run the throughput and elapsed
// time are the means over its iterations, as netperf reports them.
func Result(w io.Writer, rec *result.Record, o Options) error {
	if err := checkFinal("result", rec); err != nil {
		return err
	}
	t := table{rec: rec, d: rec.Detail, o: o, verbose: o.Verbosity >= 1}
	t.cpu = rec.Spec.LocalCPU || rec.Spec.RemoteCPU
	t.format = testFormat(rec.Test, o.Format)
	t.elapsed = elapsedSeconds(rec)
	var local, remote *result.CPUSide
	if rec.CPU != nil {
		local, remote = rec.CPU.Local, rec.CPU.Remote
	}
	t.local = cpuOf(rec, rec.Spec.LocalCPU, local, t.format)
	t.remote = cpuOf(rec, rec.Spec.RemoteCPU, remote, t.format)
	if !o.Headers {
		t.brand = o.Brand
	}
	if rec.Confidence != nil && !rec.Confidence.Met && rec.Spec.IterationsMax > 1 {
		writeWarning(&t.b, rec.Confidence)
	}
	switch rec.Test {
	case "TCP_STREAM", "TCP_MAERTS":
		t.tcpStream()
	case "UDP_STREAM":
		t.udpStream()
	case "TCP_RR", "UDP_RR", "TCP_CRR":
		t.rr()
	default:
		return fmt.Errorf("result: unknown test %q", rec.Test)
	}
	if o.Verbosity >= 2 {
		t.verbose2()
	}
	_, err := w.Write(t.b.Bytes())
	return err
}

// A table renders one record; it holds what every layout needs.
type table struct {
	b       bytes.Buffer
	rec     *result.Record
	d       *result.Detail
	o       Options
	format  units.Format // the unit of the headline result, from testFormat
	elapsed float64      // seconds, as netperf prints them (elapsedSeconds)
	verbose bool         // -v 1 and above: the table rather than the headline number
	cpu     bool         // -c or -C: the CPU variant of the table
	brand   string       // -B, printed only with -P 0
	local   cpuSide
	remote  cpuSide
}

// cpuSide is one host's CPU figures as netperf prints them.
type cpuSide struct {
	util   float64 // percent; -1 when not measured
	sd     float64 // service demand, us per KB or per transaction; -1 when not measured
	method byte    // netperf's method letter; 'U' (unknown) when not measured
}

// cpuOf is one side's figures, with the service demand in the unit the
// table's heading names for format f.
func cpuOf(rec *result.Record, measured bool, s *result.CPUSide, f units.Format) cpuSide {
	if !measured || s == nil {
		return cpuSide{util: -1, sd: -1, method: 'U'}
	}
	m := byte('U')
	if s.Method != "" {
		m = s.Method[0]
	}
	return cpuSide{util: s.UtilPercent, sd: serviceDemand(rec, s, f), method: m}
}

func (t *table) printf(format string, args ...any) {
	fmt.Fprintf(&t.b, format, args...)
}

const (
	tcpStreamTitle = "" +
		"Recv   Send    Send                          \n" +
		"Socket Socket  Message  Elapsed              \n" +
		"Size   Size    Size     Time     Throughput  \n" +
		"bytes  bytes   bytes    secs.    %s/sec  \n\n"
	tcpStreamCPUTitle = "" +
		"Recv   Send    Send                          Utilization       Service Demand\n" +
		"Socket Socket  Message  Elapsed              %-4s     %-4s     %-4s    %s\n" +
		"Size   Size    Size     Time     Throughput  local    remote   local   remote\n" +
		"bytes  bytes   bytes    secs.    %-8.8s/s  %% %c      %% %c      us/KB   us/KB\n\n"
	tcpStreamRow    = "%6d %6d %6d    %-6.2f   %7.2f   %s\n"
	tcpStreamCPURow = "%6d %6d %6d    %-6.2f     %7.2f   %-6.2f   %-6.2f   %-6.3f  %-6.3f %s\n"
)

// tcpStream prints TCP_STREAM and TCP_MAERTS. netperf's MAERTS table
// prints the local receive and remote send buffers, but its CPU variant
// prints the same columns as TCP_STREAM's (remote receive, local send).
func (t *table) tcpStream() {
	maerts := t.rec.Test == "TCP_MAERTS"
	f := t.format
	thru := headline(t.rec, f)
	elapsed := t.elapsed
	size := t.d.SendSize
	if maerts {
		size = t.d.RemoteSendSize
	}
	if t.cpu {
		if !t.verbose {
			t.serviceDemand(true)
			return
		}
		if t.o.Headers {
			near, far := "Send", "Recv"
			if maerts {
				near, far = far, near
			}
			t.printf(tcpStreamCPUTitle, near, far, near, far, f.Unit(), t.local.method, t.remote.method)
		}
		t.printf(tcpStreamCPURow, t.d.RemoteRecvBufStart, t.d.LocalSendBufStart, size, elapsed, thru,
			t.local.util, t.remote.util, t.local.sd, t.remote.sd, t.brand)
		return
	}
	if !t.verbose {
		t.printf("%7.2f %s\n", thru, t.brand)
		return
	}
	if t.o.Headers {
		t.printf(tcpStreamTitle, f.Unit())
	}
	recvBuf, sendBuf := t.d.RemoteRecvBufStart, t.d.LocalSendBufStart
	if maerts {
		recvBuf, sendBuf = t.d.LocalRecvBufStart, t.d.RemoteSendBufStart
	}
	t.printf(tcpStreamRow, recvBuf, sendBuf, size, elapsed, thru, t.brand)
}

// serviceDemand prints the -v 0 line of a test with CPU measurement: the
// local service demand when measured, else the remote one, with its method
// letter and, when brand is set, the brand.
func (t *table) serviceDemand(brand bool) {
	side := t.remote
	if t.rec.Spec.LocalCPU {
		side = t.local
	}
	if !brand {
		t.printf("%6.3f\n", side.sd)
		return
	}
	t.printf("%6.3f %c %s\n", side.sd, side.method, t.brand)
}

const (
	udpStreamTitle = "" +
		"Socket  Message  Elapsed      Messages                \n" +
		"Size    Size     Time         Okay Errors   Throughput\n" +
		"bytes   bytes    secs            #      #   %s/sec\n\n"
	udpStreamCPUTitle = "" +
		"Socket  Message  Elapsed      Messages                   CPU      Service\n" +
		"Size    Size     Time         Okay Errors   Throughput   Util     Demand\n" +
		"bytes   bytes    secs            #      #   %s/sec %% %c%c     us/KB\n\n"
	udpStreamRows = "" +
		"%6d  %6d   %-7.2f   %7d %6d    %7.2f\n" +
		"%6d           %-7.2f   %7d           %7.2f\n\n"
	udpStreamCPURows = "" +
		"%6d  %6d   %-7.2f   %7d %6d    %7.1f     %-6.2f   %-6.3f\n" +
		"%6d           %-7.2f   %7d           %7.1f     %-6.2f   %-6.3f\n\n"
)

// udpStream prints UDP_STREAM: a line for the sender (messages sent, send
// errors, rate sent) and one for the receiver (messages and rate that
// arrived). Its -v 0 line is the rate sent, not the rate received, and
// with CPU measurement it carries the local method letter even when it
// prints the remote service demand, as netperf's does.
func (t *table) udpStream() {
	f := t.format
	sent := f.FromBytesPerSecond(perSecond(t.rec, t.rec.BytesSent))
	arrived := f.FromBytesPerSecond(perSecond(t.rec, t.rec.RemoteBytesRecv))
	elapsed := t.elapsed
	okay := uint64(0)
	if t.d.SendCalls > t.d.FailedSends {
		okay = t.d.SendCalls - t.d.FailedSends
	}
	if t.cpu {
		if !t.verbose {
			sd := t.remote.sd
			if t.rec.Spec.LocalCPU {
				sd = t.local.sd
			}
			t.printf("%6.2f %c\n", sd, t.local.method)
			return
		}
		if t.o.Headers {
			t.printf(udpStreamCPUTitle, f.Unit(), t.local.method, t.remote.method)
		}
		t.printf(udpStreamCPURows,
			t.d.LocalSendBufStart, t.d.SendSize, elapsed, okay, t.d.FailedSends, sent, t.local.util, t.local.sd,
			t.d.RemoteRecvBufStart, elapsed, t.d.RemoteRecvCalls, arrived, t.remote.util, t.remote.sd)
		return
	}
	if !t.verbose {
		t.printf("%7.2f\n", sent)
		return
	}
	if t.o.Headers {
		t.printf(udpStreamTitle, f.Unit())
	}
	t.printf(udpStreamRows,
		t.d.LocalSendBufStart, t.d.SendSize, elapsed, okay, t.d.FailedSends, sent,
		t.d.RemoteRecvBufStart, elapsed, t.d.RemoteRecvCalls, arrived)
}

const (
	rrTitle = "" +
		"Local /Remote\n" +
		"Socket Size   Request  Resp.   Elapsed  Trans.\n" +
		"Send   Recv   Size     Size    Time     Rate         \n" +
		"bytes  Bytes  bytes    bytes   secs.    per sec   \n\n"
	rrTitleBand = "" +
		"Local /Remote\n" +
		"Socket Size   Request  Resp.   Elapsed  \n" +
		"Send   Recv   Size     Size    Time     Throughput \n" +
		"bytes  Bytes  bytes    bytes   secs.    %s/sec   \n\n"
	rrCPUTitle = "" +
		"Local /Remote\n" +
		"Socket Size   Request Resp.  Elapsed Trans.   CPU    CPU    S.dem   S.dem\n" +
		"Send   Recv   Size    Size   Time    Rate     local  remote local   remote\n" +
		"bytes  bytes  bytes   bytes  secs.   per sec  %% %c    %% %c    us/Tr   us/Tr\n\n"
	rrCPUTitleTput = "" +
		"Local /Remote\n" +
		"Socket Size   Request Resp.  Elapsed Tput     CPU    CPU    S.dem   S.dem\n" +
		"Send   Recv   Size    Size   Time    %-8.8s local  remote local   remote\n" +
		"bytes  bytes  bytes   bytes  secs.   per sec  %% %c    %% %c    us/KB   us/KB\n\n"
	crrCPUTitle = "" +
		"Local /Remote\n" +
		"Socket Size   Request Resp.  Elapsed Trans.   CPU    CPU    S.dem   S.dem\n" +
		"Send   Recv   Size    Size   Time    Rate     local  remote local   remote\n" +
		"bytes  bytes  bytes   bytes  secs.   per sec  %%      %%      us/Tr   us/Tr\n\n"

	rrRow       = "%-6d %-6d %-6d   %-6d  %-6.2f   %7.2f   %s\n"
	crrRow      = "%-6d %-6d %-6d   %-6d  %-6.2f   %7.2f   \n"
	tcpRRCPURow = "%-6d %-6d %-6d  %-6d %-6.2f  %-6.2f  %-6.2f %-6.2f %-6.3f  %-6.3f %s\n"
	udpRRCPURow = "%-6d %-6d %-6d  %-6d %-6.2f  %-6.2f   %-6.2f %-6.2f %-6.3f  %-6.3f %s\n"
	crrCPURow   = "%-6d %-6d %-6d  %-6d %-6.2f  %-6.2f   %-6.2f %-6.2f %-6.3f  %-6.3f\n"
	rrRemoteRow = "%-6d %-6d\n"
)

// rr prints TCP_RR, UDP_RR and TCP_CRR: a line with the local socket
// sizes and the result, then one with the remote socket sizes. With the
// default format the result is transactions per second; with another -f
// letter it is the bytes of both directions per second in that unit, and
// TCP_RR and UDP_RR (not TCP_CRR) retitle the column "Throughput".
func (t *table) rr() {
	crr := t.rec.Test == "TCP_CRR"
	f := t.format
	thru := headline(t.rec, f)
	elapsed := t.elapsed
	if t.cpu {
		if !t.verbose {
			t.serviceDemand(!crr)
			return
		}
		if t.o.Headers {
			switch {
			case crr:
				t.printf(crrCPUTitle)
			case f == units.FormatTrans:
				t.printf(rrCPUTitle, t.local.method, t.remote.method)
			default:
				t.printf(rrCPUTitleTput, f.Unit(), t.local.method, t.remote.method)
			}
		}
		args := []any{t.d.LocalSendBufStart, t.d.LocalRecvBufStart, t.d.SendSize, t.d.RecvSize, elapsed, thru,
			t.local.util, t.remote.util, t.local.sd, t.remote.sd}
		switch t.rec.Test {
		case "TCP_CRR":
			t.printf(crrCPURow, args...)
		case "UDP_RR":
			t.printf(udpRRCPURow, append(args, t.brand)...)
		default:
			t.printf(tcpRRCPURow, append(args, t.brand)...)
		}
		t.printf(rrRemoteRow, t.d.RemoteSendBufStart, t.d.RemoteRecvBufStart)
		return
	}
	if !t.verbose {
		if crr {
			t.printf("%7.2f\n", thru)
		} else {
			t.printf("%7.2f %s\n", thru, t.brand)
		}
		return
	}
	if t.o.Headers {
		if crr || f == units.FormatTrans {
			t.printf(rrTitle)
		} else {
			t.printf(rrTitleBand, f.Unit())
		}
	}
	args := []any{t.d.LocalSendBufStart, t.d.LocalRecvBufStart, t.d.SendSize, t.d.RecvSize, elapsed, thru}
	if crr {
		t.printf(crrRow, args...)
	} else {
		t.printf(rrRow, append(args, t.brand)...)
	}
	t.printf(rrRemoteRow, t.d.RemoteSendBufStart, t.d.RemoteRecvBufStart)
}
