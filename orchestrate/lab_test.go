package orchestrate_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"nperf/internal/cli"
	"nperf/orchestrate"
	"nperf/remote"
	"nperf/remote/remotetest"
	"nperf/result"
)

// TestMain lets the test binary stand in for nperf: deployed to a host
// under the name "nperf", it runs the real command line. So the hosts of
// these tests run real nperf servers and clients, reached over SSH.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "nperf" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Main(ctx, os.Args, cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// A lab is a few hosts on loopback, each its own SSH server, with nperf
// and its state in a directory of its own; servers get data addresses
// 127.0.0.x of their own, so that their nperf servers can share a port.
type lab struct {
	dir   string
	hosts []*remote.Host
	ssh   map[string]*remotetest.Server
	fleet *orchestrate.Fleet
	port  int
	bin   *orchestrate.Binary
}

func newLab(t *testing.T, names ...string) *lab {
	t.Helper()
	key, signer := remotetest.NewKey(t)
	l := &lab{dir: t.TempDir(), ssh: map[string]*remotetest.Server{}, port: freePort(t)}
	var known []string
	for i, n := range names {
		srv := remotetest.NewServer(t, signer.PublicKey())
		l.ssh[n] = srv
		known = append(known, srv.KnownHostsLine())
		h := &remote.Host{
			Name: n, Address: srv.Host, Port: srv.Port, IdentityFiles: []string{key},
			Labels: map[string]string{"rack": "r" + n[1:]},
			Vars: map[string]string{
				"nperf_path":      filepath.Join(l.dir, n, "bin", "nperf"),
				"nperf_state_dir": filepath.Join(l.dir, n, "state"),
			},
		}
		if strings.HasPrefix(n, "s") {
			h.Groups = []string{"server"}
			h.DataAddress = fmt.Sprintf("127.0.0.%d", 20+i)
		} else {
			h.Groups = []string{"client"}
		}
		l.hosts = append(l.hosts, h)
	}
	kh := filepath.Join(l.dir, "known_hosts")
	if err := os.WriteFile(kh, []byte(strings.Join(known, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l.fleet = &orchestrate.Fleet{Dialer: &remote.SSH{KnownHostsFiles: []string{kh}, AgentSocket: "none"}}
	t.Cleanup(func() { l.fleet.Close() })
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if l.bin, err = orchestrate.NewBinary(b); err != nil {
		t.Fatal(err)
	}
	return l
}

// processAlive reports whether pid is a running process: not gone, and
// not a zombie waiting for a parent that does not reap it promptly.
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndex(s, ") ")
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (l *lab) group(g string) []*remote.Host {
	inv := &remote.Inventory{Hosts: l.hosts}
	return inv.Group(g)
}

// deployAndStart deploys nperf everywhere and starts the servers, and
// stops them when the test ends.
func (l *lab) deployAndStart(t *testing.T) {
	t.Helper()
	for _, r := range l.fleet.Deploy(context.Background(), l.hosts, l.bin, false) {
		if r.Err != nil {
			t.Fatalf("deploy %s: %v", r.Host.Name, r.Err)
		}
	}
	spec := orchestrate.ServerSpec{Port: l.port}
	t.Cleanup(func() {
		for _, r := range l.fleet.Stop(context.Background(), l.group("server"), spec) {
			if r.Err != nil {
				t.Errorf("stop %s: %v", r.Host.Name, r.Err)
			}
		}
	})
	for _, r := range l.fleet.Start(context.Background(), l.group("server"), spec) {
		if r.Err != nil || r.State != orchestrate.ServerStarted {
			t.Fatalf("start %s: %s %v", r.Host.Name, r.State, r.Err)
		}
	}
}

// collector keeps the Records a run emits, as the CLI's file would.
type collector struct {
	mu      sync.Mutex
	records []*result.Record
	onFirst map[string]func() // by client name: called at its first Record
}

func (c *collector) emit(r *result.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = append(c.records, r)
	if f := c.onFirst[r.Host]; f != nil {
		delete(c.onFirst, r.Host)
		go f()
	}
	return nil
}

func (c *collector) byCell() map[string][]*result.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := map[string][]*result.Record{}
	for _, r := range c.records {
		k := r.Labels["client"] + "->" + r.Labels["server"]
		m[k] = append(m[k], r)
	}
	return m
}

func TestLifecycle(t *testing.T) {
	l := newLab(t, "c1", "c2", "s1", "s2")
	ctx := context.Background()

	for _, r := range l.fleet.Check(ctx, l.hosts) {
		if r.Err != nil || r.OS != "Linux" || r.Arch == "" || r.NperfVersion != "" || !r.ClockOK || !r.Sha256sum {
			t.Errorf("check %s before deploy: %+v", r.Host.Name, r)
		}
		if r.ClockOffset.Abs() > r.ClockUncertainty+time.Millisecond {
			t.Errorf("%s: the same clock seen %v off (± %v)", r.Host.Name, r.ClockOffset, r.ClockUncertainty)
		}
	}
	for _, r := range l.fleet.Deploy(ctx, l.hosts, l.bin, false) {
		if r.Err != nil || !r.Updated || !strings.HasPrefix(r.Version, "nperf ") {
			t.Fatalf("deploy %s: %+v", r.Host.Name, r)
		}
	}
	for _, r := range l.fleet.Deploy(ctx, l.hosts[:1], l.bin, false) {
		if r.Err != nil || r.Updated {
			t.Errorf("second deploy %s: updated %v, %v", r.Host.Name, r.Updated, r.Err)
		}
	}
	for _, r := range l.fleet.Check(ctx, l.hosts[:1]) {
		if !strings.HasPrefix(r.NperfVersion, "nperf ") {
			t.Errorf("check after deploy: %q", r.NperfVersion)
		}
	}

	spec := orchestrate.ServerSpec{Port: l.port}
	servers := l.group("server")
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			l.fleet.Stop(ctx, servers, spec)
		}
	})
	pids := map[string]int{}
	for _, r := range l.fleet.Start(ctx, servers, spec) {
		if r.Err != nil || r.State != orchestrate.ServerStarted || r.PID <= 0 {
			t.Fatalf("start %s: %+v", r.Host.Name, r)
		}
		pids[r.Host.Name] = r.PID
	}
	for _, r := range l.fleet.Start(ctx, servers, spec) {
		if r.Err != nil || r.State != orchestrate.ServerAlreadyRunning || r.PID != pids[r.Host.Name] {
			t.Errorf("start again %s: %+v", r.Host.Name, r)
		}
	}
	for _, r := range l.fleet.Status(ctx, servers, spec) {
		if r.Err != nil || r.State != orchestrate.ServerRunning || r.PID != pids[r.Host.Name] {
			t.Errorf("status %s: %+v", r.Host.Name, r)
		}
	}

	var col collector
	m := &orchestrate.Matrix{
		Cells: orchestrate.FullMatrix(l.group("client"), servers),
		Args:  []string{"--interval", "50ms", "-t", "TCP_RR", "-l", "-300", "--", "-r", "32,64"},
		Port:  l.port, Labels: map[string]string{"campaign": "t1"},
	}
	res, err := l.fleet.Run(ctx, m, col.emit)
	if err != nil {
		t.Fatal(err)
	}
	cells := col.byCell()
	for _, r := range res {
		if !r.OK() || r.Headline.Transactions != 300 || r.Headline.Spec.ResponseSize != 64 {
			t.Errorf("cell %s: %s %v", r.Name(), r.Status(), r.Err)
			continue
		}
		recs := cells[r.Client.Name+"->"+r.Server.Name]
		if len(recs) != r.Records || len(recs) == 0 {
			t.Errorf("cell %s: %d records emitted, %d counted", r.Name(), len(recs), r.Records)
		}
		for _, rec := range recs {
			if rec.Host != r.Client.Name || rec.Labels["campaign"] != "t1" ||
				rec.Labels["client.rack"] != r.Client.Labels["rack"] || rec.Labels["server.rack"] != r.Server.Labels["rack"] {
				t.Errorf("cell %s: record host %q labels %v", r.Name(), rec.Host, rec.Labels)
			}
		}
		if want := r.Server.DataAddress + ":"; !strings.HasPrefix(r.Headline.Peer, want) {
			t.Errorf("cell %s ran against %s, want the data address %s", r.Name(), r.Headline.Peer, want)
		}
	}

	for _, r := range l.fleet.Stop(ctx, servers, spec) {
		if r.Err != nil || r.State != orchestrate.ServerStopped || r.PID != pids[r.Host.Name] {
			t.Errorf("stop %s: %+v", r.Host.Name, r)
		}
	}
	stopped = true
	for _, r := range l.fleet.Status(ctx, servers, spec) {
		if r.Err != nil || r.State != orchestrate.ServerNotRunning {
			t.Errorf("status after stop %s: %+v", r.Host.Name, r)
		}
		if processAlive(pids[r.Host.Name]) {
			t.Errorf("%s: server process %d still alive", r.Host.Name, pids[r.Host.Name])
		}
	}
	for _, r := range l.fleet.Stop(ctx, servers[:1], spec) {
		if r.Err != nil || r.State != orchestrate.ServerNotRunning {
			t.Errorf("stop again: %+v", r)
		}
	}
}

