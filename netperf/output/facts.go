package output

import (
	"math"
	"strconv"
	"strings"

	"nperf/internal/units"
	"nperf/result"
	"nperf/stats"
)

// facts are the values of one Final record as netperf's omni selectors
// name them, with netperf's placeholders where nperf has no value: -1
// for sizes and counts not known, 0 for a side that did not measure CPU,
// "Deprecated" for what netperf 2.7 itself no longer reports. Each
// method documents where its value comes from.
type facts struct {
	rec    *result.Record
	spec   *result.Spec
	d      *result.Detail
	o      Options
	f      units.Format    // the headline unit (testFormat)
	local  *result.CPUSide // nil when not measured here
	remote *result.CPUSide // nil when not measured on the server
}

func newFacts(rec *result.Record, o Options) *facts {
	x := &facts{rec: rec, spec: rec.Spec, d: rec.Detail, o: o, f: testFormat(rec.Test, o.Format)}
	if c := rec.CPU; c != nil {
		if rec.Spec.LocalCPU {
			x.local = c.Local
		}
		if rec.Spec.RemoteCPU {
			x.remote = c.Remote
		}
	}
	return x
}

func (x *facts) isRR() bool { return !result.IsStream(x.rec.Test) }

// sends and recvs say whether this side sends or receives data.
func (x *facts) sends() bool { return x.rec.Test != "TCP_MAERTS" }
func (x *facts) recvs() bool { return x.isRR() || x.rec.Test == "TCP_MAERTS" }

func (x *facts) socketType() string {
	if isTCP(x.rec.Test) {
		return "Stream"
	}
	return "Datagram"
}

func (x *facts) protocol() string {
	if isTCP(x.rec.Test) {
		return "TCP"
	}
	return "UDP"
}

func (x *facts) direction() string {
	switch x.rec.Test {
	case "TCP_STREAM", "UDP_STREAM":
		return "Send"
	case "TCP_MAERTS":
		return "Receive"
	case "TCP_CRR":
		return "Connect|Send|Recv"
	}
	return "Send|Recv"
}

// requested is a socket buffer size asked for with -s/-S, -1 for the
// system default.
func requested(n int) int64 {
	if n <= 0 {
		return -1
	}
	return int64(n)
}

// localSendSize and localRecvSize are netperf's send_size and recv_size:
// the bytes per call of a stream test's sending or receiving side, and 0
// for the side that does not, and for request/response tests, whose
// sizes are REQUEST_SIZE and RESPONSE_SIZE.
func (x *facts) localSendSize() int64 {
	if x.isRR() || !x.sends() {
		return 0
	}
	return int64(x.d.SendSize)
}

func (x *facts) localRecvSize() int64 {
	if x.isRR() || !x.recvs() {
		return 0
	}
	return int64(x.d.RecvSize)
}

func (x *facts) requestSize() int64 {
	if !x.isRR() {
		return -1
	}
	return int64(x.d.SendSize)
}

func (x *facts) responseSize() int64 {
	if !x.isRR() {
		return -1
	}
	return int64(x.d.RecvSize)
}

// cpu returns the figures of one side, local or remote.
func (x *facts) cpu(remote bool) *result.CPUSide {
	if remote {
		return x.remote
	}
	return x.local
}

func (x *facts) cpuUtil(remote bool) float64 {
	if s := x.cpu(remote); s != nil {
		return s.UtilPercent
	}
	return -1
}

// cpuPart is one share of the utilisation breakdown, 0 when the side was
// not measured. (netperf prints whatever its buffers held for an
// unmeasured server, often -nan; nperf prints 0 as for this side.)
func (x *facts) cpuPart(remote bool, part func(*result.CPUSide) float64) float64 {
	if s := x.cpu(remote); s != nil {
		return part(s)
	}
	return 0
}

func (x *facts) cpuMethod(remote bool) byte {
	if s := x.cpu(remote); s != nil && s.Method != "" {
		return s.Method[0]
	}
	return 'U'
}

func (x *facts) cpuCount(remote bool) int64 {
	if s := x.cpu(remote); s != nil {
		return int64(s.NumCPUs)
	}
	return 0
}

func (x *facts) serviceDemand(remote bool) float64 {
	return serviceDemand(x.rec, x.cpu(remote), x.f)
}

func (x *facts) sdUnits() string {
	if x.f == units.FormatTrans {
		return "usec/Tran"
	}
	return "usec/KB"
}

// confident says whether the run was a confidence run (-i max above 1).
func (x *facts) confident() bool { return x.spec.IterationsMax > 1 }

func (x *facts) confidenceLevel() int64 {
	if !x.confident() {
		return 0
	}
	return int64(x.spec.ConfidenceLevel)
}

func (x *facts) confidenceTarget() float64 {
	if !x.confident() {
		return -1
	}
	return x.spec.ConfidenceWidthPercent
}

func (x *facts) confidenceIterations() int64 {
	if c := x.rec.Confidence; c != nil {
		return int64(c.Iterations)
	}
	return 1
}

