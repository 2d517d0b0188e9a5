package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"nperf/orchestrate"
	"nperf/remote"
	"nperf/result"
)

const orchestrateUsage = `Usage: nperf orchestrate COMMAND [options] [-- test options]

Runs nperf on many hosts over SSH: inventories, deployment, servers, and
the N clients x M servers matrix.

Commands:
  hosts    list the inventory as nperf resolves it (roles, SSH target, data address)
  check    reach every host: OS/arch, nperf version, netserver, clock offset
  deploy   copy this nperf binary to every host (architecture and checksum checked)
  start    start the server on the server hosts (PID file; idempotent)
  stop     stop it
  status   is it running?
  run      the matrix: every client against every server; Records to one JSONL file

Inventory (at least one):
  -i FILE               YAML, Ansible INI or plain list (repeatable); roles / groups
                        client(s) and server(s) say who is what
  --clients FILE        every host in FILE is a client (any format)
  --servers FILE        every host in FILE is a server
  --limit NAMES         only these hosts (comma-separated inventory names)

SSH:
  --user USER           login when the inventory names none
  --key FILE            private key to offer (repeatable; the agent's keys follow)
  --known-hosts PATH    the known_hosts file to use (default ~/.ssh/known_hosts
                        and /etc/ssh/ssh_known_hosts)
  --accept-new-host-keys
                        trust hosts whose key is not known yet and record it;
                        a changed key is still refused
  --ssh-config PATH     OpenSSH client config for aliases (default ~/.ssh/config;
                        "none" for none)
  --connect-timeout DUR TCP connect and SSH handshake limit (default 10s)
  --parallel K          hosts (or concurrent cells) at once (default 8)

On the hosts:
  --nperf PATH          nperf on the hosts (default ~/.local/bin/nperf, or the
                        host's nperf_path var)
  --state-dir PATH      PID files and logs (default ~/.nperf, or nperf_state_dir)

deploy:
  --binary FILE         deploy this Linux binary instead of the running one
  --force               copy even where the same binary is already there

start, stop, status (and run --start-servers):
  --port N              server control port (default 12865)
  --netserver           run stock netserver instead of nperf server
  --netserver-path PATH netserver on the hosts (default: found on PATH)

run:
  -o FILE               Records (JSON Lines) to FILE; "-" for stdout (default
                        matrix-YYYYMMDD-HHMMSS.jsonl)
  --pairs LIST          only these cells: client:server,client:server,...
  --concurrent          run every cell at once (default: one after the other)
  --instances N         each cell runs 'nperf multi -n N' instead of 'nperf run'
  --profile NAME|FILE   each cell runs 'nperf profile run' of this profile (a
                        built-in name, or a file's path on the client hosts)
  --label K=V           add a label to every Record (repeatable)
  --start-servers       start the servers first and stop those it started after
  --grace DUR           time an interrupted cell has to send its last Records (2s)
  -- test options       options of 'nperf run' / 'nperf multi' for every cell,
                        without -H and -p: e.g. -- -t TCP_RR -l 10 -- -r 64

Exit status: 0 all hosts / cells succeeded, 1 none did, 2 usage, 3 some failed,
130 interrupted.
`

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type orchestrateOptions struct {
	sub            string
	inventories    listFlag
	clientsFile    string
	serversFile    string
	limit          string
	user           string
	keys           listFlag
	knownHosts     string
	acceptNew      bool
	sshConfig      string
	connectTimeout time.Duration
	parallel       int
	nperfPath      string
	stateDir       string
	binary         string
	force          bool
	port           int
	netserver      bool
	netserverPath  string
	output         string
	pairs          string
	concurrent     bool
	instances      int
	profile        string
	labels         listFlag
	startServers   bool
	grace          time.Duration
	testArgs       []string
}

var orchestrateSubs = []string{"hosts", "check", "deploy", "start", "stop", "status", "run"}

