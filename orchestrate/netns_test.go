package orchestrate_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"nperf/result"
)

// netnsEnv is the test network of .ci/sshd-netns.sh: real OpenSSH
// servers, each in a network namespace of its own.
type netnsEnv struct {
	vars  map[string]string
	hosts map[string]string // name -> address
	names []string
}

func (e *netnsEnv) get(k string) string { return e.vars["NPERF_NETNS_"+k] }

// setupNetns returns the namespaces .ci/run made (NPERF_NETNS_DIR set), or
// makes its own when it can (root, sshd installed), removing them at the
// end. Outside CI it skips when it cannot; under CI=true it fails.
func setupNetns(t *testing.T) *netnsEnv {
	t.Helper()
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("-short: the namespace test takes about 20 s")
	}
	vars := map[string]string{}
	if dir := os.Getenv("NPERF_NETNS_DIR"); dir != "" {
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "NPERF_NETNS_") {
				vars[k] = v
			}
		}
	} else {
		ci := os.Getenv("CI") == "true"
		skip := func(why string) {
			if ci {
				t.Fatalf("CI=true and %s: .ci/run must run .ci/sshd-netns.sh up first", why)
			}
			t.Skipf("no SSH test hosts: %s (run as root with openssh-server installed, or eval \"$(.ci/sshd-netns.sh up)\")", why)
		}
		if os.Geteuid() != 0 {
			skip("not root (network namespaces need it)")
		}
		if _, err := os.Stat("/usr/sbin/sshd"); err != nil && !ci {
			skip("/usr/sbin/sshd is not installed (apt-get install openssh-server)")
		}
		script, err := filepath.Abs("../.ci/sshd-netns.sh")
		if err != nil {
			t.Fatal(err)
		}
		prefix := fmt.Sprintf("npt%d", os.Getpid()%100000)
		env := append(os.Environ(), "NPERF_NETNS_PREFIX="+prefix, "NPERF_NETNS_DIR=/run/"+prefix+"-netns")
		if !ci {
			env = append(env, "NPERF_NETNS_NO_INSTALL=1")
		}
		down := func() {
			cmd := exec.Command("bash", script, "down")
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("sshd-netns.sh down: %v\n%s", err, out)
			}
		}
		cmd := exec.Command("bash", script, "up")
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			down()
			var ee *exec.ExitError
			if errors.As(err, &ee) && ee.ExitCode() == 3 {
				skip(strings.TrimSpace(stderr.String()))
			}
			t.Fatalf("sshd-netns.sh up: %v\n%s", err, stderr.String())
		}
		t.Cleanup(down)
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "="); ok {
				vars[k] = strings.Trim(v, `"`)
			}
		}
	}
	e := &netnsEnv{vars: vars, hosts: map[string]string{}}
	for _, kv := range strings.Fields(e.get("HOSTS")) {
		name, addr, _ := strings.Cut(kv, "=")
		e.hosts[name] = addr
		e.names = append(e.names, name)
	}
	for _, n := range []string{"c1", "c2", "s1", "s2"} {
		if e.hosts[n] == "" {
			t.Fatalf("NPERF_NETNS_HOSTS %q lacks %s", e.get("HOSTS"), n)
		}
	}
	return e
}

