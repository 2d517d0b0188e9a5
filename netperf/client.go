package netperf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"nperf/result"
	"nperf/stats"
)

// DefaultPort is netserver's control port.
const DefaultPort = 12865

// controlTimeout bounds each wait for a control message, as netperf's
// 120 s select does.
const controlTimeout = 120 * time.Second

// A Client runs tests against a netserver-compatible server: stock
// netserver 2.7 or nperf's Server.
type Client struct {
	// Interval is the period of interval Records; 0 sends none.
	Interval time.Duration
	// Emit receives interval Records as they are measured, from a
	// goroutine of the Client; it must not block for long.
	Emit func(*result.Record)
	// Connected, when set, is called once the control connection is up,
	// before the test starts: netperf prints its banner there, so that a
	// failed connection prints only the error.
	Connected func()
	// Ready, when set, is called once the control connection is up and
	// before the test request; it may block (a start barrier shared by
	// many instances). An error ends the test before any data moves.
	Ready func() error
	// RunID, Instance and Host are copied into every Record.
	RunID    string
	Instance int
	Host     string
	// Shared says that other tests run in this process at the same time
	// (multi): the data loops then wait for the peer in the runtime's
	// netpoller from the start rather than on a thread of their own (see
	// pingPong), so that all instances are served alike.
	Shared bool

	// noLatency skips the latency histograms, for the benchmark that
	// measures what recording every round trip costs.
	noLatency bool
}

// shape is what a test name means on the wire.
type shape struct {
	udp       bool
	direction uint32 // server's view
	rr        bool
	connect   bool
}

var shapes = map[string]shape{
	"TCP_STREAM": {direction: dirRecv},
	"TCP_MAERTS": {direction: dirXmit},
	"TCP_RR":     {direction: dirRecv | dirXmit, rr: true},
	"TCP_CRR":    {direction: dirRecv | dirXmit, rr: true, connect: true},
	"UDP_STREAM": {udp: true, direction: dirRecv},
	"UDP_RR":     {udp: true, direction: dirRecv | dirXmit, rr: true},
}

// KnownTest reports whether nperf runs the named test.
func KnownTest(name string) bool { _, ok := shapes[name]; return ok }

// Run runs one test and returns its Final record. It always returns a
// record: on failure the record carries Err and whatever was measured
// before the failure. Cancelling ctx ends the data phase early; the record
// then holds what was measured so far, marked interrupted.
func (c *Client) Run(ctx context.Context, spec *result.Spec) *result.Record {
	rec := &result.Record{
		Run: c.RunID, Test: spec.Test, Instance: c.Instance, Host: c.Host,
		Peer: Addr(spec.Host, spec.Port), Final: true, Start: time.Now(), Spec: spec,
	}
	if err := c.run(ctx, spec, rec); err != nil {
		var re *result.Error
		if !errors.As(err, &re) {
			re = &result.Error{Kind: result.ErrProtocol, Message: err.Error()}
		}
		rec.Err = re
	}
	return rec
}

