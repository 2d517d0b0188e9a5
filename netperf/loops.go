package netperf

import (
	"io"
	"net"
	"sync/atomic"
	"time"
)

// counters are the running totals of one data phase. The data loop is the
// only writer; the interval sampler reads them on its own clock, so the
// loop never stops to report.
type counters struct {
	sent, recv           atomic.Uint64 // payload bytes
	sendCalls, recvCalls atomic.Uint64
	trans                atomic.Uint64 // completed transactions
	failedSends          atomic.Uint64
}

// payload is netperf's buffer fill: the repeating text "netperf".
const payload = "netperf"

func fillBuffer(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = payload[i%len(payload)]
	}
	return b
}

// sendStream sends buf until an error, until the clock passes until (if
// not zero) or, with limit > 0, until limit bytes have gone. A send is the
// whole buffer, as a blocking send(2) is; a send blocked past until ends at
// the loop's deadline.
func sendStream(p *pingPong, buf []byte, k *counters, limit uint64, until time.Time) error {
	due := startDeadline(until)
	defer due.stop()
	for {
		if due.passed() {
			return nil
		}
		if limit > 0 {
			left := limit - k.sent.Load()
			if left == 0 {
				return nil
			}
			if left < uint64(len(buf)) {
				buf = buf[:left]
			}
		}
		n, err := p.sendAll(buf)
		k.sendCalls.Add(1)
		k.sent.Add(uint64(n))
		if err != nil {
			return err
		}
	}
}

// recvStream receives until EOF (returned as io.EOF), an error, the clock
// passing until (if not zero), or limit bytes.
func recvStream(p *pingPong, buf []byte, k *counters, limit uint64, until time.Time) error {
	due := startDeadline(until)
	defer due.stop()
	for {
		if due.passed() {
			return nil
		}
		n, err := p.recv(buf)
		if err != nil {
			return err
		}
		if n == 0 {
			return io.EOF
		}
		k.recvCalls.Add(1)
		k.recv.Add(uint64(n))
		if limit > 0 && k.recv.Load() >= limit {
			return nil
		}
	}
}

// A deadline tells a stream loop that its time is up. A timer sets it, so
// that the loop, which asks before every call, reads a flag instead of the
// clock: at 16 KB a call, reading the clock was about 1% of a loopback
// sender's time. A nil deadline (no time limit) never passes.
type deadline struct {
	done  atomic.Bool
	timer *time.Timer
}

// startDeadline starts the timer for until; nil when until is zero.
func startDeadline(until time.Time) *deadline {
	if until.IsZero() {
		return nil
	}
	d := &deadline{}
	d.timer = time.AfterFunc(time.Until(until), func() { d.done.Store(true) })
	return d
}

func (d *deadline) passed() bool { return d != nil && d.done.Load() }

func (d *deadline) stop() {
	if d != nil {
		d.timer.Stop()
	}
}

// drain reads and discards until EOF or error.
func drain(c net.Conn) {
	var b [4096]byte
	for {
		if _, err := c.Read(b[:]); err != nil {
			return
		}
	}
}
