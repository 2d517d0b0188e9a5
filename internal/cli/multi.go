package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"nperf/internal/units"
	"nperf/result"
	"nperf/runner"
)

const multiUsage = `Usage: nperf multi -n N [-H host[,host...]] [multi options] [netperf options] [-- test options]

Runs N instances of one test at once and sums them over the window in which
they all ran. Without -H it starts its own server on loopback.

multi options:
  -n N              number of instances (default 2)
  -H host[,host]    servers; instances are spread over them round-robin
                    (repeatable; host:port to give a port per server)
  --cpus LIST       pin instance i to the i-th CPU of LIST (0-3, 0,2, ...)
  --stagger DUR     start instance i at i*DUR on purpose (default: all
                    connect, then start together at a barrier)
  --interval DUR    interval Record period (default 250ms)
  --engine E        nperf (default): instances in this process;
                    netperf[:PATH]: one netperf process per instance (from
                    PATH, or at PATH), started at once without a barrier
  --json            write Records (JSON Lines) to stdout instead of the table
  -o FILE           also write the Records to FILE

netperf options are those of 'nperf run' (-t, -l, -p, -c, -C, -f, -4, -6, ...).

Exit status: 0 all instances valid, 1 none valid, 3 some failed, 130 interrupted.
`

const (
	exitPartial     = 3
	exitInterrupted = 130
)

