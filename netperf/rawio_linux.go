package netperf

import (
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A pingPong does the sends and receives of a data loop (request/response
// or stream) with system calls of its own, in one of three ways (ioMode):
//
//   - ioBlock, as netperf does: the goroutine's thread sleeps in the kernel
//     until the peer's message arrives, two system calls per transaction and
//     no other thread involved. For that the socket leaves the runtime's
//     netpoller for the loop (a duplicate descriptor, the net.Conn closed,
//     a new one made at the end): while registered there, every message
//     arriving would also wake the thread waiting in epoll, one more thread
//     wake-up per transaction. The calls bypass the runtime's syscall
//     bookkeeping (entersyscall), which would hand the processor to another
//     thread while this one sleeps, more wake-ups again. The loop keeps its
//     processor and its thread instead, which only some loops of a process
//     may do at a time (loopSlot). The socket has receive and send timeouts
//     (blockSlice); a signal, such as the runtime's preemption signal,
//     interrupts a timed socket call (EINTR, never restarted), so that the
//     garbage collector never waits on the loop. Before each call the loop
//     checks whether it was told to stop (a call that makes progress
//     returns no EINTR, and a stream may make progress until its end);
//     after a slice without news it also checks its deadline.
//   - ioPoll: non-blocking calls, waiting in the netpoller when the socket
//     has nothing to give; any number of loops share the processors. Used
//     when the process runs more loops than it has processors (multi, a
//     busy server), from the start or from the moment it gets crowded.
//   - ioSpin (busy polling): non-blocking calls retried at once on the same
//     thread until data arrives, trading a whole CPU for the wake-up
//     latency.
type pingPong struct {
	conn dataConn
	rc   syscall.RawConn
	mode ioMode
	slot *loopSlot
	swap func(dataConn)

	// ioBlock: the detached descriptor, the loop's deadline (zero: none)
	// and whether it must stop now (cheap: asked before every call).
	fd    int
	until time.Time
	stop  func() bool

	// Arguments and results of the call in flight: the closures below are
	// made once, so that a call allocates nothing.
	buf     []byte
	peer    *unix.RawSockaddrAny // sendto destination; nil when connected
	peerLen uint32
	from    unix.RawSockaddrAny // recvfrom source
	fromLen uint32
	n       int
	errno   syscall.Errno

	recvFn, sendFn func(fd uintptr) bool
}

// A dataConn is a TCP or UDP connection of the net package.
type dataConn interface {
	net.Conn
	syscall.Conn
}

type ioMode int

const (
	ioBlock ioMode = iota
	ioPoll
	ioSpin
)

func (m ioMode) String() string { return [...]string{"block", "poll", "spin"}[m] }

// blockSlice bounds one blocking call, so that a loop notices its deadline
// or a stop within this long.
const blockSlice = 20 * time.Millisecond

// A loopSlot is a data loop's place in this process. Every loop has one
// while it runs; a loop is given a thread of its own (a block slot, its
// goroutine locked to its OS thread) only while no more loops run than
// there are processors (GOMAXPROCS), and at most GOMAXPROCS-1 at once, so
// that a processor is always left for everything else. A blocked loop
// keeps its processor; with more loops than processors the others would
// queue for the rest, so a loop with a thread gives it up (drop) as soon
// as the process gets crowded.
type loopSlot struct {
	maxProcs int
	thread   bool
	left     bool
}

var (
	activeLoops atomic.Int32 // loops running
	blockSlots  atomic.Int32 // loops with a thread of their own
)

// enterLoop registers a loop of the calling goroutine; mayBlock asks for a
// thread of its own.
func enterLoop(mayBlock bool) *loopSlot {
	s := &loopSlot{maxProcs: runtime.GOMAXPROCS(0)}
	n := activeLoops.Add(1)
	if mayBlock && !forcePoll && int(n) <= s.maxProcs && takeBlockSlot(s.maxProcs) {
		s.thread = true
		runtime.LockOSThread()
	}
	return s
}

// takeBlockSlot reserves a block slot, if one is free.
func takeBlockSlot(maxProcs int) bool {
	for {
		n := blockSlots.Load()
		if int(n) >= maxProcs-1 {
			return false
		}
		if blockSlots.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// crowded says that a loop with a thread of its own must give it up.
func (s *loopSlot) crowded() bool {
	return s.thread && int(activeLoops.Load()) > s.maxProcs
}

// drop gives up the thread, if the loop had one.
func (s *loopSlot) drop() {
	if s.thread {
		s.thread = false
		blockSlots.Add(-1)
		runtime.UnlockOSThread()
	}
}

// leave ends the loop's registration.
func (s *loopSlot) leave() {
	if !s.left {
		s.left = true
		s.drop()
		activeLoops.Add(-1)
	}
}

// loopOpts says how a loop may do its I/O and when it ends.
type loopOpts struct {
	spin    bool        // busy polling
	noBlock bool        // never ioBlock: other loops share this process
	until   time.Time   // the deadline of a blocking loop (zero: none)
	stop    func() bool // whether a blocking loop must stop now; asked before every call
	// swap, when set, is given the new connection of a blocking loop
	// that gave up its thread and went on in the netpoller: the owner
	// sets its deadline and aborts it from then on.
	swap func(dataConn)
}

// newPingPong prepares c for a loop. The loop must end with close, and use
// the connection it returns from then on.
func newPingPong(c dataConn, o loopOpts) (*pingPong, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	p := &pingPong{conn: c, rc: rc, mode: ioPoll, fd: -1, until: o.until, stop: o.stop, swap: o.swap}
	p.recvFn = func(fd uintptr) bool { p.recvfrom(fd, unix.MSG_DONTWAIT); return p.wouldWait() }
	p.sendFn = func(fd uintptr) bool { p.sendto(fd, unix.MSG_DONTWAIT); return p.wouldWait() }
	p.slot = enterLoop(!o.spin && !o.noBlock)
	switch {
	case o.spin:
		p.mode = ioSpin
	case p.slot.thread:
		if err := p.detach(); err != nil {
			p.slot.leave()
			return nil, err
		}
		p.mode = ioBlock
	}
	return p, nil
}

// withLoop runs loop on c's socket (see pingPong), on one thread when it
// blocks or spins, and returns the connection to go on with.
func withLoop[C dataConn](c C, o loopOpts, loop func(*pingPong) error) (C, error) {
	p, err := newPingPong(c, o)
	if err != nil {
		return c, err
	}
	func() {
		defer p.lock()()
		err = loop(p)
	}()
	nc, cerr := p.close()
	if err == nil {
		err = cerr
	}
	return nc.(C), err
}

// forcePoll keeps every loop in the netpoller (tests compare the modes).
var forcePoll = false

// detach moves the socket out of the netpoller into blocking mode.
func (p *pingPong) detach() error {
	var fd int
	var serr error
	err := p.rc.Control(func(f uintptr) {
		fd, serr = unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0)
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	if err := setBlocking(fd, true); err != nil {
		unix.Close(fd)
		return err
	}
	p.conn.Close() // the socket lives on in fd
	p.fd = fd
	return nil
}

// setBlocking switches a socket between blocking calls with timeouts of
// blockSlice and the non-blocking calls the net package expects.
func setBlocking(fd int, on bool) error {
	var tv unix.Timeval
	if on {
		tv = unix.NsecToTimeval(blockSlice.Nanoseconds())
	}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
		return err
	}
	return unix.SetNonblock(fd, !on)
}

// close ends the loop's use of the socket and returns the connection to go
// on with: the same one, or after ioBlock a new one on the same socket.
func (p *pingPong) close() (dataConn, error) {
	defer p.slot.leave()
	if p.mode != ioBlock {
		return p.conn, nil
	}
	p.mode = ioPoll
	c, err := p.reattach()
	if err != nil {
		return p.conn, err
	}
	p.conn = c
	return c, nil
}

// reattach gives the detached socket back to the netpoller as a new
// connection.
func (p *pingPong) reattach() (dataConn, error) {
	fd := p.fd
	p.fd = -1
	f := os.NewFile(uintptr(fd), "data")
	defer f.Close()
	if err := setBlocking(fd, false); err != nil {
		return nil, err
	}
	c, err := net.FileConn(f) // a duplicate, registered with the netpoller
	if err != nil {
		return nil, err
	}
	return c.(dataConn), nil
}

// demote moves a blocking loop to the netpoller for the rest of its run:
// the process got crowded (see loopSlot).
func (p *pingPong) demote() error {
	p.slot.drop()
	p.mode = ioPoll
	c, err := p.reattach()
	if err != nil {
		return err
	}
	rc, err := c.SyscallConn()
	if err != nil {
		c.Close()
		return err
	}
	p.conn, p.rc = c, rc
	if p.swap != nil {
		p.swap(c)
	} else if !p.until.IsZero() {
		c.SetDeadline(p.until)
	}
	return nil
}

func (p *pingPong) recvfrom(fd uintptr, flags int) {
	p.fromLen = uint32(unsafe.Sizeof(p.from))
	r, _, e := syscall.RawSyscall6(unix.SYS_RECVFROM, fd, sliceAddr(p.buf), uintptr(len(p.buf)),
		uintptr(flags), uintptr(unsafe.Pointer(&p.from)), uintptr(unsafe.Pointer(&p.fromLen)))
	p.done(r, e)
}

func (p *pingPong) sendto(fd uintptr, flags int) {
	var to uintptr
	if p.peer != nil {
		to = uintptr(unsafe.Pointer(p.peer))
	}
	r, _, e := syscall.RawSyscall6(unix.SYS_SENDTO, fd, sliceAddr(p.buf), uintptr(len(p.buf)),
		uintptr(flags|unix.MSG_NOSIGNAL), to, uintptr(p.peerLen))
	p.done(r, e)
}

// done records a call's outcome.
func (p *pingPong) done(r uintptr, e syscall.Errno) {
	if e != 0 {
		p.n, p.errno = 0, e
		return
	}
	p.n, p.errno = int(r), 0
}

// wouldWait tells the netpoller whether the call is over (true), or must
// wait for the socket and be retried (false): never when spinning.
func (p *pingPong) wouldWait() bool {
	return !p.retry() || p.mode == ioSpin
}

// retry is whether the last call had no outcome yet: nothing to receive or
// no room to send (EAGAIN, also the end of a block slice), or a signal.
func (p *pingPong) retry() bool { return p.errno == syscall.EAGAIN || p.errno == syscall.EINTR }

// setPeer makes sends go to ap (unconnected UDP).
func (p *pingPong) setPeer(ap netip.AddrPort) {
	p.peer = new(unix.RawSockaddrAny)
	p.peerLen = uint32(rawSockaddr(p.peer, ap))
}

// rawSockaddr fills sa with ap, as the kernel takes it, and returns its
// length.
func rawSockaddr(sa *unix.RawSockaddrAny, ap netip.AddrPort) uintptr {
	if ap.Addr().Is4() {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		sa4.Family = unix.AF_INET
		sa4.Addr = ap.Addr().As4()
		putPort(&sa4.Port, ap.Port())
		return unix.SizeofSockaddrInet4
	}
	sa6 := (*unix.RawSockaddrInet6)(unsafe.Pointer(sa))
	sa6.Family = unix.AF_INET6
	sa6.Addr = ap.Addr().As16()
	putPort(&sa6.Port, ap.Port())
	return unix.SizeofSockaddrInet6
}

// putPort stores port in network byte order.
func putPort(dst *uint16, port uint16) {
	b := (*[2]byte)(unsafe.Pointer(dst))
	b[0], b[1] = byte(port>>8), byte(port)
}

// replyToSender makes sends go to the source of the last receive.
func (p *pingPong) replyToSender() {
	if p.peer == nil {
		p.peer = new(unix.RawSockaddrAny)
	}
	*p.peer = p.from
	p.peerLen = p.fromLen
}

// call makes one receive (read) or send until it has an outcome.
func (p *pingPong) call(read bool, name string, buf []byte) (int, error) {
	p.buf = buf
	defer func() { p.buf = nil }()
	for {
		if p.mode == ioBlock && p.slot.crowded() {
			if err := p.demote(); err != nil {
				return 0, err
			}
		}
		if p.mode == ioBlock && p.stop != nil && p.stop() {
			return 0, errAborted
		}
		var err error
		switch {
		case p.mode == ioBlock && read:
			p.recvfrom(uintptr(p.fd), 0)
		case p.mode == ioBlock:
			p.sendto(uintptr(p.fd), 0)
		case read:
			err = p.rc.Read(p.recvFn)
		default:
			err = p.rc.Write(p.sendFn)
		}
		if err != nil {
			return 0, err // deadline, abort or closed
		}
		switch {
		case p.errno == 0:
			return p.n, nil
		case !p.retry():
			return 0, os.NewSyscallError(name, p.errno)
		case p.mode != ioBlock:
			continue
		}
		// A slice without news, or a signal.
		if !p.until.IsZero() && !time.Now().Before(p.until) {
			return 0, os.ErrDeadlineExceeded
		}
	}
}

// recv makes one receive call; 0 bytes from a stream socket is io.EOF.
func (p *pingPong) recv(buf []byte) (int, error) {
	return p.call(true, "recvfrom", buf)
}

// send makes one send call.
func (p *pingPong) send(buf []byte) (int, error) {
	return p.call(false, "sendto", buf)
}

// readFull receives exactly len(buf) bytes of a stream, counting calls and
// bytes; io.EOF only when nothing of this message arrived.
func (p *pingPong) readFull(buf []byte, k *counters) error {
	got := 0
	for got < len(buf) {
		n, err := p.recv(buf[got:])
		k.recvCalls.Add(1)
		if err == nil && n == 0 {
			err = io.EOF
		}
		got += n
		k.recv.Add(uint64(n))
		if err != nil {
			if err == io.EOF && got > 0 {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// sendAll sends all of buf on a stream, as one blocking send does; n is
// what went before an error.
func (p *pingPong) sendAll(buf []byte) (n int, err error) {
	for n < len(buf) {
		m, err := p.send(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// writeAll sends all of buf on a stream, counting calls and bytes.
func (p *pingPong) writeAll(buf []byte, k *counters) error {
	for len(buf) > 0 {
		n, err := p.send(buf)
		k.sendCalls.Add(1)
		k.sent.Add(uint64(n))
		if err != nil {
			return err
		}
		buf = buf[n:]
	}
	return nil
}

// lock keeps a spinning loop on one OS thread for its duration (a
// blocking loop's slot does the same), as netperf's loop is one process: a
// goroutine that moved from thread to thread would have the kernel place
// it anew on every move, next to the peer's CPU or away from it, and that
// placement alone can change a loopback round trip several times over.
// The returned function undoes it.
func (p *pingPong) lock() func() {
	if p.mode != ioSpin {
		return func() {}
	}
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}

// sliceAddr is the address of b's first byte, for a system call.
func sliceAddr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
