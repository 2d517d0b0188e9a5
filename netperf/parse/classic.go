package parse

import (
	"regexp"
	"strings"
)

// A classicLayout is one of the fixed result tables of netperf's classic
// tests (nettest_omni.c's send_tcp_stream and friends): its column header
// lines, matched with runs of spaces collapsed, so that the slightly
// different spacing of older netperfs reads the same.
type classicLayout struct {
	name  string // "stream", "stream_cpu", "rr", "rr_band", "rr_cpu", "rr_cpu_tput", "udp_stream", "udp_stream_cpu"
	lines []*regexp.Regexp
}

func layout(name string, lines ...string) *classicLayout {
	l := &classicLayout{name: name}
	for _, s := range lines {
		l.lines = append(l.lines, regexp.MustCompile("^"+s+"$"))
	}
	return l
}

// The unit in a header is printed with %s or %-8.8s, so "KBytes  /s"
// collapses to "KBytes /s"; method letters are single capitals, absent in
// TCP_CRR's table.
const (
	unitSec = `(\S+?) ?/sec`
	unitS   = `(\S+?) ?/s`
	method  = `%(?: ([A-Z]))?`
)

var classicLayouts = []*classicLayout{
	layout("stream",
		`Recv Send Send`,
		`Socket Socket Message Elapsed`,
		`Size Size Size Time Throughput`,
		`bytes bytes bytes secs\. `+unitSec),
	layout("stream_cpu",
		`Recv Send Send Utilization Service Demand`,
		`Socket Socket Message Elapsed (Send|Recv) (Send|Recv) (Send|Recv) (Send|Recv)`,
		`Size Size Size Time Throughput local remote local remote`,
		`bytes bytes bytes secs\. `+unitS+` `+method+` `+method+` us/KB us/KB`),
	layout("rr",
		`Local /Remote`,
		`Socket Size Request Resp\. Elapsed Trans\.`,
		`Send Recv Size Size Time Rate`,
		`bytes Bytes bytes bytes secs\. per sec`),
	layout("rr_band",
		`Local /Remote`,
		`Socket Size Request Resp\. Elapsed`,
		`Send Recv Size Size Time Throughput`,
		`bytes Bytes bytes bytes secs\. `+unitSec),
	layout("rr_cpu",
		`Local /Remote`,
		`Socket Size Request Resp\. Elapsed Trans\. CPU CPU S\.dem S\.dem`,
		`Send Recv Size Size Time Rate local remote local remote`,
		`bytes bytes bytes bytes secs\. per sec `+method+` `+method+` us/Tr us/Tr`),
	layout("rr_cpu_tput",
		`Local /Remote`,
		`Socket Size Request Resp\. Elapsed Tput CPU CPU S\.dem S\.dem`,
		`Send Recv Size Size Time (\S+) local remote local remote`,
		`bytes bytes bytes bytes secs\. per sec `+method+` `+method+` us/(KB|Tr) us/(?:KB|Tr)`),
	layout("udp_stream",
		`Socket Message Elapsed Messages`,
		`Size Size Time Okay Errors Throughput`,
		`bytes bytes secs # # `+unitSec),
	layout("udp_stream_cpu",
		`Socket Message Elapsed Messages CPU Service`,
		`Size Size Time Okay Errors Throughput Util Demand`,
		`bytes bytes secs # # `+unitSec+` %(?: ([A-Z])([A-Z]))? us/KB`),
}

// normalize collapses runs of white space, so headers match whatever the
// column spacing.
func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// headerMatch is a classic table header found in the input.
type headerMatch struct {
	layout *classicLayout
	groups [][]string // submatches of each header line
}

// matchClassicHeader reports whether the next lines are the column headers
// of a classic table.
func matchClassicHeader(l *lines) *headerMatch {
	for _, lay := range classicLayouts {
		m := &headerMatch{layout: lay}
		for i, re := range lay.lines {
			s, ok := l.peek(i)
			if !ok {
				m = nil
				break
			}
			g := re.FindStringSubmatch(normalize(s))
			if g == nil {
				m = nil
				break
			}
			m.groups = append(m.groups, g)
		}
		if m != nil {
			return m
		}
	}
	return nil
}