func kindErr(kind, format string, args ...any) *result.Error {
	return &result.Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// resolve finds the server address in the requested family.
func resolve(ctx context.Context, host, family string) (netip.Addr, error) {
	network := "ip"
	switch family {
	case "inet":
		network = "ip4"
	case "inet6":
		network = "ip6"
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return a.Unmap(), nil
	}
	// getaddrinfo answers "localhost" in both families even when
	// /etc/hosts lists only one; Go's resolver does not.
	if strings.EqualFold(host, "localhost") {
		if family == "inet6" {
			return netip.IPv6Loopback(), nil
		}
		if family == "inet" {
			return netip.AddrFrom4([4]byte{127, 0, 0, 1}), nil
		}
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, network, host)
	if err != nil {
		return netip.Addr{}, err
	}
	if len(addrs) == 0 {
		return netip.Addr{}, fmt.Errorf("no %s address for %s", network, host)
	}
	return addrs[0].Unmap(), nil
}

func (c *Client) run(ctx context.Context, spec *result.Spec, rec *result.Record) error {
	sh, ok := shapes[spec.Test]
	if !ok {
		return kindErr(result.ErrProtocol, "unknown test %q", spec.Test)
	}
	port := spec.Port
	if port == 0 {
		port = DefaultPort
	}
	addr, err := resolve(ctx, spec.Host, spec.Family)
	if err != nil {
		return kindErr(result.ErrControlConnect, "cannot resolve %s: %v", spec.Host, err)
	}
	rec.Peer = netip.AddrPortFrom(addr, uint16(port)).String()
	d := net.Dialer{Timeout: 30 * time.Second}
	var local netip.Addr
	if spec.LocalHost != "" {
		if local, err = resolve(ctx, spec.LocalHost, spec.Family); err != nil {
			return kindErr(result.ErrControlConnect, "cannot resolve local address %s: %v", spec.LocalHost, err)
		}
		d.LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(local, 0))
	}
	ctrl, err := d.DialContext(ctx, "tcp", rec.Peer)
	if err != nil {
		return kindErr(result.ErrControlConnect, "cannot reach a netserver on %s port %d: %v", spec.Host, port, causeOf(err))
	}
	defer ctrl.Close()
	serverHere, unregister := registerClient(ctrl)
	defer unregister()
	if c.Connected != nil {
		c.Connected()
	}
	// The start barrier comes before the test request: a server starts
	// its test timer when it answers, so an instance held at a barrier
	// after that would lose the server's padding to its slowest peer.
	if c.Ready != nil {
		if err := c.Ready(); err != nil {
			if ctxEnded(ctx) {
				return kindErr(result.ErrInterrupted, "stopped before the test started")
			}
			return kindErr(result.ErrData, "before the test started: %v", err)
		}
	}

	if spec.IterationsMax > 1 {
		err = c.runConfidence(ctx, spec, sh, rec, ctrl, addr, local, serverHere)
	} else {
		t := &clientTest{c: c, spec: spec, sh: sh, rec: rec, ctrl: ctrl, server: addr, local: local, serverHere: serverHere}
		err = t.run(ctx)
	}
	// Close the control connection the way netperf does: half-close and
	// wait briefly for the server to close its side.
	if tc, ok := ctrl.(*net.TCPConn); ok && err == nil {
		tc.CloseWrite()
		ctrl.SetReadDeadline(time.Now().Add(5 * time.Second))
		drain(ctrl)
	}
	return err
}

// ctxEnded reports whether ctx is done or past its deadline; a dial can
// fail on the deadline a moment before ctx itself reports it.
func ctxEnded(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// causeOf strips Go's "dial tcp 1.2.3.4:5:" prefix, leaving "connection refused".
func causeOf(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		var se *os.SyscallError
		if errors.As(oe.Err, &se) {
			return se.Err
		}
		return oe.Err
	}
	return err
}

// clientTest is one test on one control connection.
type clientTest struct {
	c      *Client
	spec   *result.Spec
	sh     shape
	rec    *result.Record
	ctrl   net.Conn
	server netip.Addr
	local  netip.Addr
	// serverHere turns true when the server runs in this process.
	serverHere *atomic.Bool

	dataPort uint32 // ask for this data port: netperf repeats the last one in confidence runs
	seqBase  int    // first interval number: confidence iterations continue the count

	resp     omniResponse
	results  omniResults
	k        counters
	latency  *stats.Histogram
	sendSize int
	recvSize int

	mu   sync.Mutex
	data net.Conn // current data connection, for abort
	// interrupted is set under mu (so that setData sees it) and read
	// without it: a blocking data loop checks it before every call.
	interrupted atomic.Bool

	// ivLatency collects the round trips of the current interval; the
	// sampler takes it at each tick. Only used when intervals are emitted.
	ivMu      sync.Mutex
	ivLatency *stats.Histogram
}

// recordRTT records one round trip in the run's histogram and, when
// interval records are emitted, in the current interval's.
func (t *clientTest) recordRTT(d time.Duration) {
	if t.c.noLatency {
		return
	}
	t.latency.Record(d)
	if t.c.Interval > 0 && t.c.Emit != nil {
		t.ivMu.Lock()
		if t.ivLatency == nil {
			t.ivLatency = &stats.Histogram{}
		}
		t.ivLatency.Record(d)
		t.ivMu.Unlock()
	}
}

