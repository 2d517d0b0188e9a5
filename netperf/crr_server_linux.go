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
// and removal and a deadline timer, more than the transaction itself.
// When the loop can have a thread of its own (see pingPong's ioBlock), the
// listening socket leaves the netpoller and every call blocks as in
// netserver, for at most blockSlice at a time; otherwise the sockets are
// non-blocking and a wait is a poll(2) of at most crrTick. After a wait the
// loop checks the test's timer and abort flag.
func (t *serverTest) tcpCRR() error {
	req := make([]byte, t.req.RequestSize)
	rsp := fillBuffer(int(t.req.ResponseSize))
	slot := enterLoop(!t.clientHere)
	defer slot.leave()
	if slot.thread {
		lfd, err := t.detachListener()
		if err != nil {
			return err
		}
		defer unix.Close(lfd)
		return t.crrLoop(lfd, slot, req, rsp)
	}
	rc, err := t.tcpLn.SyscallConn()
	if err != nil {
		return err
	}
	// The listener stays open until the session ends (serverTest.close,
	// after run), so its descriptor may be used outside Control.
	lfd := -1
	rc.Control(func(fd uintptr) { lfd = int(fd) })
	return t.crrLoop(lfd, slot, req, rsp)
}

// detachListener takes the listening socket out of the netpoller: a
// blocking duplicate with timeouts of blockSlice, which the connections
// it accepts inherit; the net.Listener is closed.
func (t *serverTest) detachListener() (int, error) {
	rc, err := t.tcpLn.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var serr error
	if err := rc.Control(func(f uintptr) { fd, serr = unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return -1, err
	}
	if serr != nil {
		return -1, os.NewSyscallError("fcntl", serr)
	}
	if err := setBlocking(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	t.tcpLn.Close() // the socket lives on in fd
	return fd, nil
}

// crrLoop accepts and serves connections on the listening socket lfd:
// with blocking calls while the loop has a thread of its own (slot), with
// non-blocking ones and poll(2) otherwise.
func (t *serverTest) crrLoop(lfd int, slot *loopSlot, req, rsp []byte) error {
	for t.units == 0 || int64(t.c.trans.Load()) < t.units {
		if t.isAborted() {
			return errAborted
		}
		if slot.crowded() {
			slot.drop()
			if err := unix.SetNonblock(lfd, true); err != nil {
				return os.NewSyscallError("fcntl", err)
			}
		}
		wait, flags := t.crrWait, uintptr(unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
		if slot.thread {
			wait, flags = t.crrCheck, unix.SOCK_CLOEXEC
		}
		// A non-blocking accept4 needs none of the runtime's syscall
		// bookkeeping (see pingPong), and a blocking one has this
		// thread to itself.
		r, _, e := syscall.RawSyscall6(unix.SYS_ACCEPT4, uintptr(lfd), 0, 0, flags, 0, 0)
		switch e {
		case 0:
		case syscall.EAGAIN, syscall.EINTR:
			if err := wait(lfd, unix.POLLIN); err != nil {
				return err // the timer or an abort
			}
			continue
		case syscall.ECONNABORTED:
			continue // reset before we took it
		default:
			return os.NewSyscallError("accept4", e)
		}
		nfd := int(r)
		err := t.crrServe(nfd, req, rsp, wait)
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
// A wait is called when a call had nothing to do yet.
func (t *serverTest) crrServe(fd int, req, rsp []byte, wait func(fd int, events int16) error) error {
	if t.req.Flags&flagNoDelay != 0 {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if t.req.Flags&flagRoutingAllowed != 0 && t.results.CongControl == "" {
		t.results.CongControl, _ = unix.GetsockoptString(fd, unix.IPPROTO_TCP, unix.TCP_CONGESTION)
	}
	for got := 0; got < len(req); {
		r, _, e := syscall.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), sliceAddr(req[got:]), uintptr(len(req)-got), 0, 0, 0)
		if e == syscall.EAGAIN || e == syscall.EINTR {
			if err := wait(fd, unix.POLLIN); err != nil {
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
			if err := wait(fd, unix.POLLOUT); err != nil {
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

// crrCheck follows a blocking call that timed out: it ends the loop when
// the test's timer ran out (a timeout error, as a socket deadline gives) or
// the test was aborted.
func (t *serverTest) crrCheck(int, int16) error {
	if t.isAborted() {
		return errAborted
	}
	if !t.deadline.IsZero() && !time.Now().Before(t.deadline) {
		return os.ErrDeadlineExceeded
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