// A client host that dies mid-run and one that cannot be reached fail
// their own cells; every other cell completes and is kept, and what the
// dying host sent before it died is kept too.
func TestFailuresStayInTheirCells(t *testing.T) {
	l := newLab(t, "c1", "c2", "s1", "s2")
	l.deployAndStart(t)
	ghost := &remote.Host{Name: "c3", Address: "127.0.0.1", Port: freePort(t), Groups: []string{"client"}}

	col := &collector{onFirst: map[string]func(){"c2": l.ssh["c2"].DropConnections}}
	m := &orchestrate.Matrix{
		Cells:      orchestrate.FullMatrix(append(l.group("client"), ghost), l.group("server")),
		Args:       []string{"--interval", "50ms", "-t", "TCP_RR", "-l", "2"},
		Port:       l.port,
		Concurrent: true,
	}
	res, err := l.fleet.Run(context.Background(), m, col.emit)
	if err != nil {
		t.Fatal(err)
	}
	cells := col.byCell()
	for _, r := range res {
		name := r.Name()
		switch r.Client.Name {
		case "c1":
			if !r.OK() || len(cells["c1->"+r.Server.Name]) != r.Records {
				t.Errorf("%s: %s %v", name, r.Status(), r.Err)
			}
		case "c2":
			if !errors.Is(r.Err, remote.ErrConnLost) || r.Status() != "connection lost" {
				t.Errorf("%s: err %v, want connection lost", name, r.Err)
			}
		case "c3":
			if !errors.Is(r.Err, remote.ErrUnreachable) || r.Records != 0 {
				t.Errorf("%s: err %v, want unreachable", name, r.Err)
			}
		}
	}
	if n := len(cells["c2->s1"]) + len(cells["c2->s2"]); n == 0 {
		t.Error("the Records c2 sent before it died were dropped")
	}
	var sb strings.Builder
	orchestrate.WriteMatrix(&sb, res)
	for _, want := range []string{"2 of 6 cells completed", "c2 -> s1: c2 (127.0.0.1:", "connection lost", "c3 -> s2: c3 (127.0.0.1:", "unreachable"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sb.String())
		}
	}
}