func parseOrchestrateArgs(args []string) (*orchestrateOptions, error) {
	o := &orchestrateOptions{}
	if len(args) == 0 {
		return nil, fmt.Errorf("missing command (one of %s)", strings.Join(orchestrateSubs, ", "))
	}
	o.sub = args[0]
	switch {
	case o.sub == "-h" || o.sub == "--help" || o.sub == "help":
		return nil, flag.ErrHelp
	case !slices.Contains(orchestrateSubs, o.sub):
		return nil, fmt.Errorf("unknown command %q (want one of %s)", o.sub, strings.Join(orchestrateSubs, ", "))
	}
	fs := flag.NewFlagSet("orchestrate "+o.sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.Var(&o.inventories, "i", "")
	fs.Var(&o.inventories, "inventory", "")
	fs.StringVar(&o.clientsFile, "clients", "", "")
	fs.StringVar(&o.serversFile, "servers", "", "")
	fs.StringVar(&o.limit, "limit", "", "")
	fs.StringVar(&o.user, "user", "", "")
	fs.Var(&o.keys, "key", "")
	fs.StringVar(&o.knownHosts, "known-hosts", "", "")
	fs.BoolVar(&o.acceptNew, "accept-new-host-keys", false, "")
	fs.StringVar(&o.sshConfig, "ssh-config", "", "")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", 10*time.Second, "")
	fs.IntVar(&o.parallel, "parallel", orchestrate.DefaultParallel, "")
	fs.StringVar(&o.nperfPath, "nperf", "", "")
	fs.StringVar(&o.stateDir, "state-dir", "", "")
	fs.StringVar(&o.binary, "binary", "", "")
	fs.BoolVar(&o.force, "force", false, "")
	fs.IntVar(&o.port, "port", 12865, "")
	fs.BoolVar(&o.netserver, "netserver", false, "")
	fs.StringVar(&o.netserverPath, "netserver-path", "", "")
	fs.StringVar(&o.output, "o", "", "")
	fs.StringVar(&o.pairs, "pairs", "", "")
	fs.BoolVar(&o.concurrent, "concurrent", false, "")
	fs.IntVar(&o.instances, "instances", 0, "")
	fs.StringVar(&o.profile, "profile", "", "")
	fs.Var(&o.labels, "label", "")
	fs.BoolVar(&o.startServers, "start-servers", false, "")
	fs.DurationVar(&o.grace, "grace", remote.DefaultGrace, "")
	if err := fs.Parse(args[1:]); err != nil {
		return nil, err
	}
	o.testArgs = fs.Args()
	if len(o.testArgs) > 0 && (o.sub != "run" || !slices.Contains(args, "--")) {
		return nil, fmt.Errorf("unexpected argument %q (test options go after --, for run)", o.testArgs[0])
	}
	switch {
	case o.parallel < 1:
		return nil, fmt.Errorf("option --parallel: want at least 1")
	case o.port < 1 || o.port > 65535:
		return nil, fmt.Errorf("option --port: invalid port %d", o.port)
	case o.instances < 0 || o.instances > 1024:
		return nil, fmt.Errorf("option --instances: want 1-1024")
	case o.connectTimeout <= 0:
		return nil, fmt.Errorf("option --connect-timeout: want a positive duration")
	case len(o.inventories) == 0 && o.clientsFile == "" && o.serversFile == "":
		return nil, fmt.Errorf("no inventory: give -i FILE, or --clients FILE and --servers FILE")
	}
	for _, l := range o.labels {
		if k, _, ok := strings.Cut(l, "="); !ok || k == "" {
			return nil, fmt.Errorf("option --label: want K=V, got %q", l)
		}
	}
	return o, nil
}

// orchestrateCmd is "nperf orchestrate".
func orchestrateCmd(ctx context.Context, stdio Stdio, args []string) int {
	o, err := parseOrchestrateArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdio.Out, orchestrateUsage)
		return exitOK
	}
	if err != nil {
		errorf(stdio.Err, "%v", err)
		hintf(stdio.Err, "run 'nperf orchestrate --help' for the commands and options")
		return exitUsage
	}
	inv, err := loadInventory(o)
	if err != nil {
		errorf(stdio.Err, "%v", err)
		return exitUsage
	}
	dialer, err := newSSHDialer(o)
	if err != nil {
		errorf(stdio.Err, "%v", err)
		return exitUsage
	}
	fleet := &orchestrate.Fleet{Dialer: dialer, Parallel: o.parallel, NperfPath: o.nperfPath, StateDir: o.stateDir}
	defer fleet.Close()
	clients := inv.Group("client", "clients")
	servers := inv.Group("server", "servers")
	srv := orchestrate.ServerSpec{Netserver: o.netserver, NetserverPath: o.netserverPath, Port: o.port}

	switch o.sub {
	case "hosts":
		printHosts(stdio.Out, inv, dialer)
		return exitOK
	case "check":
		res := fleet.Check(ctx, inv.Hosts)
		printChecks(stdio.Out, res)
		return hostsExit(ctx, stdio, hostErrs(res, func(r *orchestrate.HostCheck) (*remote.Host, error) { return r.Host, r.Err }))
	case "deploy":
		bin, err := readBinary(o.binary)
		if err != nil {
			errorf(stdio.Err, "%v", err)
			return exitUsage
		}
		res := fleet.Deploy(ctx, inv.Hosts, bin, o.force)
		printDeploys(stdio.Out, res)
		return hostsExit(ctx, stdio, hostErrs(res, func(r *orchestrate.HostDeploy) (*remote.Host, error) { return r.Host, r.Err }))
	case "start", "stop", "status":
		if len(servers) == 0 {
			errorf(stdio.Err, "no server hosts in the inventory (role or group \"server\" or \"servers\")")
			return exitUsage
		}
		var res []*orchestrate.HostServer
		switch o.sub {
		case "start":
			res = fleet.Start(ctx, servers, srv)
		case "stop":
			res = fleet.Stop(ctx, servers, srv)
		default:
			res = fleet.Status(ctx, servers, srv)
		}
		printServers(stdio.Out, res)
		return hostsExit(ctx, stdio, hostErrs(res, func(r *orchestrate.HostServer) (*remote.Host, error) { return r.Host, r.Err }))
	}
	return orchestrateRun(ctx, stdio, o, fleet, clients, servers, srv, inv)
}

