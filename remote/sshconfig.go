package remote

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// SSHConfig is the part of an OpenSSH client configuration (~/.ssh/config)
// that decides where and as whom to connect: Host blocks with HostName,
// User, Port and IdentityFile. Other keywords are read and ignored; Match
// blocks are skipped, since their conditions cannot be evaluated here.
type SSHConfig struct {
	blocks []sshBlock
}

type sshBlock struct {
	patterns []string // nil: applies to every host (before any Host line)
	skip     bool     // a Match block
	// guards are the patterns of the blocks that Included the file this
	// block is in: all must match too.
	guards   [][]string
	settings []sshSetting
}

type sshSetting struct {
	key    string // lower case
	value  string
	source string // file:line
}

// SSHSettings is what an SSHConfig says about one host alias.
type SSHSettings struct {
	HostName      string // "" when not set
	User          string
	Port          int // 0 when not set
	IdentityFiles []string
}

// maxIncludeDepth bounds Include recursion, as OpenSSH does.
const maxIncludeDepth = 16

// ParseSSHConfig reads an ssh_config file. Include lines are an error
// here, since resolving them reads other files: LoadSSHConfig does.
func ParseSSHConfig(data []byte, name string) (*SSHConfig, error) {
	c := &SSHConfig{}
	err := c.parse(data, name, nil, 0, nil, false)
	return c, err
}

// LoadSSHConfig reads an ssh_config file and the files it Includes
// (relative names are under ~/.ssh, glob patterns allowed). A missing
// file is an empty configuration.
func LoadSSHConfig(file string) (*SSHConfig, error) {
	c := &SSHConfig{}
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	return c, c.parse(data, file, readInclude, 0, nil, false)
}

func readInclude(pattern string, depth int) ([]string, error) {
	if strings.HasPrefix(pattern, "~/") {
		home, _ := os.UserHomeDir()
		pattern = filepath.Join(home, pattern[2:])
	} else if !filepath.IsAbs(pattern) {
		home, _ := os.UserHomeDir()
		pattern = filepath.Join(home, ".ssh", pattern)
	}
	return filepath.Glob(pattern)
}

func (c *SSHConfig) parse(data []byte, name string, include func(string, int) ([]string, error), depth int, guards [][]string, skip bool) error {
	if depth > maxIncludeDepth {
		return fmt.Errorf("%s: Include nested too deeply", name)
	}
	if len(c.blocks) == 0 {
		c.blocks = append(c.blocks, sshBlock{})
	}
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, 1<<20)
	line := 0
	for s.Scan() {
		line++
		where := fmt.Sprintf("%s:%d", name, line)
		key, args, err := splitConfigLine(s.Text())
		if err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		if key == "" {
			continue
		}
		if len(args) == 0 {
			return fmt.Errorf("%s: %s needs a value", where, key)
		}
		switch key {
		case "host":
			c.blocks = append(c.blocks, sshBlock{patterns: args, guards: guards, skip: skip})
		case "match":
			c.blocks = append(c.blocks, sshBlock{skip: true})
		case "include":
			if include == nil {
				return fmt.Errorf("%s: Include is not supported here", where)
			}
			for _, pat := range args {
				files, err := include(pat, depth)
				if err != nil {
					return fmt.Errorf("%s: Include %s: %v", where, pat, err)
				}
				for _, f := range files {
					b, err := os.ReadFile(f)
					if err != nil {
						return fmt.Errorf("%s: %v", where, err)
					}
					// OpenSSH reads an included file as if it were here, in
					// the current block.
					cur := len(c.blocks) - 1
					blk := c.blocks[cur]
					g := blk.guards
					if blk.patterns != nil {
						g = append(g[:len(g):len(g)], blk.patterns)
					}
					if err := c.parse(b, f, include, depth+1, g, blk.skip); err != nil {
						return err
					}
					if len(c.blocks)-1 != cur {
						c.blocks = append(c.blocks, sshBlock{patterns: blk.patterns, guards: blk.guards, skip: blk.skip})
					}
				}
			}
		case "port":
			n, err := strconv.Atoi(args[0])
			if err != nil || n <= 0 || n > 65535 {
				return fmt.Errorf("%s: invalid Port %q", where, args[0])
			}
			c.add(key, args[0], where)
		case "hostname", "user", "identityfile":
			c.add(key, args[0], where)
		}
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	return nil
}