// confidenceWidth is an achieved interval width, -1 outside a confidence
// run as netperf prints it.
func (x *facts) confidenceWidth(w func(*result.Confidence) float64) float64 {
	if c := x.rec.Confidence; c != nil {
		return w(c)
	}
	return -1
}

// transactionRate is transactions per second; netperf prints 1.000 for
// stream tests, which have none.
func (x *facts) transactionRate() float64 {
	if !x.isRR() {
		return 1
	}
	return headline(x.rec, units.FormatTrans)
}

// rtLatency is netperf's RT_LATENCY: microseconds per transaction from the
// rate, times the transactions in flight (1 + first burst; CRR has none),
// -1 for stream tests.
func (x *facts) rtLatency() float64 {
	if !x.isRR() {
		return -1
	}
	inFlight := 1.0
	if x.rec.Test != "TCP_CRR" {
		inFlight += float64(x.spec.Burst)
	}
	return ratio(1e6, x.transactionRate()) * inFlight
}

// burst is BURST_SIZE: the first burst of an RR test.
func (x *facts) burst() int64 { return int64(x.spec.Burst) }

// localRetrans is the retransmissions of this side's connection, which
// nperf does not read: -2, netperf's "not known"; -1 for UDP, as netperf.
func (x *facts) localRetrans() int64 {
	if !isTCP(x.rec.Test) {
		return -1
	}
	if x.d.LocalRetransmits == nil {
		return -2 // not known
	}
	return int64(*x.d.LocalRetransmits)
}

func (x *facts) localCongControl() string { return x.d.LocalCongestionControl }

func (x *facts) remoteRetrans() int64 {
	if !isTCP(x.rec.Test) {
		return -1
	}
	return int64(x.d.RemoteRetransmits)
}

// rate is count bytes per second in the -f unit, megabits when that is x:
// netperf's LOCAL_/REMOTE_*_THROUGHPUT.
func (x *facts) rate(count uint64) float64 {
	f := x.f
	if f == units.FormatTrans {
		f = units.FormatMbits
	}
	return f.FromBytesPerSecond(perSecond(x.rec, count))
}

func bind(cpu *int) int64 {
	if cpu == nil {
		return -1
	}
	return int64(*cpu)
}

func (x *facts) sourceAddr() string {
	if x.spec.LocalHost != "" {
		return x.spec.LocalHost
	}
	if isInet6(x.spec) {
		return "::0"
	}
	return "0.0.0.0"
}

func (x *facts) destAddr() string {
	if x.spec.Host == "" {
		return "localhost" // netperf's default -H
	}
	return x.spec.Host
}

// destFamily is the Linux AF_ number of the data connection's family, as
// netperf prints it.
func (x *facts) destFamily() int64 {
	if isInet6(x.spec) {
		return 10
	}
	return 2
}

// perCall is bytes per call, 0 when there were no calls, as netperf.
func perCall(bytes, calls uint64) float64 {
	if calls == 0 {
		return 0
	}
	return float64(bytes) / float64(calls)
}

// width is the number of buffers nperf cycles through in one direction
// here: one when this side sends (receives), else none.
func width(used bool) int64 {
	if used {
		return 1
	}
	return 0
}

func flag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// latency is one of the MIN/MAX/P50/P90/P99_LATENCY selectors: whole
// microseconds from the record's histogram of round trips, -1 (netperf's
// value when it kept no statistics) without one. A percentile is read as
// netperf reads its own histogram: 0 when fewer values were recorded than
// it takes to reach that fraction, else the quantile truncated to whole
// microseconds.
func (x *facts) latency(which func(*stats.Histogram) int64) int64 {
	if x.rec.Latency == nil {
		return -1
	}
	return which(x.rec.Latency)
}

func minLatency(h *stats.Histogram) int64 { return micros(h.Min()) }
func maxLatency(h *stats.Histogram) int64 { return micros(h.Max()) }

func percentile(q float64) func(*stats.Histogram) int64 {
	return func(h *stats.Histogram) int64 {
		if math.Floor(q*float64(h.Count())) == 0 {
			return 0
		}
		return micros(h.Quantile(q))
	}
}

// latencyMoment is MEAN_LATENCY or STDDEV_LATENCY in microseconds: -1
// without a histogram, as netperf.
func (x *facts) latencyMoment(stddev bool) float64 {
	h := x.rec.Latency
	if h == nil {
		return -1
	}
	if stddev {
		return float64(h.StdDev()) / 1e3
	}
	return float64(h.Mean()) / 1e3
}

func (x *facts) brand() (string, bool) {
	if x.o.Brand == "" {
		return "", false
	}
	return `"` + x.o.Brand + `"`, true // no escaping, as netperf
}

func (x *facts) commandLine() string {
	return `"` + strings.Join(x.o.CommandLine, " ") + `"`
}

func itoa(n int) string { return strconv.Itoa(n) }
