package netperf

import (
	"context"
	"net"
	"testing"
)

// startServer runs a Server in the test process on a loopback port until
// stop is called or the test ends, and returns the port. stop returns once
// the server and its sessions have ended.
func startServer(tb testing.TB) (port int, stop func()) {
	tb.Helper()
	ln, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&Server{}).Serve(ctx, ln)
	}()
	stop = func() { cancel(); <-done }
	tb.Cleanup(stop)
	return ln.Addr().(*net.TCPAddr).Port, stop
}
