package netperf

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net/netip"
)

// MessageSize is the size of every control message in both directions:
// two header words and 162 words of test-specific data.
const MessageSize = 656

// Request and response types on the control connection (netlib.h).
const (
	typeDebugOn        = 1
	typeDebugOff       = 2
	typeDebugOK        = 3
	typeCPUCalibrate   = 5
	typePassphrase     = 6
	typeDoOmni         = 97
	typeOmniResponse   = 98
	typeOmniResults    = 99
	typeDoSysinfo      = 600
	typeSysinfoReply   = 601
	errnoUnknownType   = 998
	dataWords          = 162
	requestCutoffWords = 38 // words of a DO_OMNI request sent big-endian
	respCutoffWords    = 18 // words of an OMNI response sent big-endian
	resultsCutoffWords = 27 // words of OMNI results sent big-endian
)

// Flags of a DO_OMNI request; the response echoes some of them.
const (
	flagNoDelay        = 0x00000001
	flagConnectTest    = 0x00000004
	flagMeasureCPU     = 0x00000008
	flagRoutingAllowed = 0x00000020 // doubles as "tell me your congestion control"
	flagUseConnected   = 0x00004000
	flagWantKeepalive  = 0x80000000
)

// Direction bits, always from the server's point of view.
const (
	dirXmit = 0x2 // the server sends
	dirRecv = 0x4 // the server receives
)

// netperf's private address family and socket type numbers.
const (
	nfUnspec  = 0
	nfInet    = 4
	nfInet6   = 6
	nstStream = 1
	nstDgram  = 2
	protoTCP  = 6
	protoUDP  = 17
)

// A message is one 656-byte control message as it is on the wire.
type message [MessageSize]byte

func (m *message) typ() int32   { return int32(binary.BigEndian.Uint32(m[0:4])) }
func (m *message) word1() int32 { return int32(binary.BigEndian.Uint32(m[4:8])) }
func (m *message) setHeader(typ, word1 int32) {
	binary.BigEndian.PutUint32(m[0:4], uint32(typ))
	binary.BigEndian.PutUint32(m[4:8], uint32(word1))
}

// readMessage reads exactly one message. A message cut short by EOF is an
// error that says how much arrived, as netperf does.
func readMessage(r io.Reader, m *message) error {
	n, err := io.ReadFull(r, m[:])
	if err == io.ErrUnexpectedEOF {
		return fmt.Errorf("partial control message: %d of %d bytes", n, MessageSize)
	}
	return err
}

// A field is one member of a control struct, in wire order. p points to an
// int32, uint32, float32, [4]uint32 (four words) or, after the conversion
// cutoff, a string of the given size (raw bytes, NUL padded).
type field struct {
	name string
	p    any
	size int // strings only: bytes reserved
}

// encodeFields lays fs out from offset 8: numbers big-endian word by word,
// strings raw. netperf converts only the words before the cutoff; all our
// numbers are before it and all strings after, so this is the same bytes.
func encodeFields(m *message, fs []field) {
	off := 8
	for _, f := range fs {
		switch v := f.p.(type) {
		case *int32:
			binary.BigEndian.PutUint32(m[off:], uint32(*v))
			off += 4
		case *uint32:
			binary.BigEndian.PutUint32(m[off:], *v)
			off += 4
		case *float32:
			binary.BigEndian.PutUint32(m[off:], math.Float32bits(*v))
			off += 4
		case *[4]uint32:
			for _, w := range v {
				binary.BigEndian.PutUint32(m[off:], w)
				off += 4
			}
		case *string:
			b := m[off : off+f.size]
			clear(b)
			copy(b[:f.size-1], *v) // always NUL terminated
			off += f.size
		default:
			panic(fmt.Sprintf("netperf: field %s has unsupported type %T", f.name, f.p))
		}
	}
}

// decodeFields is the inverse of encodeFields. Strings stop at the first NUL.
func decodeFields(m *message, fs []field) {
	off := 8
	for _, f := range fs {
		switch v := f.p.(type) {
		case *int32:
			*v = int32(binary.BigEndian.Uint32(m[off:]))
			off += 4
		case *uint32:
			*v = binary.BigEndian.Uint32(m[off:])
			off += 4
		case *float32:
			*v = math.Float32frombits(binary.BigEndian.Uint32(m[off:]))
			off += 4
		case *[4]uint32:
			for i := range v {
				v[i] = binary.BigEndian.Uint32(m[off:])
				off += 4
			}
		case *string:
			b := m[off : off+f.size]
			n := 0
			for n < len(b) && b[n] != 0 {
				n++
			}
			*v = string(b[:n])
			off += f.size
		default:
			panic(fmt.Sprintf("netperf: field %s has unsupported type %T", f.name, f.p))
		}
	}
}

// omniRequest is the DO_OMNI request (netperf -> netserver). Field names
// follow netperf's struct omni_request_struct.
type omniRequest struct {
	CPUBind        int32 // header word 1: -T ,N; -1 = none
	SendBufSize    int32
	SendSize       int32
	SendAlignment  uint32
	SendOffset     uint32
	SendWidth      uint32
	RequestSize    int32
	RecvBufSize    int32
	ReceiveSize    int32
	RecvAlignment  uint32
	RecvOffset     uint32
	RecvWidth      uint32
	ResponseSize   int32
	Flags          uint32
	CPURate        float32
	TestLength     int32
	SoRcvAvoid     uint32
	SoSndAvoid     uint32
	SendDirtyCount int32
	RecvDirtyCount int32
	RecvCleanCount int32
	DataPort       uint32
	IPFamily       uint32
	SocketType     uint32
	Protocol       uint32
	Direction      uint32
	NetperfPort    uint32
	IntervalBurst  uint32
	IntervalUsecs  uint32
	NetperfIP      [4]uint32
	NetserverIP    [4]uint32
	SocketPrio     int32
	SocketTOS      int32
	CongControl    string
	FillFile       string
}

func (r *omniRequest) fields() []field {
	return []field{
		{"send_buf_size", &r.SendBufSize, 0}, {"send_size", &r.SendSize, 0},
		{"send_alignment", &r.SendAlignment, 0}, {"send_offset", &r.SendOffset, 0},
		{"send_width", &r.SendWidth, 0}, {"request_size", &r.RequestSize, 0},
		{"recv_buf_size", &r.RecvBufSize, 0}, {"receive_size", &r.ReceiveSize, 0},
		{"recv_alignment", &r.RecvAlignment, 0}, {"recv_offset", &r.RecvOffset, 0},
		{"recv_width", &r.RecvWidth, 0}, {"response_size", &r.ResponseSize, 0},
		{"flags", &r.Flags, 0}, {"cpu_rate", &r.CPURate, 0},
		{"test_length", &r.TestLength, 0}, {"so_rcvavoid", &r.SoRcvAvoid, 0},
		{"so_sndavoid", &r.SoSndAvoid, 0}, {"send_dirty_count", &r.SendDirtyCount, 0},
		{"recv_dirty_count", &r.RecvDirtyCount, 0}, {"recv_clean_count", &r.RecvCleanCount, 0},
		{"data_port", &r.DataPort, 0}, {"ipfamily", &r.IPFamily, 0},
		{"socket_type", &r.SocketType, 0}, {"protocol", &r.Protocol, 0},
		{"direction", &r.Direction, 0}, {"netperf_port", &r.NetperfPort, 0},
		{"interval_burst", &r.IntervalBurst, 0}, {"interval_usecs", &r.IntervalUsecs, 0},
		{"netperf_ip", &r.NetperfIP, 0}, {"netserver_ip", &r.NetserverIP, 0},
		{"socket_prio", &r.SocketPrio, 0}, {"socket_tos", &r.SocketTOS, 0},
		{"cong_control", &r.CongControl, 16}, {"fill_file", &r.FillFile, 32},
	}
}

