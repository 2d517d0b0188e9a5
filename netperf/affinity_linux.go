package netperf

import (
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// bindThread locks the calling goroutine to its OS thread and pins that
// thread to one CPU. The goroutine keeps the thread until it exits.
func bindThread(cpu int) error {
	runtime.LockOSThread()
	var set unix.CPUSet
	set.Set(cpu)
	return unix.SchedSetaffinity(0, &set)
}

// BindThread is bindThread for callers that run a Client on a pinned
// goroutine (nperf multi --cpus).
func BindThread(cpu int) error { return bindThread(cpu) }

// BindProcess pins every thread of the process to one CPU, as netperf -T
// pins the netperf process, and locks the calling goroutine to its thread.
// It is for a process that runs one test (nperf run): pinning only the
// data loop's thread would leave the Go runtime's other threads (sysmon,
// the threads that hand a preempted loop back to its own) free to run on
// the peer's CPU, where each of their wake-ups takes a little from the
// peer. Measured with a 16 KB TCP_STREAM sender on CPU 0 and stock
// netserver on CPU 1, such stray wake-ups cost the Go sender about 5% of
// its throughput against netperf's; pinned like this it matches netperf.
// Threads started later inherit the binding from the thread that starts
// them, so a second pass catches any started during the first.
func BindProcess(cpu int) error {
	if err := bindThread(cpu); err != nil {
		return err
	}
	var set unix.CPUSet
	set.Set(cpu)
	return setThreads(&set, unix.Gettid())
}

// setThreads sets the CPUs of every thread of the process but skip. A
// thread started meanwhile inherits the CPUs of the thread that starts it,
// old or new, so it goes over the threads again until a pass finds none it
// has not set (a few passes at most: the runtime starts threads rarely).
func setThreads(set *unix.CPUSet, skip int) error {
	done := map[int]bool{skip: true}
	for fresh := true; fresh; {
		fresh = false
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil || done[tid] {
				continue
			}
			// A thread may exit under us (ESRCH): nothing left to pin.
			if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH {
				return err
			}
			done[tid] = true
			fresh = true
		}
	}
	return nil
}

// startCPUs is the set of CPUs the process started with, read at package
// initialization on the main thread, before anything here pins a thread:
// what a server pinned to one session's CPUs gives back to its threads.
// Read later, from a session's thread, it could already be that CPU alone.
var startCPUs, startCPUsErr = func() (set unix.CPUSet, err error) {
	err = unix.SchedGetaffinity(0, &set)
	return set, err
}()

// pinWholeProcess says whether a session that asks for a CPU pins every
// thread of the server there, not only its own: for a stream test, while
// it is the server's only session (sessions counts it) and its client runs
// in another process. netserver runs each test in a process of its own and
// pins that process. For nperf server the same measured better for the
// stream tests (the runtime's other threads then stay off the client's
// CPU, for the reason BindProcess gives) and worse for request/response,
// whose sessions therefore pin their thread only (docs/netperf-compat.md,
// CPU binding).
func pinWholeProcess(req *omniRequest, sessions int, clientHere bool) bool {
	stream := req.Direction == dirRecv || req.Direction == dirXmit
	return stream && sessions <= 1 && !clientHere
}

// A serverPin is the pinning of the whole server to one session's CPU
// (pinWholeProcess). When another session begins, the other threads get
// their CPUs back, so that no other test is held to that CPU. The
// Server's mu guards it.
type serverPin struct {
	owner int // thread of the session that pinned the process; 0: none
}

// bindSession pins the calling session's thread to cpu, and the whole
// process when alone says that no other session runs. The returned
// function, called when the session ends, gives the process back the CPUs
// it started with.
func (s *Server) bindSession(cpu int, alone func() bool) (release func(), err error) {
	if err := bindThread(cpu); err != nil {
		return func() {}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pin.owner != 0 || startCPUsErr != nil || !alone() {
		return func() {}, nil // only the thread is pinned
	}
	var set unix.CPUSet
	set.Set(cpu)
	me := unix.Gettid()
	s.pin.owner = me
	if err := setThreads(&set, me); err != nil {
		s.unpinLocked()
		return func() {}, err
	}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.pin.owner == me {
			s.unpinLocked()
		}
	}, nil
}

// unpinLocked gives every thread but the owner's the CPUs the process
// started with.
func (s *Server) unpinLocked() {
	if s.pin.owner != 0 {
		if err := setThreads(&startCPUs, s.pin.owner); err != nil {
			s.logf("cannot give the server's threads their CPUs back: %v", err)
		}
		s.pin.owner = 0
	}
}
