package netperf

import (
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// tcpCRR serves one transaction per connection and closes first, as
// netserver does; it ends at its padded timer or after the count.
//
// Like the client's crrDialer, it works with plain system calls: through
// the net package every connection costs a netFD, an epoll registration
// and removal and a deadline timer, more than the transaction itself. The
// sockets are non-blocking; a wait is a poll(2) of at most crrTick, after
// which the loop checks the test's timer and abort flag.
func (t *serverTest) tcpCRR() error {
	req := make([]byte, t.req.RequestSize)
	rsp := fillBuffer(int(t.req.ResponseSize))
	rc, err := t.tcpLn.SyscallConn()
	if err != nil {
		return err
	}
	// The listener stays open until the session ends (serverTest.close,
	// after run), so its descriptor may be used outside Control.
	lfd := -1
	rc.Control(func(fd uintptr) { lfd = int(fd) })
	for t.units == 0 || int64(t.c.trans.Load()) < t.units {
		if t.isAborted() {
			return errAborted
		}
		// accept4 on the non-blocking listener never blocks, so it needs
		// none of the runtime's syscall bookkeeping (see pingPong).
		r, _, e := syscall.RawSyscall6(unix.SYS_ACCEPT4, uintptr(lfd), 0, 0, unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0, 0)
		switch e {
		case 0:
		case syscall.EAGAIN, syscall.EINTR:
			if err := t.crrWait(lfd, unix.POLLIN); err != nil {
				return err // the timer or an abort
			}
			continue
		case syscall.ECONNABORTED:
			continue // reset before we took it
		default:
			return os.NewSyscallError("accept4", e)
		}
		nfd := int(r)
		err := t.crrServe(nfd, req, rsp)
		syscall.RawSyscall(unix.SYS_CLOSE, uintptr(nfd), 0, 0)
		if err == nil {
			t.c.trans.Add(1)
		} else if !isPeerGone(err) {
			return err
		}
	}
	return nil
}

// crrServe reads one request from the accepted socket fd and answers it.
func (t *serverTest) crrServe(fd int, req, rsp []byte) error {
	if t.req.Flags&flagNoDelay != 0 {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if t.req.Flags&flagRoutingAllowed != 0 && t.results.CongControl == "" {
		t.results.CongControl, _ = unix.GetsockoptString(fd, unix.IPPROTO_TCP, unix.TCP_CONGESTION)
	}
	for got := 0; got < len(req); {
		r, _, e := syscall.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), sliceAddr(req[got:]), uintptr(len(req)-got), 0, 0, 0)
		if e == syscall.EAGAIN || e == syscall.EINTR {
			if err := t.crrWait(fd, unix.POLLIN); err != nil {
				return err
			}
			continue
		}
		t.c.recvCalls.Add(1)
		if e != 0 {
			return os.NewSyscallError("recvfrom", e)
		}
		if r == 0 && got > 0 {
			return io.ErrUnexpectedEOF
		}
		if r == 0 {
			return io.EOF // the client went away
		}
		got += int(r)
		t.c.recv.Add(uint64(r))
	}
	for done := 0; done < len(rsp); {
		r, _, e := syscall.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), sliceAddr(rsp[done:]), uintptr(len(rsp)-done), unix.MSG_NOSIGNAL, 0, 0)
		if e == syscall.EAGAIN || e == syscall.EINTR {
			if err := t.crrWait(fd, unix.POLLOUT); err != nil {
				return err
			}
			continue
		}
		t.c.sendCalls.Add(1)
		if e != 0 {
			return os.NewSyscallError("sendto", e)
		}
		done += int(r)
		t.c.sent.Add(uint64(r))
	}
	return nil
}

// crrWait waits until fd is ready for events, the test's timer runs out
// (a timeout error, as a socket deadline gives) or the test is aborted.
func (t *serverTest) crrWait(fd int, events int16) error {
	for {
		if t.isAborted() {
			return errAborted
		}
		wait := crrTick
		if !t.deadline.IsZero() {
			left := time.Until(t.deadline)
			if left <= 0 {
				return os.ErrDeadlineExceeded
			}
			wait = min(wait, left)
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
		n, err := unix.Poll(fds, int((wait+time.Millisecond-1)/time.Millisecond))
		if err != nil && err != unix.EINTR {
			return os.NewSyscallError("poll", err)
		}
		if n > 0 {
			return nil
		}
	}
}
