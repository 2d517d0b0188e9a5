package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"nperf/internal/units"
)

// notAvailable is what a formatter prints for a value that does not exist
// (NaN: a statistic of too few values, a quantity not measured).
const notAvailable = "n/a"

// sig3 prints v with three significant digits (at least none after the
// point for values of 100 and above).
func sig3(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 100 || a == 0:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// rateUnits are the units format_throughput accepts, in bits/s.
var rateUnits = map[string]float64{
	"bit/s": 1, "kbit/s": 1e3, "Mbit/s": 1e6, "Gbit/s": 1e9, "Tbit/s": 1e12,
	"B/s": 8, "KB/s": 8 * 1024, "MB/s": 8 * 1024 * 1024, "GB/s": 8 * 1024 * 1024 * 1024,
}

// formatThroughput prints bits/s: "9.41 Gbit/s" (units.BitsPerSecond), or
// in a unit given (two decimals).
func formatThroughput(bps float64, unit string) (string, error) {
	if math.IsNaN(bps) || math.IsInf(bps, 0) {
		return notAvailable, nil
	}
	if unit == "" || unit == "auto" {
		if bps >= 1e12 {
			return fmt.Sprintf("%.2f Tbit/s", bps/1e12), nil
		}
		return units.BitsPerSecond(bps), nil
	}
	f, ok := rateUnits[unit]
	if !ok {
		return "", fmt.Errorf("unknown throughput unit %q (want bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s, B/s, KB/s, MB/s or GB/s)", unit)
	}
	return fmt.Sprintf("%.2f %s", bps/f, unit), nil
}

// latencyUnits are the units format_latency accepts, in nanoseconds.
var latencyUnits = map[string]float64{"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}

// formatLatency prints nanoseconds with three significant digits in the
// largest unit that keeps the number at or above 1: "57.3 us".
func formatLatency(ns float64, unit string) (string, error) {
	if math.IsNaN(ns) || math.IsInf(ns, 0) {
		return notAvailable, nil
	}
	if unit == "" || unit == "auto" {
		a := math.Abs(ns)
		switch {
		case a >= 1e9:
			unit = "s"
		case a >= 1e6:
			unit = "ms"
		case a >= 1e3:
			unit = "us"
		default:
			unit = "ns"
		}
		return sig3(ns/latencyUnits[unit]) + " " + unit, nil
	}
	f, ok := latencyUnits[unit]
	if !ok {
		return "", fmt.Errorf("unknown latency unit %q (want ns, us, ms or s)", unit)
	}
	return sig3(ns/f) + " " + unit, nil
}

// formatPercent prints a fraction as a percentage: 0.123 -> "12.3%".
func formatPercent(frac float64, decimals int) string {
	if math.IsNaN(frac) || math.IsInf(frac, 0) {
		return notAvailable
	}
	s := strconv.FormatFloat(frac*100, 'f', decimals, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-") // no "-0.0%"
	}
	return s + "%"
}

// formatBytes prints a byte count in IEC units: "64.0 KiB".
func formatBytes(n float64) string {
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return notAvailable
	}
	a := math.Abs(n)
	if a < 1024 {
		return strconv.FormatFloat(n, 'f', 0, 64) + " B"
	}
	for i, u := range []string{"KiB", "MiB", "GiB", "TiB", "PiB"} {
		scale := math.Pow(1024, float64(i+1))
		if a < scale*1024 || u == "PiB" {
			return sig3(n/scale) + " " + u
		}
	}
	return "" // not reached
}

// formatDuration prints a duration: "250 ms", "2.00 s", "1m30s".
func formatDuration(d time.Duration) string {
	switch a := max(d, -d); {
	case a >= time.Minute:
		return d.Round(time.Second).String()
	case a >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
	}
	s, _ := formatLatency(float64(d), "")
	return s
}

// formatNumber prints a number with thousands separators and the given
// decimals: 1234567.891 -> "1,234,567.89".
func formatNumber(x float64, decimals int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return notAvailable
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', decimals, 64)
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var sb strings.Builder
	if x < 0 && strings.Trim(s, "0.") != "" {
		sb.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(c)
	}
	if hasFrac {
		sb.WriteString("." + frac)
	}
	return sb.String()
}

// formatTime prints a time in UTC: "2026-12-03 17:10:55 UTC", or with a Go
// layout.
func formatTime(t time.Time, layout string) string {
	if t.IsZero() {
		return notAvailable
	}
	if layout == "" {
		layout = "2006-01-02 15:04:05 MST"
	}
	return t.UTC().Format(layout)
}

// escapeLaTeX makes text safe inside a LaTeX document: every character
// with a meaning to TeX becomes its literal form, and line breaks and
// control characters become spaces, so that text from the network cannot
// run commands (\input, \write18) or break the table.
func escapeLaTeX(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			sb.WriteString(`\textbackslash{}`)
		case '&', '%', '$', '#', '_', '{', '}':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case '~':
			sb.WriteString(`\textasciitilde{}`)
		case '^':
			sb.WriteString(`\textasciicircum{}`)
		case '<':
			sb.WriteString(`\textless{}`)
		case '>':
			sb.WriteString(`\textgreater{}`)
		case '|':
			sb.WriteString(`\textbar{}`)
		default:
			if r < 0x20 || r == 0x7f {
				sb.WriteByte(' ')
				continue
			}
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// escapeCSV makes text one safe CSV cell (RFC 4180): a cell a spreadsheet
// would read as a formula (starting with = + - @, tab or carriage return)
// gets a leading apostrophe, and a cell with a comma, quote or line break
// is quoted with its quotes doubled.
func escapeCSV(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	if strings.ContainsAny(s, ",\"\n\r") {
		s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// escapeMarkdown makes text literal in Markdown, in paragraphs and table
// cells: punctuation Markdown acts on is backslash-escaped (HTML tags and
// links included) and line breaks become spaces.
func escapeMarkdown(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case strings.ContainsRune("\\`*_[]<>#|~&", r):
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r == '\n' || r == '\r' || r == '\t':
			sb.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// formatValue prints a value in a unit of the data model.
func formatValue(x float64, unit string) (string, error) {
	switch unit {
	case "bits/s":
		return formatThroughput(x, "")
	case "trans/s":
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return notAvailable, nil
		}
		return formatNumber(x, 0) + " trans/s", nil
	case "ns":
		return formatLatency(x, "")
	case "bytes":
		return formatBytes(x), nil
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return notAvailable, nil
	}
	s := formatNumber(x, 2)
	if unit != "" {
		s += " " + unit
	}
	return s, nil
}
