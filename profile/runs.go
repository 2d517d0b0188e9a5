package profile

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"nperf/runner"
)

// A Run is one test of a profile at one sweep point: the Job to run, how
// many times, and the expectations its results must meet.
type Run struct {
	Profile string
	Test    string // the test's name
	Type    string
	Point   []PointValue // the sweep point; empty without a sweep
	// Options are every option of the run as written, the sweep point's
	// last.
	Options []PointValue
	// Job is the runner job of every iteration, without RunID. No
	// Targets means the embedded loopback server: the caller starts one
	// and points Targets at it.
	Job        runner.Job
	Iterations int
	Pause      time.Duration // idle time before each iteration but the first of a profile
	Expect     []Expectation
}

// A PointValue is one swept option's value at a sweep point.
type PointValue struct {
	Name string
	Text string // as written in the profile
}

// Name identifies the run: the test's name and its sweep point,
// "throughput[send_size=1K,instances=4]".
func (r *Run) Name() string {
	if len(r.Point) == 0 {
		return r.Test
	}
	return r.Test + "[" + r.PointLabel() + "]"
}

// PointLabel is the sweep point as "send_size=1K,instances=4".
func (r *Run) PointLabel() string {
	s := make([]string, len(r.Point))
	for i, p := range r.Point {
		s[i] = p.Name + "=" + p.Text
	}
	return strings.Join(s, ",")
}

// Embedded reports whether the run uses the embedded loopback server.
func (r *Run) Embedded() bool { return len(r.Job.Targets) == 0 }

// JobFor returns the job of one iteration (from 1), labelled with the
// profile, the test, the sweep point and the iteration.
func (r *Run) JobFor(iteration int, runID string) runner.Job {
	j := r.Job
	j.RunID = runID
	j.Labels = map[string]string{"profile": r.Profile, "test": r.Test, "iteration": strconv.Itoa(iteration)}
	if len(r.Point) > 0 {
		j.Labels["point"] = r.PointLabel()
	}
	j.Targets = append([]runner.Target(nil), r.Job.Targets...)
	j.CPUs = append([]int(nil), r.Job.CPUs...)
	return j
}

// Estimated is how long the run's iterations take, without connection
// setup and pauses; ok is false for count-based tests, whose length
// depends on the path.
func (r *Run) Estimated() (d time.Duration, ok bool) {
	if r.Job.Spec.LengthSeconds == 0 {
		return 0, false
	}
	one := time.Duration(r.Job.Spec.LengthSeconds) * time.Second
	if r.Job.Stagger > 0 {
		one += time.Duration(r.Job.Instances-1) * r.Job.Stagger
	}
	return time.Duration(r.Iterations) * one, true
}

// Runs expands the profile into its runs, tests in order and each test's
// sweep points in order. hosts, when given, replaces every host of the
// profile (nperf profile run -H).
func (p *Profile) Runs(hosts []string) ([]*Run, error) {
	var runs []*Run
	for i := range p.Tests {
		t := &p.Tests[i]
		if t.Skip {
			continue
		}
		base := runConfig{instances: 1}
		base.spec.Test = t.Type
		dur := p.Globals.Duration
		if t.Duration > 0 {
			dur = t.Duration
		}
		base.spec.LengthSeconds = int(dur / time.Second)
		base.spec.IntervalMS = int(p.Globals.Interval / time.Millisecond)
		swept := map[string]bool{}
		for _, ax := range t.Sweep {
			swept[ax.Name] = true
		}
		var fixed []PointValue
		for _, o := range t.Options {
			if !swept[o.Name] {
				findOption(o.Name).apply(&base, o.Value)
				fixed = append(fixed, PointValue{Name: o.Name, Text: o.Text})
			}
		}
		iterations := p.Globals.Iterations
		if t.Iterations > 0 {
			iterations = t.Iterations
		}
		targetHosts := p.Globals.Hosts
		if len(t.Hosts) > 0 {
			targetHosts = t.Hosts
		}
		if len(hosts) > 0 {
			targetHosts = hosts
		}
		err := points(t.Sweep, func(pt []Option) error {
			c := base
			var point []PointValue
			for _, o := range pt {
				findOption(o.Name).apply(&c, o.Value)
				point = append(point, PointValue{Name: o.Name, Text: o.Text})
			}
			r := &Run{
				Profile: p.Name, Test: t.Name, Type: t.Type, Point: point,
				Options:    append(append([]PointValue(nil), fixed...), point...),
				Iterations: iterations, Pause: p.Globals.Pause, Expect: t.Expect,
				Job: runner.Job{Spec: c.spec, Instances: c.instances, CPUs: c.cpus, Stagger: c.stagger, Interval: p.Globals.Interval},
			}
			r.Job.Engine, _ = runner.ParseEngine(p.Globals.Engine) // checked when decoding
			for _, h := range targetHosts {
				tg, err := ParseTarget(h, c.spec.Port)
				if err != nil {
					return fmt.Errorf("test %s: %w", t.Name, err)
				}
				r.Job.Targets = append(r.Job.Targets, tg)
			}
			runs = append(runs, r)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return runs, nil
}

// points calls f with every point of the cartesian product of axes, the
// last axis varying fastest; no axes is one empty point.
func points(axes []Axis, f func([]Option) error) error {
	idx := make([]int, len(axes))
	for {
		pt := make([]Option, len(axes))
		for i, ax := range axes {
			pt[i] = ax.Values[idx[i]]
		}
		if err := f(pt); err != nil {
			return err
		}
		i := len(axes) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < len(axes[i].Values) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return nil
		}
	}
}

// ParseTarget reads a server: host, host:port, [v6]:port or a bare IPv6
// address. defPort is used when none is given (0: netperf's 12865).
func ParseTarget(s string, defPort int) (runner.Target, error) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 || h == "" {
			return runner.Target{}, fmt.Errorf("invalid server %q (host, host:port or [v6]:port)", s)
		}
		return runner.Target{Host: h, Port: n}, nil
	}
	h := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if h == "" || strings.ContainsAny(h, " \t[]/") || strings.Count(h, ":") == 1 {
		return runner.Target{}, fmt.Errorf("invalid server %q (host, host:port or [v6]:port)", s)
	}
	return runner.Target{Host: h, Port: defPort}, nil
}
