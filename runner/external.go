package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"nperf/netperf"
	"nperf/netperf/parse"
	"nperf/result"
)

// External is the external engine: it runs a test instance as a real
// netperf 2.7 process and parses what it prints into the same Records
// nperf's own client emits. It serves netperf builds with tests or options
// nperf does not implement, and comparisons of nperf with netperf.
//
// netperf is asked for keyval omni output with an explicit selector list
// (ExternalSelectors) and, when Interval is set, for interim results (-D),
// which become interval Records. What a Record has but netperf does not
// print stays empty: there is no latency histogram (netperf's own latency
// percentiles are kept in Labels, see docs/parse.md).
type External struct {
	// Path is the netperf binary; "" looks up "netperf" on PATH.
	Path string
	// Interval asks netperf for interim results this often (-D), which
	// become interval Records; 0 asks for none. netperf times its interim
	// results itself, so their lengths vary around Interval.
	Interval time.Duration
	// Emit receives the interval Records. They arrive when the process has
	// ended, not while it runs: netperf's interim lines become Records
	// together with the result they belong to.
	Emit func(*result.Record)
	// Connected, when set, is called once it is known that netperf got
	// past its control connection (from its output, after it has ended),
	// before any Record is emitted: "nperf run" prints netperf's banner
	// there, as it does for its own client.
	Connected func()
	// RunID and Instance are copied into every Record.
	RunID    string
	Instance int
}

// stopGrace is how long a netperf process has, after SIGINT, to stop and
// print what it measured before it is killed.
const stopGrace = 2 * time.Second

// LookPath returns the netperf binary Run would execute.
func (e *External) LookPath() (string, error) {
	name := e.Path
	if name == "" {
		name = "netperf"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("external engine: %w", err)
	}
	return p, nil
}

// ExternalSelectors lists the omni selectors the external engine asks
// netperf for: every value that maps onto a field of a Record for the
// given test. CPU and confidence selectors are always asked for; netperf
// prints -1 for what it did not measure, which parses as absent.
func ExternalSelectors(test string) []string {
	sel := []string{
		"THROUGHPUT", "THROUGHPUT_UNITS", "ELAPSED_TIME",
		"LOCAL_BYTES_SENT", "LOCAL_BYTES_RECVD", "REMOTE_BYTES_SENT", "REMOTE_BYTES_RECVD",
		"LSS_SIZE", "LSS_SIZE_END", "LSR_SIZE", "LSR_SIZE_END",
		"RSS_SIZE", "RSS_SIZE_END", "RSR_SIZE", "RSR_SIZE_END",
		"LOCAL_SEND_CALLS", "LOCAL_RECV_CALLS", "REMOTE_SEND_CALLS", "REMOTE_RECV_CALLS",
		"LOCAL_CPU_UTIL", "LOCAL_CPU_PERCENT_USER", "LOCAL_CPU_PERCENT_SYSTEM", "LOCAL_CPU_PERCENT_IOWAIT",
		"LOCAL_CPU_PERCENT_IRQ", "LOCAL_CPU_PERCENT_SWINTR", "LOCAL_CPU_METHOD", "LOCAL_CPU_COUNT", "LOCAL_SD",
		"REMOTE_CPU_UTIL", "REMOTE_CPU_PERCENT_USER", "REMOTE_CPU_PERCENT_SYSTEM", "REMOTE_CPU_PERCENT_IOWAIT",
		"REMOTE_CPU_PERCENT_IRQ", "REMOTE_CPU_PERCENT_SWINTR", "REMOTE_CPU_METHOD", "REMOTE_CPU_COUNT", "REMOTE_SD",
		"SD_UNITS",
		"CONFIDENCE_LEVEL", "CONFIDENCE_INTERVAL", "CONFIDENCE_ITERATION",
		"THROUGHPUT_CONFID", "LOCAL_CPU_CONFID", "REMOTE_CPU_CONFID",
		"TRANSPORT_MSS", "REMOTE_TRANSPORT_RETRANS", "REMOTE_CONG_CONTROL",
	}
	if result.IsStream(test) {
		return append(sel, "LOCAL_SEND_SIZE", "LOCAL_RECV_SIZE", "REMOTE_SEND_SIZE", "REMOTE_RECV_SIZE")
	}
	return append(sel, "TRANSACTION_RATE", "REQUEST_SIZE", "RESPONSE_SIZE",
		"MIN_LATENCY", "MAX_LATENCY", "MEAN_LATENCY", "STDDEV_LATENCY", "P50_LATENCY", "P90_LATENCY", "P99_LATENCY")
}

