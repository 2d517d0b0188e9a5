package netperf

import (
	"io"
	"net"
	"sync/atomic"
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

// sendStream writes buf until an error (a deadline ends timed tests) or,
// with limit > 0, until limit bytes have gone.
func sendStream(c net.Conn, buf []byte, k *counters, limit uint64) error {
	for {
		if limit > 0 {
			left := limit - k.sent.Load()
			if left == 0 {
				return nil
			}
			if left < uint64(len(buf)) {
				buf = buf[:left]
			}
		}
		n, err := c.Write(buf)
		k.sendCalls.Add(1)
		k.sent.Add(uint64(n))
		if err != nil {
			return err
		}
	}
}

// recvStream reads until EOF (returned as io.EOF), an error, or limit bytes.
func recvStream(c net.Conn, buf []byte, k *counters, limit uint64) error {
	for {
		n, err := c.Read(buf)
		if n > 0 {
			k.recvCalls.Add(1)
			k.recv.Add(uint64(n))
			if limit > 0 && k.recv.Load() >= limit {
				return nil
			}
		}
		if err != nil {
			return err
		}
	}
}

// readFull reads exactly len(buf) bytes, counting calls and bytes; io.EOF
// only when nothing of this message arrived.
func readFull(c net.Conn, buf []byte, k *counters) error {
	got := 0
	for got < len(buf) {
		n, err := c.Read(buf[got:])
		k.recvCalls.Add(1)
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

func writeAll(c net.Conn, buf []byte, k *counters) error {
	n, err := c.Write(buf)
	k.sendCalls.Add(1)
	k.sent.Add(uint64(n))
	return err
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
