package netperf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"nperf/internal/units"
	"nperf/result"
)

// An Invocation is a parsed netperf command line: the test to run and how
// to print it.
type Invocation struct {
	Spec      result.Spec
	Format    units.Format // -f; FormatDefault when not given
	Verbosity int          // -v
	Headers   bool         // -P 1
	Brand     string       // -B
	PortGiven bool         // -p was given: without -H, netperf's default host (localhost) is meant
	Help      bool         // -h: print usage, run nothing
	Version   bool         // -V

	// Interim is netperf's -D: print an interim result this often while
	// the test runs. Negative is netperf's "always timestamp" mode
	// (-D -0.5); zero means none.
	Interim time.Duration

	// OmniMode is the omni output format chosen with a test option:
	// "csv" (-o), "keyval" (-k), "human" (-O); "" = classic output.
	OmniMode string
	// OmniSelection is what followed -o/-k/-O: a comma or semicolon
	// separated selector list, a file name, "all", "?" (list the
	// selectors), or "" for the test's default list.
	OmniSelection string
}

// A UsageError is a command line nperf cannot run; it names the option.
type UsageError struct {
	Option string // "-l", "-- -r", ...
	Msg    string
}

func (e *UsageError) Error() string {
	if e.Option == "" {
		return e.Msg
	}
	return "option " + e.Option + ": " + e.Msg
}

func usageErr(opt, format string, args ...any) *UsageError {
	return &UsageError{Option: opt, Msg: fmt.Sprintf(format, args...)}
}

// Global options that take a value, and those that do not. Options of
// netperf that nperf does not implement yet are refused by name rather
// than ignored, so that no one measures something other than they asked.
const (
	globalWithValue = "HpLltfPvBDiIT"
	globalFlags     = "46cChV"
	testWithValue   = "mMsSrPb"
	testFlags       = "D"
	testOptional    = "okO" // the value is optional: the next argument unless it is an option
)

// maxBurst bounds -- -b: requests in flight beyond the first.
const maxBurst = 1024

