package netperf

import (
	"strings"
	"testing"

	"nperf/internal/units"
)

func TestParseArgs(t *testing.T) {
	inv, err := ParseArgs(strings.Fields("-H ::1,6 -p 2000 -l 5 -t tcp_rr -f K -P 0 -v 0 -cC -- -r 64,1K -s 128K -S ,64K -D -P 5000,6000"))
	if err != nil {
		t.Fatal(err)
	}
	s := inv.Spec
	if s.Host != "::1" || s.Family != "inet6" || s.Port != 2000 || s.LengthSeconds != 5 || s.Test != "TCP_RR" ||
		inv.Format != units.FormatKBytes || inv.Headers || inv.Verbosity != 0 || !s.LocalCPU || !s.RemoteCPU ||
		s.RequestSize != 64 || s.ResponseSize != 1024 || s.LocalSendBuf != 128<<10 || s.LocalRecvBuf != 128<<10 ||
		s.RemoteSendBuf != 0 || s.RemoteRecvBuf != 64<<10 || !s.NoDelay || s.LocalDataPort != 5000 || s.RemoteDataPort != 6000 {
		t.Errorf("parsed %+v %+v", inv, s)
	}
	inv, err = ParseArgs([]string{"-l", "-1000", "-t", "TCP_STREAM", "--", "-m", "64K", "-M", ",8K"})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Spec.LengthUnits != 1000 || inv.Spec.LengthSeconds != 0 || inv.Spec.SendSize != 65536 || inv.Spec.RecvSize != 8192 || inv.Spec.RemoteRecvSize != 0 {
		t.Errorf("parsed %+v", inv.Spec)
	}
	inv, err = ParseArgs(nil)
	if err != nil || inv.Spec.Test != "TCP_STREAM" || inv.Spec.LengthSeconds != 10 || inv.Spec.Port != 12865 || !inv.Headers || inv.Verbosity != 1 {
		t.Errorf("defaults: %+v %v", inv, err)
	}
}

func TestParseArgsErrors(t *testing.T) {
	cases := []struct{ args, want string }{
		{"-l abc", "option -l: invalid test length"},
		{"-l 0", "option -l: a test length of 0"},
		{"-t FOO_BAR", "option -t: unknown test"},
		{"-t TCP_RR -- -r 64,", "option -- -r: \"64,\" ends in a comma"},
		{"-t TCP_RR -- -r x", "option -- -r: invalid size"},
		{"-t TCP_STREAM -- -r 64", "option -- -r: does not apply to TCP_STREAM"},
		{"-t TCP_RR -- -m 64", "option -- -m: does not apply to TCP_RR"},
		{"-t UDP_RR -- -D", "option -- -D: TCP_NODELAY does not apply"},
		{"-p 0", "option -p: invalid port"},
		{"-p", "option -p: needs a value"},
		{"-f q", "option -f: unknown unit letter"},
		{"-P 2", "option -P: want 0 or 1"},
		{"-H", "option -H: needs a value"},
		{"-H host,9", "option -H: unknown address family"},
		{"-Z secret", "option -Z: unknown or not supported"},
		{"-- -x", "option -- -x: unknown or not supported"},
		{"stray", "unexpected argument"},
		{"-t UDP_STREAM -- -m 70000", "at most 65507"},
	}
	for _, c := range cases {
		t.Run(c.args, func(t *testing.T) {
			_, err := ParseArgs(strings.Fields(c.args))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
