package remote

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// maxRangeHosts bounds what one host pattern ("web[001:999]") expands to.
const maxRangeHosts = 10000

type iniHost struct {
	name   string
	groups []string
	vars   map[string]string
	source string
}

type iniGroup struct {
	vars     map[string]string
	children []string
	parents  []string
}

// ParseINI reads an Ansible INI inventory: [group] sections of host lines
// ("name key=value ..."), [group:vars] and [group:children] sections,
// host ranges such as web[01:03].example.com and db-[a:c], and host:port.
//
// Ansible's connection variables fill the connection fields
// (ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file
// and their ansible_ssh_* spellings); data_address sets DataAddress;
// label_NAME=V becomes the label NAME; every other variable is kept in
// Vars. A host's groups are the sections it is listed in and, through
// :children, their parents. Variables apply from the least specific
// (all, then parent groups) to the most (child groups, then the host).
func ParseINI(data []byte, name string) (*Inventory, error) {
	groups := map[string]*iniGroup{"all": {}, "ungrouped": {}}
	group := func(g string) *iniGroup {
		if groups[g] == nil {
			groups[g] = &iniGroup{}
		}
		return groups[g]
	}
	var order []*iniHost
	hosts := map[string]*iniHost{}

	section, kind := "ungrouped", "hosts"
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, 1<<20)
	line := 0
	for s.Scan() {
		line++
		where := fmt.Sprintf("%s:%d", name, line)
		text := strings.TrimSpace(s.Text())
		if text == "" || text[0] == '#' || text[0] == ';' {
			continue
		}
		// "[group]" is a section; "[2001:db8::5]:2222" a host.
		if text[0] == '[' && !strings.Contains(strings.Fields(text)[0], "]:") {
			head, ok := strings.CutSuffix(text, "]")
			if !ok {
				return nil, fmt.Errorf("%s: section header %q has no closing ]", where, text)
			}
			head = head[1:]
			section, kind = head, "hosts"
			if g, k, ok := strings.Cut(head, ":"); ok {
				if k != "vars" && k != "children" {
					return nil, fmt.Errorf("%s: unknown section kind %q (want :vars or :children)", where, k)
				}
				section, kind = g, k
			}
			if err := checkGroupName(section); err != nil {
				return nil, fmt.Errorf("%s: %v", where, err)
			}
			group(section)
			continue
		}
		switch kind {
		case "vars":
			k, v, ok := strings.Cut(text, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" || strings.ContainsAny(k, " \t") {
				return nil, fmt.Errorf("%s: want key=value in [%s:vars]", where, section)
			}
			words, err := splitWords(strings.TrimSpace(v))
			if err != nil {
				return nil, fmt.Errorf("%s: %v", where, err)
			}
			g := group(section)
			if g.vars == nil {
				g.vars = map[string]string{}
			}
			g.vars[k] = strings.Join(words, " ")
		case "children":
			child := strings.Fields(text)[0]
			if err := checkGroupName(child); err != nil {
				return nil, fmt.Errorf("%s: %v", where, err)
			}
			if child == section {
				return nil, fmt.Errorf("%s: group %q cannot be its own child", where, child)
			}
			group(section).children = append(group(section).children, child)
			group(child).parents = append(group(child).parents, section)
		default:
			words, err := splitWords(text)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", where, err)
			}
			if len(words) > 0 && strings.HasPrefix(words[len(words)-1], "#") {
				words = words[:len(words)-1]
			}
			for i, w := range words {
				if strings.HasPrefix(w, "#") {
					words = words[:i]
					break
				}
			}
			if len(words) == 0 {
				continue
			}
			vars := map[string]string{}
			for _, w := range words[1:] {
				k, v, ok := strings.Cut(w, "=")
				if !ok || k == "" {
					return nil, fmt.Errorf("%s: %q: want key=value after the host", where, w)
				}
				vars[k] = v
			}
			names, err := expandRange(words[0])
			if err != nil {
				return nil, fmt.Errorf("%s: %v", where, err)
			}
			for _, n := range names {
				h := hosts[n]
				if h == nil {
					h = &iniHost{name: n, vars: map[string]string{}, source: where}
					hosts[n] = h
					order = append(order, h)
				}
				if section != "all" && !slices.Contains(h.groups, section) {
					h.groups = append(h.groups, section)
				}
				for k, v := range vars {
					h.vars[k] = v
				}
			}
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%s: no hosts", name)
	}
	depth, err := groupDepths(groups)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	inv := &Inventory{}
	for _, ih := range order {
		all := ancestors(ih.groups, groups)
		sort.Slice(all, func(i, j int) bool {
			if depth[all[i]] != depth[all[j]] {
				return depth[all[i]] < depth[all[j]]
			}
			return all[i] < all[j]
		})
		vars := merge(groups["all"].vars, nil)
		for _, g := range all {
			vars = merge(vars, groups[g].vars)
		}
		vars = merge(vars, ih.vars)
		h, err := iniToHost(ih, vars)
		if err != nil {
			return nil, err
		}
		// Direct groups first, then the ones inherited through :children.
		h.Groups = append([]string(nil), ih.groups...)
		for _, g := range all {
			if !slices.Contains(h.Groups, g) {
				h.Groups = append(h.Groups, g)
			}
		}
		inv.Hosts = append(inv.Hosts, h)
	}
	return inv, nil
}

func checkGroupName(g string) error {
	if g == "" {
		return fmt.Errorf("empty group name")
	}
	for _, r := range g {
		if r <= ' ' || strings.ContainsRune("[]:=#;\"'", r) {
			return fmt.Errorf("invalid character %q in group name %q", r, g)
		}
	}
	return nil
}

