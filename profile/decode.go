package profile

import (
	"fmt"
	"nperf/runner"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"nperf/netperf"
	"nperf/result"
)

// A decoder turns merged YAML nodes into a Profile, collecting every
// problem with its position.
type decoder struct {
	errs
	file   map[*yaml.Node]string // the file each node came from
	budget int                   // nodes left to visit
	key    string                // the key whose value is being decoded, for messages
}

// bad reports a problem with the value of the current key.
func (d *decoder) bad(n *yaml.Node, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if d.key != "" {
		msg = d.key + ": " + msg
	}
	d.add(d.pos(n), "%s", msg)
}

func (d *decoder) pos(n *yaml.Node) Pos {
	return Pos{File: d.file[n], Line: n.Line, Col: n.Column}
}

// spend counts one visited node; false once the budget is gone.
func (d *decoder) spend() bool {
	d.budget--
	if d.budget == -1 {
		d.add(Pos{}, "profile too large: more than %d YAML nodes after alias expansion", nodeBudget)
	}
	return d.budget >= 0
}

// deref follows aliases to the node they name.
func (d *decoder) deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.AliasNode {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

// kindName says what a node is, for "want X, got Y" messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int":
			return "a number (" + n.Value + ")"
		case "!!float":
			return "a number (" + n.Value + ")"
		case "!!bool":
			return "a boolean (" + n.Value + ")"
		case "!!null":
			return "nothing"
		}
		return strconv.Quote(n.Value)
	}
	return "an alias"
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// scalar checks that n is a single value.
func (d *decoder) scalar(n *yaml.Node, want string) bool {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.bad(n, "want %s, got %s", want, kindName(n))
		return false
	}
	return true
}

// str reads a string; what names the key for the message.
func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.add(d.pos(n), "%s: want a string, got %s", what, kindName(n))
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

func (d *decoder) int(n *yaml.Node, lo, hi int) (int, bool) {
	if !d.scalar(n, "a whole number") {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 10, 64)
	if err != nil {
		d.bad(n, "want a whole number, got %s", kindName(n))
		return 0, false
	}
	if v < int64(lo) || v > int64(hi) {
		d.bad(n, "%d out of range (%d to %d)", v, lo, hi)
		return 0, false
	}
	return int(v), true
}

func (d *decoder) bool(n *yaml.Node) (bool, bool) {
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	d.bad(n, "want true or false, got %s", kindName(n))
	return false, false
}

func (d *decoder) duration(n *yaml.Node) (time.Duration, bool) {
	if !d.scalar(n, "a duration") {
		return 0, false
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		d.bad(n, "%v", err)
		return 0, false
	}
	return v, true
}

// strings reads one string or a list of them.
func (d *decoder) strings(n *yaml.Node, what string) ([]string, bool) {
	if n.Kind == yaml.ScalarNode {
		if isNull(n) {
			return nil, true
		}
		return []string{n.Value}, true
	}
	if n.Kind != yaml.SequenceNode {
		d.add(d.pos(n), "%s: want a list of strings, got %s", what, kindName(n))
		return nil, false
	}
	var out []string
	ok := true
	for _, c := range n.Content {
		c = d.deref(c)
		if c.Kind != yaml.ScalarNode || isNull(c) {
			d.add(d.pos(c), "%s: want a string, got %s", what, kindName(c))
			ok = false
			continue
		}
		out = append(out, c.Value)
	}
	return out, ok
}

// fields walks a mapping, reporting keys not in known, and calls f with
// every known key and its (dereferenced) value.
func (d *decoder) fields(n *yaml.Node, where string, known []string, f func(key string, k, v *yaml.Node)) bool {
	if n.Kind != yaml.MappingNode {
		d.add(d.pos(n), "%s: want a mapping, got %s", where, kindName(n))
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !d.spend() {
			return false
		}
		k, v := n.Content[i], d.deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.add(d.pos(k), "%s: a key must be a name, got %s", where, kindName(k))
			continue
		}
		if !contains(known, k.Value) {
			d.add(d.pos(k), "unknown key %q in %s%s", k.Value, where, suggest(k.Value, known))
			continue
		}
		outer := d.key
		d.key = k.Value
		f(k.Value, k, v)
		d.key = outer
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	topKeys     = []string{"name", "description", "tags", "extends", "vars", "globals", "tests"}
	globalsKeys = []string{"hosts", "duration", "iterations", "interval", "pause", "engine"}
	testKeys    = []string{"name", "description", "type", "skip", "duration", "iterations", "hosts", "options", "sweep", "expect"}
)

