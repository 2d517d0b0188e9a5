// Package netperftest runs an nperf netperf server on loopback for tests,
// in the style of net/http/httptest.
package netperftest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"

	"nperf/netperf"
)

// A Server is a netperf.Server listening on 127.0.0.1 at an ephemeral port.
type Server struct {
	Addr string // host:port of the control listener
	Host string // "127.0.0.1"
	Port int

	mu     sync.Mutex
	logs   []string
	cancel context.CancelFunc
	done   chan struct{}
}

// NewServer starts a server and registers its Close with t.Cleanup.
func NewServer(t testing.TB) *Server {
	t.Helper()
	ln, err := netperf.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("netperftest: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Addr: ln.Addr().String(), Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, cancel: cancel, done: make(chan struct{})}
	srv := &netperf.Server{Logf: func(format string, args ...any) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.logs = append(s.logs, fmt.Sprintf(format, args...))
	}}
	go func() {
		defer close(s.done)
		srv.Serve(ctx, ln)
	}()
	t.Cleanup(s.Close)
	return s
}

// PortString is Port in decimal, for command lines.
func (s *Server) PortString() string { return strconv.Itoa(s.Port) }

// Logs returns the server's log lines so far: one per session that ended
// with an error.
func (s *Server) Logs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.logs...)
}

// Close stops the server and waits for every session to end.
func (s *Server) Close() {
	s.cancel()
	<-s.done
}
