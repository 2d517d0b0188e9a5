package remote

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sampleSSHConfig = `# global
IdentityFile ~/.ssh/global_key

Host lab-* !lab-bastion
    HostName %h.lab.example.com
    User perf
    Port 2222
    IdentityFile ~/.ssh/lab_%r

Host lab-bastion
    HostName=bastion.example.com
    User "admin user"

Match host *.example.com
    User never

Host *
    User fallback
    Port 22
    IdentityFile /keys/%h
`

func TestSSHConfigLookup(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	c, err := ParseSSHConfig([]byte(sampleSSHConfig), "config")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		alias string
		want  SSHSettings
	}{
		{"lab-c1", SSHSettings{HostName: "lab-c1.lab.example.com", User: "perf", Port: 2222,
			IdentityFiles: []string{"/home/u/.ssh/global_key", "/home/u/.ssh/lab_perf", "/keys/lab-c1.lab.example.com"}}},
		{"LAB-C2", SSHSettings{HostName: "LAB-C2.lab.example.com", User: "perf", Port: 2222,
			IdentityFiles: []string{"/home/u/.ssh/global_key", "/home/u/.ssh/lab_perf", "/keys/LAB-C2.lab.example.com"}}},
		{"lab-bastion", SSHSettings{HostName: "bastion.example.com", User: "admin user", Port: 22,
			IdentityFiles: []string{"/home/u/.ssh/global_key", "/keys/bastion.example.com"}}},
		{"other", SSHSettings{User: "fallback", Port: 22, IdentityFiles: []string{"/home/u/.ssh/global_key", "/keys/other"}}},
	}
	for _, tc := range cases {
		t.Run(tc.alias, func(t *testing.T) {
			if got := c.Lookup(tc.alias); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Lookup(%q) =\n %+v\nwant\n %+v", tc.alias, got, tc.want)
			}
		})
	}
	var none *SSHConfig
	if got := none.Lookup("x"); !reflect.DeepEqual(got, SSHSettings{}) {
		t.Errorf("nil config: %+v", got)
	}
}

func TestSSHConfigErrors(t *testing.T) {
	cases := map[string]string{
		"Port x\n":             "c:1: invalid Port",
		"Host a\n  User\n":     "c:2: user needs a value",
		"HostName \"a\n":       "c:1: unclosed quote",
		"Include other.conf\n": "c:1: Include is not supported here",
		"Host a\n  Port 0\n":   "c:2: invalid Port",
		"Host\n":               "c:1: host needs a value",
		"User a # comment\n":   "",
		"\tUser = x\n\n  \t\n": "",
	}
	for in, want := range cases {
		_, err := ParseSSHConfig([]byte(in), "c")
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("ParseSSHConfig(%q) err = %v, want %q", in, err, want)
		}
	}
}

func TestLoadSSHConfigInclude(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	dir := filepath.Join(home, ".ssh")
	os.MkdirAll(filepath.Join(dir, "conf.d"), 0o700)
	os.WriteFile(filepath.Join(dir, "config"), []byte("Host a\n  Include conf.d/*.conf\n  User ua\nHost *\n  User any\n"), 0o600)
	// Inside "Host a": its top-level lines apply to a only, and its own
	// Host blocks need a to match too.
	os.WriteFile(filepath.Join(dir, "conf.d", "x.conf"), []byte("Port 2200\nHost b\n  HostName never\nHost a*\n  HostName a.example.com\n"), 0o600)
	c, err := LoadSSHConfig(filepath.Join(dir, "config"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Lookup("a"); got.Port != 2200 || got.HostName != "a.example.com" || got.User != "ua" {
		t.Errorf("a: %+v", got)
	}
	if got := c.Lookup("b"); got.Port != 0 || got.HostName != "" || got.User != "any" {
		t.Errorf("b: %+v", got)
	}
	if c, err := LoadSSHConfig(filepath.Join(dir, "missing")); err != nil || c.Lookup("a").User != "" {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParseSSHConfig(f *testing.F) {
	f.Add([]byte(sampleSSHConfig))
	f.Add([]byte("Host=\"a b\" c\nPort=1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseSSHConfig(b, "f")
		if err != nil {
			return
		}
		s := c.Lookup("host-1")
		if s.Port < 0 || s.Port > 65535 {
			t.Fatalf("port %d", s.Port)
		}
	})
}
