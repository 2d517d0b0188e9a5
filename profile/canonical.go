package profile

import (
	"bytes"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Canonical writes the profile as YAML with its inheritance merged and
// its variables substituted: a self-contained profile that loads back to
// the same runs.
func (p *Profile) Canonical() ([]byte, error) {
	root := mapping()
	put(root, "name", str(p.Name))
	if p.Description != "" {
		put(root, "description", str(p.Description))
	}
	if len(p.Tags) > 0 {
		put(root, "tags", flowList(p.Tags))
	}
	g := mapping()
	if len(p.Globals.Hosts) > 0 {
		put(g, "hosts", flowList(p.Globals.Hosts))
	}
	put(g, "duration", str(formatDuration(p.Globals.Duration)))
	put(g, "iterations", str(strconv.Itoa(p.Globals.Iterations)))
	put(g, "interval", str(formatDuration(p.Globals.Interval)))
	if p.Globals.Pause > 0 {
		put(g, "pause", str(formatDuration(p.Globals.Pause)))
	}
	put(g, "engine", str(p.Globals.Engine))
	put(root, "globals", g)
	tests := &yaml.Node{Kind: yaml.SequenceNode}
	for _, t := range p.Tests {
		tn := mapping()
		put(tn, "name", str(t.Name))
		if t.Description != "" {
			put(tn, "description", str(t.Description))
		}
		put(tn, "type", str(t.Type))
		if t.Skip {
			put(tn, "skip", str("true"))
		}
		if t.Duration > 0 {
			put(tn, "duration", str(formatDuration(t.Duration)))
		}
		if t.Iterations > 0 {
			put(tn, "iterations", str(strconv.Itoa(t.Iterations)))
		}
		if len(t.Hosts) > 0 {
			put(tn, "hosts", flowList(t.Hosts))
		}
		if len(t.Options) > 0 {
			o := mapping()
			for _, opt := range t.Options {
				put(o, opt.Name, str(opt.Text))
			}
			put(tn, "options", o)
		}
		if len(t.Sweep) > 0 {
			s := mapping()
			for _, ax := range t.Sweep {
				vals := make([]string, len(ax.Values))
				for i, v := range ax.Values {
					vals[i] = v.Text
				}
				put(s, ax.Name, flowList(vals))
			}
			put(tn, "sweep", s)
		}
		if len(t.Expect) > 0 {
			e := &yaml.Node{Kind: yaml.SequenceNode}
			for _, x := range t.Expect {
				e.Content = append(e.Content, str(x.Text))
			}
			put(tn, "expect", e)
		}
		tests.Content = append(tests.Content, tn)
	}
	put(root, "tests", tests)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func put(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// str is a scalar that reads back as the same text: numbers and booleans
// stay plain, other text is quoted where YAML needs it, and a $ that
// would start a variable is doubled.
func str(s string) *yaml.Node {
	if strings.Contains(s, "${") || strings.Contains(s, "$$") {
		s = strings.ReplaceAll(s, "$", "$$")
	}
	tag := "!!str"
	if _, err := strconv.ParseInt(s, 10, 64); err == nil && !strings.HasPrefix(s, "+") && (s == "0" || !strings.HasPrefix(strings.TrimPrefix(s, "-"), "0")) {
		tag = "!!int"
	} else if s == "true" || s == "false" {
		tag = "!!bool"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: s}
}

func flowList(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range items {
		n.Content = append(n.Content, str(s))
	}
	return n
}