func loadInventory(o *orchestrateOptions) (*remote.Inventory, error) {
	inv := &remote.Inventory{}
	add := func(path, role string) error {
		part, err := remote.Load(path, role)
		if err != nil {
			return err
		}
		if role != "" {
			for _, h := range part.Hosts {
				if !slices.Contains(h.Groups, role) {
					h.Groups = append(h.Groups, role)
				}
			}
		}
		return inv.Add(part)
	}
	for _, p := range o.inventories {
		if err := add(p, ""); err != nil {
			return nil, err
		}
	}
	if o.clientsFile != "" {
		if err := add(o.clientsFile, "client"); err != nil {
			return nil, err
		}
	}
	if o.serversFile != "" {
		if err := add(o.serversFile, "server"); err != nil {
			return nil, err
		}
	}
	if o.limit != "" {
		keep := map[string]bool{}
		for _, n := range strings.Split(o.limit, ",") {
			if inv.Lookup(n) == nil {
				return nil, fmt.Errorf("option --limit: no host %q in the inventory", n)
			}
			keep[n] = true
		}
		inv.Hosts = slices.DeleteFunc(inv.Hosts, func(h *remote.Host) bool { return !keep[h.Name] })
	}
	if len(inv.Hosts) == 0 {
		return nil, fmt.Errorf("the inventory has no hosts")
	}
	return inv, nil
}

func newSSHDialer(o *orchestrateOptions) (*remote.SSH, error) {
	d := &remote.SSH{
		User:              o.user,
		IdentityFiles:     o.keys,
		AcceptNewHostKeys: o.acceptNew,
		ConnectTimeout:    o.connectTimeout,
	}
	if o.knownHosts != "" {
		d.KnownHostsFiles = []string{o.knownHosts}
	}
	cfgPath := o.sshConfig
	if cfgPath == "" {
		home, _ := os.UserHomeDir()
		cfgPath = filepath.Join(home, ".ssh", "config")
	}
	if cfgPath != "none" {
		cfg, err := remote.LoadSSHConfig(cfgPath)
		if err != nil {
			return nil, err
		}
		d.Config = cfg
	}
	return d, nil
}

func readBinary(path string) (*orchestrate.Binary, error) {
	if path == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("cannot find the running nperf binary: %v (pass --binary)", err)
		}
		path = exe
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	bin, err := orchestrate.NewBinary(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return bin, nil
}

type hostErr struct {
	host *remote.Host
	err  error
}

func hostErrs[T any](res []T, get func(T) (*remote.Host, error)) []hostErr {
	out := make([]hostErr, len(res))
	for i, r := range res {
		out[i].host, out[i].err = get(r)
	}
	return out
}

// hostsExit reports every failed host on stderr, with one hint per kind of
// failure, and returns the exit status for a per-host command.
func hostsExit(ctx context.Context, stdio Stdio, res []hostErr) int {
	failed := 0
	var errs []error
	for _, r := range res {
		if r.err != nil {
			failed++
			errs = append(errs, r.err)
			errorf(stdio.Err, "%s", hostError(r.host, r.err))
		}
	}
	sshHints(stdio.Err, errs)
	switch {
	case ctx.Err() != nil:
		return exitInterrupted
	case failed == 0:
		return exitOK
	case failed == len(res):
		return exitFailed
	}
	return exitPartial
}

