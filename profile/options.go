package profile

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"nperf/internal/units"
	"nperf/result"
)

// Limits the engine enforces, repeated here so that a profile fails
// validation instead of failing at run time.
const (
	maxMessageBytes = 64 << 20 // largest send, receive, request or response
	maxUDPPayload   = 65507    // largest UDP datagram payload
	maxBufferBytes  = 1 << 30  // largest socket buffer asked for
	maxInstances    = 1024
)

// runConfig is what one run's options build: the Spec every instance
// runs and the runner's settings.
type runConfig struct {
	spec      result.Spec
	instances int
	cpus      []int
	stagger   time.Duration
}

// An optionDef describes one test option.
type optionDef struct {
	name  string
	tests []string // the test types it applies to; nil = every test
	doc   string
	parse func(d *decoder, n *yaml.Node, test string) (any, bool)
	apply func(c *runConfig, v any)
}

var (
	streamTests = []string{"TCP_STREAM", "TCP_MAERTS", "UDP_STREAM"}
	rrTests     = []string{"TCP_RR", "TCP_CRR", "UDP_RR"}
	tcpTests    = []string{"TCP_STREAM", "TCP_MAERTS", "TCP_RR", "TCP_CRR"}
)

// options lists every test option in the order docs/profiles.md gives.
var options = []optionDef{
	{name: "instances", doc: "parallel instances of the test (1-1024), summed over their common window",
		parse: intOpt(1, maxInstances), apply: func(c *runConfig, v any) { c.instances = v.(int) }},
	{name: "cpus", doc: "pin instance i to the i-th CPU of the list: [0, 1] or \"0-3\"",
		parse: cpusOpt, apply: func(c *runConfig, v any) { c.cpus = v.([]int) }},
	{name: "stagger", doc: "start instance i at i*stagger instead of together at a barrier",
		parse: durationOpt, apply: func(c *runConfig, v any) { c.stagger = v.(time.Duration) }},
	{name: "send_size", tests: streamTests, doc: "bytes per send here (-m)",
		parse: sizeOpt(maxMessageBytes, true), apply: func(c *runConfig, v any) { c.spec.SendSize = v.(int) }},
	{name: "remote_send_size", tests: streamTests, doc: "bytes per send on the server (-m ,N)",
		parse: sizeOpt(maxMessageBytes, false), apply: func(c *runConfig, v any) { c.spec.RemoteSendSize = v.(int) }},
	{name: "recv_size", tests: streamTests, doc: "bytes per receive here (-M ,N)",
		parse: sizeOpt(maxMessageBytes, false), apply: func(c *runConfig, v any) { c.spec.RecvSize = v.(int) }},
	{name: "remote_recv_size", tests: streamTests, doc: "bytes per receive on the server (-M N)",
		parse: sizeOpt(maxMessageBytes, false), apply: func(c *runConfig, v any) { c.spec.RemoteRecvSize = v.(int) }},
	{name: "request_size", tests: rrTests, doc: "request bytes (-r N; default 1)",
		parse: sizeOpt(maxMessageBytes, true), apply: func(c *runConfig, v any) { c.spec.RequestSize = v.(int) }},
	{name: "response_size", tests: rrTests, doc: "response bytes (-r ,N; default 1)",
		parse: sizeOpt(maxMessageBytes, true), apply: func(c *runConfig, v any) { c.spec.ResponseSize = v.(int) }},
	{name: "local_send_buf", doc: "SO_SNDBUF here (-s N)",
		parse: sizeOpt(maxBufferBytes, false), apply: func(c *runConfig, v any) { c.spec.LocalSendBuf = v.(int) }},
	{name: "local_recv_buf", doc: "SO_RCVBUF here (-s ,N)",
		parse: sizeOpt(maxBufferBytes, false), apply: func(c *runConfig, v any) { c.spec.LocalRecvBuf = v.(int) }},
	{name: "remote_send_buf", doc: "SO_SNDBUF on the server (-S N)",
		parse: sizeOpt(maxBufferBytes, false), apply: func(c *runConfig, v any) { c.spec.RemoteSendBuf = v.(int) }},
	{name: "remote_recv_buf", doc: "SO_RCVBUF on the server (-S ,N)",
		parse: sizeOpt(maxBufferBytes, false), apply: func(c *runConfig, v any) { c.spec.RemoteRecvBuf = v.(int) }},
	{name: "burst", tests: []string{"TCP_RR", "UDP_RR"}, doc: "extra requests in flight from the start: netperf's first burst (-- -b N)",
		parse: intOpt(0, 1024), apply: func(c *runConfig, v any) { c.spec.Burst = v.(int) }},
	{name: "no_delay", tests: tcpTests, doc: "TCP_NODELAY on both sides (-D)",
		parse: boolOpt, apply: func(c *runConfig, v any) { c.spec.NoDelay = v.(bool) }},
	{name: "length_units", doc: "end after this many bytes (STREAM) or transactions (RR) instead of after duration (-l -N)",
		parse: intOpt(1, 1<<62), apply: func(c *runConfig, v any) { c.spec.LengthUnits = int64(v.(int)); c.spec.LengthSeconds = 0 }},
	{name: "local_cpu", doc: "measure CPU utilisation here (-c)",
		parse: boolOpt, apply: func(c *runConfig, v any) { c.spec.LocalCPU = v.(bool) }},
	{name: "remote_cpu", doc: "measure CPU utilisation on the server (-C)",
		parse: boolOpt, apply: func(c *runConfig, v any) { c.spec.RemoteCPU = v.(bool) }},
	{name: "family", doc: "address family: inet or inet6 (-4, -6)",
		parse: familyOpt, apply: func(c *runConfig, v any) { c.spec.Family = v.(string) }},
	{name: "local_host", doc: "local address for control and data connections (-L)",
		parse: stringOpt, apply: func(c *runConfig, v any) { c.spec.LocalHost = v.(string) }},
	{name: "port", doc: "server control port for hosts given without one (-p; default 12865)",
		parse: intOpt(1, 65535), apply: func(c *runConfig, v any) { c.spec.Port = v.(int) }},
	{name: "local_data_port", doc: "data port here (-P N)",
		parse: intOpt(0, 65535), apply: func(c *runConfig, v any) { c.spec.LocalDataPort = v.(int) }},
	{name: "remote_data_port", doc: "data port on the server (-P ,N)",
		parse: intOpt(0, 65535), apply: func(c *runConfig, v any) { c.spec.RemoteDataPort = v.(int) }},
}

