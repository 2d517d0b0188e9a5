package remote

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// knownHosts verifies host keys against known_hosts files, as OpenSSH
// does with StrictHostKeyChecking=yes, or =accept-new when acceptNew is
// set: an unknown key is then added to the first file, but a key that
// differs from a known one is still refused.
type knownHosts struct {
	files     []string
	acceptNew bool

	once    sync.Once
	loadErr error
	db      ssh.HostKeyCallback
	probe   ssh.PublicKey // a key no host has, to list a host's known keys

	mu       sync.Mutex
	accepted map[string]ssh.PublicKey // added in this process, by knownhosts.Normalize(addr)
}

func (k *knownHosts) load() error {
	k.once.Do(func() {
		var existing []string
		for _, f := range k.files {
			if _, err := os.Stat(f); err == nil {
				existing = append(existing, f)
			} else if !os.IsNotExist(err) {
				k.loadErr = fmt.Errorf("known_hosts: %v", err)
				return
			}
		}
		db, err := knownhosts.New(existing...)
		if err != nil {
			k.loadErr = fmt.Errorf("known_hosts: %v", err)
			return
		}
		k.db = db
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		k.probe, _ = ssh.NewPublicKey(pub)
		k.accepted = map[string]ssh.PublicKey{}
	})
	return k.loadErr
}

// someAddr stands in for the remote address: knownhosts checks the name
// dialled, but wants an address to split.
var someAddr = &net.TCPAddr{IP: net.IPv4zero}

// algorithms returns the host key algorithms to ask for, so that the
// server shows a key of a type known_hosts has for it; nil when none is
// known (then any).
func (k *knownHosts) algorithms(hostport string) []string {
	var types []string
	var ke *knownhosts.KeyError
	if errors.As(k.db(hostport, someAddr, k.probe), &ke) {
		for _, w := range ke.Want {
			types = append(types, w.Key.Type())
		}
	}
	k.mu.Lock()
	if key, ok := k.accepted[knownhosts.Normalize(hostport)]; ok {
		types = append(types, key.Type())
	}
	k.mu.Unlock()
	var algos []string
	add := func(a string) {
		for _, x := range algos {
			if x == a {
				return
			}
		}
		algos = append(algos, a)
	}
	for _, t := range types {
		if t == ssh.KeyAlgoRSA {
			add(ssh.KeyAlgoRSASHA512)
			add(ssh.KeyAlgoRSASHA256)
		}
		add(t)
	}
	return algos
}

// check is the HostKeyCallback. Its errors are *hostKeyError.
func (k *knownHosts) check(hostport string, remote net.Addr, key ssh.PublicKey) error {
	err := k.db(hostport, someAddr, key)
	if err == nil {
		return nil
	}
	var ke *knownhosts.KeyError
	var re *knownhosts.RevokedError
	switch {
	case errors.As(err, &re):
		return &hostKeyError{kind: ErrHostKeyChanged, msg: fmt.Sprintf("the host offered %s, which %s:%d marks as revoked",
			describeKey(key), re.Revoked.Filename, re.Revoked.Line)}
	case errors.As(err, &ke) && len(ke.Want) > 0:
		var known []string
		for _, w := range ke.Want {
			known = append(known, fmt.Sprintf("%s:%d has %s", w.Filename, w.Line, describeKey(w.Key)))
		}
		host, _, _ := net.SplitHostPort(hostport)
		return &hostKeyError{kind: ErrHostKeyChanged, msg: fmt.Sprintf(
			"the host offered %s, but %s: someone may be intercepting the connection, or the host was reinstalled "+
				"(then check the new key and remove the old one with: ssh-keygen -R %s)",
			describeKey(key), strings.Join(known, "; "), hostForKeygen(host, hostport))}
	case errors.As(err, &ke):
		name := knownhosts.Normalize(hostport)
		k.mu.Lock()
		defer k.mu.Unlock()
		if old, ok := k.accepted[name]; ok {
			if string(old.Marshal()) == string(key.Marshal()) {
				return nil
			}
			return &hostKeyError{kind: ErrHostKeyChanged, msg: fmt.Sprintf(
				"the host offered %s, but %s was accepted from it earlier in this run", describeKey(key), describeKey(old))}
		}
		if !k.acceptNew {
			return &hostKeyError{kind: ErrHostKeyUnknown, msg: fmt.Sprintf("%s is not in %s", describeKey(key), k.filesText())}
		}
		if err := k.appendLine(name, key); err != nil {
			return &hostKeyError{kind: ErrHostKeyUnknown, msg: fmt.Sprintf("cannot record %s: %v", describeKey(key), err)}
		}
		k.accepted[name] = key
		return nil
	}
	return err
}

func (k *knownHosts) filesText() string {
	if len(k.files) == 0 {
		return "any known_hosts file (none configured)"
	}
	return strings.Join(k.files, " or ")
}

func hostForKeygen(host, hostport string) string {
	n := knownhosts.Normalize(hostport)
	if strings.HasPrefix(n, "[") {
		return "'" + n + "'"
	}
	return host
}

// appendLine adds a known_hosts line to the first file, creating it (and
// its directory) private to the user if need be.
func (k *knownHosts) appendLine(name string, key ssh.PublicKey) error {
	if len(k.files) == 0 {
		return fmt.Errorf("no known_hosts file to write to")
	}
	f := k.files[0]
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		return err
	}
	fh, err := os.OpenFile(f, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	line := knownhosts.Line([]string{name}, key) + "\n"
	if _, err := fh.WriteString(line); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

func describeKey(key ssh.PublicKey) string {
	return key.Type() + " " + ssh.FingerprintSHA256(key)
}

// hostKeyError is a refused host key. The message says what was offered,
// what was expected and where.
type hostKeyError struct {
	kind error
	msg  string
}

func (e *hostKeyError) Error() string { return e.msg }
