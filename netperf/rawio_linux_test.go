package netperf

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"nperf/result"
)

// tcpPair is a connected pair of TCP connections on loopback.
func tcpPair(t *testing.T) (a, b *net.TCPConn) {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err = net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	b, err = ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// needBlockSlot skips when this process cannot give a loop a thread of its
// own (GOMAXPROCS 1), and fails when a slot leaked.
func needBlockSlot(t *testing.T) {
	t.Helper()
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("GOMAXPROCS is 1: no loop blocks in the kernel")
	}
	if n, m := blockSlots.Load(), activeLoops.Load(); n != 0 || m != 0 {
		t.Fatalf("%d block slots taken, %d loops active before the test", n, m)
	}
}

// echo answers every message of size n on c until it closes.
func echo(c net.Conn, n int) {
	buf := make([]byte, n)
	for {
		if _, err := readAll(c, buf); err != nil {
			return
		}
		if _, err := c.Write(buf); err != nil {
			return
		}
	}
}

func readAll(c net.Conn, buf []byte) (int, error) {
	got := 0
	for got < len(buf) {
		n, err := c.Read(buf[got:])
		got += n
		if err != nil {
			return got, err
		}
	}
	return got, nil
}

// TestPingPongModes runs round trips in each mode, then checks that the
// connection close hands back is an ordinary net.Conn again: its
// deadlines work and it carries data.
func TestPingPongModes(t *testing.T) {
	needBlockSlot(t)
	for _, want := range []ioMode{ioBlock, ioPoll, ioSpin} {
		t.Run(want.String(), func(t *testing.T) {
			a, b := tcpPair(t)
			go echo(b, 100)
			p, err := newPingPong(a, loopOpts{spin: want == ioSpin, noBlock: want == ioPoll})
			if err != nil {
				t.Fatal(err)
			}
			if p.mode != want {
				t.Fatalf("mode %v, want %v", p.mode, want)
			}
			var k counters
			req, rsp := fillBuffer(100), make([]byte, 100)
			func() {
				defer p.lock()()
				for i := 0; i < 1000; i++ {
					req[0] = byte(i)
					if err := p.writeAll(req, &k); err != nil {
						t.Fatal(err)
					}
					if err := p.readFull(rsp, &k); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(req, rsp) {
						t.Fatalf("round trip %d: got %q", i, rsp)
					}
				}
			}()
			c, err := p.close()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if n := blockSlots.Load(); n != 0 {
				t.Errorf("%d block slots still taken after close", n)
			}
			if k.sent.Load() != 100000 || k.recv.Load() != 100000 {
				t.Errorf("counted %d bytes sent, %d received; want 100000 each", k.sent.Load(), k.recv.Load())
			}
			// The socket is non-blocking again, without timeouts, and a
			// deadline ends a read of a silent peer.
			rc, err := c.SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			rc.Control(func(fd uintptr) {
				fl, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
				if err != nil || fl&unix.O_NONBLOCK == 0 {
					t.Errorf("flags %#x, %v: want O_NONBLOCK", fl, err)
				}
				tv, err := unix.GetsockoptTimeval(int(fd), unix.SOL_SOCKET, unix.SO_RCVTIMEO)
				if err != nil || tv.Sec != 0 || tv.Usec != 0 {
					t.Errorf("SO_RCVTIMEO %+v, %v: want none", tv, err)
				}
			})
			c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			start := time.Now()
			if _, err := c.Read(rsp); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("read past the deadline: %v, want a timeout", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("the 50 ms deadline took %v", d)
			}
			c.SetDeadline(time.Time{})
			if _, err := c.Write(req); err != nil {
				t.Fatal(err)
			}
			if _, err := readAll(c, rsp); err != nil || !bytes.Equal(req, rsp) {
				t.Errorf("after close: %q, %v", rsp, err)
			}
		})
	}
}