// ancestors returns direct plus every parent group, without "all".
func ancestors(direct []string, groups map[string]*iniGroup) []string {
	seen := map[string]bool{}
	var out []string
	var visit func(g string)
	visit = func(g string) {
		if seen[g] || g == "all" {
			return
		}
		seen[g] = true
		out = append(out, g)
		for _, p := range groups[g].parents {
			visit(p)
		}
	}
	for _, g := range direct {
		visit(g)
	}
	return out
}

// groupDepths is each group's distance from the top (the longest chain of
// parents), which orders variable precedence; a cycle is an error.
func groupDepths(groups map[string]*iniGroup) (map[string]int, error) {
	depth := map[string]int{}
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(g string) error
	visit = func(g string) error {
		switch state[g] {
		case 1:
			return fmt.Errorf("group %q is its own ancestor through :children", g)
		case 2:
			return nil
		}
		state[g] = 1
		d := 1
		for _, p := range groups[g].parents {
			if err := visit(p); err != nil {
				return err
			}
			d = max(d, depth[p]+1)
		}
		depth[g] = d
		state[g] = 2
		return nil
	}
	for _, g := range sortedKeys(groups) {
		if err := visit(g); err != nil {
			return nil, err
		}
	}
	return depth, nil
}

func iniToHost(ih *iniHost, vars map[string]string) (*Host, error) {
	user, host, port, err := ParseHostPort(ih.name)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", ih.source, err)
	}
	if user != "" {
		return nil, fmt.Errorf("%s: %q: use ansible_user=, not user@host", ih.source, ih.name)
	}
	h := &Host{Name: ih.name, Address: host, Port: port, Source: ih.source}
	for _, k := range sortedKeys(vars) {
		v := vars[k]
		switch k {
		case "ansible_host", "ansible_ssh_host":
			if err := checkHostName(v); err != nil {
				return nil, fmt.Errorf("%s: %s: %v", ih.source, k, err)
			}
			h.Address = v
		case "ansible_port", "ansible_ssh_port":
			if h.Port, err = parsePort(v); err != nil {
				return nil, fmt.Errorf("%s: %s: %v", ih.source, k, err)
			}
		case "ansible_user", "ansible_ssh_user":
			h.User = v
		case "ansible_ssh_private_key_file":
			h.IdentityFiles = []string{v}
		case "data_address":
			if err := checkHostName(v); err != nil {
				return nil, fmt.Errorf("%s: %s: %v", ih.source, k, err)
			}
			h.DataAddress = v
		default:
			if l, ok := strings.CutPrefix(k, "label_"); ok && l != "" {
				if h.Labels == nil {
					h.Labels = map[string]string{}
				}
				h.Labels[l] = v
				continue
			}
			if h.Vars == nil {
				h.Vars = map[string]string{}
			}
			h.Vars[k] = v
		}
	}
	return h, nil
}

// splitWords splits a line as a shell would: whitespace separates words,
// single quotes keep everything, double quotes and backslashes escape.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unclosed ' in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unclosed \" in %q", s)
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// expandRange expands Ansible host ranges: "web[01:03]" is web01, web02,
// web03 (the width of the start is kept), "db-[a:c]" db-a, db-b, db-c, and
// "[0:10:5]" steps by 5. A bracket that holds no ":" is left alone, so
// that "[::1]:22" and "[v6]" stay addresses.
func expandRange(pattern string) ([]string, error) {
	open := strings.IndexByte(pattern, '[')
	if open < 0 {
		return []string{pattern}, nil
	}
	end := strings.IndexByte(pattern[open:], ']')
	if end < 0 {
		return nil, fmt.Errorf("unclosed [ in host pattern %q", pattern)
	}
	end += open
	inner := pattern[open+1 : end]
	parts := strings.Split(inner, ":")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") || net.ParseIP(inner) != nil {
		// Not a range: an IPv6 literal, or a mistake that the host name
		// check will report.
		return []string{pattern}, nil
	}
	prefix, suffix := pattern[:open], pattern[end+1:]
	rest, err := expandRange(suffix)
	if err != nil {
		return nil, err
	}
	step := 1
	if len(parts) == 3 {
		if step, err = strconv.Atoi(parts[2]); err != nil || step <= 0 {
			return nil, fmt.Errorf("invalid step %q in host pattern %q", parts[2], pattern)
		}
	}
	var items []string
	lo, hi := parts[0], parts[1]
	if a, errA := strconv.Atoi(lo); errA == nil {
		b, errB := strconv.Atoi(hi)
		if errB != nil || b < a || a < 0 {
			return nil, fmt.Errorf("invalid range [%s] in host pattern %q", inner, pattern)
		}
		if (b-a)/step+1 > maxRangeHosts {
			return nil, fmt.Errorf("range [%s] in host pattern %q is too large", inner, pattern)
		}
		width := 0
		if len(lo) > 1 && lo[0] == '0' {
			width = len(lo)
		}
		for n := a; n <= b; n += step {
			items = append(items, fmt.Sprintf("%0*d", width, n))
		}
	} else {
		if len(lo) != 1 || len(hi) != 1 || !isLetter(lo[0]) || !isLetter(hi[0]) || hi[0] < lo[0] {
			return nil, fmt.Errorf("invalid range [%s] in host pattern %q", inner, pattern)
		}
		for c := int(lo[0]); c <= int(hi[0]); c += step {
			items = append(items, string(rune(c)))
		}
	}
	if len(items)*len(rest) > maxRangeHosts {
		return nil, fmt.Errorf("host pattern %q expands to too many hosts", pattern)
	}
	var out []string
	for _, it := range items {
		for _, r := range rest {
			out = append(out, prefix+it+r)
		}
	}
	return out, nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
