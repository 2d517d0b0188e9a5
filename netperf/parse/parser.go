package parse

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"nperf/result"
)

// parser turns lines into runs. A run is what one netperf invocation
// prints: an optional banner, an optional confidence warning, interim
// results, then one result (a classic table, a -v 0 number, omni output)
// or error lines. Each run is sniffed on its own, so a file may mix
// formats.
type parser struct {
	l    *lines
	name string
	hint Hint // the caller's

	// cmd is the hint from a command line met in the input (a "# cmd:" or
	// "$ netperf" line); it applies to the run that follows.
	cmd *Hint
}

func newParser(r io.Reader, name string, hint Hint) *parser {
	return &parser{l: newLines(r, name), name: name, hint: hint}
}

// A field is one value as netperf printed it, with the line it is on.
type field struct {
	text string
	line int
}

// values maps omni selector names (and a few names of our own for classic
// columns that have no selector, in lower case) to what netperf printed.
// Every format is read into this one shape; build turns it into Records.
type values map[string]field

// run collects what one netperf invocation printed.
type run struct {
	start   int  // first line of its output
	started bool // a banner, warning or interim line has been read
	hint    Hint
	cmd     bool // hint comes from a command line in the input

	banner   *banner
	warning  *warning
	interims []interim
	vals     values

	// layout is how the result was printed: the classic table ("stream",
	// "maerts", "rr", "udp_stream"), "v0" for a -v 0 line, "omni" for
	// -o/-k/-O output; it narrows down the test.
	layout string
	tests  []string // tests whose classic table looks like the one printed

	err *runError
}

// runError is the error lines a run printed instead of a result.
type runError struct {
	kind  string
	lines []string
	line  int
	peer  string // host:port named by a control-connect error
}

func (p *parser) errorf(line int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Name: p.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) newRun() *run {
	r := &run{hint: p.hint, vals: values{}}
	if p.cmd != nil {
		r.hint = p.hint.merge(*p.cmd)
		r.cmd = true
		p.cmd = nil
	}
	return r
}

// begin marks the run as started at line n.
func (r *run) begin(n int) {
	if !r.started {
		r.started = true
		r.start = n
	}
}

// next parses the next run and returns its records; io.EOF at the end.
func (p *parser) next() ([]*result.Record, error) {
	r := p.newRun()
	for {
		line, ok := p.l.peek(0)
		n := p.l.lineNo(0)
		if !ok {
			if err := p.l.readErr(); !errors.Is(err, io.EOF) {
				return nil, err
			}
			if r.started {
				return nil, p.errorf(n, "unexpected end of input: the run that starts on line %d printed no result", r.start)
			}
			return nil, io.EOF
		}
		t := strings.TrimSpace(line)
		if !isText(line) {
			return nil, p.errorf(n, "binary data, not netperf output")
		}
		switch {
		case t == "":
			p.l.next()
		case strings.HasPrefix(t, "#") || strings.HasPrefix(t, "$"):
			p.l.next()
			if h, ok := commentHint(t); ok {
				if r.started {
					return nil, p.errorf(n, "a command line, but the run that starts on line %d printed no result", r.start)
				}
				r.hint = p.hint.merge(h)
				r.cmd = true
			}
		case bannerRE.MatchString(line):
			if r.started {
				return nil, p.errorf(n, "a new banner, but the run that starts on line %d printed no result", r.start)
			}
			r.begin(n)
			p.l.next()
			b, err := parseBanner(line)
			if err != nil {
				return nil, p.errorf(n, "%v", err)
			}
			r.banner = b
		case strings.HasPrefix(t, "!!!"):
			r.begin(n)
			if err := p.readWarning(r); err != nil {
				return nil, err
			}
		case strings.HasPrefix(t, "Interim result:"):
			r.begin(n)
			if err := p.readHumanInterim(r); err != nil {
				return nil, err
			}
		case strings.HasPrefix(t, "NETPERF_"):
			r.begin(n)
			if err := p.readKeyvalInterim(r); err != nil {
				return nil, err
			}
		case csvInterimRE.MatchString(t) && r.hint.Format != FormatClassic:
			r.begin(n)
			if err := p.readCSVInterim(r); err != nil {
				return nil, err
			}
		case classifyError(t) != "":
			r.begin(n)
			return p.readErrors(r)
		case keyvalRE.MatchString(t):
			r.begin(n)
			if err := p.readKeyval(r); err != nil {
				return nil, err
			}
			return p.build(r)
		case isSelectorList(t):
			return nil, p.errorf(n, "a list of omni selector names (netperf -o ? or -O ?), not a test result")
		default:
			r.begin(n)
			done, err := p.readResult(r)
			if err != nil {
				return nil, err
			}
			if !done {
				return nil, p.errorf(n, "not netperf output: %q", clip(t))
			}
			return p.build(r)
		}
	}
}

// readResult reads a result that is not keyval: a classic table, CSV or
// human omni output with headers, or header-less lines read as the hint
// or the shape of the line says. It reports false when the line is none of
// these.
func (p *parser) readResult(r *run) (bool, error) {
	if lay := matchClassicHeader(p.l); lay != nil {
		return true, p.readClassicTable(r, lay)
	}
	if names, ok := csvHeader(p.l); ok {
		return true, p.readCSV(r, names)
	}
	if ok, err := p.tryHuman(r); ok || err != nil {
		return ok, err
	}
	return p.readHeaderless(r)
}

// isText reports whether a line can be netperf output: printable UTF-8
// text and tabs.
func isText(s string) bool {
	for _, c := range s {
		if c == '\t' {
			continue
		}
		if c < ' ' || c == 0x7f || c == '\uFFFD' {
			return false
		}
	}
	return true
}

// clip shortens a line for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// keyvalRE is an omni keyval line: NAME=value.
var keyvalRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*=`)

// commentHint reads a command line out of a comment or shell prompt line:
// "# cmd: netperf -H host -t TCP_RR", "$ netperf ...", "# nperf run ...".
// Other comments carry no hint.
func commentHint(t string) (Hint, bool) {
	s := strings.TrimLeft(t, "#$ \t")
	s = strings.TrimSpace(strings.TrimPrefix(s, "cmd:"))
	s = strings.TrimSpace(strings.TrimPrefix(s, "$"))
	words := splitCommand(s)
	if len(words) == 0 || !isNetperfCommand(words) {
		return Hint{}, false
	}
	return HintFromArgs(words), true
}