// TestPingPongBlockEnds: a loop blocked on a silent peer ends at its
// deadline, or soon after being told to stop, and the garbage collector
// does not wait on it meanwhile.
func TestPingPongBlockEnds(t *testing.T) {
	needBlockSlot(t)
	a, _ := tcpPair(t)

	p, err := newPingPong(a, loopOpts{until: time.Now().Add(100 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if p.mode != ioBlock {
		t.Fatalf("mode %v, want block", p.mode)
	}
	start := time.Now()
	_, err = p.recv(make([]byte, 10))
	if !isTimeout(err) {
		t.Errorf("recv past the deadline: %v, want a timeout", err)
	}
	if d := time.Since(start); d < 90*time.Millisecond || d > 2*time.Second {
		t.Errorf("the deadline 100 ms ahead ended the call after %v", d)
	}
	c, err := p.close()
	if err != nil {
		t.Fatal(err)
	}

	var stop atomic.Bool
	p, err = newPingPong(c.(*net.TCPConn), loopOpts{stop: stop.Load})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		defer p.lock()()
		_, err := p.recv(make([]byte, 10))
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let it block
	gcStart := time.Now()
	runtime.GC()
	if d := time.Since(gcStart); d > time.Second {
		t.Errorf("a garbage collection took %v while a loop blocked", d)
	}
	stop.Store(true)
	stopped := time.Now()
	select {
	case err := <-done:
		if err != errAborted {
			t.Errorf("recv after stop: %v, want %v", err, errAborted)
		}
		if d := time.Since(stopped); d > time.Second {
			t.Errorf("stopping took %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a stopped loop still blocks after 5 s")
	}
	if _, err := p.close(); err != nil {
		t.Fatal(err)
	}
}

// TestPingPongBlockUDP: an unconnected UDP loop in block mode sends to its
// peer and replies to the sender, as the UDP_RR client and server do.
func TestPingPongBlockUDP(t *testing.T) {
	needBlockSlot(t)
	lo := netip.MustParseAddrPort("127.0.0.1:0")
	srv, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(lo))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cli, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(lo))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	p, err := newPingPong(srv, loopOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if p.mode != ioBlock {
		t.Fatalf("mode %v, want block", p.mode)
	}
	done := make(chan error, 1)
	go func() {
		defer p.lock()()
		buf := make([]byte, 100)
		for {
			n, err := p.recv(buf)
			if err != nil || n == 0 {
				done <- err
				return
			}
			p.replyToSender()
			buf[0]++
			if _, err := p.send(buf[:n]); err != nil {
				done <- err
				return
			}
		}
	}()
	to := srv.LocalAddr().(*net.UDPAddr).AddrPort()
	buf := make([]byte, 100)
	for i := 0; i < 100; i++ {
		if _, err := cli.WriteToUDPAddrPort([]byte{byte(i), 'x'}, to); err != nil {
			t.Fatal(err)
		}
		cli.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := cli.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 || buf[0] != byte(i+1) || buf[1] != 'x' {
			t.Fatalf("reply %d: %q", i, buf[:n])
		}
	}
	cli.WriteToUDPAddrPort(nil, to) // the end marker
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c, err := p.close()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(*net.UDPConn); !ok {
		t.Errorf("close gave a %T, want *net.UDPConn", c)
	}
	c.Close()
}

// TestBlockSlots: a process blocks in the kernel in at most GOMAXPROCS-1
// loops at once, and only while no more loops run than processors: when
// more start, a blocking loop moves to the netpoller at its next call,
// hands its new connection to its owner, and goes on.
func TestBlockSlots(t *testing.T) {
	needBlockSlot(t)
	procs := runtime.GOMAXPROCS(0)
	var loops []*pingPong
	var swapped dataConn
	for i := 0; i < procs; i++ {
		a, b := tcpPair(t)
		go echo(b, 10)
		p, err := newPingPong(a, loopOpts{swap: func(c dataConn) { swapped = c }})
		if err != nil {
			t.Fatal(err)
		}
		loops = append(loops, p)
	}
	blocking := 0
	for _, p := range loops {
		if p.mode == ioBlock {
			blocking++
		}
	}
	if blocking != procs-1 {
		t.Errorf("%d of %d loops block, want %d", blocking, procs, procs-1)
	}
	first := loops[0]
	if first.mode != ioBlock {
		t.Fatalf("the first loop is in mode %v, want block", first.mode)
	}
	roundTrip := func(p *pingPong) {
		t.Helper()
		var k counters
		msg := []byte("0123456789")
		if err := p.writeAll(msg, &k); err != nil {
			t.Fatal(err)
		}
		if err := p.readFull(make([]byte, 10), &k); err != nil {
			t.Fatal(err)
		}
	}
	roundTrip(first)
	if first.mode != ioBlock || swapped != nil {
		t.Fatalf("with %d loops on %d processors the first went to mode %v", procs, procs, first.mode)
	}

	// One loop more than processors: the blocking loop gives up its
	// thread.
	a, _ := tcpPair(t)
	crowd, err := newPingPong(a, loopOpts{noBlock: true})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(first)
	if first.mode != ioPoll {
		t.Errorf("with %d loops on %d processors the first is in mode %v, want poll", procs+1, procs, first.mode)
	}
	if swapped == nil || swapped != first.conn {
		t.Errorf("the owner was given %v, the loop uses %v", swapped, first.conn)
	}
	if n := blockSlots.Load(); n != 0 {
		t.Errorf("%d block slots taken in a crowded process", n)
	}
	roundTrip(first)

	for _, p := range append(loops, crowd) {
		c, err := p.close()
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	if n, m := blockSlots.Load(), activeLoops.Load(); n != 0 || m != 0 {
		t.Errorf("%d block slots taken, %d loops active after every loop closed", n, m)
	}
}

// TestRRLoopModes runs the request/response tests with the client's and
// the server's loops in each combination of modes: both blocking on a
// thread of their own, the server alone (the client shares its process,
// as in multi), and neither. Each must count right, end on its timer and
// stop at once when interrupted.
func TestRRLoopModes(t *testing.T) {
	for _, mode := range []struct {
		name       string
		gomaxprocs int
		shared     bool
		poll       bool
	}{
		{"both-block", 3, false, false},
		{"server-blocks", 2, true, false},
		{"all-poll", 2, false, true},
	} {
		t.Run(mode.name, func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(mode.gomaxprocs))
			defer func(old bool) { forcePoll = old }(forcePoll)
			forcePoll = mode.poll
			defer func(old bool) { pollInProcess = old }(pollInProcess)
			pollInProcess = false // the server stands for one in a process of its own
			port, stopServer := startServer(t)
			for _, test := range []string{"TCP_RR", "UDP_RR", "TCP_CRR"} {
				c := &Client{Shared: mode.shared}
				rec := c.Run(context.Background(), &result.Spec{Test: test, Host: "127.0.0.1", Port: port, LengthUnits: 300})
				if rec.Err != nil || rec.Transactions != 300 || rec.Detail.RemoteTransactions != 300 {
					t.Fatalf("%s -l -300: %d transactions, the server %d, err %v", test, rec.Transactions, rec.Detail.RemoteTransactions, rec.Err)
				}
				// A CRR server ends on its own timer, 4 s after the test's
				// end, as netserver does: that wait is run once.
				if test != "TCP_CRR" || mode.name == "both-block" {
					start := time.Now()
					rec = c.Run(context.Background(), &result.Spec{Test: test, Host: "127.0.0.1", Port: port, LengthSeconds: 1})
					if rec.Err != nil || rec.Transactions == 0 || rec.Elapsed < 900*time.Millisecond {
						t.Fatalf("%s -l 1: %d transactions in %v, err %v", test, rec.Transactions, rec.Elapsed, rec.Err)
					}
					if wall := time.Since(start); wall > 8*time.Second {
						t.Errorf("%s -l 1 took %v", test, wall)
					}
				}
				ictx, icancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				rec = c.Run(ictx, &result.Spec{Test: test, Host: "127.0.0.1", Port: port, LengthSeconds: 30})
				icancel()
				if rec.Err == nil || rec.Err.Kind != result.ErrInterrupted || rec.Transactions == 0 {
					t.Fatalf("%s interrupted: %d transactions, err %v", test, rec.Transactions, rec.Err)
				}
				if late := time.Since(rec.Start) - rec.Elapsed; late > 2*time.Second {
					t.Errorf("%s returned %v after its data phase ended", test, late)
				}
			}
			// The server's loops end with their sessions and give
			// their slots back.
			stopServer()
			deadline := time.Now().Add(5 * time.Second)
			for blockSlots.Load() != 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := blockSlots.Load(); n != 0 {
				t.Errorf("%d block slots still taken", n)
			}
		})
	}
}

// TestStreamInterruptBlocking: a stream makes progress on every call, so a
// blocking loop never sees a timeout or EINTR; Ctrl-C on the client and the
// server shutting down must still end it promptly.
func TestStreamInterruptBlocking(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3)) // client and server both block
	defer func(old bool) { pollInProcess = old }(pollInProcess)
	pollInProcess = false
	port, _ := startServer(t)
	for _, test := range []string{"TCP_STREAM", "TCP_MAERTS", "UDP_STREAM"} {
		ictx, icancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		rec := (&Client{}).Run(ictx, &result.Spec{Test: test, Host: "127.0.0.1", Port: port, LengthSeconds: 30})
		icancel()
		if rec.Err == nil || rec.Err.Kind != result.ErrInterrupted || rec.BytesSent+rec.BytesRecv == 0 {
			t.Fatalf("%s interrupted: %d+%d bytes, err %v", test, rec.BytesSent, rec.BytesRecv, rec.Err)
		}
		if rec.Elapsed > 2*time.Second {
			t.Errorf("%s: the data phase went on for %v after Ctrl-C at 300ms", test, rec.Elapsed)
		}
		if late := time.Since(rec.Start) - rec.Elapsed; late > 2*time.Second {
			t.Errorf("%s returned %v after its data phase ended", test, late)
		}
	}

	// The server shuts down while a client streams into it and while it
	// streams to a client.
	for _, test := range []string{"TCP_STREAM", "TCP_MAERTS"} {
		port, stopServer := startServer(t)
		cdone := make(chan *result.Record, 1)
		go func() {
			cdone <- (&Client{}).Run(context.Background(), &result.Spec{Test: test, Host: "127.0.0.1", Port: port, LengthSeconds: 30})
		}()
		time.Sleep(300 * time.Millisecond)
		stopped := time.Now()
		sdone := make(chan struct{})
		go func() {
			defer close(sdone)
			stopServer()
		}()
		select {
		case <-sdone:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the server still runs 5 s after shutdown", test)
		}
		if took := time.Since(stopped); took > 2*time.Second {
			t.Errorf("%s: the server took %v to shut down", test, took)
		}
		select {
		case <-cdone:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the client still runs 20 s after its server went away", test)
		}
	}
}

