package profile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// A Loader finds, reads and decodes profiles: files, user profiles in a
// directory, and the built-ins. A reference is resolved in that order: an
// existing file, Dir/NAME.yaml, the built-in NAME.
type Loader struct {
	// Dir holds user profiles (NAME.yaml); "" means none.
	Dir string
	// Set holds variables given on the command line (--set k=v); they
	// win over Env and over the profile's own vars.
	Set map[string]string
	// Env looks up environment variables; nil means none are used.
	Env func(string) (string, bool)
}

// maxFileBytes bounds a profile file: profiles are hand-written.
const maxFileBytes = 1 << 20

// nodeBudget bounds the nodes one load visits, so that YAML aliases
// cannot expand a small file into an enormous one.
const nodeBudget = 200000

// A source is one profile file's bytes and identity.
type source struct {
	display string // how errors name it: the path as given, or builtin/NAME.yaml
	id      string // identity for cycle detection: absolute path or builtin:NAME
	dir     string // directory relative extends resolve in; "" for built-ins
	builtin bool
	data    []byte
}

// Load loads the profile ref names: a file, a user profile in l.Dir, or a
// built-in. The error is an ErrorList when the profile is invalid (every
// problem found, with file:line:column), another error when it cannot be
// found or read.
func (l *Loader) Load(ref string) (*Profile, error) {
	src, err := l.find(ref, nil)
	if err != nil {
		return nil, err
	}
	return l.load(src)
}

// Parse decodes a profile from bytes, as if read from the file name: its
// extends resolve relative to name's directory.
func (l *Loader) Parse(name string, data []byte) (*Profile, error) {
	abs, _ := filepath.Abs(name)
	return l.load(&source{display: name, id: abs, dir: filepath.Dir(name), data: data})
}

func (l *Loader) load(src *source) (*Profile, error) {
	d := &decoder{file: map[*yaml.Node]string{}, budget: nodeBudget}
	root, chain, hasName := l.tree(src, nil, d)
	if root == nil {
		return nil, d.err()
	}
	vars := d.vars(root)
	d.expand(root, l.lookup(vars))
	p := d.profile(root)
	p.Source = src.display
	p.Extends = chain
	if !hasName {
		// A name is not inherited: a profile without one is its file.
		p.Name = stem(src.display)
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	return p, nil
}

func stem(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(strings.TrimSuffix(b, ".yaml"), ".yml")
}

// lookup resolves a variable: --set, then the environment, then the
// profile's vars.
func (l *Loader) lookup(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if v, ok := l.Set[name]; ok {
			return v, true
		}
		if l.Env != nil {
			if v, ok := l.Env(name); ok {
				return v, true
			}
		}
		v, ok := vars[name]
		return v, ok
	}
}

// tree parses src and merges it onto the profiles it extends. It returns
// the merged mapping node, the chain of parents (nearest first) and
// whether src itself names the profile.
func (l *Loader) tree(src *source, stack []*source, d *decoder) (*yaml.Node, []string, bool) {
	root := d.parse(src)
	if root == nil {
		return nil, nil, false
	}
	hasName := false
	var ext *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "name":
			hasName = true
		case "extends":
			ext = root.Content[i+1]
			root.Content = append(root.Content[:i:i], root.Content[i+2:]...)
			i -= 2
		}
	}
	if ext == nil {
		return root, nil, hasName
	}
	ext = d.deref(ext)
	ref, ok := d.str(ext, "extends")
	if !ok {
		return root, nil, hasName
	}
	if ref == "" {
		d.add(d.pos(ext), "extends: needs a profile name or file")
		return root, nil, hasName
	}
	if strings.Contains(ref, "${") {
		d.add(d.pos(ext), "extends: variables are not expanded here; name the profile")
		return root, nil, hasName
	}
	parent, err := l.find(ref, src)
	if err != nil {
		d.add(d.pos(ext), "extends: %v", err)
		return root, nil, hasName
	}
	stack = append(stack, src)
	for i, s := range stack {
		if s.id == parent.id {
			names := make([]string, 0, len(stack)-i+1)
			for _, s := range stack[i:] {
				names = append(names, s.display)
			}
			names = append(names, parent.display)
			d.add(d.pos(ext), "cyclic extends: %s", strings.Join(names, " -> "))
			return root, nil, hasName
		}
	}
	proot, pchain, _ := l.tree(parent, stack, d)
	if proot == nil {
		return root, nil, hasName
	}
	return d.mergeProfile(proot, root), append([]string{parent.display}, pchain...), hasName
}