// buildNperf builds the nperf command into a test directory.
func buildNperf(t *testing.T) string {
	t.Helper()
	goCmd := "go" // go test puts its own GOROOT/bin first on the test's PATH
	bin := filepath.Join(t.TempDir(), "nperf")
	cmd := exec.Command(goCmd, "build", "-o", bin, "nperf/cmd/nperf")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type cliResult struct {
	stdout, stderr string
	code           int
}

// The real thing: nperf built from this tree, deployed over SSH to hosts
// in network namespaces, 2 clients x 2 servers; then a host that cannot
// be reached and a host that dies mid-run.
func TestNetnsEndToEnd(t *testing.T) {
	t0 := time.Now()
	env := setupNetns(t)
	t.Logf("test hosts ready in %v", time.Since(t0))
	t0 = time.Now()
	bin := buildNperf(t)
	t.Logf("nperf built in %v", time.Since(t0))
	dir := t.TempDir()

	// Each host has a home of its own (the script's SetEnv HOME), so the
	// default nperf path and state directory differ per host. Start
	// from hosts without nperf.
	for _, n := range []string{"c1", "c2", "s1", "s2"} {
		home := filepath.Join(env.get("DIR"), n, "home")
		for _, sub := range []string{".local", ".nperf"} {
			if err := os.RemoveAll(filepath.Join(home, sub)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var inv strings.Builder
	fmt.Fprintf(&inv, "defaults:\n  user: %s\n  key: %s\n  labels: {lab: netns}\nhosts:\n", env.get("USER"), env.get("KEY"))
	for _, n := range []string{"c1", "c2", "s1", "s2"} {
		role := "client"
		if n[0] == 's' {
			role = "server"
		}
		fmt.Fprintf(&inv, "  - name: %s\n    address: %s\n    data_address: %s\n    roles: [%s]\n    labels: {slot: %s}\n",
			n, env.hosts[n], env.hosts[n], role, n)
	}
	// c3: the hub's own address, where no sshd listens.
	fmt.Fprintf(&inv, "  - name: c3\n    address: 10.200.0.1\n    roles: [client]\n")
	hosts := filepath.Join(dir, "hosts.yaml")
	if err := os.WriteFile(hosts, []byte(inv.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	nperf := func(ctx context.Context, args ...string) cliResult {
		t.Helper()
		full := append([]string{"netns", "exec", env.get("CTL"), bin, "orchestrate"}, args...)
		full = append(full[:6], append([]string{"-i", hosts, "--known-hosts", env.get("KNOWN_HOSTS"), "--ssh-config", "none"}, full[6:]...)...)
		cmd := exec.CommandContext(ctx, "ip", full...)
		cmd.Dir = dir
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		elapsed := time.Since(start).Round(time.Millisecond)
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("nperf orchestrate %v: %v", args, err)
		}
		t.Logf("nperf orchestrate %s: exit %d in %v\n%s%s", strings.Join(args, " "), code, elapsed, stdout.String(), stderr.String())
		return cliResult{stdout.String(), stderr.String(), code}
	}
	ctx := context.Background()
	four := "--limit=c1,c2,s1,s2"

	// check: before deployment, and with the unreachable c3.
	r := nperf(ctx, "check")
	if r.code != 3 || strings.Count(r.stdout, "not at ~/.local/bin/nperf") != 4 || !strings.Contains(r.stderr, "c3 (10.200.0.1:22): unreachable") {
		t.Fatalf("check: want 4 hosts without nperf and c3 unreachable (exit 3)")
	}

	r = nperf(ctx, "deploy", four)
	if r.code != 0 || strings.Count(r.stdout, "installed") != 4 {
		t.Fatal("deploy failed")
	}
	r = nperf(ctx, "deploy", four)
	if r.code != 0 || strings.Count(r.stdout, "up to date") != 4 {
		t.Error("a second deploy copied again")
	}
	r = nperf(ctx, "check", four)
	if r.code != 0 || strings.Count(r.stdout, "0.1.0-dev") != 4 {
		t.Error("check after deploy does not see nperf")
	}

	t.Cleanup(func() { nperf(context.Background(), "stop") })
	if r = nperf(ctx, "start"); r.code != 0 || strings.Count(r.stdout, "started") != 2 {
		t.Fatal("start failed")
	}
	if r = nperf(ctx, "start"); r.code != 0 || strings.Count(r.stdout, "already running") != 2 {
		t.Error("start is not idempotent")
	}
	if r = nperf(ctx, "status"); r.code != 0 || strings.Count(r.stdout, "running for") != 2 {
		t.Error("status does not see the servers")
	}

	// The 2 x 2 matrix.
	r = nperf(ctx, "run", four, "-o", "matrix.jsonl", "--label", "campaign=e2e", "--", "-t", "TCP_RR", "-l", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "4 of 4 cells completed") {
		t.Fatal("the 2x2 matrix did not complete")
	}
	finals := readFinals(t, filepath.Join(dir, "matrix.jsonl"))
	if len(finals) != 4 {
		t.Fatalf("%d final records, want 4", len(finals))
	}
	for _, c := range []string{"c1", "c2"} {
		for _, s := range []string{"s1", "s2"} {
			f := finals[c+"->"+s]
			switch {
			case f == nil:
				t.Errorf("no result for %s -> %s", c, s)
			case f.Err != nil || f.Transactions == 0 || f.Host != c || !strings.HasPrefix(f.Peer, env.hosts[s]+":"):
				t.Errorf("%s -> %s: host %q peer %q transactions %d err %v", c, s, f.Host, f.Peer, f.Transactions, f.Err)
			case f.Labels["client.slot"] != c || f.Labels["server.slot"] != s || f.Labels["client.lab"] != "netns" || f.Labels["campaign"] != "e2e":
				t.Errorf("%s -> %s: labels %v", c, s, f.Labels)
			}
		}
	}

	// A cell can run a whole profile: the built-in baseline from c1
	// against s1, its Records labelled like any cell's.
	r = nperf(ctx, "run", four, "--pairs", "c1:s1", "--profile", "baseline", "-o", "profile.jsonl")
	if r.code != 0 || !strings.Contains(r.stdout, "1 of 1 cells completed") {
		t.Fatalf("profile cell: exit %d\n%s", r.code, r.stdout)
	}
	pf, err := os.ReadFile(filepath.Join(dir, "profile.jsonl"))
	if err != nil || !strings.Contains(string(pf), `"profile":"baseline"`) || !strings.Contains(string(pf), `"client":"c1"`) {
		t.Errorf("profile cell Records lack the profile or host labels")
	}

	// A changed host key is refused, with no way around it but editing
	// known_hosts.
	forged := filepath.Join(dir, "known_hosts.forged")
	kh, err := os.ReadFile(env.get("KNOWN_HOSTS"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(kh)), "\n")
	keyOf := map[string]string{}
	for _, l := range lines {
		f := strings.Fields(l)
		keyOf[f[0]] = f[1] + " " + f[2]
	}
	os.WriteFile(forged, []byte(env.hosts["c1"]+" "+keyOf[env.hosts["s1"]]+"\n"), 0o600)
	r = nperf(ctx, "check", "--limit=c1", "--known-hosts", forged, "--accept-new-host-keys")
	if r.code != 1 || !strings.Contains(r.stderr, "host key changed") || !strings.Contains(r.stderr, "ssh-keygen -R") {
		t.Error("a changed host key was not refused")
	}
	// An unknown one too, unless told to accept it.
	unknown := filepath.Join(dir, "known_hosts.empty")
	r = nperf(ctx, "check", "--limit=c1", "--known-hosts", unknown)
	if r.code != 1 || !strings.Contains(r.stderr, "host key unknown") || !strings.Contains(r.stderr, "--accept-new-host-keys") {
		t.Error("an unknown host key was not refused")
	}
	if r = nperf(ctx, "check", "--limit=c1", "--known-hosts", unknown, "--accept-new-host-keys"); r.code != 0 {
		t.Error("--accept-new-host-keys did not accept")
	}
	if b, _ := os.ReadFile(unknown); !strings.HasPrefix(string(b), env.hosts["c1"]+" ssh-ed25519 ") {
		t.Errorf("accepted key not recorded: %q", b)
	}

	// c3 cannot be reached; c2 dies while its cells run.
	t.Cleanup(func() { restartSSHD(t, env) })
	out2 := filepath.Join(dir, "partial.jsonl")
	runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	done := make(chan cliResult, 1)
	go func() {
		done <- nperf(runCtx, "run", "--concurrent", "-o", out2, "--", "--interval", "200ms", "-t", "TCP_STREAM", "-l", "4")
	}()
	waitForRecord(t, out2, "c2", 60*time.Second)
	killNamespace(t, env.get("NS_PREFIX")+"-c2")
	r = <-done
	if r.code != 3 {
		t.Errorf("exit %d, want 3 (some cells failed)", r.code)
	}
	for _, want := range []string{"2 of 6 cells completed", "c2 -> s1: c2 (" + env.hosts["c2"] + ":22): connection lost",
		"c2 -> s2: c2 (" + env.hosts["c2"] + ":22): connection lost", "c3 -> s1: c3 (10.200.0.1:22): unreachable"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	finals = readFinals(t, out2)
	if len(finals) != 2 || finals["c1->s1"] == nil || finals["c1->s2"] == nil || finals["c1->s1"].Err != nil {
		t.Errorf("the surviving cells' results: %v", finals)
	}
	if n := countRecords(t, out2, "c2"); n == 0 {
		t.Error("what c2 sent before it died was not kept")
	}

	// Ctrl-C: the remote tests stop, and their last Records still come.
	restartSSHD(t, env)
	out3 := filepath.Join(dir, "interrupted.jsonl")
	intCtx, interrupt := context.WithCancel(ctx)
	defer interrupt()
	go func() {
		done <- nperf(intCtx, "run", four, "--concurrent", "-o", out3, "--", "--interval", "200ms", "-t", "TCP_STREAM", "-l", "60")
	}()
	waitForCells(t, out3, []string{"c1->s1", "c1->s2", "c2->s1", "c2->s2"}, 60*time.Second)
	interrupt() // SIGINT to nperf orchestrate
	r = <-done
	if r.code != 130 || !strings.Contains(r.stdout, "(interrupted)") {
		t.Errorf("interrupted run: exit %d, want 130 and interrupted cells", r.code)
	}
	finals = readFinals(t, out3)
	if len(finals) != 4 {
		t.Errorf("%d interrupted final records, want 4", len(finals))
	}
	for cell, f := range finals {
		if f.Err == nil || f.Err.Kind != result.ErrInterrupted || f.BytesSent == 0 {
			t.Errorf("%s: final record %+v", cell, f)
		}
	}
	for _, c := range []string{"c1", "c2"} {
		if left := waitNoProcess(env.get("NS_PREFIX")+"-"+c, "run --json", 10*time.Second); left != "" {
			t.Errorf("%s: still running after the interrupt: %s", c, left)
		}
	}

	if r = nperf(ctx, "stop"); r.code != 0 || strings.Count(r.stdout, "stopped") != 2 {
		t.Error("stop failed")
	}
	if r = nperf(ctx, "status"); r.code != 0 || strings.Count(r.stdout, "not running") != 2 {
		t.Error("status after stop")
	}
}

func readFinals(t *testing.T, path string) map[string]*result.Record {
	t.Helper()
	recs, err := result.ReadFiles([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*result.Record{}
	for _, r := range recs {
		if r.Final {
			out[r.Labels["client"]+"->"+r.Labels["server"]] = r
		}
	}
	return out
}

func countRecords(t *testing.T, path, host string) int {
	t.Helper()
	recs, err := result.ReadFiles([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.Host == host {
			n++
		}
	}
	return n
}

// waitForRecord waits until the file holds a Record from host: the
// orchestrator writes them as they arrive.
func waitForRecord(t *testing.T, path, host string, limit time.Duration) {
	t.Helper()
	waitFor(t, path, limit, "a Record from "+host, func(r *result.Record) bool { return r.Host == host })
}

// waitForCells waits until the file holds a Record of every cell
// ("client->server"): every cell's test is then in its data phase.
func waitForCells(t *testing.T, path string, cells []string, limit time.Duration) {
	t.Helper()
	seen := map[string]bool{}
	waitFor(t, path, limit, "a Record of every cell", func(r *result.Record) bool {
		seen[r.Labels["client"]+"->"+r.Labels["server"]] = true
		for _, c := range cells {
			if !seen[c] {
				return false
			}
		}
		return true
	})
}

// waitFor polls the Record file until done returns true for a Record.
func waitFor(t *testing.T, path string, limit time.Duration, what string, done func(*result.Record) bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			// The last line may be half written: what is before it counts.
			rd := result.NewReader(bytes.NewReader(b), path)
			for rd.Scan() {
				if r := rd.Record(); r != nil && done(r) {
					return
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s in %s within %v", what, path, limit)
}

// killNamespace kills every process in a test namespace (its sshd, the
// sessions, the nperf they run): the host dies.
func killNamespace(t *testing.T, ns string) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		t.Fatalf("ip netns pids %s: %v", ns, err)
	}
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
		}
	}
}

// waitNoProcess waits until no process in the namespace has pattern in
// its command line, and returns the one left otherwise.
func waitNoProcess(ns, pattern string, limit time.Duration) string {
	deadline := time.Now().Add(limit)
	for {
		left := ""
		out, _ := exec.Command("ip", "netns", "pids", ns).Output()
		for _, pid := range strings.Fields(string(out)) {
			b, _ := os.ReadFile("/proc/" + pid + "/cmdline")
			if cmd := strings.ReplaceAll(string(b), "\x00", " "); strings.Contains(cmd, pattern) {
				left = pid + ": " + cmd
			}
		}
		if left == "" || time.Now().After(deadline) {
			return left
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// restartSSHD brings back the sshd a test killed, so that the test hosts
// stay usable.
func restartSSHD(t *testing.T, env *netnsEnv) {
	cmd := exec.Command("bash", env.get("SCRIPT"), "up")
	cmd.Env = append(os.Environ(), "NPERF_NETNS_PREFIX="+env.get("NS_PREFIX"), "NPERF_NETNS_DIR="+env.get("DIR"), "NPERF_NETNS_NO_INSTALL=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("restarting sshd: %v\n%s", err, out)
	}
}
