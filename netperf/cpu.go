package netperf

import (
	"math"
	"nperf/result"

	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
)

// cpuMethodProcStat is netperf's CPU method code for /proc/stat (letter S).
const cpuMethodProcStat = 8

// cpuTimes is one reading of the aggregate "cpu" line of /proc/stat, in
// clock ticks.
type cpuTimes struct {
	user, nice, system, idle, iowait, irq, softirq, steal uint64
}

func (t cpuTimes) total() uint64 {
	return t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal
}

// readCPUTimes reads /proc/stat. The measurement window is bracketed by two
// readings; nothing samples in between, so measuring costs nothing while
// the test runs.
func readCPUTimes() (cpuTimes, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, err
	}
	return parseCPUTimes(b)
}

func parseCPUTimes(b []byte) (cpuTimes, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) < 5 || string(f[0]) != "cpu" {
			continue
		}
		var v [8]uint64
		for i := 0; i < 8 && i+1 < len(f); i++ {
			n, err := strconv.ParseUint(string(f[i+1]), 10, 64)
			if err != nil {
				return cpuTimes{}, fmt.Errorf("/proc/stat: %w", err)
			}
			v[i] = n
		}
		return cpuTimes{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]}, nil
	}
	return cpuTimes{}, fmt.Errorf("/proc/stat: no aggregate cpu line")
}

// cpuUtil is utilisation over a window, in percent of all CPUs.
type cpuUtil struct {
	util, user, system, iowait, irq, softirq float64
	numCPUs                                  int
}

// scaled multiplies the utilisation figures by f, capped at 100%: the
// share of a longer reading window that the test really used.
func (u cpuUtil) scaled(f float64) cpuUtil {
	if f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return u
	}
	c := func(v float64) float64 { return math.Min(100, v*f) }
	u.util, u.user, u.system, u.iowait, u.irq, u.softirq = c(u.util), c(u.user), c(u.system), c(u.iowait), c(u.irq), c(u.softirq)
	return u
}

// utilBetween computes utilisation from two readings the way netperf's
// procstat method does: busy is everything but idle.
func utilBetween(a, b cpuTimes) cpuUtil {
	u := cpuUtil{numCPUs: runtime.NumCPU()}
	total := float64(b.total() - a.total())
	if total <= 0 {
		return u
	}
	pct := func(x, y uint64) float64 { return 100 * float64(y-x) / total }
	u.user = pct(a.user+a.nice, b.user+b.nice)
	u.system = pct(a.system, b.system)
	u.iowait = pct(a.iowait, b.iowait)
	u.irq = pct(a.irq, b.irq)
	u.softirq = pct(a.softirq, b.softirq)
	u.util = 100 - pct(a.idle, b.idle)
	return u
}

// A CPUReading is one reading of the system's CPU counters; two bracket a
// measurement window. Callers that measure a window of their own (a
// multi-instance run) use it; tests use their own readings internally.
type CPUReading struct{ t cpuTimes }

// ReadCPU takes a reading from /proc/stat.
func ReadCPU() (CPUReading, error) {
	t, err := readCPUTimes()
	return CPUReading{t}, err
}

// UtilSince is system-wide CPU utilisation between an earlier reading and
// this one, in percent of all CPUs, without service demand.
func (r CPUReading) UtilSince(earlier CPUReading) *result.CPUSide {
	u := utilBetween(earlier.t, r.t)
	return &result.CPUSide{
		UtilPercent: u.util, UserPercent: u.user, SystemPercent: u.system,
		IOWaitPercent: u.iowait, IRQPercent: u.irq, SoftIRQPercent: u.softirq,
		NumCPUs: u.numCPUs, Method: "S",
	}
}
