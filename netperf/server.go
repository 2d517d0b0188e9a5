package netperf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// padTime is how long netserver waits beyond the test length before it
// gives up on the end-of-test signal (netperf's PAD_TIME).
const padTime = 4 * time.Second

// maxMessageBytes bounds the sizes a request may ask for, so that a
// malformed or hostile request cannot make the server allocate gigabytes.
const maxMessageBytes = 64 << 20

// A Server is a netserver-compatible daemon: stock netperf 2.7 clients and
// nperf's Client test against it. Each control connection is an
// independent session; a session that fails ends alone, with its reason
// passed to Logf, and the server keeps serving.
type Server struct {
	// Logf receives one line per session event worth knowing (a session
	// that ended with an error). Nil discards them.
	Logf func(format string, args ...any)

	mu       sync.Mutex
	sessions map[net.Conn]struct{}
	pin      serverPin // under mu
	wg       sync.WaitGroup
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// Serve accepts control connections on ln until ctx is done or ln fails,
// Listen opens a control listener as netserver's: plain TCP. Go's own
// net.Listen makes Multipath TCP listeners where the kernel has them, whose
// accept path differs from TCP's (it ignores socket timeouts, for one).
func Listen(network, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	return lc.Listen(context.Background(), network, addr)
}

// then closes every session and waits for them to end.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	defer s.closeSessions()
	var tempDelay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			// Out of file descriptors and the like: back off, keep serving.
			if tempDelay == 0 {
				tempDelay = 5 * time.Millisecond
			} else if tempDelay < time.Second {
				tempDelay *= 2
			}
			s.logf("accept: %v", err)
			time.Sleep(tempDelay)
			continue
		}
		tempDelay = 0
		s.track(c, true)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.track(c, false)
			defer c.Close()
			if err := s.ServeConn(ctx, c); err != nil {
				s.logf("session %s: %v", c.RemoteAddr(), err)
			}
		}()
	}
}

func (s *Server) track(c net.Conn, add bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions == nil {
		s.sessions = map[net.Conn]struct{}{}
	}
	if add {
		s.sessions[c] = struct{}{}
		s.unpinLocked() // a pinned session shares the process from now on
	} else {
		delete(s.sessions, c)
	}
}

