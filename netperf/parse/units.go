package parse

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"nperf/internal/units"
)

// A rateUnit is what one unit of a netperf rate is: bytes (10^6bits is
// 125000 bytes) or a transaction.
type rateUnit struct {
	text  string  // as netperf printed it, without "/s": "10^6bits"
	bytes float64 // bytes per unit; 0 for Trans
	trans bool
}

// parseUnit reads netperf's unit strings. "10^Nbits" is 10^N bits, except
// that netperf's -f b prints "10^0bits" for a value in bytes/s (a netperf
// bug, kept here so the number means what netperf measured). K, M and G
// before "Bytes" are powers of 1024.
func parseUnit(s string) (rateUnit, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimSuffix(s, "/sec"), "/s")
	u := rateUnit{text: s}
	switch s {
	case "Trans":
		u.trans = true
	case "10^0bits", "Bytes":
		u.bytes = 1
	case "10^3bits":
		u.bytes = 1e3 / 8
	case "10^6bits":
		u.bytes = 1e6 / 8
	case "10^9bits":
		u.bytes = 1e9 / 8
	case "KBytes":
		u.bytes = 1 << 10
	case "MBytes":
		u.bytes = 1 << 20
	case "GBytes":
		u.bytes = 1 << 30
	default:
		return u, fmt.Errorf("unknown throughput unit %q", s)
	}
	return u, nil
}

// defaultUnit is the unit netperf prints a test's result in for a -f
// letter (units.FormatDefault: none given).
func defaultUnit(test string, f units.Format) rateUnit {
	rr := testDirection(test) == dirRR
	switch {
	case f == units.FormatDefault && rr, f == units.FormatTrans && rr:
		u, _ := parseUnit("Trans")
		return u
	case f == units.FormatTrans:
		f = units.FormatMbits // netperf resets -f x to m for STREAM tests
	}
	u, err := parseUnit(f.Unit())
	if err != nil {
		u, _ = parseUnit("KBytes") // netperf's fallback for other letters
	}
	return u
}

// parseNumber reads a number netperf printed. nan and -nan (glibc's NaN)
// mean "unknown": ok is false and err nil. Anything else that is not a
// finite number is an error.
func parseNumber(s string) (v float64, ok bool, err error) {
	switch strings.ToLower(s) {
	case "nan", "-nan", "+nan":
		return 0, false, nil
	}
	v, err = strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false, fmt.Errorf("%q is not a number", s)
	}
	return v, true, nil
}

// decimals is how many digits follow the point in a printed number.
func decimals(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// fitElapsed returns the elapsed time at which count units at rate units/s
// took, when that time rounds to the printed elapsed (printed with dec
// decimals); ok is false when the count does not fit the two printed
// numbers.
func fitElapsed(count, rate, printed float64, dec int) (time.Duration, bool) {
	if count <= 0 || rate <= 0 {
		return 0, false
	}
	e := count / rate
	// Half a unit of the last printed digit, and a little for the rate's
	// own rounding.
	tol := 0.5*math.Pow(10, -float64(dec)) + 1e-9
	if math.Abs(e-printed) > tol {
		return 0, false
	}
	return seconds(e), true
}

// reconstruct turns a printed rate and elapsed time into a whole count and
// an elapsed time that give the rate back: count = round(rate x elapsed),
// and the elapsed time moved, within its printed precision, to count/rate.
// When that is not possible (a count too small for the precision) the
// printed elapsed time stays.
func reconstruct(rate, printed float64, dec int) (uint64, time.Duration) {
	n := math.Round(rate * printed)
	if n <= 0 {
		return 0, seconds(printed)
	}
	if e, ok := fitElapsed(n, rate, printed, dec); ok {
		return uint64(n), e
	}
	return uint64(n), seconds(printed)
}

func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}
