package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"nperf/monitor"
	"nperf/netperf"
	"nperf/result"
	"nperf/runner"
)

const monitorUsage = `Usage: nperf monitor [options] FILE|-
       nperf monitor [options] [-n N] [netperf global options] [-- test options]

Shows a run live: the aggregate rate and its history, every instance, the
latency percentiles, CPU, progress and warnings. Given FILE (a Record stream,
which may still be growing) or - (stdin), it watches that stream; otherwise it
runs the test itself, with nperf run's options (no -H: against its own server
on loopback). On a terminal it is a full screen (q or Ctrl-C ends it); in a
pipe it prints one plain line per refresh.

options:
  --refresh SECS    redraw period, 0.1 to 2.0 seconds (default 0.5; 500ms works too)
  -n N              run N instances at once (default 1)
  -o FILE           write the Records of the run it starts to FILE (JSON Lines)
  --interval DUR    interval Record period of the run it starts (default 250ms)
  --follow          FILE: keep following after every instance has finished
  --exit            on a terminal, quit when the run or stream ends instead of
                    waiting for q
  --plain           plain lines even on a terminal

netperf global options (-H, -p, -l, -t, -c, -C, -4, -6, ...) and test options
after -- are those of 'nperf run'.
`

// idleEnd is how long a watched file must stay unchanged, once every
// instance in it has finished, before the monitor takes it as complete.
const idleEnd = time.Second

type monitorOpts struct {
	refresh  time.Duration
	instance int
	out      string
	interval time.Duration
	follow   bool
	exit     bool
	plain    bool
}

func monitorCmd(ctx context.Context, stdio Stdio, args []string) int {
	o := monitorOpts{refresh: monitor.DefaultRefresh, instance: 1, interval: 250 * time.Millisecond}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(a, "=")
		value := func() (string, bool) {
			if hasVal {
				return val, true
			}
			if i+1 >= len(args) {
				errorf(stdio.Err, "option %s: needs a value", name)
				return "", false
			}
			i++
			return args[i], true
		}
		switch {
		case a == "-h" || a == "--help":
			fmt.Fprint(stdio.Out, monitorUsage)
			return exitOK
		case name == "--refresh":
			v, ok := value()
			if !ok {
				return exitUsage
			}
			d, err := parseRefresh(v)
			if err != nil {
				errorf(stdio.Err, "option --refresh: %v", err)
				return exitUsage
			}
			o.refresh = d
		case name == "--interval":
			v, ok := value()
			if !ok {
				return exitUsage
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 10*time.Millisecond {
				errorf(stdio.Err, "option --interval: invalid duration %q (for example 1s or 250ms; at least 10ms)", v)
				return exitUsage
			}
			o.interval = d
		case name == "-n" || len(a) > 2 && strings.HasPrefix(a, "-n") && a[2] >= '0' && a[2] <= '9':
			v := a[2:]
			if name == "-n" {
				var ok bool
				if v, ok = value(); !ok {
					return exitUsage
				}
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				errorf(stdio.Err, "option -n: invalid number of instances %q", v)
				return exitUsage
			}
			o.instance = n
		case name == "-o":
			v, ok := value()
			if !ok {
				return exitUsage
			}
			o.out = v
		case a == "--follow":
			o.follow = true
		case a == "--exit":
			o.exit = true
		case a == "--plain":
			o.plain = true
		case strings.HasPrefix(a, "--"):
			errorf(stdio.Err, "unknown option %s", a)
			hintf(stdio.Err, "run 'nperf monitor --help' for the options")
			return exitUsage
		default:
			rest = append(rest, a)
		}
	}

	// A first argument that is not an option names the stream to watch.
	if len(rest) > 0 && (rest[0] == "-" || !strings.HasPrefix(rest[0], "-")) {
		if len(rest) > 1 {
			errorf(stdio.Err, "watch one stream at a time; unexpected %q", rest[1])
			return exitUsage
		}
		if o.out != "" || o.instance != 1 {
			errorf(stdio.Err, "-o and -n are for a run monitor starts; it only watches %s", rest[0])
			return exitUsage
		}
		return monitorStream(ctx, stdio, rest[0], o)
	}
	return monitorRun(ctx, stdio, rest, o)
}

