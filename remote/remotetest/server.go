// Package remotetest is an SSH server for tests, in the style of
// net/http/httptest: NewServer listens on 127.0.0.1:0, runs each exec
// request with sh -c as the test's own user, delivers signals to the
// command's process group, and Close waits for everything it started.
package remotetest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// A Server is a running SSH server on loopback.
type Server struct {
	Addr    string        // 127.0.0.1:port
	Host    string        // 127.0.0.1
	Port    int           // the port
	HostKey ssh.PublicKey // the key it presents

	t      testing.TB
	ln     net.Listener
	cfg    *ssh.ServerConfig
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[*gateConn]bool
	frozen bool
	thaw   chan struct{}
	closed bool
}

// NewServer starts a server that accepts the given public keys.
func NewServer(t testing.TB, authorized ...ssh.PublicKey) *Server {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return NewServerWithHostKeys(t, []ssh.Signer{signer}, authorized...)
}

// NewServerWithHostKeys is NewServer with given host keys, as a real
// server has several (of different types); HostKey is the first.
func NewServerWithHostKeys(t testing.TB, hostKeys []ssh.Signer, authorized ...ssh.PublicKey) *Server {
	t.Helper()
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			for _, a := range authorized {
				if string(a.Marshal()) == string(key.Marshal()) {
					return nil, nil
				}
			}
			return nil, errors.New("key not authorized")
		},
	}
	for _, k := range hostKeys {
		cfg.AddHostKey(k)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		Addr: ln.Addr().String(), Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		HostKey: hostKeys[0].PublicKey(), t: t, ln: ln, cfg: cfg, conns: map[*gateConn]bool{}, thaw: make(chan struct{}),
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// KnownHostsLine is the known_hosts line for this server.
func (s *Server) KnownHostsLine() string {
	return knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, s.HostKey)
}

// Close stops listening, cuts every connection and waits for the
// commands it started to end.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	if s.frozen {
		close(s.thaw)
		s.frozen = false
	}
	s.mu.Unlock()
	s.ln.Close()
	s.DropConnections()
	s.wg.Wait()
}

// DropConnections cuts every open connection at once, as a host that
// dies does; the server keeps listening.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Conn.Close()
	}
}

// Freeze makes the server stop reading and writing on every connection
// until Close, as a host that vanished from the network does.
func (s *Server) Freeze() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frozen = true
}

// gateConn is a connection that blocks while the server is frozen.
type gateConn struct {
	net.Conn
	s *Server
}

func (g *gateConn) wait() {
	g.s.mu.Lock()
	frozen, thaw := g.s.frozen, g.s.thaw
	g.s.mu.Unlock()
	if frozen {
		<-thaw
	}
}

func (g *gateConn) Read(p []byte) (int, error) {
	n, err := g.Conn.Read(p)
	g.wait()
	return n, err
}

func (g *gateConn) Write(p []byte) (int, error) {
	g.wait()
	return g.Conn.Write(p)
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		gc := &gateConn{Conn: nc, s: s}
		s.mu.Lock()
		s.conns[gc] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, gc)
				s.mu.Unlock()
				nc.Close()
			}()
			s.handle(gc)
		}()
	}
}

func (s *Server) handle(nc net.Conn) {
	sc, chans, reqs, err := ssh.NewServerConn(nc, s.cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go func() {
		for r := range reqs {
			// keepalive@openssh.com and the like: OpenSSH answers
			// "failure", which is an answer.
			if r.WantReply {
				r.Reply(false, nil)
			}
		}
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for nch := range chans {
		if nch.ChannelType() != "session" {
			nch.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, chReqs, err := nch.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.session(ch, chReqs)
		}()
	}
}

func (s *Server) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	var cmd *exec.Cmd
	exited := make(chan struct{})
	for {
		var r *ssh.Request
		var ok bool
		select {
		case r, ok = <-reqs:
		case <-exited:
			return
		}
		if !ok {
			if cmd != nil && cmd.Process != nil {
				syscall.Kill(-cmd.Process.Pid, syscall.SIGHUP)
				<-exited
			}
			return
		}
		switch r.Type {
		case "exec":
			if cmd != nil {
				r.Reply(false, nil)
				continue
			}
			var p struct{ Command string }
			if err := ssh.Unmarshal(r.Payload, &p); err != nil {
				r.Reply(false, nil)
				continue
			}
			cmd = exec.Command("sh", "-c", p.Command)
			home, _ := os.UserHomeDir()
			cmd.Dir = home
			// As sshd does, copy input until the client ends it, without
			// making the command's exit wait for that.
			stdin, err := cmd.StdinPipe()
			if err != nil {
				r.Reply(false, nil)
				return
			}
			go func() {
				io.Copy(stdin, ch)
				stdin.Close()
			}()
			cmd.Stdout = ch
			cmd.Stderr = ch.Stderr()
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			cmd.WaitDelay = time.Second
			if err := cmd.Start(); err != nil {
				r.Reply(false, nil)
				return
			}
			r.Reply(true, nil)
			go func() {
				cmd.Wait()
				status := 255
				if ps := cmd.ProcessState; ps != nil {
					if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
						sig := signalName(ws.Signal())
						ch.SendRequest("exit-signal", false, ssh.Marshal(struct {
							Signal     string
							CoreDumped bool
							Msg, Lang  string
						}{Signal: sig}))
						close(exited)
						return
					}
					status = ps.ExitCode()
				}
				var b [4]byte
				binary.BigEndian.PutUint32(b[:], uint32(status))
				ch.SendRequest("exit-status", false, b[:])
				close(exited)
			}()
		case "signal":
			var p struct{ Signal string }
			if ssh.Unmarshal(r.Payload, &p) == nil && cmd != nil && cmd.Process != nil {
				if sig, ok := signals[p.Signal]; ok {
					syscall.Kill(-cmd.Process.Pid, sig)
				}
			}
			if r.WantReply {
				r.Reply(true, nil)
			}
		default:
			if r.WantReply {
				r.Reply(false, nil)
			}
		}
	}
}

var signals = map[string]syscall.Signal{
	"INT": syscall.SIGINT, "TERM": syscall.SIGTERM, "KILL": syscall.SIGKILL, "HUP": syscall.SIGHUP,
	"QUIT": syscall.SIGQUIT, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2,
}

func signalName(sig syscall.Signal) string {
	for n, s := range signals {
		if s == sig {
			return n
		}
	}
	return strconv.Itoa(int(sig))
}

// NewKey makes a client key pair and writes the private key, without a
// passphrase, to a file in a test directory; it returns the file and
// the signer.
func NewKey(t testing.TB) (string, ssh.Signer) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "remotetest")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, signer
}
