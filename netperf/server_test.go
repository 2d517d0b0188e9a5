package netperf_test

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"nperf/netperf"
	"nperf/netperf/netperftest"
	"nperf/result"
)

// omniRequestBytes builds a plausible DO_OMNI request for TCP_STREAM, to
// be corrupted by the tests.
func omniRequestBytes(testLength int32) []byte {
	m := make([]byte, netperf.MessageSize)
	w := func(word int, v uint32) { binary.BigEndian.PutUint32(m[4*word:], v) }
	w(0, 97)
	w(1, 0xffffffff)
	for i := 2; i < 40; i++ {
		w(i, 0xffffffff)
	}
	w(2+12, 0x20)               // flags
	w(2+13, 0)                  // cpu_rate
	w(2+14, uint32(testLength)) // test_length
	w(2+20, 0)                  // data_port
	w(2+21, 4)                  // ipfamily
	w(2+22, 1)                  // socket type
	w(2+23, 6)                  // protocol
	w(2+24, 4)                  // direction: server receives
	w(2+28, 0)                  // netperf_ip
	w(2+29, 0)
	w(2+30, 0)
	w(2+31, 0)
	for i := 2 + 32; i < 2+36; i++ {
		w(i, 0)
	}
	return m
}

// TestServerSurvivesMalformedSessions hits a server with 200 sessions that
// send garbage, short messages, unknown types, absurd requests or vanish
// mid-test, then checks that a correct test still runs.
func TestServerSurvivesMalformedSessions(t *testing.T) {
	srv := netperftest.NewServer(t)
	r := rand.New(rand.NewPCG(7, 7))
	kinds := []func(c net.Conn){
		func(c net.Conn) { // random bytes, full message length
			b := make([]byte, netperf.MessageSize)
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			c.Write(b)
		},
		func(c net.Conn) { c.Write([]byte("GET / HTTP/1.0\r\n\r\n")) }, // short, then EOF
		func(c net.Conn) { // unknown request type
			b := make([]byte, netperf.MessageSize)
			binary.BigEndian.PutUint32(b, 4242)
			c.Write(b)
		},
		func(c net.Conn) { // DO_OMNI asking for a 2 GB message
			b := omniRequestBytes(1)
			binary.BigEndian.PutUint32(b[4*(2+1):], 0x7fffffff)
			binary.BigEndian.PutUint32(b[4*(2+24):], 2)
			c.Write(b)
		},
		func(c net.Conn) { // DO_OMNI with an unknown protocol
			b := omniRequestBytes(1)
			binary.BigEndian.PutUint32(b[4*(2+22):], 9)
			c.Write(b)
		},
		func(c net.Conn) { // a valid 1000 s test, client vanishes after the response
			c.Write(omniRequestBytes(1000))
			b := make([]byte, netperf.MessageSize)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			readFull(c, b)
		},
		func(c net.Conn) { // half a message, then silence and close
			c.Write(omniRequestBytes(1)[:300])
		},
	}
	for i := 0; i < 200; i++ {
		c, err := net.Dial("tcp", srv.Addr)
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		kinds[i%len(kinds)](c)
		c.Close()
	}
	rec := (&netperf.Client{}).Run(context.Background(), &result.Spec{Test: "TCP_RR", Host: srv.Host, Port: srv.Port, LengthSeconds: 1})
	if rec.Err != nil || rec.Transactions == 0 {
		t.Fatalf("after malformed sessions: %v, %d transactions", rec.Err, rec.Transactions)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(srv.Logs()) < 150 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(srv.Logs()); n < 150 {
		t.Errorf("only %d sessions logged a reason, want most of 200: %q", n, srv.Logs())
	}
}

func readFull(c net.Conn, b []byte) {
	for got := 0; got < len(b); {
		n, err := c.Read(b[got:])
		if err != nil {
			return
		}
		got += n
	}
}

// FuzzServeConn feeds arbitrary control bytes to one session; whatever
// they are, the session must end once the client hangs up.
func FuzzServeConn(f *testing.F) {
	f.Add(omniRequestBytes(1))
	f.Add(omniRequestBytes(-100))
	f.Add([]byte{0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			(&netperf.Server{}).ServeConn(context.Background(), server)
			server.Close()
		}()
		go func() {
			var sink [netperf.MessageSize]byte
			for {
				if _, err := client.Read(sink[:]); err != nil {
					return
				}
			}
		}()
		client.SetWriteDeadline(time.Now().Add(2 * time.Second))
		client.Write(b)
		client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("session did not end after the client hung up")
		}
	})
}