// parseRefresh takes seconds ("0.5") or a duration ("500ms").
func parseRefresh(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil {
			return 0, fmt.Errorf("invalid period %q (seconds, for example 0.5, or a duration such as 200ms)", v)
		}
		d = time.Duration(f * float64(time.Second))
	}
	if d < 100*time.Millisecond || d > 2*time.Second {
		return 0, fmt.Errorf("%s is outside 0.1 to 2.0 seconds", v)
	}
	return d, nil
}

// terminal returns the terminal stdout is, or nil. The full screen also
// needs the controlling terminal for keys, since stdin may be the stream.
func terminal(w io.Writer) *os.File {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return nil
	}
	tty.Close()
	return f
}

// show runs the front end that fits stdout until the events end (or the
// user quits), then leaves the final screen on a terminal. finish runs
// after the front end returns and before the final screen is drawn: it
// stops a run and feeds the state what the run still delivered.
func show(ctx context.Context, stdio Stdio, st *monitor.State, events <-chan monitor.Event, o monitorOpts, finish func(*monitor.State)) error {
	opts := monitor.Options{Refresh: o.refresh, ExitAtEnd: o.exit}
	tty := terminal(stdio.Out)
	if tty == nil || o.plain {
		err := monitor.RunPlain(ctx, st, events, stdio.Out, opts, nil)
		finish(st)
		return err
	}
	err := monitor.RunTTY(ctx, st, events, tty, opts)
	finish(st)
	width, _, gerr := term.GetSize(int(tty.Fd()))
	if gerr != nil {
		width = 80
	}
	st.Tick(time.Now())
	st.Render(stdio.Out, width, 0)
	return err
}

// monitorRun runs a test (one instance with netperf.Client, several with
// the runner) and shows it.
func monitorRun(ctx context.Context, stdio Stdio, args []string, o monitorOpts) int {
	inv, code, done := netperfArgs(ctx, stdio, args, "monitor", monitorUsage)
	if done {
		return code
	}
	spec := inv.Spec
	spec.IntervalMS = int(o.interval / time.Millisecond)

	var enc *result.Encoder
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			errorf(stdio.Err, "%v", err)
			return exitFailed
		}
		defer f.Close()
		enc = result.NewEncoder(f)
	}

	if spec.Host == "" {
		stop, err := startEmbedded(ctx, &spec)
		if err != nil {
			errorf(stdio.Err, "embedded server: %v", err)
			return exitFailed
		}
		defer stop()
	}

	header := newHeader(os.Args)
	events := make(chan monitor.Event, 1024)
	var mu sync.Mutex // the encoder is shared by every instance's goroutine
	var writeErr error
	var failed []*result.Record
	if enc != nil {
		writeErr = enc.EncodeHeader(header)
	}
	emit := func(r *result.Record) {
		mu.Lock()
		if enc != nil && writeErr == nil {
			writeErr = enc.Encode(r)
		}
		if r.Final && r.Err != nil && r.Err.Kind != result.ErrInterrupted {
			failed = append(failed, r)
		}
		mu.Unlock()
		events <- monitor.Event{Record: r}
	}

	plan := spec
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	go func() {
		defer close(events)
		id := newRunID()
		if o.instance == 1 {
			client := &netperf.Client{RunID: id, Interval: o.interval, Emit: emit}
			emit(client.Run(runCtx, &spec))
			return
		}
		job := runner.Job{Spec: spec, Instances: o.instance, Interval: o.interval, RunID: id}
		if _, err := runner.Run(runCtx, job, emit); err != nil {
			emit(&result.Record{Run: id, Test: spec.Test, Instance: -1, Final: true, Start: time.Now(),
				Err: &result.Error{Kind: result.ErrProtocol, Message: err.Error()}})
		}
	}()

	st := monitor.NewState()
	st.Plan(&plan)
	// The run ends on its own or by ctx; the front end only stops early
	// when the user quits the terminal view, and then the run is stopped
	// and its last Records still written.
	feCtx := context.WithoutCancel(ctx)
	if terminal(stdio.Out) != nil && !o.plain {
		feCtx = ctx
	}
	err := show(feCtx, stdio, st, events, o, func(st *monitor.State) {
		cancelRun()
		for ev := range events {
			if ev.Record != nil {
				st.Update(ev.Record)
			}
		}
	})
	if err != nil {
		errorf(stdio.Err, "monitor: %v", err)
		return exitFailed
	}
	mu.Lock()
	defer mu.Unlock()
	if writeErr != nil {
		errorf(stdio.Err, "%s: %v", o.out, writeErr)
		return exitFailed
	}
	for _, r := range failed {
		if r.Instance < 0 {
			errorf(stdio.Err, "%s", r.Err)
			continue
		}
		errorf(stdio.Err, "instance %d: %s", r.Instance, r.Err)
		if r.Err.Kind == result.ErrControlConnect {
			hintf(stdio.Err, "is a netserver or 'nperf server' listening there? Without -H, nperf runs its own on loopback")
		}
	}
	if len(failed) > 0 {
		return exitFailed
	}
	return exitOK
}

