// Package parse reads the text netperf prints into Records: the classic
// tables of the six tests (with and without banner, -v 0/1/2, with CPU
// columns, confidence warnings and interim lines), the omni formats (-o CSV,
// -k keyval, -O columns) with any selector list, and netperf's error lines.
// A file may hold many runs in any mix of formats.
//
// It is pure: text in, Records out. It exists for two callers: "nperf
// parse", which turns results saved over the years into the Record stream,
// and the external engine, which runs a real netperf binary and parses its
// standard output (Output with a Hint made from the options it passed).
//
// netperf prints rates, not counts, and Records store counts and elapsed
// time. A rate is turned into a count only through the elapsed time netperf
// printed beside it: count = rate x elapsed, rounded to a whole byte or
// transaction, and Elapsed is then nudged, within the precision netperf
// printed it with, so that count / Elapsed gives back the printed rate.
// Counts netperf printed itself (-v 2, omni byte and call counters) are used
// as they are. What netperf printed but a Record has no field for (latency
// percentiles, a rate without an elapsed time, a -v 0 service demand) is kept
// verbatim in Labels under "netperf." keys; docs/parse.md lists them.
package parse

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"nperf/internal/units"
	"nperf/result"
)

// Format is one of netperf's output formats.
type Format string

// The output formats. FormatAuto lets the parser tell them apart; the others
// force how lines that do not say what they are (no banner, no headers) are
// read.
const (
	FormatAuto    Format = ""
	FormatClassic Format = "classic" // fixed tables, -v 0 numbers
	FormatCSV     Format = "csv"     // omni -o
	FormatKeyval  Format = "keyval"  // omni -k
	FormatHuman   Format = "human"   // omni -O
)

// ParseFormat accepts a format name as "nperf parse --format" takes it.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatClassic, FormatCSV, FormatKeyval, FormatHuman:
		return f, nil
	case "auto":
		return FormatAuto, nil
	}
	return "", fmt.Errorf("unknown format %q (want classic, csv, keyval or human)", s)
}

// A Hint says what an output may not say about itself: which test printed
// it when there is no banner (-P 0), which unit a bare number is in (-v 0),
// which omni selectors a header-less line holds. The zero Hint knows
// nothing; the parser then relies on what the text says and reports an
// error where that is not enough. HintFromArgs makes a Hint from the
// netperf command line that produced the output.
type Hint struct {
	// Format forces the format of header-less lines; FormatAuto sniffs.
	Format Format
	// Test is the test that printed the output ("TCP_RR"); "" = as the
	// banner says.
	Test string
	// Units is netperf's -f letter; FormatDefault = as the headers say, or
	// the test's default (10^6bits/s for STREAM tests, Trans/s for RR).
	Units units.Format
	// Selectors is the selector list given to -o, -k or -O, as typed:
	// names separated by commas, ";" between blocks, "all", or "" for the
	// test's default list.
	Selectors string
	// Spec holds the options of the run. When set it is copied onto Final
	// records; its LocalCPU and RemoteCPU say whose service demand a -v 0
	// output printed.
	Spec *result.Spec
	// Brand is the -B string, if one was given.
	Brand string
	// Run, when set, is the Run ID of every record; otherwise each run is
	// named after the file and line where its output starts ("out.txt:12").
	Run string
}

// merge returns h with the fields o sets replacing h's.
func (h Hint) merge(o Hint) Hint {
	if o.Format != FormatAuto {
		h.Format = o.Format
	}
	if o.Test != "" {
		h.Test = o.Test
	}
	if o.Units != units.FormatDefault {
		h.Units = o.Units
	}
	if o.Selectors != "" {
		h.Selectors = o.Selectors
	}
	if o.Spec != nil {
		h.Spec = o.Spec
	}
	if o.Brand != "" {
		h.Brand = o.Brand
	}
	if o.Run != "" {
		h.Run = o.Run
	}
	return h
}

