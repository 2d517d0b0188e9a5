// Package result owns the Record: the one stream of measurements every nperf
// stage reads and writes (JSON Lines), its encoder and its reader.
//
// The schema is a contract between tools and between versions of nperf:
// fields are only ever added, never renamed or repurposed. docs/records.md
// describes every field.
package result

import (
	"time"

	"nperf/stats"
)

// A Record is one measurement of one test instance: an interval sample or,
// with Final set, that instance's whole-run result.
//
// Interval records count what happened in [Start, Start+Elapsed) only; a
// Final record counts the whole measured data phase. Counts are as seen by
// the side that wrote the record (the client), except the Remote* fields,
// which the server reported.
type Record struct {
	Run      string `json:"run"`            // ID shared by every instance of one invocation
	Test     string `json:"test"`           // "TCP_STREAM", "TCP_RR", ...
	Instance int    `json:"instance"`       // 0..N-1 within Run
	Host     string `json:"host,omitempty"` // where the client ran; "" = local
	Peer     string `json:"peer,omitempty"` // server control address, host:port
	Seq      int    `json:"seq"`            // interval number from 0; Final repeats the last + 1

	Start   time.Time     `json:"start"`
	Elapsed time.Duration `json:"elapsed_ns"`
	Final   bool          `json:"final,omitempty"`

	BytesSent       uint64 `json:"bytes_sent"`
	BytesRecv       uint64 `json:"bytes_recv"`
	RemoteBytesRecv uint64 `json:"remote_bytes_recv,omitempty"` // receiver's count (STREAM tests), Final only
	RemoteBytesSent uint64 `json:"remote_bytes_sent,omitempty"` // server's count (MAERTS, RR), Final only
	Transactions    uint64 `json:"transactions,omitempty"`      // RR / CRR round trips completed

	// Latency holds the round trips of an RR or CRR test: all of them on
	// the Final record, those of the interval on an interval record.
	Latency *stats.Histogram `json:"latency,omitempty"`
	CPU     *CPUUsage        `json:"cpu,omitempty"`
	Detail  *Detail          `json:"detail,omitempty"`
	Spec    *Spec            `json:"spec,omitempty"` // Final only: every option that produced it
	// Confidence is set on the Final record of a confidence run (-i/-I):
	// the counts and elapsed time are then sums over all iterations.
	Confidence *Confidence `json:"confidence,omitempty"`
	// Aggregate is set on the one record that sums the instances of a
	// multi-instance run (Instance is then -1): its counts are over the
	// common window in which every valid instance was in its data phase.
	Aggregate *Aggregate        `json:"aggregate,omitempty"`
	Err       *Error            `json:"error,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// Detail carries the netperf-level facts behind a result that netperf's
// outputs print: socket buffer sizes as the kernel reported them, message
// sizes in use, call counts. Sizes are bytes; -1 means "not known".
type Detail struct {
	LocalSendBufBytes  int `json:"local_send_buf_bytes"`  // SO_SNDBUF at the end of the test
	LocalRecvBufBytes  int `json:"local_recv_buf_bytes"`  // SO_RCVBUF at the end
	RemoteSendBufBytes int `json:"remote_send_buf_bytes"` // server's SO_SNDBUF at the end
	RemoteRecvBufBytes int `json:"remote_recv_buf_bytes"` // server's SO_RCVBUF at the end
	LocalSendBufStart  int `json:"local_send_buf_start_bytes"`
	LocalRecvBufStart  int `json:"local_recv_buf_start_bytes"`
	RemoteSendBufStart int `json:"remote_send_buf_start_bytes"`
	RemoteRecvBufStart int `json:"remote_recv_buf_start_bytes"`

	SendSize       int `json:"send_size_bytes"`        // bytes per send (STREAM) or request size (RR)
	RecvSize       int `json:"recv_size_bytes"`        // bytes per receive (MAERTS) or response size (RR)
	RemoteSendSize int `json:"remote_send_size_bytes"` // bytes per send on the server
	RemoteRecvSize int `json:"remote_recv_size_bytes"` // bytes per receive on the server

	SendCalls       uint64 `json:"send_calls"`
	RecvCalls       uint64 `json:"recv_calls"`
	RemoteSendCalls uint64 `json:"remote_send_calls"`
	RemoteRecvCalls uint64 `json:"remote_recv_calls"`
	FailedSends     uint64 `json:"failed_sends,omitempty"` // UDP sends refused by the kernel (ENOBUFS)

	RemoteElapsed      time.Duration `json:"remote_elapsed_ns,omitempty"` // server's own measurement
	RemoteTransactions uint64        `json:"remote_transactions,omitempty"`
	CongestionControl  string        `json:"congestion_control,omitempty"` // server's TCP_CONGESTION
	MSS                int           `json:"mss_bytes,omitempty"`          // TCP_MAXSEG of the data connection
	RemoteRetransmits  uint64        `json:"remote_retransmits,omitempty"`
	// LocalCongestionControl and LocalRetransmits are this side's TCP
	// congestion control and retransmissions (TCP tests; empty or nil
	// when not known, as from parsed text).
	LocalCongestionControl string  `json:"local_congestion_control,omitempty"`
	LocalRetransmits       *uint64 `json:"local_retransmits,omitempty"`
	LocalAddr              string  `json:"local_data_addr,omitempty"`  // data connection, this side
	RemoteAddr             string  `json:"remote_data_addr,omitempty"` // data connection, server side
}

// CPUUsage is CPU utilisation over the measurement window, in percent of
// all CPUs of that host (0-100), from /proc/stat deltas. A side that was not
// measured has a nil pointer.
type CPUUsage struct {
	Local  *CPUSide `json:"local,omitempty"`
	Remote *CPUSide `json:"remote,omitempty"`
}

// CPUSide is one host's CPU utilisation, with the breakdown netperf reports.
type CPUSide struct {
	UtilPercent    float64 `json:"util_percent"`
	UserPercent    float64 `json:"user_percent"`
	SystemPercent  float64 `json:"system_percent"`
	IOWaitPercent  float64 `json:"iowait_percent"`
	IRQPercent     float64 `json:"irq_percent"`
	SoftIRQPercent float64 `json:"softirq_percent"`
	NumCPUs        int     `json:"num_cpus"`
	Method         string  `json:"method"` // netperf's method letter: "S" = /proc/stat
	// ServiceDemandUS is CPU time per unit of work, netperf's definition:
	// microseconds per KB (1024 bytes) for STREAM tests, per transaction for
	// RR tests; see ServiceDemandUnit.
	ServiceDemandUS   float64 `json:"service_demand_us"`
	ServiceDemandUnit string  `json:"service_demand_unit"` // "KB" or "Tran"
}

// Confidence reports a confidence run: how many iterations ran and how
// wide the confidence interval of each result came out. Widths are full
// interval widths in percent of the mean, as netperf's *_CONFID selectors.
type Confidence struct {
	Iterations       int     `json:"iterations"`
	LevelPercent     int     `json:"level_percent"`      // 95 or 99
	WantWidthPercent float64 `json:"want_width_percent"` // what -I asked for
	// Met says whether every measured quantity reached WantWidthPercent.
	Met                    bool    `json:"met"`
	ThroughputWidthPercent float64 `json:"throughput_width_percent"`
	LocalCPUWidthPercent   float64 `json:"local_cpu_width_percent,omitempty"`
	RemoteCPUWidthPercent  float64 `json:"remote_cpu_width_percent,omitempty"`
	// Samples holds the headline result of each iteration: bits/s for
	// STREAM tests, transactions/s for RR tests.
	Samples []float64 `json:"samples"`
	// MeanResult is the mean of Samples: netperf's reported result.
	MeanResult float64 `json:"mean_result"`
}

// Aggregate describes how a multi-instance run was summed.
type Aggregate struct {
	Instances int `json:"instances"` // started
	Valid     int `json:"valid"`     // finished without error and moved data
	// The common window: from the last instance's data-phase start to the
	// first valid instance's end. The record's Start and Elapsed are it.
	WindowCoverage float64 `json:"window_coverage"` // window / requested length (0..1); 0 for count-based runs
	// StartSpread is the time between the first and the last instance
	// starting its data phase.
	StartSpread time.Duration `json:"start_spread_ns"`
	// NaiveSumBitsPerSecond and NaiveSumTransactionsPerSecond add up the
	// instances' own whole-run results, as super_netperf does; skew between
	// instances makes them larger than the window's honest aggregate.
	NaiveSumBitsPerSecond         float64 `json:"naive_sum_bits_per_second"`
	NaiveSumTransactionsPerSecond float64 `json:"naive_sum_transactions_per_second,omitempty"`
	// JainIndex is Jain's fairness index of the instances' window rates
	// (1 = perfectly even, 1/n = one instance got everything).
	JainIndex   float64  `json:"jain_index"`
	Interrupted bool     `json:"interrupted,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
}

