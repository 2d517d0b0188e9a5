package parse

import (
	"path/filepath"
	"strconv"
	"strings"

	"nperf/internal/units"
	"nperf/netperf"
	"nperf/result"
)

// HintFromArgs makes a Hint from the netperf command line that produced an
// output, with or without the program name ("netperf", a path to it, or
// "nperf run"). It is lenient: it reads the options that shape the output
// (-t, -f, -P, -c, -C, -B, -H, -p, -l, -i, -I, and after "--" -o, -k, -O,
// -d, -T, -r) and skips the rest, because outputs come from netperf builds
// and versions with options nperf does not run itself. The Spec is the one
// "nperf run" would run when it accepts the command line, otherwise what
// was read here.
func HintFromArgs(args []string) Hint {
	args = stripProgram(args)
	var h Hint
	spec := &result.Spec{Test: "TCP_STREAM", Port: netperf.DefaultPort, LengthSeconds: 10}
	test, omni, dir, proto := "", false, "", ""
	omniFormat := FormatAuto
	selectors := ""

	global, testArgs := args, []string(nil)
	for i, a := range args {
		if a == "--" {
			global, testArgs = args[:i], args[i+1:]
			break
		}
	}
	// Options of netperf 2.7 (netsh.c) that take a value.
	scanOptions(global, "AabBDfFHiIkKlLnOoPpstTvWwyYZ", "", func(opt byte, val string) {
		switch opt {
		case 't':
			test = strings.ToUpper(val)
		case 'f':
			if val != "" {
				h.Units = units.Format(val[0])
			}
		case 'B':
			h.Brand = val
		case 'H':
			host, fam, _ := strings.Cut(val, ",")
			spec.Host = strings.Trim(host, "[]")
			if f := familyOf(fam); f != "" {
				spec.Family = f
			}
		case 'p':
			port, _, _ := strings.Cut(val, ",")
			if n, err := strconv.Atoi(port); err == nil && n > 0 && n < 65536 {
				spec.Port = n
			}
		case 'l':
			if n, err := strconv.Atoi(val); err == nil {
				if n > 0 {
					spec.LengthSeconds, spec.LengthUnits = n, 0
				} else if n < 0 {
					spec.LengthSeconds, spec.LengthUnits = 0, int64(-n)
				}
			}
		case 'c':
			spec.LocalCPU = true
		case 'C':
			spec.RemoteCPU = true
		case '4':
			spec.Family = "inet"
		case '6':
			spec.Family = "inet6"
		case 'I':
			lv, w, _ := strings.Cut(val, ",")
			if n, err := strconv.Atoi(lv); err == nil {
				spec.ConfidenceLevel = n
			}
			if f, err := strconv.ParseFloat(w, 64); err == nil {
				spec.ConfidenceWidthPercent = f
			}
		case 'i':
			mx, mn, found := strings.Cut(val, ",")
			if !found {
				mn = mx
			}
			spec.IterationsMax, _ = strconv.Atoi(mx)
			spec.IterationsMin, _ = strconv.Atoi(mn)
		}
	})
	// Test options of the omni tests (nettest_omni.c) that take a value;
	// -o, -k and -O take one only when the next word is not an option.
	scanOptions(testArgs, "bdeGHijKlLmMpPqrRsStTuwW", "okO", func(opt byte, val string) {
		switch opt {
		case 'o', 'k', 'O':
			omniFormat = map[byte]Format{'o': FormatCSV, 'k': FormatKeyval, 'O': FormatHuman}[opt]
			selectors = val
		case 'd':
			dir = val
		case 'T':
			proto, _, _ = strings.Cut(val, ",")
		case 'r':
			req, rsp, found := strings.Cut(val, ",")
			if !found {
				rsp = req
			}
			if n, err := units.ParseSize(req); err == nil && n > 0 {
				spec.RequestSize = int(n)
			}
			if n, err := units.ParseSize(rsp); err == nil && n > 0 {
				spec.ResponseSize = int(n)
			}
		case 'D':
			spec.NoDelay = true
		}
	})

	switch {
	case test == "OMNI":
		omni = true
		if dir == "" {
			dir = "send"
		}
		test = omniTest(dir, proto)
	case test == "":
		test = "TCP_STREAM" // netperf's default test
	}
	if omni && omniFormat == FormatAuto {
		omniFormat = FormatHuman // -t omni prints columns by default
	}
	if omniFormat == FormatAuto {
		omniFormat = FormatClassic
	}
	h.Test, h.Format, h.Selectors = test, omniFormat, selectors
	spec.Test = test
	if inv, err := netperf.ParseArgs(args); err == nil {
		s := inv.Spec
		spec = &s
	}
	h.Spec = spec
	return h
}

// HintFromCommandLine is HintFromArgs for a command line as one string,
// split into words as a POSIX shell would (quotes, backslashes).
func HintFromCommandLine(line string) Hint {
	return HintFromArgs(splitCommand(line))
}

// stripProgram drops "netperf", "/path/to/netperf" or "nperf run" (and
// nperf's own options) from the front of args.
func stripProgram(args []string) []string {
	if len(args) == 0 {
		return args
	}
	switch filepath.Base(args[0]) {
	case "netperf":
		args = args[1:]
	case "nperf":
		args = args[1:]
		if len(args) > 0 && args[0] == "run" {
			args = args[1:]
		}
		for len(args) > 0 && strings.HasPrefix(args[0], "--") && args[0] != "--" {
			if args[0] == "--interval" && len(args) > 1 {
				args = args[1:]
			}
			args = args[1:]
		}
	}
	return args
}

// isNetperfCommand reports whether words are a netperf or nperf run
// command line.
func isNetperfCommand(words []string) bool {
	switch filepath.Base(words[0]) {
	case "netperf":
		return true
	case "nperf":
		return len(words) > 1 && words[1] == "run"
	}
	return false
}

// scanOptions walks getopt-style options: withValue take the rest of the
// word or the next word, optional take the next word only when it does
// not start with "-", other letters are flags. Words that are not options
// are skipped.
func scanOptions(args []string, withValue, optional string, f func(opt byte, val string)) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		for j := 1; j < len(a); j++ {
			opt := a[j]
			switch {
			case strings.IndexByte(withValue, opt) >= 0:
				val := a[j+1:]
				if val == "" && i+1 < len(args) {
					i++
					val = args[i]
				}
				f(opt, val)
				j = len(a)
			case strings.IndexByte(optional, opt) >= 0:
				val := a[j+1:]
				if val == "" && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
					i++
					val = args[i]
				}
				f(opt, val)
				j = len(a)
			default:
				f(opt, "")
			}
		}
	}
}

func familyOf(s string) string {
	switch strings.ToLower(s) {
	case "4", "inet", "af_inet", "ipv4":
		return "inet"
	case "6", "inet6", "af_inet6", "ipv6":
		return "inet6"
	}
	return ""
}

// splitCommand splits a command line into words the way a POSIX shell
// does for plain words, single and double quotes and backslashes.
func splitCommand(s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0:
				i++
				cur.WriteByte(s[i])
			default:
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
