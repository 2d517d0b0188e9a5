package netperf

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// TestBindProcessPinsEveryThread runs in a child process, since the
// binding holds for the whole process: after BindProcess every thread,
// those there before and those started after, may run only on that CPU.
func TestBindProcessPinsEveryThread(t *testing.T) {
	if !inChild(t) {
		return
	}
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		t.Fatal(err)
	}
	cpu := -1
	for c := 0; c < 1024; c++ {
		if all.IsSet(c) {
			cpu = c // the last CPU we may use, not always CPU 0
		}
	}
	// Threads that exist before the binding.
	var wg, started sync.WaitGroup
	hold := make(chan struct{})
	startThreads := func() {
		for i := 0; i < 3; i++ {
			wg.Add(1)
			started.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread() // a thread of its own while it waits
				started.Done()
				<-hold
			}()
		}
		started.Wait()
	}
	startThreads()
	if err := BindProcess(cpu); err != nil {
		t.Fatal(err)
	}
	startThreads() // and threads started after it
	threads := threadCPUs(0)
	if len(threads) < 7 {
		t.Fatalf("only %d threads: the test did not start its own", len(threads))
	}
	for tid, set := range threads {
		if set.Count() != 1 || !set.IsSet(cpu) {
			t.Errorf("thread %d may run on %d CPUs (CPU %d set: %v), want only CPU %d", tid, set.Count(), cpu, set.IsSet(cpu), cpu)
		}
	}
	close(hold)
	wg.Wait()
}

// TestServerPinsWhileAlone runs in a child process too: a session that
// asks for a CPU pins the whole server while it is the only session; a
// second session gives the other threads their CPUs back, and so does the
// end of the first.
func TestServerPinsWhileAlone(t *testing.T) {
	if !inChild(t) {
		return
	}
	cpu := firstStartCPU(t)
	// threadsOn counts the threads (but the session's) that may run only
	// on cpu, and those on the CPUs the process started with.
	threadsOn := func(skip int) (pinned, free int) {
		for _, set := range threadCPUs(skip) {
			if set.Count() == 1 && set.IsSet(cpu) {
				pinned++
			} else if set == startCPUs {
				free++
			}
		}
		return pinned, free
	}

	var s Server
	type step struct{ pinned, free int }
	steps := make(chan step, 3)
	second := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		release, err := s.bindSession(cpu, func() bool { return true })
		if err != nil {
			t.Error(err)
			return
		}
		me := unix.Gettid()
		p, f := threadsOn(me)
		steps <- step{p, f}
		<-second
		p, f = threadsOn(me)
		steps <- step{p, f}
		release()
		p, f = threadsOn(me)
		steps <- step{p, f}
	}()
	alone := <-steps
	if alone.pinned == 0 || alone.free != 0 {
		t.Errorf("alone: %d other threads pinned, %d free; want all pinned", alone.pinned, alone.free)
	}
	s.track(nil, true) // another session begins
	close(second)
	shared := <-steps
	if shared.pinned != 0 {
		t.Errorf("with a second session: %d other threads still pinned", shared.pinned)
	}
	ended := <-steps
	if ended.pinned != 0 {
		t.Errorf("after release: %d other threads still pinned", ended.pinned)
	}
	<-done
}

// TestPinWholeProcess: only a stream session alone in the server, with its
// client in another process, pins the whole server.
func TestPinWholeProcess(t *testing.T) {
	for _, c := range []struct {
		test       string
		sessions   int
		clientHere bool
		want       bool
	}{
		{"TCP_STREAM", 1, false, true},
		{"TCP_MAERTS", 1, false, true},
		{"UDP_STREAM", 1, false, true},
		{"TCP_RR", 1, false, false},
		{"TCP_CRR", 1, false, false},
		{"UDP_RR", 1, false, false},
		{"TCP_STREAM", 2, false, false},
		{"TCP_STREAM", 1, true, false},
	} {
		req := omniRequest{Direction: shapes[c.test].direction}
		if got := pinWholeProcess(&req, c.sessions, c.clientHere); got != c.want {
			t.Errorf("%s with %d sessions, client here %v: pin the process %v, want %v",
				c.test, c.sessions, c.clientHere, got, c.want)
		}
	}
}

// TestServerUnpinsToStartCPUs: a session that asks for a CPU twice on one
// control connection (netperf -i runs several tests on it) is already on
// that CPU the second time; when it pinned the whole server then, the end
// of the session must give the other threads the CPUs the process started
// with, not that one CPU.
func TestServerUnpinsToStartCPUs(t *testing.T) {
	if !inChild(t) {
		return
	}
	cpu := firstStartCPU(t)
	var s Server
	done := make(chan int)
	go func() {
		// First test: another session runs, so only the thread is pinned.
		first, _ := s.bindSession(cpu, func() bool { return false })
		// Second test, now alone: the whole process.
		second, err := s.bindSession(cpu, func() bool { return true })
		if err != nil {
			t.Error(err)
		}
		second()
		first()
		done <- unix.Gettid()
	}()
	me := <-done
	for tid, set := range threadCPUs(me) {
		if set != startCPUs {
			t.Errorf("thread %d left on CPUs %v after the session, want the %d it started with", tid, set, startCPUs.Count())
		}
	}
}

// inChild reruns the calling test in a child process and reports there
// whether it failed; it returns true in that child. Tests that pin threads
// run there, since a binding holds for the whole process.
func inChild(t *testing.T) bool {
	if os.Getenv("NPERF_TEST_BIND_CHILD") != "" {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), "NPERF_TEST_BIND_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	return false
}

// threadCPUs gives the CPUs of every thread of the process but skip (0:
// none), leaving out threads that exit while it reads.
func threadCPUs(skip int) map[int]unix.CPUSet {
	sets := map[int]unix.CPUSet{}
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		var set unix.CPUSet
		if tid != skip && unix.SchedGetaffinity(tid, &set) == nil {
			sets[tid] = set
		}
	}
	return sets
}

// firstStartCPU is the first CPU the process started with; it skips the
// test unless there are two, to tell a pinned thread from one that is not.
func firstStartCPU(t *testing.T) int {
	if startCPUs.Count() < 2 {
		t.Skip("needs two CPUs to tell a pinned thread from one that is not")
	}
	cpu := 0
	for !startCPUs.IsSet(cpu) {
		cpu++
	}
	return cpu
}
