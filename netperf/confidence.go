package netperf

import (
	"context"
	"math"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"nperf/result"
	"nperf/stats"
)

// Student's t, two-sided, by degrees of freedom 1..30, for the two levels
// netperf supports. These are netperf's own table values, so that nperf
// stops a confidence run exactly when netperf would.
var (
	t95 = [...]float64{0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	t99 = [...]float64{0, 63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.250, 3.169, 3.106, 3.055, 3.012, 2.977, 2.947, 2.921, 2.898, 2.878, 2.861, 2.845, 2.831, 2.819, 2.807, 2.797, 2.787, 2.779, 2.771, 2.763, 2.756, 2.750}
)

func studentT(level, df int) float64 {
	if df < 1 || df > 30 {
		return 0
	}
	if level == 95 {
		return t95[df]
	}
	return t99[df]
}

// confidenceWidth is the full width of the confidence interval of the mean
// of x in percent of the mean, netperf's way: population variance over
// n-1, t from its table. A constant series (an unmeasured CPU at -1) has
// width 0.
func confidenceWidth(level int, x []float64) float64 {
	n := float64(len(x))
	if len(x) < 2 {
		return math.Inf(1)
	}
	var sum, sq float64
	for _, v := range x {
		sum += v
		sq += v * v
	}
	mean := sum / n
	v := sq/n - mean*mean
	if v <= 0 || mean == 0 {
		return 0
	}
	return 100 * 2 * studentT(level, len(x)-1) * math.Sqrt(v/(n-1)) / math.Abs(mean)
}

// runConfidence repeats the test on one control connection, as netperf's
// -i/-I does, until the result (and measured CPU) is known to within the
// requested width or the iterations run out. The Final record sums the
// iterations' counts and times; Confidence holds each iteration's result.
func (c *Client) runConfidence(ctx context.Context, spec *result.Spec, sh shape, rec *result.Record, ctrl net.Conn, addr, local netip.Addr, serverHere *atomic.Bool) error {
	conf := &result.Confidence{LevelPercent: spec.ConfidenceLevel, WantWidthPercent: spec.ConfidenceWidthPercent}
	rec.Confidence = conf
	var lcpu, rcpu []float64
	var latency *stats.Histogram
	var port uint32
	seq := 0
	for it := 1; ; it++ {
		iter := &result.Record{Run: rec.Run, Test: rec.Test, Instance: rec.Instance, Host: rec.Host, Peer: rec.Peer, Final: true, Start: time.Now(), Spec: spec}
		t := &clientTest{c: c, spec: spec, sh: sh, rec: iter, ctrl: ctrl, server: addr, local: local, serverHere: serverHere, dataPort: port, seqBase: seq}
		err := t.run(ctx)
		if it == 1 {
			rec.Start = iter.Start
		}
		seq = iter.Seq
		port = t.resp.DataPort
		addIteration(rec, iter)
		if iter.Latency != nil {
			if latency == nil {
				latency = stats.NewHistogram()
			}
			latency.Merge(iter.Latency)
			rec.Latency = latency
		}
		if err != nil {
			conf.Iterations = it - 1
			return err
		}
		conf.Iterations = it
		conf.Samples = append(conf.Samples, headline(iter))
		if iter.CPU != nil && iter.CPU.Local != nil {
			lcpu = append(lcpu, iter.CPU.Local.UtilPercent)
		}
		if iter.CPU != nil && iter.CPU.Remote != nil {
			rcpu = append(rcpu, iter.CPU.Remote.UtilPercent)
		}
		conf.ThroughputWidthPercent = confidenceWidth(conf.LevelPercent, conf.Samples)
		conf.Met = conf.ThroughputWidthPercent <= conf.WantWidthPercent
		if len(lcpu) > 0 {
			conf.LocalCPUWidthPercent = confidenceWidth(conf.LevelPercent, lcpu)
			conf.Met = conf.Met && conf.LocalCPUWidthPercent <= conf.WantWidthPercent
		}
		if len(rcpu) > 0 {
			conf.RemoteCPUWidthPercent = confidenceWidth(conf.LevelPercent, rcpu)
			conf.Met = conf.Met && conf.RemoteCPUWidthPercent <= conf.WantWidthPercent
		}
		if it >= spec.IterationsMax || conf.Met && it >= spec.IterationsMin {
			break
		}
	}
	conf.MeanResult = mean(conf.Samples)
	if rec.CPU != nil {
		if rec.CPU.Local != nil {
			rec.CPU.Local.UtilPercent = mean(lcpu)
		}
		if rec.CPU.Remote != nil {
			rec.CPU.Remote.UtilPercent = mean(rcpu)
		}
		serviceDemands(rec)
	}
	return nil
}

// headline is an iteration's result: bits/s for STREAM tests,
// transactions/s for the others.
func headline(r *result.Record) float64 {
	if result.IsStream(r.Test) {
		return r.ThroughputBitsPerSecond()
	}
	return r.TransactionRate()
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// addIteration adds an iteration's counts to the confidence run's record;
// Detail and CPU breakdowns are those of the last iteration.
func addIteration(total, it *result.Record) {
	total.Elapsed += it.Elapsed
	total.BytesSent += it.BytesSent
	total.BytesRecv += it.BytesRecv
	total.RemoteBytesRecv += it.RemoteBytesRecv
	total.RemoteBytesSent += it.RemoteBytesSent
	total.Transactions += it.Transactions
	total.Seq = it.Seq
	if it.Detail != nil {
		total.Detail = it.Detail
	}
	if it.CPU != nil {
		c := *it.CPU
		total.CPU = &c
	}
}