// multiCmd is "nperf multi".
func multiCmd(ctx context.Context, stdio Stdio, args []string) int {
	job := runner.Job{Instances: 2, RunID: newRunID()}
	var hosts []string
	jsonOut := false
	outFile := ""
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		value := func(name string) (string, bool) { return optionValue(stdio, args, &i, name) }
		var err error
		switch {
		case a == "-h" || a == "--help":
			fmt.Fprint(stdio.Out, multiUsage)
			return exitOK
		case a == "--json":
			jsonOut = true
		case strings.HasPrefix(a, "-n"):
			v, ok := value("-n")
			if !ok {
				return exitUsage
			}
			job.Instances, err = strconv.Atoi(v)
			if err != nil || job.Instances < 1 || job.Instances > 1024 {
				errorf(stdio.Err, "option -n: invalid number of instances %q (1-1024)", v)
				return exitUsage
			}
		case strings.HasPrefix(a, "-H"):
			v, ok := value("-H")
			if !ok {
				return exitUsage
			}
			hosts = append(hosts, splitHosts(v)...)
		case strings.HasPrefix(a, "-o"):
			v, ok := value("-o")
			if !ok {
				return exitUsage
			}
			outFile = v
		case a == "--cpus" || strings.HasPrefix(a, "--cpus="):
			v, ok := value("--cpus")
			if !ok {
				return exitUsage
			}
			if job.CPUs, err = parseCPUList(v); err != nil {
				errorf(stdio.Err, "option --cpus: %v", err)
				return exitUsage
			}
		case a == "--stagger" || strings.HasPrefix(a, "--stagger="):
			v, ok := value("--stagger")
			if !ok {
				return exitUsage
			}
			if job.Stagger, err = time.ParseDuration(v); err != nil || job.Stagger < 0 {
				errorf(stdio.Err, "option --stagger: invalid duration %q", v)
				return exitUsage
			}
		case a == "--interval" || strings.HasPrefix(a, "--interval="):
			v, ok := value("--interval")
			if !ok {
				return exitUsage
			}
			if job.Interval, err = time.ParseDuration(v); err != nil || job.Interval < 10*time.Millisecond {
				errorf(stdio.Err, "option --interval: invalid duration %q (at least 10ms)", v)
				return exitUsage
			}
		case a == "--engine" || strings.HasPrefix(a, "--engine="):
			v, ok := value("--engine")
			if !ok {
				return exitUsage
			}
			if job.Engine, err = runner.ParseEngine(v); err != nil {
				errorf(stdio.Err, "option --engine: %v", err)
				return exitUsage
			}
		case strings.HasPrefix(a, "--"):
			errorf(stdio.Err, "unknown option %s", a)
			hintf(stdio.Err, "run 'nperf multi --help' for the options")
			return exitUsage
		default:
			rest = append(rest, a)
		}
	}
	inv, code, done := netperfArgs(ctx, stdio, rest, "multi", multiUsage)
	if done {
		return code
	}
	job.Spec = inv.Spec
	if job.Interval == 0 {
		job.Interval = runner.DefaultInterval
	}
	job.Spec.IntervalMS = int(job.Interval / time.Millisecond)
	if job.Spec.IterationsMax > 1 || inv.Interim != 0 || inv.OmniMode != "" {
		errorf(stdio.Err, "nperf multi does not support -i/-I, -D or omni output (-o/-k/-O)")
		return exitUsage
	}
	if !engineFound(stdio, job.Engine) {
		return exitFailed
	}
	for _, h := range hosts {
		t, err := parseTarget(h, job.Spec.Port)
		if err != nil {
			errorf(stdio.Err, "option -H: %v", err)
			return exitUsage
		}
		job.Targets = append(job.Targets, t)
	}
	if len(job.Targets) == 0 && inv.PortGiven {
		job.Targets = []runner.Target{{Host: "localhost", Port: job.Spec.Port}}
	}
	if len(job.Targets) == 0 {
		stop, err := startEmbedded(ctx, &job.Spec)
		if err != nil {
			errorf(stdio.Err, "embedded server: %v", err)
			return exitFailed
		}
		defer stop()
	}

	var sinks []*result.Encoder
	if jsonOut {
		sinks = append(sinks, result.NewEncoder(stdio.Out))
	}
	if outFile != "" {
		f, err := os.Create(outFile)
		if err != nil {
			errorf(stdio.Err, "%v", err)
			return exitFailed
		}
		defer f.Close()
		sinks = append(sinks, result.NewEncoder(f))
	}
	header := newHeader(os.Args)
	for _, e := range sinks {
		e.EncodeHeader(header)
	}
	var mu sync.Mutex
	var writeErr error
	emit := func(r *result.Record) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range sinks {
			if err := e.Encode(r); err != nil && writeErr == nil {
				writeErr = err
			}
		}
	}
	res, err := runner.Run(ctx, job, emit)
	if err != nil {
		errorf(stdio.Err, "%v", err)
		return exitFailed
	}
	if !jsonOut {
		printMulti(stdio.Out, job, res, inv.Format)
	}
	if writeErr != nil {
		errorf(stdio.Err, "writing Records: %v", writeErr)
		return exitFailed
	}
	a := res.Aggregate.Aggregate
	for _, f := range res.Finals {
		if f.Err != nil && f.Err.Kind != result.ErrInterrupted {
			errorf(stdio.Err, "instance %d (%s): %s", f.Instance, f.Peer, f.Err)
		}
	}
	switch {
	case a.Interrupted:
		return exitInterrupted
	case a.Valid == 0:
		return exitFailed
	case a.Valid < a.Instances:
		return exitPartial
	}
	return exitOK
}

// splitHosts splits "a,b" into servers, but keeps netperf's "host,6"
// family suffix attached to its host.
func splitHosts(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		switch strings.ToLower(p) {
		case "4", "6", "inet", "inet6":
			if len(out) > 0 {
				out[len(out)-1] += "," + p
				continue
			}
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseTarget reads host, host:port, [v6]:port or v6 literal, with an
// optional ",family" suffix (ignored here: -4/-6 set the family).
func parseTarget(s string, defPort int) (runner.Target, error) {
	s, _, _ = strings.Cut(s, ",")
	if h, p, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return runner.Target{}, fmt.Errorf("invalid port in %q", s)
		}
		return runner.Target{Host: h, Port: n}, nil
	}
	return runner.Target{Host: strings.Trim(s, "[]"), Port: defPort}, nil
}

// parseCPUList reads "0-3", "0,2", "0-1,4".
func parseCPUList(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("invalid CPU %q", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("invalid CPU range %q", part)
			}
		}
		for c := a; c <= b; c++ {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty CPU list")
	}
	return out, nil
}

// rate formats a record's headline number with its unit.
func rate(r *result.Record, f units.Format) string {
	return formatRate(r.Test, r.ThroughputBitsPerSecond(), r.TransactionRate(), f)
}

