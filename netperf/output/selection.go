package output

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"nperf/result"
)

// A Selection is what an omni printer prints: up to MaxBlocks blocks of
// selectors. CSV and keyval output run the blocks together; human output
// prints each block as its own table. A block may be empty, as netperf
// allows with "A;;B" (its position still counts).
type Selection [][]Selector

// MaxBlocks is the number of output blocks netperf keeps.
const MaxBlocks = 4

// maxEntryLen is the longest entry netperf reads from a selector file.
const maxEntryLen = 80

// Select resolves what followed -o, -k or -O on the command line
// (netperf.Invocation.OmniSelection) as netperf does:
//
//   - "" is the test's default list (DefaultSelection);
//   - "all", in any case, is every selector (AllSelection);
//   - a list with a comma or a semicolon, or a single selector name, is
//     parsed by ParseSelection;
//   - anything else names a selector file, opened with open and read by
//     ReadSelection.
//
// "?" (list the selectors) is not a selection: the caller prints
// SelectorList instead. Unlike netperf, which drops names it does not
// know, Select fails on them, naming the culprit.
func Select(arg string, spec *result.Spec, open func(name string) (io.ReadCloser, error)) (Selection, error) {
	switch {
	case arg == "":
		return DefaultSelection(spec), nil
	case strings.EqualFold(arg, "all"):
		return AllSelection(), nil
	case arg == "?":
		return nil, errors.New(`output selection "?" asks for the list of selectors, not for output`)
	}
	if _, known := lookup(arg); known || strings.ContainsAny(arg, ",;") {
		return ParseSelection(arg)
	}
	if open == nil {
		return nil, fmt.Errorf("output selection %q: not a selector, and no way to read it as a selector file", arg)
	}
	f, err := open(arg)
	if err != nil {
		return nil, fmt.Errorf("output selection %q is not a selector, and not a readable selector file: %w", arg, err)
	}
	defer f.Close()
	return ReadSelection(f, arg)
}

// ParseSelection parses a selector list as netperf takes it on the
// command line: names separated by commas or spaces, in any case, with a
// semicolon starting the next block. An unknown name is an error naming
// it; so are more than MaxBlocks blocks. OUTPUT_END ends its block.
func ParseSelection(list string) (Selection, error) {
	blocks := strings.Split(list, ";")
	if len(blocks) > 1 && strings.TrimSpace(blocks[len(blocks)-1]) == "" {
		blocks = blocks[:len(blocks)-1] // "A;B;" has two blocks, as in netperf
	}
	if len(blocks) > MaxBlocks {
		return nil, fmt.Errorf("output selection %q has %d blocks; netperf prints at most %d", list, len(blocks), MaxBlocks)
	}
	sel := make(Selection, len(blocks))
	for i, b := range blocks {
		names := strings.FieldsFunc(b, func(r rune) bool { return r == ',' || r == ' ' })
		for _, name := range names {
			s, ok := lookup(name)
			if !ok {
				return nil, fmt.Errorf("unknown output selector %q (-o ? lists them)", name)
			}
			if s == outputEnd {
				break
			}
			sel[i] = append(sel[i], s)
		}
	}
	return sel, nil
}

// ReadSelection reads a selector file, name being what errors call it.
// As in netperf, each of its first MaxBlocks lines is a block of entries
// separated by commas; an entry is a selector name or its header text
// ("Throughput Units"), in any case, with spaces kept; characters that
// are not printable are dropped. An empty entry is OUTPUT_NONE, a blank
// column, as netperf makes it. An entry that matches no selector is an
// error naming its line, where netperf would print a blank column.
// Anything but blank lines after the last block is an error too.
func ReadSelection(r io.Reader, name string) (Selection, error) {
	var sel Selection
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := printable(sc.Text())
		if line > MaxBlocks {
			if strings.TrimSpace(text) != "" {
				return nil, fmt.Errorf("%s:%d: netperf reads at most %d lines of selectors", name, line, MaxBlocks)
			}
			continue
		}
		var block []Selector
		for _, entry := range strings.Split(text, ",") {
			if len(entry) > maxEntryLen {
				return nil, fmt.Errorf("%s:%d: selector %.20q... is longer than %d characters", name, line, entry, maxEntryLen)
			}
			if entry == "" {
				block = append(block, outputNone)
				continue
			}
			s, ok := lookupHeader(entry)
			if !ok {
				return nil, fmt.Errorf("%s:%d: unknown output selector %q (-o ? lists them)", name, line, entry)
			}
			if s == outputEnd {
				break
			}
			block = append(block, s)
		}
		sel = append(sel, block)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(sel) == 0 {
		return nil, fmt.Errorf("%s: no selectors", name)
	}
	return sel, nil
}

