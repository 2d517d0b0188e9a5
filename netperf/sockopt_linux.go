package netperf

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// sockOpts are the socket options a test asks for; zero fields are left
// at the kernel's defaults.
type sockOpts struct {
	sendBuf, recvBuf int
	noDelay          bool
	// initial, when set, receives SO_SNDBUF and SO_RCVBUF as they are
	// right after the options are applied and before connect: the sizes
	// netperf reports (the kernel may grow them once connected).
	initial *[2]int
}

// control returns a net.Dialer / net.ListenConfig Control function that
// applies o before connect or listen, which is when buffer sizes must be
// set for the kernel to pick a matching window scale.
func (o sockOpts) control(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		if o.sendBuf > 0 {
			if e := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, o.sendBuf); e != nil {
				serr = e
			}
		}
		if o.recvBuf > 0 {
			if e := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, o.recvBuf); e != nil {
				serr = e
			}
		}
		if o.initial != nil {
			o.initial[0], o.initial[1] = -1, -1
			if v, e := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF); e == nil {
				o.initial[0] = v
			}
			if v, e := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF); e == nil {
				o.initial[1] = v
			}
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// bufSizes reads SO_SNDBUF and SO_RCVBUF, -1 when unknown.
func bufSizes(c syscall.Conn) (send, recv int) {
	send, recv = -1, -1
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		if v, e := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF); e == nil {
			send = v
		}
		if v, e := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF); e == nil {
			recv = v
		}
	})
	return
}

// tcpFacts reads the congestion control name, the MSS and the total
// retransmissions of a TCP connection; zero values when unknown.
func tcpFacts(c syscall.Conn) (cong string, mss int, retrans uint64) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		if s, e := unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION); e == nil {
			cong = s
		}
		if v, e := unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_MAXSEG); e == nil {
			mss = v
		}
		if ti, e := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); e == nil {
			retrans = uint64(ti.Total_retrans)
		}
	})
	return
}

// errnoOf extracts the errno behind a socket error, for serv_errno;
// EIO when there is none.
func errnoOf(err error) int32 {
	var en syscall.Errno
	if errors.As(err, &en) && en != 0 {
		return int32(en)
	}
	return int32(syscall.EIO)
}
