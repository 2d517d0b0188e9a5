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

// setThreads sets the CPUs of every thread of the process but skip.
func setThreads(set *unix.CPUSet, skip int) error {
	done := map[int]bool{skip: true}
	for pass := 0; pass < 2; pass++ {
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
		}
	}
	return nil
}
