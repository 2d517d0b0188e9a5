package profile

import (
	"errors"
	"fmt"
	"math"

	"nperf/result"
	"nperf/runner"
	"nperf/stats"
)

// A Measurement collects what the iterations of one run measured, in the
// form expectations are checked against: per-iteration results for means
// and the coefficient of variation, one histogram merged over every
// instance and iteration for latency (percentiles are never averaged),
// and pooled byte counts for loss.
type Measurement struct {
	Type string
	// Iterations counts the iterations in which at least one instance
	// produced a valid result.
	Iterations int
	// ThroughputBitsPerSecond, TransactionRate and Fairness hold one value
	// per measured iteration: the aggregate over the instances' common
	// window, and Jain's index of their shares.
	ThroughputBitsPerSecond []float64
	TransactionRate         []float64
	Fairness                []float64
	Latency                 *stats.Histogram
	// SentBytes and ReceivedBytes are the sender's and the receiver's
	// payload counts of valid UDP_STREAM instances.
	SentBytes, ReceivedBytes uint64
	// Failures describes every instance that failed.
	Failures    []string
	Interrupted bool
}

// NewMeasurement starts an empty measurement of a test type.
func NewMeasurement(typ string) *Measurement {
	return &Measurement{Type: typ, Latency: stats.NewHistogram()}
}

// Add takes one iteration's result (iteration counts from 1).
func (m *Measurement) Add(iteration int, res *runner.Result) {
	for _, f := range res.Finals {
		if f == nil {
			continue
		}
		if f.Err != nil {
			if f.Err.Kind == result.ErrInterrupted {
				m.Interrupted = true
			} else {
				m.Failures = append(m.Failures, fmt.Sprintf("iteration %d, instance %d (%s): %s", iteration, f.Instance, f.Peer, f.Err))
			}
			continue
		}
		if f.Test == "UDP_STREAM" {
			m.SentBytes += f.BytesSent
			m.ReceivedBytes += f.RemoteBytesRecv
		}
	}
	agg := res.Aggregate
	if agg == nil || agg.Aggregate == nil {
		return
	}
	if agg.Aggregate.Interrupted {
		m.Interrupted = true
	}
	if agg.Aggregate.Valid == 0 || agg.Elapsed <= 0 {
		return
	}
	m.Iterations++
	m.ThroughputBitsPerSecond = append(m.ThroughputBitsPerSecond, agg.ThroughputBitsPerSecond())
	m.TransactionRate = append(m.TransactionRate, agg.TransactionRate())
	m.Fairness = append(m.Fairness, agg.Aggregate.JainIndex)
	if agg.Latency != nil {
		m.Latency.Merge(agg.Latency)
	}
}

// Headline is the per-iteration result the coefficient of variation is
// computed from: throughput for STREAM tests, transaction rate otherwise.
func (m *Measurement) Headline() []float64 {
	if result.IsStream(m.Type) {
		return m.ThroughputBitsPerSecond
	}
	return m.TransactionRate
}

// errNotMeasured says why a metric has no value.
var errNotMeasured = errors.New("not measured: no iteration produced a valid result")

// Value is the measured value of an expectation's metric, in its base
// unit.
func (m *Measurement) Value(e *Expectation) (float64, error) {
	if m.Iterations == 0 {
		return 0, errNotMeasured
	}
	latency := func(f func(*stats.Histogram) float64) (float64, error) {
		if m.Latency == nil || m.Latency.Count() == 0 {
			return 0, errors.New("not measured: no round trips recorded")
		}
		return f(m.Latency), nil
	}
	switch e.Metric {
	case "throughput":
		return stats.Mean(m.ThroughputBitsPerSecond), nil
	case "transaction_rate":
		return stats.Mean(m.TransactionRate), nil
	case "fairness":
		return stats.Mean(m.Fairness), nil
	case "mean_latency":
		return latency(func(h *stats.Histogram) float64 { return float64(h.Mean()) })
	case "min_latency":
		return latency(func(h *stats.Histogram) float64 { return float64(h.Min()) })
	case "max_latency":
		return latency(func(h *stats.Histogram) float64 { return float64(h.Max()) })
	case "jitter":
		return latency(func(h *stats.Histogram) float64 { return float64(h.StdDev()) })
	case "cv":
		x := m.Headline()
		if len(x) < 2 {
			return 0, fmt.Errorf("not measured: cv needs 2 iterations, %d measured", len(x))
		}
		mean := stats.Mean(x)
		if mean == 0 {
			return 0, errors.New("not measured: the mean result is 0")
		}
		return stats.StdDev(x) / mean, nil
	case "loss":
		if m.SentBytes == 0 {
			return 0, errors.New("not measured: nothing was sent")
		}
		return math.Max(0, 1-float64(m.ReceivedBytes)/float64(m.SentBytes)), nil
	}
	if e.Quantile > 0 {
		return latency(func(h *stats.Histogram) float64 { return float64(h.Quantile(e.Quantile)) })
	}
	return 0, fmt.Errorf("unknown metric %q", e.Metric)
}

// A Verdict is an expectation checked against a measurement.
type Verdict struct {
	Expectation Expectation
	Measured    float64
	Err         error // why there is no measured value
	OK          bool
}

// Check judges one expectation.
func (m *Measurement) Check(e Expectation) Verdict {
	v := Verdict{Expectation: e}
	v.Measured, v.Err = m.Value(&e)
	if v.Err != nil {
		return v
	}
	switch e.Op {
	case ">=":
		v.OK = v.Measured >= e.Want
	case ">":
		v.OK = v.Measured > e.Want
	case "<=":
		v.OK = v.Measured <= e.Want
	case "<":
		v.OK = v.Measured < e.Want
	}
	return v
}

// MeasuredText prints the measured value in the unit the expectation was
// written in, or why nothing was measured.
func (v Verdict) MeasuredText() string {
	if v.Err != nil {
		return v.Err.Error()
	}
	return formatQuantity(v.Expectation.kind, v.Measured, v.Expectation.Unit)
}

// Outcome is "measured 57.3us", or why nothing was measured.
func (v Verdict) Outcome() string {
	if v.Err != nil {
		return v.Err.Error()
	}
	return "measured " + v.MeasuredText()
}

// String is "p99_latency < 200us: measured 57.3us".
func (v Verdict) String() string {
	return v.Expectation.Text + ": " + v.Outcome()
}

func formatQuantity(k quantity, x float64, unit string) string {
	switch k {
	case qRate:
		return formatRate(x, unit)
	case qLatency:
		return formatLatency(x, unit)
	case qPercent:
		return trimFloat(x*100) + "%"
	case qPerSecond:
		if x >= 1000 {
			return fmt.Sprintf("%.0f/s", x)
		}
		return trimFloat(x) + "/s"
	}
	return trimFloat(x)
}