// printable drops what netperf's isprint test drops from a selector file
// line: control characters (a CR of a CRLF file, tabs) and non-ASCII.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, s)
}

// The building blocks of netperf's default lists.
var (
	tputList   = []string{"ELAPSED_TIME", "THROUGHPUT", "THROUGHPUT_UNITS"}
	streamList = []string{"LSS_SIZE_END", "RSR_SIZE_END", "LOCAL_SEND_SIZE"}
	maertsList = []string{"RSS_SIZE_END", "LSR_SIZE_END", "REMOTE_SEND_SIZE"}
	rrList     = []string{"LSS_SIZE_END", "LSR_SIZE_END", "RSR_SIZE_END", "RSS_SIZE_END", "REQUEST_SIZE", "RESPONSE_SIZE"}
	cpuList    = []string{
		"LOCAL_CPU_UTIL", "LOCAL_CPU_PERCENT_USER", "LOCAL_CPU_PERCENT_SYSTEM", "LOCAL_CPU_PERCENT_IOWAIT",
		"LOCAL_CPU_PERCENT_IRQ", "LOCAL_CPU_PERCENT_SWINTR", "LOCAL_CPU_METHOD",
		"REMOTE_CPU_UTIL", "REMOTE_CPU_PERCENT_USER", "REMOTE_CPU_PERCENT_SYSTEM", "REMOTE_CPU_PERCENT_IOWAIT",
		"REMOTE_CPU_PERCENT_IRQ", "REMOTE_CPU_PERCENT_SWINTR", "REMOTE_CPU_METHOD",
		"LOCAL_SD", "REMOTE_SD", "SD_UNITS",
	}
)

// DefaultSelection is the list netperf prints for -o, -k or -O without
// one: sizes by the test's direction (sending, receiving, or both for
// request/response tests), then elapsed time and throughput, then the CPU
// figures when -c or -C was given. It is one block.
func DefaultSelection(spec *result.Spec) Selection {
	var names []string
	test := ""
	if spec != nil {
		test = spec.Test
	}
	switch test {
	case "TCP_STREAM", "UDP_STREAM":
		names = append(names, streamList...)
	case "TCP_MAERTS":
		names = append(names, maertsList...)
	case "TCP_RR", "UDP_RR", "TCP_CRR":
		names = append(names, rrList...)
	}
	names = append(names, tputList...)
	if spec != nil && (spec.LocalCPU || spec.RemoteCPU) {
		names = append(names, cpuList...)
	}
	block := make([]Selector, len(names))
	for i, n := range names {
		s, ok := lookup(n)
		if !ok {
			panic("output: default selector " + n + " missing from the table")
		}
		block[i] = s
	}
	return Selection{block}
}

// AllSelection is netperf's "all": every selector but OUTPUT_NONE and
// OUTPUT_END, in four blocks (SOCKET_TYPE to RESPONSE_SIZE,
// LOCAL_CPU_UTIL to TRANSPORT_MSS, LOCAL_SEND_THROUGHPUT to REMOTE_CORK,
// LOCAL_SYSNAME to COMMAND_LINE).
func AllSelection() Selection {
	bounds := [][2]string{
		{"SOCKET_TYPE", "RESPONSE_SIZE"},
		{"LOCAL_CPU_UTIL", "TRANSPORT_MSS"},
		{"LOCAL_SEND_THROUGHPUT", "REMOTE_CORK"},
		{"LOCAL_SYSNAME", "COMMAND_LINE"},
	}
	sel := make(Selection, len(bounds))
	for i, b := range bounds {
		first, _ := lookup(b[0])
		last, _ := lookup(b[1])
		for s := first; s <= last; s++ {
			sel[i] = append(sel[i], s)
		}
	}
	return sel
}

// SelectorList writes the names of all selectors in netperf's order, as
// `-o ?` (csv true: one line, separated by commas) and `-O ?` (one per
// line) print them. netperf then exits with status 1.
func SelectorList(w io.Writer, csv bool) error {
	sep := "\n"
	if csv {
		sep = ","
	}
	var b strings.Builder
	for i := range selectors {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(selectors[i].name)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