// Error says why an instance failed. Kind is one of the ErrKind constants.
type Error struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// The kinds of failure a Record can carry.
const (
	ErrControlConnect = "control-connect" // could not reach the server's control port
	ErrDataConnect    = "data-connect"    // control exchange worked, data connection did not
	ErrProtocol       = "protocol"        // the peer sent something we cannot use
	ErrRemote         = "remote"          // the server reported an error (serv_errno)
	ErrData           = "data"            // a send or receive failed mid-test
	ErrTimeout        = "timeout"         // the peer stopped answering
	ErrInterrupted    = "interrupted"     // stopped by a signal; counts are what was measured
)

func (e *Error) Error() string { return e.Kind + ": " + e.Message }

// IsStream reports whether a test moves bulk data one way.
func IsStream(test string) bool {
	switch test {
	case "TCP_STREAM", "TCP_MAERTS", "UDP_STREAM":
		return true
	}
	return false
}

// ThroughputBitsPerSecond is the record's data rate. For a Final record of
// a send test it is the receiver's byte count over the sender's elapsed
// time, as netperf computes it; for MAERTS the bytes received here; for
// request/response tests the bytes of both directions. Interval records use
// this side's counts.
func (r *Record) ThroughputBitsPerSecond() float64 {
	s := r.Elapsed.Seconds()
	if s <= 0 {
		return 0
	}
	return float64(r.PayloadBytes()) * 8 / s
}

// PayloadBytes is the byte count ThroughputBitsPerSecond is computed from.
func (r *Record) PayloadBytes() uint64 {
	switch r.Test {
	case "TCP_STREAM", "UDP_STREAM":
		if r.Final && (r.Err == nil || r.RemoteBytesRecv > 0) {
			// What arrived, not what was sent: lost datagrams do not count.
			return r.RemoteBytesRecv
		}
		return r.BytesSent
	case "TCP_MAERTS":
		return r.BytesRecv
	}
	return r.BytesSent + r.BytesRecv
}

// TransactionRate is completed transactions per second.
func (r *Record) TransactionRate() float64 {
	s := r.Elapsed.Seconds()
	if s <= 0 {
		return 0
	}
	return float64(r.Transactions) / s
}

// End is the wall-clock time the record's measurement ended.
func (r *Record) End() time.Time { return r.Start.Add(r.Elapsed) }

// A Header may lead a stream and says what produced it.
type Header struct {
	Tool        string    `json:"tool"`
	Version     string    `json:"version"`
	Time        time.Time `json:"time"`
	Hostname    string    `json:"hostname,omitempty"`
	Kernel      string    `json:"kernel,omitempty"`
	CommandLine []string  `json:"command_line,omitempty"`
}
