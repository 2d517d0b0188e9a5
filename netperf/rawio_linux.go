package netperf

import (
	"io"
	"net/netip"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A pingPong does the sends and receives of a request/response loop with
// non-blocking system calls of its own, and waits in the runtime's netpoller
// only when the socket has nothing to give. The net package makes the same
// calls, but through the runtime's syscall bookkeeping (entersyscall), which
// on every call wakes the sysmon thread once the process has gone idle
// waiting for the peer: in a ping-pong loop that is one extra thread wake-up
// per transaction, about a third of the client's CPU time per transaction.
// These calls never block, so they need none of that bookkeeping. Deadlines
// and aborts still work, through the netpoller (SetDeadline on the conn).
//
// With spin set, a receive never parks: it retries on the same OS thread
// until data arrives or the deadline passes (busy polling), trading a whole
// CPU for the wake-up latency.
type pingPong struct {
	rc   syscall.RawConn
	spin bool

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

func newPingPong(c syscall.Conn, spin bool) (*pingPong, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	p := &pingPong{rc: rc, spin: spin}
	p.recvFn = func(fd uintptr) bool {
		p.fromLen = uint32(unsafe.Sizeof(p.from))
		r, _, e := syscall.RawSyscall6(unix.SYS_RECVFROM, fd, sliceAddr(p.buf), uintptr(len(p.buf)),
			unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&p.from)), uintptr(unsafe.Pointer(&p.fromLen)))
		return p.done(r, e)
	}
	p.sendFn = func(fd uintptr) bool {
		var to uintptr
		if p.peer != nil {
			to = uintptr(unsafe.Pointer(p.peer))
		}
		r, _, e := syscall.RawSyscall6(unix.SYS_SENDTO, fd, sliceAddr(p.buf), uintptr(len(p.buf)),
			unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL, to, uintptr(p.peerLen))
		return p.done(r, e)
	}
	return p, nil
}

// done records a call's outcome; false (wait and retry) on EAGAIN, unless
// spinning, when the caller retries at once.
func (p *pingPong) done(r uintptr, e syscall.Errno) bool {
	if e == syscall.EAGAIN || e == syscall.EINTR {
		p.n, p.errno = 0, e
		return p.spin
	}
	p.n, p.errno = int(r), e
	return true
}

// setPeer makes sends go to ap (unconnected UDP).
func (p *pingPong) setPeer(ap netip.AddrPort) {
	p.peer = new(unix.RawSockaddrAny)
	if ap.Addr().Is4() {
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(p.peer))
		sa.Family = unix.AF_INET
		sa.Addr = ap.Addr().As4()
		putPort(&sa.Port, ap.Port())
		p.peerLen = unix.SizeofSockaddrInet4
		return
	}
	sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(p.peer))
	sa.Family = unix.AF_INET6
	sa.Addr = ap.Addr().As16()
	putPort(&sa.Port, ap.Port())
	p.peerLen = unix.SizeofSockaddrInet6
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

// call runs fn through the netpoller until it has an outcome.
func (p *pingPong) call(read bool, name string, buf []byte) (int, error) {
	p.buf = buf
	for {
		var err error
		if read {
			err = p.rc.Read(p.recvFn)
		} else {
			err = p.rc.Write(p.sendFn)
		}
		p.buf = nil
		if err != nil {
			return 0, err // deadline, abort or closed
		}
		switch p.errno {
		case 0:
			return p.n, nil
		case syscall.EAGAIN, syscall.EINTR:
			p.buf = buf // spinning: try again
			continue
		}
		return 0, os.NewSyscallError(name, p.errno)
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

// lock pins a spinning loop to its OS thread for its duration; the
// returned function undoes it.
func (p *pingPong) lock() func() {
	if !p.spin {
		return func() {}
	}
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}

// sliceAddr is the address of b's first byte, for a system call.
func sliceAddr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
