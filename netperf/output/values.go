package output

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"nperf/internal/units"
	"nperf/result"
)

// This file holds the numbers every printer derives from a record the
// same way: the unit a test is printed in, its headline result, elapsed
// time and service demand, and C-style formatting of values that are not
// finite.

// streamFormat is the unit a stream test prints in: 10^6bits by default,
// and netperf silently resets -f x to m for tests without transactions.
func streamFormat(f units.Format) units.Format {
	if f == units.FormatDefault || f == units.FormatTrans {
		return units.FormatMbits
	}
	return f
}

// testFormat is the unit a test's headline result is printed in:
// transactions per second by default for request/response tests.
func testFormat(test string, f units.Format) units.Format {
	if result.IsStream(test) {
		return streamFormat(f)
	}
	if f == units.FormatDefault {
		return units.FormatTrans
	}
	return f
}

// elapsedSeconds is the test's length as netperf prints it: for a
// confidence run, whose record sums the iterations' times, the mean
// length of one iteration.
func elapsedSeconds(rec *result.Record) float64 {
	s := rec.Elapsed.Seconds()
	if c := rec.Confidence; c != nil && c.Iterations > 1 {
		s /= float64(c.Iterations)
	}
	return s
}

// perSecond is count over the record's elapsed time, 0 for an empty window.
func perSecond(rec *result.Record, count uint64) float64 {
	s := rec.Elapsed.Seconds()
	if s <= 0 {
		return 0
	}
	return float64(count) / s
}

// confidentMean is the mean of a confidence run's iteration results
// (bits/s for stream tests, transactions/s otherwise): the result netperf
// reports for such a run.
func confidentMean(rec *result.Record) (float64, bool) {
	c := rec.Confidence
	if c == nil || len(c.Samples) == 0 {
		return 0, false
	}
	var sum float64
	for _, v := range c.Samples {
		sum += v
	}
	return sum / float64(len(c.Samples)), true
}

// headline is a Final record's result in unit f (already resolved by
// testFormat): the receiver's byte rate for stream tests; for
// request/response tests the transaction rate, or with a byte unit the
// bytes of both directions per second.
func headline(rec *result.Record, f units.Format) float64 {
	mean, confident := confidentMean(rec)
	if result.IsStream(rec.Test) {
		bps := perSecond(rec, rec.PayloadBytes())
		if confident {
			bps = mean / 8
		}
		return f.FromBytesPerSecond(bps)
	}
	rate := rec.TransactionRate()
	if confident {
		rate = mean
	}
	if f == units.FormatTrans {
		return rate
	}
	var perTran int
	if d := rec.Detail; d != nil {
		perTran = d.SendSize + d.RecvSize
	}
	return f.FromBytesPerSecond(float64(perTran) * rate)
}

// serviceDemand is one side's service demand in the unit netperf prints
// for format f: microseconds of CPU per transaction with -f x, per KB
// (1024 bytes) of data moved here otherwise, even for a request/response
// test printed in a byte unit. -1 when that side was not measured.
func serviceDemand(rec *result.Record, side *result.CPUSide, f units.Format) float64 {
	if side == nil {
		return -1
	}
	perTran := side.ServiceDemandUnit == "Tran" || side.ServiceDemandUnit == "" && !result.IsStream(rec.Test)
	wantTran := f == units.FormatTrans
	if perTran == wantTran {
		return side.ServiceDemandUS
	}
	if perTran {
		// us/Tran to us/KB: the same CPU time over the bytes moved here.
		kb := float64(rec.BytesSent+rec.BytesRecv) / 1024
		if kb == 0 {
			return 0
		}
		return side.ServiceDemandUS * float64(rec.Transactions) / kb
	}
	if rec.Transactions == 0 {
		return 0
	}
	return side.ServiceDemandUS * float64(rec.PayloadBytes()) / 1024 / float64(rec.Transactions)
}

// micros is d in whole microseconds, truncated as netperf's integer
// microsecond timestamps are.
func micros(d time.Duration) int64 { return int64(d / time.Microsecond) }

// cfloat formats v with a C printf float verb ("%7.2f", "%-6.3f", "%f")
// and prints infinities and NaN as glibc does ("inf", "-nan"), padded to
// the verb's width, where Go would print "+Inf" and "NaN". A NaN prints
// as "-nan", the sign x86 gives the NaN of 0.0/0.0.
func cfloat(verb string, v float64) string {
	if !math.IsInf(v, 0) && !math.IsNaN(v) {
		return fmt.Sprintf(verb, v)
	}
	s := "inf"
	switch {
	case math.IsNaN(v):
		s = "-nan"
	case v < 0:
		s = "-inf"
	}
	spec := strings.TrimSuffix(strings.TrimPrefix(verb, "%"), "f")
	left := strings.HasPrefix(spec, "-")
	spec = strings.TrimPrefix(spec, "-")
	width, _ := strconv.Atoi(strings.SplitN(spec, ".", 2)[0])
	for len(s) < width {
		if left {
			s += " "
		} else {
			s = " " + s
		}
	}
	return s
}

// ratio is a/b, or what C's double division gives when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		switch {
		case a > 0:
			return math.Inf(1)
		case a < 0:
			return math.Inf(-1)
		}
		return math.NaN()
	}
	return a / b
}