// ParseArgs parses netperf's command-line syntax: global options, then
// "--" and test-specific options. It checks every value and that each
// test option applies to the chosen test, before anything runs.
func ParseArgs(args []string) (*Invocation, error) {
	inv := &Invocation{Verbosity: 1, Headers: true}
	s := &inv.Spec
	s.Test = "TCP_STREAM"
	s.LengthSeconds = 10
	s.Port = DefaultPort

	global, test := args, []string(nil)
	for i, a := range args {
		if a == "--" {
			global, test = args[:i], args[i+1:]
			break
		}
	}
	err := getopt(global, "", globalWithValue, globalFlags, "", func(opt byte, val string) error {
		name := "-" + string(opt)
		switch opt {
		case 'H':
			host, fam := splitComma(val)
			if host == "" {
				return usageErr(name, "needs a host name or address")
			}
			s.Host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
			if fam != "" {
				f, err := parseFamily(fam)
				if err != nil {
					return usageErr(name, "%v", err)
				}
				s.Family = f
			}
		case 'p':
			p, local := splitComma(val)
			if local != "" {
				return usageErr(name, "a local control port is not supported yet")
			}
			n, err := strconv.Atoi(p)
			if err != nil || n <= 0 || n > 65535 {
				return usageErr(name, "invalid port %q", p)
			}
			s.Port = n
			inv.PortGiven = true
		case 'L':
			host, fam := splitComma(val)
			s.LocalHost = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
			if fam != "" {
				f, err := parseFamily(fam)
				if err != nil {
					return usageErr(name, "%v", err)
				}
				s.Family = f
			}
		case 'l':
			n, err := units.ParseSize(val)
			if err != nil {
				return usageErr(name, "invalid test length %q (seconds, or -N bytes/transactions)", val)
			}
			switch {
			case n > 0:
				if n > 1<<31-1 {
					return usageErr(name, "test length %d s is too long", n)
				}
				s.LengthSeconds, s.LengthUnits = int(n), 0
			case n < 0:
				s.LengthSeconds, s.LengthUnits = 0, -n
			default:
				return usageErr(name, "a test length of 0 never ends")
			}
		case 't':
			t := strings.ToUpper(val)
			if !KnownTest(t) {
				return usageErr(name, "unknown test %q (want one of %s)", val, strings.Join(result.Tests, ", "))
			}
			s.Test = t
		case 'f':
			f, err := units.ParseFormat(val)
			if err != nil {
				return usageErr(name, "%v", err)
			}
			inv.Format = f
		case 'P':
			switch val {
			case "0":
				inv.Headers = false
			case "1":
				inv.Headers = true
			default:
				return usageErr(name, "want 0 or 1, got %q", val)
			}
		case 'v':
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return usageErr(name, "invalid verbosity %q", val)
			}
			inv.Verbosity = n
		case 'T':
			a, b := splitBoth(val)
			for _, p := range []struct {
				v   string
				dst **int
			}{{a, &s.CPUBind}, {b, &s.RemoteCPUBind}} {
				if p.v == "" {
					continue
				}
				n, err := strconv.Atoi(p.v)
				if err != nil || n < 0 || n >= 1024 {
					return usageErr(name, "invalid CPU number %q", p.v)
				}
				*p.dst = &n
			}
		case 'B':
			inv.Brand = val
		case 'D':
			v, _ := splitComma(val) // netperf's optional ",units" suffix is not used
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f == 0 || math.Abs(f) > 3600 || math.IsNaN(f) {
				return usageErr(name, "invalid interim interval %q (seconds, for example 1 or 0.5; negative = always timestamp)", val)
			}
			inv.Interim = time.Duration(f * float64(time.Second))
			if d := inv.Interim; d > -10*time.Millisecond && d < 10*time.Millisecond {
				return usageErr(name, "interim interval %q is below 10 ms", val)
			}
		case 'i':
			a, b := splitBoth(val)
			mx, err1 := strconv.Atoi(a)
			mn, err2 := strconv.Atoi(b)
			if err1 != nil || err2 != nil || mx < 1 || mn < 1 {
				return usageErr(name, "invalid iterations %q (max,min)", val)
			}
			// netperf clamps to 3..30 iterations; one iteration means
			// no confidence run at all.
			mx, mn = min(max(mx, 1), 30), min(max(mn, 1), 30)
			if mx > 1 {
				mx, mn = max(mx, 3), max(mn, 3)
			}
			if mn > mx {
				mn = mx
			}
			s.IterationsMax, s.IterationsMin = mx, mn
		case 'I':
			a, b := splitComma(val)
			lv, err := strconv.Atoi(a)
			if err != nil || (lv != 95 && lv != 99) {
				return usageErr(name, "confidence level %q: netperf supports 95 or 99", a)
			}
			s.ConfidenceLevel = lv
			if b != "" {
				w, err := strconv.ParseFloat(b, 64)
				if err != nil || w <= 0 || w > 100 {
					return usageErr(name, "invalid interval width %q (percent)", b)
				}
				s.ConfidenceWidthPercent = w
			}
		case '4':
			s.Family = "inet"
		case '6':
			s.Family = "inet6"
		case 'c':
			s.LocalCPU = true
		case 'C':
			s.RemoteCPU = true
		case 'h':
			inv.Help = true
		case 'V':
			inv.Version = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sh := shapes[s.Test]
	err = getopt(test, "-- ", testWithValue, testFlags, testOptional, func(opt byte, val string) error {
		name := "-- -" + string(opt)
		switch opt {
		case 'm', 'M':
			if !result.IsStream(s.Test) {
				return usageErr(name, "does not apply to %s (message sizes are for STREAM tests; use -r for request/response sizes)", s.Test)
			}
			a, b, err := sizePair(name, val, false)
			if err != nil {
				return err
			}
			if opt == 'm' {
				s.SendSize, s.RemoteSendSize = keep(s.SendSize, a), keep(s.RemoteSendSize, b)
			} else {
				s.RemoteRecvSize, s.RecvSize = keep(s.RemoteRecvSize, a), keep(s.RecvSize, b)
			}
		case 's', 'S':
			a, b, err := sizePair(name, val, true)
			if err != nil {
				return err
			}
			if opt == 's' {
				s.LocalSendBuf, s.LocalRecvBuf = keep(s.LocalSendBuf, a), keep(s.LocalRecvBuf, b)
			} else {
				s.RemoteSendBuf, s.RemoteRecvBuf = keep(s.RemoteSendBuf, a), keep(s.RemoteRecvBuf, b)
			}
		case 'r':
			if !sh.rr {
				return usageErr(name, "does not apply to %s (request/response sizes are for RR and CRR tests)", s.Test)
			}
			a, b, err := sizePair(name, val, true)
			if err != nil {
				return err
			}
			if sh.udp && (a > maxUDPPayload || b > maxUDPPayload) {
				return usageErr(name, "a UDP datagram carries at most %d bytes", maxUDPPayload)
			}
			s.RequestSize, s.ResponseSize = keep(s.RequestSize, a), keep(s.ResponseSize, b)
		case 'b':
			if !sh.rr || sh.connect {
				return usageErr(name, "a first burst applies to TCP_RR and UDP_RR only")
			}
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 || n > maxBurst {
				return usageErr(name, "invalid burst %q (0-%d extra requests in flight)", val, maxBurst)
			}
			s.Burst = n
		case 'o', 'k', 'O':
			inv.OmniMode = map[byte]string{'o': "csv", 'k': "keyval", 'O': "human"}[opt]
			inv.OmniSelection = val
		case 'D':
			if sh.udp {
				return usageErr(name, "TCP_NODELAY does not apply to %s", s.Test)
			}
			s.NoDelay = true
		case 'P':
			a, b := splitBoth(val)
			for _, p := range []*struct {
				v   string
				dst *int
			}{{a, &s.LocalDataPort}, {b, &s.RemoteDataPort}} {
				if p.v == "" {
					continue
				}
				n, err := strconv.Atoi(p.v)
				if err != nil || n < 0 || n > 65535 {
					return usageErr(name, "invalid port %q", p.v)
				}
				*p.dst = n
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.ConfidenceLevel != 0 && s.IterationsMax == 0 {
		// netperf: -I without -i implies -i 10,3.
		s.IterationsMax, s.IterationsMin = 10, 3
	}
	if s.IterationsMax > 1 {
		if s.ConfidenceLevel == 0 {
			s.ConfidenceLevel = 99
		}
		if s.ConfidenceWidthPercent == 0 {
			s.ConfidenceWidthPercent = 5
		}
	}
	if s.Test == "UDP_STREAM" && s.SendSize > maxUDPPayload {
		return nil, usageErr("-- -m", "a UDP datagram carries at most %d bytes", maxUDPPayload)
	}
	for _, v := range []int{s.SendSize, s.RemoteSendSize, s.RecvSize, s.RemoteRecvSize, s.RequestSize, s.ResponseSize} {
		if v > maxMessageBytes {
			return nil, usageErr("", "message size %d is above the %d-byte limit", v, maxMessageBytes)
		}
	}
	return inv, nil
}

func keep(old, v int) int {
	if v < 0 {
		return old
	}
	return v
}

// getopt walks short options in POSIX style: "-l 5", "-l5", grouped flags
// "-cC". Options in optional take the next argument only when it does not
// start with "-", as netperf's -o/-k/-O do. Positional arguments are
// refused.
func getopt(args []string, prefix, withValue, flags, optional string, f func(opt byte, val string) error) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			return usageErr("", "unexpected argument %q", a)
		}
		for j := 1; j < len(a); j++ {
			opt := a[j]
			name := prefix + "-" + string(opt)
			switch {
			case strings.IndexByte(withValue, opt) >= 0:
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return usageErr(name, "needs a value")
					}
					i++
					val = args[i]
				}
				if err := f(opt, val); err != nil {
					return err
				}
				j = len(a)
			case strings.IndexByte(optional, opt) >= 0:
				val := a[j+1:]
				if val == "" && i+1 < len(args) && (args[i+1] == "" || args[i+1][0] != '-') {
					i++
					val = args[i]
				}
				if err := f(opt, val); err != nil {
					return err
				}
				j = len(a)
			case strings.IndexByte(flags, opt) >= 0:
				if err := f(opt, ""); err != nil {
					return err
				}
			default:
				return usageErr(name, "unknown or not supported by nperf yet")
			}
		}
	}
	return nil
}

// splitComma splits "a,b" into a and b; without a comma b is empty.
func splitComma(s string) (string, string) {
	a, b, _ := strings.Cut(s, ",")
	return a, b
}

// splitBoth is netperf's break_args: "a,b" sets both, "a" sets both to a,
// ",b" sets only the second.
func splitBoth(s string) (string, string) {
	a, b, found := strings.Cut(s, ",")
	if !found {
		return a, a
	}
	return a, b
}

// sizePair parses "a,b", "a" and ",b" size pairs; a value not given is -1.
// both says whether a lone value sets both (netperf's break_args) or only
// the first (break_args_explicit). "a," is refused: it is almost always a
// value that was cut off.
func sizePair(name, val string, both bool) (int, int, error) {
	if strings.HasSuffix(val, ",") {
		return 0, 0, usageErr(name, "%q ends in a comma: give the second value or drop the comma", val)
	}
	var a, b string
	if both {
		a, b = splitBoth(val)
	} else {
		a, b = splitComma(val)
	}
	parse := func(v string) (int, error) {
		if v == "" {
			return -1, nil
		}
		n, err := units.ParseSize(v)
		if err != nil || n <= 0 || n > 1<<31-1 {
			return 0, usageErr(name, "invalid size %q", v)
		}
		return int(n), nil
	}
	x, err := parse(a)
	if err != nil {
		return 0, 0, err
	}
	y, err := parse(b)
	if err != nil {
		return 0, 0, err
	}
	if x < 0 && y < 0 {
		return 0, 0, usageErr(name, "needs a size")
	}
	return x, y, nil
}

// parseFamily accepts netperf's family names.
func parseFamily(s string) (string, error) {
	switch strings.ToLower(s) {
	case "4", "inet", "af_inet", "ipv4":
		return "inet", nil
	case "6", "inet6", "af_inet6", "ipv6":
		return "inet6", nil
	case "0", "unspec", "af_unspec", "any":
		return "", nil
	}
	return "", fmt.Errorf("unknown address family %q (want 4, 6, inet or inet6)", s)
}