// takeIntervalLatency hands the current interval's histogram to the
// sampler and starts a new one.
func (t *clientTest) takeIntervalLatency() *stats.Histogram {
	t.ivMu.Lock()
	defer t.ivMu.Unlock()
	h := t.ivLatency
	t.ivLatency = nil
	return h
}

func family(a netip.Addr) (nf uint32, network string) {
	if a.Is4() {
		return nfInet, "4"
	}
	return nfInet6, "6"
}

func orDefault(v int) int32 {
	if v <= 0 {
		return -1
	}
	return int32(v)
}

func (t *clientTest) request(netperfPort int) *omniRequest {
	s := t.spec
	nf, _ := family(t.server)
	cpuBind := int32(-1)
	if s.RemoteCPUBind != nil {
		cpuBind = int32(*s.RemoteCPUBind)
	}
	r := &omniRequest{
		CPUBind:        cpuBind,
		SendBufSize:    orDefault(s.RemoteSendBuf),
		SendSize:       orDefault(s.RemoteSendSize),
		SendAlignment:  8,
		RequestSize:    -1,
		RecvBufSize:    orDefault(s.RemoteRecvBuf),
		ReceiveSize:    orDefault(s.RemoteRecvSize),
		RecvAlignment:  8,
		ResponseSize:   -1,
		SendDirtyCount: -1,
		RecvDirtyCount: -1,
		RecvCleanCount: -1,
		DataPort:       uint32(s.RemoteDataPort),
		IPFamily:       nf,
		SocketType:     nstStream,
		Protocol:       protoTCP,
		Direction:      t.sh.direction,
		NetperfPort:    uint32(netperfPort),
		SocketPrio:     -1,
		SocketTOS:      -1,
		Flags:          flagRoutingAllowed,
	}
	if t.dataPort != 0 {
		r.DataPort = t.dataPort
	}
	if t.sh.udp {
		r.SocketType, r.Protocol = nstDgram, protoUDP
	}
	if t.spec.Test == "UDP_STREAM" {
		r.Flags = 0 // netperf: UDP_STREAM traffic is not routed unless -R
	}
	if t.sh.rr {
		r.RequestSize, r.ResponseSize = int32(t.reqSize()), int32(t.rspSize())
		r.SendWidth, r.RecvWidth = 1, 1
	} else {
		r.SendWidth = 2
	}
	if t.sh.connect {
		r.Flags |= flagConnectTest
	}
	if s.NoDelay {
		r.Flags |= flagNoDelay
	}
	if s.RemoteCPU {
		r.Flags |= flagMeasureCPU
	}
	if s.LengthSeconds > 0 {
		r.TestLength = int32(s.LengthSeconds)
	} else if s.LengthUnits > 0 {
		r.TestLength = -int32(min(s.LengthUnits, 1<<31-1))
	}
	return r
}

func (t *clientTest) reqSize() int {
	if t.spec.RequestSize > 0 {
		return t.spec.RequestSize
	}
	return 1
}

func (t *clientTest) rspSize() int {
	if t.spec.ResponseSize > 0 {
		return t.spec.ResponseSize
	}
	return 1
}