// Args is the netperf command line (without the program name) Run
// executes for spec: netperf.Args, interim results every Interval, and
// keyval output of ExternalSelectors.
func (e *External) Args(spec *result.Spec) []string {
	args := netperf.Args(spec)
	global, test := args, []string(nil)
	for i, a := range args {
		if a == "--" {
			global, test = args[:i], args[i+1:]
			break
		}
	}
	out := append([]string(nil), global...)
	if e.Interval > 0 {
		out = append(out, "-D", strconv.FormatFloat(e.Interval.Seconds(), 'f', -1, 64))
	}
	out = append(out, "--")
	out = append(out, test...)
	return append(out, "-k", strings.Join(ExternalSelectors(spec.Test), ","))
}

// Run runs spec in one netperf process and returns its Final record; the
// interval Records go to Emit before it returns. Like
// netperf.Client.Run it always returns a record: when netperf fails the
// record carries an Err of the kind netperf's error lines name (a
// control-connect error for "establish control: ..."), with what it
// printed; output that cannot be read, or a status netperf did not
// explain, is a protocol error.
//
// The process is pinned to spec.CPUBind (with sched_setaffinity right
// after it starts, and netperf's own -T). Cancelling ctx sends it SIGINT,
// on which netperf stops its test and prints what it measured; the record
// then holds that, marked interrupted. A process still running 2 s later
// is killed.
func (e *External) Run(ctx context.Context, spec *result.Spec) *result.Record {
	rec := &result.Record{
		Run: e.RunID, Test: spec.Test, Instance: e.Instance, Peer: peer(spec),
		Final: true, Start: time.Now(), Spec: spec,
	}
	args := e.Args(spec)
	p, err := e.execute(ctx, args, spec.CPUBind)
	if err != nil {
		rec.Err = err
		return rec
	}
	intervals, final, parseErr := p.records(args, spec)
	for _, r := range append(intervals, final) {
		if r != nil {
			r.Run, r.Instance, r.Peer = e.RunID, e.Instance, rec.Peer
		}
	}
	if final != nil {
		final.Spec = spec
		if final.Start.IsZero() {
			// No interim results: netperf prints its result right after
			// the data phase, so it ended about when the process did.
			final.Start = p.end.Add(-final.Elapsed)
		}
		rec = final
	}
	if err := p.failure(rec, final != nil, parseErr); err != nil {
		rec.Err = err
	}
	if e.Connected != nil && final != nil && (final.Err == nil || final.Err.Kind != result.ErrControlConnect) {
		e.Connected()
	}
	if e.Emit != nil {
		for _, r := range intervals {
			e.Emit(r)
		}
	}
	return rec
}

// A process is one finished netperf run: what it printed and how it ended.
type process struct {
	stdout, stderr bytes.Buffer
	waitErr        error     // from exec.Cmd.Wait
	end            time.Time // when it ended
	interrupted    bool      // sent SIGINT because ctx was cancelled
}

// execute runs netperf with args to its end, pinned to cpu if not nil.
// The error is for a process that could not run at all.
func (e *External) execute(ctx context.Context, args []string, cpu *int) (*process, *result.Error) {
	path, err := e.LookPath()
	if err != nil {
		return nil, &result.Error{Kind: result.ErrProtocol, Message: err.Error()}
	}
	p := &process{}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	// A process group of its own: a Ctrl-C at the terminal reaches nperf,
	// which stops its instances itself, and not each netperf twice.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var signalled atomic.Bool
	cmd.Cancel = func() error {
		signalled.Store(true)
		return cmd.Process.Signal(os.Interrupt)
	}
	cmd.WaitDelay = stopGrace
	if err := cmd.Start(); err != nil {
		kind := result.ErrProtocol
		if ctx.Err() != nil {
			kind = result.ErrInterrupted
		}
		return nil, &result.Error{Kind: kind, Message: fmt.Sprintf("cannot start %s: %v", path, err)}
	}
	if cpu != nil {
		if err := pinProcess(cmd.Process.Pid, *cpu); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return nil, &result.Error{Kind: result.ErrData, Message: fmt.Sprintf("pin netperf to CPU %d: %v", *cpu, err)}
		}
	}
	p.waitErr = cmd.Wait()
	p.end = time.Now()
	p.interrupted = signalled.Load()
	return p, nil
}

