package output

import (
	"fmt"
	"io"
	"strings"

	"nperf/result"
)

// Omni writes a Final record the way netperf's omni printer does when a
// test is given -o (o.OmniMode ModeCSV), -k (ModeKeyval) or -O
// (ModeHuman): the selectors of o.Selection, or of the test's default
// list when it is nil. It writes no banner (see Banner) and, as netperf,
// no confidence warning: the CONFIDENCE_* and *_CONFID selectors report
// on the run instead. At -v 2 and above the histogram of the record's
// round trips follows, as netperf prints it after omni output.
//
// Each mode keeps netperf's layout exactly, quirks included, since
// scripts split these lines: CSV has a header line (only with
// o.Headers) and one line of values, with no quoting beyond the quotes
// RESULT_BRAND and COMMAND_LINE carry; keyval has one NAME=value line per
// selector; human output prints each block as four title lines (with
// o.Headers) and a line of values, in columns as wide as the longer of
// title and value plus one.
func Omni(w io.Writer, rec *result.Record, o Options) error {
	if err := checkFinal("omni", rec); err != nil {
		return err
	}
	sel := o.Selection
	if sel == nil {
		sel = DefaultSelection(rec.Spec)
	}
	x := newFacts(rec, o)
	var b strings.Builder
	switch o.OmniMode {
	case ModeCSV:
		writeCSV(&b, sel, x, o.Headers)
	case ModeKeyval:
		writeKeyval(&b, sel, x)
	case ModeHuman:
		writeHuman(&b, sel, x, o.Headers)
	default:
		return fmt.Errorf("omni: unknown output mode %q (want %q, %q or %q)", o.OmniMode, ModeCSV, ModeKeyval, ModeHuman)
	}
	if o.Verbosity >= 2 {
		omniHistogram(&b, rec)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// checkFinal refuses records the result printers cannot print.
func checkFinal(what string, rec *result.Record) error {
	if rec == nil || rec.Spec == nil {
		return fmt.Errorf("%s: record has no test spec", what)
	}
	if !rec.Final {
		return fmt.Errorf("%s: %s record is an interval sample, not a final result", what, rec.Test)
	}
	if rec.Detail == nil {
		return fmt.Errorf("%s: %s record has no detail", what, rec.Test)
	}
	if _, ok := testTitles[rec.Test]; !ok {
		return fmt.Errorf("%s: unknown test %q", what, rec.Test)
	}
	return nil
}

// writeCSV prints every block on one header line and one value line. A
// selector without a value (RESULT_BRAND without -B) leaves an empty
// field and, as netperf's buffer arithmetic does, one space before the
// next value. Nothing is printed when the first block is empty.
func writeCSV(b *strings.Builder, sel Selection, x *facts, headers bool) {
	if len(sel) == 0 || len(sel[0]) == 0 {
		return
	}
	var hdr, val strings.Builder
	for _, block := range sel {
		for _, s := range block {
			hdr.WriteString(s.header())
			hdr.WriteByte(',')
			if v, ok := s.value(x); ok {
				val.WriteString(v)
				val.WriteByte(',')
			} else {
				val.WriteString(", ")
			}
		}
	}
	if headers {
		h := hdr.String()
		b.WriteString(h[:len(h)-1])
		b.WriteByte('\n')
	}
	v := val.String()
	b.WriteString(v[:len(v)-1])
	b.WriteByte('\n')
}

// writeKeyval prints NAME=value for every selector with a value.
func writeKeyval(b *strings.Builder, sel Selection, x *facts) {
	for _, block := range sel {
		for _, s := range block {
			if v, ok := s.value(x); ok {
				fmt.Fprintf(b, "%s=%s\n", s, v)
			}
		}
	}
}

// writeHuman prints each non-empty block as columns, the blocks after the
// first preceded by an empty line. Every column is as wide as its widest
// title line or its value plus one, whichever is more, then one space;
// lines keep their trailing blanks.
func writeHuman(b *strings.Builder, sel Selection, x *facts, headers bool) {
	for i, block := range sel {
		if len(block) == 0 {
			continue
		}
		var lines [5]strings.Builder // four title lines and the values
		for _, s := range block {
			v, ok := s.value(x)
			w := 0
			for _, t := range selectors[s].title {
				w = max(w, len(t))
			}
			if ok {
				w = max(w, len(v)+1)
			}
			for k, t := range selectors[s].title {
				pad(&lines[k], t, w+1)
			}
			pad(&lines[4], v, w+1)
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		first := 4
		if headers {
			first = 0
		}
		for k := first; k < len(lines); k++ {
			b.WriteString(lines[k].String())
			b.WriteByte('\n')
		}
	}
}

// pad writes s left-aligned in a field of width w.
func pad(b *strings.Builder, s string, w int) {
	b.WriteString(s)
	for n := len(s); n < w; n++ {
		b.WriteByte(' ')
	}
}
