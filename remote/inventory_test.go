package remote

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func load(t *testing.T, name, group string) *Inventory {
	t.Helper()
	inv, err := Load(filepath.Join("testdata", name), group)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestParseYAML(t *testing.T) {
	inv := load(t, "hosts.yaml", "")
	want := []*Host{
		{Name: "c1", Address: "c1.mgmt.example.com", DataAddress: "192.168.50.11", User: "perf",
			IdentityFiles: []string{"~/.ssh/perf_ed25519"}, Groups: []string{"client"},
			Labels: map[string]string{"site": "lab", "rack": "r1"}, Vars: map[string]string{"nperf_path": "/usr/local/bin/nperf"},
			Source: "testdata/hosts.yaml:7"},
		{Name: "s1", Address: "2001:db8::21", Port: 2222, User: "root", IdentityFiles: []string{"~/.ssh/a", "~/.ssh/b"},
			Groups: []string{"server", "client"}, Labels: map[string]string{"site": "lab"},
			Vars: map[string]string{"nperf_path": "/opt/nperf"}, Source: "testdata/hosts.yaml:12"},
		{Name: "s2.example.com", Address: "s2.example.com", User: "perf", IdentityFiles: []string{"~/.ssh/perf_ed25519"},
			Groups: []string{"server"}, Labels: map[string]string{"site": "lab"},
			Vars: map[string]string{"nperf_path": "/usr/local/bin/nperf"}, Source: "testdata/hosts.yaml:19"},
	}
	if !reflect.DeepEqual(inv.Hosts, want) {
		for i := range inv.Hosts {
			t.Errorf("host %d:\n got %+v", i, *inv.Hosts[i])
		}
		t.Fatal("mismatch")
	}
	if got := names(inv.Group("client")); got != "c1 s1" {
		t.Errorf("clients = %s", got)
	}
	if inv.Hosts[0].TestAddress() != "192.168.50.11" || inv.Hosts[2].TestAddress() != "s2.example.com" {
		t.Error("TestAddress")
	}
}

func names(hs []*Host) string {
	var s []string
	for _, h := range hs {
		s = append(s, h.Name)
	}
	return strings.Join(s, " ")
}

func TestParseINI(t *testing.T) {
	inv := load(t, "hosts.ini", "")
	if got := names(inv.Hosts); got != "bastion.example.com c01.example.com c02.example.com c03.example.com c10 s1 [2001:db8::5]:2222" {
		t.Fatalf("hosts = %s", got)
	}
	c10 := inv.Lookup("c10")
	want := &Host{Name: "c10", Address: "10.0.0.10", Port: 2200, User: "root", DataAddress: "192.168.1.10",
		IdentityFiles: []string{"~/.ssh/lab"}, Groups: []string{"clients", "lab"},
		Labels: map[string]string{"rack": "rack 7"}, Vars: map[string]string{"nperf_path": "/opt/nperf"},
		Source: "testdata/hosts.ini:6"}
	if !reflect.DeepEqual(c10, want) {
		t.Errorf("c10 =\n %+v\nwant\n %+v", *c10, *want)
	}
	// Host variables beat group variables, child groups beat parents.
	if h := inv.Lookup("c02.example.com"); h.User != "perf" || h.Vars["nperf_path"] != "/opt/nperf" {
		t.Errorf("c02 = %+v", *h)
	}
	if h := inv.Lookup("s1"); h.Vars["nperf_path"] != "/srv/nperf" || h.User != "root" || h.Address != "10.0.0.21" {
		t.Errorf("s1 = %+v", *h)
	}
	if h := inv.Lookup("[2001:db8::5]:2222"); h.Address != "2001:db8::5" || h.Port != 2222 {
		t.Errorf("v6 = %+v", *h)
	}
	if h := inv.Lookup("bastion.example.com"); !reflect.DeepEqual(h.Groups, []string{"ungrouped"}) {
		t.Errorf("bastion groups = %v", h.Groups)
	}
	if got := names(inv.Group("servers")); got != "s1 [2001:db8::5]:2222" {
		t.Errorf("servers = %s", got)
	}
}

func TestParseList(t *testing.T) {
	inv := load(t, "clients.txt", "client")
	want := []*Host{
		{Name: "10.0.0.11", Address: "10.0.0.11", User: "perf", Groups: []string{"client"}, Labels: map[string]string{"rack": "r1"}, Source: "testdata/clients.txt:2"},
		{Name: "c2", Address: "10.0.0.12", Port: 2222, DataAddress: "192.168.50.12", Groups: []string{"client"}, Source: "testdata/clients.txt:3"},
		{Name: "[2001:db8::1]:22", Address: "2001:db8::1", Port: 22, Groups: []string{"client"}, Source: "testdata/clients.txt:5"},
		{Name: "2001:db8::2", Address: "2001:db8::2", Groups: []string{"client"}, Source: "testdata/clients.txt:6"},
	}
	if !reflect.DeepEqual(inv.Hosts, want) {
		for i := range inv.Hosts {
			t.Errorf("host %d: %+v", i, *inv.Hosts[i])
		}
	}
}

func TestInventoryErrors(t *testing.T) {
	cases := []struct {
		name, file, data, want string
	}{
		{"yaml unknown field", "h.yaml", "hosts:\n  - name: a\n    adress: x\n", "h.yaml:3: field adress not found"},
		{"yaml bad port", "h.yaml", "hosts:\n  - name: a\n    port: 70000\n", "h.yaml:2: invalid port 70000"},
		{"yaml port type", "h.yaml", "hosts:\n  - name: a\n    port: ssh\n", "h.yaml:3: cannot unmarshal"},
		{"yaml duplicate", "h.yaml", "hosts:\n  - name: a\n  - name: a\n", `h.yaml:3: host "a" defined twice (first at h.yaml:2)`},
		{"yaml no name", "h.yaml", "hosts:\n  - roles: [client]\n", "h.yaml:2: empty host name"},
		{"yaml no hosts", "h.yaml", "defaults: {user: x}\n", "h.yaml: no hosts"},
		{"yaml syntax", "h.yaml", "hosts: [\n", "h.yaml:1:"},
		{"yaml bad address", "h.yaml", "hosts:\n  - address: 'a;rm'\n", `h.yaml:2: address: invalid character ';'`},
		{"list bad port", "c.txt", "a\nb:0\n", `c.txt:2: invalid port "0"`},
		{"list junk", "c.txt", "a b\n", `c.txt:1: "b": want key=value`},
		{"list twice", "c.txt", "a\n# x\na\n", `c.txt:3: host "a" listed twice (first at c.txt:1)`},
		{"list empty user", "c.txt", "@a\n", "c.txt:1: empty user"},
		{"ini bad section", "i.ini", "[a:foo]\nx\n", `i.ini:1: unknown section kind "foo"`},
		{"ini bad range", "i.ini", "[a]\nweb[3:1]\n", `i.ini:2: invalid range [3:1]`},
		{"ini huge range", "i.ini", "[a]\nweb[0:99999999]\n", "too large"},
		{"ini cycle", "i.ini", "[a:children]\nb\n[b:children]\na\n[a]\nh\n", "its own ancestor"},
		{"ini bad port", "i.ini", "[a]\nh ansible_port=x\n", `i.ini:2: ansible_port: invalid port "x"`},
		{"ini unclosed quote", "i.ini", "[a]\nh x='y\n", "i.ini:2: unclosed '"},
		{"ini no hosts", "i.ini", "[a]\n", "i.ini: no hosts"},
		{"ini user@", "i.ini", "u@h\n", "use ansible_user="},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.data), c.file, DetectFormat(c.file, []byte(c.data)), "g")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestDetectFormat(t *testing.T) {
	cases := []struct {
		name, data string
		want       Format
	}{
		{"hosts.yml", "", FormatYAML},
		{"inv.ini", "", FormatINI},
		{"inventory", "# c\n[web]\na\n", FormatINI},
		{"inventory", "[web:vars]\n", FormatINI},
		{"inventory", "\nhosts:\n  - name: a\n", FormatYAML},
		{"clients", "# c\nhost1\n", FormatList},
		{"clients", "[::1]:22\n", FormatList},
	}
	for _, c := range cases {
		if got := DetectFormat(c.name, []byte(c.data)); got != c.want {
			t.Errorf("DetectFormat(%q, %q) = %s, want %s", c.name, c.data, got, c.want)
		}
	}
}

func TestInventoryAdd(t *testing.T) {
	a, _ := ParseList([]byte("h1\nh2\n"), "clients", "client")
	b, _ := ParseList([]byte("h2\nh3\n"), "servers", "server")
	if err := a.Add(b); err != nil {
		t.Fatal(err)
	}
	if got := names(a.Group("client")) + "|" + names(a.Group("server")); got != "h1 h2|h2 h3" {
		t.Errorf("groups %s", got)
	}
	c, _ := ParseList([]byte("u@h1\n"), "other", "server")
	if err := a.Add(c); err == nil || !strings.Contains(err.Error(), `other:1: host "h1" is already defined differently at clients:1`) {
		t.Errorf("err = %v", err)
	}
}

func TestExpandRange(t *testing.T) {
	cases := map[string]string{
		"web[1:3]":         "web1 web2 web3",
		"web[08:10].x":     "web08.x web09.x web10.x",
		"db-[a:c]":         "db-a db-b db-c",
		"n[0:10:5]":        "n0 n5 n10",
		"r[1:2]-[a:b]":     "r1-a r1-b r2-a r2-b",
		"[::1]:22":         "[::1]:22",
		"[fe80::1]":        "[fe80::1]",
		"[2001:db8::1]:22": "[2001:db8::1]:22",
	}
	for in, want := range cases {
		got, err := expandRange(in)
		if err != nil || strings.Join(got, " ") != want {
			t.Errorf("expandRange(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
}

func TestParseHostPort(t *testing.T) {
	cases := []struct {
		in, user, host string
		port           int
		err            bool
	}{
		{"h", "", "h", 0, false},
		{"u@h:22", "u", "h", 22, false},
		{"u@x@h", "u@x", "h", 0, false},
		{"[::1]:2222", "", "::1", 2222, false},
		{"::1", "", "::1", 0, false},
		{"[::1]", "", "::1", 0, false},
		{"h:", "", "", 0, true},
		{"h:99999", "", "", 0, true},
		{"a:b:c", "", "", 0, true},
		{"[::1]x", "", "", 0, true},
		{"h;ls", "", "", 0, true},
	}
	for _, c := range cases {
		u, h, p, err := ParseHostPort(c.in)
		if (err != nil) != c.err || !c.err && (u != c.user || h != c.host || p != c.port) {
			t.Errorf("ParseHostPort(%q) = %q %q %d %v", c.in, u, h, p, err)
		}
	}
}

// checkInventory holds for every inventory a parser returns.
func checkInventory(t *testing.T, inv *Inventory) {
	seen := map[string]bool{}
	for _, h := range inv.Hosts {
		if h.Name == "" || seen[h.Name] {
			t.Fatalf("empty or duplicate name %q", h.Name)
		}
		seen[h.Name] = true
		if err := checkHostName(h.SSHAddress()); err != nil {
			t.Fatalf("host %q: %v", h.Name, err)
		}
		if h.Port < 0 || h.Port > 65535 {
			t.Fatalf("port %d", h.Port)
		}
	}
}

func seeds(f *testing.F, files ...string) {
	for _, n := range files {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParseYAML(f *testing.F) {
	seeds(f, "hosts.yaml")
	f.Add([]byte("hosts:\n  - {name: a, roles: x}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if inv, err := ParseYAML(b, "f"); err == nil {
			checkInventory(t, inv)
		}
	})
}

func FuzzParseINI(f *testing.F) {
	seeds(f, "hosts.ini")
	f.Add([]byte("[a:children]\nb\n[b]\nh[1:3] x=1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if inv, err := ParseINI(b, "f"); err == nil {
			checkInventory(t, inv)
		}
	})
}

func FuzzParseList(f *testing.F) {
	seeds(f, "clients.txt")
	f.Fuzz(func(t *testing.T, b []byte) {
		if inv, err := ParseList(b, "f", "g"); err == nil {
			checkInventory(t, inv)
		}
	})
}

// The shipped examples parse, and say what their comments say.
func TestExamples(t *testing.T) {
	cases := []struct {
		file, group, clients, servers string
	}{
		{"hosts.yaml", "", "client1 client2 server2", "server1 server2"},
		{"inventory.ini", "", "web01.example.net web02.example.net web03.example.net", "db1.example.net db2.example.net"},
		{"clients.txt", "client", "perf@client1.mgmt.example.net client2", ""},
		{"servers.txt", "server", "", "perf@server1.mgmt.example.net perf@server2.mgmt.example.net"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			inv, err := Load(filepath.Join("..", "examples", c.file), c.group)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(inv.Group("client", "clients")); got != strings.ReplaceAll(c.clients, "perf@", "") {
				t.Errorf("clients = %q", got)
			}
			if got := names(inv.Group("server", "servers")); got != strings.ReplaceAll(c.servers, "perf@", "") {
				t.Errorf("servers = %q", got)
			}
			for _, h := range inv.Hosts {
				if h.TestAddress() == h.SSHAddress() && !strings.HasPrefix(h.Name, "web0") {
					t.Errorf("%s: no data address in an example that shows one", h.Name)
				}
			}
		})
	}
}
