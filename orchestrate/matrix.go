package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"nperf/netperf"
	"nperf/remote"
	"nperf/result"
)

// A Cell is one client host testing against one server host.
type Cell struct {
	Client, Server *remote.Host
}

// Name is "client -> server".
func (c Cell) Name() string { return c.Client.Name + " -> " + c.Server.Name }

// FullMatrix is every client against every server, client-major.
func FullMatrix(clients, servers []*remote.Host) []Cell {
	var out []Cell
	for _, c := range clients {
		for _, s := range servers {
			out = append(out, Cell{Client: c, Server: s})
		}
	}
	return out
}

// A Matrix is what Run runs.
type Matrix struct {
	Cells []Cell
	// Args are the options of 'nperf run' (or 'nperf multi' when
	// Instances > 0) for every cell, without -H and -p, which Run sets:
	// for example -t TCP_RR -l 10 -- -r 64.
	Args      []string
	Instances int // > 0: each cell runs 'nperf multi -n Instances'
	// Profile, when set, makes each cell run 'nperf profile run Profile'
	// against its server instead: a built-in profile's name, or a profile
	// file's path on the client hosts. Args must then be empty.
	Profile string
	Port    int // server control port; 0 means 12865
	// Concurrent runs every cell at once (at most Fleet.Parallel);
	// otherwise one after the other, so that cells do not disturb each
	// other's measurement.
	Concurrent bool
	// Labels are added to every Record, beside the host labels.
	Labels map[string]string
	// Grace is how long an interrupted cell has to send its last
	// Records (remote.DefaultGrace when zero).
	Grace time.Duration
	// OnCell, when set, is called as each cell starts (done false) and
	// when it has ended (done true), from the goroutine running it.
	OnCell func(r *CellResult, done bool)
}

// Check validates Args as nperf would on the hosts, so that a typo fails
// once here rather than N x M times there.
func (m *Matrix) Check() error {
	if m.Profile != "" {
		if len(m.Args) > 0 || m.Instances > 0 {
			return fmt.Errorf("a profile says what each cell runs: no test options or --instances with --profile")
		}
		if len(m.Cells) == 0 {
			return fmt.Errorf("no cells to run")
		}
		return nil
	}
	var netperfArgs []string
	for i := 0; i < len(m.Args); i++ {
		a := m.Args[i]
		if a == "--" {
			netperfArgs = append(netperfArgs, m.Args[i:]...)
			break
		}
		name, _, hasValue := strings.Cut(a, "=")
		switch {
		case strings.HasPrefix(a, "-H") || strings.HasPrefix(a, "-p"):
			return fmt.Errorf("option %s: the matrix sets the server (-H) and port (-p) of each cell", a[:2])
		case name == "--interval" || m.Instances > 0 && (name == "--cpus" || name == "--stagger"):
			if !hasValue {
				if i+1 >= len(m.Args) {
					return fmt.Errorf("option %s: needs a value", name)
				}
				i++
			}
		case strings.HasPrefix(a, "--") || m.Instances > 0 && (strings.HasPrefix(a, "-n") || strings.HasPrefix(a, "-o")):
			return fmt.Errorf("option %s: not for a matrix cell (cells always write Records; the matrix sets -n)", name)
		default:
			netperfArgs = append(netperfArgs, a)
		}
	}
	inv, err := netperf.ParseArgs(netperfArgs)
	if err != nil {
		return err
	}
	if inv.Help || inv.Version {
		return fmt.Errorf("-h and -V do not run a test")
	}
	if m.Instances > 0 && (inv.Spec.IterationsMax > 1 || inv.Interim != 0 || inv.OmniMode != "") {
		return fmt.Errorf("nperf multi does not support -i/-I, -D or omni output (-o/-k/-O)")
	}
	if len(m.Cells) == 0 {
		return fmt.Errorf("no cells to run")
	}
	return nil
}

// profileExpectationFailed is the exit status of 'nperf profile run' when
// the run worked and an expectation failed.
const profileExpectationFailed = 1

// A CellResult is what one cell produced.
type CellResult struct {
	Cell
	// Headline is the cell's whole-run result: the aggregate record of
	// nperf multi, or the Final record of nperf run; nil if none came.
	Headline *result.Record
	Records  int // Records received (Headers not counted)
	// ExpectationsFailed: a profile cell ran, and some expectation of the
	// profile was not met.
	ExpectationsFailed bool
	Err                error // why the cell did not complete; nil when it did
	// Interrupted: the run was cancelled while this cell ran or before
	// it started (then Records is 0).
	Interrupted bool
	Started     bool
}

// OK reports whether the cell completed with a valid result.
func (r *CellResult) OK() bool {
	return r.Err == nil && !r.Interrupted && r.Headline != nil && r.Headline.Err == nil
}

