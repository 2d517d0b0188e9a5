package netperf

import (
	"bytes"
	"net/netip"
	"testing"
)

// BenchmarkCodec encodes and decodes the three control messages of an omni
// test, and reads one off a stream.
func BenchmarkCodec(b *testing.B) {
	req := omniRequest{CPUBind: -1, SendBufSize: -1, RecvBufSize: -1, RequestSize: 1, ResponseSize: 1,
		TestLength: 10, IPFamily: nfInet, SocketType: 2, Protocol: 17, Direction: dirRecv | dirXmit,
		NetperfIP: addrWords(netip.MustParseAddr("127.0.0.1")), NetserverIP: addrWords(netip.MustParseAddr("127.0.0.1")),
		CongControl: "cubic"}
	rsp := omniResponse{DataPort: 40000}
	res := omniResults{}
	var m message
	b.Run("request/encode", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			req.encode(&m)
		}
	})
	b.Run("request/decode", func(b *testing.B) {
		req.encode(&m)
		var out omniRequest
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			out.decode(&m)
		}
	})
	b.Run("response/roundtrip", func(b *testing.B) {
		var out omniResponse
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			rsp.encode(&m)
			out.decode(&m)
		}
	})
	b.Run("results/roundtrip", func(b *testing.B) {
		var out omniResults
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			res.encode(&m)
			out.decode(&m)
		}
	})
	b.Run("read", func(b *testing.B) {
		req.encode(&m)
		wire := bytes.Repeat(m[:], 64)
		r := bytes.NewReader(wire)
		var in message
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if r.Len() == 0 {
				r.Reset(wire)
			}
			if err := readMessage(r, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
