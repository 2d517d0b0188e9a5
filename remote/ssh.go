package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// SSH is the Dialer for SSH servers (OpenSSH and others). Host keys are
// verified against known_hosts files; a host with an unknown or changed
// key is refused unless AcceptNewHostKeys says to trust unknown ones.
//
// Where a host's settings come from, first found wins: the inventory
// (Host fields), then this struct (User, IdentityFiles), then Config
// (~/.ssh/config), then the defaults (port 22, the local user name,
// ~/.ssh/id_ed25519, id_ecdsa, id_rsa). Keys are offered from the
// inventory and Config's IdentityFile, then the agent, then the defaults.
type SSH struct {
	// User is the login when the inventory names none; it comes before
	// Config's User, as ssh's -l does.
	User string
	// IdentityFiles are key files offered to every host after the
	// host's own.
	IdentityFiles []string
	// KnownHostsFiles are the known_hosts files; nil means
	// ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts. Keys accepted
	// under AcceptNewHostKeys are added to the first.
	KnownHostsFiles []string
	// AcceptNewHostKeys trusts the key of a host that no known_hosts
	// file knows and records it (OpenSSH's StrictHostKeyChecking=
	// accept-new). A key that differs from a known one is still refused.
	AcceptNewHostKeys bool
	// Config is the parsed ~/.ssh/config; nil for none.
	Config *SSHConfig
	// AgentSocket is the ssh-agent socket; "" means $SSH_AUTH_SOCK,
	// "none" no agent.
	AgentSocket string
	// ConnectTimeout bounds the TCP connection and the SSH handshake
	// (default 10 s).
	ConnectTimeout time.Duration
	// KeepaliveInterval is how often an idle connection is probed, and
	// KeepaliveCountMax how many unanswered probes mean the host is gone
	// (defaults 5 s and 3; a negative interval turns probing off).
	KeepaliveInterval time.Duration
	KeepaliveCountMax int
	// DialContext opens the TCP connection; nil means net.Dialer's.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	initOnce  sync.Once
	hostKeys  *knownHosts
	agentOnce sync.Once
	agent     agent.ExtendedAgent
	agentErr  error
}

// A Target is where and as whom the SSH dialer connects for a host, with
// the keys it offers: the inventory and ~/.ssh/config resolved.
type Target struct {
	Addr          string   // host:port
	HostName      string   // the host part of Addr
	User          string   // login
	IdentityFiles []string // in the order offered, before the agent's keys
	Explicit      int      // how many of IdentityFiles were asked for by name (must exist)
	Defaults      []string // default key files, offered after the agent's
}

// Resolve works out where and as whom Dial would connect for h.
func (s *SSH) Resolve(h *Host) Target {
	alias := h.SSHAddress()
	cfg := s.Config.Lookup(alias)
	t := Target{HostName: cfg.HostName, User: h.User}
	if t.HostName == "" {
		t.HostName = alias
	}
	port := h.Port
	if port == 0 {
		port = cfg.Port
	}
	if port == 0 {
		port = 22
	}
	if t.User == "" {
		t.User = s.User
	}
	if t.User == "" {
		t.User = cfg.User
	}
	if t.User == "" {
		if u, err := user.Current(); err == nil {
			t.User = u.Username
		} else {
			t.User = localUser()
		}
	}
	for _, f := range h.IdentityFiles {
		t.IdentityFiles = append(t.IdentityFiles, ExpandPath(f, t.HostName, t.User))
	}
	for _, f := range s.IdentityFiles {
		t.IdentityFiles = append(t.IdentityFiles, ExpandPath(f, t.HostName, t.User))
	}
	t.Explicit = len(t.IdentityFiles)
	t.IdentityFiles = append(t.IdentityFiles, cfg.IdentityFiles...)
	if len(t.IdentityFiles) == 0 {
		home, _ := os.UserHomeDir()
		for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			t.Defaults = append(t.Defaults, filepath.Join(home, ".ssh", n))
		}
	}
	t.Addr = net.JoinHostPort(t.HostName, strconv.Itoa(port))
	return t
}