func (s *Server) closeSessions() {
	s.mu.Lock()
	for c := range s.sessions {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// ServeConn runs one control session until the client closes it. It
// returns nil for a clean close and the reason otherwise; it never panics
// on what the client sends.
func (s *Server) ServeConn(ctx context.Context, ctrl net.Conn) error {
	var m message
	for {
		if err := readMessage(ctrl, &m); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		switch t := m.typ(); t {
		case typeDoOmni:
			var req omniRequest
			req.decode(&m)
			if req.CPUBind >= 0 {
				// netperf -T ,N: run this session on CPU N. The thread stays
				// locked, so it ends with the session; the rest of the
				// process may follow it (pinWholeProcess).
				release, err := s.bindSession(int(req.CPUBind), func() bool {
					return pinWholeProcess(&req, len(s.sessions), clientInProcess(ctrl))
				})
				defer release()
				if err != nil {
					s.logf("session %s: cannot bind to CPU %d: %v", ctrl.RemoteAddr(), req.CPUBind, err)
				}
			}
			if err := s.omni(ctx, ctrl, &req); err != nil {
				return err
			}
		case typeDebugOn, typeDebugOff:
			encodeErrorReply(&m, typeDebugOK, 0)
			if _, err := ctrl.Write(m[:]); err != nil {
				return err
			}
		case typeCPUCalibrate:
			// Word 0: the CPU rate netperf would use (clock ticks for
			// /proc/stat), word 1: the number of CPUs.
			var rate float32 = 100
			ncpu := uint32(runtime.NumCPU())
			encodeErrorReply(&m, typeCPUCalibrate, 0)
			encodeFields(&m, []field{{"cpu_rate", &rate, 0}, {"num_cpus", &ncpu, 0}})
			if _, err := ctrl.Write(m[:]); err != nil {
				return err
			}
		case typePassphrase:
			// netserver without -Z ignores it and sends no reply.
		case typeDoSysinfo:
			encodeErrorReply(&m, typeSysinfoReply, 0)
			copy(m[8:], ",Deprecated,Deprecated,Deprecated,Deprecated")
			if _, err := ctrl.Write(m[:]); err != nil {
				return err
			}
		default:
			encodeErrorReply(&m, 0, errnoUnknownType)
			if _, err := ctrl.Write(m[:]); err != nil {
				return err
			}
			return fmt.Errorf("unknown request type %d", t)
		}
	}
}

// sessionError is a failure the server reports to the client through
// serv_errno before it ends the session.
type sessionError struct {
	errno int32
	err   error
}

func (e *sessionError) Error() string { return e.err.Error() }

func fail(errno syscall.Errno, format string, args ...any) *sessionError {
	return &sessionError{errno: int32(errno), err: fmt.Errorf(format, args...)}
}

// omni serves one DO_OMNI request: set up the data socket, answer with its
// port, run the data phase, send the results.
func (s *Server) omni(ctx context.Context, ctrl net.Conn, req *omniRequest) error {
	t, err := s.setup(ctrl, req)
	if err != nil {
		var se *sessionError
		if !errors.As(err, &se) {
			se = &sessionError{errno: errnoOf(err), err: err}
		}
		var m message
		encodeErrorReply(&m, typeOmniResponse, se.errno)
		ctrl.Write(m[:])
		return fmt.Errorf("DO_OMNI: %w", se.err)
	}
	defer t.close()

	var m message
	t.resp.encode(&m)
	if _, err := ctrl.Write(m[:]); err != nil {
		return err
	}
	var cpuStart cpuTimes
	if t.measureCPU {
		cpuStart, _ = readCPUTimes()
	}
	start := time.Now()

	// While the data phase runs, the client says nothing on the control
	// connection; if it closes it, it has gone away and so does the test.
	watch := make(chan error, 1)
	go func() {
		var one [1]byte
		_, err := ctrl.Read(one[:])
		if err == nil {
			err = errors.New("client sent control data during the data phase")
		}
		t.abort()
		watch <- err
	}()
	stopCtx := context.AfterFunc(ctx, t.abort)

	runErr := t.run()
	end := time.Now()

	stopCtx()
	ctrl.SetReadDeadline(time.Unix(1, 0))
	werr := <-watch
	ctrl.SetReadDeadline(time.Time{})
	if !isTimeout(werr) {
		return fmt.Errorf("data phase: %w", werr)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if runErr != nil {
		encodeErrorReply(&m, typeOmniResults, errnoOf(runErr))
		ctrl.Write(m[:])
		return fmt.Errorf("data phase: %w", runErr)
	}

	elapsed := end.Sub(start)
	if t.endedByTimer && t.padded {
		elapsed -= padTime
	}
	res := &t.results
	res.ElapsedTime = float32(elapsed.Seconds())
	res.BytesReceivedHi, res.BytesReceivedLo = split64(t.c.recv.Load())
	res.BytesSentHi, res.BytesSentLo = split64(t.c.sent.Load())
	res.RecvCalls = uint32(t.c.recvCalls.Load())
	res.SendCalls = uint32(t.c.sendCalls.Load())
	res.TransReceived = uint32(t.c.trans.Load())
	res.ServDem = -1
	res.PeakCPUID = -1
	if t.measureCPU {
		cpuEnd, _ := readCPUTimes()
		u := utilBetween(cpuStart, cpuEnd)
		if t.endedByTimer && t.padded {
			// The readings bracket the padding the client never used;
			// netserver scales its figure to the test time the same way.
			u = u.scaled(end.Sub(start).Seconds() / elapsed.Seconds())
		}
		res.CPUUtil = float32(u.util)
		res.CPUPercentUser = float32(u.user)
		res.CPUPercentSystem = float32(u.system)
		res.CPUPercentIOWait = float32(u.iowait)
		res.CPUPercentIRQ = float32(u.irq)
		res.CPUPercentSwIntr = float32(u.softirq)
		res.CPUMethod = cpuMethodProcStat
		res.NumCPUs = uint32(u.numCPUs)
	} else {
		res.CPUUtil = -1
	}
	res.encode(&m)
	_, err = ctrl.Write(m[:])
	return err
}

// serverTest is the state of one data phase on the server.
type serverTest struct {
	req        *omniRequest
	resp       omniResponse
	results    omniResults
	measureCPU bool
	// clientHere: the client runs in this process (see inprocess.go).
	clientHere bool

	tcpLn *net.TCPListener
	udp   *net.UDPConn
	mu    sync.Mutex
	data  net.Conn // current TCP data connection
	// aborted is set under mu (so that accept and setData see it) and
	// read without it: a blocking data loop checks it before every call.
	aborted atomic.Bool

	deadline     time.Time // zero: count based, no timer
	padded       bool      // deadline includes padTime
	endedByTimer bool
	units        int64 // count-based end: bytes or transactions, 0 = none
	c            counters
}

func (s *Server) setup(ctrl net.Conn, req *omniRequest) (*serverTest, error) {
	t := &serverTest{req: req, measureCPU: req.Flags&flagMeasureCPU != 0, clientHere: clientInProcess(ctrl)}
	for _, v := range []int32{req.SendSize, req.ReceiveSize, req.RequestSize, req.ResponseSize} {
		if v > maxMessageBytes {
			return nil, fail(syscall.EINVAL, "message size %d above the %d limit", v, maxMessageBytes)
		}
	}
	var network string
	switch {
	case req.SocketType == nstStream && (req.Protocol == protoTCP || req.Protocol == 0):
		network = "tcp"
	case req.SocketType == nstDgram && (req.Protocol == protoUDP || req.Protocol == 0):
		network = "udp"
	default:
		return nil, fail(syscall.EPROTONOSUPPORT, "unsupported socket type %d protocol %d", req.SocketType, req.Protocol)
	}
	switch req.Direction {
	case dirRecv, dirXmit, dirRecv | dirXmit:
	default:
		return nil, fail(syscall.EINVAL, "unsupported direction %#x", req.Direction)
	}
	if network == "udp" && req.Direction == dirXmit {
		return nil, fail(syscall.EINVAL, "UDP send-only tests are not supported")
	}
	if req.Flags&flagConnectTest != 0 && (network != "tcp" || req.Direction != dirRecv|dirXmit) {
		return nil, fail(syscall.EINVAL, "connection tests need TCP request/response")
	}
	if req.Direction == dirRecv|dirXmit && (req.RequestSize <= 0 || req.ResponseSize <= 0) {
		return nil, fail(syscall.EINVAL, "request/response test with sizes %d,%d", req.RequestSize, req.ResponseSize)
	}

	// Address family and bind address: the requested netserver_ip, else
	// the wildcard of the requested family, else of the control connection.
	var bind netip.Addr
	switch req.IPFamily {
	case nfInet:
		network += "4"
		bind = netip.IPv4Unspecified()
	case nfInet6:
		network += "6"
		bind = netip.IPv6Unspecified()
	case nfUnspec:
		if ap, err := netip.ParseAddrPort(ctrl.LocalAddr().String()); err == nil && ap.Addr().Unmap().Is4() {
			network += "4"
			bind = netip.IPv4Unspecified()
		} else {
			network += "6"
			bind = netip.IPv6Unspecified()
		}
	default:
		return nil, fail(syscall.EAFNOSUPPORT, "unsupported address family %d", req.IPFamily)
	}
	if a := wordsAddr(req.NetserverIP, req.IPFamily); a.IsValid() {
		bind = a
	}
	port := uint16(req.DataPort)
	if req.DataPort > 65535 {
		port = 0
	}
	opts := sockOpts{sendBuf: int(req.SendBufSize), recvBuf: int(req.RecvBufSize), noDelay: req.Flags&flagNoDelay != 0}
	lc := net.ListenConfig{Control: opts.control}
	lc.SetMultipathTCP(false) // see Listen
	listen := func(p uint16) (syscall.Conn, error) {
		addr := netip.AddrPortFrom(bind, p).String()
		if network[:3] == "tcp" {
			ln, err := lc.Listen(context.Background(), network, addr)
			if err != nil {
				return nil, err
			}
			t.tcpLn = ln.(*net.TCPListener)
			return t.tcpLn, nil
		}
		pc, err := lc.ListenPacket(context.Background(), network, addr)
		if err != nil {
			return nil, err
		}
		t.udp = pc.(*net.UDPConn)
		return t.udp, nil
	}
	sock, err := listen(port)
	if err != nil && port != 0 {
		// netserver silently takes an ephemeral port when the requested
		// one is busy; so do we.
		sock, err = listen(0)
	}
	if err != nil {
		return nil, fmt.Errorf("data socket: %w", err)
	}
	sndBuf, rcvBuf := bufSizes(sock)
	var dataPort int
	if t.tcpLn != nil {
		dataPort = t.tcpLn.Addr().(*net.TCPAddr).Port
	} else {
		dataPort = t.udp.LocalAddr().(*net.UDPAddr).Port
	}

	r := &t.resp
	r.RecvBufSize, r.SendBufSize = int32(rcvBuf), int32(sndBuf)
	r.SendSize, r.SendWidth = req.SendSize, int32(req.SendWidth)
	r.ReceiveSize, r.RecvWidth = req.ReceiveSize, int32(req.RecvWidth)
	if req.Direction&dirXmit != 0 {
		if req.ResponseSize > 0 {
			r.SendSize = req.ResponseSize
		} else if req.SendSize <= 0 {
			r.SendSize = int32(chooseSendSize(sndBuf, network[:3] == "udp"))
		}
	}
	if req.Direction&dirRecv != 0 {
		if req.RequestSize > 0 {
			r.ReceiveSize = req.RequestSize
		} else if req.ReceiveSize <= 0 {
			r.ReceiveSize = 4096
			if rcvBuf > 0 {
				r.ReceiveSize = int32(rcvBuf)
			}
		}
	}
	r.ReceiveSize = min(r.ReceiveSize, maxMessageBytes)
	r.SendSize = min(r.SendSize, maxMessageBytes)
	r.Flags = req.Flags & flagNoDelay
	if t.measureCPU {
		r.Flags |= flagMeasureCPU
		r.CPURate = 100 // /proc/stat needs no calibration; netserver says 100
	}
	r.DataPort = uint32(dataPort)
	r.IntervalBurst, r.IntervalUsecs = req.IntervalBurst, req.IntervalUsecs
	r.SocketPrio, r.SocketTOS = req.SocketPrio, req.SocketTOS

	switch {
	case req.TestLength > 0:
		length := time.Duration(req.TestLength) * time.Second
		if req.Direction == dirXmit {
			t.deadline = time.Now().Add(length) // sender only: exactly the test length
		} else {
			t.deadline = time.Now().Add(length + padTime)
			t.padded = true
		}
	case req.TestLength < 0:
		t.units = -int64(req.TestLength)
	}
	t.results.RecvBufSize, t.results.SendBufSize = int32(rcvBuf), int32(sndBuf)
	return t, nil
}

// chooseSendSize is netserver's default bytes per send: the socket's send
// buffer, capped at the largest UDP payload for datagrams.
func chooseSendSize(sndBuf int, udp bool) int {
	n := sndBuf
	if n <= 0 {
		n = 4096
	}
	if udp && n > maxUDPPayload {
		n = maxUDPPayload
	}
	return n
}

const maxUDPPayload = 65507

// abort ends the data phase at once: the client went away or the server is
// shutting down.
func (t *serverTest) abort() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.aborted.Store(true)
	past := time.Unix(1, 0)
	if t.tcpLn != nil {
		t.tcpLn.SetDeadline(past)
	}
	if t.data != nil {
		t.data.SetDeadline(past)
	}
	if t.udp != nil {
		t.udp.SetDeadline(past)
	}
}

func (t *serverTest) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tcpLn != nil {
		t.tcpLn.Close()
	}
	if t.data != nil {
		t.data.Close()
	}
	if t.udp != nil {
		t.udp.Close()
	}
}

func (t *serverTest) isAborted() bool {
	return t.aborted.Load()
}

// accept takes the next data connection before the deadline.
func (t *serverTest) accept() (*net.TCPConn, error) {
	t.mu.Lock()
	if t.aborted.Load() {
		t.mu.Unlock()
		return nil, errAborted
	}
	t.tcpLn.SetDeadline(t.deadline)
	t.mu.Unlock()
	c, err := t.tcpLn.AcceptTCP()
	if err != nil {
		return nil, err
	}
	if t.req.Flags&flagNoDelay != 0 {
		c.SetNoDelay(true)
	} else {
		c.SetNoDelay(false)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.aborted.Load() {
		c.Close()
		return nil, errAborted
	}
	t.data = c
	c.SetDeadline(t.deadline)
	return c, nil
}

var errAborted = errors.New("aborted")

// run is the server's data phase; it returns nil when the test ended as
// tests end (end marker, timer, count) and an error for a hard failure.
func (t *serverTest) run() error {
	var err error
	switch {
	case t.udp != nil:
		err = t.udpData()
	case t.req.Flags&flagConnectTest != 0:
		err = t.tcpCRR()
	default:
		var c *net.TCPConn
		c, err = t.accept()
		if err == nil {
			c, err = t.tcpData(c)
			t.results.RecvBufSize, t.results.SendBufSize = endBufSizes(c, t.results.RecvBufSize, t.results.SendBufSize)
			if t.req.Flags&flagRoutingAllowed != 0 {
				t.results.CongControl, _, _ = tcpFacts(c)
			}
			_, _, retrans := tcpFacts(c)
			t.results.TransportRetrans = int32(retrans)
		}
	}
	if t.isAborted() {
		return nil // the watcher reports why
	}
	if isTimeout(err) {
		t.endedByTimer = true
		return nil
	}
	return err
}

func endBufSizes(c syscall.Conn, recv, send int32) (int32, int32) {
	s, r := bufSizes(c)
	if r > 0 {
		recv = int32(r)
	}
	if s > 0 {
		send = int32(s)
	}
	return recv, send
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// isPeerGone reports errors that mean the other side closed or reset.
func isPeerGone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// loopOpts are the ways the data loops may go: until the test's padded
// timer, or an abort.
func (t *serverTest) loopOpts() loopOpts {
	return loopOpts{noBlock: t.clientHere, until: t.deadline, stop: t.isAborted, swap: t.setData}
}

// tcpData runs the data phase on the accepted connection c and returns
// the connection to go on with (see pingPong.close).
func (t *serverTest) tcpData(c *net.TCPConn) (*net.TCPConn, error) {
	c, err := withLoop(c, t.loopOpts(), func(p *pingPong) error {
		switch t.req.Direction {
		case dirRecv:
			return t.tcpStreamRecv(p)
		case dirXmit:
			return t.tcpStreamSend(p)
		}
		return t.tcpRRLoop(p)
	})
	t.setData(c)
	switch {
	case t.req.Direction == dirXmit && (err == nil || isTimeout(err)):
		// End of test as netserver ends it: the client ends on its own
		// timer and closes first; wait for that, then close. A FIN from
		// here first would reach netperf before its timer, which then
		// pops while netperf is already finishing ("catcher: timer
		// popped with times_up != 0").
		c.SetReadDeadline(time.Now().Add(padTime))
		drain(c)
		c.CloseWrite()
	case t.req.Direction != dirRecv && err == nil && t.units > 0:
		drain(c) // RR: the count is done; wait for the client's FIN
	}
	return c, err
}

func (t *serverTest) tcpStreamRecv(p *pingPong) error {
	buf := make([]byte, t.resp.ReceiveSize)
	err := recvStream(p, buf, &t.c, uint64(t.units), time.Time{})
	if err == io.EOF {
		t.c.recvCalls.Add(1) // netserver counts the final 0-byte recv
		return nil
	}
	return err
}

func (t *serverTest) tcpStreamSend(p *pingPong) error {
	buf := fillBuffer(int(t.resp.SendSize))
	err := sendStream(p, buf, &t.c, uint64(t.units), t.deadline)
	if isPeerGone(err) {
		err = nil
	}
	return err
}

func (t *serverTest) tcpRRLoop(p *pingPong) error {
	req := make([]byte, t.req.RequestSize)
	rsp := fillBuffer(int(t.req.ResponseSize))
	for t.units == 0 || int64(t.c.trans.Load()) < t.units {
		if err := p.readFull(req, &t.c); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if err := p.writeAll(rsp, &t.c); err != nil {
			if isPeerGone(err) {
				return nil
			}
			return err
		}
		t.c.trans.Add(1)
	}
	return nil
}

// setData makes c the data connection that abort and close act on.
func (t *serverTest) setData(c dataConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch c := c.(type) {
	case *net.TCPConn:
		t.data = c
	case *net.UDPConn:
		t.udp = c
	}
	c.SetDeadline(t.deadline)
	if t.aborted.Load() {
		c.SetDeadline(time.Unix(1, 0))
	}
}

// udpData runs the data phase on the UDP socket, which it replaces with
// the connection to go on with (see pingPong.close).
func (t *serverTest) udpData() error {
	t.udp.SetDeadline(t.deadline)
	c, err := withLoop(t.udp, t.loopOpts(), func(p *pingPong) error {
		if t.req.Direction == dirRecv {
			return t.udpStreamRecv(p)
		}
		return t.udpRRLoop(p)
	})
	t.setData(c)
	return err
}

func (t *serverTest) udpStreamRecv(p *pingPong) error {
	buf := make([]byte, max(int(t.resp.ReceiveSize), maxUDPPayload))
	for {
		n, err := p.recv(buf)
		t.c.recvCalls.Add(1)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil // netperf's end-of-test marker
		}
		t.c.recv.Add(uint64(n))
		if t.units > 0 && int64(t.c.recv.Load()) >= t.units {
			return nil
		}
	}
}

func (t *serverTest) udpRRLoop(p *pingPong) error {
	req := make([]byte, max(int(t.req.RequestSize), maxUDPPayload))
	rsp := fillBuffer(int(t.req.ResponseSize))
	for t.units == 0 || int64(t.c.trans.Load()) < t.units {
		n, err := p.recv(req)
		if err != nil {
			return err
		}
		t.c.recvCalls.Add(1)
		if n == 0 {
			return nil
		}
		t.c.recv.Add(uint64(n))
		p.replyToSender()
		m, err := p.send(rsp)
		t.c.sendCalls.Add(1)
		if err != nil {
			return err
		}
		t.c.sent.Add(uint64(m))
		t.c.trans.Add(1)
	}
	return nil
}

// Addr formats a host and port for net.Dial, bracketing IPv6 literals.
func Addr(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }
