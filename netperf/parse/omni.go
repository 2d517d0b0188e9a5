package parse

import (
	"strings"
)

// readKeyval reads omni keyval output (-k): consecutive NAME=value lines.
// A name seen twice starts the next run. Names that are no netperf 2.7
// selector (other versions have a few more) are skipped.
func (p *parser) readKeyval(r *run) error {
	r.layout = "omni"
	seen := map[string]bool{}
	for {
		line, ok := p.l.peek(0)
		t := strings.TrimSpace(line)
		if !ok || !keyvalRE.MatchString(t) {
			return nil
		}
		name, val, _ := strings.Cut(t, "=")
		if seen[name] {
			return nil
		}
		seen[name] = true
		_, n := p.l.next()
		s := selectorByName[name]
		if s == nil {
			continue
		}
		val = strings.TrimSpace(val)
		if err := s.check(val); err != nil {
			return p.errorf(n, "%v", err)
		}
		r.vals[name] = field{text: val, line: n}
	}
}

// csvHeader reports whether the next line is the header line of omni CSV
// output (-o): every comma-separated title is a selector's.
func csvHeader(l *lines) ([]*selector, bool) {
	line, _ := l.peek(0)
	titles := strings.Split(line, ",")
	used := map[*selector]bool{}
	var out []*selector
	for _, t := range titles {
		t = strings.TrimSpace(t)
		var s *selector
		for _, c := range selectorsByCSV[t] {
			if !used[c] {
				s = c
				break
			}
		}
		if s == nil {
			return nil, false
		}
		used[s] = true
		out = append(out, s)
	}
	return out, true
}

// readCSV reads omni CSV output with its header line.
func (p *parser) readCSV(r *run, sels []*selector) error {
	_, hn := p.l.next()
	if _, ok := p.l.peek(0); !ok {
		return p.errorf(p.l.lineNo(0), "unexpected end of input: the CSV header on line %d has no value line", hn)
	}
	return p.readCSVValues(r, sels)
}

// readCSVValues reads one CSV value line for the given selectors.
func (p *parser) readCSVValues(r *run, sels []*selector) error {
	r.layout = "omni"
	line, n := p.l.next()
	vals := splitCSV(line)
	if len(vals) != len(sels) {
		return p.errorf(n, "%d CSV values for %d columns", len(vals), len(sels))
	}
	for i, s := range sels {
		// A NULL value (RESULT_BRAND without -B) shifts a space into the
		// next field; OUTPUT_NONE prints a lone space.
		v := strings.TrimSpace(vals[i])
		if err := s.check(v); err != nil {
			return p.errorf(n, "column %d %v", i+1, err)
		}
		r.vals[s.name] = field{text: v, line: n}
	}
	return nil
}

// splitCSV splits netperf's CSV: commas separate fields, and a field that
// starts with a double quote (RESULT_BRAND, COMMAND_LINE) runs to the next
// quote that ends the field, commas and all, since netperf escapes
// nothing.
func splitCSV(line string) []string {
	var out []string
	for {
		t := strings.TrimLeft(line, " ")
		if strings.HasPrefix(t, `"`) {
			end := -1
			for i := 1; i < len(t); i++ {
				if t[i] == '"' && (i+1 == len(t) || t[i+1] == ',') {
					end = i
					break
				}
			}
			if end > 0 {
				out = append(out, t[:end+1])
				if end+1 == len(t) {
					return out
				}
				line = t[end+2:]
				continue
			}
		}
		f, rest, more := strings.Cut(line, ",")
		out = append(out, f)
		if !more {
			return out
		}
		line = rest
	}
}

// A humanColumn is one column found in human (-O) output: its selector
// and the column it starts at.
type humanColumn struct {
	sel *selector
	pos int
}