// formatRate formats a test's headline number in the unit -f asks for:
// bits/s for STREAM tests (or any test with a byte unit), else
// transactions/s.
func formatRate(test string, bps, tps float64, f units.Format) string {
	if result.IsStream(test) || f != units.FormatDefault && f != units.FormatTrans {
		if f == units.FormatDefault {
			return units.BitsPerSecond(bps)
		}
		return fmt.Sprintf("%.2f %s/s", f.FromBytesPerSecond(bps/8), f.Unit())
	}
	return fmt.Sprintf("%.2f trans/s", tps)
}

func printMulti(w io.Writer, job runner.Job, res *runner.Result, f units.Format) {
	agg := res.Aggregate
	a := agg.Aggregate
	start := "synchronized start"
	if job.Stagger > 0 {
		start = fmt.Sprintf("staggered by %v", job.Stagger)
	}
	length := fmt.Sprintf("%d s", job.Spec.LengthSeconds)
	if job.Spec.LengthSeconds == 0 {
		length = fmt.Sprintf("%d units", job.Spec.LengthUnits)
	}
	fmt.Fprintf(w, "nperf multi: %d x %s, %s, %s (start spread %s)\n\n", a.Instances, job.Spec.Test, length, start, fmtDuration(a.StartSpread))
	fmt.Fprintf(w, "%4s  %-24s %9s  %-22s %s\n", "inst", "server", "elapsed", "result", "status")
	for _, r := range res.Finals {
		status := "ok"
		if r.Err != nil {
			status = r.Err.Kind
		}
		cpu := ""
		if r.Spec != nil && r.Spec.CPUBind != nil {
			cpu = fmt.Sprintf(" (cpu %d)", *r.Spec.CPUBind)
		}
		fmt.Fprintf(w, "%4d  %-24s %7.2f s  %-22s %s%s\n", r.Instance, r.Peer, r.Elapsed.Seconds(), rate(r, f), status, cpu)
	}
	fmt.Fprintf(w, "\naggregate: %d of %d instances valid", a.Valid, a.Instances)
	if a.Valid > 0 && agg.Elapsed > 0 {
		fmt.Fprintf(w, ", summed over the common window of %.2f s", agg.Elapsed.Seconds())
		if a.WindowCoverage > 0 {
			fmt.Fprintf(w, " (%.0f%% of the run)", 100*a.WindowCoverage)
		}
		fmt.Fprintf(w, "\n  %-18s %s\n", "total", rate(agg, f))
		naive := formatRate(agg.Test, a.NaiveSumBitsPerSecond, a.NaiveSumTransactionsPerSecond, f)
		fmt.Fprintf(w, "  %-18s %s (each instance's own result added up; skew inflates it)\n", "naive sum", naive)
		fmt.Fprintf(w, "  %-18s %.3f\n", "fairness (Jain)", a.JainIndex)
	} else {
		fmt.Fprintln(w)
	}
	if h := agg.Latency; h != nil && h.Count() > 0 {
		fmt.Fprintf(w, "  %-18s min %s  mean %s  p50 %s  p90 %s  p99 %s  max %s  (merged, %d round trips)\n", "latency",
			fmtDuration(h.Min()), fmtDuration(h.Mean()), fmtDuration(h.Quantile(0.5)), fmtDuration(h.Quantile(0.9)),
			fmtDuration(h.Quantile(0.99)), fmtDuration(h.Max()), h.Count())
	}
	if agg.CPU != nil && agg.CPU.Local != nil {
		c := agg.CPU.Local
		fmt.Fprintf(w, "  %-18s %.1f %% of %d CPUs, service demand %.3f us/%s\n", "CPU (system-wide)", c.UtilPercent, c.NumCPUs, c.ServiceDemandUS, c.ServiceDemandUnit)
	}
	if a.Interrupted {
		fmt.Fprintln(w, "interrupted: the results cover what was measured until then")
	}
	for _, warn := range a.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
}

// fmtDuration prints a duration with a unit suited to its size.
func fmtDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1f us", float64(d)/1e3)
}