func (s *SSH) init() {
	s.initOnce.Do(func() {
		files := s.KnownHostsFiles
		if files == nil {
			home, _ := os.UserHomeDir()
			files = []string{filepath.Join(home, ".ssh", "known_hosts"), "/etc/ssh/ssh_known_hosts"}
		}
		s.hostKeys = &knownHosts{files: files, acceptNew: s.AcceptNewHostKeys}
	})
}

func (s *SSH) agentClient() (agent.ExtendedAgent, error) {
	s.agentOnce.Do(func() {
		sock := s.AgentSocket
		if sock == "" {
			sock = os.Getenv("SSH_AUTH_SOCK")
		}
		if sock == "" || sock == "none" {
			return
		}
		c, err := net.Dial("unix", sock)
		if err != nil {
			s.agentErr = fmt.Errorf("ssh-agent at %s: %v", sock, err)
			return
		}
		s.agent = agent.NewClient(c)
	})
	return s.agent, s.agentErr
}

// signers gathers the keys to offer, in order, and notes on keys that
// could not be used (said when authentication fails).
func (s *SSH) signers(t Target) ([]ssh.Signer, []string, error) {
	var out []ssh.Signer
	var notes []string
	load := func(f string, mustExist bool) error {
		b, err := os.ReadFile(f)
		if err != nil {
			if os.IsNotExist(err) && !mustExist {
				return nil
			}
			return fmt.Errorf("identity file: %v", err)
		}
		sg, err := ssh.ParsePrivateKey(b)
		var pm *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &pm):
			notes = append(notes, fmt.Sprintf("key %s has a passphrase: add it to ssh-agent (ssh-add %s)", f, f))
			return nil
		case err != nil:
			return fmt.Errorf("identity file %s: %v", f, err)
		}
		out = append(out, sg)
		return nil
	}
	for i, f := range t.IdentityFiles {
		if err := load(f, i < t.Explicit); err != nil {
			return nil, nil, err
		}
	}
	ag, err := s.agentClient()
	if err != nil {
		notes = append(notes, err.Error())
	}
	if ag != nil {
		agentSigners, err := ag.Signers()
		if err != nil {
			notes = append(notes, fmt.Sprintf("ssh-agent: %v", err))
		}
		out = append(out, agentSigners...)
	}
	for _, f := range t.Defaults {
		if err := load(f, false); err != nil {
			notes = append(notes, err.Error())
		}
	}
	return out, notes, nil
}

// Dial connects to h and authenticates. Failures are *HostError.
func (s *SSH) Dial(ctx context.Context, h *Host) (Conn, error) {
	s.init()
	t := s.Resolve(h)
	fail := func(kind, err error) error { return &HostError{Host: h.Name, Addr: t.Addr, Kind: kind, Err: err} }
	if err := s.hostKeys.load(); err != nil {
		return nil, err
	}
	timeout := s.ConnectTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := s.DialContext
	if dial == nil {
		d := &net.Dialer{KeepAlive: 15 * time.Second}
		dial = d.DialContext
	}
	nc, err := dial(dctx, "tcp", t.Addr)
	if err != nil {
		return nil, fail(ErrUnreachable, err)
	}
	// Keys are looked at once the host answers: a host that cannot be
	// reached is reported as such, not as a missing key.
	signers, notes, err := s.signers(t)
	if err != nil {
		nc.Close()
		return nil, fail(ErrAuth, err)
	}
	// The handshake obeys the same deadline and the caller's context.
	deadline, _ := dctx.Deadline()
	nc.SetDeadline(deadline)
	stop := context.AfterFunc(dctx, func() { nc.SetDeadline(time.Unix(1, 0)) })

	var keyErr error
	cfg := &ssh.ClientConfig{
		User: t.User,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(signers...)},
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			keyErr = s.hostKeys.check(hostname, remote, key)
			return keyErr
		},
		HostKeyAlgorithms: s.hostKeys.algorithms(t.Addr),
	}
	cc, chans, reqs, err := ssh.NewClientConn(nc, t.Addr, cfg)
	stopped := stop()
	if err != nil {
		nc.Close()
		var hk *hostKeyError
		switch {
		case errors.As(keyErr, &hk):
			return nil, fail(hk.kind, hk)
		case strings.Contains(err.Error(), "unable to authenticate"):
			msg := fmt.Sprintf("user %q: the host accepted none of the %d keys offered", t.User, len(signers))
			if len(notes) > 0 {
				msg += " (" + strings.Join(notes, "; ") + ")"
			}
			return nil, fail(ErrAuth, errors.New(msg))
		case !stopped || isTimeout(err):
			if ctx.Err() != nil {
				return nil, fail(ErrUnreachable, ctx.Err())
			}
			return nil, fail(ErrUnreachable, fmt.Errorf("no SSH handshake within %v", timeout))
		case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed):
			return nil, fail(ErrHandshake, errors.New("the server closed the connection during the handshake"))
		}
		return nil, fail(ErrHandshake, err)
	}
	nc.SetDeadline(time.Time{})
	c := &sshConn{host: h, addr: t.Addr, client: ssh.NewClient(cc, chans, reqs), done: make(chan struct{})}
	go func() {
		c.client.Wait()
		close(c.done)
	}()
	interval, maxMissed := s.KeepaliveInterval, s.KeepaliveCountMax
	if interval == 0 {
		interval = 5 * time.Second
	}
	if maxMissed <= 0 {
		maxMissed = 3
	}
	if interval > 0 {
		go c.keepalive(interval, maxMissed)
	}
	return c, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