// Run runs the matrix. Each cell runs nperf on its client host against
// its server's data address; the Records it writes come back over the
// SSH session, get Host and labels (client, server, client.K and
// server.K for the hosts' labels, and m.Labels), and are passed to emit
// as they arrive, one at a time. A cell that fails does not stop the
// others. When ctx is cancelled, running cells are interrupted (their
// last Records still arrive) and cells not yet started are skipped.
//
// The results are in the order of m.Cells. The error is for emit's
// failure (the output could not be written), which stops the run.
func (f *Fleet) Run(ctx context.Context, m *Matrix, emit func(*result.Record) error) ([]*CellResult, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var emitErr error
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	send := func(r *result.Record) {
		mu.Lock()
		defer mu.Unlock()
		if emitErr != nil {
			return
		}
		if err := emit(r); err != nil {
			emitErr = err
			stop()
		}
	}
	out := make([]*CellResult, len(m.Cells))
	for i, c := range m.Cells {
		out[i] = &CellResult{Cell: c}
	}
	runCell := func(i int) {
		if runCtx.Err() != nil {
			out[i].Interrupted = true
			return
		}
		f.runCell(runCtx, m, out[i], send)
	}
	if m.Concurrent {
		f.each(len(m.Cells), runCell)
	} else {
		for i := range m.Cells {
			runCell(i)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if emitErr != nil {
		return out, fmt.Errorf("writing Records: %w", emitErr)
	}
	return out, nil
}

// CommandLine is the shell command a cell runs on its client host.
func (f *Fleet) CommandLine(m *Matrix, c Cell) string {
	port := m.Port
	if port == 0 {
		port = netperf.DefaultPort
	}
	words := []string{remote.QuotePath(f.NperfPathOf(c.Client))}
	if m.Profile != "" {
		server := net.JoinHostPort(c.Server.TestAddress(), strconv.Itoa(port))
		words = append(words, "profile", "run", remote.Quote(m.Profile), "--json", "-H", remote.Quote(server))
		return "exec " + strings.Join(words, " ")
	}
	if m.Instances > 0 {
		words = append(words, "multi", "--json", "-n", strconv.Itoa(m.Instances))
	} else {
		words = append(words, "run", "--json")
	}
	words = append(words, "-H", remote.Quote(c.Server.TestAddress()), "-p", strconv.Itoa(port))
	for _, a := range m.Args {
		words = append(words, remote.Quote(a))
	}
	// exec: the signal that interrupts the cell reaches nperf itself.
	return "exec " + strings.Join(words, " ")
}

func (f *Fleet) runCell(ctx context.Context, m *Matrix, r *CellResult, send func(*result.Record)) {
	conn, err := f.Conn(ctx, r.Client)
	if err != nil {
		if ctx.Err() != nil {
			r.Interrupted = true
			return
		}
		r.Err = err
		if m.OnCell != nil {
			m.OnCell(r, true)
		}
		return
	}
	r.Started = true
	if m.OnCell != nil {
		m.OnCell(r, false)
		defer m.OnCell(r, true)
	}
	labels := cellLabels(r.Cell, m.Labels)
	pr, pw := io.Pipe()
	stderr, stderrText := remote.TailWriter(4096)
	readDone := make(chan error, 1)
	go func() {
		rd := result.NewReader(pr, r.Client.Name+" stdout")
		for rd.Scan() {
			rec := rd.Record()
			if rec == nil {
				continue // the remote Header: the stream has ours
			}
			rec.Host = r.Client.Name
			if rec.Labels == nil {
				rec.Labels = map[string]string{}
			}
			for k, v := range labels {
				rec.Labels[k] = v
			}
			r.Records++
			switch {
			case rec.Aggregate != nil: // nperf multi's sum of its instances
				r.Headline = rec
			case rec.Final && (r.Headline == nil || r.Headline.Aggregate == nil):
				r.Headline = rec
			}
			send(rec)
		}
		// Keep the remote side writing even if its output stopped
		// making sense, so that it is not blocked on a full pipe.
		io.Copy(io.Discard, pr)
		readDone <- rd.Err()
	}()
	runErr := conn.Run(ctx, &remote.Command{
		Line:   f.CommandLine(m, r.Cell),
		Stdout: pw,
		Stderr: stderr,
		Grace:  m.Grace,
	})
	pw.Close()
	readErr := <-readDone

	if ctx.Err() != nil {
		r.Interrupted = true
	}
	msg := lastLine(stderrText())
	var ee *remote.ExitError
	switch {
	case r.Interrupted:
		// What arrived is kept; the cell is marked, not failed.
	case m.Profile != "" && errors.As(runErr, &ee) && ee.Status == profileExpectationFailed && readErr == nil:
		// The profile ran and some expectation failed: a result, which
		// the profile's own Records and summary carry, not a broken cell.
		r.ExpectationsFailed = true
	case errors.As(runErr, &ee) && ee.Status == 127:
		r.Err = fmt.Errorf("nperf not found at %s on %s (run 'nperf orchestrate deploy'): %s", f.NperfPathOf(r.Client), r.Client.Name, msg)
	case runErr != nil && !errors.As(runErr, &ee):
		r.Err = runErr // the host: connection lost, session refused
	case readErr != nil:
		r.Err = fmt.Errorf("unreadable output from nperf on %s: %v", r.Client.Name, readErr)
	case r.Headline != nil && r.Headline.Err != nil:
		r.Err = r.Headline.Err
	case runErr != nil:
		if msg != "" {
			r.Err = fmt.Errorf("%w: %s", runErr, msg)
		} else {
			r.Err = runErr
		}
	case r.Headline == nil:
		r.Err = fmt.Errorf("nperf on %s exited without a result", r.Client.Name)
	}
}

// cellLabels are the labels every Record of a cell gets.
func cellLabels(c Cell, extra map[string]string) map[string]string {
	l := map[string]string{"client": c.Client.Name, "server": c.Server.Name}
	for k, v := range c.Client.Labels {
		l["client."+k] = v
	}
	for k, v := range c.Server.Labels {
		l["server."+k] = v
	}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// lastLine is the last non-empty line of s, with nperf's "nperf: error: "
// prefix dropped.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "nperf: hint:") {
			continue
		}
		return strings.TrimPrefix(l, "nperf: error: ")
	}
	return ""
}