// A column is one number in a classic result row and the selector (or
// name of our own, in lower case) it is stored under.
type column struct {
	name string
	kind valueKind
}

// cols makes columns from "NAME" (an integer), "NAME:f" (a number) and
// "NAME:u" (a count).
func cols(spec ...string) []column {
	out := make([]column, len(spec))
	for i, s := range spec {
		k := kindInt
		name, kind, _ := strings.Cut(s, ":")
		switch kind {
		case "f":
			k = kindFloat
		case "u":
			k = kindUint
		}
		out[i] = column{name: name, kind: k}
	}
	return out
}

// The rows of each classic table, from the printf calls that print them.
// TCP_MAERTS's CPU table prints the same variables as TCP_STREAM's (remote
// receive and local send buffer) under its own titles; the columns here
// follow what netperf prints, not the titles.
var (
	rowStream      = cols("RSR_SIZE", "LSS_SIZE", "LOCAL_SEND_SIZE", "ELAPSED_TIME:f", "THROUGHPUT:f")
	rowMaerts      = cols("LSR_SIZE", "RSS_SIZE", "REMOTE_SEND_SIZE", "ELAPSED_TIME:f", "THROUGHPUT:f")
	cpuCols        = cols("LOCAL_CPU_UTIL:f", "REMOTE_CPU_UTIL:f", "LOCAL_SD:f", "REMOTE_SD:f")
	rowStreamCPU   = append(append([]column(nil), rowStream...), cpuCols...)
	rowMaertsCPU   = append(cols("RSR_SIZE", "LSS_SIZE", "REMOTE_SEND_SIZE", "ELAPSED_TIME:f", "THROUGHPUT:f"), cpuCols...)
	rowRR          = cols("LSS_SIZE", "LSR_SIZE", "REQUEST_SIZE", "RESPONSE_SIZE", "ELAPSED_TIME:f", "THROUGHPUT:f")
	rowRRCPU       = append(append([]column(nil), rowRR...), cpuCols...)
	rowRR2         = cols("RSS_SIZE", "RSR_SIZE")
	rowUDP         = cols("LSS_SIZE", "LOCAL_SEND_SIZE", "ELAPSED_TIME:f", "LOCAL_SEND_CALLS:u", "failed_sends:u", "LOCAL_SEND_THROUGHPUT:f")
	rowUDP2        = cols("RSR_SIZE", "remote_elapsed:f", "REMOTE_RECV_CALLS:u", "REMOTE_RECV_THROUGHPUT:f")
	rowUDPCPU      = append(append([]column(nil), rowUDP...), cols("LOCAL_CPU_UTIL:f", "LOCAL_SD:f")...)
	rowUDP2CPU     = append(append([]column(nil), rowUDP2...), cols("REMOTE_CPU_UTIL:f", "REMOTE_SD:f")...)
	streamTests    = []string{"TCP_STREAM", "TCP_MAERTS"}
	rrTests        = []string{"TCP_RR", "TCP_CRR", "UDP_RR"}
	rrWithLetters  = []string{"TCP_RR", "UDP_RR"}
	udpStreamTests = []string{"UDP_STREAM"}
	maertsTests    = []string{"TCP_MAERTS"}
	tcpStreamTests = []string{"TCP_STREAM"}
	crrTests       = []string{"TCP_CRR"}
)

// Unit strings the classic tables imply rather than print.
const (
	unitsTrans = "Trans"
	sdPerKB    = "usec/KB"
	sdPerTran  = "usec/Tran"
)

