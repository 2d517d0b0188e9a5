package netperf

import (
	"errors"
	"net/netip"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// crrTick bounds each blocking wait of a CRR transaction, so that the
// loop notices its deadline and interrupts.
const crrTick = 100 * time.Millisecond

// A crrDialer opens TCP_CRR connections with plain blocking system calls.
// A transaction is connect, request, response, close; going through the
// net package adds, per transaction, address parsing, epoll registration
// and two goroutine parks, which halves the rate on a small machine.
type crrDialer struct {
	family int
	to     unix.Sockaddr
	from   unix.Sockaddr // nil: the kernel picks the local address and port
	opts   sockOpts
	until  time.Time
	stop   func() bool

	// raw: the loop has a thread of its own (see pingPong's ioBlock), and
	// its blocking calls bypass the runtime's syscall bookkeeping.
	raw   bool
	rawTo unix.RawSockaddrAny
	toLen uintptr
}

// call makes a system call that may block: directly when the loop has a
// thread of its own, otherwise through the runtime, which hands this
// thread's processor to another goroutine while it sleeps.
func (d *crrDialer) call(trap, a1, a2, a3 uintptr) (uintptr, syscall.Errno) {
	if d.raw {
		r, _, e := syscall.RawSyscall(trap, a1, a2, a3)
		return r, e
	}
	r, _, e := syscall.Syscall(trap, a1, a2, a3)
	return r, e
}

func newCRRDialer(server, local netip.AddrPort, opts sockOpts, until time.Time, stop func() bool) *crrDialer {
	d := &crrDialer{opts: opts, until: until, stop: stop}
	d.family, d.to = sockaddr(server)
	d.toLen = rawSockaddr(&d.rawTo, server)
	if local.Addr().IsValid() && !local.Addr().IsUnspecified() {
		_, d.from = sockaddr(netip.AddrPortFrom(local.Addr(), 0))
	}
	return d
}

func sockaddr(ap netip.AddrPort) (int, unix.Sockaddr) {
	if ap.Addr().Is4() {
		return unix.AF_INET, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	return unix.AF_INET6, sa
}

// errCRRStop says the loop must end: the deadline passed or the test was
// interrupted.
var errCRRStop = errors.New("crr: stop")

// wait decides after a timed-out call whether to go on.
func (d *crrDialer) wait() error {
	if d.stop() || !d.until.IsZero() && !time.Now().Before(d.until) {
		return errCRRStop
	}
	return nil
}

// transaction runs one connect-request-response-close. initial receives
// the socket buffer sizes of the first connection.
func (d *crrDialer) transaction(req, rsp []byte, k *counters, initial *[2]int) error {
	fd, err := unix.Socket(d.family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	if d.opts.sendBuf > 0 {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, d.opts.sendBuf)
	}
	if d.opts.recvBuf > 0 {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, d.opts.recvBuf)
	}
	if initial != nil && initial[0] == 0 {
		initial[0], _ = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
		initial[1], _ = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
	}
	if d.opts.noDelay {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	tv := unix.NsecToTimeval(int64(crrTick))
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	if d.from != nil {
		if err := unix.Bind(fd, d.from); err != nil {
			return os.NewSyscallError("bind", err)
		}
	}
	if err := d.connect(fd); err != nil {
		return err
	}
	for done := 0; done < len(req); {
		n, e := d.call(unix.SYS_WRITE, uintptr(fd), sliceAddr(req[done:]), uintptr(len(req)-done))
		if e != 0 {
			if e == unix.EAGAIN || e == unix.EINTR {
				if err := d.wait(); err != nil {
					return err
				}
				continue
			}
			return os.NewSyscallError("write", e)
		}
		done += int(n)
	}
	k.sendCalls.Add(1)
	k.sent.Add(uint64(len(req)))
	for got := 0; got < len(rsp); {
		n, e := d.call(unix.SYS_READ, uintptr(fd), sliceAddr(rsp[got:]), uintptr(len(rsp)-got))
		if e != 0 {
			if e == unix.EAGAIN || e == unix.EINTR {
				if err := d.wait(); err != nil {
					return err
				}
				continue
			}
			return os.NewSyscallError("read", e)
		}
		k.recvCalls.Add(1)
		if n == 0 {
			return os.NewSyscallError("read", unix.ECONNRESET)
		}
		got += int(n)
		k.recv.Add(uint64(n))
	}
	return nil
}

// connect connects a blocking socket. SO_SNDTIMEO bounds a blocking
// connect on Linux: when it expires the connection goes on in the
// background (EINPROGRESS), and poll says when it is done.
func (d *crrDialer) connect(fd int) error {
	var err error
	if _, e := d.call(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&d.rawTo)), d.toLen); e != 0 {
		err = e
	}
	for err == unix.EINPROGRESS || err == unix.EALREADY || err == unix.EINTR {
		if werr := d.wait(); werr != nil {
			return werr
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		n, perr := unix.Poll(fds, int(crrTick/time.Millisecond))
		if perr != nil && perr != unix.EINTR {
			return os.NewSyscallError("poll", perr)
		}
		if n == 1 {
			soerr, gerr := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
			if gerr != nil {
				return os.NewSyscallError("getsockopt", gerr)
			}
			if soerr != 0 {
				return os.NewSyscallError("connect", unix.Errno(soerr))
			}
			return nil
		}
		err = unix.EINPROGRESS
	}
	if err != nil {
		return os.NewSyscallError("connect", err)
	}
	return nil
}
