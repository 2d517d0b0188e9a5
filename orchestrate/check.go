package orchestrate

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"nperf/remote"
)

// A HostCheck is what Check found on one host.
type HostCheck struct {
	Host *remote.Host
	Err  error // the host could not be reached or the probe failed

	OS, Machine, Kernel string // uname -s, -m, -r
	Arch                string // Machine as a Go GOARCH ("" when unknown)

	NperfPath    string // where nperf was looked for
	NperfVersion string // its "nperf version" line; "" when not there
	NperfOnPath  string // another nperf found on the remote PATH
	Netserver    string // path of netserver on the remote PATH; "" when none
	Sha256sum    bool   // sha256sum is there (deploy needs it)

	// ClockOffset is the host's clock minus ours, measured over SSH;
	// the true offset is within ClockUncertainty of it. ClockOK is false
	// when the host's date cannot print nanoseconds.
	ClockOffset      time.Duration
	ClockUncertainty time.Duration
	ClockOK          bool
}

// Check probes every host: OS and architecture, whether nperf (and which
// version) and netserver are installed, and its clock offset. Results
// are in the order of hosts.
func (f *Fleet) Check(ctx context.Context, hosts []*remote.Host) []*HostCheck {
	out := make([]*HostCheck, len(hosts))
	f.each(len(hosts), func(i int) {
		out[i] = f.check(ctx, hosts[i])
	})
	return out
}

func (f *Fleet) check(ctx context.Context, h *remote.Host) *HostCheck {
	r := &HostCheck{Host: h, NperfPath: f.NperfPathOf(h)}
	c, err := f.Conn(ctx, h)
	if err != nil {
		r.Err = err
		return r
	}
	script := strings.Join([]string{
		`echo "os=$(uname -s)"`,
		`echo "machine=$(uname -m)"`,
		`echo "kernel=$(uname -r)"`,
		`p=` + remote.QuotePath(r.NperfPath),
		`if [ -x "$p" ]; then echo "nperf=$("$p" version 2>&1 | head -n 1)"; fi`,
		`echo "nperf_on_path=$(command -v nperf 2>/dev/null)"`,
		`echo "netserver=$(command -v netserver 2>/dev/null)"`,
		`echo "sha256sum=$(command -v sha256sum 2>/dev/null)"`,
	}, "\n")
	out, err := remote.Output(ctx, c, "sh -c "+remote.Quote(script))
	if err != nil {
		r.Err = fmt.Errorf("probe: %w", err)
		return r
	}
	kv := parseKV(string(out))
	r.OS, r.Machine, r.Kernel = kv["os"], kv["machine"], kv["kernel"]
	r.Arch = GoArch(r.Machine)
	r.NperfVersion = kv["nperf"]
	if p := kv["nperf_on_path"]; p != "" && p != r.NperfPath {
		r.NperfOnPath = p
	}
	r.Netserver = kv["netserver"]
	r.Sha256sum = kv["sha256sum"] != ""
	r.ClockOffset, r.ClockUncertainty, r.ClockOK = clockOffset(ctx, c)
	return r
}

func parseKV(s string) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// clockOffset reads the host's clock a few times over one session (a
// shell that prints the time for each line it reads), so that a reading
// costs one round trip and not a session set-up, and keeps the reading
// with the shortest round trip: the remote time is then known to within
// half that round trip of the midpoint of our own readings.
func clockOffset(ctx context.Context, c remote.Conn) (offset, uncertainty time.Duration, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, &remote.Command{Line: `while read -r _; do date +%s%N; done`, Stdin: inR, Stdout: outW})
		outW.Close()
		inR.Close()
	}()
	defer func() {
		inW.Close()
		go io.Copy(io.Discard, outR)
		<-done
	}()
	br := bufio.NewReader(outR)
	best := time.Duration(-1)
	for range 5 {
		t0 := time.Now()
		if _, err := inW.Write([]byte("\n")); err != nil {
			return 0, 0, false
		}
		line, err := br.ReadString('\n')
		t1 := time.Now()
		if err != nil {
			return 0, 0, false
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
		if err != nil || ns < 1e15 {
			return 0, 0, false // %N not supported (BusyBox): no sub-second clock
		}
		if rtt := t1.Sub(t0); best < 0 || rtt < best {
			best = rtt
			offset = time.Unix(0, ns).Sub(t0.Add(rtt / 2))
			uncertainty = rtt / 2
		}
	}
	return offset, uncertainty, true
}

// GoArch maps `uname -m` to Go's GOARCH; "" when unknown.
func GoArch(machine string) string {
	switch machine {
	case "x86_64", "amd64":
		return "amd64"
	case "aarch64", "arm64":
		return "arm64"
	case "i386", "i486", "i586", "i686":
		return "386"
	case "armv6l", "armv7l", "armv8l", "arm":
		return "arm"
	case "riscv64":
		return "riscv64"
	case "ppc64le":
		return "ppc64le"
	case "ppc64":
		return "ppc64"
	case "s390x":
		return "s390x"
	case "loongarch64":
		return "loong64"
	case "mips64":
		return "mips64"
	}
	return ""
}