// hostError is err about host h, named once: a *remote.HostError
// already starts with the host's name (and address).
func hostError(h *remote.Host, err error) string {
	var he *remote.HostError
	if errors.As(err, &he) && he.Host == h.Name {
		return err.Error()
	}
	return h.Name + ": " + err.Error()
}

func sshHints(w io.Writer, errs []error) {
	said := map[error]bool{}
	hint := func(kind error, format string, args ...any) {
		for _, e := range errs {
			if errors.Is(e, kind) && !said[kind] {
				said[kind] = true
				hintf(w, format, args...)
			}
		}
	}
	hint(remote.ErrHostKeyUnknown, "check the host's key fingerprint and add it to known_hosts (ssh-keyscan HOST >> ~/.ssh/known_hosts, or ssh to it once), or pass --accept-new-host-keys to trust new hosts on first use")
	hint(remote.ErrHostKeyChanged, "a changed host key is never accepted automatically: confirm the new key with the host's owner first")
	hint(remote.ErrAuth, "give the key with --key or the inventory (key:), load it into ssh-agent, or set the user with --user")
	hint(orchestrate.ErrArch, "deploy a binary built for that architecture with --binary")
}

func printHosts(w io.Writer, inv *remote.Inventory, d *remote.SSH) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLES\tSSH\tDATA ADDRESS\tLABELS\tDEFINED AT")
	for _, h := range inv.Hosts {
		t := d.Resolve(h)
		var labels []string
		for _, k := range sortedKeys(h.Labels) {
			labels = append(labels, k+"="+h.Labels[k])
		}
		fmt.Fprintf(tw, "%s\t%s\t%s@%s\t%s\t%s\t%s\n", h.Name, orDash(strings.Join(h.Groups, ",")), t.User, t.Addr,
			h.TestAddress(), orDash(strings.Join(labels, ",")), h.Source)
	}
	tw.Flush()
}

func cellWord(n int) string {
	if n == 1 {
		return "cell"
	}
	return "cells"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printChecks(w io.Writer, res []*orchestrate.HostCheck) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tSYSTEM\tNPERF\tNETSERVER\tCLOCK OFFSET")
	for _, r := range res {
		if r.Err != nil {
			fmt.Fprintf(tw, "%s\tfailed\t\t\t\n", r.Host.Name)
			continue
		}
		nperf := "not at " + r.NperfPath
		if f := strings.Fields(r.NperfVersion); len(f) > 1 && f[0] == "nperf" {
			nperf = f[1]
		} else if r.NperfVersion != "" {
			nperf = "?? " + r.NperfVersion
		}
		if r.NperfVersion == "" && r.NperfOnPath != "" {
			nperf += " (on PATH: " + r.NperfOnPath + ")"
		}
		clock := "unknown (no date +%N)"
		if r.ClockOK {
			clock = fmt.Sprintf("%+.1f ms ± %.1f ms", float64(r.ClockOffset)/1e6, float64(r.ClockUncertainty)/1e6)
		}
		system := fmt.Sprintf("%s %s %s", r.OS, r.Machine, r.Kernel)
		if !r.Sha256sum {
			system += " (no sha256sum: deploy cannot verify)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Host.Name, system, nperf, orDash(r.Netserver), clock)
	}
	tw.Flush()
}

func printDeploys(w io.Writer, res []*orchestrate.HostDeploy) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tPATH\tRESULT\tVERSION")
	for _, r := range res {
		switch {
		case r.Err != nil:
			fmt.Fprintf(tw, "%s\t%s\tfailed\t\n", r.Host.Name, r.Path)
		case r.Updated:
			fmt.Fprintf(tw, "%s\t%s\tinstalled\t%s\n", r.Host.Name, r.Path, r.Version)
		default:
			fmt.Fprintf(tw, "%s\t%s\tup to date\t%s\n", r.Host.Name, r.Path, r.Version)
		}
	}
	tw.Flush()
}

func printServers(w io.Writer, res []*orchestrate.HostServer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tSERVER\tPID\tPID FILE")
	for _, r := range res {
		state, pid := r.State, "-"
		if r.Err != nil {
			state = "failed"
		}
		if r.PID > 0 {
			pid = fmt.Sprint(r.PID)
		}
		if r.Elapsed != "" {
			state += " for " + r.Elapsed
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Host.Name, state, pid, r.PIDFile)
	}
	tw.Flush()
}

