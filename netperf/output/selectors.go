package output

import (
	"strconv"
	"strings"

	"nperf/result"
)

// A Selector is one of netperf's omni output selectors (THROUGHPUT,
// P99_LATENCY, ...): a value of a test's result with a name for -k, a
// title of up to four lines for -o and -O, and netperf's printf format.
// Selectors are numbered in netperf's own order, the order of `-o ?`.
type Selector int

// String returns the selector's name, such as "THROUGHPUT".
func (s Selector) String() string {
	if s < 0 || int(s) >= len(selectors) {
		return "Selector(" + strconv.Itoa(int(s)) + ")"
	}
	return selectors[s].name
}

// Title returns the selector's title lines with their empty tail removed:
// "Elapsed", "Time", "(sec)" for ELAPSED_TIME.
func (s Selector) Title() []string {
	t := selectors[s].title
	n := len(t)
	for n > 0 && t[n-1] == "" {
		n--
	}
	return t[:n]
}

// header is the selector's title as the CSV header line and selector
// files spell it: its lines up to the first empty one, joined by spaces.
func (s Selector) header() string {
	var parts []string
	for _, l := range selectors[s].title {
		if l == "" {
			break
		}
		parts = append(parts, l)
	}
	return strings.Join(parts, " ")
}

// value formats the selector's value for a record; ok is false where
// netperf's value is a null pointer (RESULT_BRAND without -B), which each
// printer shows in its own way.
func (s Selector) value(x *facts) (string, bool) {
	if v := selectors[s].value; v != nil {
		return v(x)
	}
	return "", false
}

// The selectors with a meaning in the printers' logic.
const (
	outputNone Selector = 0                          // OUTPUT_NONE: a one-space column
	outputEnd  Selector = Selector(numSelectors) - 1 // OUTPUT_END: ends a block
)

// lookup finds a selector by name, ignoring case as netperf does.
func lookup(name string) (Selector, bool) {
	for i := range selectors {
		if strings.EqualFold(selectors[i].name, name) {
			return Selector(i), true
		}
	}
	return 0, false
}

// lookupHeader finds a selector by name or by its header text, as
// netperf matches the entries of a selector file. Header texts are not
// all unique (REMOTE_SECURITY_TYPE_ID reads as REMOTE_SECURITY_TYPE);
// the first in netperf's order wins, as in netperf.
func lookupHeader(entry string) (Selector, bool) {
	if s, ok := lookup(entry); ok {
		return s, true
	}
	for i := range selectors {
		if strings.EqualFold(Selector(i).header(), entry) {
			return Selector(i), true
		}
	}
	return 0, false
}

type selectorDef struct {
	name  string
	title [4]string
	value func(*facts) (string, bool)
}

func title(lines ...string) (t [4]string) {
	copy(t[:], lines)
	return t
}

// The value makers: each formats what its function returns with the
// printf verb netperf uses for that kind of value.

// text is a value nperf prints as a constant: netperf's placeholder for
// what neither it nor nperf measures, or a setting nperf always has.
func text(s string) func(*facts) (string, bool) {
	return func(*facts) (string, bool) { return s, true }
}

func str(f func(*facts) string) func(*facts) (string, bool) {
	return func(x *facts) (string, bool) { return f(x), true }
}

func num(f func(*facts) int64) func(*facts) (string, bool) {
	return func(x *facts) (string, bool) { return strconv.FormatInt(f(x), 10), true }
}

func count(f func(*facts) uint64) func(*facts) (string, bool) {
	return func(x *facts) (string, bool) { return strconv.FormatUint(f(x), 10), true }
}

func fixed(verb string, f func(*facts) float64) func(*facts) (string, bool) {
	return func(x *facts) (string, bool) { return cfloat(verb, f(x)), true }
}

// numSelectors is the number of selectors, OUTPUT_NONE to OUTPUT_END.
const numSelectors = 175

