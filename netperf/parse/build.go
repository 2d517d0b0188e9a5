package parse

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"nperf/netperf"
	"nperf/result"
)

// direction is which way a test moves its data.
type direction int

const (
	dirOther direction = iota
	dirSend            // TCP_STREAM, UDP_STREAM: the client sends
	dirRecv            // TCP_MAERTS: the client receives
	dirRR              // request/response tests
)

func testDirection(test string) direction {
	switch {
	case test == "TCP_MAERTS":
		return dirRecv
	case strings.HasSuffix(test, "_STREAM"), test == "TCP_SENDFILE":
		return dirSend
	case strings.HasSuffix(test, "_RR"), test == "TCP_CRR", test == "TCP_CC":
		return dirRR
	}
	return dirOther
}

// unknownTest names the test of a failed run whose output does not say
// which test it was.
const unknownTest = "UNKNOWN"

// The Labels keys of values netperf printed that a Record has no field for.
const (
	labelBrand          = "brand"
	labelThroughput     = "netperf.throughput"       // a rate that could not become a count (no elapsed time)
	labelThroughputUnit = "netperf.throughput_units" // its unit, as printed
	labelTransRate      = "netperf.transaction_rate" // trans/s, when no elapsed time was printed
	labelSendThroughput = "netperf.local_send_throughput"
	labelElapsed        = "netperf.elapsed_time" // seconds, when no rate came with it
	labelUUID           = "netperf.uuid"
)

// latencyLabels maps the omni latency selectors (microseconds) to labels:
// netperf prints percentiles of its own histogram, which cannot become a
// Record's exact latency histogram.
var latencyLabels = []struct{ sel, label string }{
	{"MIN_LATENCY", "netperf.min_latency_us"},
	{"MAX_LATENCY", "netperf.max_latency_us"},
	{"P50_LATENCY", "netperf.p50_latency_us"},
	{"P90_LATENCY", "netperf.p90_latency_us"},
	{"P99_LATENCY", "netperf.p99_latency_us"},
	{"MEAN_LATENCY", "netperf.mean_latency_us"},
	{"STDDEV_LATENCY", "netperf.stddev_latency_us"},
}

// builder turns one run's values into records.
type builder struct {
	p    *parser
	r    *run
	test string
	dir  direction
	rec  *result.Record
	spec *result.Spec // from a command line, if known

	// headline is the printed result per second, in bytes (or
	// transactions, for request/response tests), when it is a number.
	headline     float64
	haveHeadline bool
}

// build turns a complete run into its interval records and Final record.
func (p *parser) build(r *run) ([]*result.Record, error) {
	test, err := p.resolveTest(r)
	if err != nil {
		return nil, err
	}
	b := &builder{p: p, r: r, test: test, dir: testDirection(test), spec: r.hint.Spec}
	if r.layout == "maerts" {
		b.dir = dirRecv
	}
	if b.dir == dirOther {
		b.dir = layoutDirection(r)
	}
	if cl, ok := r.vals["COMMAND_LINE"]; ok && b.spec == nil {
		if words := splitCommand(strings.Trim(cl.text, `"`)); len(words) > 0 {
			b.spec = HintFromArgs(words).Spec
		}
	}
	run := r.hint.Run
	if run == "" {
		run = fmt.Sprintf("%s:%d", p.name, r.start)
	}
	b.rec = &result.Record{Run: run, Test: test, Final: true, Seq: len(r.interims)}
	for _, step := range []func() error{b.peer, b.labels, b.counts, b.cpu, b.detail, b.specFields, b.latency, b.confidence} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if r.err != nil {
		b.rec.Err = &result.Error{Kind: r.err.kind, Message: strings.Join(r.err.lines, "; ")}
	}
	intervals, err := b.intervals()
	if err != nil {
		return nil, err
	}
	if len(intervals) > 0 && b.rec.Start.IsZero() {
		b.rec.Start = intervals[0].Start
	}
	return append(intervals, b.rec), nil
}

// layoutDirection guesses the direction of a test nperf does not know from
// how its result was printed.
func layoutDirection(r *run) direction {
	switch r.layout {
	case "stream", "udp_stream":
		return dirSend
	case "maerts":
		return dirRecv
	case "rr":
		return dirRR
	}
	if u, ok := r.vals["THROUGHPUT_UNITS"]; ok && strings.HasPrefix(u.text, "Trans") {
		return dirRR
	}
	return dirOther
}

