package remote_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"nperf/remote"
	"nperf/remote/remotetest"
)

// fixture is one test server and a dialer that trusts it.
type fixture struct {
	srv    *remotetest.Server
	key    string // private key file
	known  string // known_hosts file
	dialer *remote.SSH
	host   *remote.Host
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	key, signer := remotetest.NewKey(t)
	srv := remotetest.NewServer(t, signer.PublicKey())
	known := filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, known, srv.KnownHostsLine()+"\n")
	return &fixture{
		srv: srv, key: key, known: known,
		dialer: &remote.SSH{KnownHostsFiles: []string{known}, AgentSocket: "none"},
		host:   &remote.Host{Name: "h1", Address: srv.Host, Port: srv.Port, IdentityFiles: []string{key}},
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) dial(t *testing.T) remote.Conn {
	t.Helper()
	c, err := f.dialer.Dial(context.Background(), f.host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRunOutputAndExitStatus(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	var out, errOut bytes.Buffer
	err := c.Run(context.Background(), &remote.Command{
		Line:   "echo a; echo b; echo oops >&2; read x; echo got $x; exit 3",
		Stdin:  strings.NewReader("hello\n"),
		Stdout: &out, Stderr: &errOut,
	})
	var ee *remote.ExitError
	if !errors.As(err, &ee) || ee.Status != 3 {
		t.Fatalf("err = %v, want exit status 3", err)
	}
	if out.String() != "a\nb\ngot hello\n" || errOut.String() != "oops\n" {
		t.Errorf("stdout %q stderr %q", out.String(), errOut.String())
	}
	// Several sessions on one connection, one after the other and at once.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := remote.Output(context.Background(), c, fmt.Sprintf("echo %d", i))
			if err != nil || string(b) != fmt.Sprintf("%d\n", i) {
				t.Errorf("session %d: %q, %v", i, b, err)
			}
		}()
	}
	wg.Wait()
}

// notifyWriter signals the first time something containing want is
// written.
type notifyWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func newNotifyWriter(want string) *notifyWriter {
	return &notifyWriter{want: want, seen: make(chan struct{})}
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	before := strings.Contains(w.buf.String(), w.want)
	w.buf.Write(p)
	if !before && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
	}
	return len(p), nil
}

func (w *notifyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// Output streams while the command runs, and cancelling interrupts the
// remote command with SIGINT, keeping what it writes as it exits.
func TestRunStreamsAndInterrupts(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	out := newNotifyWriter("started")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, &remote.Command{
			Line:   `trap 'echo interrupted; exit 7' INT; echo started; while :; do sleep 0.05; done`,
			Stdout: out,
		})
	}()
	waitFor(t, out.seen, "the first line while the command runs")
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var ee *remote.ExitError
	if !errors.As(err, &ee) || ee.Status != 7 {
		t.Errorf("err = %v, want the command's own exit status 7 after SIGINT", err)
	}
	if got := out.String(); got != "started\ninterrupted\n" {
		t.Errorf("stdout = %q", got)
	}
}

// A command that ignores the interrupt is cut off after the grace period.
func TestRunGraceThenClose(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	out := newNotifyWriter("started")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, &remote.Command{Line: `trap '' INT; echo started; sleep 30`, Stdout: out, Grace: 100 * time.Millisecond})
	}()
	waitFor(t, out.seen, "start")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestConnectionLost(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	out := newNotifyWriter("started")
	done := make(chan error, 1)
	go func() {
		done <- c.Run(context.Background(), &remote.Command{Line: "echo started; sleep 30", Stdout: out})
	}()
	waitFor(t, out.seen, "start")
	f.srv.DropConnections()
	err := <-done
	if !errors.Is(err, remote.ErrConnLost) {
		t.Fatalf("err = %v, want connection lost", err)
	}
	if !strings.Contains(err.Error(), "h1 (127.0.0.1:") {
		t.Errorf("error does not name the host: %v", err)
	}
	// The connection is known dead: new commands fail the same way.
	if err := c.Run(context.Background(), &remote.Command{Line: "true"}); !errors.Is(err, remote.ErrConnLost) {
		t.Errorf("after the loss: %v", err)
	}
}