func optionNames() []string {
	n := make([]string, len(options))
	for i, o := range options {
		n[i] = o.name
	}
	return n
}

func findOption(name string) *optionDef {
	for i := range options {
		if options[i].name == name {
			return &options[i]
		}
	}
	return nil
}

func (o *optionDef) appliesTo(test string) bool {
	if o.tests == nil || test == "" {
		return true
	}
	for _, t := range o.tests {
		if t == test {
			return true
		}
	}
	return false
}

func intOpt(lo, hi int) func(d *decoder, n *yaml.Node, test string) (any, bool) {
	return func(d *decoder, n *yaml.Node, _ string) (any, bool) {
		v, ok := d.int(n, lo, hi)
		return v, ok
	}
}

// sizeOpt reads a size in bytes: 65536, "64K" (1024s), "64k" (1000s).
// udp: on UDP tests the size is one datagram and cannot exceed 65507.
func sizeOpt(hi int, udp bool) func(d *decoder, n *yaml.Node, test string) (any, bool) {
	return func(d *decoder, n *yaml.Node, test string) (any, bool) {
		if !d.scalar(n, "a size") {
			return nil, false
		}
		v, err := units.ParseSize(n.Value)
		if err != nil {
			d.bad(n, "invalid size %q (bytes, or with a unit: 64K = 65536, 64k = 64000, 1M, 1MB)", n.Value)
			return nil, false
		}
		limit := int64(hi)
		if udp && strings.HasPrefix(test, "UDP_") {
			limit = maxUDPPayload
		}
		if v < 1 || v > limit {
			d.bad(n, "size %s out of range (1 to %d bytes)", n.Value, limit)
			return nil, false
		}
		return int(v), true
	}
}

func boolOpt(d *decoder, n *yaml.Node, _ string) (any, bool) {
	v, ok := d.bool(n)
	return v, ok
}

func durationOpt(d *decoder, n *yaml.Node, _ string) (any, bool) {
	v, ok := d.duration(n)
	return v, ok
}

func stringOpt(d *decoder, n *yaml.Node, _ string) (any, bool) {
	if !d.scalar(n, "a string") {
		return nil, false
	}
	return n.Value, true
}

func familyOpt(d *decoder, n *yaml.Node, _ string) (any, bool) {
	if !d.scalar(n, "an address family") {
		return nil, false
	}
	switch strings.ToLower(n.Value) {
	case "inet", "ipv4", "4":
		return "inet", true
	case "inet6", "ipv6", "6":
		return "inet6", true
	}
	d.bad(n, "invalid address family %q (want inet or inet6)", n.Value)
	return nil, false
}

// cpusOpt reads a CPU list: a YAML list of numbers, or "0-3,6".
func cpusOpt(d *decoder, n *yaml.Node, _ string) (any, bool) {
	var out []int
	if n.Kind == yaml.SequenceNode {
		for _, c := range n.Content {
			c = d.deref(c)
			v, ok := d.int(c, 0, 1023)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
	} else {
		if !d.scalar(n, "a CPU list") {
			return nil, false
		}
		for _, part := range strings.Split(n.Value, ",") {
			lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
			a, err := strconv.Atoi(lo)
			b := a
			if err == nil && isRange {
				b, err = strconv.Atoi(hi)
			}
			if err != nil || a < 0 || b < a || b > 1023 {
				d.bad(n, "invalid CPU list %q (for example [0, 2] or \"0-3,6\")", n.Value)
				return nil, false
			}
			for c := a; c <= b; c++ {
				out = append(out, c)
			}
		}
	}
	if len(out) == 0 {
		d.bad(n, "empty CPU list")
		return nil, false
	}
	return out, true
}

// optionText prints an option's value as a profile writes it.
func optionText(n *yaml.Node, v any) string {
	if cpus, ok := v.([]int); ok && n.Kind == yaml.SequenceNode {
		s := make([]string, len(cpus))
		for i, c := range cpus {
			s[i] = strconv.Itoa(c)
		}
		return strings.Join(s, ",")
	}
	if d, ok := v.(time.Duration); ok {
		return formatDuration(d)
	}
	return fmt.Sprint(n.Value)
}