// TestInProcessPolls: with client and server in one process, both ends'
// loops wait in the netpoller (no loop takes a thread of its own), even
// where there would be processors enough for both to block; with the
// detection off, they block.
func TestInProcessPolls(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	for _, detect := range []bool{true, false} {
		func() {
			defer func(old bool) { pollInProcess = old }(pollInProcess)
			pollInProcess = detect
			port, stopServer := startServer(t)
			defer stopServer()
			for _, test := range []string{"TCP_RR", "TCP_STREAM", "TCP_CRR", "UDP_RR"} {
				var most atomic.Int32
				stop := make(chan struct{})
				watched := make(chan struct{})
				go func() {
					defer close(watched)
					for {
						select {
						case <-stop:
							return
						case <-time.After(time.Millisecond):
						}
						if n := blockSlots.Load(); n > most.Load() {
							most.Store(n)
						}
					}
				}()
				spec := &result.Spec{Test: test, Host: "127.0.0.1", Port: port, LengthSeconds: 1}
				if test == "TCP_CRR" {
					// A timed CRR server waits 4 s past the end.
					spec.LengthSeconds, spec.LengthUnits = 0, 3000
				}
				rec := (&Client{}).Run(context.Background(), spec)
				close(stop)
				<-watched
				if rec.Err != nil {
					t.Fatalf("%s: %v", test, rec.Err)
				}
				switch n := most.Load(); {
				case detect && n != 0:
					t.Errorf("%s in one process: %d loops blocked on threads of their own, want none", test, n)
				case !detect && n == 0:
					t.Errorf("%s with the detection off: no loop blocked; the test cannot tell the modes apart", test)
				}
			}
		}()
	}
}
