package parse

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// A banner is the first line a test prints (unless -P 0):
//
//	MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : +/-2.500% @ 99% conf.  : histogram
//
// Older netperfs print the same without "MIGRATED", and before 2.4 only
// "TCP STREAM TEST to host".
type banner struct {
	test    string // from the test title; "" for an OMNI banner
	omniDir string // OMNI banners: "Send", "Receive", "Send|Recv"
	host    string // the destination as given to -H
	family  string // "inet", "inet6", "" = not said
	port    int    // destination (data) port, usually 0

	confLevel int     // "@ 99% conf."; 0 = not a confidence run
	confWidth float64 // full interval width in percent (netperf prints half)
	noDelay   bool    // ": nodelay"
}

// bannerRE matches a banner: a title of upper-case words ending in TEST,
// optional "from ... to ..." addresses, optional " : option" suffixes.
var bannerRE = regexp.MustCompile(`^(?:(MIGRATED|OMNI) )?([A-Z][A-Za-z0-9_/|]*(?: [A-Za-z0-9_/|]+)*) TEST` +
	`(?: from (\S+) \([^)]*\) port \d+ (\S+))?` +
	`(?: to (\S+)(?: \([^)]*\) port (\d+) (\S+))?)?` +
	`((?: +:.*)?)\s*$`)

// bannerTests names the tests of netperf's banner titles.
var bannerTests = map[string]string{
	"TCP STREAM":                   "TCP_STREAM",
	"TCP MAERTS":                   "TCP_MAERTS",
	"TCP REQUEST/RESPONSE":         "TCP_RR",
	"TCP Connect/Request/Response": "TCP_CRR",
	"UDP STREAM":                   "UDP_STREAM",
	"UDP REQUEST/RESPONSE":         "UDP_RR",
	"TCP Connect/Close":            "TCP_CC",
	"TCP SENDFILE":                 "TCP_SENDFILE",
}

var confRE = regexp.MustCompile(`\+/-\s*([0-9.]+)% @\s*(\d+)% conf`)

func parseBanner(line string) (*banner, error) {
	m := bannerRE.FindStringSubmatch(line)
	if m == nil {
		return nil, fmt.Errorf("not a banner")
	}
	b := &banner{host: m[5], family: familyName(m[7])}
	if m[7] == "" {
		b.family = familyName(m[4])
	}
	if m[6] != "" {
		b.port, _ = strconv.Atoi(m[6])
	}
	title := m[2]
	if m[1] == "OMNI" {
		b.omniDir = title
	} else if t, ok := bannerTests[title]; ok {
		b.test = t
	} else {
		// A test nperf does not run itself (the external engine serves
		// those): name it the way netperf's -t does.
		t := strings.ToUpper(title)
		t = strings.ReplaceAll(t, "REQUEST/RESPONSE", "RR")
		t = strings.NewReplacer(" ", "_", "/", "_", "|", "_").Replace(t)
		b.test = t
	}
	suffix := m[8]
	if c := confRE.FindStringSubmatch(suffix); c != nil {
		half, err := strconv.ParseFloat(c[1], 64)
		if err != nil {
			return nil, fmt.Errorf("banner: bad confidence width %q", c[1])
		}
		b.confWidth = 2 * half
		b.confLevel, _ = strconv.Atoi(c[2])
	}
	for _, opt := range strings.Split(suffix, ":") {
		if strings.TrimSpace(opt) == "nodelay" {
			b.noDelay = true
		}
	}
	return b, nil
}

// familyName maps netperf's AF_ names to Spec families.
func familyName(af string) string {
	switch af {
	case "AF_INET":
		return "inet"
	case "AF_INET6":
		return "inet6"
	}
	return ""
}

// omniTest names the test an omni direction and protocol amount to.
func omniTest(dir, proto string) string {
	proto = strings.ToUpper(proto)
	if proto == "" {
		proto = "TCP" // omni's default protocol
	}
	switch strings.ToLower(dir) {
	case "send", "xmit", "stream", "transmit":
		return proto + "_STREAM"
	case "receive", "recv", "maerts":
		if proto == "TCP" {
			return "TCP_MAERTS"
		}
	case "send|recv", "recv|send", "rr":
		return proto + "_RR"
	case "connect|send|recv":
		if proto == "TCP" {
			return "TCP_CRR"
		}
	}
	return ""
}