// Cancelling a run interrupts the remote nperf, whose interrupted Final
// record still arrives; cells not started are marked, not failed.
func TestInterruptKeepsRecords(t *testing.T) {
	l := newLab(t, "c1", "s1", "s2")
	l.deployAndStart(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	col := &collector{onFirst: map[string]func(){"c1": cancel}}
	m := &orchestrate.Matrix{
		Cells: orchestrate.FullMatrix(l.group("client"), l.group("server")),
		Args:  []string{"--interval", "50ms", "-t", "TCP_STREAM", "-l", "30"},
		Port:  l.port,
	}
	start := time.Now()
	res, err := l.fleet.Run(ctx, m, col.emit)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("the interrupt did not stop the remote test")
	}
	first, second := res[0], res[1]
	if !first.Interrupted || first.Headline == nil || first.Headline.Err == nil || first.Headline.Err.Kind != result.ErrInterrupted {
		t.Fatalf("first cell: interrupted %v headline %+v", first.Interrupted, first.Headline)
	}
	if first.Headline.BytesSent == 0 || first.Err != nil {
		t.Errorf("first cell lost its measurement: %+v, %v", first.Headline, first.Err)
	}
	if !second.Interrupted || second.Started || second.Records != 0 || second.Err != nil {
		t.Errorf("second cell: %+v", second)
	}
	if got := second.Status(); got != "not run (interrupted)" {
		t.Errorf("second cell status %q", got)
	}
}