// A SyntaxError is netperf output the parser cannot read. It names the file
// and line.
type SyntaxError struct {
	Name string // file name, "-" for standard input
	Line int    // 1-based
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg) }

// Output parses all of r, the output of one or more netperf runs, into
// Records: for each run its interval records (interim results), then one
// Final record. name is used in errors and run IDs. On an error it returns
// the records of the runs parsed before it, and the error.
func Output(r io.Reader, name string, hint Hint) ([]*result.Record, error) {
	rd := NewReader(r, name, hint)
	var out []*result.Record
	for rd.Scan() {
		out = append(out, rd.Record())
	}
	return out, rd.Err()
}

// A Reader parses netperf output run by run, in the style of
// bufio.Scanner:
//
//	rd := parse.NewReader(f, "saved.txt", parse.Hint{})
//	for rd.Scan() { use(rd.Record()) }
//	if err := rd.Err(); err != nil { ... }
//
// Records come out as soon as the run that holds them is complete, so a
// caller writes everything before a bad line.
type Reader struct {
	p     *parser
	queue []*result.Record
	rec   *result.Record
	err   error
}

// NewReader reads netperf output from r; name is used in errors and run IDs.
func NewReader(r io.Reader, name string, hint Hint) *Reader {
	return &Reader{p: newParser(r, name, hint)}
}

// Scan advances to the next Record and reports whether there is one.
func (r *Reader) Scan() bool {
	for len(r.queue) == 0 {
		if r.err != nil {
			return false
		}
		recs, err := r.p.next()
		r.queue = recs
		if err != nil {
			r.err = err
		}
	}
	r.rec, r.queue = r.queue[0], r.queue[1:]
	return true
}

// Record returns the current Record.
func (r *Reader) Record() *result.Record { return r.rec }

// Err returns the first error met, a *SyntaxError naming file and line, or
// nil at the end of the input.
func (r *Reader) Err() error {
	if errors.Is(r.err, io.EOF) {
		return nil
	}
	return r.err
}

// maxLineBytes bounds one line. "-O all" prints the longest lines netperf
// has, a few KB; garbage without newlines stops here with an error.
const maxLineBytes = 1 << 20

// lines is a line reader with lookahead and line numbers.
type lines struct {
	s    *bufio.Scanner
	name string
	buf  []string // lines read ahead, not yet consumed
	n    int      // number of the last consumed line
	err  error    // read error, reported after the lines before it
}

func newLines(r io.Reader, name string) *lines {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	return &lines{s: s, name: name}
}

// peek returns the k-th line not consumed yet (0 = the next one).
func (l *lines) peek(k int) (string, bool) {
	for len(l.buf) <= k && l.err == nil {
		if !l.s.Scan() {
			l.err = l.s.Err()
			if l.err == nil {
				l.err = io.EOF
			}
			break
		}
		l.buf = append(l.buf, strings.TrimRight(l.s.Text(), "\r"))
	}
	if k < len(l.buf) {
		return l.buf[k], true
	}
	return "", false
}

// next consumes the next line and returns it with its number.
func (l *lines) next() (string, int) {
	s, _ := l.peek(0)
	if len(l.buf) > 0 {
		l.buf = l.buf[1:]
		l.n++
	}
	return s, l.n
}

// lineNo is the number of the k-th line not consumed yet.
func (l *lines) lineNo(k int) int { return l.n + 1 + k }

// readErr turns a failed read into a SyntaxError at the line it happened
// on; io.EOF stays io.EOF.
func (l *lines) readErr() error {
	if l.err == nil || errors.Is(l.err, io.EOF) {
		return l.err
	}
	msg := l.err.Error()
	if errors.Is(l.err, bufio.ErrTooLong) {
		msg = fmt.Sprintf("line longer than %d bytes: not netperf output", maxLineBytes)
	}
	return &SyntaxError{Name: l.name, Line: l.lineNo(len(l.buf)), Msg: msg}
}
