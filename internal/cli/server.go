package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"nperf/netperf"
)

const serverUsage = `Usage: nperf server [-D] [-p port] [-L addr[,fam]] [-4|-6]

Serves netperf clients (stock netperf 2.7 or nperf run), like netserver.

  -p port          control port (default 12865)
  -L addr[,fam]    listen on this address only; fam 4 or 6
  -4, -6           IPv4 only, IPv6 only (default: both)
  -D               stay in the foreground (default: detach, as netserver)
  -f               accepted for netserver compatibility (no fork per session)
`

// serverCmd is "nperf server" and the netserver link.
func serverCmd(ctx context.Context, stdio Stdio, args []string) int {
	port := netperf.DefaultPort
	host, network := "", "tcp"
	foreground := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, bool) { return optionValue(stdio, args, &i, a[:2]) }
		switch {
		case a == "-h" || a == "--help":
			fmt.Fprint(stdio.Out, serverUsage)
			return exitOK
		case a == "-D":
			foreground = true
		case a == "-f":
		case a == "-4":
			network = "tcp4"
		case a == "-6":
			network = "tcp6"
		case strings.HasPrefix(a, "-p"):
			v, ok := value()
			if !ok {
				return exitUsage
			}
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 || n > 65535 {
				errorf(stdio.Err, "option -p: invalid port %q", v)
				return exitUsage
			}
			port = n
		case strings.HasPrefix(a, "-L"):
			v, ok := value()
			if !ok {
				return exitUsage
			}
			h, fam, _ := strings.Cut(v, ",")
			host = strings.Trim(h, "[]")
			switch fam {
			case "":
			case "4", "inet", "AF_INET":
				network = "tcp4"
			case "6", "inet6", "AF_INET6":
				network = "tcp6"
			default:
				errorf(stdio.Err, "option -L: unknown address family %q (want 4 or 6)", fam)
				return exitUsage
			}
		default:
			errorf(stdio.Err, "unknown option %q", a)
			hintf(stdio.Err, "run 'nperf server -h' for the options")
			return exitUsage
		}
	}
	addr := netperf.Addr(host, port)
	if !foreground {
		return detach(stdio, args, host, port, network)
	}
	ln, err := netperf.Listen(network, addr)
	if err != nil {
		errorf(stdio.Err, "cannot listen on %s: %v", addr, err)
		return exitFailed
	}
	fmt.Fprintf(stdio.Out, "Starting netserver with host '%s' port '%d' and family %s\n", hostLabel(host, network), port, familyLabel(network))
	var mu sync.Mutex
	srv := &netperf.Server{Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stdio.Err, "nperf server: "+format+"\n", args...)
	}}
	if err := srv.Serve(ctx, ln); err != nil {
		errorf(stdio.Err, "%v", err)
		return exitFailed
	}
	return exitOK
}

func hostLabel(host, network string) string {
	if host != "" {
		return host
	}
	if network == "tcp4" {
		return "INADDR_ANY"
	}
	return "IN(6)ADDR_ANY"
}

func familyLabel(network string) string {
	switch network {
	case "tcp4":
		return "AF_INET"
	case "tcp6":
		return "AF_INET6"
	}
	return "AF_UNSPEC"
}

// detach starts the server again in the background, in its own session,
// as netserver does without -D. It first checks that the port is free so
// that the user sees the error here rather than not at all.
func detach(stdio Stdio, args []string, host string, port int, network string) int {
	addr := netperf.Addr(host, port)
	ln, err := netperf.Listen(network, addr)
	if err != nil {
		errorf(stdio.Err, "cannot listen on %s: %v", addr, err)
		return exitFailed
	}
	ln.Close()
	exe, err := os.Executable()
	if err != nil {
		errorf(stdio.Err, "cannot find my own executable to detach: %v", err)
		hintf(stdio.Err, "use -D to stay in the foreground")
		return exitFailed
	}
	cmd := exec.Command(exe, append([]string{"server", "-D"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		errorf(stdio.Err, "cannot detach: %v", err)
		return exitFailed
	}
	fmt.Fprintf(stdio.Out, "Starting netserver with host '%s' port '%d' and family %s (pid %d)\n",
		hostLabel(host, network), port, familyLabel(network), cmd.Process.Pid)
	cmd.Process.Release()
	return exitOK
}