// readClassicTable reads a classic table: its header lines, then its
// result rows, then the -v 2 blocks after them.
func (p *parser) readClassicTable(r *run, m *headerMatch) error {
	first := p.l.lineNo(0)
	for range m.layout.lines {
		p.l.next()
	}
	g := m.groups
	unitLine := first + len(g) - 1
	set := func(k, text string) { r.vals[k] = field{text: text, line: unitLine} }
	var rows [][]column
	switch m.layout.name {
	case "stream":
		set("THROUGHPUT_UNITS", g[3][1])
		r.layout, r.tests, rows = "stream", streamTests, [][]column{rowStream}
		if r.testIs("TCP_MAERTS") {
			r.layout, rows = "maerts", [][]column{rowMaerts}
		}
	case "stream_cpu":
		set("THROUGHPUT_UNITS", g[3][1])
		set("LOCAL_CPU_METHOD", g[3][2])
		set("REMOTE_CPU_METHOD", g[3][3])
		set("SD_UNITS", sdPerKB)
		r.layout, r.tests, rows = "stream", tcpStreamTests, [][]column{rowStreamCPU}
		if g[1][1] == "Recv" { // TCP_MAERTS: "Recv local, Send remote"
			r.layout, r.tests, rows = "maerts", maertsTests, [][]column{rowMaertsCPU}
		}
	case "rr":
		unit := unitsTrans
		if r.testIs("TCP_CRR") && r.hint.Units != 0 && r.hint.Units != 'x' {
			// TCP_CRR titles its column "Trans. Rate" whatever -f says,
			// but prints the rate in the -f unit.
			unit = defaultUnit("TCP_CRR", r.hint.Units).text
		}
		set("THROUGHPUT_UNITS", unit)
		r.layout, r.tests, rows = "rr", rrTests, [][]column{rowRR, rowRR2}
	case "rr_band":
		set("THROUGHPUT_UNITS", g[3][1])
		r.layout, r.tests, rows = "rr", rrWithLetters, [][]column{rowRR, rowRR2}
	case "rr_cpu", "rr_cpu_tput":
		unit, sd := unitsTrans, sdPerTran
		if m.layout.name == "rr_cpu_tput" {
			unit = g[2][1]
			if g[3][3] == "KB" {
				sd = sdPerKB
			}
		} else if g[3][1] == "" && r.hint.Units != 0 && r.hint.Units != 'x' {
			unit = defaultUnit("TCP_CRR", r.hint.Units).text // as in the "rr" case
		}
		set("THROUGHPUT_UNITS", unit)
		set("LOCAL_CPU_METHOD", g[3][1])
		set("REMOTE_CPU_METHOD", g[3][2])
		set("SD_UNITS", sd)
		r.layout, r.tests, rows = "rr", rrWithLetters, [][]column{rowRRCPU, rowRR2}
		if g[3][1] == "" && g[3][2] == "" { // only TCP_CRR prints no method letters
			r.tests = crrTests
		}
	case "udp_stream":
		set("THROUGHPUT_UNITS", g[2][1])
		r.layout, r.tests, rows = "udp_stream", udpStreamTests, [][]column{rowUDP, rowUDP2}
	case "udp_stream_cpu":
		set("THROUGHPUT_UNITS", g[2][1])
		set("LOCAL_CPU_METHOD", g[2][2])
		set("REMOTE_CPU_METHOD", g[2][3])
		set("SD_UNITS", sdPerKB)
		r.layout, r.tests, rows = "udp_stream", udpStreamTests, [][]column{rowUDPCPU, rowUDP2CPU}
	}
	if err := p.readRows(r, rows, false); err != nil {
		return err
	}
	return p.readVerbose(r)
}

// testIs reports whether the run is known (from its hint or banner) to be
// test.
func (r *run) testIs(test string) bool { return r.knownTest() == test }

// knownTest is the test the hint or the banner names, or "".
func (r *run) knownTest() string {
	if r.hint.Test != "" {
		return r.hint.Test
	}
	if r.banner != nil {
		if r.banner.test != "" {
			return r.banner.test
		}
		return omniTest(r.banner.omniDir, "")
	}
	return ""
}

// readRows reads the result rows of a classic table; blank lines before
// the first are skipped. Without headers (-P 0) text after the numbers of
// the first row is the -B brand.
func (p *parser) readRows(r *run, rows [][]column, brandAllowed bool) error {
	for i, row := range rows {
		for i == 0 {
			s, ok := p.l.peek(0)
			if !ok || strings.TrimSpace(s) != "" {
				break
			}
			p.l.next()
		}
		if _, ok := p.l.peek(0); !ok {
			return p.errorf(p.l.lineNo(0), "unexpected end of input: the result that starts on line %d is incomplete", r.start)
		}
		line, n := p.l.next()
		f := strings.Fields(line)
		if len(f) < len(row) {
			return p.errorf(n, "a result row of %d columns, found %d: %q", len(row), len(f), clip(strings.TrimSpace(line)))
		}
		for j, c := range row {
			s := &selector{name: c.name, kind: c.kind}
			if err := s.check(f[j]); err != nil {
				return p.errorf(n, "column %d %v", j+1, err)
			}
			r.vals[c.name] = field{text: f[j], line: n}
		}
		if len(f) > len(row) {
			if i > 0 || !brandAllowed {
				return p.errorf(n, "unexpected text after the %d result columns: %q", len(row), clip(strings.Join(f[len(row):], " ")))
			}
			r.vals["RESULT_BRAND"] = field{text: restAfterFields(line, len(row)), line: n}
		}
	}
	return nil
}

