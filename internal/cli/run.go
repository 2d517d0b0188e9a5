package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"nperf/netperf"
	"nperf/netperf/output"
	"nperf/result"
	"nperf/runner"
)

const runUsage = `Usage: nperf run [--json] [--interval DUR] [--engine E] [netperf global options] [-- test options]

Runs one netperf test. Without -H it starts its own server on loopback.

nperf options:
  --json            write Records (JSON Lines) instead of netperf's text
  --interval DUR    interval Record period with --json (default 1s; 0 = none)
  --busy-poll       TCP_RR, UDP_RR: spin on the socket instead of sleeping
                    (lower latency when a CPU can be spared for it)
  --engine E        nperf (default): nperf's own client; netperf[:PATH]: run
                    a netperf binary (from PATH, or at PATH) and read its output

netperf global options:
  -H host[,fam]     server (netserver or nperf server); fam 4 or 6
  -p port           server control port (default 12865)
  -L addr[,fam]     local address for control and data connections
  -l secs           test length in seconds; -N ends after N bytes (STREAM)
                    or N transactions (RR, CRR)
  -t test           TCP_STREAM (default), TCP_MAERTS, TCP_RR, TCP_CRR,
                    UDP_STREAM, UDP_RR
  -f unit           b k m g (bits/s), B K M G (bytes/s), x (trans/s)
  -P 0|1            print the banner and column titles (default 1)
  -v level          0: the number only; 1: the table (default); 2: also
                    netperf's extra blocks and the latency histogram
  -c, -C            measure local, remote CPU utilisation
  -4, -6            use IPv4, IPv6
  -B brand          text appended to -P 0 results
  -D secs           interim results every secs (negative: netperf's
                    always-timestamp mode)
  -i max,min        confidence run: repeat between min and max times ...
  -I level,width    ... until the level% interval is within width% (95 or 99)
  -T lcpu,rcpu      pin the test here and on the server to these CPUs

test options (after --):
  -m size[,rsize]   bytes per send here [, on the server] (STREAM tests)
  -M rsize[,size]   bytes per receive on the server [, here] (STREAM tests)
  -s snd[,rcv]      local socket buffer sizes
  -S snd[,rcv]      server socket buffer sizes
  -r req[,rsp]      request and response sizes (RR, CRR; default 1,1)
  -b N              first burst: N extra requests in flight (TCP_RR, UDP_RR)
  -D                TCP_NODELAY on both sides
  -P lport[,rport]  data connection ports, here and on the server
  -o [list|file]    omni output as CSV; -k keyval; -O columns; 'all' for
                    every selector, '?' to list them
Sizes take K/M/G (1024s) or k/m/g (1000s).
`