type sshConn struct {
	host   *Host
	addr   string
	client *ssh.Client
	done   chan struct{} // closed when the connection has ended

	mu     sync.Mutex
	reason error // why the connection ended, when we ended it
	closed bool  // Close was called
}

func (c *sshConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return c.client.Close()
}

// keepalive probes the connection while it lasts, and ends it when the
// host stops answering, so that commands on a vanished host return.
func (c *sshConn) keepalive(interval time.Duration, maxMissed int) {
	t := time.NewTicker(interval)
	defer t.Stop()
	missed := 0
	answers := make(chan error, maxMissed+1)
	pending := 0
	for {
		select {
		case <-c.done:
			return
		case err := <-answers:
			pending--
			if err != nil {
				return // the connection is failing anyway: Wait will see it
			}
			missed = 0
			continue
		case <-t.C:
		}
		if pending > 0 {
			missed++
			if missed >= maxMissed {
				c.mu.Lock()
				c.reason = fmt.Errorf("no answer to %d keepalives in %v", missed, time.Duration(missed)*interval)
				c.mu.Unlock()
				c.client.Close()
				return
			}
		}
		if pending <= maxMissed {
			pending++
			go func() {
				_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
				answers <- err
			}()
		}
	}
}

// lost says whether the connection has ended and, if so, returns the
// error for a command it cut off.
func (c *sshConn) lost(cause error) error {
	select {
	case <-c.done:
	case <-time.After(100 * time.Millisecond):
		// A command can see its channel close a moment before the
		// connection's reader reports why.
		select {
		case <-c.done:
		default:
			return nil
		}
	}
	c.mu.Lock()
	reason, closed := c.reason, c.closed
	c.mu.Unlock()
	if closed && reason == nil {
		return &HostError{Host: c.host.Name, Addr: c.addr, Kind: ErrConnLost, Err: errors.New("connection closed")}
	}
	if reason == nil {
		reason = c.client.Wait()
		if reason == nil || errors.Is(reason, io.EOF) {
			reason = errors.New("the host closed the connection")
		}
	}
	if cause != nil && !errors.Is(cause, io.EOF) {
		var missing *ssh.ExitMissingError
		if !errors.As(cause, &missing) {
			reason = fmt.Errorf("%v (%v)", reason, cause)
		}
	}
	return &HostError{Host: c.host.Name, Addr: c.addr, Kind: ErrConnLost, Err: reason}
}