func (t *clientTest) run(ctx context.Context) error {
	_, fam := family(t.server)
	opts := sockOpts{sendBuf: t.spec.LocalSendBuf, recvBuf: t.spec.LocalRecvBuf, noDelay: t.spec.NoDelay}
	localData := netip.AddrPortFrom(t.localOrWildcard(), uint16(t.spec.LocalDataPort))

	// UDP: the data socket exists before the request, so that its port
	// can go in netperf_port, as netperf does.
	var udp *net.UDPConn
	netperfPort := 0
	if t.sh.udp {
		lc := net.ListenConfig{Control: opts.control}
		pc, err := lc.ListenPacket(ctx, "udp"+fam, localData.String())
		if err != nil {
			return kindErr(result.ErrDataConnect, "local data socket %s: %v", localData, causeOf(err))
		}
		udp = pc.(*net.UDPConn)
		defer udp.Close()
		netperfPort = udp.LocalAddr().(*net.UDPAddr).Port
	}

	var m message
	t.request(netperfPort).encode(&m)
	// Until the server has answered, an interrupt has nothing to keep:
	// it ends the wait for the answer.
	stopWait := context.AfterFunc(ctx, func() { t.ctrl.SetReadDeadline(time.Unix(1, 0)) })
	err := t.exchange(&m, false)
	if !stopWait() || ctxEnded(ctx) {
		return kindErr(result.ErrInterrupted, "stopped while waiting for the server to accept the test")
	}
	if err != nil {
		return err
	}
	t.resp.decode(&m)
	if t.resp.ServErrno != 0 {
		return kindErr(result.ErrRemote, "server refused the test: remote error %d: %s", t.resp.ServErrno, syscall.Errno(t.resp.ServErrno))
	}
	dataAddr := netip.AddrPortFrom(t.server, uint16(t.resp.DataPort))
	t.rec.Detail = &result.Detail{
		RemoteRecvBufStart: int(t.resp.RecvBufSize), RemoteSendBufStart: int(t.resp.SendBufSize),
		RemoteSendSize: int(t.resp.SendSize), RemoteRecvSize: int(t.resp.ReceiveSize),
		RemoteAddr: dataAddr.String(),
	}

	var cpuStart cpuTimes
	if t.spec.LocalCPU {
		cpuStart, _ = readCPUTimes()
	}
	stopAbort := context.AfterFunc(ctx, t.abort)
	defer stopAbort()

	var runErr error
	var start, end time.Time
	if t.sh.udp {
		start, end, runErr = t.runUDP(udp, dataAddr)
	} else {
		start, end, runErr = t.runTCP(ctx, opts, localData, dataAddr)
	}
	if runErr != nil && !t.isInterrupted() {
		// The server may be waiting for an end marker it will not get;
		// closing the control connection ends its session.
		t.fillLocal(start, end, cpuStart)
		serviceDemands(t.rec)
		return runErr
	}
	t.fillLocal(start, end, cpuStart)

	// Results: CRR servers answer only after their padded timer, which an
	// interrupted run does not wait for: the local counts are the result.
	if t.sh.connect && t.isInterrupted() {
		serviceDemands(t.rec)
		return kindErr(result.ErrInterrupted, "stopped after %.2f s (no server counts: a %s server reports only at its own timer)", t.rec.Elapsed.Seconds(), t.spec.Test)
	}
	if err := t.exchange(&m, true); err != nil {
		if t.isInterrupted() {
			return kindErr(result.ErrInterrupted, "stopped after %.2f s; the server sent no results: %v", t.rec.Elapsed.Seconds(), err)
		}
		return err
	}
	t.results.decode(&m)
	if t.results.ServErrno != 0 {
		return kindErr(result.ErrRemote, "server failed during the test: remote error %d: %s", t.results.ServErrno, syscall.Errno(t.results.ServErrno))
	}
	t.fillRemote()
	serviceDemands(t.rec)
	if t.isInterrupted() {
		return kindErr(result.ErrInterrupted, "stopped after %.2f s", t.rec.Elapsed.Seconds())
	}
	return nil
}

