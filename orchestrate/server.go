package orchestrate

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"nperf/remote"
)

// A ServerSpec says which server runs on the server hosts.
type ServerSpec struct {
	// Netserver runs the stock netserver instead of nperf server.
	Netserver bool
	// NetserverPath is the netserver binary ("netserver": from PATH).
	NetserverPath string
	Port          int // control port; 0 means 12865
}

func (s ServerSpec) port() int {
	if s.Port > 0 {
		return s.Port
	}
	return 12865
}

// The states a server can be found or left in.
const (
	ServerStarted        = "started"
	ServerAlreadyRunning = "already running"
	ServerRunning        = "running"
	ServerStopped        = "stopped"
	ServerNotRunning     = "not running"
	// ServerStale: a PID file named a process that is gone (removed).
	ServerStale = "not running (stale PID file removed)"
)

// A HostServer is the state of the server on one host after Start, Stop
// or Status.
type HostServer struct {
	Host    *remote.Host
	Err     error
	State   string // one of the Server* states
	PID     int
	Elapsed string // how long it has run (ps etime), from Status
	PIDFile string
	LogFile string
}

// Start starts the server on every host unless one started earlier is
// still running there (its PID file names a live server process), and
// waits until it says it is listening. A host with a DataAddress gets a
// server bound to that address only.
func (f *Fleet) Start(ctx context.Context, hosts []*remote.Host, s ServerSpec) []*HostServer {
	return f.serverOp(ctx, hosts, s, "start")
}

// Stop stops the server that Start started on every host (SIGTERM, then
// SIGKILL after 5 s) and removes its PID file.
func (f *Fleet) Stop(ctx context.Context, hosts []*remote.Host, s ServerSpec) []*HostServer {
	return f.serverOp(ctx, hosts, s, "stop")
}

// Status reports whether the server Start started is running on each
// host.
func (f *Fleet) Status(ctx context.Context, hosts []*remote.Host, s ServerSpec) []*HostServer {
	return f.serverOp(ctx, hosts, s, "status")
}

// serverPrelude defines, for the scripts below: $pf, $log, and alive PID
// (a live, non-zombie process whose command line mentions "server").
const serverPrelude = `
alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ "$st" != Z ] || return 1
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q server
}
pid=
[ -f "$pf" ] && pid=$(cat "$pf")
`

const startScript = `
if alive "$pid"; then echo "already $pid"; exit 0; fi
rm -f "$pf"
mkdir -p "$(dirname "$pf")"
if command -v setsid >/dev/null 2>&1; then detach=setsid; else detach=nohup; fi
$detach "$@" >"$log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pf"
i=0
while [ $i -lt 100 ]; do
	if grep -q "Starting netserver" "$log" 2>/dev/null; then echo "started $pid"; exit 0; fi
	if ! alive "$pid"; then
		rm -f "$pf"
		echo "the server exited at once; its output:" >&2
		cat "$log" >&2
		exit 5
	fi
	sleep 0.1
	i=$((i+1))
done
echo "the server did not say it was listening within 10 s; its output:" >&2
cat "$log" >&2
exit 6
`

const stopScript = `
if ! alive "$pid"; then
	if [ -f "$pf" ]; then rm -f "$pf"; echo stale; else echo not-running; fi
	exit 0
fi
kill -TERM "$pid"
i=0
while alive "$pid" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
if alive "$pid"; then kill -KILL "$pid"; fi
rm -f "$pf"
echo "stopped $pid"
`

const statusScript = `
if alive "$pid"; then echo "running $pid $(ps -o etime= -p "$pid" 2>/dev/null | tr -d ' ')"; exit 0; fi
if [ -f "$pf" ]; then rm -f "$pf"; echo stale; else echo not-running; fi
`

func (f *Fleet) serverOp(ctx context.Context, hosts []*remote.Host, s ServerSpec, op string) []*HostServer {
	out := make([]*HostServer, len(hosts))
	f.each(len(hosts), func(i int) {
		out[i] = f.serverOn(ctx, hosts[i], s, op)
	})
	return out
}

// ServerFiles returns the PID file and log of the server on h.
func (f *Fleet) ServerFiles(h *remote.Host, s ServerSpec) (pidFile, logFile string) {
	dir := strings.TrimSuffix(f.StateDirOf(h), "/")
	name := "server"
	if s.Netserver {
		name = "netserver"
	}
	return fmt.Sprintf("%s/%s-%d.pid", dir, name, s.port()), fmt.Sprintf("%s/%s-%d.log", dir, name, s.port())
}

func (f *Fleet) serverOn(ctx context.Context, h *remote.Host, s ServerSpec, op string) *HostServer {
	r := &HostServer{Host: h}
	r.PIDFile, r.LogFile = f.ServerFiles(h, s)
	c, err := f.Conn(ctx, h)
	if err != nil {
		r.Err = err
		return r
	}
	var body string
	switch op {
	case "start":
		body = startScript
	case "stop":
		body = stopScript
	default:
		body = statusScript
	}
	// The server's command line goes in as the script's arguments.
	args := []string{remote.QuotePath(f.NperfPathOf(h)), "server"}
	if s.Netserver {
		ns := s.NetserverPath
		if ns == "" {
			ns = "netserver"
		}
		args = []string{remote.QuotePath(ns)}
	}
	args = append(args, "-D", "-p", strconv.Itoa(s.port()))
	if h.DataAddress != "" {
		// A separate test network: serve on it only.
		args = append(args, "-L", remote.Quote(h.DataAddress))
	}
	script := "pf=" + remote.QuotePath(r.PIDFile) + "\nlog=" + remote.QuotePath(r.LogFile) + "\n" + serverPrelude + body
	line := "sh -c " + remote.Quote(script) + " nperf-" + op + " " + strings.Join(args, " ")
	b, err := remote.Output(ctx, c, line)
	if err != nil {
		r.Err = fmt.Errorf("%s: %w", op, err)
		return r
	}
	words := strings.Fields(string(b))
	if len(words) == 0 {
		r.Err = fmt.Errorf("%s: no answer from the script", op)
		return r
	}
	if len(words) > 1 {
		r.PID, _ = strconv.Atoi(words[1])
	}
	switch words[0] {
	case "started":
		r.State = ServerStarted
	case "already":
		r.State = ServerAlreadyRunning
	case "running":
		r.State = ServerRunning
		if len(words) > 2 {
			r.Elapsed = words[2]
		}
	case "stopped":
		r.State = ServerStopped
	case "stale":
		r.State = ServerStale
	case "not-running":
		r.State = ServerNotRunning
	default:
		r.Err = fmt.Errorf("%s: unexpected answer %q", op, b)
	}
	return r
}