// profile decodes the merged root mapping.
func (d *decoder) profile(root *yaml.Node) *Profile {
	p := &Profile{Globals: Globals{Duration: DefaultDuration, Iterations: DefaultIterations, Interval: DefaultInterval, Engine: DefaultEngine}}
	var tests *yaml.Node
	d.fields(root, "the profile", topKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			if s, ok := d.str(v, key); ok {
				if s != "" && !validName(s) {
					d.add(d.pos(v), "name: %q is not a profile name (letters, digits, '-', '_', '.')", s)
				}
				p.Name = s
			}
		case "description":
			p.Description, _ = d.str(v, key)
		case "tags":
			p.Tags, _ = d.strings(v, key)
		case "globals":
			d.globals(v, &p.Globals)
		case "tests":
			tests = v
		}
	})
	if tests == nil {
		return p
	}
	if tests.Kind != yaml.SequenceNode {
		if !isNull(tests) {
			d.add(d.pos(tests), "tests: want a list of tests, got %s", kindName(tests))
		}
		return p
	}
	names := map[string]Pos{}
	for _, tn := range tests.Content {
		tn = d.deref(tn)
		t, ok := d.test(tn)
		if !ok {
			continue
		}
		if first, dup := names[t.Name]; dup {
			d.add(t.Pos, "duplicate test name %q (first at line %d)", t.Name, first.Line)
		}
		names[t.Name] = t.Pos
		d.checkExpectations(p, t)
		p.Tests = append(p.Tests, *t)
	}
	return p
}

func (d *decoder) globals(n *yaml.Node, g *Globals) {
	d.fields(n, "globals", globalsKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "hosts":
			if h, ok := d.hosts(v); ok {
				g.Hosts = h
			}
		case "duration":
			if v, ok := d.length(v); ok {
				g.Duration = v
			}
		case "iterations":
			if v, ok := d.int(v, 1, 1000); ok {
				g.Iterations = v
			}
		case "interval":
			if v, ok := d.interval(v); ok {
				g.Interval = v
			}
		case "pause":
			if v, ok := d.duration(v); ok {
				g.Pause = v
			}
		case "engine":
			if s, ok := d.str(v, key); ok {
				if _, err := runner.ParseEngine(s); err != nil {
					d.add(d.pos(v), "engine: %v", err)
				}
				g.Engine = s
			}
		}
	})
}

// hosts reads servers: host, host:port or [v6]:port, one or a list. An
// empty string stands for the embedded loopback server (what an unset
// ${HOST:-} gives).
func (d *decoder) hosts(n *yaml.Node) ([]string, bool) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	} else if n.Kind != yaml.ScalarNode {
		d.bad(n, "want a server or a list of servers, got %s", kindName(n))
		return nil, false
	}
	var out []string
	ok := true
	for _, c := range items {
		c = d.deref(c)
		if isNull(c) {
			continue
		}
		if c.Kind != yaml.ScalarNode {
			d.bad(c, "want a server (host, host:port or [v6]:port), got %s", kindName(c))
			ok = false
			continue
		}
		h := strings.TrimSpace(c.Value)
		if h == "" {
			continue
		}
		if _, err := ParseTarget(h, 0); err != nil {
			d.bad(c, "%v", err)
			ok = false
			continue
		}
		out = append(out, h)
	}
	return out, ok
}

// length reads a test length: whole seconds, as netperf's -l.
func (d *decoder) length(n *yaml.Node) (time.Duration, bool) {
	v, ok := d.duration(n)
	if !ok {
		return 0, false
	}
	if v < time.Second || v%time.Second != 0 || v > 24*time.Hour {
		d.bad(n, "%s: a test lasts whole seconds, from 1s to 24h (netperf's -l)", n.Value)
		return 0, false
	}
	return v, true
}

func (d *decoder) interval(n *yaml.Node) (time.Duration, bool) {
	v, ok := d.duration(n)
	if !ok {
		return 0, false
	}
	if v < 10*time.Millisecond {
		d.bad(n, "%s is below 10ms", n.Value)
		return 0, false
	}
	return v, true
}

