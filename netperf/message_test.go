package netperf

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// capturedMessage is one control message taken from a tcpdump hex dump.
type capturedMessage struct {
	fromServer bool
	msg        message
}

var pktLine = regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d+ IP6? (\S+) > (\S+): .* length (\d+)$`)

// readHexdump extracts the control messages (TCP payloads to or from port
// 12865) of a `tcpdump -xx` dump, in order, per direction.
func readHexdump(t *testing.T, path string) []capturedMessage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []capturedMessage
	var cur []byte
	var curLen int
	var curFromServer, curControl bool
	streams := map[bool][]byte{} // control stream bytes per direction
	flush := func() {
		if curControl && curLen > 0 {
			streams[curFromServer] = append(streams[curFromServer], cur[len(cur)-curLen:]...)
			for len(streams[curFromServer]) >= MessageSize {
				var c capturedMessage
				c.fromServer = curFromServer
				copy(c.msg[:], streams[curFromServer])
				streams[curFromServer] = streams[curFromServer][MessageSize:]
				out = append(out, c)
			}
		}
		cur, curLen = nil, 0
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := pktLine.FindStringSubmatch(line); m != nil {
			flush()
			curFromServer = strings.HasSuffix(m[1], ".12865")
			curControl = curFromServer || strings.HasSuffix(m[2], ".12865")
			curLen, _ = strconv.Atoi(m[3])
			continue
		}
		if i := strings.Index(line, ":  "); strings.HasPrefix(line, "\t0x") && i > 0 {
			hexPart := strings.SplitN(line[i+3:], "  ", 2)[0]
			b, err := hex.DecodeString(strings.ReplaceAll(hexPart, " ", ""))
			if err != nil {
				t.Fatalf("%s: %q: %v", path, line, err)
			}
			cur = append(cur, b...)
		}
	}
	flush()
	return out
}

// decodedMessage is one message of a .decoded.txt file: its kind and the
// field values it states, by netperf's field names.
type decodedMessage struct {
	fromServer bool
	kind       string // "request", "OMNI response", "OMNI results"
	values     map[string]string
}

var (
	msgHead   = regexp.MustCompile(`^--- (netperf->netserver|netserver->netperf) message #\d+ \((.*)\): 656 bytes`)
	fieldLine = regexp.MustCompile(`^\s+off 0x[0-9a-f]+\s+(?:[0-9a-f]{2} ?)+(?:\.\.\. )?\s+(\S+)\s+= (.*?)\s+\[(htonl|raw)\]$`)
	headLine  = regexp.MustCompile(`^\s+off 0x00([04])\s+(?:[0-9a-f]{2} ?)+\s+(type|word1)\s+= (-?\d+)`)
)

func readDecoded(t *testing.T, path string) []decodedMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []decodedMessage
	for _, line := range strings.Split(string(b), "\n") {
		if m := msgHead.FindStringSubmatch(line); m != nil {
			out = append(out, decodedMessage{fromServer: m[1] == "netserver->netperf", kind: m[2], values: map[string]string{}})
			continue
		}
		if len(out) == 0 {
			continue
		}
		if m := headLine.FindStringSubmatch(line); m != nil {
			out[len(out)-1].values[m[2]] = m[3]
			continue
		}
		if m := fieldLine.FindStringSubmatch(line); m != nil {
			out[len(out)-1].values[m[1]] = m[2]
		}
	}
	return out
}

// fieldValues renders decoded fields by name, in the notation the decoded
// files use, so that the two can be compared value by value.
func fieldValues(fs []field) map[string]any {
	out := map[string]any{}
	for _, f := range fs {
		switch v := f.p.(type) {
		case *int32:
			out[f.name] = int64(*v)
		case *uint32:
			out[f.name] = int64(*v)
		case *float32:
			out[f.name] = float64(*v)
		case *[4]uint32:
			for i, w := range v {
				out[fmt.Sprintf("%s[%d]", f.name, i)] = int64(w)
			}
		case *string:
			out[f.name] = *v
		}
	}
	return out
}

func checkValues(t *testing.T, where string, got map[string]any, want map[string]string) {
	t.Helper()
	n := 0
	for name, w := range want {
		if name == "type" || name == "word1" {
			continue
		}
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: field %s in decoded file but not in our layout", where, name)
			continue
		}
		n++
		switch g := g.(type) {
		case int64:
			wv, err := strconv.ParseInt(w, 0, 64)
			if err != nil {
				t.Fatalf("%s: %s: bad expected value %q", where, name, w)
			}
			if g != wv && g != int64(uint32(wv)) {
				t.Errorf("%s: %s = %d, capture says %s", where, name, g, w)
			}
		case float64:
			wv, err := strconv.ParseFloat(w, 64)
			if err != nil {
				t.Fatalf("%s: %s: bad expected value %q", where, name, w)
			}
			if !(g == wv || math.IsNaN(g) && math.IsNaN(wv)) {
				t.Errorf("%s: %s = %v, capture says %s", where, name, g, w)
			}
		case string:
			if "'"+g+"'" != w {
				t.Errorf("%s: %s = %q, capture says %s", where, name, g, w)
			}
		}
	}
	if n < 15 {
		t.Errorf("%s: only %d fields compared", where, n)
	}
}