func (r *omniRequest) encode(m *message) {
	clear(m[:])
	m.setHeader(typeDoOmni, r.CPUBind)
	encodeFields(m, r.fields())
}

func (r *omniRequest) decode(m *message) {
	r.CPUBind = m.word1()
	decodeFields(m, r.fields())
}

// omniResponse is netserver's answer to DO_OMNI; DataPort is what matters.
type omniResponse struct {
	ServErrno      int32 // header word 1
	RecvBufSize    int32
	ReceiveSize    int32
	RecvWidth      int32
	SendBufSize    int32
	SendSize       int32
	SendWidth      int32
	Flags          uint32
	CPURate        float32
	TestLength     uint32
	SoRcvAvoid     uint32
	SoSndAvoid     uint32
	DataPort       uint32
	IntervalBurst  uint32
	IntervalUsecs  uint32
	CPUFrequency   uint32
	SecurityInfo   uint32
	SocketPrio     int32
	SocketTOS      int32
	SystemModel    string
	CPUModel       string
	SecurityString string
}

func (r *omniResponse) fields() []field {
	return []field{
		{"recv_buf_size", &r.RecvBufSize, 0}, {"receive_size", &r.ReceiveSize, 0},
		{"recv_width", &r.RecvWidth, 0}, {"send_buf_size", &r.SendBufSize, 0},
		{"send_size", &r.SendSize, 0}, {"send_width", &r.SendWidth, 0},
		{"flags", &r.Flags, 0}, {"cpu_rate", &r.CPURate, 0},
		{"test_length", &r.TestLength, 0}, {"so_rcvavoid", &r.SoRcvAvoid, 0},
		{"so_sndavoid", &r.SoSndAvoid, 0}, {"data_port", &r.DataPort, 0},
		{"interval_burst", &r.IntervalBurst, 0}, {"interval_usecs", &r.IntervalUsecs, 0},
		{"cpu_frequency", &r.CPUFrequency, 0}, {"security_info", &r.SecurityInfo, 0},
		{"socket_prio", &r.SocketPrio, 0}, {"socket_tos", &r.SocketTOS, 0},
		{"system_model", &r.SystemModel, 33}, {"cpu_model", &r.CPUModel, 80},
		{"security_string", &r.SecurityString, 16},
	}
}

func (r *omniResponse) encode(m *message) {
	clear(m[:])
	m.setHeader(typeOmniResponse, r.ServErrno)
	encodeFields(m, r.fields())
}

func (r *omniResponse) decode(m *message) {
	r.ServErrno = m.word1()
	decodeFields(m, r.fields())
}

// omniResults is what netserver reports after the data phase.
type omniResults struct {
	ServErrno        int32 // header word 1
	BytesReceivedHi  uint32
	BytesReceivedLo  uint32
	RecvCalls        uint32
	RecvBufSize      int32
	BytesSentHi      uint32
	BytesSentLo      uint32
	SendCalls        uint32
	SendBufSize      int32
	FailedSends      uint32
	TransReceived    uint32
	ElapsedTime      float32
	CPUUtil          float32
	CPUPercentUser   float32
	CPUPercentSystem float32
	CPUPercentIOWait float32
	CPUPercentIRQ    float32
	CPUPercentSwIntr float32
	ServDem          float32
	CPUMethod        uint32
	NumCPUs          uint32
	PeakCPUID        int32
	PeakCPUUtil      float32
	Vendor           int32
	Device           int32
	Subvendor        int32
	Subdevice        int32
	TransportRetrans int32
	IfName           string
	Driver           string
	Version          string
	Firmware         string
	Bus              string
	IfSlot           string
	CongControl      string
}

