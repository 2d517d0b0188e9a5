package netperf

import (
	"strconv"

	"nperf/result"
)

// Args is the netperf 2.7 command line that runs spec: global options, then
// "--" and the test options, without the program name. It is what the
// external engine hands to a real netperf binary, and the inverse of
// ParseArgs: for every Spec that ParseArgs produces, ParseArgs(Args(s))
// gives s back.
//
// Zero fields are left out and mean netperf's defaults, so a Spec with
// Port 0 comes back with DefaultPort. IntervalMS has no netperf option
// (netperf's -D only prints interim results, and the caller chooses how);
// it is left out. The value pairs of -s, -S and -r are set both at once by
// a lone value, so a pair with only its first value set is written
// netperf's way for "the first only", "64K,"; ParseArgs refuses that form
// as a value cut off by mistake, so such a Spec does not round-trip.
func Args(spec *result.Spec) []string {
	var g, t []string
	opt := func(dst *[]string, name, val string) {
		if val != "" {
			*dst = append(*dst, name, val)
		}
	}
	flag := func(dst *[]string, name string, on bool) {
		if on {
			*dst = append(*dst, name)
		}
	}

	opt(&g, "-t", spec.Test)
	opt(&g, "-H", spec.Host)
	if spec.Port != 0 {
		opt(&g, "-p", strconv.Itoa(spec.Port))
	}
	switch spec.Family {
	case "inet":
		g = append(g, "-4")
	case "inet6":
		g = append(g, "-6")
	}
	opt(&g, "-L", spec.LocalHost)
	switch {
	case spec.LengthUnits > 0:
		opt(&g, "-l", strconv.FormatInt(-spec.LengthUnits, 10))
	case spec.LengthSeconds > 0:
		opt(&g, "-l", strconv.Itoa(spec.LengthSeconds))
	}
	flag(&g, "-c", spec.LocalCPU)
	flag(&g, "-C", spec.RemoteCPU)
	opt(&g, "-T", pair(cpuNumber(spec.CPUBind), cpuNumber(spec.RemoteCPUBind), true))
	if spec.IterationsMax > 1 {
		opt(&g, "-i", strconv.Itoa(spec.IterationsMax)+","+strconv.Itoa(max(spec.IterationsMin, 1)))
	}
	if spec.ConfidenceLevel != 0 {
		v := strconv.Itoa(spec.ConfidenceLevel)
		if spec.ConfidenceWidthPercent > 0 {
			v += "," + strconv.FormatFloat(spec.ConfidenceWidthPercent, 'f', -1, 64)
		}
		opt(&g, "-I", v)
	}

	// -m and -M set only the first value when given one (netperf's
	// break_args_explicit); -s, -S, -r and -P set both.
	opt(&t, "-m", pair(size(spec.SendSize), size(spec.RemoteSendSize), false))
	opt(&t, "-M", pair(size(spec.RemoteRecvSize), size(spec.RecvSize), false))
	opt(&t, "-s", pair(size(spec.LocalSendBuf), size(spec.LocalRecvBuf), true))
	opt(&t, "-S", pair(size(spec.RemoteSendBuf), size(spec.RemoteRecvBuf), true))
	opt(&t, "-r", pair(size(spec.RequestSize), size(spec.ResponseSize), true))
	if spec.Burst > 0 {
		opt(&t, "-b", strconv.Itoa(spec.Burst))
	}
	flag(&t, "-D", spec.NoDelay)
	opt(&t, "-P", pair(size(spec.LocalDataPort), size(spec.RemoteDataPort), true))
	if len(t) == 0 {
		return g
	}
	return append(append(g, "--"), t...)
}

// pair writes a netperf value pair: "a,b", ",b" for the second alone, and
// for the first alone "a" where a lone value sets only the first (-m, -M)
// or "a," where it would set both (-s, -S, -r, -P, -T). An equal pair of
// the second kind is written once. "" when neither is set.
func pair(a, b string, loneSetsBoth bool) string {
	switch {
	case a == "" && b == "":
		return ""
	case b == "":
		if loneSetsBoth {
			return a + ","
		}
		return a
	case a == "":
		return "," + b
	case a == b && loneSetsBoth:
		return a
	}
	return a + "," + b
}

// size is a size or port for pair: "" when not set.
func size(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func cpuNumber(c *int) string {
	if c == nil {
		return ""
	}
	return strconv.Itoa(*c)
}