// tryHuman reads human omni output (-O) with headers: blocks of four
// header lines and a value line. It reports false, and reads nothing,
// when the next lines are not such a block.
func (p *parser) tryHuman(r *run) (bool, error) {
	var hint []*selector
	if r.hint.Format == FormatHuman {
		if blocks, err := selection(r.hint.Selectors, r.knownTest(), cpuMeasured(r.hint)); err == nil && len(blocks) > 0 {
			hint = blocks[0]
		}
	}
	hdr, ok := humanHeader(p.l, 0, hint)
	if !ok {
		return false, nil
	}
	for block := 0; ; block++ {
		for range 4 {
			p.l.next()
		}
		if _, ok := p.l.peek(0); !ok {
			return true, p.errorf(p.l.lineNo(0), "unexpected end of input: the header lines of human output before it have no value line")
		}
		sels := make([]*selector, len(hdr))
		for i, c := range hdr {
			sels[i] = c.sel
		}
		if err := p.readHumanValues(r, sels); err != nil {
			return true, err
		}
		// Blocks after the first follow an empty line.
		if s, ok := p.l.peek(0); !ok || strings.TrimSpace(s) != "" || block == 3 {
			return true, nil
		}
		if hdr, ok = humanHeader(p.l, 1, nil); !ok {
			return true, nil
		}
		p.l.next()
	}
}

func cpuMeasured(h Hint) bool { return h.Spec != nil && (h.Spec.LocalCPU || h.Spec.RemoteCPU) }

// humanHeader finds the columns of a human header: four lines where each
// column is as wide as its widest header line (or its value, plus one)
// and followed by a space. It starts k lines ahead. want, when known, is
// the selectors expected.
func humanHeader(l *lines, k int, want []*selector) ([]humanColumn, bool) {
	var hl [4]string
	width := 0
	for i := range hl {
		s, ok := l.peek(k + i)
		if !ok {
			return nil, false
		}
		hl[i] = s
		width = max(width, len(s))
	}
	val, ok := l.peek(k + 4)
	if !ok || strings.TrimSpace(hl[0]) == "" {
		return nil, false
	}
	used := map[*selector]bool{}
	var out []humanColumn
	pos := 0
	for pos < width && strings.TrimSpace(sub(hl[0], pos, width)+sub(hl[1], pos, width)+sub(hl[2], pos, width)+sub(hl[3], pos, width)) != "" {
		var s *selector
		if len(want) > len(out) && headerAt(hl, pos, want[len(out)]) {
			s = want[len(out)]
		}
		for i := range selectorTable {
			if s != nil {
				break
			}
			c := &selectorTable[i]
			if c.name == "OUTPUT_NONE" || used[c] {
				continue
			}
			if headerAt(hl, pos, c) {
				s = c
			}
		}
		if s == nil && pos > 0 && headerAt(hl, pos, selectorByName["OUTPUT_NONE"]) {
			s = selectorByName["OUTPUT_NONE"]
		}
		if s == nil {
			return nil, false
		}
		used[s] = true
		out = append(out, humanColumn{sel: s, pos: pos})
		v := humanValue(val, pos)
		pos += max(s.width(), len(v)+1) + 1
	}
	return out, len(out) > 0
}

// headerAt reports whether s's header lines start at pos on the four
// header lines, each padded with spaces to s's width and followed by a
// space.
func headerAt(hl [4]string, pos int, s *selector) bool {
	w := s.width()
	for i := range hl {
		want := ""
		if i < len(s.header) {
			want = s.header[i]
		}
		if sub(hl[i], pos, pos+w+1) != want+strings.Repeat(" ", w+1-len(want)) {
			return false
		}
	}
	return true
}

