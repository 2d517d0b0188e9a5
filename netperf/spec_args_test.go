package netperf

import (
	"reflect"
	"strings"
	"testing"

	"nperf/result"
)

// TestArgsRoundTrip checks that ParseArgs reads back every Spec Args writes.
func TestArgsRoundTrip(t *testing.T) {
	cpu := func(n int) *int { return &n }
	base := func(test string) result.Spec {
		return result.Spec{Test: test, Port: DefaultPort, LengthSeconds: 10}
	}
	with := func(s result.Spec, f func(*result.Spec)) result.Spec { f(&s); return s }
	cases := []struct {
		name string
		spec result.Spec
	}{
		{"defaults", base("TCP_STREAM")},
		{"host port length", with(base("TCP_STREAM"), func(s *result.Spec) { s.Host, s.Port, s.LengthSeconds = "srv.example", 5000, 3 })},
		{"ipv6", with(base("TCP_RR"), func(s *result.Spec) { s.Host, s.Family, s.LocalHost = "::1", "inet6", "::1" })},
		{"ipv4 family", with(base("UDP_RR"), func(s *result.Spec) { s.Host, s.Family = "localhost", "inet" })},
		{"count-based", with(base("TCP_RR"), func(s *result.Spec) { s.LengthSeconds, s.LengthUnits = 0, 100000 })},
		{"stream sizes", with(base("TCP_STREAM"), func(s *result.Spec) {
			s.SendSize, s.RemoteSendSize, s.RemoteRecvSize, s.RecvSize = 65536, 1000, 8192, 4096
		})},
		{"send size only", with(base("TCP_MAERTS"), func(s *result.Spec) { s.SendSize = 1400 })},
		{"remote sizes only", with(base("UDP_STREAM"), func(s *result.Spec) { s.RemoteSendSize, s.RecvSize = 1024, 2048 })},
		{"equal -m pair", with(base("TCP_STREAM"), func(s *result.Spec) { s.SendSize, s.RemoteSendSize = 512, 512 })},
		{"buffers", with(base("TCP_STREAM"), func(s *result.Spec) {
			s.LocalSendBuf, s.LocalRecvBuf, s.RemoteSendBuf, s.RemoteRecvBuf = 131072, 131072, 1<<20, 65536
		})},
		{"second buffer only", with(base("TCP_STREAM"), func(s *result.Spec) { s.LocalRecvBuf, s.RemoteRecvBuf = 4096, 8192 })},
		{"rr sizes", with(base("TCP_CRR"), func(s *result.Spec) { s.RequestSize, s.ResponseSize = 64, 1024 })},
		{"equal rr sizes", with(base("UDP_RR"), func(s *result.Spec) { s.RequestSize, s.ResponseSize = 32, 32 })},
		{"response only", with(base("TCP_RR"), func(s *result.Spec) { s.ResponseSize = 4096 })},
		{"nodelay and data ports", with(base("TCP_RR"), func(s *result.Spec) {
			s.NoDelay, s.LocalDataPort, s.RemoteDataPort = true, 40000, 40001
		})},
		{"local data port only", with(base("TCP_STREAM"), func(s *result.Spec) { s.LocalDataPort = 40000 })},
		{"remote data port only", with(base("TCP_STREAM"), func(s *result.Spec) { s.RemoteDataPort = 40001 })},
		{"cpu", with(base("TCP_STREAM"), func(s *result.Spec) { s.LocalCPU, s.RemoteCPU = true, true })},
		{"remote cpu only", with(base("TCP_RR"), func(s *result.Spec) { s.RemoteCPU = true })},
		{"bind both", with(base("TCP_STREAM"), func(s *result.Spec) { s.CPUBind, s.RemoteCPUBind = cpu(0), cpu(3) })},
		{"bind same", with(base("TCP_STREAM"), func(s *result.Spec) { s.CPUBind, s.RemoteCPUBind = cpu(1), cpu(1) })},
		{"bind local only", with(base("TCP_RR"), func(s *result.Spec) { s.CPUBind = cpu(2) })},
		{"bind remote only", with(base("TCP_RR"), func(s *result.Spec) { s.RemoteCPUBind = cpu(0) })},
		{"confidence", with(base("TCP_STREAM"), func(s *result.Spec) {
			s.IterationsMax, s.IterationsMin, s.ConfidenceLevel, s.ConfidenceWidthPercent = 10, 3, 99, 5
		})},
		{"confidence 95 fractional width", with(base("TCP_RR"), func(s *result.Spec) {
			s.IterationsMax, s.IterationsMin, s.ConfidenceLevel, s.ConfidenceWidthPercent = 30, 30, 95, 2.5
		})},
		{"everything", result.Spec{
			Test: "TCP_RR", Host: "10.0.0.2", Port: 12866, Family: "inet", LocalHost: "10.0.0.1", LengthSeconds: 60,
			RequestSize: 100, ResponseSize: 200, LocalSendBuf: 1 << 20, LocalRecvBuf: 2 << 20, RemoteSendBuf: 3 << 20, RemoteRecvBuf: 4 << 20,
			NoDelay: true, LocalDataPort: 5001, RemoteDataPort: 5002, LocalCPU: true, RemoteCPU: true,
			CPUBind: cpu(1), RemoteCPUBind: cpu(2), IterationsMax: 5, IterationsMin: 3, ConfidenceLevel: 95, ConfidenceWidthPercent: 10,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := Args(&c.spec)
			inv, err := ParseArgs(args)
			if err != nil {
				t.Fatalf("ParseArgs(%q): %v", args, err)
			}
			if !reflect.DeepEqual(inv.Spec, c.spec) {
				t.Errorf("ParseArgs(%q).Spec =\n%+v\nwant\n%+v", args, inv.Spec, c.spec)
			}
		})
	}
}

// TestArgsForms checks the exact words of a few command lines, including
// the pairs only netperf's syntax can express.
func TestArgsForms(t *testing.T) {
	cpu := 4
	cases := []struct {
		name string
		spec result.Spec
		want string
	}{
		{"zero spec", result.Spec{}, ""},
		{"no test options", result.Spec{Test: "TCP_RR", Host: "h", Port: 12865, LengthSeconds: 2}, "-t TCP_RR -H h -p 12865 -l 2"},
		{"send buffer alone", result.Spec{Test: "TCP_STREAM", LocalSendBuf: 65536}, "-t TCP_STREAM -- -s 65536,"},
		{"request alone", result.Spec{Test: "TCP_RR", RequestSize: 64}, "-t TCP_RR -- -r 64,"},
		{"local bind alone", result.Spec{Test: "TCP_RR", CPUBind: &cpu}, "-t TCP_RR -T 4,"},
		{"count", result.Spec{Test: "TCP_STREAM", LengthUnits: 1 << 20}, "-t TCP_STREAM -l -1048576"},
		{"interval has no option", result.Spec{Test: "TCP_STREAM", IntervalMS: 250}, "-t TCP_STREAM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := strings.Join(Args(&c.spec), " "); got != c.want {
				t.Errorf("Args = %q, want %q", got, c.want)
			}
		})
	}
}