func (t *clientTest) localOrWildcard() netip.Addr {
	if t.local.IsValid() {
		return t.local
	}
	if t.server.Is4() {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

// exchange sends m (unless results) and reads the next message into m.
func (t *clientTest) exchange(m *message, results bool) error {
	if !results {
		t.ctrl.SetWriteDeadline(time.Now().Add(controlTimeout))
		if _, err := t.ctrl.Write(m[:]); err != nil {
			return kindErr(result.ErrProtocol, "sending the test request: %v", err)
		}
	}
	wait := controlTimeout
	if results {
		wait += padTime
	}
	if t.isInterrupted() {
		wait = padTime + 2*time.Second
	}
	t.ctrl.SetReadDeadline(time.Now().Add(wait))
	if err := readMessage(t.ctrl, m); err != nil {
		what := "the test response"
		if results {
			what = "the test results"
		}
		switch {
		case isTimeout(err):
			return kindErr(result.ErrTimeout, "no answer from the server for %v waiting for %s", wait, what)
		case err == io.EOF:
			return kindErr(result.ErrProtocol, "server closed the control connection before %s", what)
		}
		return kindErr(result.ErrProtocol, "reading %s: %v", what, err)
	}
	return nil
}

// abort ends the data phase now (Ctrl-C or ctx cancelled).
func (t *clientTest) abort() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.interrupted.Store(true)
	if t.data != nil {
		t.data.SetDeadline(time.Unix(1, 0))
	}
}

func (t *clientTest) isInterrupted() bool {
	return t.interrupted.Load()
}

func (t *clientTest) setData(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.data = c
	if t.interrupted.Load() && c != nil {
		c.SetDeadline(time.Unix(1, 0))
	}
	return !t.interrupted.Load()
}

// endTime is when a timed test ends; zero for count-based tests.
func (t *clientTest) endTime(start time.Time) time.Time {
	if t.spec.LengthSeconds > 0 {
		return start.Add(time.Duration(t.spec.LengthSeconds) * time.Second)
	}
	return time.Time{}
}

func (t *clientTest) runTCP(ctx context.Context, opts sockOpts, local, server netip.AddrPort) (start, end time.Time, err error) {
	var initial [2]int
	opts.initial = &initial
	d := net.Dialer{Timeout: 30 * time.Second, Control: opts.control, LocalAddr: net.TCPAddrFromAddrPort(local)}
	dial := func() (*net.TCPConn, error) {
		c, err := d.DialContext(ctx, "tcp", server.String())
		if err != nil && ctxEnded(ctx) {
			t.abort() // the interrupt may reach us before its AfterFunc runs
			return nil, errAborted
		}
		if err != nil {
			return nil, kindErr(result.ErrDataConnect, "data connection to %s: %v", server, causeOf(err))
		}
		tc := c.(*net.TCPConn)
		tc.SetNoDelay(t.spec.NoDelay)
		return tc, nil
	}
	if t.sh.connect {
		// CRR: a fresh connection per transaction, from an OS-chosen port.
		return t.tcpCRR(newCRRDialer(server, local, opts, time.Time{}, t.isInterrupted), &initial)
	}
	conn, err := dial()
	if err != nil {
		return time.Now(), time.Now(), err
	}
	defer func() { conn.Close() }() // the RR loop may replace conn
	t.setData(conn)
	defer t.setData(nil)
	sb, rb := initial[0], initial[1]
	t.rec.Detail.LocalSendBufStart, t.rec.Detail.LocalRecvBufStart = sb, rb
	t.rec.Detail.LocalAddr = conn.LocalAddr().String()

	sampler := t.startSampler()
	start = time.Now()
	sampler.begin(start)
	until := t.endTime(start)
	if !until.IsZero() {
		conn.SetDeadline(until)
	}
	if t.isInterrupted() {
		conn.SetDeadline(time.Unix(1, 0))
	}
	conn, err = withLoop(conn, t.loopOpts(until), func(p *pingPong) error {
		switch {
		case t.sh.rr:
			return t.tcpRRLoop(p, until)
		case t.sh.direction == dirRecv:
			t.sendSize = t.spec.SendSize
			if t.sendSize <= 0 {
				t.sendSize = chooseSendSize(sb, false)
			}
			return sendStream(p, fillBuffer(t.sendSize), &t.k, uint64(t.spec.LengthUnits), until)
		}
		t.recvSize = t.spec.RecvSize
		if t.recvSize <= 0 {
			t.recvSize = rb
		}
		if t.recvSize <= 0 {
			t.recvSize = 4096
		}
		err := recvStream(p, make([]byte, t.recvSize), &t.k, uint64(t.spec.LengthUnits), until)
		if err == io.EOF {
			err = nil // the server's timer ended the test
		}
		return err
	})
	t.setData(conn)
	end = time.Now()
	sampler.stop(end)
	if isTimeout(err) {
		err = nil
	}
	if err != nil && !t.isInterrupted() {
		return start, end, kindErr(result.ErrData, "data connection: %v", err)
	}
	// End of test: half-close, then read until the server closes.
	t.rec.Detail.LocalSendBufBytes, t.rec.Detail.LocalRecvBufBytes = bufSizes(conn)
	cong, mss, retrans := tcpFacts(conn)
	t.rec.Detail.MSS, t.rec.Detail.LocalCongestionControl, t.rec.Detail.LocalRetransmits = mss, cong, &retrans
	if t.isInterrupted() && t.sh.direction == dirXmit {
		// A MAERTS server sends until its own timer; reset the
		// connection so that it stops now and reports.
		conn.SetLinger(0)
		return start, end, nil
	}
	conn.CloseWrite()
	conn.SetDeadline(time.Now().Add(padTime + 2*time.Second))
	drain(conn)
	return start, end, nil
}

// shared says that the data loop must wait in the netpoller: other tests
// run in this process (Client.Shared), or the server does (see
// inprocess.go).
func (t *clientTest) shared() bool {
	return t.c.Shared || t.serverHere.Load()
}

// loopOpts are the ways the data loops may go; busy polling is for the
// request/response tests.
func (t *clientTest) loopOpts(until time.Time) loopOpts {
	return loopOpts{
		spin: t.spec.BusyPoll && t.sh.rr, noBlock: t.shared(), until: until, stop: t.isInterrupted,
		swap: func(c dataConn) {
			if !until.IsZero() {
				c.SetDeadline(until)
			}
			t.setData(c)
		},
	}
}

func (t *clientTest) tcpRRLoop(p *pingPong, until time.Time) error {
	t.sendSize, t.recvSize = t.reqSize(), t.rspSize()
	req := fillBuffer(t.sendSize)
	rsp := make([]byte, t.recvSize)
	t.latency = stats.NewHistogram()
	limit := uint64(t.spec.LengthUnits)
	fl := newInflight(t.spec.Burst + 1)
	for i := 0; i < t.spec.Burst; i++ { // netperf's first burst
		fl.push(time.Now())
		if err := p.writeAll(req, &t.k); err != nil {
			return err
		}
	}
	for limit == 0 || t.k.trans.Load() < limit {
		t0 := time.Now()
		if !until.IsZero() && !t0.Before(until) {
			return nil
		}
		fl.push(t0)
		if err := p.writeAll(req, &t.k); err != nil {
			return err
		}
		if err := p.readFull(rsp, &t.k); err != nil {
			return err
		}
		t.recordRTT(time.Since(fl.pop()))
		t.k.trans.Add(1)
	}
	return nil
}

// inflight holds the send times of requests still waiting for their
// response, oldest first, so that with a first burst each round trip is
// timed from its own request. It has Burst+1 slots and allocates nothing
// per transaction.
type inflight struct {
	at      []time.Time
	head, n int
}

func newInflight(size int) *inflight { return &inflight{at: make([]time.Time, size)} }

func (f *inflight) push(t time.Time) {
	f.at[(f.head+f.n)%len(f.at)] = t
	f.n++
}

func (f *inflight) pop() time.Time {
	t := f.at[f.head]
	f.head = (f.head + 1) % len(f.at)
	f.n--
	return t
}

// tcpCRR connects, sends a request, reads the response and closes, once
// per transaction. The server closes first, so TIME_WAIT stays there.
func (t *clientTest) tcpCRR(d *crrDialer, initial *[2]int) (start, end time.Time, err error) {
	t.sendSize, t.recvSize = t.reqSize(), t.rspSize()
	req := fillBuffer(t.sendSize)
	rsp := make([]byte, t.recvSize)
	t.latency = stats.NewHistogram()
	limit := uint64(t.spec.LengthUnits)
	slot := enterLoop(!t.shared())
	defer slot.leave()
	sampler := t.startSampler()
	start = time.Now()
	sampler.begin(start)
	d.until = t.endTime(start)
	for limit == 0 || t.k.trans.Load() < limit {
		t0 := time.Now()
		if !d.until.IsZero() && !t0.Before(d.until) || t.isInterrupted() {
			break
		}
		if slot.crowded() {
			slot.drop()
		}
		d.raw = slot.thread
		e := d.transaction(req, rsp, &t.k, initial)
		if e == errCRRStop {
			break
		}
		if e != nil {
			err = kindErr(result.ErrData, "data connection to %s: %v", t.rec.Detail.RemoteAddr, e)
			if t.k.trans.Load() == 0 {
				err = kindErr(result.ErrDataConnect, "data connection to %s: %v", t.rec.Detail.RemoteAddr, e)
			}
			break
		}
		t.recordRTT(time.Since(t0))
		t.k.trans.Add(1)
	}
	end = time.Now()
	sampler.stop(end)
	det := t.rec.Detail
	det.LocalSendBufStart, det.LocalRecvBufStart = initial[0], initial[1]
	det.LocalSendBufBytes, det.LocalRecvBufBytes = initial[0], initial[1]
	return start, end, err
}

func (t *clientTest) runUDP(c *net.UDPConn, server netip.AddrPort) (start, end time.Time, err error) {
	t.setData(c)
	defer t.setData(nil)
	sb, rb := bufSizes(c)
	t.rec.Detail.LocalSendBufStart, t.rec.Detail.LocalRecvBufStart = sb, rb
	t.rec.Detail.LocalAddr = c.LocalAddr().String()
	sampler := t.startSampler()
	start = time.Now()
	sampler.begin(start)
	until := t.endTime(start)
	if !until.IsZero() {
		c.SetDeadline(until)
	}
	if t.isInterrupted() {
		c.SetDeadline(time.Unix(1, 0))
	}
	c, err = withLoop(c, t.loopOpts(until), func(p *pingPong) error {
		if t.sh.rr {
			return t.udpRRLoop(p, server, until)
		}
		t.sendSize = t.spec.SendSize
		if t.sendSize <= 0 {
			t.sendSize = chooseSendSize(sb, true)
		}
		return t.udpStream(p, server, fillBuffer(t.sendSize), until)
	})
	t.setData(c)
	defer c.Close()
	end = time.Now()
	sampler.stop(end)
	if isTimeout(err) {
		err = nil
	}
	t.rec.Detail.LocalSendBufBytes, t.rec.Detail.LocalRecvBufBytes = bufSizes(c)
	// End of test: netperf sends three empty datagrams; any one ends the
	// server's loop.
	c.SetDeadline(time.Time{})
	for i := 0; i < 3; i++ {
		c.WriteToUDPAddrPort(nil, server)
	}
	if err != nil && !t.isInterrupted() {
		return start, end, kindErr(result.ErrData, "data socket: %v", err)
	}
	return start, end, nil
}

func (t *clientTest) udpStream(p *pingPong, server netip.AddrPort, buf []byte, until time.Time) error {
	p.setPeer(server)
	limit := uint64(t.spec.LengthUnits)
	due := startDeadline(until) // a flag, not the clock, per send (see deadline)
	defer due.stop()
	for limit == 0 || t.k.sent.Load() < limit {
		if due.passed() {
			return nil
		}
		n, err := p.send(buf)
		if err != nil {
			if errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ECONNREFUSED) {
				t.k.sendCalls.Add(1)
				t.k.failedSends.Add(1)
				continue
			}
			return err // the deadline's cut-off write is not a send
		}
		t.k.sendCalls.Add(1)
		t.k.sent.Add(uint64(n))
	}
	return nil
}