// find resolves a reference: from the command line (from == nil), or in
// the extends of from. A name with a path separator or a .yaml/.yml
// extension is a file (relative to from's directory); a bare name is
// looked up beside from, in l.Dir, then among the built-ins, skipping
// from itself so that a user profile can extend the built-in it shadows.
// "builtin:NAME" asks for the built-in only.
func (l *Loader) find(ref string, from *source) (*source, error) {
	if name, ok := strings.CutPrefix(ref, "builtin:"); ok {
		return builtinSource(name)
	}
	isPath := strings.ContainsAny(ref, `/\`) || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml")
	if from == nil {
		if st, err := os.Stat(ref); err == nil && st.Mode().IsRegular() {
			return fileSource(ref)
		} else if isPath {
			return nil, fmt.Errorf("cannot read profile %s: %w", ref, errNotFound(err))
		}
	} else if isPath {
		if from.builtin {
			return nil, fmt.Errorf("a built-in profile can only extend built-ins, not %q", ref)
		}
		path := ref
		if !filepath.IsAbs(path) {
			path = filepath.Join(from.dir, ref)
		}
		return fileSource(path)
	}
	if !validName(ref) {
		return nil, fmt.Errorf("invalid profile name %q", ref)
	}
	var dirs []string
	if from != nil && !from.builtin {
		dirs = append(dirs, from.dir)
	}
	if l.Dir != "" && (from == nil || !from.builtin) {
		dirs = append(dirs, l.Dir)
	}
	for _, dir := range dirs {
		for _, ext := range []string{".yaml", ".yml"} {
			path := filepath.Join(dir, ref+ext)
			st, err := os.Stat(path)
			if err != nil || !st.Mode().IsRegular() {
				continue
			}
			src, err := fileSource(path)
			if err != nil {
				return nil, err
			}
			if from != nil && src.id == from.id {
				continue // a profile extending the built-in it shadows
			}
			return src, nil
		}
	}
	if src, err := builtinSource(ref); err == nil {
		return src, nil
	}
	if len(dirs) > 0 {
		return nil, fmt.Errorf("no profile %q: no %s.yaml in %s and no built-in of that name ('nperf profile list' shows them)", ref, ref, strings.Join(dirs, " or "))
	}
	return nil, fmt.Errorf("no profile %q: no built-in of that name ('nperf profile list' shows them)", ref)
}

func errNotFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("no such file")
	}
	return err
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

func validName(s string) bool { return len(s) <= 100 && nameRE.MatchString(s) }

func fileSource(path string) (*source, error) {
	// Only regular files: a FIFO or a device would block or never end.
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("cannot read profile %s: %w", path, errNotFound(err))
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("cannot read profile %s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read profile %s: %w", path, errNotFound(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read profile %s: %w", path, err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("profile %s is larger than %d bytes", path, maxFileBytes)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return &source{display: path, id: abs, dir: filepath.Dir(path), data: data}, nil
}

// parse reads one file into its root mapping node, recording every
// node's file and reporting duplicate keys.
func (d *decoder) parse(src *source) (root *yaml.Node) {
	file := Pos{File: src.display}
	defer func() {
		// The YAML parser is third-party code fed with user input: a
		// panic in it is a problem with this file, not a crash.
		if r := recover(); r != nil {
			d.add(file, "cannot parse YAML: %v", r)
			root = nil
		}
	}()
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src.data))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			d.add(file, "empty profile")
			return nil
		}
		d.addYAMLError(file, err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.add(Pos{File: src.display, Line: extra.Line, Col: extra.Column}, "a profile is one YAML document; found a second one")
	} else if err != io.EOF {
		d.addYAMLError(file, err)
	}
	d.index(&doc, src.display)
	n := &doc
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	n = d.deref(n)
	if n.Kind != yaml.MappingNode {
		d.add(d.pos(n), "a profile is a mapping of keys (name, globals, tests, ...), got %s", kindName(n))
		return nil
	}
	return n
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (d *decoder) addYAMLError(file Pos, err error) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		d.add(Pos{File: file.File, Line: line}, "YAML syntax: %s", m[2])
		return
	}
	d.add(file, "YAML syntax: %s", strings.TrimPrefix(msg, "yaml: "))
}

// index records the file of every node of a parsed document and reports
// keys that appear twice in one mapping (a YAML parser keeps the last
// silently; a profile author meant one of them).
func (d *decoder) index(n *yaml.Node, file string) {
	if n == nil || d.file[n] != "" {
		return
	}
	d.file[n] = file
	if n.Kind == yaml.MappingNode {
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			if first, ok := seen[k.Value]; ok {
				d.add(Pos{File: file, Line: k.Line, Col: k.Column}, "duplicate key %q (first at line %d)", k.Value, first.Line)
			} else {
				seen[k.Value] = k
			}
		}
	}
	if n.Kind == yaml.AliasNode {
		return
	}
	for _, c := range n.Content {
		d.index(c, file)
	}
}

// mergeProfile lays child over parent: child keys replace the parent's,
// except that globals and vars merge key by key and tests merge by name.
func (d *decoder) mergeProfile(parent, child *yaml.Node) *yaml.Node {
	return d.mergeMap(parent, child, func(key string, p, c *yaml.Node) *yaml.Node {
		switch key {
		case "globals", "vars":
			if p.Kind == yaml.MappingNode && c.Kind == yaml.MappingNode {
				return d.mergeMap(p, c, nil)
			}
		case "tests":
			if p.Kind == yaml.SequenceNode && c.Kind == yaml.SequenceNode {
				return d.mergeTests(p, c)
			}
		}
		return c
	})
}

// mergeMap returns a new mapping with parent's keys, then child's; for a
// key in both, sub decides (nil: the child's value wins).
func (d *decoder) mergeMap(parent, child *yaml.Node, sub func(key string, p, c *yaml.Node) *yaml.Node) *yaml.Node {
	out := *child
	out.Content = nil
	d.file[&out] = d.file[child]
	index := map[string]int{}
	for i := 0; i+1 < len(parent.Content); i += 2 {
		index[parent.Content[i].Value] = len(out.Content)
		out.Content = append(out.Content, parent.Content[i], parent.Content[i+1])
	}
	for i := 0; i+1 < len(child.Content); i += 2 {
		k, v := child.Content[i], child.Content[i+1]
		j, ok := index[k.Value]
		if !ok {
			out.Content = append(out.Content, k, v)
			continue
		}
		if sub != nil {
			v = sub(k.Value, d.deref(out.Content[j+1]), d.deref(v))
		}
		out.Content[j], out.Content[j+1] = k, v
	}
	return &out
}

// mergeTests merges two test lists by test name: a child test with a
// parent's name is laid over it (options and sweep key by key), others
// are appended.
func (d *decoder) mergeTests(parent, child *yaml.Node) *yaml.Node {
	out := *child
	d.file[&out] = d.file[child]
	out.Content = append([]*yaml.Node(nil), parent.Content...)
	for _, c := range child.Content {
		c = d.deref(c)
		name := d.testKey(c)
		j := -1
		for i, p := range out.Content {
			if p = d.deref(p); name != "" && d.testKey(p) == name {
				j = i
			}
		}
		if j < 0 {
			out.Content = append(out.Content, c)
			continue
		}
		p := d.deref(out.Content[j])
		if p.Kind != yaml.MappingNode || c.Kind != yaml.MappingNode {
			out.Content[j] = c
			continue
		}
		out.Content[j] = d.mergeMap(p, c, func(key string, p, c *yaml.Node) *yaml.Node {
			if (key == "options" || key == "sweep") && p.Kind == yaml.MappingNode && c.Kind == yaml.MappingNode {
				return d.mergeMap(p, c, nil)
			}
			return c
		})
	}
	return &out
}

// testKey is the name a test is merged by: its name, or its type's
// default name.
func (d *decoder) testKey(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	var name, typ string
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := d.deref(n.Content[i+1])
		switch n.Content[i].Value {
		case "name":
			name = v.Value
		case "type":
			typ = v.Value
		}
	}
	if name != "" {
		return name
	}
	return defaultTestName(typ)
}

func defaultTestName(typ string) string {
	return strings.ReplaceAll(strings.ToLower(typ), "_", "-")
}

// vars returns the profile's own variable defaults.
func (d *decoder) vars(root *yaml.Node) map[string]string {
	out := map[string]string{}
	v := lookupKey(root, "vars")
	if v == nil {
		return out
	}
	v = d.deref(v)
	if v.Kind != yaml.MappingNode {
		d.add(d.pos(v), "vars: want a mapping of NAME: value, got %s", kindName(v))
		return out
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], d.deref(v.Content[i+1])
		if !varNameRE.MatchString(k.Value) {
			d.add(d.pos(k), "vars: invalid variable name %q (letters, digits and _)", k.Value)
			continue
		}
		if val.Kind != yaml.ScalarNode {
			d.add(d.pos(val), "vars: %s: want a value, got %s", k.Value, kindName(val))
			continue
		}
		out[k.Value] = val.Value
	}
	return out
}

func lookupKey(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

var varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expand substitutes ${NAME} and ${NAME:-default} in every scalar value
// (not in keys, not in vars). $$ is a literal $.
func (d *decoder) expand(root *yaml.Node, lookup func(string) (string, bool)) {
	seen := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		n = d.deref(n)
		if n == nil || seen[n] || !d.spend() {
			return
		}
		seen[n] = true
		switch n.Kind {
		case yaml.ScalarNode:
			if strings.Contains(n.Value, "$") {
				n.Value = d.expandString(n, lookup)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n == root && n.Content[i].Value == "vars" {
					continue
				}
				walk(n.Content[i+1])
			}
		}
	}
	walk(root)
}

func (d *decoder) expandString(n *yaml.Node, lookup func(string) (string, bool)) string {
	s := n.Value
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if i+1 >= len(s) || s[i+1] != '{' {
			b.WriteByte('$')
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			d.add(d.posAt(n, i), "unterminated ${ in %q", s)
			return s
		}
		expr := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(expr, ":-")
		if !varNameRE.MatchString(name) {
			d.add(d.posAt(n, i), "invalid variable name %q in ${%s}", name, expr)
		} else if v, ok := lookup(name); ok {
			b.WriteString(v)
		} else if hasDef {
			b.WriteString(def)
		} else {
			d.add(d.posAt(n, i), "undefined variable %s (set it with --set %s=VALUE, in the environment, or under vars:)", name, name)
		}
		i += end
	}
	return b.String()
}

// posAt is the position of byte i of a one-line scalar's value, when
// the scalar's style lets us know it.
func (d *decoder) posAt(n *yaml.Node, i int) Pos {
	p := d.pos(n)
	if strings.Contains(n.Value, "\n") {
		return p
	}
	switch n.Style {
	case 0, yaml.TaggedStyle:
		p.Col += i
	case yaml.SingleQuotedStyle:
		if !strings.Contains(n.Value[:i], "'") {
			p.Col += i + 1
		}
	case yaml.DoubleQuotedStyle:
		if !strings.ContainsAny(n.Value[:i], `"\`) {
			p.Col += i + 1
		}
	}
	return p
}

// Builtins lists the names of the built-in profiles.
func Builtins() []string {
	entries, _ := fs.ReadDir(builtinFS, "profiles")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func builtinSource(name string) (*source, error) {
	if !validName(name) {
		return nil, fmt.Errorf("no built-in profile %q", name)
	}
	data, err := builtinFS.ReadFile("profiles/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no built-in profile %q (built-ins: %s)", name, strings.Join(Builtins(), ", "))
	}
	return &source{display: "builtin/" + name + ".yaml", id: "builtin:" + name, builtin: true, data: data}, nil
}