func orchestrateRun(ctx context.Context, stdio Stdio, o *orchestrateOptions, fleet *orchestrate.Fleet,
	clients, servers []*remote.Host, srv orchestrate.ServerSpec, inv *remote.Inventory) int {
	m := &orchestrate.Matrix{Args: o.testArgs, Instances: o.instances, Profile: o.profile, Port: o.port, Concurrent: o.concurrent, Grace: o.grace}
	if o.pairs != "" {
		for _, p := range strings.Split(o.pairs, ",") {
			c, s, ok := strings.Cut(p, ":")
			ch, sh := inv.Lookup(c), inv.Lookup(s)
			if !ok || ch == nil || sh == nil {
				errorf(stdio.Err, "option --pairs: %q is not client:server of two inventory hosts", p)
				return exitUsage
			}
			m.Cells = append(m.Cells, orchestrate.Cell{Client: ch, Server: sh})
		}
	} else {
		if len(clients) == 0 || len(servers) == 0 {
			errorf(stdio.Err, "the inventory has %d clients and %d servers; a matrix needs both (roles or groups client(s) and server(s), or --pairs)", len(clients), len(servers))
			return exitUsage
		}
		m.Cells = orchestrate.FullMatrix(clients, servers)
	}
	if len(o.labels) > 0 {
		m.Labels = map[string]string{}
		for _, l := range o.labels {
			k, v, _ := strings.Cut(l, "=")
			m.Labels[k] = v
		}
	}
	if err := m.Check(); err != nil {
		errorf(stdio.Err, "%v", err)
		hintf(stdio.Err, "test options are those of 'nperf run' (or 'nperf multi' with --instances), after --")
		return exitUsage
	}

	outName := o.output
	if outName == "" {
		outName = "matrix-" + time.Now().Format("20060102-150405") + ".jsonl"
	}
	var out io.Writer = stdio.Out
	table := stdio.Out
	if outName == "-" {
		table = stdio.Err
	} else {
		f, err := os.Create(outName)
		if err != nil {
			errorf(stdio.Err, "%v", err)
			return exitFailed
		}
		defer f.Close()
		out = f
	}
	enc := result.NewEncoder(out)
	if err := enc.EncodeHeader(newHeader(os.Args)); err != nil {
		errorf(stdio.Err, "writing Records: %v", err)
		return exitFailed
	}

	if o.startServers {
		var used []*remote.Host
		for _, c := range m.Cells {
			if !slices.Contains(used, c.Server) {
				used = append(used, c.Server)
			}
		}
		res := fleet.Start(ctx, used, srv)
		var started []*remote.Host
		for _, r := range res {
			switch {
			case r.Err != nil:
				errorf(stdio.Err, "starting the server: %s", hostError(r.Host, r.Err))
			case r.State == orchestrate.ServerStarted:
				started = append(started, r.Host)
			}
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			for _, r := range fleet.Stop(stopCtx, started, srv) {
				if r.Err != nil {
					errorf(stdio.Err, "stopping the server: %s", hostError(r.Host, r.Err))
				}
			}
		}()
	}

	var logMu sync.Mutex
	m.OnCell = func(r *orchestrate.CellResult, done bool) {
		logMu.Lock()
		defer logMu.Unlock()
		switch {
		case !done:
			fmt.Fprintf(stdio.Err, "nperf: %s: running\n", r.Name())
		case r.Err != nil:
			fmt.Fprintf(stdio.Err, "nperf: %s: failed: %s\n", r.Name(), r.Status())
		default:
			fmt.Fprintf(stdio.Err, "nperf: %s: %s\n", r.Name(), r.Status())
		}
	}
	res, err := fleet.Run(ctx, m, enc.Encode)
	if res != nil {
		if outName != "-" {
			fmt.Fprintf(table, "nperf orchestrate: %d %s, Records in %s\n\n", len(res), cellWord(len(res)), outName)
		}
		orchestrate.WriteMatrix(table, res)
	}
	if err != nil {
		errorf(stdio.Err, "%v", err)
		return exitFailed
	}
	var errs []error
	ok := 0
	for _, r := range res {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
		if r.OK() {
			ok++
		}
	}
	sshHints(stdio.Err, errs)
	switch {
	case ctx.Err() != nil:
		return exitInterrupted
	case ok == len(res):
		return exitOK
	case ok == 0:
		return exitFailed
	}
	return exitPartial
}