// monitorStream watches a Record stream: stdin until it closes, or a file
// that may still be growing.
func monitorStream(ctx context.Context, stdio Stdio, name string, o monitorOpts) int {
	srcCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var in io.Reader = stdio.In
	done := newDoneTracker()
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			errorf(stdio.Err, "%v", err)
			return exitFailed
		}
		defer f.Close()
		fr := &followReader{ctx: srcCtx, f: f, poll: 100 * time.Millisecond, last: time.Now()}
		if fi, err := f.Stat(); err == nil {
			fr.last = fi.ModTime()
		}
		if !o.follow {
			fr.stop = func(idle time.Duration) bool { return idle >= idleEnd && done.all() }
		}
		in = fr
	}

	events := make(chan monitor.Event, 1024)
	var srcErr error
	srcDone := make(chan struct{})
	go func() {
		defer close(srcDone)
		defer close(events)
		rd := result.NewReader(in, name)
		for rd.Scan() {
			ev := monitor.Event{Record: rd.Record(), Header: rd.Header()}
			done.see(ev.Record)
			select {
			case events <- ev:
			case <-srcCtx.Done():
				return
			}
		}
		srcErr = rd.Err()
	}()

	st := monitor.NewState()
	err := show(ctx, stdio, st, events, o, func(*monitor.State) { cancel() })
	if err != nil {
		errorf(stdio.Err, "monitor: %v", err)
		return exitFailed
	}
	select {
	case <-srcDone:
		if srcErr != nil {
			errorf(stdio.Err, "%v", srcErr)
			return exitFailed
		}
	default: // quit before the stream ended; stdin may still be open
	}
	return exitOK
}

// doneTracker knows, from the Records read so far, whether every instance
// seen has finished: then the end of a file is the end of its run.
type doneTracker struct {
	mu    sync.Mutex
	final map[string]bool
}

func newDoneTracker() *doneTracker { return &doneTracker{final: map[string]bool{}} }

func (d *doneTracker) see(r *result.Record) {
	if r == nil || r.Instance < 0 {
		return
	}
	k := fmt.Sprintf("%s\x00%s\x00%d", r.Run, r.Host, r.Instance)
	d.mu.Lock()
	d.final[k] = d.final[k] || r.Final
	d.mu.Unlock()
}

func (d *doneTracker) all() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range d.final {
		if !f {
			return false
		}
	}
	return len(d.final) > 0
}

// followReader reads a file that another process may still be writing,
// like tail -f: at its end it waits for more, until stop says the file is
// complete (given how long it has not grown) or ctx ends.
type followReader struct {
	ctx  context.Context
	f    *os.File
	poll time.Duration
	last time.Time // when the file last grew
	stop func(idle time.Duration) bool
}

func (r *followReader) Read(p []byte) (int, error) {
	for {
		n, err := r.f.Read(p)
		if n > 0 {
			r.last = time.Now()
			return n, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		if r.ctx.Err() != nil || (r.stop != nil && r.stop(time.Since(r.last))) {
			return 0, io.EOF
		}
		t := time.NewTimer(r.poll)
		select {
		case <-r.ctx.Done():
			t.Stop()
			return 0, io.EOF
		case <-t.C:
		}
	}
}