// TestCodecAgainstCaptures decodes every control message captured between
// stock netperf 2.7.1 and netserver, checks each field against the values
// stated in the .decoded.txt files, and re-encodes it to the same bytes.
func TestCodecAgainstCaptures(t *testing.T) {
	dumps, _ := filepath.Glob("testdata/wire/*_control.hexdump.txt")
	full, _ := filepath.Glob("testdata/wire/*_paced_full.hexdump.txt")
	dumps = append(dumps, full...)
	if len(dumps) < 10 {
		t.Fatalf("only %d captures found", len(dumps))
	}
	for _, dump := range dumps {
		name := strings.TrimSuffix(filepath.Base(dump), ".hexdump.txt")
		t.Run(name, func(t *testing.T) {
			// The decoded files list netperf's messages, then netserver's.
			var msgs []capturedMessage
			all := readHexdump(t, dump)
			for _, fromServer := range []bool{false, true} {
				for _, c := range all {
					if c.fromServer == fromServer {
						msgs = append(msgs, c)
					}
				}
			}
			dec := readDecoded(t, "testdata/wire/"+name+".decoded.txt")
			if len(msgs) != len(dec) || len(msgs)%3 != 0 {
				t.Fatalf("%d messages in dump, %d in decoded file", len(msgs), len(dec))
			}
			for i, c := range msgs {
				d := dec[i]
				where := fmt.Sprintf("message %d (%s)", i, d.kind)
				if c.fromServer != d.fromServer {
					t.Fatalf("%s: direction differs", where)
				}
				var re message
				var fs []field
				switch d.kind {
				case "request":
					var r omniRequest
					r.decode(&c.msg)
					fs = r.fields()
					checkValues(t, where, fieldValues(fs), d.values)
					if c.msg.typ() != typeDoOmni || strconv.Itoa(int(r.CPUBind)) != d.values["word1"] {
						t.Errorf("%s: header %d/%d", where, c.msg.typ(), r.CPUBind)
					}
					r.encode(&re)
				case "OMNI response":
					var r omniResponse
					r.decode(&c.msg)
					fs = r.fields()
					checkValues(t, where, fieldValues(fs), d.values)
					r.encode(&re)
				case "OMNI results":
					var r omniResults
					r.decode(&c.msg)
					fs = r.fields()
					checkValues(t, where, fieldValues(fs), d.values)
					r.encode(&re)
					re.setHeader(c.msg.typ(), r.ServErrno) // netserver's stale type word
				default:
					t.Fatalf("unknown kind %q", d.kind)
				}
				// Past the struct netserver leaves whatever its buffer held
				// (a later response still carries "bbr" from the results
				// before it); only the struct's own bytes must agree.
				end := layoutEnd(fs)
				if !bytes.Equal(re[:end], c.msg[:end]) {
					t.Errorf("%s: re-encoding differs from the captured bytes", where)
				}
			}
		})
	}
}

func layoutEnd(fs []field) int {
	end := 8
	for _, f := range fs {
		switch f.p.(type) {
		case *[4]uint32:
			end += 16
		case *string:
			end += f.size
		default:
			end += 4
		}
	}
	return end
}

func TestAddrWords(t *testing.T) {
	v6 := addrWords(netip.MustParseAddr("::1"))
	if v6 != [4]uint32{0, 0, 0, 0x01000000} {
		t.Errorf("::1 -> %08x, want the per-word byte reversal stock netperf sends", v6)
	}
	if got := wordsAddr(v6, nfInet6); got != netip.MustParseAddr("::1") {
		t.Errorf("round trip ::1 = %v", got)
	}
	v4 := addrWords(netip.MustParseAddr("127.0.0.1"))
	if v4 != [4]uint32{0x7f000001, 0, 0, 0} {
		t.Errorf("127.0.0.1 -> %08x", v4)
	}
	if got := wordsAddr(v4, nfInet); got != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("round trip 127.0.0.1 = %v", got)
	}
	a := netip.MustParseAddr("fe80::1234:5678:9abc:def0")
	if got := wordsAddr(addrWords(a), nfInet6); got != a {
		t.Errorf("round trip %v = %v", a, got)
	}
}

func TestPartialMessage(t *testing.T) {
	var m message
	err := readMessage(strings.NewReader("short"), &m)
	if err == nil || !strings.Contains(err.Error(), "5 of 656") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzDecode feeds arbitrary bytes to every decoder; they must never panic
// and must re-encode what they decoded to a stable form.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/wire/*_control.hexdump.txt")
	for _, s := range seeds {
		t := &testing.T{}
		for _, c := range readHexdump(t, s) {
			f.Add(c.msg[:])
		}
	}
	f.Add([]byte{0, 0, 0, 97})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m message
		copy(m[:], b)
		var req omniRequest
		req.decode(&m)
		var m2 message
		req.encode(&m2)
		var req2 omniRequest
		req2.decode(&m2)
		if fmt.Sprint(req) != fmt.Sprint(req2) {
			t.Fatalf("request not stable: %+v vs %+v", req, req2)
		}
		var resp omniResponse
		resp.decode(&m)
		var res omniResults
		res.decode(&m)
		_ = res.bytesReceived() + res.bytesSent()
	})
}