// records parses what the process printed: the interval records and the
// Final record (nil when it printed no result), and the parse error.
func (p *process) records(args []string, spec *result.Spec) (intervals []*result.Record, final *result.Record, err error) {
	hint := parse.HintFromArgs(args)
	hint.Spec = spec
	recs, err := parse.Output(bytes.NewReader(p.stdout.Bytes()), "netperf output", hint)
	intervals, final = split(recs)
	if final == nil && p.stderr.Len() > 0 {
		// netperf prints its errors on standard output, but some on
		// standard error, as do netperf-compatible programs (a netperf
		// link to nperf). A failure read there is better than none.
		if errRecs, errErr := parse.Output(bytes.NewReader(p.stderr.Bytes()), "netperf stderr", hint); errErr == nil {
			if _, f := split(errRecs); f != nil && f.Err != nil {
				final, err = f, nil
			}
		}
	}
	return intervals, final, err
}

// failure is the error of a record whose process was interrupted, printed
// nothing readable, or ended badly without saying why; nil when the record
// stands as it is (a result, or the error netperf printed).
func (p *process) failure(rec *result.Record, printed bool, parseErr error) *result.Error {
	var exitErr *exec.ExitError
	killed := errors.As(p.waitErr, &exitErr) && !exitErr.Exited()
	switch {
	case p.interrupted && (rec.Err == nil || !printed):
		msg := fmt.Sprintf("stopped after %.2f s", rec.Elapsed.Seconds())
		if !printed {
			msg = "stopped before netperf printed a result"
		}
		if killed {
			msg = fmt.Sprintf("netperf did not stop within %v of SIGINT and was killed", stopGrace)
		}
		return &result.Error{Kind: result.ErrInterrupted, Message: msg}
	case !printed:
		msg := "netperf printed no result"
		if parseErr != nil {
			msg = parseErr.Error()
		}
		return &result.Error{Kind: result.ErrProtocol, Message: p.withStatus(msg)}
	case rec.Err != nil:
		return nil // netperf said what went wrong
	case parseErr != nil:
		return &result.Error{Kind: result.ErrProtocol, Message: p.withStatus(parseErr.Error())}
	case p.waitErr != nil:
		return &result.Error{Kind: result.ErrProtocol, Message: p.withStatus("netperf printed a result but failed")}
	}
	return nil
}

// split returns the interval records and the last Final record of recs.
func split(recs []*result.Record) (intervals []*result.Record, final *result.Record) {
	for _, r := range recs {
		if r.Final {
			final = r
		} else {
			intervals = append(intervals, r)
		}
	}
	return intervals, final
}

// withStatus adds how netperf ended and what it wrote to standard error.
func (p *process) withStatus(msg string) string {
	if p.waitErr != nil {
		msg += " (netperf: " + p.waitErr.Error() + ")"
	}
	if s := strings.TrimSpace(p.stderr.String()); s != "" {
		const max = 512
		if len(s) > max {
			s = s[:max] + "..."
		}
		msg += "; stderr: " + strings.ReplaceAll(s, "\n", "; ")
	}
	return msg
}

// peer is the server's control address host:port.
func peer(spec *result.Spec) string {
	port := spec.Port
	if port == 0 {
		port = netperf.DefaultPort
	}
	return netperf.Addr(spec.Host, port)
}

// ParseEngine reads an engine name as --engine and profiles give it:
// "nperf", the built-in engine (nil), or "netperf[:PATH]", a stock
// netperf binary on PATH or at PATH.
func ParseEngine(s string) (*External, error) {
	name, path, hasPath := strings.Cut(s, ":")
	switch {
	case name == "nperf" && !hasPath:
		return nil, nil
	case name == "netperf":
		return &External{Path: path}, nil
	}
	return nil, fmt.Errorf("%q is not an engine (want nperf, or netperf[:PATH] for a stock netperf binary)", s)
}