func (t *clientTest) udpRRLoop(p *pingPong, server netip.AddrPort, until time.Time) error {
	t.sendSize, t.recvSize = t.reqSize(), t.rspSize()
	req := fillBuffer(t.sendSize)
	rsp := make([]byte, max(t.recvSize, maxUDPPayload))
	t.latency = stats.NewHistogram()
	p.setPeer(server)
	limit := uint64(t.spec.LengthUnits)
	fl := newInflight(t.spec.Burst + 1)
	send := func(at time.Time) error {
		fl.push(at)
		n, err := p.send(req)
		t.k.sendCalls.Add(1)
		t.k.sent.Add(uint64(n))
		return err
	}
	for i := 0; i < t.spec.Burst; i++ { // netperf's first burst
		if err := send(time.Now()); err != nil {
			return err
		}
	}
	for limit == 0 || t.k.trans.Load() < limit {
		t0 := time.Now()
		if !until.IsZero() && !t0.Before(until) {
			return nil
		}
		if err := send(t0); err != nil {
			return err
		}
		n, err := p.recv(rsp)
		t.k.recvCalls.Add(1)
		if err != nil {
			return err
		}
		t.k.recv.Add(uint64(n))
		t.recordRTT(time.Since(fl.pop()))
		t.k.trans.Add(1)
	}
	return nil
}

