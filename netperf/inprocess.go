package netperf

import (
	"net"
	"sync"
	"sync/atomic"
)

// A test whose client and server run in one process (nperf run with no -H
// and its embedded server; multi, monitor and profile likewise) has both
// ends' data loops wait in the runtime's netpoller rather than each on a
// thread of its own: there the scheduler hands over from one end to the
// other on the same thread, without a trip through the kernel's scheduler.
// On a 2-core machine that makes an in-process TCP_RR several times faster
// than two blocking threads waking each other across CPUs, and streams no
// slower.
//
// The client registers its control connection's addresses for as long as
// the test runs; the server, accepting a control connection, looks them up
// and, finding them, marks both ends. Both addresses, since Linux gives one
// local port to several connections to different servers.
var inProcessClients sync.Map // "client address>server address" -> *atomic.Bool

// pollInProcess is false only in tests that run the blocking loops with
// both ends in the test process.
var pollInProcess = true

// registerClient notes ctrl as the control connection of a client in this
// process. The flag turns true when a server in this process takes it;
// unregister must be called when the test ends.
func registerClient(ctrl net.Conn) (flag *atomic.Bool, unregister func()) {
	flag = new(atomic.Bool)
	key := ctrl.LocalAddr().String() + ">" + ctrl.RemoteAddr().String()
	inProcessClients.Store(key, flag)
	return flag, func() { inProcessClients.CompareAndDelete(key, flag) }
}

// clientInProcess reports whether the peer of a server's control
// connection is a client in this process, and tells that client so.
func clientInProcess(ctrl net.Conn) bool {
	if !pollInProcess {
		return false
	}
	v, ok := inProcessClients.Load(ctrl.RemoteAddr().String() + ">" + ctrl.LocalAddr().String())
	if !ok {
		return false
	}
	v.(*atomic.Bool).Store(true)
	return true
}