func (d *decoder) test(n *yaml.Node) (*Test, bool) {
	t := &Test{Pos: d.pos(n)}
	var opts, sweep, expect, typeNode *yaml.Node
	ok := d.fields(n, "a test", testKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			if s, ok := d.str(v, key); ok {
				if s == "" || strings.ContainsAny(s, "[]=,\n") || len(s) > 100 {
					d.add(d.pos(v), "name: %q is not a test name (no brackets, '=', ',' or newlines)", s)
				}
				t.Name = s
			}
		case "description":
			t.Description, _ = d.str(v, key)
		case "type":
			typeNode = v
		case "skip":
			t.Skip, _ = d.bool(v)
		case "duration":
			t.Duration, _ = d.length(v)
		case "iterations":
			t.Iterations, _ = d.int(v, 1, 1000)
		case "hosts":
			t.Hosts, _ = d.hosts(v)
		case "options":
			opts = v
		case "sweep":
			sweep = v
		case "expect":
			expect = v
		}
	})
	if !ok {
		return nil, false
	}
	if typeNode == nil {
		d.add(t.Pos, "a test needs a type (%s)", strings.Join(result.Tests, ", "))
	} else if s, ok := d.str(typeNode, "type"); ok {
		up := strings.ToUpper(s)
		if !netperf.KnownTest(up) {
			d.add(d.pos(typeNode), "unknown test type %q%s", s, suggest(up, result.Tests))
		} else {
			t.Type = up
		}
	}
	if t.Name == "" {
		t.Name = defaultTestName(t.Type)
		if t.Name == "" {
			t.Name = "test-" + strconv.Itoa(t.Pos.Line)
		}
	}
	if opts != nil && !isNull(opts) {
		d.fields(opts, "options", optionNames(), func(key string, k, v *yaml.Node) {
			if o, ok := d.option(key, k, v, t.Type); ok {
				t.Options = append(t.Options, o)
			}
		})
	}
	if sweep != nil && !isNull(sweep) {
		d.sweep(sweep, t)
	}
	if expect != nil && !isNull(expect) {
		d.expectations(expect, t)
	}
	return t, true
}

// option decodes one option's value and checks it applies to the test.
func (d *decoder) option(name string, k, v *yaml.Node, test string) (Option, bool) {
	def := findOption(name)
	if !def.appliesTo(test) {
		d.add(d.pos(k), "option %s does not apply to %s (only to %s)", name, test, strings.Join(def.tests, ", "))
		return Option{}, false
	}
	val, ok := def.parse(d, v, test)
	if !ok {
		return Option{}, false
	}
	return Option{Name: name, Text: optionText(v, val), Value: val, Pos: d.pos(v)}, true
}

func (d *decoder) sweep(n *yaml.Node, t *Test) {
	if n.Kind != yaml.MappingNode {
		d.add(d.pos(n), "sweep: want a mapping of option: [values], got %s", kindName(n))
		return
	}
	points := 1
	defer func() { d.key = "" }()
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], d.deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || findOption(k.Value) == nil {
			d.add(d.pos(k), "sweep of unknown option %q%s", k.Value, suggest(k.Value, optionNames()))
			continue
		}
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			d.add(d.pos(v), "sweep: %s: want a non-empty list of values, got %s", k.Value, kindName(v))
			continue
		}
		ax := Axis{Name: k.Value, Pos: d.pos(k)}
		d.key = "sweep: " + k.Value
		ok := true
		for _, c := range v.Content {
			if !d.spend() {
				return
			}
			o, good := d.option(k.Value, k, d.deref(c), t.Type)
			if !good {
				ok = false
				if !findOption(k.Value).appliesTo(t.Type) {
					break
				}
				continue
			}
			ax.Values = append(ax.Values, o)
		}
		if !ok {
			continue
		}
		d.key = "sweep"
		if points *= len(ax.Values); points > maxRunsPerTest {
			d.add(d.pos(k), "sweep: more than %d runs in one test", maxRunsPerTest)
			return
		}
		t.Sweep = append(t.Sweep, ax)
	}
}

// maxRunsPerTest bounds a test's sweep: a typo such as a 10000-value
// list should be an error, not a week of measuring.
const maxRunsPerTest = 1000
