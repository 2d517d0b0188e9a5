package parse

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// valueKind is how netperf prints a selector's value, from its printf
// format; values are checked against it so that shifted or mixed-up
// columns are caught instead of read as the wrong quantity.
type valueKind int

const (
	kindText   valueKind = iota // %s
	kindInt                     // %d
	kindUint                    // %llu
	kindFloat                   // %.2f, %.3f, %f, %.0f; nan and -nan allowed
	kindChar                    // %c
	kindHex                     // 0x%.4x
	kindQuoted                  // "%s"
)

// A selector is one of netperf's omni output selectors.
type selector struct {
	name   string
	header []string // the 1-4 header lines
	kind   valueKind
}

// width is the widest of its header lines: the least width of its column
// in human (-O) output.
func (s *selector) width() int {
	w := 0
	for _, h := range s.header {
		w = max(w, len(h))
	}
	return w
}

// csvHeader is the selector's CSV column title: its header lines joined
// with one space.
func (s *selector) csvHeader() string {
	var parts []string
	for _, h := range s.header {
		if strings.TrimSpace(h) != "" {
			parts = append(parts, h)
		}
	}
	return strings.Join(parts, " ")
}

var (
	selectorByName = map[string]*selector{}
	// selectorsByCSV maps CSV column titles to selectors. A few titles
	// belong to two selectors (netperf's REMOTE_SECURITY_TYPE_ID and
	// REMOTE_SECURITY_TYPE, for one); they are listed in enum order.
	selectorsByCSV = map[string][]*selector{}
)

func init() {
	for i := range selectorTable {
		s := &selectorTable[i]
		selectorByName[s.name] = s
		h := strings.TrimSpace(s.csvHeader())
		selectorsByCSV[h] = append(selectorsByCSV[h], s)
	}
}

// check reports whether text is a value netperf could print for s.
func (s *selector) check(text string) error {
	bad := func(what string) error { return fmt.Errorf("%s: %q is not %s", s.name, text, what) }
	switch s.kind {
	case kindInt:
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			return bad("an integer")
		}
	case kindUint:
		if _, err := strconv.ParseUint(text, 10, 64); err != nil {
			return bad("a count")
		}
	case kindFloat:
		if _, _, err := parseNumber(text); err != nil {
			return bad("a number")
		}
	case kindChar:
		if len(text) > 1 {
			return bad("a method letter")
		}
	case kindHex:
		if !hexRE.MatchString(text) {
			return bad("a hexadecimal number")
		}
	case kindQuoted:
		if text != "" && (len(text) < 2 || text[0] != '"' || text[len(text)-1] != '"') {
			return bad("a quoted string")
		}
	}
	return nil
}

var hexRE = regexp.MustCompile(`^0x[0-9a-fA-F]+$`)

// The default selections of -o, -k and -O without a list, by test
// direction; cpuSelectors are appended with -c or -C.
var (
	defaultSend  = []string{"LSS_SIZE_END", "RSR_SIZE_END", "LOCAL_SEND_SIZE", "ELAPSED_TIME", "THROUGHPUT", "THROUGHPUT_UNITS"}
	defaultRecv  = []string{"RSS_SIZE_END", "LSR_SIZE_END", "REMOTE_SEND_SIZE", "ELAPSED_TIME", "THROUGHPUT", "THROUGHPUT_UNITS"}
	defaultRR    = []string{"LSS_SIZE_END", "LSR_SIZE_END", "RSR_SIZE_END", "RSS_SIZE_END", "REQUEST_SIZE", "RESPONSE_SIZE", "ELAPSED_TIME", "THROUGHPUT", "THROUGHPUT_UNITS"}
	defaultOther = []string{"ELAPSED_TIME", "THROUGHPUT", "THROUGHPUT_UNITS"}
	cpuSelectors = []string{
		"LOCAL_CPU_UTIL", "LOCAL_CPU_PERCENT_USER", "LOCAL_CPU_PERCENT_SYSTEM", "LOCAL_CPU_PERCENT_IOWAIT",
		"LOCAL_CPU_PERCENT_IRQ", "LOCAL_CPU_PERCENT_SWINTR", "LOCAL_CPU_METHOD",
		"REMOTE_CPU_UTIL", "REMOTE_CPU_PERCENT_USER", "REMOTE_CPU_PERCENT_SYSTEM", "REMOTE_CPU_PERCENT_IOWAIT",
		"REMOTE_CPU_PERCENT_IRQ", "REMOTE_CPU_PERCENT_SWINTR", "REMOTE_CPU_METHOD",
		"LOCAL_SD", "REMOTE_SD", "SD_UNITS",
	}
)

// defaultSelection is the list netperf prints for test with no list given.
func defaultSelection(test string, cpu bool) []*selector {
	var names []string
	switch testDirection(test) {
	case dirSend:
		names = defaultSend
	case dirRecv:
		names = defaultRecv
	case dirRR:
		names = defaultRR
	default:
		names = defaultOther
	}
	if cpu {
		names = append(append([]string(nil), names...), cpuSelectors...)
	}
	return lookup(names)
}

func lookup(names []string) []*selector {
	out := make([]*selector, len(names))
	for i, n := range names {
		out[i] = selectorByName[n]
	}
	return out
}

// allBlocks is "-o all": every selector but OUTPUT_NONE and OUTPUT_END, in
// the four blocks netperf splits them into.
func allBlocks() [][]*selector {
	bounds := []string{"SOCKET_TYPE", "LOCAL_CPU_UTIL", "LOCAL_SEND_THROUGHPUT", "LOCAL_SYSNAME", "OUTPUT_END"}
	idx := func(name string) int {
		for i := range selectorTable {
			if selectorTable[i].name == name {
				return i
			}
		}
		panic("parse: no selector " + name)
	}
	var blocks [][]*selector
	for b := 0; b+1 < len(bounds); b++ {
		var blk []*selector
		for i := idx(bounds[b]); i < idx(bounds[b+1]); i++ {
			blk = append(blk, &selectorTable[i])
		}
		blocks = append(blocks, blk)
	}
	return blocks
}

// selection expands what followed -o/-k/-O into blocks of selectors, as
// netperf does: "" is the test's default list, "all" every selector, and
// otherwise names separated by commas or spaces with ";" between blocks
// (at most four; unknown names are dropped, as netperf drops them). A
// word that is no selector name is a selection file netperf read, which
// the parser cannot see.
func selection(spec, test string, cpu bool) ([][]*selector, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "":
		return [][]*selector{defaultSelection(test, cpu)}, nil
	case strings.EqualFold(spec, "all"):
		return allBlocks(), nil
	case !strings.ContainsAny(spec, ",; \t") && selectorByName[strings.ToUpper(spec)] == nil:
		return nil, fmt.Errorf("the selectors come from the file %q, which the parser cannot read: give the list itself", spec)
	}
	var blocks [][]*selector
	for i, b := range strings.Split(spec, ";") {
		if i == 4 {
			break
		}
		var blk []*selector
		for _, n := range strings.FieldsFunc(b, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if s := selectorByName[strings.ToUpper(n)]; s != nil {
				blk = append(blk, s)
			}
		}
		blocks = append(blocks, blk)
	}
	return blocks, nil
}

// isSelectorList reports whether a line is netperf's list of selector
// names (-o ? prints them comma-separated, -O ? one per line).
func isSelectorList(t string) bool {
	for _, n := range strings.Split(t, ",") {
		if selectorByName[n] == nil {
			return false
		}
	}
	return true
}
