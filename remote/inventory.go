package remote

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// A Host is one machine of an inventory: how to reach it over SSH, the
// groups (roles) it belongs to, and what else the inventory says of it.
type Host struct {
	// Name identifies the host in results and messages; unique within
	// an inventory.
	Name string `json:"name"`
	// Address is what SSH connects to: a host name, an IP address or an
	// ~/.ssh/config alias. Empty: Name.
	Address string `json:"address,omitempty"`
	Port    int    `json:"port,omitempty"` // SSH port; 0: ssh_config or 22
	User    string `json:"user,omitempty"` // SSH user; "": ssh_config or the local user
	// IdentityFiles are private key files to offer, before the agent's.
	IdentityFiles []string `json:"identity_files,omitempty"`
	// DataAddress is the address other hosts use to reach this one for
	// the traffic being tested, when it differs from the SSH address
	// (a separate test network). Empty: Address.
	DataAddress string `json:"data_address,omitempty"`
	// Groups are the host's roles (YAML "roles") or groups (Ansible).
	Groups []string          `json:"groups,omitempty"`
	Labels map[string]string `json:"labels,omitempty"` // user tags carried into results
	Vars   map[string]string `json:"vars,omitempty"`   // other per-host settings
	// Source is where the host was defined, "file:line".
	Source string `json:"source,omitempty"`
}

// SSHAddress is the address SSH connects to: Address, or Name.
func (h *Host) SSHAddress() string {
	if h.Address != "" {
		return h.Address
	}
	return h.Name
}

// TestAddress is the address test traffic goes to: DataAddress, or the
// SSH address.
func (h *Host) TestAddress() string {
	if h.DataAddress != "" {
		return h.DataAddress
	}
	return h.SSHAddress()
}

// InGroup reports whether the host belongs to any of the named groups.
func (h *Host) InGroup(names ...string) bool {
	for _, g := range h.Groups {
		if slices.Contains(names, g) {
			return true
		}
	}
	return false
}

// An Inventory is a list of hosts in the order they were defined.
type Inventory struct {
	Hosts []*Host
}

// Lookup returns the host with that name, or nil.
func (inv *Inventory) Lookup(name string) *Host {
	for _, h := range inv.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// Group returns the hosts in any of the named groups, in inventory order.
func (inv *Inventory) Group(names ...string) []*Host {
	var out []*Host
	for _, h := range inv.Hosts {
		if h.InGroup(names...) {
			out = append(out, h)
		}
	}
	return out
}

// Add merges other into inv. A host defined in both keeps inv's
// definition and gains other's groups; any other difference is an error,
// since one of the two definitions would silently lose.
func (inv *Inventory) Add(other *Inventory) error {
	for _, h := range other.Hosts {
		old := inv.Lookup(h.Name)
		if old == nil {
			inv.Hosts = append(inv.Hosts, h)
			continue
		}
		if !sameConnection(old, h) {
			return fmt.Errorf("%s: host %q is already defined differently at %s", h.Source, h.Name, old.Source)
		}
		for _, g := range h.Groups {
			if !slices.Contains(old.Groups, g) {
				old.Groups = append(old.Groups, g)
			}
		}
	}
	return nil
}

func sameConnection(a, b *Host) bool {
	return a.SSHAddress() == b.SSHAddress() && a.Port == b.Port && a.User == b.User &&
		a.TestAddress() == b.TestAddress() && slices.Equal(a.IdentityFiles, b.IdentityFiles)
}

// Format names an inventory file format.
type Format string

// The inventory formats.
const (
	FormatYAML Format = "yaml" // nperf's own: hosts with roles, addresses, labels
	FormatList Format = "list" // one [user@]host[:port] per line
	FormatINI  Format = "ini"  // Ansible's INI inventory
)

// DetectFormat guesses a file's format: by extension (.yaml, .yml; .ini),
// else by content (a line "[group]" means INI, "hosts:" YAML), else a list.
func DetectFormat(name string, data []byte) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return FormatYAML
	case ".ini", ".cfg":
		return FormatINI
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' || s[0] == ';' || s == "---" {
			continue
		}
		switch {
		case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") && !strings.Contains(s, ":") ||
			strings.HasPrefix(s, "[") && strings.HasSuffix(s, ":vars]") ||
			strings.HasPrefix(s, "[") && strings.HasSuffix(s, ":children]"):
			return FormatINI
		case strings.HasPrefix(s, "hosts:") || strings.HasPrefix(s, "defaults:"):
			return FormatYAML
		}
		return FormatList
	}
	return FormatList
}

// Parse reads an inventory in the given format. name is used in error
// messages and in Host.Source; group is the group every host of a plain
// list joins (ignored by the other formats).
func Parse(data []byte, name string, f Format, group string) (*Inventory, error) {
	switch f {
	case FormatYAML:
		return ParseYAML(data, name)
	case FormatINI:
		return ParseINI(data, name)
	case FormatList:
		return ParseList(data, name, group)
	}
	return nil, fmt.Errorf("%s: unknown inventory format %q", name, f)
}

// Load reads an inventory file, detecting its format.
func Load(path, group string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path, DetectFormat(path, data), group)
}

// ParseHostPort reads "[user@]host[:port]", where host may be a bracketed
// IPv6 literal ("[::1]:22") or a bare one ("::1", no port then).
func ParseHostPort(s string) (user, host string, port int, err error) {
	if i := strings.LastIndex(s, "@"); i >= 0 {
		user, s = s[:i], s[i+1:]
		if user == "" {
			return "", "", 0, fmt.Errorf("empty user in %q", s)
		}
	}
	host = s
	switch {
	case strings.HasPrefix(s, "["):
		h, p, ok := strings.Cut(s[1:], "]")
		if !ok || h == "" {
			return "", "", 0, fmt.Errorf("unclosed [ in %q", s)
		}
		host = h
		if p != "" {
			ps, ok := strings.CutPrefix(p, ":")
			if !ok {
				return "", "", 0, fmt.Errorf("unexpected %q after ] in %q", p, s)
			}
			if port, err = parsePort(ps); err != nil {
				return "", "", 0, err
			}
		}
	case strings.Count(s, ":") == 1:
		h, ps, _ := strings.Cut(s, ":")
		host = h
		if port, err = parsePort(ps); err != nil {
			return "", "", 0, err
		}
	case strings.Count(s, ":") > 1:
		if net.ParseIP(s) == nil {
			return "", "", 0, fmt.Errorf("%q is not an IPv6 address (write [addr]:port for a port)", s)
		}
	}
	if err := checkHostName(host); err != nil {
		return "", "", 0, err
	}
	return user, host, port, nil
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 65535 {
		return 0, fmt.Errorf("invalid port %q", s)
	}
	return n, nil
}

// checkHostName refuses what cannot be a host: empty, whitespace, control
// characters, or characters a shell or ssh would treat specially.
func checkHostName(h string) error {
	if h == "" {
		return fmt.Errorf("empty host name")
	}
	for _, r := range h {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`"'\$;&|<>()[]{}*?!#@/`+"`", r) {
			return fmt.Errorf("invalid character %q in host name %q", r, h)
		}
	}
	return nil
}

func checkName(kind, s string) error {
	if s == "" {
		return fmt.Errorf("empty %s", kind)
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return fmt.Errorf("invalid character %q in %s %q", r, kind, s)
		}
	}
	return nil
}

// sortedKeys returns m's keys in order, for stable output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