// Run runs cmd in a session of its own. A command without Stdin runs
// under a small shell watchdog that holds the session's standard input:
// when ctx is cancelled, or when the connection dies, its input ends and
// the watchdog sends the command cmd.Interrupt, then SIGKILL after
// cmd.Grace. This works on any SSH server and for any user, unlike SSH's
// signal request, which OpenSSH refuses for root's sessions. A command
// with Stdin gets the signal request instead.
func (c *sshConn) Run(ctx context.Context, cmd *Command) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sig := cmd.Interrupt
	if sig == "" {
		sig = "INT"
	}
	grace := cmd.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	sess, err := c.client.NewSession()
	if err != nil {
		if l := c.lost(err); l != nil {
			return l
		}
		return &HostError{Host: c.host.Name, Addr: c.addr, Kind: ErrHandshake, Err: fmt.Errorf("cannot open a session: %v", err)}
	}
	defer sess.Close()
	// Output that arrives after Run has given up waiting is dropped
	// rather than written to buffers the caller owns again.
	stdout, stderr := &gatedWriter{w: cmd.Stdout}, &gatedWriter{w: cmd.Stderr}
	defer stdout.close()
	defer stderr.close()
	sess.Stdout, sess.Stderr = stdout, stderr
	line := cmd.Line
	var stdin io.WriteCloser
	if cmd.Stdin != nil {
		sess.Stdin = cmd.Stdin
	} else {
		// Wait closes this pipe once the command has exited.
		if stdin, err = sess.StdinPipe(); err != nil {
			return err
		}
		line = watchdog(cmd.Line, sig, grace)
	}
	if err := sess.Start(line); err != nil {
		if l := c.lost(err); l != nil {
			return l
		}
		return &HostError{Host: c.host.Name, Addr: c.addr, Kind: ErrHandshake, Err: fmt.Errorf("cannot start the command: %v", err)}
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err := <-done:
		return c.exitErr(err)
	case <-ctx.Done():
	}
	if stdin != nil {
		stdin.Close()
	} else {
		sess.Signal(ssh.Signal(sig))
	}
	// The watchdog kills at grace; allow for the way back.
	timer := time.NewTimer(grace + 2*time.Second)
	defer timer.Stop()
	select {
	case err = <-done:
	case <-timer.C:
		sess.Signal(ssh.SIGKILL)
		sess.Close()
		select {
		case err = <-done:
		case <-time.After(2 * time.Second):
			err = errors.New("the remote command did not stop")
		}
	}
	if err := c.exitErr(err); err != nil {
		return errors.Join(ctx.Err(), err)
	}
	return ctx.Err()
}

// watchdog wraps a command line so that the end of its standard input
// interrupts it. The command runs in the foreground, in place of the
// shell (so it keeps the shell's PID, $$, and can catch sig: a background
// job of a non-interactive shell would ignore SIGINT); a background
// reader holds the real input and, at its end, sends sig, waits grace and
// kills (the process group, when the command leads one, so that its
// children go too), but only while $$ is still its parent, so that a
// recycled PID is never signalled. The exit status is the command's.
func watchdog(line, sig string, grace time.Duration) string {
	ticks := int(math.Ceil(grace.Seconds() * 10))
	script := fmt.Sprintf(`exec 3<&0
{
	cat <&3
	me=$(exec sh -c 'echo $PPID')
	mine() { [ "$(cut -d' ' -f4 "/proc/$me/stat" 2>/dev/null)" = "$$" ]; }
	mine && kill -%s $$
	i=0
	while mine && [ $i -lt %d ]; do sleep 0.1; i=$((i+1)); done
	mine && { kill -KILL -$$ || kill -KILL $$; }
} >/dev/null 2>&1 &
exec 3<&- </dev/null
exec sh -c "$1"`, sig, ticks)
	return "sh -c " + Quote(script) + " nperf-watchdog " + Quote(line)
}

// gatedWriter passes writes to w until closed, then drops them.
type gatedWriter struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || g.w == nil {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gatedWriter) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

func (c *sshConn) exitErr(err error) error {
	if err == nil {
		return nil
	}
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Status: ee.ExitStatus(), Signal: ee.Signal()}
	}
	if l := c.lost(err); l != nil {
		return l
	}
	var missing *ssh.ExitMissingError
	if errors.As(err, &missing) {
		return errors.New("the remote command ended without an exit status")
	}
	return err
}