// restAfterFields is what follows the first n fields of a line, trimmed.
func restAfterFields(line string, n int) string {
	s := strings.TrimLeft(line, " \t")
	for i := 0; i < n; i++ {
		j := strings.IndexAny(s, " \t")
		if j < 0 {
			return ""
		}
		s = strings.TrimLeft(s[j:], " \t")
	}
	return strings.TrimSpace(s)
}

// readClassicHeaderless reads a classic result printed without headers
// (-P 0): a -v 0 number, or table rows whose layout the test decides.
func (p *parser) readClassicHeaderless(r *run) error {
	line, _ := p.l.peek(0)
	f := strings.Fields(line)
	// A -v 0 number is printed with decimals; a table row starts with a
	// socket size, an integer.
	if len(f) == 0 || strings.ContainsAny(f[0], ".nN") {
		return p.readV0(r)
	}
	test := r.knownTest()
	if test == "" && looksUDPStream(p.l) {
		test = "UDP_STREAM"
	}
	n := p.l.lineNo(0)
	numbers := len(f) // how many numbers lead the line tells the CPU variants apart
	for i, s := range f {
		if !isNumber(s) {
			numbers = i
			break
		}
	}
	var rows [][]column
	switch test {
	case "TCP_STREAM", "TCP_SENDFILE":
		r.layout, r.tests, rows = "stream", tcpStreamTests, [][]column{pick(numbers, rowStream, rowStreamCPU)}
	case "TCP_MAERTS":
		r.layout, r.tests, rows = "maerts", maertsTests, [][]column{pick(numbers, rowMaerts, rowMaertsCPU)}
	case "TCP_RR", "UDP_RR", "TCP_CRR":
		r.layout, r.tests, rows = "rr", rrTests, [][]column{pick(numbers, rowRR, rowRRCPU), rowRR2}
	case "UDP_STREAM":
		r.layout, r.tests, rows = "udp_stream", udpStreamTests, [][]column{rowUDP, rowUDP2}
		if numbers >= len(rowUDPCPU) {
			rows = [][]column{rowUDPCPU, rowUDP2CPU}
		}
	case "":
		return p.errorf(n, "a result row without headers or banner (-P 0): which test printed it is not known; name it with --test or give the netperf command line with --cmd")
	default:
		return p.errorf(n, "a header-less result row of %s, whose table nperf does not know", test)
	}
	if err := p.readRows(r, rows, true); err != nil {
		return err
	}
	if _, ok := r.vals["LOCAL_SD"]; ok {
		r.vals["SD_UNITS"] = field{text: sdUnitsFor(test, r.hint), line: n}
	}
	return p.readVerbose(r)
}

// sdUnitsFor is the service demand unit netperf uses for a test and -f
// letter: per transaction for request/response tests reporting Trans/s,
// per KB otherwise.
func sdUnitsFor(test string, h Hint) string {
	if testDirection(test) == dirRR && (h.Units == 0 || h.Units == 'x') {
		return sdPerTran
	}
	return sdPerKB
}

// pick chooses the CPU variant of a row when the line has its columns.
func pick(numbers int, plain, cpu []column) []column {
	if numbers >= len(cpu) {
		return cpu
	}
	return plain
}

// looksUDPStream reports whether the next two lines are UDP_STREAM's
// header-less result: six numbers, then four (eight and six with CPU).
func looksUDPStream(l *lines) bool {
	a, _ := l.peek(0)
	b, ok := l.peek(1)
	fa, fb := strings.Fields(a), strings.Fields(b)
	return ok && (len(fa) == 6 && len(fb) == 4 || len(fa) == 8 && len(fb) == 6)
}

