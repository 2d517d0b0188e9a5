package result

// A Spec is what one test instance runs: every option that shapes the
// measurement, in nperf's own names and explicit units. It lives here,
// beside Record, because every Final record carries one; package netperf
// builds it from netperf's command-line syntax.
//
// Sizes are bytes; 0 means "not set, use the default" (netperf's -1).
type Spec struct {
	Test   string `json:"test"`             // TCP_STREAM, TCP_MAERTS, TCP_RR, TCP_CRR, UDP_STREAM, UDP_RR
	Host   string `json:"host,omitempty"`   // control host; "" = embedded loopback server
	Port   int    `json:"port,omitempty"`   // control port (12865)
	Family string `json:"family,omitempty"` // "inet", "inet6", "" = whatever the host resolves to

	LocalHost string `json:"local_host,omitempty"` // -L: local address for control and data

	// LengthSeconds is the test length for timed tests (-l N). Zero when
	// the test ends after a count instead.
	LengthSeconds int `json:"length_s,omitempty"`
	// LengthUnits ends the test after this many bytes (STREAM) or
	// transactions (RR, CRR): netperf's -l -N.
	LengthUnits int64 `json:"length_units,omitempty"`

	SendSize       int `json:"send_size,omitempty"`        // -m: bytes per send here
	RemoteSendSize int `json:"remote_send_size,omitempty"` // -m ,N: bytes per send on the server
	RecvSize       int `json:"recv_size,omitempty"`        // -M ,N: bytes per receive here
	RemoteRecvSize int `json:"remote_recv_size,omitempty"` // -M N: bytes per receive on the server

	LocalSendBuf  int `json:"local_send_buf,omitempty"`  // -s N: SO_SNDBUF here
	LocalRecvBuf  int `json:"local_recv_buf,omitempty"`  // -s ,N: SO_RCVBUF here
	RemoteSendBuf int `json:"remote_send_buf,omitempty"` // -S N
	RemoteRecvBuf int `json:"remote_recv_buf,omitempty"` // -S ,N

	// Burst puts this many extra requests in flight at the start of a
	// TCP_RR or UDP_RR test (netperf's -- -b N, "first burst"), so that
	// Burst+1 transactions are outstanding at any time.
	Burst int `json:"burst,omitempty"`

	// BusyPoll makes the TCP_RR and UDP_RR client poll its socket on a
	// locked OS thread instead of sleeping until the response arrives:
	// lower latency for a whole CPU (nperf's --busy-poll; not in netperf).
	BusyPoll bool `json:"busy_poll,omitempty"`

	RequestSize  int `json:"request_size,omitempty"`  // -r N: RR request bytes (default 1)
	ResponseSize int `json:"response_size,omitempty"` // -r ,N: RR response bytes (default 1)

	NoDelay        bool `json:"no_delay,omitempty"`         // -D: TCP_NODELAY both sides
	LocalDataPort  int  `json:"local_data_port,omitempty"`  // -P N
	RemoteDataPort int  `json:"remote_data_port,omitempty"` // -P ,N
	LocalCPU       bool `json:"local_cpu,omitempty"`        // -c
	RemoteCPU      bool `json:"remote_cpu,omitempty"`       // -C
	IntervalMS     int  `json:"interval_ms,omitempty"`      // sampling period of interval records

	// CPUBind pins the instance's data loop to this CPU here, RemoteCPUBind
	// the server's (netperf's -T local,remote). Nil: not pinned.
	CPUBind       *int `json:"cpu_bind,omitempty"`
	RemoteCPUBind *int `json:"remote_cpu_bind,omitempty"`

	// Confidence runs (-i max,min -I level,width): repeat the test until
	// the confidence interval of the result at ConfidenceLevel percent is
	// narrower than ConfidenceWidthPercent of the mean, between
	// IterationsMin and IterationsMax times. IterationsMax <= 1: one run.
	IterationsMax          int     `json:"iterations_max,omitempty"`
	IterationsMin          int     `json:"iterations_min,omitempty"`
	ConfidenceLevel        int     `json:"confidence_level,omitempty"`         // 95 or 99
	ConfidenceWidthPercent float64 `json:"confidence_width_percent,omitempty"` // full width, % of the mean
}

// Tests lists the test names nperf runs, in netperf's order.
var Tests = []string{"TCP_STREAM", "TCP_MAERTS", "TCP_RR", "TCP_CRR", "UDP_STREAM", "UDP_RR"}