func (c *SSHConfig) add(key, value, where string) {
	b := &c.blocks[len(c.blocks)-1]
	b.settings = append(b.settings, sshSetting{key: key, value: value, source: where})
}

// splitConfigLine returns a line's keyword, lower case, and arguments.
// "Keyword value", "Keyword=value" and double-quoted arguments are
// accepted; "#" starts a comment line.
func splitConfigLine(line string) (string, []string, error) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", nil, nil
	}
	i := strings.IndexAny(line, " \t=")
	if i < 0 {
		return strings.ToLower(line), nil, nil
	}
	key := strings.ToLower(line[:i])
	rest := strings.TrimLeft(line[i:], " \t")
	if strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	var args []string
	for rest != "" {
		var arg string
		if rest[0] == '"' {
			j := strings.IndexByte(rest[1:], '"')
			if j < 0 {
				return "", nil, fmt.Errorf("unclosed quote")
			}
			arg, rest = rest[1:1+j], rest[2+j:]
		} else {
			j := strings.IndexAny(rest, " \t")
			if j < 0 {
				j = len(rest)
			}
			arg, rest = rest[:j], rest[j:]
		}
		if strings.HasPrefix(arg, "#") && args != nil {
			break
		}
		args = append(args, arg)
		rest = strings.TrimLeft(rest, " \t")
	}
	return key, args, nil
}

// Lookup returns the settings for a host alias, as ssh would use them:
// the first value found for each keyword wins, IdentityFiles accumulate.
// HostName's %h is replaced by the alias; IdentityFile's ~, %d (home),
// %u (local user), %h (host name) and %r (remote user) are expanded.
func (c *SSHConfig) Lookup(alias string) SSHSettings {
	var out SSHSettings
	if c == nil {
		return out
	}
	var identity []string
	for _, b := range c.blocks {
		if !b.applies(alias) {
			continue
		}
		for _, s := range b.settings {
			switch s.key {
			case "hostname":
				if out.HostName == "" {
					out.HostName = strings.ReplaceAll(strings.ReplaceAll(s.value, "%h", alias), "%%", "%")
				}
			case "user":
				if out.User == "" {
					out.User = s.value
				}
			case "port":
				if out.Port == 0 {
					out.Port, _ = strconv.Atoi(s.value)
				}
			case "identityfile":
				identity = append(identity, s.value)
			}
		}
	}
	host := out.HostName
	if host == "" {
		host = alias
	}
	for _, f := range identity {
		if strings.EqualFold(f, "none") {
			continue
		}
		out.IdentityFiles = append(out.IdentityFiles, ExpandPath(f, host, out.User))
	}
	return out
}

func (b *sshBlock) applies(alias string) bool {
	if b.skip || b.patterns != nil && !matchHost(b.patterns, alias) {
		return false
	}
	for _, g := range b.guards {
		if !matchHost(g, alias) {
			return false
		}
	}
	return true
}

// ExpandPath expands a leading ~ and the tokens %d (home), %u (local
// user), %h (remote host), %r (remote user) and %% in a local path.
func ExpandPath(p, host, remoteUser string) string {
	home, _ := os.UserHomeDir()
	if p == "~" || strings.HasPrefix(p, "~/") {
		p = home + p[1:]
	}
	if !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' || i+1 == len(p) {
			b.WriteByte(p[i])
			continue
		}
		i++
		switch p[i] {
		case 'd':
			b.WriteString(home)
		case 'u':
			b.WriteString(localUser())
		case 'h':
			b.WriteString(host)
		case 'r':
			b.WriteString(remoteUser)
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(p[i])
		}
	}
	return b.String()
}

func localUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return os.Getenv("LOGNAME")
}

// matchHost applies a Host line's patterns: any positive match and no
// negated ("!pattern") match. Matching ignores case, as ssh's does.
func matchHost(patterns []string, host string) bool {
	host = strings.ToLower(host)
	matched := false
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		p = strings.ToLower(strings.TrimPrefix(p, "!"))
		// path.Match knows * and ? as ssh does; ssh has no [classes], so
		// brackets are matched literally.
		p = strings.NewReplacer(`[`, `\[`, `]`, `\]`, `\`, `\\`).Replace(p)
		ok, err := path.Match(p, host)
		if err != nil || !ok {
			continue
		}
		if neg {
			return false
		}
		matched = true
	}
	return matched
}