// selectors is netperf's table of omni output selectors, in its order.
// Where nperf has no value for one, it prints netperf's own placeholder
// (-1, -2, 0, "Deprecated", 0xfffffffe) rather than a number of its own:
// facts.go says which and why for computed values. The constants are of
// three kinds:
//
//   - netperf 2.7's own constants: "Deprecated" system, interface and
//     driver facts, 0xfffffffe interface ids, CPU frequency 0, burst 0,
//     security ids 0, pacing intervals 0;
//   - settings nperf always has: buffer alignment 8 and offset 0, no
//     dirty or clean counts (-1), no cork, no socket priority or TOS
//     (-1, printed 0xffffffff), no fill file, SOURCE_FAMILY 0 (netperf's
//     AF_UNSPEC, as without a test-specific -4/-6);
//   - values nperf does not measure, printed as netperf prints an
//     unknown one: per-CPU peaks (-1.00, -1), the server's buffer ring
//     widths (-1), the local congestion control ("").
var selectors = [numSelectors]selectorDef{
	{"OUTPUT_NONE", title(" "), text(" ")},
	{"SOCKET_TYPE", title("Socket", "Type"), str((*facts).socketType)},
	{"PROTOCOL", title("Protocol"), str((*facts).protocol)},
	{"DIRECTION", title("Direction"), str((*facts).direction)},
	{"ELAPSED_TIME", title("Elapsed", "Time", "(sec)"), fixed("%.2f", func(x *facts) float64 { return elapsedSeconds(x.rec) })},
	{"THROUGHPUT", title("Throughput"), fixed("%.2f", func(x *facts) float64 { return headline(x.rec, x.f) })},
	{"THROUGHPUT_UNITS", title("Throughput", "Units"), str(func(x *facts) string { return x.f.Unit() + "/s" })},
	{"LSS_SIZE_REQ", title("Local", "Send Socket", "Size", "Requested"), num(func(x *facts) int64 { return requested(x.spec.LocalSendBuf) })},
	{"LSS_SIZE", title("Local", "Send Socket", "Size", "Initial"), num(func(x *facts) int64 { return int64(x.d.LocalSendBufStart) })},
	{"LSS_SIZE_END", title("Local", "Send Socket", "Size", "Final"), num(func(x *facts) int64 { return int64(x.d.LocalSendBufBytes) })},
	{"LSR_SIZE_REQ", title("Local", "Recv Socket", "Size", "Requested"), num(func(x *facts) int64 { return requested(x.spec.LocalRecvBuf) })},
	{"LSR_SIZE", title("Local", "Recv Socket", "Size", "Initial"), num(func(x *facts) int64 { return int64(x.d.LocalRecvBufStart) })},
	{"LSR_SIZE_END", title("Local", "Recv Socket", "Size", "Final"), num(func(x *facts) int64 { return int64(x.d.LocalRecvBufBytes) })},
	{"RSS_SIZE_REQ", title("Remote", "Send Socket", "Size", "Requested"), num(func(x *facts) int64 { return requested(x.spec.RemoteSendBuf) })},
	{"RSS_SIZE", title("Remote", "Send Socket", "Size", "Initial"), num(func(x *facts) int64 { return int64(x.d.RemoteSendBufStart) })},
	{"RSS_SIZE_END", title("Remote", "Send Socket", "Size", "Final"), num(func(x *facts) int64 { return int64(x.d.RemoteSendBufBytes) })},
	{"RSR_SIZE_REQ", title("Remote", "Recv Socket", "Size", "Requested"), num(func(x *facts) int64 { return requested(x.spec.RemoteRecvBuf) })},
	{"RSR_SIZE", title("Remote", "Recv Socket", "Size", "Initial"), num(func(x *facts) int64 { return int64(x.d.RemoteRecvBufStart) })},
	{"RSR_SIZE_END", title("Remote", "Recv Socket", "Size", "Final"), num(func(x *facts) int64 { return int64(x.d.RemoteRecvBufBytes) })},
	{"LOCAL_SEND_SIZE", title("Local", "Send", "Size"), num((*facts).localSendSize)},
	{"LOCAL_RECV_SIZE", title("Local", "Recv", "Size"), num((*facts).localRecvSize)},
	{"REMOTE_SEND_SIZE", title("Remote", "Send", "Size"), num(func(x *facts) int64 { return int64(x.d.RemoteSendSize) })},
	{"REMOTE_RECV_SIZE", title("Remote", "Recv", "Size"), num(func(x *facts) int64 { return int64(x.d.RemoteRecvSize) })},
	{"REQUEST_SIZE", title("Request", "Size", "Bytes"), num((*facts).requestSize)},
	{"RESPONSE_SIZE", title("Response", "Size", "Bytes"), num((*facts).responseSize)},
	{"LOCAL_CPU_UTIL", title("Local", "CPU", "Util", "%"), fixed("%.2f", func(x *facts) float64 { return x.cpuUtil(false) })},
	{"LOCAL_CPU_PERCENT_USER", title("Local", "CPU", "User", "%"), fixed("%.2f", func(x *facts) float64 {
		return x.cpuPart(false, func(s *result.CPUSide) float64 { return s.UserPercent })
	})},
	{"LOCAL_CPU_PERCENT_SYSTEM", title("Local", "CPU", "System", "%"), fixed("%.2f", func(x *facts) float64 {
		return x.cpuPart(false, func(s *result.CPUSide) float64 { return s.SystemPercent })
	})},
	{"LOCAL_CPU_PERCENT_IOWAIT", title("Local", "CPU", "I/O", "%"), fixed("%.2f", func(x *facts) float64 {
		return x.cpuPart(false, func(s *result.CPUSide) float64 { return s.IOWaitPercent })
	})},
	{"LOCAL_CPU_PERCENT_IRQ", title("Local", "CPU", "IRQ", "%"), fixed("%.2f", func(x *facts) float64 {
		return x.cpuPart(false, func(s *result.CPUSide) float64 { return s.IRQPercent })
	})},
	{"LOCAL_CPU_PERCENT_SWINTR", title("Local", "CPU", "swintr", "%"), fixed("%.2f", func(x *facts) float64 {
		return x.cpuPart(false, func(s *result.CPUSide) float64 { return s.SoftIRQPercent })
	})},
	{"LOCAL_CPU_METHOD", title("Local", "CPU", "Util", "Method"), str(func(x *facts) string { return string(x.cpuMethod(false)) })},
	{"LOCAL_SD", title("Local", "Service", "Demand"), fixed("%.3f", func(x *facts) float64 { return x.serviceDemand(false) })},
	{"REMOTE_CPU_UTIL", title("Remote", "CPU", "Util", "%"), fixed("%.2f", func(x *facts) float64 { return x.cpuUtil(true) })},
	{"REMOTE_CPU_PERCENT_USER", title("Remote", "CPU", "User", "%"), fixed("%.2f", func(x *facts) float64 {
		return x.cpuPart(true, func(s *result.CPUSide) float64 { return s.UserPercent })
	})},
	{"REMOTE_CPU_PERCENT_SYSTEM", title("Remote", "CPU", "System", "%"), fixed("%.2f", func(x *facts) float64 {
		return x.cpuPart(true, func(s *result.CPUSide) float64 { return s.SystemPercent })
	})},
	{"REMOTE_CPU_PERCENT_IOWAIT", title("Remote", "CPU", "I/O", "%"), fixed("%.2f", func(x *facts) float64 {
		return x.cpuPart(true, func(s *result.CPUSide) float64 { return s.IOWaitPercent })
	})},
	{"REMOTE_CPU_PERCENT_IRQ", title("Remote", "CPU", "IRQ", "%"), fixed("%.2f", func(x *facts) float64 {
		return x.cpuPart(true, func(s *result.CPUSide) float64 { return s.IRQPercent })
	})},
	{"REMOTE_CPU_PERCENT_SWINTR", title("Remote", "CPU", "swintr", "%"), fixed("%.2f", func(x *facts) float64 {
		return x.cpuPart(true, func(s *result.CPUSide) float64 { return s.SoftIRQPercent })
	})},
	{"REMOTE_CPU_METHOD", title("Remote", "CPU", "Util", "Method"), str(func(x *facts) string { return string(x.cpuMethod(true)) })},
	{"REMOTE_SD", title("Remote", "Service", "Demand"), fixed("%.3f", func(x *facts) float64 { return x.serviceDemand(true) })},
	{"SD_UNITS", title("Service", "Demand", "Units"), str((*facts).sdUnits)},
	{"CONFIDENCE_LEVEL", title("Confidence", "Level", "Percent"), num((*facts).confidenceLevel)},
	{"CONFIDENCE_INTERVAL", title("Confidence", "Width", "Target"), fixed("%f", (*facts).confidenceTarget)},
	{"CONFIDENCE_ITERATION", title("Confidence", "Iterations", "Run"), num((*facts).confidenceIterations)},
	{"THROUGHPUT_CONFID", title("Throughput", "Confidence", "Width (%)"), fixed("%.3f", func(x *facts) float64 {
		return x.confidenceWidth(func(c *result.Confidence) float64 { return c.ThroughputWidthPercent })
	})},
	{"LOCAL_CPU_CONFID", title("Local", "CPU", "Confidence", "Width (%)"), fixed("%.3f", func(x *facts) float64 {
		return x.confidenceWidth(func(c *result.Confidence) float64 { return c.LocalCPUWidthPercent })
	})},
	{"REMOTE_CPU_CONFID", title("Remote", "CPU", "Confidence", "Width (%)"), fixed("%.3f", func(x *facts) float64 {
		return x.confidenceWidth(func(c *result.Confidence) float64 { return c.RemoteCPUWidthPercent })
	})},
	{"TRANSACTION_RATE", title("Transaction", "Rate", "Tran/s"), fixed("%.3f", (*facts).transactionRate)},
	{"RT_LATENCY", title("Round", "Trip", "Latency", "usec/tran"), fixed("%.3f", (*facts).rtLatency)},
	{"BURST_SIZE", title("Initial", "Burst", "Requests"), num((*facts).burst)},
	{"LOCAL_TRANSPORT_RETRANS", title("Local", "Transport", "Retransmissions"), num((*facts).localRetrans)},
	{"REMOTE_TRANSPORT_RETRANS", title("Remote", "Transport", "Retransmissions"), num((*facts).remoteRetrans)},
	{"TRANSPORT_MSS", title("Transport", "MSS", "bytes"), num(func(x *facts) int64 { return int64(transportMSS(x.rec)) })},
	{"LOCAL_SEND_THROUGHPUT", title("Local", "Send", "Throughput"), fixed("%.2f", func(x *facts) float64 { return x.rate(x.rec.BytesSent) })},
	{"LOCAL_RECV_THROUGHPUT", title("Local", "Recv", "Throughput"), fixed("%.2f", func(x *facts) float64 { return x.rate(x.rec.BytesRecv) })},
	{"REMOTE_SEND_THROUGHPUT", title("Remote", "Send", "Throughput"), fixed("%.2f", func(x *facts) float64 { return x.rate(x.rec.RemoteBytesSent) })},
	{"REMOTE_RECV_THROUGHPUT", title("Remote", "Recv", "Throughput"), fixed("%.2f", func(x *facts) float64 { return x.rate(x.rec.RemoteBytesRecv) })},
	{"LOCAL_CPU_BIND", title("Local", "CPU", "Bind"), num(func(x *facts) int64 { return bind(x.spec.CPUBind) })},
	{"LOCAL_CPU_COUNT", title("Local", "CPU", "Count"), num(func(x *facts) int64 { return x.cpuCount(false) })},
	{"LOCAL_CPU_PEAK_UTIL", title("Local", "Peak", "Per CPU", "Util %"), text("-1.00")},
	{"LOCAL_CPU_PEAK_ID", title("Local", "Peak", "Per CPU", "ID"), text("-1")},
	{"LOCAL_CPU_MODEL", title("Local", "CPU", "Model"), text("Deprecated")},
	{"LOCAL_CPU_FREQUENCY", title("Local", "CPU", "Frequency", "MHz"), text("0")},
	{"REMOTE_CPU_BIND", title("Remote", "CPU", "Bind"), num(func(x *facts) int64 { return bind(x.spec.RemoteCPUBind) })},
	{"REMOTE_CPU_COUNT", title("Remote", "CPU", "Count"), num(func(x *facts) int64 { return x.cpuCount(true) })},
	{"REMOTE_CPU_PEAK_UTIL", title("Remote", "Peak", "Per CPU", "Util %"), text("-1.00")},
	{"REMOTE_CPU_PEAK_ID", title("Remote", "Peak", "Per CPU", "ID"), text("-1")},
	{"REMOTE_CPU_MODEL", title("Remote", "CPU", "Model"), text("Deprecated")},
	{"REMOTE_CPU_FREQUENCY", title("Remote", "CPU", "Frequency", "MHz"), text("0")},
	{"SOURCE_PORT", title("Source", "Port"), str(func(x *facts) string { return itoa(x.spec.LocalDataPort) })},
	{"SOURCE_ADDR", title("Source", "Address"), str((*facts).sourceAddr)},
	{"SOURCE_FAMILY", title("Source", "Family"), text("0")},
	{"DEST_PORT", title("Destination", "Port"), str(func(x *facts) string { return itoa(x.spec.RemoteDataPort) })},
	{"DEST_ADDR", title("Destination", "Address"), str((*facts).destAddr)},
	{"DEST_FAMILY", title("Destination", "Family"), num((*facts).destFamily)},
	{"LOCAL_SEND_CALLS", title("Local", "Send", "Calls"), count(func(x *facts) uint64 { return x.d.SendCalls })},
	{"LOCAL_RECV_CALLS", title("Local", "Recv", "Calls"), count(func(x *facts) uint64 { return x.d.RecvCalls })},
	{"LOCAL_BYTES_PER_RECV", title("Local", "Bytes", "Per", "Recv"), fixed("%.2f", func(x *facts) float64 { return perCall(x.rec.BytesRecv, x.d.RecvCalls) })},
	{"LOCAL_BYTES_PER_SEND", title("Local", "Bytes", "Per", "Send"), fixed("%.2f", func(x *facts) float64 { return perCall(x.rec.BytesSent, x.d.SendCalls) })},
	{"LOCAL_BYTES_SENT", title("Local", "Bytes", "Sent"), count(func(x *facts) uint64 { return x.rec.BytesSent })},
	{"LOCAL_BYTES_RECVD", title("Local", "Bytes", "Received"), count(func(x *facts) uint64 { return x.rec.BytesRecv })},
	{"LOCAL_BYTES_XFERD", title("Local", "Bytes", "Xferred"), fixed("%.0f", func(x *facts) float64 { return float64(x.rec.BytesSent) + float64(x.rec.BytesRecv) })},
	{"LOCAL_SEND_OFFSET", title("Local", "Send", "Offset"), text("0")},
	{"LOCAL_RECV_OFFSET", title("Local", "Recv", "Offset"), text("0")},
	{"LOCAL_SEND_ALIGN", title("Local", "Send", "Alignment"), text("8")},
	{"LOCAL_RECV_ALIGN", title("Local", "Recv", "Alignment"), text("8")},
	{"LOCAL_SEND_WIDTH", title("Local", "Send", "Width"), num(func(x *facts) int64 { return width(x.sends()) })},
	{"LOCAL_RECV_WIDTH", title("Local", "Recv", "Width"), num(func(x *facts) int64 { return width(x.recvs()) })},
	{"LOCAL_SEND_DIRTY_COUNT", title("Local", "Send", "Dirty", "Count"), text("-1")},
	{"LOCAL_RECV_DIRTY_COUNT", title("Local", "Recv", "Dirty", "Count"), text("-1")},
	{"LOCAL_RECV_CLEAN_COUNT", title("Local", "Recv", "Clean", "Count"), text("-1")},
	{"LOCAL_NODELAY", title("Local", "NODELAY"), num(func(x *facts) int64 { return flag(x.spec.NoDelay) })},
	{"LOCAL_CORK", title("Local", "Cork"), text("0")},
	{"REMOTE_SEND_CALLS", title("Remote", "Send", "Calls"), count(func(x *facts) uint64 { return x.d.RemoteSendCalls })},
	{"REMOTE_RECV_CALLS", title("Remote", "Recv", "Calls"), count(func(x *facts) uint64 { return x.d.RemoteRecvCalls })},
	{"REMOTE_BYTES_PER_RECV", title("Remote", "Bytes", "Per", "Recv"), fixed("%.2f", func(x *facts) float64 { return perCall(x.rec.RemoteBytesRecv, x.d.RemoteRecvCalls) })},
	{"REMOTE_BYTES_PER_SEND", title("Remote", "Bytes", "Per", "Send"), fixed("%.2f", func(x *facts) float64 { return perCall(x.rec.RemoteBytesSent, x.d.RemoteSendCalls) })},
	{"REMOTE_BYTES_SENT", title("Remote", "Bytes", "Sent"), count(func(x *facts) uint64 { return x.rec.RemoteBytesSent })},
	{"REMOTE_BYTES_RECVD", title("Remote", "Bytes", "Received"), count(func(x *facts) uint64 { return x.rec.RemoteBytesRecv })},
	{"REMOTE_BYTES_XFERD", title("Remote", "Bytes", "Xferred"), fixed("%.0f", func(x *facts) float64 { return float64(x.rec.RemoteBytesSent) + float64(x.rec.RemoteBytesRecv) })},
	{"REMOTE_SEND_OFFSET", title("Remote", "Send", "Offset"), text("0")},
	{"REMOTE_RECV_OFFSET", title("Remote", "Recv", "Offset"), text("0")},
	{"REMOTE_SEND_ALIGN", title("Remote", "Send", "Alignment"), text("8")},
	{"REMOTE_RECV_ALIGN", title("Remote", "Recv", "Alignment"), text("8")},
	{"REMOTE_SEND_WIDTH", title("Remote", "Send", "Width"), text("-1")},
	{"REMOTE_RECV_WIDTH", title("Remote", "Recv", "Width"), text("-1")},
	{"REMOTE_SEND_DIRTY_COUNT", title("Remote", "Send", "Dirty", "Count"), text("-1")},
	{"REMOTE_RECV_DIRTY_COUNT", title("Remote", "Recv", "Dirty", "Count"), text("-1")},
	{"REMOTE_RECV_CLEAN_COUNT", title("Remote", "Recv", "Clean", "Count"), text("-1")},
	{"REMOTE_NODELAY", title("Remote", "NODELAY"), num(func(x *facts) int64 { return flag(x.spec.NoDelay) })},
	{"REMOTE_CORK", title("Remote", "Cork"), text("0")},
	{"LOCAL_SYSNAME", title("Local", "Sysname"), text("Deprecated")},
	{"LOCAL_SYSTEM_MODEL", title("Local", "System", "Model"), text("Deprecated")},
	{"LOCAL_RELEASE", title("Local", "Release"), text("Deprecated")},
	{"LOCAL_VERSION", title("Local", "Version"), text("Deprecated")},
	{"LOCAL_MACHINE", title("Local", "Machine"), text("Deprecated")},
	{"REMOTE_SYSNAME", title("Remote", "Sysname"), text("Deprecated")},
	{"REMOTE_SYSTEM_MODEL", title("Remote", "System", "Model"), text("Deprecated")},
	{"REMOTE_RELEASE", title("Remote", "Release"), text("Deprecated")},
	{"REMOTE_VERSION", title("Remote", "Version"), text("Deprecated")},
	{"REMOTE_MACHINE", title("Remote", "Machine"), text("Deprecated")},
	{"LOCAL_INTERFACE_NAME", title("Local", "Interface", "Name"), text("Deprecated")},
	{"LOCAL_INTERFACE_VENDOR", title("Local", "Interface", "Vendor"), text("0xfffffffe")},
	{"LOCAL_INTERFACE_DEVICE", title("Local", "Interface", "Device"), text("0xfffffffe")},
	{"LOCAL_INTERFACE_SUBVENDOR", title("Local", "Interface", "Subvendor"), text("0xfffffffe")},
	{"LOCAL_INTERFACE_SUBDEVICE", title("Local", "Interface", "Subdevice"), text("0xfffffffe")},
	{"LOCAL_DRIVER_NAME", title("Local", "Driver", "Name"), text("Deprecated")},
	{"LOCAL_DRIVER_VERSION", title("Local", "Driver", "Version"), text("Deprecated")},
	{"LOCAL_DRIVER_FIRMWARE", title("Local", "Driver", "Firmware"), text("Deprecated")},
	{"LOCAL_DRIVER_BUS", title("Local", "Driver", "Bus"), text("Deprecated")},
	{"LOCAL_INTERFACE_SLOT", title("Local", "Interface", "Slot"), text("Deprecated")},
	{"REMOTE_INTERFACE_NAME", title("Remote", "Interface", "Name"), text("Deprecated")},
	{"REMOTE_INTERFACE_VENDOR", title("Remote", "Interface", "Vendor"), text("0xfffffffe")},
	{"REMOTE_INTERFACE_DEVICE", title("Remote", "Interface", "Device"), text("0xfffffffe")},
	{"REMOTE_INTERFACE_SUBVENDOR", title("Remote", "Interface", "Subvendor"), text("0xfffffffe")},
	{"REMOTE_INTERFACE_SUBDEVICE", title("Remote", "Interface", "Subdevice"), text("0xfffffffe")},
	{"REMOTE_DRIVER_NAME", title("Remote", "Driver", "Name"), text("Deprecated")},
	{"REMOTE_DRIVER_VERSION", title("Remote", "Driver", "Version"), text("Deprecated")},
	{"REMOTE_DRIVER_FIRMWARE", title("Remote", "Driver", "Firmware"), text("Deprecated")},
	{"REMOTE_DRIVER_BUS", title("Remote", "Driver", "Bus"), text("Deprecated")},
	{"REMOTE_INTERFACE_SLOT", title("Remote", "Interface", "Slot"), text("Deprecated")},
	{"LOCAL_INTERVAL_USECS", title("Local", "Interval", "Usecs"), text("0")},
	{"LOCAL_INTERVAL_BURST", title("Local", "Interval", "Burst"), text("0")},
	{"REMOTE_INTERVAL_USECS", title("Remote", "Interval", "Usecs"), text("0")},
	{"REMOTE_INTERVAL_BURST", title("Remote", "Interval", "Burst"), text("0")},
	{"LOCAL_SECURITY_TYPE_ID", title("Local", "OS", "Security", "Type ID"), text("0")},
	{"LOCAL_SECURITY_TYPE", title("Local", "OS", "Security", "Type"), text("Deprecated")},
	{"LOCAL_SECURITY_ENABLED_NUM", title("Local", "OS", "Security", "Enabled Num"), text("0")},
	{"LOCAL_SECURITY_ENABLED", title("Local", "OS", "Security", "Enabled"), text("Deprecated")},
	{"LOCAL_SECURITY_SPECIFIC", title("Local", "OS", "Security", "Specific"), text("Deprecated")},
	{"REMOTE_SECURITY_TYPE_ID", title("Remote", "OS", "Security", "Type"), text("0")},
	{"REMOTE_SECURITY_TYPE", title("Remote", "OS", "Security", "Type"), text("Deprecated")},
	{"REMOTE_SECURITY_ENABLED_NUM", title("Remote", "OS", "Security", "Enabled"), text("0")},
	{"REMOTE_SECURITY_ENABLED", title("Remote", "OS", "Security", "Enabled"), text("Deprecated")},
	{"REMOTE_SECURITY_SPECIFIC", title("Remote", "OS", "Security", "Specific"), text("Deprecated")},
	{"RESULT_BRAND", title("Result", "Tag"), (*facts).brand},
	{"UUID", title("Test", "UUID"), func(x *facts) (string, bool) { return x.o.UUID, x.o.UUID != "" }},
	{"MIN_LATENCY", title("Minimum", "Latency", "Microseconds"), num(func(x *facts) int64 { return x.latency(minLatency) })},
	{"MAX_LATENCY", title("Maximum", "Latency", "Microseconds"), num(func(x *facts) int64 { return x.latency(maxLatency) })},
	{"P50_LATENCY", title("50th", "Percentile", "Latency", "Microseconds"), num(func(x *facts) int64 { return x.latency(percentile(0.50)) })},
	{"P90_LATENCY", title("90th", "Percentile", "Latency", "Microseconds"), num(func(x *facts) int64 { return x.latency(percentile(0.90)) })},
	{"P99_LATENCY", title("99th", "Percentile", "Latency", "Microseconds"), num(func(x *facts) int64 { return x.latency(percentile(0.99)) })},
	{"MEAN_LATENCY", title("Mean", "Latency", "Microseconds"), fixed("%.2f", func(x *facts) float64 { return x.latencyMoment(false) })},
	{"STDDEV_LATENCY", title("Stddev", "Latency", "Microseconds"), fixed("%.2f", func(x *facts) float64 { return x.latencyMoment(true) })},
	{"LOCAL_SOCKET_PRIO", title("Local", "Socket", "Priority"), text("-1")},
	{"REMOTE_SOCKET_PRIO", title("Remote", "Socket", "Priority"), text("-1")},
	{"LOCAL_SOCKET_TOS", title("Local", "Socket", "TOS"), text("0xffffffff")},
	{"REMOTE_SOCKET_TOS", title("Remote", "Socket", "TOS"), text("0xffffffff")},
	{"LOCAL_CONG_CONTROL", title("Local", "Congestion", "Control", "Algorithm"), str((*facts).localCongControl)},
	{"REMOTE_CONG_CONTROL", title("Remote", "Congestion", "Control", "Algorithm"), str(func(x *facts) string { return x.d.CongestionControl })},
	{"LOCAL_FILL_FILE", title("Local", "Fill", "File"), text("")},
	{"REMOTE_FILL_FILE", title("Remote", "Fill", "File"), text("")},
	{"COMMAND_LINE", title("Command", "Line"), str((*facts).commandLine)},
	{"OUTPUT_END", title("This", "Is", "The", "End"), nil},
}
