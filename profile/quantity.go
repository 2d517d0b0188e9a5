package profile

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// splitNumber splits "9.5 Gbit/s" into 9.5 and "Gbit/s".
func splitNumber(s string) (float64, string, error) {
	s = strings.TrimSpace(s)
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
		digits++
	}
	if digits > 0 && i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
		}
	}
	if digits == 0 {
		return 0, "", fmt.Errorf("%q does not start with a number", s)
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, "", fmt.Errorf("invalid number %q", s[:i])
	}
	return v, strings.TrimSpace(s[i:]), nil
}

// prefixes are the SI and binary multipliers of rate units.
var prefixes = map[string]float64{
	"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12,
	"ki": 1 << 10, "mi": 1 << 20, "gi": 1 << 30, "ti": 1 << 40,
}

// parseRate reads a data rate and returns bits per second. It takes the
// spellings people write: "9 Gbit/s", "10 Gbps", "10Gb/s", "500 Mbit/s",
// "1.25 GB/s" (bytes, SI), "100 MiB/s" (bytes, binary). A lower-case b is
// bits and an upper-case B bytes; the prefix's case does not matter.
func parseRate(s string) (float64, error) {
	v, unit, err := splitNumber(s)
	if err != nil {
		return 0, err
	}
	if unit == "" {
		return 0, fmt.Errorf("%q needs a unit (for example Gbit/s, Mbps, MB/s)", s)
	}
	m, ok := rateUnit(unit)
	if !ok {
		return 0, fmt.Errorf("unknown rate unit %q (want bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s, bps, Mbps, Gbps, B/s, MB/s, GB/s, MiB/s, ...)", unit)
	}
	if v < 0 {
		return 0, fmt.Errorf("negative rate %q", s)
	}
	return v * m, nil
}

// rateUnit returns the bits/s of one unit.
func rateUnit(u string) (float64, bool) {
	var body string
	switch {
	case strings.HasSuffix(u, "/s"):
		body = u[:len(u)-2]
	case strings.HasSuffix(u, "ps") && len(u) > 2:
		body = u[:len(u)-2]
	default:
		return 0, false
	}
	for _, base := range []struct {
		name string
		bits float64
	}{{"bits", 1}, {"bit", 1}, {"b", 1}, {"Bytes", 8}, {"bytes", 8}, {"Byte", 8}, {"byte", 8}, {"B", 8}} {
		p, ok := strings.CutSuffix(body, base.name)
		if !ok {
			continue
		}
		if m, ok := prefixes[strings.ToLower(p)]; ok {
			return m * base.bits, true
		}
	}
	return 0, false
}

// formatRate prints bits/s in the unit an expectation was written in
// when the number reads well in it, and with an SI prefix otherwise.
func formatRate(bps float64, unit string) string {
	if m, ok := rateUnit(unit); ok && unit != "" && bps/m >= 1 && bps/m < 10000 {
		return trimFloat(bps/m) + " " + unit
	}
	switch {
	case bps >= 1e9:
		return trimFloat(bps/1e9) + " Gbit/s"
	case bps >= 1e6:
		return trimFloat(bps/1e6) + " Mbit/s"
	case bps >= 1e3:
		return trimFloat(bps/1e3) + " kbit/s"
	}
	return trimFloat(bps) + " bit/s"
}

// latencyUnits are the time units of latency expectations, in ns.
var latencyUnits = map[string]float64{"ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9}

// parseLatency reads a time such as "200us" or "1.5 ms" and returns ns.
func parseLatency(s string) (float64, error) {
	v, unit, err := splitNumber(s)
	if err != nil {
		return 0, err
	}
	if unit == "" {
		return 0, fmt.Errorf("%q needs a unit (ns, us, ms or s)", s)
	}
	m, ok := latencyUnits[unit]
	if !ok {
		return 0, fmt.Errorf("unknown time unit %q (want ns, us, ms or s)", unit)
	}
	if v < 0 {
		return 0, fmt.Errorf("negative time %q", s)
	}
	return v * m, nil
}

// formatLatency prints ns in the unit an expectation was written in
// when the number reads well in it, and in ns, us, ms or s otherwise.
func formatLatency(ns float64, unit string) string {
	m, ok := latencyUnits[unit]
	if !ok || ns/m < 1 || ns/m >= 10000 {
		d := time.Duration(ns)
		switch {
		case d >= time.Second:
			unit, m = "s", 1e9
		case d >= time.Millisecond:
			unit, m = "ms", 1e6
		case d >= time.Microsecond:
			unit, m = "us", 1e3
		default:
			unit, m = "ns", 1
		}
	}
	return trimFloat(ns/m) + unit
}

// parsePercent reads "5%" or "0.1 %" and returns the fraction (0.05).
func parsePercent(s string) (float64, error) {
	v, unit, err := splitNumber(s)
	if err != nil {
		return 0, err
	}
	if unit != "%" {
		if unit == "" {
			return 0, fmt.Errorf("%q needs a %% sign", s)
		}
		return 0, fmt.Errorf("unknown unit %q (want %%)", unit)
	}
	if v < 0 {
		return 0, fmt.Errorf("negative percentage %q", s)
	}
	return v / 100, nil
}

// parsePerSecond reads a transaction rate: "20000", "20k", "20000/s",
// "20k trans/s", "1.5M tps".
func parsePerSecond(s string) (float64, error) {
	v, unit, err := splitNumber(s)
	if err != nil {
		return 0, err
	}
	m := 1.0
	if len(unit) > 0 {
		switch unit[0] {
		case 'k', 'K':
			m, unit = 1e3, strings.TrimSpace(unit[1:])
		case 'M':
			m, unit = 1e6, strings.TrimSpace(unit[1:])
		}
	}
	switch unit {
	case "", "/s", "trans/s", "tps", "tx/s", "transactions/s":
	default:
		return 0, fmt.Errorf("unknown unit %q (want a number of transactions per second: 20000, 20k, 20000/s, 20k trans/s)", unit)
	}
	if v < 0 {
		return 0, fmt.Errorf("negative rate %q", s)
	}
	return v * m, nil
}

// parsePlain reads a bare number.
func parsePlain(s string) (float64, error) {
	v, unit, err := splitNumber(s)
	if err != nil {
		return 0, err
	}
	if unit != "" {
		return 0, fmt.Errorf("unexpected unit %q (this metric is a plain number)", unit)
	}
	return v, nil
}

// trimFloat prints a number with four significant digits and no
// trailing zeros.
func trimFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if a := math.Abs(v); a >= 1e-3 && a < 1e15 {
		digits := 4 - int(math.Floor(math.Log10(a))) - 1
		s = strconv.FormatFloat(v, 'f', max(digits, 0), 64)
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
	}
	return s
}

// parseDuration reads a duration: "2s", "500ms", "1m30s", or a plain
// number of seconds.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n < 0 || n > 1e6 || math.IsNaN(n) {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (for example 10s, 500ms, 1m)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return d, nil
}

// formatDuration prints a duration the way a profile writes it.
func formatDuration(d time.Duration) string {
	s := d.String()
	for _, suf := range []string{"m0s", "h0m"} {
		if strings.HasSuffix(s, suf) {
			s = s[:len(s)-2]
		}
	}
	return s
}
