package orchestrate_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"nperf/orchestrate"
	"nperf/remote"
	"nperf/result"
	"nperf/stats"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestWriteMatrix(t *testing.T) {
	h := func(n string) *remote.Host { return &remote.Host{Name: n} }
	c1, c2, c3, s1, s2 := h("client-1"), h("c2"), h("c3"), h("s1"), h("server-2")
	lat := stats.NewHistogram()
	for i := range 100 {
		lat.Record(time.Duration(40+i) * time.Microsecond)
	}
	stream := &result.Record{Test: "TCP_STREAM", Final: true, Elapsed: time.Second, RemoteBytesRecv: 1_175_000_000}
	rr := &result.Record{Test: "TCP_RR", Final: true, Elapsed: 2 * time.Second, Transactions: 40000, Latency: lat}
	interrupted := &result.Record{Test: "TCP_STREAM", Final: true, Elapsed: time.Second, BytesSent: 1e8,
		Err: &result.Error{Kind: result.ErrInterrupted, Message: "interrupted"}}
	refused := &result.Record{Test: "TCP_STREAM", Final: true, Err: &result.Error{Kind: result.ErrControlConnect, Message: "connection refused"}}
	res := []*orchestrate.CellResult{
		{Cell: orchestrate.Cell{Client: c1, Server: s1}, Headline: stream},
		{Cell: orchestrate.Cell{Client: c1, Server: s2}, Headline: rr},
		{Cell: orchestrate.Cell{Client: c2, Server: s1}, Err: &remote.HostError{Host: "c2", Addr: "10.0.0.2:22", Kind: remote.ErrConnLost, Err: errors.New("the host closed the connection")}},
		{Cell: orchestrate.Cell{Client: c2, Server: s2}, Headline: refused, Err: refused.Err},
		{Cell: orchestrate.Cell{Client: c3, Server: s1}, Headline: interrupted, Interrupted: true},
	}
	var sb strings.Builder
	orchestrate.WriteMatrix(&sb, res)
	golden(t, "matrix.golden", sb.String())
}

func TestMatrixCheck(t *testing.T) {
	cells := []orchestrate.Cell{{Client: &remote.Host{Name: "c"}, Server: &remote.Host{Name: "s"}}}
	cases := []struct {
		name      string
		args      []string
		instances int
		want      string // "" = valid
	}{
		{"run", []string{"-t", "TCP_RR", "-l", "5", "--", "-r", "64"}, 0, ""},
		{"interval", []string{"--interval", "250ms", "-t", "TCP_RR"}, 0, ""},
		{"interval=", []string{"--interval=250ms"}, 0, ""},
		{"multi options", []string{"--cpus", "0-3", "--stagger=10ms", "-t", "TCP_STREAM"}, 4, ""},
		{"cpus without multi", []string{"--cpus", "0"}, 0, "option --cpus: not for a matrix cell"},
		{"host", []string{"-H", "x"}, 0, "the matrix sets the server"},
		{"host joined", []string{"-Hx"}, 0, "the matrix sets the server"},
		{"port", []string{"-p", "1"}, 0, "the matrix sets the server"},
		{"test option -P is fine", []string{"--", "-P", "5000"}, 0, ""},
		{"bad test", []string{"-t", "NOPE"}, 0, "option -t"},
		{"missing value", []string{"--interval"}, 0, "needs a value"},
		{"multi -n", []string{"-n", "3"}, 2, "not for a matrix cell"},
		{"multi confidence", []string{"-i", "5,3"}, 2, "does not support -i/-I"},
		{"help", []string{"-h"}, 0, "do not run a test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := &orchestrate.Matrix{Cells: cells, Args: c.args, Instances: c.instances}
			err := m.Check()
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("Check(%q) = %v, want %q", c.args, err, c.want)
			}
		})
	}
	if err := (&orchestrate.Matrix{}).Check(); err == nil {
		t.Error("a matrix without cells passed")
	}
}

func TestCommandLine(t *testing.T) {
	f := &orchestrate.Fleet{}
	c := orchestrate.Cell{
		Client: &remote.Host{Name: "c", Vars: map[string]string{"nperf_path": "/opt/n perf/nperf"}},
		Server: &remote.Host{Name: "s", Address: "s.mgmt", DataAddress: "2001:db8::5"},
	}
	m := &orchestrate.Matrix{Args: []string{"-t", "TCP_RR", "-B", "it's"}, Port: 5000}
	want := `exec '/opt/n perf/nperf' run --json -H 2001:db8::5 -p 5000 -t TCP_RR -B 'it'\''s'`
	if got := f.CommandLine(m, c); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	m = &orchestrate.Matrix{Instances: 4}
	c.Client.Vars = nil
	want = `exec "$HOME"/.local/bin/nperf multi --json -n 4 -H 2001:db8::5 -p 12865`
	if got := f.CommandLine(m, c); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestNewBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := orchestrate.NewBinary(b)
	if err != nil {
		t.Fatal(err)
	}
	if bin.GOOS != "linux" || bin.GOARCH != runtimeArch() || len(bin.SHA256) != 64 {
		t.Errorf("binary %s/%s %s", bin.GOOS, bin.GOARCH, bin.SHA256)
	}
	for _, bad := range [][]byte{nil, []byte("#!/bin/sh\necho nperf\n"), b[:64]} {
		if _, err := orchestrate.NewBinary(bad); err == nil {
			t.Errorf("NewBinary(%q...) accepted", bad[:min(len(bad), 8)])
		}
	}
}

func TestGoArch(t *testing.T) {
	cases := map[string]string{"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386", "riscv64": "riscv64", "sparc64": ""}
	for in, want := range cases {
		if got := orchestrate.GoArch(in); got != want {
			t.Errorf("GoArch(%q) = %q, want %q", in, got, want)
		}
	}
}

// countingDialer counts dials and fails for hosts named "bad".
type countingDialer struct{ dials map[string]int }

func (d *countingDialer) Dial(_ context.Context, h *remote.Host) (remote.Conn, error) {
	d.dials[h.Name]++
	if h.Name == "bad" {
		return nil, &remote.HostError{Host: h.Name, Kind: remote.ErrAuth}
	}
	return nopConn{}, nil
}

type nopConn struct{}

func (nopConn) Run(context.Context, *remote.Command) error { return nil }
func (nopConn) Close() error                               { return nil }

// The fleet dials a host once, and does not retry one that failed.
func TestFleetConnOnce(t *testing.T) {
	d := &countingDialer{dials: map[string]int{}}
	f := &orchestrate.Fleet{Dialer: d}
	good, bad := &remote.Host{Name: "good"}, &remote.Host{Name: "bad"}
	for range 3 {
		if _, err := f.Conn(context.Background(), good); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Conn(context.Background(), bad); !errors.Is(err, remote.ErrAuth) {
			t.Fatalf("bad: %v", err)
		}
	}
	if d.dials["good"] != 1 || d.dials["bad"] != 1 {
		t.Errorf("dials %v", d.dials)
	}
	f.Close()
	f.Conn(context.Background(), good)
	if d.dials["good"] != 2 {
		t.Errorf("after Close: dials %v", d.dials)
	}
}

func runtimeArch() string { return runtime.GOARCH }
