package remote

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// ParseList reads a plain host list: one "[user@]host[:port]" per line,
// optionally followed by key=value words; "#" starts a comment. The
// words data_address=ADDR and name=NAME set those fields, any other word
// becomes a label. Every host joins group (when not empty).
//
//	# clients.txt
//	perf@10.0.0.11          rack=r1
//	10.0.0.12:2222          data_address=192.168.50.12
func ParseList(data []byte, name, group string) (*Inventory, error) {
	inv := &Inventory{}
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, 1<<20)
	line := 0
	for s.Scan() {
		line++
		text, _, _ := strings.Cut(s.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		where := fmt.Sprintf("%s:%d", name, line)
		user, host, port, err := ParseHostPort(fields[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		h := &Host{Name: host, Address: host, Port: port, User: user, Source: where}
		if port != 0 {
			h.Name = fields[0]
			if user != "" {
				h.Name = fields[0][len(user)+1:]
			}
		}
		for _, f := range fields[1:] {
			k, v, ok := strings.Cut(f, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("%s: %q: want key=value after the host", where, f)
			}
			switch k {
			case "data_address":
				if err := checkHostName(v); err != nil {
					return nil, fmt.Errorf("%s: data_address: %v", where, err)
				}
				h.DataAddress = v
			case "name":
				if err := checkName("name", v); err != nil {
					return nil, fmt.Errorf("%s: %v", where, err)
				}
				h.Name = v
			default:
				if h.Labels == nil {
					h.Labels = map[string]string{}
				}
				h.Labels[k] = v
			}
		}
		if group != "" {
			h.Groups = []string{group}
		}
		if old := inv.Lookup(h.Name); old != nil {
			return nil, fmt.Errorf("%s: host %q listed twice (first at %s)", where, h.Name, old.Source)
		}
		inv.Hosts = append(inv.Hosts, h)
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	return inv, nil
}