// fillLocal puts this side's measurements into the Final record.
func (t *clientTest) fillLocal(start, end time.Time, cpuStart cpuTimes) {
	r := t.rec
	if !start.IsZero() {
		r.Start = start
		r.Elapsed = end.Sub(start)
	}
	r.BytesSent, r.BytesRecv, r.Transactions = t.k.sent.Load(), t.k.recv.Load(), t.k.trans.Load()
	r.Latency = t.latency
	d := r.Detail
	if d == nil {
		return
	}
	d.SendSize, d.RecvSize = t.sendSize, t.recvSize
	d.SendCalls, d.RecvCalls, d.FailedSends = t.k.sendCalls.Load(), t.k.recvCalls.Load(), t.k.failedSends.Load()
	if t.spec.LocalCPU {
		cpuEnd, err := readCPUTimes()
		if err == nil {
			u := utilBetween(cpuStart, cpuEnd)
			r.CPU = &result.CPUUsage{Local: t.cpuSide(u)}
		}
	}
}

func (t *clientTest) cpuSide(u cpuUtil) *result.CPUSide {
	s := &result.CPUSide{
		UtilPercent: u.util, UserPercent: u.user, SystemPercent: u.system,
		IOWaitPercent: u.iowait, IRQPercent: u.irq, SoftIRQPercent: u.softirq,
		NumCPUs: u.numCPUs, Method: "S",
	}
	return s
}