func isNumber(s string) bool {
	_, _, err := parseNumber(s)
	return err == nil
}

// readV0 reads a -v 0 result: the headline number alone, or with CPU
// measured the service demand and the CPU method letter; -P 0 adds the -B
// brand after it.
func (p *parser) readV0(r *run) error {
	line, n := p.l.next()
	f := strings.Fields(line)
	if len(f) == 0 || !isNumber(f[0]) {
		return p.errorf(n, "not netperf output: %q", clip(strings.TrimSpace(line)))
	}
	if unitTokenRE.MatchString(line) {
		return p.errorf(n, "omni values without headers (-P 0 -O): which selectors they are is not known; give the netperf command line with --cmd")
	}
	test := r.knownTest()
	if test == "" {
		return p.errorf(n, "a bare number (netperf -v 0): which test printed it is not known; name it with --test or give the netperf command line with --cmd")
	}
	r.layout = "v0"
	rest := 1
	letter := len(f) > 1 && len(f[1]) == 1 && strings.Contains("SUIPKMETRLNCO", f[1])
	spec := r.hint.Spec
	if spec == nil && (letter || test == "TCP_CRR" && decimals(f[0]) == 3) {
		// A method letter after the number, or the three decimals of
		// TCP_CRR's letter-less -v 0 service demand, say it is a service
		// demand; but not whose.
		return p.errorf(n, "a -v 0 service demand (%s): whether netperf measured it locally (-c) or remotely (-C) is not known; give the netperf command line with --cmd", strings.Join(f[:min(2, len(f))], " "))
	}
	if spec != nil && (spec.LocalCPU || spec.RemoteCPU) {
		side := "LOCAL"
		if !spec.LocalCPU {
			side = "REMOTE"
		}
		r.vals[side+"_SD"] = field{text: f[0], line: n}
		if letter {
			// UDP_STREAM prints the local letter beside a remote demand (a
			// netperf bug), so the letter is kept only for its own side.
			if side == "LOCAL" || test != "UDP_STREAM" {
				r.vals[side+"_CPU_METHOD"] = field{text: f[1], line: n}
			}
			rest = 2
		}
		r.vals["SD_UNITS"] = field{text: sdUnitsFor(test, r.hint), line: n}
	} else if test == "UDP_STREAM" {
		// UDP_STREAM's -v 0 prints the sending rate, not what arrived.
		r.vals["LOCAL_SEND_THROUGHPUT"] = field{text: f[0], line: n}
	} else {
		r.vals["THROUGHPUT"] = field{text: f[0], line: n}
	}
	if len(f) > rest {
		r.vals["RESULT_BRAND"] = field{text: restAfterFields(line, rest), line: n}
	}
	return nil
}

// unitTokenRE finds a THROUGHPUT_UNITS value, which a -v 0 line never
// holds but header-less -O output does.
var unitTokenRE = regexp.MustCompile(`(^|\s)(10\^\d+bits|[KMG]?Bytes|Trans)/s(\s|$)`)

// The -v 2 blocks after a classic table.
var (
	v2StreamRE = regexp.MustCompile(`^Alignment Offset Bytes Bytes (Sends|Recvs) Bytes (Recvs|Sends)$`)
	v2RRRE     = regexp.MustCompile(`^Alignment Offset RoundTrip Trans Throughput$`)
	v2CRRRE    = regexp.MustCompile(`^Alignment Offset$`)
	histRowRE  = regexp.MustCompile(`^(UNIT_USEC|TEN_USEC|HUNDRED_USEC|TENTH_MSEC|UNIT_MSEC|TEN_MSEC|HUNDRED_MSEC|UNIT_SEC|TEN_SEC)\s*(:\s*\d+\s*)+$`)
	histEndRE  = regexp.MustCompile(`^>100_SECS: (\d+)$`)
	histTotRE  = regexp.MustCompile(`^HIST_TOTAL:\s*(\d+)$`)
)

