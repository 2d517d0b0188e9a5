package runner

import (
	"fmt"
	"math"
	"time"

	"nperf/result"
	"nperf/stats"
)

// valid reports whether an instance's result can be summed: it finished
// without error, or was interrupted, and moved data.
func valid(r *result.Record) bool {
	ok := r != nil && (r.Err == nil || r.Err.Kind == result.ErrInterrupted)
	return ok && r.Elapsed > 0 && r.PayloadBytes()+r.Transactions > 0
}

// receiverShare is the fraction of what the sender counted that the
// receiver reported, for send tests (1 for TCP, the delivered fraction for
// UDP): interval records carry the sender's counts, the result is what
// arrived.
func receiverShare(r *result.Record) float64 {
	switch r.Test {
	case "TCP_STREAM", "UDP_STREAM":
		if r.BytesSent == 0 {
			return 0
		}
		if r.RemoteBytesRecv == 0 && r.Err != nil {
			// Interrupted before the server reported: what was sent is
			// the best count there is.
			return 1
		}
		return float64(r.RemoteBytesRecv) / float64(r.BytesSent)
	}
	return 1
}

// inWindow returns the share of a record's counts that fell inside
// [ws, we), assuming a constant rate within the record's interval.
func inWindow(r *result.Record, ws, we time.Time) float64 {
	s, e := r.Start, r.End()
	if !e.After(s) {
		return 0
	}
	lo, hi := s, e
	if ws.After(lo) {
		lo = ws
	}
	if we.Before(hi) {
		hi = we
	}
	if !hi.After(lo) {
		return 0
	}
	return float64(hi.Sub(lo)) / float64(e.Sub(s))
}

// aggregate sums the valid instances over their common window. The window
// runs from the last valid instance's data-phase start to the first one's
// end; outside it some instance was not running, and summing there is the
// skew that makes super_netperf's totals too high.
func aggregate(job Job, finals []*result.Record, intervals [][]*result.Record) *result.Record {
	agg := &result.Record{
		Run: job.RunID, Test: job.Spec.Test, Instance: -1, Final: true, Spec: &job.Spec,
		Labels:    job.Labels,
		Aggregate: &result.Aggregate{Instances: len(finals)},
	}
	a := agg.Aggregate
	var ws, we, firstStart time.Time
	latency := stats.NewHistogram()
	hasLatency := false
	for _, r := range finals {
		if !valid(r) {
			continue
		}
		a.Valid++
		if ws.IsZero() || r.Start.After(ws) {
			ws = r.Start
		}
		if firstStart.IsZero() || r.Start.Before(firstStart) {
			firstStart = r.Start
		}
		if we.IsZero() || r.End().Before(we) {
			we = r.End()
		}
		a.NaiveSumBitsPerSecond += r.ThroughputBitsPerSecond()
		a.NaiveSumTransactionsPerSecond += r.TransactionRate()
		if r.Latency != nil {
			latency.Merge(r.Latency)
			hasLatency = true
		}
	}
	if hasLatency {
		agg.Latency = latency
	}
	if a.Valid < len(finals) {
		a.Warnings = append(a.Warnings, fmt.Sprintf("%d of %d instances valid; the aggregate sums the valid ones only", a.Valid, len(finals)))
	}
	if a.Valid == 0 {
		agg.Start = time.Now()
		return agg
	}
	a.StartSpread = ws.Sub(firstStart)
	if !we.After(ws) {
		a.Warnings = append(a.Warnings, "the instances never all ran at the same time: no common window")
		agg.Start = ws
		return agg
	}
	agg.Start, agg.Elapsed = ws, we.Sub(ws)
	if job.Spec.LengthSeconds > 0 {
		// Timer granularity can make the window a hair longer than asked.
		a.WindowCoverage = math.Min(1, agg.Elapsed.Seconds()/float64(job.Spec.LengthSeconds))
		if a.WindowCoverage < 0.9 {
			a.Warnings = append(a.Warnings, fmt.Sprintf("the common window is %.2f s, %.0f%% of the requested %d s", agg.Elapsed.Seconds(), 100*a.WindowCoverage, job.Spec.LengthSeconds))
		}
	}

	var rates []float64
	var sent, recv, remote, trans float64
	for i, r := range finals {
		if !valid(r) {
			continue
		}
		share := receiverShare(r)
		var s, rc, tr float64
		for _, iv := range intervals[i] {
			f := inWindow(iv, ws, we)
			s += f * float64(iv.BytesSent)
			rc += f * float64(iv.BytesRecv)
			tr += f * float64(iv.Transactions)
		}
		sent, recv, trans = sent+s, recv+rc, trans+tr
		remote += s * share
		w := agg.Elapsed.Seconds()
		if result.IsStream(r.Test) {
			if r.Test == "TCP_MAERTS" {
				rates = append(rates, rc*8/w)
			} else {
				rates = append(rates, s*share*8/w)
			}
		} else {
			rates = append(rates, tr/w)
		}
	}
	agg.BytesSent, agg.BytesRecv = uint64(math.Round(sent)), uint64(math.Round(recv))
	agg.RemoteBytesRecv = uint64(math.Round(remote))
	agg.Transactions = uint64(math.Round(trans))
	a.JainIndex = jain(rates)
	return agg
}

// jain is Jain's fairness index: (sum x)^2 / (n * sum x^2).
func jain(x []float64) float64 {
	var s, s2 float64
	for _, v := range x {
		s += v
		s2 += v * v
	}
	if s2 == 0 {
		return 0
	}
	return s * s / (float64(len(x)) * s2)
}
