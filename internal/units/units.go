// Package units parses and formats the quantities netperf users type and
// read: sizes with netperf's suffix rules, bit and byte rates in the unit
// chosen by netperf's -f letter, and durations.
package units

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize parses a size the way netperf's convert() does: a plain integer
// is bytes; an upper-case suffix (K, M, G) is a power of 1024 and a
// lower-case one (k, m, g) a power of 1000. A trailing "B" or "b" after the
// multiplier is accepted ("64KB").
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty size")
	}
	mult := int64(1)
	if n := len(t); n > 1 && (t[n-1] == 'B' || t[n-1] == 'b') && strings.ContainsAny(t[n-2:n-1], "KMGkmg") {
		t = t[:n-1]
	}
	switch t[len(t)-1] {
	case 'K':
		mult = 1 << 10
	case 'M':
		mult = 1 << 20
	case 'G':
		mult = 1 << 30
	case 'k':
		mult = 1000
	case 'm':
		mult = 1000 * 1000
	case 'g':
		mult = 1000 * 1000 * 1000
	}
	if mult != 1 {
		t = t[:len(t)-1]
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n * mult, nil
}

// Format is netperf's -f unit letter: it picks the unit a throughput is
// printed in. Only the letter's first character matters, as in netperf.
type Format byte

// The -f letters netperf knows. FormatDefault means "not given": stream
// tests print 10^6 bits/s and request/response tests transactions/s.
const (
	FormatDefault Format = 0
	FormatBits    Format = 'b'
	FormatKbits   Format = 'k'
	FormatMbits   Format = 'm'
	FormatGbits   Format = 'g'
	FormatBytes   Format = 'B'
	FormatKBytes  Format = 'K'
	FormatMBytes  Format = 'M'
	FormatGBytes  Format = 'G'
	FormatTrans   Format = 'x'
)

// ParseFormat accepts a -f argument. netperf reads only the first letter
// and treats unknown letters as KBytes; nperf rejects them instead, because
// a silent fallback mislabels numbers.
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return 0, fmt.Errorf("empty unit letter")
	}
	f := Format(s[0])
	switch f {
	case FormatBits, FormatKbits, FormatMbits, FormatGbits, FormatBytes, FormatKBytes, FormatMBytes, FormatGBytes, FormatTrans:
		return f, nil
	}
	return 0, fmt.Errorf("unknown unit letter %q (want one of b k m g B K M G x)", s[:1])
}

// Unit returns netperf's unit string for the format, without "/s":
// "10^6bits", "KBytes", "Trans".
func (f Format) Unit() string {
	switch f {
	case FormatBits:
		return "10^0bits"
	case FormatKbits:
		return "10^3bits"
	case FormatMbits, FormatDefault:
		return "10^6bits"
	case FormatGbits:
		return "10^9bits"
	case FormatBytes:
		return "Bytes"
	case FormatKBytes:
		return "KBytes"
	case FormatMBytes:
		return "MBytes"
	case FormatGBytes:
		return "GBytes"
	case FormatTrans:
		return "Trans"
	}
	return "KBytes"
}

// FromBytesPerSecond converts a byte rate into the unit of the format.
// netperf's 'b' divides by one (its label says bits but the value is
// bytes/s); nperf follows so that numbers match netperf's.
func (f Format) FromBytesPerSecond(bps float64) float64 {
	switch f {
	case FormatBits, FormatBytes, FormatTrans:
		return bps
	case FormatKbits:
		return bps * 8 / 1e3
	case FormatMbits, FormatDefault:
		return bps * 8 / 1e6
	case FormatGbits:
		return bps * 8 / 1e9
	case FormatKBytes:
		return bps / 1024
	case FormatMBytes:
		return bps / (1024 * 1024)
	case FormatGBytes:
		return bps / (1024 * 1024 * 1024)
	}
	return bps / 1024
}

// BitsPerSecond formats a rate in bits/s with an SI prefix: "9.41 Gbit/s".
func BitsPerSecond(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2f Gbit/s", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.2f Mbit/s", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.2f kbit/s", v/1e3)
	}
	return fmt.Sprintf("%.0f bit/s", v)
}
