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
	if os.Getenv("NPERF_TEST_BIND_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBindProcessPinsEveryThread$", "-test.v")
		cmd.Env = append(os.Environ(), "NPERF_TEST_BIND_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
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
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 7 {
		t.Fatalf("only %d threads: the test did not start its own", len(tasks))
	}
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(tid, &set); err != nil {
			continue // exited
		}
		if set.Count() != 1 || !set.IsSet(cpu) {
			t.Errorf("thread %d may run on %d CPUs (CPU %d set: %v), want only CPU %d", tid, set.Count(), cpu, set.IsSet(cpu), cpu)
		}
	}
	close(hold)
	wg.Wait()
}
