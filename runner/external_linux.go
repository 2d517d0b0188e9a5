package runner

import "golang.org/x/sys/unix"

// pinProcess pins process pid to one CPU: its main thread, and so every
// thread it creates later. Right after it starts, netperf has no other.
func pinProcess(pid, cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	return unix.SchedSetaffinity(pid, &set)
}
