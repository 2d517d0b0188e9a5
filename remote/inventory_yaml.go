package remote

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML inventory:
//
//	defaults:              # applied to every host that does not say otherwise
//	  user: perf
//	  key: ~/.ssh/id_ed25519
//	hosts:
//	  - name: c1
//	    address: c1.mgmt.example.com   # SSH address (or an ~/.ssh/config alias)
//	    data_address: 192.168.50.11    # test traffic goes here
//	    roles: [client]
//	    port: 22
//	    labels: {rack: r1}
//	    vars: {nperf_path: /usr/local/bin/nperf}
type yamlInventory struct {
	Defaults yamlHost   `yaml:"defaults"`
	Hosts    []yamlHost `yaml:"hosts"`
}

type yamlHost struct {
	Name        string            `yaml:"name"`
	Address     string            `yaml:"address"`
	DataAddress string            `yaml:"data_address"`
	Port        int               `yaml:"port"`
	User        string            `yaml:"user"`
	Key         stringList        `yaml:"key"`
	Roles       stringList        `yaml:"roles"`
	Labels      map[string]string `yaml:"labels"`
	Vars        map[string]string `yaml:"vars"`
}

// stringList is a YAML scalar or sequence of scalars.
type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = stringList{n.Value}
		return nil
	}
	var s []string
	if err := n.Decode(&s); err != nil {
		return err
	}
	*l = s
	return nil
}

// ParseYAML reads nperf's YAML inventory. Unknown fields are errors, and
// every error names file and line.
func ParseYAML(data []byte, name string) (*Inventory, error) {
	var doc yamlInventory
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	// The lines of the host entries, for messages about them.
	var root yaml.Node
	yaml.Unmarshal(data, &root)
	lines := hostLines(&root)
	line := func(i int) string {
		if i < len(lines) {
			return fmt.Sprintf("%s:%d", name, lines[i])
		}
		return name
	}
	if len(doc.Hosts) == 0 {
		return nil, fmt.Errorf("%s: no hosts (want a \"hosts:\" list)", name)
	}
	d := doc.Defaults
	if d.Name != "" || d.Address != "" || d.DataAddress != "" {
		return nil, fmt.Errorf("%s: defaults: name, address and data_address are per host", name)
	}
	inv := &Inventory{}
	for i, y := range doc.Hosts {
		where := line(i)
		h := &Host{
			Name:        y.Name,
			Address:     y.Address,
			DataAddress: y.DataAddress,
			Port:        pick(y.Port, d.Port),
			User:        pick(y.User, d.User),
			Source:      where,
		}
		if h.Name == "" {
			h.Name = h.Address
		}
		if err := checkName("host name", h.Name); err != nil {
			return nil, fmt.Errorf("%s: %v (every host needs a name or an address)", where, err)
		}
		if err := checkHostName(h.SSHAddress()); err != nil {
			if h.Address == "" {
				return nil, fmt.Errorf("%s: %v (give the host an address)", where, err)
			}
			return nil, fmt.Errorf("%s: address: %v", where, err)
		}
		if h.DataAddress != "" {
			if err := checkHostName(h.DataAddress); err != nil {
				return nil, fmt.Errorf("%s: data_address: %v", where, err)
			}
		}
		if h.Port < 0 || h.Port > 65535 {
			return nil, fmt.Errorf("%s: invalid port %d", where, h.Port)
		}
		h.IdentityFiles = append([]string(nil), d.Key...)
		if len(y.Key) > 0 {
			h.IdentityFiles = append([]string(nil), y.Key...)
		}
		h.Groups = append(append([]string(nil), d.Roles...), y.Roles...)
		for _, g := range h.Groups {
			if err := checkName("role", g); err != nil {
				return nil, fmt.Errorf("%s: %v", where, err)
			}
		}
		h.Labels = merge(d.Labels, y.Labels)
		h.Vars = merge(d.Vars, y.Vars)
		if old := inv.Lookup(h.Name); old != nil {
			return nil, fmt.Errorf("%s: host %q defined twice (first at %s)", where, h.Name, old.Source)
		}
		inv.Hosts = append(inv.Hosts, h)
	}
	return inv, nil
}

func pick[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func merge(base, over map[string]string) map[string]string {
	if len(base) == 0 && len(over) == 0 {
		return nil
	}
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// hostLines returns the line of each item of the top-level "hosts" list.
func hostLines(root *yaml.Node) []int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "hosts" || m.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		var lines []int
		for _, item := range m.Content[i+1].Content {
			lines = append(lines, item.Line)
		}
		return lines
	}
	return nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// yamlError rewrites the YAML decoder's "line N: msg" as "file:N: msg".
func yamlError(name string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	for i, m := range msgs {
		if loc := yamlLine.FindStringSubmatchIndex(m); loc != nil {
			msgs[i] = name + ":" + m[loc[2]:loc[3]] + ": " + m[loc[1]:]
		} else {
			msgs[i] = name + ": " + strings.TrimPrefix(m, "yaml: ")
		}
	}
	return errors.New(strings.Join(msgs, "\n"))
}