// serviceDemands fills in service demand once every count is known: for
// send tests it depends on the receiver's byte count.
func serviceDemands(r *result.Record) {
	if r.CPU == nil {
		return
	}
	for _, s := range []*result.CPUSide{r.CPU.Local, r.CPU.Remote} {
		if s != nil {
			s.ServiceDemandUS, s.ServiceDemandUnit = serviceDemand(r, s.UtilPercent, s.NumCPUs)
		}
	}
}

// serviceDemand is netperf's: CPU microseconds spent per KB (1024 bytes)
// moved, or per transaction for request/response tests, across all CPUs.
func serviceDemand(r *result.Record, utilPercent float64, ncpu int) (float64, string) {
	busyUS := utilPercent / 100 * float64(ncpu) * r.Elapsed.Seconds() * 1e6
	if result.IsStream(r.Test) {
		kb := float64(r.PayloadBytes()) / 1024
		if r.Test == "UDP_STREAM" {
			// netperf: both sides' service demand per KB sent, lost
			// datagrams included: the CPU was spent on them.
			kb = float64(r.BytesSent) / 1024
		}
		if kb == 0 {
			return 0, "KB"
		}
		return busyUS / kb, "KB"
	}
	if r.Transactions == 0 {
		return 0, "Tran"
	}
	return busyUS / float64(r.Transactions), "Tran"
}

// fillRemote adds what the server reported.
func (t *clientTest) fillRemote() {
	r, res, d := t.rec, &t.results, t.rec.Detail
	r.RemoteBytesRecv, r.RemoteBytesSent = res.bytesReceived(), res.bytesSent()
	d.RemoteRecvBufBytes, d.RemoteSendBufBytes = int(res.RecvBufSize), int(res.SendBufSize)
	d.RemoteRecvCalls, d.RemoteSendCalls = uint64(res.RecvCalls), uint64(res.SendCalls)
	d.RemoteTransactions = uint64(res.TransReceived)
	d.RemoteElapsed = time.Duration(float64(res.ElapsedTime) * float64(time.Second))
	d.CongestionControl = res.CongControl
	if res.TransportRetrans > 0 {
		d.RemoteRetransmits = uint64(res.TransportRetrans)
	}
	// CPU fields are stale garbage unless the server agreed to measure.
	if t.spec.RemoteCPU && t.resp.Flags&flagMeasureCPU != 0 {
		u := cpuUtil{
			util: float64(res.CPUUtil), user: float64(res.CPUPercentUser), system: float64(res.CPUPercentSystem),
			iowait: float64(res.CPUPercentIOWait), irq: float64(res.CPUPercentIRQ), softirq: float64(res.CPUPercentSwIntr),
			numCPUs: int(res.NumCPUs),
		}
		if u.numCPUs <= 0 {
			u.numCPUs = 1
		}
		if r.CPU == nil {
			r.CPU = &result.CPUUsage{}
		}
		r.CPU.Remote = t.cpuSide(u)
		if res.CPUMethod != cpuMethodProcStat {
			r.CPU.Remote.Method = "U"
		}
	}
}