// resolveTest decides which test printed a run, from (in this order) the
// hint, the banner, the omni DIRECTION and PROTOCOL values, the
// COMMAND_LINE value, and the classic table, and checks that these agree.
func (p *parser) resolveTest(r *run) (string, error) {
	var fromText, where string
	line := r.start
	if b := r.banner; b != nil {
		fromText, where = b.test, "the banner"
		if b.omniDir != "" {
			fromText = omniTest(b.omniDir, r.vals["PROTOCOL"].text)
		}
	}
	if d, ok := r.vals["DIRECTION"]; ok && fromText == "" {
		if t := omniTest(d.text, r.vals["PROTOCOL"].text); t != "" {
			fromText, where, line = t, "DIRECTION", d.line
		}
	}
	if cl, ok := r.vals["COMMAND_LINE"]; ok && fromText == "" {
		fromText, where, line = HintFromArgs(splitCommand(strings.Trim(cl.text, `"`))).Test, "COMMAND_LINE", cl.line
	}
	test := r.hint.Test
	switch {
	case test != "" && fromText != "" && test != fromText:
		return "", p.errorf(line, "%s says %s, but the command line says %s", where, fromText, test)
	case test == "":
		test = fromText
	}
	if test == "" && len(r.tests) == 1 {
		test = r.tests[0]
	}
	if test == "" {
		if r.err != nil {
			return unknownTest, nil
		}
		return "", p.errorf(r.start, "which test printed this result is not known (no banner); name it with --test or give the netperf command line with --cmd")
	}
	if len(r.tests) > 0 && slices.Contains(result.Tests, test) && !slices.Contains(r.tests, test) {
		return "", p.errorf(r.start, "a %s result table, but the output is of %s", strings.Join(r.tests, " or "), test)
	}
	return test, nil
}

// number reads a value that must be a number. ok is false when the value
// is absent or nan (unknown).
func (b *builder) number(name string) (v float64, ok bool, err error) {
	f, present := b.r.vals[name]
	if !present {
		return 0, false, nil
	}
	v, ok, err = parseNumber(f.text)
	if err != nil {
		return 0, false, b.p.errorf(f.line, "%s: %v", name, err)
	}
	return v, ok, nil
}

// count reads an integer value that counts something; negative values
// (netperf's -1, -2 for "not known") are absent.
func (b *builder) count(name string) (uint64, bool, error) {
	f, present := b.r.vals[name]
	if !present || strings.HasPrefix(f.text, "-") {
		return 0, false, nil
	}
	n, err := strconv.ParseUint(f.text, 10, 64)
	if err != nil {
		return 0, false, b.p.errorf(f.line, "%s: %q is not a count", name, f.text)
	}
	return n, true, nil
}