// runCmd is "nperf run" and the netperf link.
func runCmd(ctx context.Context, stdio Stdio, args []string) int {
	jsonOut, busyPoll := false, false
	interval := time.Second
	var engine *runner.External
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		switch {
		case a == "--json":
			jsonOut = true
		case a == "--busy-poll":
			busyPoll = true
		case a == "--help":
			fmt.Fprint(stdio.Out, runUsage)
			return exitOK
		case a == "--interval" || strings.HasPrefix(a, "--interval="):
			v, ok := optionValue(stdio, args, &i, "--interval")
			if !ok {
				return exitUsage
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || (d > 0 && d < 10*time.Millisecond) {
				errorf(stdio.Err, "option --interval: invalid duration %q (for example 1s or 250ms; at least 10ms, 0 for none)", v)
				return exitUsage
			}
			interval = d
		case a == "--engine" || strings.HasPrefix(a, "--engine="):
			v, ok := optionValue(stdio, args, &i, "--engine")
			if !ok {
				return exitUsage
			}
			var err error
			if engine, err = runner.ParseEngine(v); err != nil {
				errorf(stdio.Err, "option --engine: %v", err)
				return exitUsage
			}
		case strings.HasPrefix(a, "--"):
			errorf(stdio.Err, "unknown option %s", a)
			hintf(stdio.Err, "run 'nperf run --help' for the options")
			return exitUsage
		default:
			rest = append(rest, a)
		}
	}
	inv, code, done := netperfArgs(ctx, stdio, rest, "run", runUsage)
	if done {
		return code
	}
	spec := inv.Spec
	if busyPoll {
		if spec.Test != "TCP_RR" && spec.Test != "UDP_RR" {
			errorf(stdio.Err, "option --busy-poll: applies to TCP_RR and UDP_RR only")
			return exitUsage
		}
		spec.BusyPoll = true
	}
	if jsonOut {
		spec.IntervalMS = int(interval / time.Millisecond)
	}
	if !engineFound(stdio, engine) {
		return exitFailed
	}

	// -p without -H means netserver on localhost, as in netperf; with
	// neither, nperf starts the same server code, in this process, on
	// loopback.
	if spec.Host == "" && inv.PortGiven {
		spec.Host = "localhost"
	}
	if spec.Host == "" {
		stop, err := startEmbedded(ctx, &spec)
		if err != nil {
			errorf(stdio.Err, "embedded server: %v", err)
			return exitFailed
		}
		defer stop()
	}

	runID := newRunID()
	opts := output.Options{Format: inv.Format, Verbosity: inv.Verbosity, Headers: inv.Headers, Brand: inv.Brand,
		OmniMode: inv.OmniMode, CommandLine: os.Args, UUID: uuidFrom(runID)}
	if inv.OmniMode != "" {
		if inv.OmniSelection == "?" {
			// netperf lists the selectors and exits 1.
			output.SelectorList(stdio.Out, inv.OmniMode != output.ModeHuman)
			return exitFailed
		}
		sel, err := output.Select(inv.OmniSelection, &spec, func(name string) (io.ReadCloser, error) { return os.Open(name) })
		if err != nil {
			errorf(stdio.Err, "%v", err)
			return exitUsage
		}
		opts.Selection = sel
	}
	client := &netperf.Client{RunID: runID}
	var enc *result.Encoder
	var mu sync.Mutex // output is shared by the sampler and this goroutine
	switch {
	case jsonOut:
		enc = result.NewEncoder(stdio.Out)
		enc.EncodeHeader(newHeader(os.Args))
		client.Interval = interval
		client.Emit = func(r *result.Record) {
			mu.Lock()
			defer mu.Unlock()
			enc.Encode(r)
		}
	case inv.Interim != 0:
		// -D: netperf's interim lines, from interval records on a fixed
		// clock; their numbering runs on across confidence iterations.
		client.Interval = max(inv.Interim, -inv.Interim)
		n := 0
		client.Emit = func(r *result.Record) {
			mu.Lock()
			defer mu.Unlock()
			output.Interim(stdio.Out, r, opts, n)
			n++
		}
	}
	if !jsonOut {
		// netperf prints its banner above omni output too (not with -P 0).
		client.Connected = func() { output.Banner(stdio.Out, &spec, opts) }
	}
	// netperf -T pins the whole netperf process; this process runs one
	// test, so it does the same (an external netperf is pinned by the
	// engine).
	if spec.CPUBind != nil && engine == nil {
		if err := netperf.BindProcess(*spec.CPUBind); err != nil {
			errorf(stdio.Err, "option -T: cannot bind to CPU %d: %v", *spec.CPUBind, err)
			return exitFailed
		}
	}

	var rec *result.Record
	if engine != nil {
		engine.RunID, engine.Interval, engine.Emit, engine.Connected = runID, client.Interval, client.Emit, client.Connected
		rec = engine.Run(ctx, &spec)
	} else {
		rec = client.Run(ctx, &spec)
	}

	mu.Lock()
	switch {
	case jsonOut:
		enc.Encode(rec)
	case rec.Err != nil && (rec.Err.Kind != result.ErrInterrupted || rec.Elapsed == 0):
	case inv.OmniMode != "":
		output.Omni(stdio.Out, rec, opts)
	default:
		output.Result(stdio.Out, rec, opts)
	}
	mu.Unlock()
	if rec.Err != nil {
		errorf(stdio.Err, "%s", rec.Err)
		if rec.Err.Kind == result.ErrControlConnect {
			hintf(stdio.Err, "is a netserver or 'nperf server' listening there? Without -H, nperf runs its own on loopback")
		}
		return exitFailed
	}
	return exitOK
}

// netperfArgs parses the netperf options of a command that takes them
// (run, multi, monitor). done says the command should return code now: a
// usage error, or -h / -V answered.
func netperfArgs(ctx context.Context, stdio Stdio, args []string, name, usage string) (inv *netperf.Invocation, code int, done bool) {
	inv, err := netperf.ParseArgs(args)
	switch {
	case err != nil:
		errorf(stdio.Err, "%v", err)
		hintf(stdio.Err, "run 'nperf %s --help' for the options", name)
		return nil, exitUsage, true
	case inv.Help:
		fmt.Fprint(stdio.Out, usage)
		return nil, exitOK, true
	case inv.Version:
		return nil, versionCmd(ctx, stdio, nil), true
	}
	return inv, exitOK, false
}

// engineFound reports whether the external engine's binary exists (the
// built-in engine always does), printing why not.
func engineFound(stdio Stdio, engine *runner.External) bool {
	if engine == nil {
		return true
	}
	if _, err := engine.LookPath(); err != nil {
		errorf(stdio.Err, "option --engine: %v", err)
		hintf(stdio.Err, "install netperf 2.7, or give its path: --engine netperf:/path/to/netperf")
		return false
	}
	return true
}

// startEmbedded serves on a loopback ephemeral port and points spec at it.
func startEmbedded(ctx context.Context, spec *result.Spec) (stop func(), err error) {
	addr := "127.0.0.1:0"
	if spec.Family == "inet6" {
		addr = "[::1]:0"
	}
	ln, err := netperf.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	// The server outlives an interrupt of the client, so that the client
	// can still collect the results of what it measured; stop ends it.
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&netperf.Server{}).Serve(ctx, ln)
	}()
	tcp := ln.Addr().(*net.TCPAddr)
	spec.Host, spec.Port = tcp.IP.String(), tcp.Port
	return func() { cancel(); <-done }, nil
}

// uuidFrom formats a run ID as the version-4 style UUID netperf's UUID
// selector prints.
func uuidFrom(runID string) string {
	var b [16]byte
	rand.Read(b[:])
	copy(b[:], runID)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func newRunID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newHeader(argv []string) *result.Header {
	h := &result.Header{Tool: "nperf", Version: Version, Time: time.Now().UTC(), CommandLine: argv}
	h.Hostname, _ = os.Hostname()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		h.Kernel = runtime.GOOS + " " + strings.TrimSpace(string(b))
	}
	return h
}