// A host that stops answering is detected by keepalives.
func TestKeepaliveDetectsSilentHost(t *testing.T) {
	f := newFixture(t)
	f.dialer.KeepaliveInterval = 50 * time.Millisecond
	f.dialer.KeepaliveCountMax = 2
	c := f.dial(t)
	out := newNotifyWriter("started")
	done := make(chan error, 1)
	go func() {
		done <- c.Run(context.Background(), &remote.Command{Line: "echo started; sleep 30", Stdout: out})
	}()
	waitFor(t, out.seen, "start")
	f.srv.Freeze()
	select {
	case err := <-done:
		if !errors.Is(err, remote.ErrConnLost) || !strings.Contains(err.Error(), "keepalive") {
			t.Fatalf("err = %v, want connection lost after keepalives", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a silent host was not detected")
	}
}

func TestHostKeys(t *testing.T) {
	key, signer := remotetest.NewKey(t)
	srv := remotetest.NewServer(t, signer.PublicKey())
	other := remotetest.NewServer(t, signer.PublicKey())
	host := &remote.Host{Name: "h", Address: srv.Host, Port: srv.Port, IdentityFiles: []string{key}}
	dir := t.TempDir()

	t.Run("unknown refused", func(t *testing.T) {
		known := filepath.Join(dir, "empty")
		writeFile(t, known, other.KnownHostsLine()+"\n")
		d := &remote.SSH{KnownHostsFiles: []string{known}, AgentSocket: "none"}
		_, err := d.Dial(context.Background(), host)
		if !errors.Is(err, remote.ErrHostKeyUnknown) {
			t.Fatalf("err = %v, want unknown host key", err)
		}
		if !strings.Contains(err.Error(), ssh.FingerprintSHA256(srv.HostKey)) || !strings.Contains(err.Error(), known) {
			t.Errorf("message lacks the fingerprint or the file: %v", err)
		}
	})
	t.Run("missing file is empty", func(t *testing.T) {
		d := &remote.SSH{KnownHostsFiles: []string{filepath.Join(dir, "none")}, AgentSocket: "none"}
		if _, err := d.Dial(context.Background(), host); !errors.Is(err, remote.ErrHostKeyUnknown) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("accept new records it", func(t *testing.T) {
		known := filepath.Join(dir, "sub", "known_hosts")
		d := &remote.SSH{KnownHostsFiles: []string{known}, AcceptNewHostKeys: true, AgentSocket: "none"}
		for range 2 {
			c, err := d.Dial(context.Background(), host)
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
		}
		b, _ := os.ReadFile(known)
		if string(b) != srv.KnownHostsLine()+"\n" {
			t.Fatalf("known_hosts = %q, want %q", b, srv.KnownHostsLine())
		}
		// A new dialer trusts it without being told to.
		d2 := &remote.SSH{KnownHostsFiles: []string{known}, AgentSocket: "none"}
		c, err := d2.Dial(context.Background(), host)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	})
	t.Run("changed refused even with accept new", func(t *testing.T) {
		known := filepath.Join(dir, "changed")
		// other's key recorded under srv's address.
		line := strings.Replace(other.KnownHostsLine(), fmt.Sprint(other.Port), fmt.Sprint(srv.Port), 1)
		writeFile(t, known, "# a comment\n"+line+"\n")
		d := &remote.SSH{KnownHostsFiles: []string{known}, AcceptNewHostKeys: true, AgentSocket: "none"}
		_, err := d.Dial(context.Background(), host)
		if !errors.Is(err, remote.ErrHostKeyChanged) {
			t.Fatalf("err = %v, want changed host key", err)
		}
		for _, want := range []string{known + ":2", ssh.FingerprintSHA256(other.HostKey), ssh.FingerprintSHA256(srv.HostKey), "ssh-keygen -R"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message lacks %q: %v", want, err)
			}
		}
		b, _ := os.ReadFile(known)
		if strings.Count(string(b), "\n") != 2 {
			t.Errorf("known_hosts was changed: %q", b)
		}
	})
}

func TestAuthAndReachability(t *testing.T) {
	f := newFixture(t)
	wrongKey, _ := remotetest.NewKey(t)
	t.Run("wrong key", func(t *testing.T) {
		h := *f.host
		h.IdentityFiles = []string{wrongKey}
		h.User = "perf"
		_, err := f.dialer.Dial(context.Background(), &h)
		if !errors.Is(err, remote.ErrAuth) || !strings.Contains(err.Error(), `user "perf"`) {
			t.Fatalf("err = %v, want authentication failure naming the user", err)
		}
	})
	t.Run("missing key file", func(t *testing.T) {
		h := *f.host
		h.IdentityFiles = []string{filepath.Join(t.TempDir(), "nope")}
		if _, err := f.dialer.Dial(context.Background(), &h); !errors.Is(err, remote.ErrAuth) || !strings.Contains(err.Error(), "nope") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("passphrase", func(t *testing.T) {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("secret"))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "id_locked")
		writeFile(t, p, string(pem.EncodeToMemory(block)))
		h := *f.host
		h.IdentityFiles = []string{p}
		_, err = f.dialer.Dial(context.Background(), &h)
		if !errors.Is(err, remote.ErrAuth) || !strings.Contains(err.Error(), "ssh-add "+p) {
			t.Fatalf("err = %v, want a hint to load the key into the agent", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		h := *f.host
		h.Port = port
		_, err := f.dialer.Dial(context.Background(), &h)
		if !errors.Is(err, remote.ErrUnreachable) {
			t.Fatalf("err = %v, want unreachable", err)
		}
	})
	t.Run("not ssh", func(t *testing.T) {
		// A port that accepts and says nothing: the handshake times out.
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		h := *f.host
		h.Port = ln.Addr().(*net.TCPAddr).Port
		d := &remote.SSH{KnownHostsFiles: []string{f.known}, AgentSocket: "none", ConnectTimeout: 200 * time.Millisecond}
		_, err := d.Dial(context.Background(), &h)
		if !errors.Is(err, remote.ErrUnreachable) || !strings.Contains(err.Error(), "handshake") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestAgent(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	agentKey, _ := ssh.NewSignerFromKey(priv)
	srv := remotetest.NewServer(t, agentKey.PublicKey())
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				agent.ServeAgent(keyring, c)
			}()
		}
	}()
	known := filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, known, srv.KnownHostsLine()+"\n")
	t.Setenv("SSH_AUTH_SOCK", sock)
	t.Setenv("HOME", t.TempDir()) // no default key files
	d := &remote.SSH{KnownHostsFiles: []string{known}}
	c, err := d.Dial(context.Background(), &remote.Host{Name: "a", Address: srv.Host, Port: srv.Port})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if out, err := remote.Output(context.Background(), c, "echo via agent"); err != nil || string(out) != "via agent\n" {
		t.Fatalf("%q %v", out, err)
	}
}

func TestSSHConfigAlias(t *testing.T) {
	f := newFixture(t)
	cfg, err := remote.ParseSSHConfig([]byte(fmt.Sprintf(`
Host box
    HostName %s
    Port %d
    IdentityFile %s
Host *
    User nobody-here
`, f.srv.Host, f.srv.Port, f.key)), "config")
	if err != nil {
		t.Fatal(err)
	}
	d := &remote.SSH{KnownHostsFiles: []string{f.known}, AgentSocket: "none", Config: cfg}
	h := &remote.Host{Name: "box"}
	tg := d.Resolve(h)
	if tg.Addr != f.srv.Addr || tg.User != "nobody-here" || len(tg.IdentityFiles) != 1 {
		t.Fatalf("resolved %+v", tg)
	}
	c, err := d.Dial(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// corruptConn changes one byte of what a command reads, as a broken
// transport would.
type corruptConn struct{ remote.Conn }

func (c corruptConn) Run(ctx context.Context, cmd *remote.Command) error {
	if cmd.Stdin != nil {
		b, _ := io.ReadAll(cmd.Stdin)
		b[len(b)/2] ^= 0xff
		cmd.Stdin = bytes.NewReader(b)
	}
	return c.Conn.Run(ctx, cmd)
}

func TestUpload(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	dir := t.TempDir()
	content := bytes.Repeat([]byte("nperf\x00\x01"), 100000)
	path := filepath.Join(dir, "bin", "it's here", "prog")
	if err := remote.Upload(context.Background(), c, content, path, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("uploaded file differs (%v)", err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o755 {
		t.Errorf("mode %v", st.Mode())
	}
	sum, err := remote.SHA256(context.Background(), c, path)
	if err != nil || len(sum) != 64 {
		t.Errorf("sha256 %q %v", sum, err)
	}
	if sum, err := remote.SHA256(context.Background(), c, path+".none"); err != nil || sum != "" {
		t.Errorf("sha256 of a missing file: %q %v", sum, err)
	}

	// A corrupted transfer is refused and leaves the old file alone.
	err = remote.Upload(context.Background(), corruptConn{c}, []byte("new content"), path, 0o755)
	if !errors.Is(err, remote.ErrChecksum) {
		t.Fatalf("err = %v, want checksum mismatch", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Error("a corrupted upload replaced the file")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestQuote(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	for _, s := range []string{"", "plain", "a b", "it's", `"$HOME"`, "`id`", "a\nb", "--x=1,2", "*"} {
		out, err := remote.Output(context.Background(), c, "printf %s "+remote.Quote(s))
		if err != nil || string(out) != s {
			t.Errorf("Quote(%q): the shell saw %q (%v)", s, out, err)
		}
	}
	home, _ := os.UserHomeDir()
	out, err := remote.Output(context.Background(), c, "printf %s "+remote.QuotePath("~/x y"))
	if err != nil || string(out) != home+"/x y" {
		t.Errorf("QuotePath: %q %v", out, err)
	}
}

// A server with several host keys is checked against the type that
// known_hosts has for it, whatever the client would prefer by default.
func TestHostKeyTypeFromKnownHosts(t *testing.T) {
	key, signer := remotetest.NewKey(t)
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	ed, _ := ssh.NewSignerFromKey(edPriv)
	ecPriv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec, _ := ssh.NewSignerFromKey(ecPriv)
	srv := remotetest.NewServerWithHostKeys(t, []ssh.Signer{ec, ed}, signer.PublicKey())
	host := &remote.Host{Name: "h", Address: srv.Host, Port: srv.Port, IdentityFiles: []string{key}}
	for name, k := range map[string]ssh.Signer{"ed25519": ed, "ecdsa": ec} {
		t.Run(name, func(t *testing.T) {
			known := filepath.Join(t.TempDir(), "known_hosts")
			writeFile(t, known, knownhosts.Line([]string{knownhosts.Normalize(srv.Addr)}, k.PublicKey())+"\n")
			d := &remote.SSH{KnownHostsFiles: []string{known}, AgentSocket: "none"}
			c, err := d.Dial(context.Background(), host)
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
		})
	}
}