// A host whose key changed is refused and reported; the others run.
func TestChangedHostKeyRefused(t *testing.T) {
	l := newLab(t, "c1", "c2", "s1")
	l.deployAndStart(t)
	// Give c2's address the key of c1 in a fresh known_hosts.
	c1, c2 := l.ssh["c1"], l.ssh["c2"]
	forged := strings.Replace(c1.KnownHostsLine(), fmt.Sprint(c1.Port), fmt.Sprint(c2.Port), 1)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(kh, []byte(c1.KnownHostsLine()+"\n"+forged+"\n"), 0o600)
	fleet := &orchestrate.Fleet{Dialer: &remote.SSH{KnownHostsFiles: []string{kh}, AgentSocket: "none", AcceptNewHostKeys: true}}
	defer fleet.Close()
	res := fleet.Check(context.Background(), l.group("client"))
	if res[0].Err != nil {
		t.Errorf("c1: %v", res[0].Err)
	}
	if !errors.Is(res[1].Err, remote.ErrHostKeyChanged) {
		t.Errorf("c2: %v, want a changed host key", res[1].Err)
	}
}

// A client without nperf fails its cells with a message that says what
// to do; a server host without a server fails them as control-connect.
func TestNotDeployed(t *testing.T) {
	l := newLab(t, "c1", "c2", "s1")
	c1 := l.hosts[0]
	if r := l.fleet.Deploy(context.Background(), []*remote.Host{c1}, l.bin, false); r[0].Err != nil {
		t.Fatal(r[0].Err)
	}
	m := &orchestrate.Matrix{
		Cells: orchestrate.FullMatrix(l.group("client"), l.group("server")),
		Args:  []string{"-t", "TCP_RR", "-l", "-10"},
		Port:  l.port,
	}
	var col collector
	res, err := l.fleet.Run(context.Background(), m, col.emit)
	if err != nil {
		t.Fatal(err)
	}
	var re *result.Error
	if !errors.As(res[0].Err, &re) || re.Kind != result.ErrControlConnect || res[0].Status() != "control-connect" || res[0].Headline == nil {
		t.Errorf("c1 -> s1 without a server: %v (%s)", res[0].Err, res[0].Status())
	}
	if res[1].Err == nil || !strings.Contains(res[1].Err.Error(), "nperf not found at "+l.hosts[1].Vars["nperf_path"]+" on c2") ||
		!strings.Contains(res[1].Err.Error(), "run 'nperf orchestrate deploy'") {
		t.Errorf("c2 -> s1 without nperf: %v", res[1].Err)
	}
}