// size reads a size in bytes: -1 (netperf's "not set") and other negative
// values are absent; so is 0 when zeroUnknown (a size netperf prints as 0
// when it does not apply).
func (b *builder) size(name string, zeroUnknown bool) (int, bool, error) {
	f, present := b.r.vals[name]
	if !present {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(f.text, 10, 64)
	if err != nil {
		return 0, false, b.p.errorf(f.line, "%s: %q is not a size", name, f.text)
	}
	if n < 0 || n == 0 && zeroUnknown || n > math.MaxInt32 {
		return 0, false, nil
	}
	return int(n), true, nil
}

func (b *builder) label(k, v string) {
	if b.rec.Labels == nil {
		b.rec.Labels = map[string]string{}
	}
	b.rec.Labels[k] = v
}

// peer is the server's control address: from a control-connect error, or
// the command line's -H and -p.
func (b *builder) peer() error {
	switch {
	case b.r.err != nil && b.r.err.peer != "":
		b.rec.Peer = b.r.err.peer
	case b.spec != nil && b.spec.Host != "":
		port := b.spec.Port
		if port == 0 {
			port = netperf.DefaultPort
		}
		b.rec.Peer = net.JoinHostPort(b.spec.Host, strconv.Itoa(port))
	}
	return nil
}

// labels carries the -B brand, which tags every record of the run.
func (b *builder) labels() error {
	brand := b.r.hint.Brand
	if f, ok := b.r.vals["RESULT_BRAND"]; ok && f.text != "" {
		brand = strings.Trim(f.text, `"`)
	}
	if brand != "" {
		b.label(labelBrand, brand)
	}
	if f, ok := b.r.vals["UUID"]; ok && f.text != "" {
		b.label(labelUUID, f.text)
	}
	return nil
}

// unit is the unit of the run's THROUGHPUT.
func (b *builder) unit() (rateUnit, error) {
	if f, ok := b.r.vals["THROUGHPUT_UNITS"]; ok {
		u, err := parseUnit(f.text)
		if err != nil {
			return u, b.p.errorf(f.line, "%v", err)
		}
		if u.trans && b.dir != dirRR {
			return u, b.p.errorf(f.line, "a rate in transactions for %s, which moves bytes", b.test)
		}
		return u, nil
	}
	return defaultUnit(b.test, b.r.hint.Units), nil
}

// counts turns the printed rate and elapsed time into the record's counts
// (see the package documentation), and flags a result netperf printed as
// 0 or nan as a failed run.
func (b *builder) counts() error {
	rec := b.rec
	u, err := b.unit()
	if err != nil {
		return err
	}
	elapsed, haveElapsed, err := b.number("ELAPSED_TIME")
	if err != nil {
		return err
	}
	dec := 2
	if f, ok := b.r.vals["ELAPSED_TIME"]; ok {
		dec = decimals(f.text)
	}
	if haveElapsed && elapsed < 0 {
		return b.p.errorf(b.r.vals["ELAPSED_TIME"].line, "negative elapsed time %s", b.r.vals["ELAPSED_TIME"].text)
	}

	// Counts netperf printed itself.
	sent, haveSent, err := b.count("LOCAL_BYTES_SENT")
	if err != nil {
		return err
	}
	recvd, haveRecvd, err := b.count("LOCAL_BYTES_RECVD")
	if err != nil {
		return err
	}
	rsent, haveRSent, err := b.count("REMOTE_BYTES_SENT")
	if err != nil {
		return err
	}
	rrecvd, haveRRecvd, err := b.count("REMOTE_BYTES_RECVD")
	if err != nil {
		return err
	}
	if b.test == "UDP_STREAM" {
		// Messages of the send size each: exact byte counts.
		size, okSize, err := b.size("LOCAL_SEND_SIZE", true)
		if err != nil {
			return err
		}
		if calls, ok, err := b.count("LOCAL_SEND_CALLS"); err != nil {
			return err
		} else if ok && okSize && !haveSent {
			sent, haveSent = calls*uint64(size), true
		}
		if calls, ok, err := b.count("REMOTE_RECV_CALLS"); err != nil {
			return err
		} else if ok && okSize && !haveRRecvd {
			rrecvd, haveRRecvd = calls*uint64(size), true
		}
	}
	if haveSent {
		rec.BytesSent = sent
	}
	if haveRecvd {
		rec.BytesRecv = recvd
	}
	if haveRSent {
		rec.RemoteBytesSent = rsent
	}
	if haveRRecvd {
		rec.RemoteBytesRecv = rrecvd
	}

	// The headline rate, in units per second of the headline count.
	var rate float64
	var haveRate bool
	var rateField field
	var exact []uint64 // printed counts that could be the headline count
	headName := ""
	switch b.dir {
	case dirRR:
		rate, haveRate, rateField, err = b.transactionRate(u)
		if err != nil {
			return err
		}
		if n, ok, err := b.count("hist_total"); err != nil {
			return err
		} else if ok {
			exact = append(exact, n)
		}
		if req, ok, _ := b.size("REQUEST_SIZE", true); ok && haveSent && sent%uint64(req) == 0 {
			exact = append(exact, sent/uint64(req))
		}
	default:
		// The headline: THROUGHPUT, or the per-side rates a classic
		// UDP_STREAM table and -v 0 print.
		for _, name := range []string{"THROUGHPUT", "REMOTE_RECV_THROUGHPUT", "LOCAL_RECV_THROUGHPUT", "LOCAL_SEND_THROUGHPUT"} {
			if _, ok := b.r.vals[name]; ok {
				headName = name
				break
			}
		}
		if headName == "" {
			break
		}
		var v float64
		v, haveRate, err = b.number(headName)
		if err != nil {
			return err
		}
		rate, rateField = v*u.bytes, b.r.vals[headName]
		switch {
		case b.dir == dirRecv && haveRecvd:
			exact = append(exact, recvd)
		case b.dir != dirRecv && headName == "LOCAL_SEND_THROUGHPUT" && haveSent:
			exact = append(exact, sent)
		case b.dir != dirRecv && haveRRecvd:
			exact = append(exact, rrecvd)
		}
	}
	if rateField.text == "" {
		// No headline printed (a -v 0 service demand, a selection without
		// THROUGHPUT): keep the elapsed time, which has no count to go with.
		if f, ok := b.r.vals["ELAPSED_TIME"]; ok {
			b.label(labelElapsed, f.text)
		}
		return nil
	}
	if !haveRate {
		b.label(labelThroughput, rateField.text)
		b.failed(result.ErrProtocol, "netperf printed %s for the result: no number", rateField.text)
		return nil
	}
	if rate < 0 {
		return b.p.errorf(rateField.line, "negative result %s", rateField.text)
	}
	b.headline, b.haveHeadline = rate, true
	if rate == 0 {
		if !u.trans && u.bytes > 1e6/8 {
			// 0.00 in a coarse unit (-f g, -f M) is a rate below what the
			// unit can show, not a failure; it stays as printed.
			b.label(labelThroughput, rateField.text)
			b.label(labelThroughputUnit, u.text+"/s")
			if f, ok := b.r.vals["ELAPSED_TIME"]; ok {
				b.label(labelElapsed, f.text)
			}
			return nil
		}
		b.failed(result.ErrData, "netperf reported a result of %s: no data moved, the run failed", rateField.text)
	}
	if !haveElapsed {
		// A rate alone cannot become a count.
		if f, ok := b.r.vals["THROUGHPUT"]; ok {
			b.label(labelThroughput, f.text)
			b.label(labelThroughputUnit, u.text+"/s")
		}
		if f, ok := b.r.vals["TRANSACTION_RATE"]; ok && b.dir == dirRR {
			b.label(labelTransRate, f.text)
		}
		if f, ok := b.r.vals["LOCAL_SEND_THROUGHPUT"]; ok && b.r.layout == "v0" {
			b.label(labelSendThroughput, f.text)
			b.label(labelThroughputUnit, u.text+"/s")
		}
		return nil
	}

	// The headline count: a printed one that fits the rate and elapsed
	// time, else rate x elapsed.
	var n uint64
	var e time.Duration
	fitted := false
	for _, c := range exact {
		if d, ok := fitElapsed(float64(c), rate, elapsed, dec); ok {
			n, e, fitted = c, d, true
			break
		}
	}
	if !fitted {
		n, e = reconstruct(rate, elapsed, dec)
	}
	rec.Elapsed = e
	switch b.dir {
	case dirRR:
		rec.Transactions = n
		req, okReq, _ := b.size("REQUEST_SIZE", true)
		rsp, okRsp, _ := b.size("RESPONSE_SIZE", true)
		if !haveSent && okReq {
			rec.BytesSent = n * uint64(req)
		}
		if !haveRecvd && okRsp {
			rec.BytesRecv = n * uint64(rsp)
		}
	case dirRecv:
		rec.BytesRecv = n
	default:
		if headName == "LOCAL_SEND_THROUGHPUT" {
			rec.BytesSent = n
		} else {
			rec.RemoteBytesRecv = n
		}
	}
	return nil
}

// transactionRate is an RR test's rate in transactions/s: TRANSACTION_RATE
// (three decimals), THROUGHPUT in Trans/s, or a THROUGHPUT in bytes
// divided by the bytes of one transaction.
func (b *builder) transactionRate(u rateUnit) (float64, bool, field, error) {
	if f, ok := b.r.vals["TRANSACTION_RATE"]; ok {
		v, ok, err := b.number("TRANSACTION_RATE")
		return v, ok, f, err
	}
	f, ok := b.r.vals["THROUGHPUT"]
	if !ok {
		return 0, false, field{}, nil
	}
	v, ok, err := b.number("THROUGHPUT")
	if err != nil || !ok || u.trans {
		return v, ok, f, err
	}
	req, okReq, _ := b.size("REQUEST_SIZE", true)
	rsp, okRsp, _ := b.size("RESPONSE_SIZE", true)
	if !okReq || !okRsp {
		// A byte rate without the sizes of a transaction: keep it as
		// printed.
		b.label(labelThroughput, f.text)
		b.label(labelThroughputUnit, u.text+"/s")
		return 0, false, field{}, nil
	}
	return v * u.bytes / float64(req+rsp), true, f, nil
}

// failed marks the run as failed, unless netperf already said why.
func (b *builder) failed(kind, format string, args ...any) {
	if b.r.err == nil {
		b.r.err = &runError{kind: kind, lines: []string{fmt.Sprintf(format, args...)}}
	}
}

// cpu reads each side's CPU utilisation. A side netperf did not measure
// (-1.00, nan, or not printed) is absent; a service demand without its
// utilisation (-v 0) is kept in Labels.
func (b *builder) cpu() error {
	unit := ""
	if f, ok := b.r.vals["SD_UNITS"]; ok {
		switch f.text {
		case "usec/KB", "us/KB":
			unit = "KB"
		case "usec/Tran", "us/Tr":
			unit = "Tran"
		default:
			return b.p.errorf(f.line, "unknown service demand unit %q", f.text)
		}
	}
	var usage result.CPUUsage
	for _, side := range []struct {
		prefix string
		dst    **result.CPUSide
	}{{"LOCAL", &usage.Local}, {"REMOTE", &usage.Remote}} {
		util, ok, err := b.number(side.prefix + "_CPU_UTIL")
		if err != nil {
			return err
		}
		sd, okSD, err := b.number(side.prefix + "_SD")
		if err != nil {
			return err
		}
		method := b.r.vals[side.prefix+"_CPU_METHOD"].text
		if !ok || util < 0 {
			if okSD && sd >= 0 {
				name := strings.ToLower(side.prefix)
				b.label("netperf."+name+"_service_demand", b.r.vals[side.prefix+"_SD"].text)
				if unit != "" {
					b.label("netperf.service_demand_units", b.r.vals["SD_UNITS"].text)
				}
				if method != "" {
					b.label("netperf."+name+"_cpu_method", method)
				}
			}
			continue
		}
		c := &result.CPUSide{UtilPercent: util, Method: method}
		for _, part := range []struct {
			sel string
			dst *float64
		}{
			{"_CPU_PERCENT_USER", &c.UserPercent}, {"_CPU_PERCENT_SYSTEM", &c.SystemPercent},
			{"_CPU_PERCENT_IOWAIT", &c.IOWaitPercent}, {"_CPU_PERCENT_IRQ", &c.IRQPercent},
			{"_CPU_PERCENT_SWINTR", &c.SoftIRQPercent},
		} {
			v, ok, err := b.number(side.prefix + part.sel)
			if err != nil {
				return err
			}
			if ok && v >= 0 {
				*part.dst = v
			}
		}
		if okSD && sd >= 0 {
			c.ServiceDemandUS, c.ServiceDemandUnit = sd, unit
		}
		if n, ok, err := b.size(side.prefix+"_CPU_COUNT", true); err != nil {
			return err
		} else if ok {
			c.NumCPUs = n
		}
		*side.dst = c
	}
	if usage.Local != nil || usage.Remote != nil {
		b.rec.CPU = &usage
	}
	return nil
}

// detail fills Detail with the sizes and calls netperf printed; the rest
// stays -1 (sizes) or 0 (counts).
func (b *builder) detail() error {
	d := &result.Detail{
		LocalSendBufBytes: -1, LocalRecvBufBytes: -1, RemoteSendBufBytes: -1, RemoteRecvBufBytes: -1,
		LocalSendBufStart: -1, LocalRecvBufStart: -1, RemoteSendBufStart: -1, RemoteRecvBufStart: -1,
		SendSize: -1, RecvSize: -1, RemoteSendSize: -1, RemoteRecvSize: -1,
	}
	any := false
	// Message sizes print as 0 (or -1) where they do not apply; socket
	// buffer sizes only as -1.
	type sizeSel struct {
		sel         string
		dst         *int
		zeroUnknown bool
	}
	sizes := []sizeSel{
		{"LSS_SIZE", &d.LocalSendBufStart, false}, {"LSS_SIZE_END", &d.LocalSendBufBytes, false},
		{"LSR_SIZE", &d.LocalRecvBufStart, false}, {"LSR_SIZE_END", &d.LocalRecvBufBytes, false},
		{"RSS_SIZE", &d.RemoteSendBufStart, false}, {"RSS_SIZE_END", &d.RemoteSendBufBytes, false},
		{"RSR_SIZE", &d.RemoteRecvBufStart, false}, {"RSR_SIZE_END", &d.RemoteRecvBufBytes, false},
		{"REMOTE_SEND_SIZE", &d.RemoteSendSize, true}, {"REMOTE_RECV_SIZE", &d.RemoteRecvSize, true},
	}
	if b.dir == dirRR {
		sizes = append(sizes, sizeSel{"REQUEST_SIZE", &d.SendSize, true}, sizeSel{"RESPONSE_SIZE", &d.RecvSize, true})
	} else {
		sizes = append(sizes, sizeSel{"LOCAL_SEND_SIZE", &d.SendSize, true}, sizeSel{"LOCAL_RECV_SIZE", &d.RecvSize, true})
	}
	for _, s := range sizes {
		v, ok, err := b.size(s.sel, s.zeroUnknown)
		if err != nil {
			return err
		}
		if ok {
			*s.dst, any = v, true
		}
	}
	counts := []struct {
		sel string
		dst *uint64
	}{
		{"LOCAL_SEND_CALLS", &d.SendCalls}, {"LOCAL_RECV_CALLS", &d.RecvCalls},
		{"REMOTE_SEND_CALLS", &d.RemoteSendCalls}, {"REMOTE_RECV_CALLS", &d.RemoteRecvCalls},
		{"failed_sends", &d.FailedSends}, {"REMOTE_TRANSPORT_RETRANS", &d.RemoteRetransmits},
	}
	for _, c := range counts {
		v, ok, err := b.count(c.sel)
		if err != nil {
			return err
		}
		if ok {
			*c.dst, any = v, true
		}
	}
	if v, ok, err := b.size("TRANSPORT_MSS", true); err != nil {
		return err
	} else if ok {
		d.MSS, any = v, true
	}
	if f, ok := b.r.vals["REMOTE_CONG_CONTROL"]; ok && f.text != "" {
		d.CongestionControl, any = f.text, true
	}
	if any {
		b.rec.Detail = d
	}
	return nil
}

// specFields sets the Final record's Spec: the command line's when known,
// otherwise what the output shows of the options (test, host, sizes asked
// for, CPU measured, confidence asked for).
func (b *builder) specFields() error {
	if b.spec != nil {
		s := *b.spec
		s.Test = b.test
		b.rec.Spec = &s
		return nil
	}
	s := &result.Spec{Test: b.test}
	if bn := b.r.banner; bn != nil {
		s.Host, s.Family, s.NoDelay = bn.host, bn.family, bn.noDelay
		s.ConfidenceLevel, s.ConfidenceWidthPercent = bn.confLevel, bn.confWidth
		s.RemoteDataPort = bn.port // the banner shows the data port asked for (-P ,N)
	}
	if f, ok := b.r.vals["DEST_ADDR"]; ok && s.Host == "" {
		s.Host = f.text
	}
	if f, ok := b.r.vals["DEST_FAMILY"]; ok && s.Family == "" {
		s.Family = map[string]string{"2": "inet", "10": "inet6"}[f.text]
	}
	for _, x := range []struct {
		sel string
		dst *int
	}{
		{"LSS_SIZE_REQ", &s.LocalSendBuf}, {"LSR_SIZE_REQ", &s.LocalRecvBuf},
		{"RSS_SIZE_REQ", &s.RemoteSendBuf}, {"RSR_SIZE_REQ", &s.RemoteRecvBuf},
	} {
		if v, ok, err := b.size(x.sel, true); err != nil {
			return err
		} else if ok {
			*x.dst = v
		}
	}
	if b.dir == dirRR {
		if v, ok, _ := b.size("REQUEST_SIZE", true); ok {
			s.RequestSize = v
		}
		if v, ok, _ := b.size("RESPONSE_SIZE", true); ok {
			s.ResponseSize = v
		}
	}
	for _, sel := range []string{"LOCAL_NODELAY", "REMOTE_NODELAY"} {
		if b.r.vals[sel].text == "1" {
			s.NoDelay = true
		}
	}
	for _, x := range []struct {
		sel string
		dst *int
	}{{"SOURCE_PORT", &s.LocalDataPort}, {"DEST_PORT", &s.RemoteDataPort}} {
		if n, err := strconv.Atoi(b.r.vals[x.sel].text); err == nil && n > 0 && n < 65536 {
			*x.dst = n
		}
	}
	if c := b.rec.CPU; c != nil {
		s.LocalCPU, s.RemoteCPU = c.Local != nil, c.Remote != nil
	}
	if v, ok, err := b.size("CONFIDENCE_LEVEL", true); err != nil {
		return err
	} else if ok {
		s.ConfidenceLevel = v
	}
	if v, ok, err := b.number("CONFIDENCE_INTERVAL"); err != nil {
		return err
	} else if ok && v > 0 {
		s.ConfidenceWidthPercent = v
	}
	b.rec.Spec = s
	return nil
}

// latency keeps the omni latency selectors, in microseconds, in Labels.
func (b *builder) latency() error {
	for _, l := range latencyLabels {
		if _, ok, err := b.number(l.sel); err != nil {
			return err
		} else if ok {
			b.label(l.label, b.r.vals[l.sel].text)
		}
	}
	return nil
}

// confidence fills the Record's Confidence for a confidence run (-i, -I):
// the level and width asked for, the iterations run, the widths reached
// and whether they met the width asked for. netperf prints one mean
// iteration (its rate and the last iteration's counts and elapsed time);
// a Record of a confidence run sums its iterations, so when the number of
// iterations is known the counts and elapsed time are scaled by it, which
// keeps the derived rate the one printed.
func (b *builder) confidence() error {
	r := b.r
	c := &result.Confidence{}
	if bn := r.banner; bn != nil && bn.confLevel > 0 {
		c.LevelPercent, c.WantWidthPercent = bn.confLevel, bn.confWidth
	}
	if n, ok, err := b.size("CONFIDENCE_LEVEL", true); err != nil {
		return err
	} else if ok {
		c.LevelPercent = n
	}
	if v, ok, err := b.number("CONFIDENCE_INTERVAL"); err != nil {
		return err
	} else if ok && v > 0 {
		c.WantWidthPercent = v
	}
	if c.LevelPercent == 0 && b.spec != nil && b.spec.IterationsMax > 1 {
		c.LevelPercent, c.WantWidthPercent = b.spec.ConfidenceLevel, b.spec.ConfidenceWidthPercent
	}
	if c.LevelPercent == 0 && r.warning == nil {
		return nil // not a confidence run
	}
	if n, ok, err := b.size("CONFIDENCE_ITERATION", true); err != nil {
		return err
	} else if ok {
		if n > 30 {
			return b.p.errorf(r.vals["CONFIDENCE_ITERATION"].line, "CONFIDENCE_ITERATION %d: netperf runs at most 30", n)
		}
		c.Iterations = n
	} else if r.warning != nil && b.spec != nil && b.spec.IterationsMax > 1 {
		// The warning means netperf ran out of iterations: it ran the
		// maximum (which it caps at 30).
		c.Iterations = min(b.spec.IterationsMax, 30)
	}

	widths := [3]field{r.vals["THROUGHPUT_CONFID"], r.vals["LOCAL_CPU_CONFID"], r.vals["REMOTE_CPU_CONFID"]}
	if w := r.warning; w != nil {
		widths = [3]field{w.throughput, w.localCPU, w.remoteCPU}
	}
	var known [3]bool
	for i, dst := range []*float64{&c.ThroughputWidthPercent, &c.LocalCPUWidthPercent, &c.RemoteCPUWidthPercent} {
		if widths[i].text == "" {
			continue
		}
		v, ok, err := parseNumber(widths[i].text)
		if err != nil {
			return b.p.errorf(widths[i].line, "confidence interval width: %v", err)
		}
		if ok {
			*dst, known[i] = v, true
		}
	}
	switch {
	case r.warning != nil:
		c.Met = false
	case r.layout != "omni":
		c.Met = true // the classic output warns when it was not met
	case known[0] && c.WantWidthPercent > 0:
		// The omni output never warns: compare the widths netperf printed
		// with the one asked for, as netperf does (an unmeasured CPU
		// prints 0). Without the widths, Met stays false: not shown.
		c.Met = c.ThroughputWidthPercent <= c.WantWidthPercent &&
			c.LocalCPUWidthPercent <= c.WantWidthPercent && c.RemoteCPUWidthPercent <= c.WantWidthPercent
	}

	if b.haveHeadline {
		c.MeanResult = b.headline
		if b.dir != dirRR {
			c.MeanResult *= 8 // bytes/s to bits/s
		}
	}
	if n := c.Iterations; n > 1 && b.rec.Elapsed > 0 {
		rec := b.rec
		m := uint64(n)
		counts := []*uint64{&rec.BytesSent, &rec.BytesRecv, &rec.Transactions, &rec.RemoteBytesSent, &rec.RemoteBytesRecv}
		for _, v := range counts {
			if *v > math.MaxUint64/m {
				return b.p.errorf(r.start, "a count of %d over %d iterations does not fit 64 bits", *v, n)
			}
		}
		if rec.Elapsed > math.MaxInt64/time.Duration(n) {
			return b.p.errorf(r.start, "an elapsed time of %v over %d iterations is too long", rec.Elapsed, n)
		}
		for _, v := range counts {
			*v *= m
		}
		rec.Elapsed *= time.Duration(n)
	}
	b.rec.Confidence = c
	return nil
}

// intervals turns the interim results into interval records.
func (b *builder) intervals() ([]*result.Record, error) {
	var out []*result.Record
	req, okReq, _ := b.size("REQUEST_SIZE", true)
	rsp, okRsp, _ := b.size("RESPONSE_SIZE", true)
	for i, in := range b.r.interims {
		u, err := parseUnit(in.units)
		if err != nil {
			return nil, b.p.errorf(in.line, "%v", err)
		}
		if u.trans && b.dir != dirRR {
			return nil, b.p.errorf(in.line, "an interim rate in transactions for %s, which moves bytes", b.test)
		}
		rate, ok, err := parseNumber(in.rate.text)
		if err != nil {
			return nil, b.p.errorf(in.line, "interim result: %v", err)
		}
		iv, okIv, err := parseNumber(in.interval.text)
		if err != nil || !okIv || iv < 0 {
			return nil, b.p.errorf(in.interval.line, "interim interval %q is not a duration in seconds", in.interval.text)
		}
		if rate < 0 {
			return nil, b.p.errorf(in.line, "negative interim result %s", in.rate.text)
		}
		rec := &result.Record{Run: b.rec.Run, Test: b.test, Seq: i, Peer: b.rec.Peer}
		if brand, ok := b.rec.Labels[labelBrand]; ok {
			rec.Labels = map[string]string{labelBrand: brand}
		}
		end := time.Unix(in.endSec, in.endMS*int64(time.Millisecond)).UTC()
		rec.Elapsed = seconds(iv)
		if ok {
			perUnit := 1.0
			if !u.trans {
				perUnit = u.bytes
			}
			if b.dir == dirRR && !u.trans {
				// A request/response rate in bytes: back to transactions
				// when their size is known.
				perUnit = 0
				if okReq && okRsp {
					perUnit = u.bytes / float64(req+rsp)
				}
			}
			if perUnit > 0 {
				n, e := reconstruct(rate*perUnit, iv, decimals(in.interval.text))
				rec.Elapsed = e
				switch b.dir {
				case dirRR:
					rec.Transactions = n
					if okReq {
						rec.BytesSent = n * uint64(req)
					}
					if okRsp {
						rec.BytesRecv = n * uint64(rsp)
					}
				case dirRecv:
					rec.BytesRecv = n
				default:
					rec.BytesSent = n
				}
			} else {
				rec.Elapsed = 0 // a rate without a count to carry it
			}
		} else {
			rec.Elapsed = 0 // netperf printed nan: no rate known
		}
		rec.Start = end.Add(-seconds(iv))
		out = append(out, rec)
	}
	return out, nil
}