func (r *omniResults) fields() []field {
	return []field{
		{"bytes_received_hi", &r.BytesReceivedHi, 0}, {"bytes_received_lo", &r.BytesReceivedLo, 0},
		{"recv_calls", &r.RecvCalls, 0}, {"recv_buf_size", &r.RecvBufSize, 0},
		{"bytes_sent_hi", &r.BytesSentHi, 0}, {"bytes_sent_lo", &r.BytesSentLo, 0},
		{"send_calls", &r.SendCalls, 0}, {"send_buf_size", &r.SendBufSize, 0},
		{"failed_sends", &r.FailedSends, 0}, {"trans_received", &r.TransReceived, 0},
		{"elapsed_time", &r.ElapsedTime, 0}, {"cpu_util", &r.CPUUtil, 0},
		{"cpu_percent_user", &r.CPUPercentUser, 0}, {"cpu_percent_system", &r.CPUPercentSystem, 0},
		{"cpu_percent_iowait", &r.CPUPercentIOWait, 0}, {"cpu_percent_irq", &r.CPUPercentIRQ, 0},
		{"cpu_percent_swintr", &r.CPUPercentSwIntr, 0}, {"serv_dem", &r.ServDem, 0},
		{"cpu_method", &r.CPUMethod, 0}, {"num_cpus", &r.NumCPUs, 0},
		{"peak_cpu_id", &r.PeakCPUID, 0}, {"peak_cpu_util", &r.PeakCPUUtil, 0},
		{"vendor", &r.Vendor, 0}, {"device", &r.Device, 0},
		{"subvendor", &r.Subvendor, 0}, {"subdevice", &r.Subdevice, 0},
		{"transport_retrans", &r.TransportRetrans, 0},
		{"ifname", &r.IfName, 16}, {"driver", &r.Driver, 32}, {"version", &r.Version, 32},
		{"firmware", &r.Firmware, 32}, {"bus", &r.Bus, 32}, {"ifslot", &r.IfSlot, 16},
		{"cong_control", &r.CongControl, 16},
	}
}

// encode writes results with the type netserver means (99); stock netperf
// never looks at the type of this message.
func (r *omniResults) encode(m *message) {
	clear(m[:])
	m.setHeader(typeOmniResults, r.ServErrno)
	encodeFields(m, r.fields())
}

// decode does not check the type word: stock netserver sends a stale,
// byte-swapped 98 there.
func (r *omniResults) decode(m *message) {
	r.ServErrno = m.word1()
	decodeFields(m, r.fields())
}

func (r *omniResults) bytesReceived() uint64 {
	return uint64(r.BytesReceivedHi)<<32 | uint64(r.BytesReceivedLo)
}

func (r *omniResults) bytesSent() uint64 {
	return uint64(r.BytesSentHi)<<32 | uint64(r.BytesSentLo)
}

func split64(v uint64) (hi, lo uint32) { return uint32(v >> 32), uint32(v) }

// encodeErrorReply is a reply that carries only serv_errno. netserver
// converts every word of such a message; ours are zero, so the bytes agree.
func encodeErrorReply(m *message, typ, errno int32) {
	clear(m[:])
	m.setHeader(typ, errno)
}

// addrWords packs an address into the four netperf_ip/netserver_ip words
// as a little-endian C peer puts it on the wire: IPv4 in network order in
// word 0; IPv6 as 16 raw bytes read as four host-order (little-endian)
// words and converted with htonl, which reverses each 4-byte group.
func addrWords(a netip.Addr) [4]uint32 {
	var w [4]uint32
	switch {
	case a.Is4():
		b := a.As4()
		w[0] = binary.BigEndian.Uint32(b[:])
	case a.Is6():
		b := a.As16()
		for i := range w {
			w[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
	}
	return w
}

// wordsAddr is the inverse of addrWords for the given netperf family.
// All-zero words mean "no address" and return the zero Addr.
func wordsAddr(w [4]uint32, family uint32) netip.Addr {
	if w == [4]uint32{} {
		return netip.Addr{}
	}
	switch family {
	case nfInet:
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], w[0])
		return netip.AddrFrom4(b)
	case nfInet6:
		var b [16]byte
		for i := range w {
			binary.LittleEndian.PutUint32(b[4*i:], w[i])
		}
		return netip.AddrFrom16(b)
	}
	return netip.Addr{}
}
