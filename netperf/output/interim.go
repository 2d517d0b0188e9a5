package output

import (
	"fmt"
	"io"

	"nperf/internal/units"
	"nperf/result"
)

// Interim writes one interim result, netperf's -D output, for an interval
// record: the rate over the interval in the test's unit, the interval's
// length and the wall-clock time it ended (Unix seconds and
// milliseconds). Its form follows o.OmniMode as netperf's does:
//
//	Interim result: 15659.37 10^6bits/s over 0.501 seconds ending at 1796314304.728
//	15659.37,10^6bits/s,0.501,1796314304.728
//	NETPERF_INTERIM_RESULT[1]=15659.37 (and NETPERF_UNITS, _INTERVAL, _ENDING)
//
// for classic and human (-O) output, CSV (-o) and keyval (-k). index
// numbers keyval records; netperf counts them from 0 over the whole
// invocation, confidence iterations included.
//
// The rate counts what this side sent (STREAM tests) or received
// (MAERTS) in the interval, and transactions for request/response tests,
// or their bytes both ways with a byte unit (-f other than x). netperf's
// -D with a negative interval changes how often it checks the clock, not
// what it prints.
func Interim(w io.Writer, rec *result.Record, o Options, index int) error {
	if rec == nil {
		return fmt.Errorf("interim: no record")
	}
	if rec.Final {
		return fmt.Errorf("interim: %s record is a final result, not an interval sample", rec.Test)
	}
	if _, ok := testTitles[rec.Test]; !ok {
		return fmt.Errorf("interim: unknown test %q", rec.Test)
	}
	f := testFormat(rec.Test, o.Format)
	var value float64
	switch {
	case result.IsStream(rec.Test):
		value = f.FromBytesPerSecond(perSecond(rec, rec.PayloadBytes()))
	case f == units.FormatTrans:
		value = rec.TransactionRate()
	default:
		value = f.FromBytesPerSecond(perSecond(rec, rec.BytesSent+rec.BytesRecv))
	}
	secs := rec.Elapsed.Seconds()
	end := rec.End()
	ending := fmt.Sprintf("%d.%03d", end.Unix(), end.Nanosecond()/1e6)
	unit := f.Unit()
	var err error
	switch o.OmniMode {
	case "", ModeHuman:
		_, err = fmt.Fprintf(w, "Interim result: %s %s/s over %s seconds ending at %s\n",
			cfloat("%7.2f", value), unit, cfloat("%.3f", secs), ending)
	case ModeCSV:
		_, err = fmt.Fprintf(w, "%s,%s/s,%s,%s\n", cfloat("%7.2f", value), unit, cfloat("%.3f", secs), ending)
	case ModeKeyval:
		_, err = fmt.Fprintf(w, "NETPERF_INTERIM_RESULT[%d]=%s\nNETPERF_UNITS[%d]=%s/s\nNETPERF_INTERVAL[%d]=%s\nNETPERF_ENDING[%d]=%s\n",
			index, cfloat("%.2f", value), index, unit, index, cfloat("%.3f", secs), index, ending)
	default:
		return fmt.Errorf("interim: unknown output mode %q", o.OmniMode)
	}
	return err
}
