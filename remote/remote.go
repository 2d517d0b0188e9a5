// Package remote reaches other machines: it reads the inventories people
// already keep (YAML, plain host lists, Ansible INI), connects to hosts
// over SSH (agent, key files, known_hosts, ~/.ssh/config), runs commands
// whose output streams back as it is written, and copies files.
//
// Nothing here knows about nperf. The transport is behind two small
// interfaces, Dialer and Conn, so that another engine (Kubernetes exec,
// say) can sit beside SSH: everything else, Upload included, is built on
// Conn.Run.
package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// A Dialer opens connections to inventory hosts.
type Dialer interface {
	Dial(ctx context.Context, h *Host) (Conn, error)
}

// A Conn is an open connection to one host. It is safe for concurrent
// use: each Run is its own session on the same connection.
type Conn interface {
	// Run runs cmd on the host and returns when it has exited and its
	// output has been copied. A non-zero exit is an *ExitError. When ctx
	// is cancelled, the remote command is interrupted (cmd.Interrupt),
	// given cmd.Grace to finish writing, then cut off; Run then returns
	// an error wrapping ctx.Err().
	Run(ctx context.Context, cmd *Command) error
	// Close ends the connection and every command still running on it.
	Close() error
}

// A Command is one command line to run on a host.
type Command struct {
	// Line is a shell command line, run by the remote user's shell in
	// their home directory. Quote arguments with Quote.
	Line   string
	Stdin  io.Reader // nil: empty
	Stdout io.Writer // nil: discarded
	Stderr io.Writer // nil: discarded
	// Interrupt is the signal sent when the context is cancelled
	// ("INT" when empty), Grace how long the command then has to exit
	// before its session is closed (2 s when zero).
	Interrupt string
	Grace     time.Duration
}

// DefaultGrace is how long an interrupted command has to finish writing
// when Command.Grace is zero.
const DefaultGrace = 2 * time.Second

// The kinds of failure a HostError carries; test with errors.Is.
var (
	// ErrUnreachable: no TCP connection (refused, no route, timeout, DNS).
	ErrUnreachable = errors.New("unreachable")
	// ErrAuth: the host refused every key offered.
	ErrAuth = errors.New("authentication failed")
	// ErrHostKeyUnknown: the host's key is in no known_hosts file.
	ErrHostKeyUnknown = errors.New("host key unknown")
	// ErrHostKeyChanged: known_hosts has other keys for this host; the
	// connection may be intercepted, or the host was reinstalled.
	ErrHostKeyChanged = errors.New("host key changed")
	// ErrHandshake: the SSH handshake failed for another reason.
	ErrHandshake = errors.New("ssh handshake failed")
	// ErrConnLost: an established connection ended under a command.
	ErrConnLost = errors.New("connection lost")
)

// A HostError is a failure to reach or use one host. Kind is one of the
// Err* values above and is matched by errors.Is; Err is the cause.
type HostError struct {
	Host string // inventory name
	Addr string // host:port dialled
	Kind error
	Err  error
}

func (e *HostError) Error() string {
	where := e.Host
	if e.Addr != "" && e.Addr != e.Host {
		where += " (" + e.Addr + ")"
	}
	if e.Err == nil {
		return fmt.Sprintf("%s: %v", where, e.Kind)
	}
	return fmt.Sprintf("%s: %v: %v", where, e.Kind, e.Err)
}

// Unwrap returns the kind and the cause, so errors.Is sees both.
func (e *HostError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// An ExitError is a remote command that ran and did not exit with status
// 0. Signal is set (without "SIG") when a signal ended it.
type ExitError struct {
	Status int
	Signal string
}

func (e *ExitError) Error() string {
	if e.Signal != "" {
		return "remote command killed by signal " + e.Signal
	}
	return fmt.Sprintf("remote command exited with status %d", e.Status)
}

// Quote quotes s for a POSIX shell: the result is one word whose value is
// exactly s.
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// QuotePath is Quote for a path on the remote host, except that a leading
// "~/" means the remote user's home directory.
func QuotePath(p string) string {
	if p == "~" {
		return `"$HOME"`
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return `"$HOME"/` + Quote(rest)
	}
	return Quote(p)
}

// Output runs a command line and returns its standard output. On failure
// the error includes the end of its standard error.
func Output(ctx context.Context, c Conn, line string) ([]byte, error) {
	var out strings.Builder
	errBuf := &tailBuffer{max: 2048}
	err := c.Run(ctx, &Command{Line: line, Stdout: &out, Stderr: errBuf})
	if err != nil {
		if msg := strings.TrimSpace(errBuf.String()); msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
	}
	return []byte(out.String()), err
}

// A tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

// TailWriter returns a writer that keeps the last maxBytes written to it
// and a function returning them: the end of a command's standard error,
// for error messages, without holding all of it.
func TailWriter(maxBytes int) (io.Writer, func() string) {
	t := &tailBuffer{max: maxBytes}
	return t, t.String
}
