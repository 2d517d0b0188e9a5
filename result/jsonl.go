package result

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// An Encoder writes Records and Headers as JSON Lines, one object per line.
// It is not safe for concurrent use; callers that emit from many goroutines
// serialise through one Encoder.
type Encoder struct {
	w   io.Writer
	buf bytes.Buffer
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// Encode writes one Record as one line.
func (e *Encoder) Encode(r *Record) error { return e.write(r) }

// EncodeHeader writes a Header line: {"header":{...}}.
func (e *Encoder) EncodeHeader(h *Header) error {
	return e.write(struct {
		Header *Header `json:"header"`
	}{h})
}

func (e *Encoder) write(v any) error {
	e.buf.Reset()
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := e.w.Write(e.buf.Bytes())
	return err
}

// A Reader reads a stream of Records in the style of bufio.Scanner:
//
//	r := result.NewReader(f, "run.jsonl")
//	for r.Scan() { use(r.Record()) }
//	if err := r.Err(); err != nil { ... }
//
// Blank lines are skipped. Header lines are available through Header; for
// them Record returns nil. A malformed line stops the scan with an error
// naming file and line.
type Reader struct {
	s      *bufio.Scanner
	name   string
	line   int
	rec    *Record
	header *Header
	err    error
}

// maxLine bounds one JSON line; a Final record with a latency histogram is
// a few KB, so 16 MiB leaves room without trusting input blindly.
const maxLine = 16 << 20

// NewReader reads from r; name is used in error messages ("-" for stdin).
func NewReader(r io.Reader, name string) *Reader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64<<10), maxLine)
	return &Reader{s: s, name: name}
}

// Scan advances to the next Record or Header and reports whether there is one.
func (r *Reader) Scan() bool {
	if r.err != nil {
		return false
	}
	for r.s.Scan() {
		r.line++
		b := bytes.TrimSpace(r.s.Bytes())
		if len(b) == 0 {
			continue
		}
		r.rec, r.header = nil, nil
		if err := r.decode(b); err != nil {
			r.err = fmt.Errorf("%s:%d: %w", r.name, r.line, err)
			return false
		}
		return true
	}
	if err := r.s.Err(); err != nil {
		r.err = fmt.Errorf("%s:%d: %w", r.name, r.line+1, err)
	}
	return false
}

func (r *Reader) decode(b []byte) error {
	if b[0] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	var probe struct {
		Header *Header `json:"header"`
	}
	if bytes.Contains(b, []byte(`"header"`)) {
		if err := json.Unmarshal(b, &probe); err == nil && probe.Header != nil {
			r.header = probe.Header
			return nil
		}
	}
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return err
	}
	if rec.Test == "" {
		return fmt.Errorf("record has no \"test\"")
	}
	r.rec = &rec
	return nil
}

// Record returns the current Record, or nil when the current line is a Header.
func (r *Reader) Record() *Record { return r.rec }

// Header returns the current Header, or nil when the current line is a Record.
func (r *Reader) Header() *Header { return r.header }

// Err returns the first error met, with file and line.
func (r *Reader) Err() error { return r.err }

// ReadFiles reads every Record of the named files in order; "-" is stdin.
// Headers are skipped.
func ReadFiles(names []string, stdin io.Reader) ([]*Record, error) {
	var out []*Record
	for _, name := range names {
		var in io.Reader = stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return out, err
			}
			defer f.Close()
			in = f
		}
		rd := NewReader(in, name)
		for rd.Scan() {
			if rec := rd.Record(); rec != nil {
				out = append(out, rec)
			}
		}
		if err := rd.Err(); err != nil {
			return out, err
		}
	}
	return out, nil
}
