// Package output owns netperf's text output, byte for byte as stock
// netperf 2.7.1 prints it (including its quirks), so that scripts that
// scrape netperf keep working:
//
//   - the banner line a test prints before it runs (Banner);
//   - the classic fixed-layout result table (Result), with the warning of
//     a confidence run that missed its interval and the extra blocks and
//     histogram of -v 2;
//   - the omni selectors printed with -o, -k and -O (Omni, Select,
//     SelectorList);
//   - the interim results of -D (Interim).
//
// The layouts come from the migrated (omni) send_tcp_stream, send_tcp_maerts,
// send_tcp_rr, send_tcp_conn_rr, send_udp_stream and send_udp_rr and the
// omni printers of netperf's nettest_omni.c, print_top_test_header of
// nettest_bsd.c, and the demo, confidence and histogram code of netlib.c.
// Everything is printed from Records: where a Record lacks a value netperf
// prints, nperf prints netperf's own placeholder for an unknown value,
// never a number of its own.
package output

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"nperf/result"
)

// testTitles are the names netperf's banner gives each test. They are the
// migrated (omni) versions, hence "MIGRATED".
var testTitles = map[string]string{
	"TCP_STREAM": "MIGRATED TCP STREAM TEST",
	"TCP_MAERTS": "MIGRATED TCP MAERTS TEST",
	"TCP_RR":     "MIGRATED TCP REQUEST/RESPONSE TEST",
	"TCP_CRR":    "MIGRATED TCP Connect/Request/Response TEST",
	"UDP_STREAM": "MIGRATED UDP STREAM TEST",
	"UDP_RR":     "MIGRATED UDP REQUEST/RESPONSE TEST",
}

// Banner writes the line netperf prints before a test runs, such as
//
//	MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : histogram : interval : demo
//
// The " : histogram : interval : demo" suffix is what a stock netperf
// built with those configure options prints, and request/response tests
// other than TCP_CRR add " : first burst 0". A confidence run (-i with a
// maximum above 1) adds the interval it aims for after the addresses,
// " : +/-2.500% @ 99% conf. ". Banner writes nothing when o.Headers is
// false (-P 0).
func Banner(w io.Writer, spec *result.Spec, o Options) error {
	if !o.Headers {
		return nil
	}
	if spec == nil {
		return fmt.Errorf("banner: no test spec")
	}
	title, ok := testTitles[spec.Test]
	if !ok {
		return fmt.Errorf("banner: unknown test %q", spec.Test)
	}
	inet6 := isInet6(spec)
	family := "AF_INET"
	src := spec.LocalHost
	if src == "" {
		src = "0.0.0.0"
	}
	if inet6 {
		family = "AF_INET6"
		if spec.LocalHost == "" {
			src = "::0"
		}
	}
	dst := spec.Host
	if dst == "" {
		dst = "localhost" // netperf's default -H
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s from %s (%s) port %d %s to %s (%s) port %d %s",
		title, src, shortAddr(src, inet6), spec.LocalDataPort, family,
		dst, shortAddr(dst, inet6), spec.RemoteDataPort, family)
	b.WriteString(confidenceSuffix(spec))
	if spec.NoDelay {
		b.WriteString(" : nodelay")
	}
	b.WriteString(" : histogram : interval : demo")
	if strings.Contains(title, "REQUEST/RESPONSE") {
		fmt.Fprintf(&b, " : first burst %d", spec.Burst)
	}
	if spec.CPUBind != nil || spec.RemoteCPUBind != nil {
		b.WriteString(" : cpu bind") // netperf's -T
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// isInet6 reports whether netperf would run the test over IPv6: when asked
// to, or when the address it was given is an IPv6 literal. Host names are
// taken to resolve to IPv4, as they do first on most systems.
func isInet6(spec *result.Spec) bool {
	switch spec.Family {
	case "inet6":
		return true
	case "inet":
		return false
	}
	for _, h := range []string{spec.Host, spec.LocalHost} {
		if a, err := netip.ParseAddr(h); err == nil {
			return a.Is6() && !a.Is4In6()
		}
	}
	return false
}

// shortAddr is the address netperf prints in parentheses after a host
// name. netperf formats the resolved address into a buffer of
// sizeof(char *) = 8 bytes, so inet_ntop fails and leaves it empty for any
// address longer than 7 characters: "0.0.0.0" and "::1" appear,
// "127.0.0.1" does not. Only literal addresses (and "localhost" over IPv6)
// are known here without resolving names.
func shortAddr(host string, inet6 bool) string {
	a, err := netip.ParseAddr(host)
	if err != nil {
		if host != "localhost" || !inet6 {
			return ""
		}
		a = netip.IPv6Loopback()
	}
	s := a.WithZone("").String()
	if len(s) > 7 {
		return ""
	}
	return s
}