// sub is s[i:j] padded with spaces past the end of s, as lines whose
// trailing spaces were trimmed read.
func sub(s string, i, j int) string {
	var b strings.Builder
	for k := i; k < j; k++ {
		if k < len(s) {
			b.WriteByte(s[k])
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// humanValue is the value printed at pos: a quoted string, or the text up
// to the next space.
func humanValue(line string, pos int) string {
	if pos >= len(line) {
		return ""
	}
	t := line[pos:]
	if strings.HasPrefix(t, `"`) {
		if end := strings.Index(t[1:], `" `); end >= 0 {
			return t[:end+2]
		}
		if strings.HasSuffix(strings.TrimRight(t, " "), `"`) {
			return strings.TrimRight(t, " ")
		}
	}
	if i := strings.IndexByte(t, ' '); i >= 0 {
		return t[:i]
	}
	return t
}

// readHumanValues reads one human value line for the given selectors:
// each column is max(header width, value length + 1) wide plus a space.
func (p *parser) readHumanValues(r *run, sels []*selector) error {
	r.layout = "omni"
	line, n := p.l.next()
	pos := 0
	for i, s := range sels {
		v := humanValue(line, pos)
		w := max(s.width(), len(v)+1)
		if strings.TrimSpace(sub(line, pos+len(v), pos+w+1)) != "" {
			return p.errorf(n, "column %d (%s) does not line up: %q", i+1, s.name, clip(strings.TrimSpace(sub(line, pos, pos+w+1))))
		}
		if err := s.check(v); err != nil {
			return p.errorf(n, "column %d %v", i+1, err)
		}
		r.vals[s.name] = field{text: v, line: n}
		pos += w + 1
	}
	if pos < len(line) && strings.TrimSpace(line[pos:]) != "" {
		return p.errorf(n, "text after the %d columns: %q", len(sels), clip(strings.TrimSpace(line[pos:])))
	}
	return nil
}

// readHeaderless reads a result printed without headers: as the hint's
// format says, or, when it says nothing, as CSV when the line has commas
// and as classic output otherwise. It reports false when the line is not
// a result at all.
func (p *parser) readHeaderless(r *run) (bool, error) {
	line, _ := p.l.peek(0)
	n := p.l.lineNo(0)
	format := r.hint.Format
	if format == FormatAuto {
		format = FormatClassic
		if strings.Contains(line, ",") {
			format = FormatCSV
		}
	}
	switch format {
	case FormatClassic:
		f := strings.Fields(line)
		if len(f) == 0 || !isNumber(f[0]) {
			return false, nil
		}
		return true, p.readClassicHeaderless(r)
	case FormatKeyval:
		return true, p.errorf(n, "expected omni keyval output (NAME=value), found %q", clip(strings.TrimSpace(line)))
	}
	// CSV or human values without headers: the selectors must come from
	// the hint, or be the test's default list.
	sels, err := p.headerlessSelectors(r, format, line, n)
	if err != nil {
		return true, err
	}
	if format == FormatCSV {
		return true, p.readCSVValues(r, sels[0])
	}
	for i, blk := range sels {
		if i > 0 {
			// Blocks after the first follow an empty line.
			if s, ok := p.l.peek(0); !ok || strings.TrimSpace(s) != "" {
				return true, p.errorf(p.l.lineNo(0), "human output block %d of %d is missing", i+1, len(sels))
			}
			p.l.next()
		}
		if err := p.readHumanValues(r, blk); err != nil {
			return true, err
		}
	}
	return true, nil
}

// headerlessSelectors finds the selectors of header-less CSV or human
// output: the hint's list, or the test's default list (with or without the
// CPU columns, whichever has as many values as the line).
func (p *parser) headerlessSelectors(r *run, format Format, line string, n int) ([][]*selector, error) {
	test := r.knownTest()
	if r.hint.Selectors != "" || r.cmd {
		blocks, err := selection(r.hint.Selectors, test, cpuMeasured(r.hint))
		if err != nil {
			return nil, p.errorf(n, "%v", err)
		}
		if format == FormatCSV {
			var all []*selector
			for _, b := range blocks {
				all = append(all, b...)
			}
			blocks = [][]*selector{all}
		}
		return blocks, nil
	}
	if test == "" {
		return nil, p.errorf(n, "omni %s values without headers (-P 0): which selectors they are is not known; give the netperf command line with --cmd", format)
	}
	count := len(splitCSV(line))
	if format == FormatHuman {
		count = len(strings.Fields(line))
	}
	for _, cpu := range []bool{false, true} {
		if s := defaultSelection(test, cpu); len(s) == count {
			return [][]*selector{s}, nil
		}
	}
	return nil, p.errorf(n, "omni %s values without headers (-P 0): %d values are not the default selection of %s; give the netperf command line with --cmd", format, count, test)
}
