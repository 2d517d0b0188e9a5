package netperf

import (
	"runtime"

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