// readVerbose reads the blocks -v 2 prints after a classic table: call
// counts and bytes, the MSS, and the histogram of call or transaction
// times. They are optional; reading stops before the first other line.
func (p *parser) readVerbose(r *run) error {
	for {
		k := 0
		for {
			s, ok := p.l.peek(k)
			if !ok || strings.TrimSpace(s) != "" {
				break
			}
			k++
		}
		s, ok := p.l.peek(k)
		if !ok {
			return nil
		}
		t := normalize(s)
		var err error
		switch {
		case v2StreamRE.MatchString(t), v2RRRE.MatchString(t), v2CRRRE.MatchString(t):
			err = p.readV2Block(r, k)
		case t == "Maximum":
			err = p.readMSS(r, k)
		case strings.HasPrefix(t, "Histogram of"):
			err = p.readHistogram(r, k)
		default:
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// skip consumes k lines.
func (p *parser) skip(k int) {
	for ; k > 0; k-- {
		p.l.next()
	}
}

// readV2Block reads an "Alignment Offset ..." block: three title lines and
// a row of numbers.
func (p *parser) readV2Block(r *run, blanks int) error {
	p.skip(blanks)
	title, tn := p.l.next()
	for i := 0; i < 2; i++ {
		if _, ok := p.l.peek(0); !ok {
			return p.errorf(p.l.lineNo(0), "unexpected end of input in the -v 2 block that starts on line %d", tn)
		}
		p.l.next()
	}
	var row []column
	switch t := normalize(title); {
	case v2RRRE.MatchString(t):
		row = cols("local_send_align", "remote_recv_align", "local_send_offset", "remote_recv_offset", "RT_LATENCY:f", "TRANSACTION_RATE:f", "outbound_throughput:f", "inbound_throughput:f")
	case v2StreamRE.MatchString(t) && v2StreamRE.FindStringSubmatch(t)[1] == "Recvs": // TCP_MAERTS
		row = cols("local_recv_align", "remote_send_align", "local_recv_offset", "remote_send_offset", "LOCAL_BYTES_RECVD:u", "LOCAL_BYTES_PER_RECV:f", "LOCAL_RECV_CALLS:u", "REMOTE_BYTES_PER_SEND:f", "REMOTE_SEND_CALLS:u")
	case v2StreamRE.MatchString(t):
		row = cols("local_send_align", "remote_recv_align", "local_send_offset", "remote_recv_offset", "LOCAL_BYTES_SENT:u", "LOCAL_BYTES_PER_SEND:f", "LOCAL_SEND_CALLS:u", "bytes_per_remote_recv:f", "REMOTE_RECV_CALLS:u")
	default:
		row = cols("local_send_align", "remote_recv_align", "local_send_offset", "remote_recv_offset")
	}
	return p.readRows(r, [][]column{row}, false)
}

// readMSS reads "Maximum / Segment / Size (bytes)" and its value.
func (p *parser) readMSS(r *run, blanks int) error {
	p.skip(blanks)
	_, tn := p.l.next()
	for _, want := range []string{"Segment", "Size (bytes)"} {
		s, ok := p.l.peek(0)
		if !ok {
			return p.errorf(p.l.lineNo(0), "unexpected end of input in the -v 2 MSS block that starts on line %d", tn)
		}
		_, n := p.l.next()
		if normalize(s) != want {
			return p.errorf(n, "the -v 2 MSS block that starts on line %d: want %q, found %q", tn, want, clip(s))
		}
	}
	return p.readRows(r, [][]column{cols("TRANSPORT_MSS")}, false)
}

// readHistogram reads a -v 2 histogram: rows of bucket counts, the count
// above 100 s and the total. The decade buckets cannot become the exact
// latency histogram of a Record; the total of a request/response
// histogram is the number of transactions timed.
func (p *parser) readHistogram(r *run, blanks int) error {
	p.skip(blanks)
	title, tn := p.l.next()
	rr := strings.Contains(title, "request/re")
	for {
		s, ok := p.l.peek(0)
		if !ok {
			return p.errorf(p.l.lineNo(0), "unexpected end of input in the histogram that starts on line %d", tn)
		}
		_, n := p.l.next()
		t := strings.TrimSpace(s)
		switch {
		case histRowRE.MatchString(t), histEndRE.MatchString(t):
		case histTotRE.MatchString(t):
			if rr {
				r.vals["hist_total"] = field{text: histTotRE.FindStringSubmatch(t)[1], line: n}
			}
			return nil
		default:
			return p.errorf(n, "the histogram that starts on line %d: unexpected line %q", tn, clip(t))
		}
	}
}
