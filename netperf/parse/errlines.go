package parse

import (
	"net"
	"regexp"
	"strings"

	"nperf/result"
)

// An errorPattern recognises one of the lines netperf (or nperf) prints
// when a test fails, and the kind of failure it means. Continuation lines
// add detail to the error line before them; the others start an error.
type errorPattern struct {
	re   *regexp.Regexp
	kind string // a result.Err* kind, or kindRefused
	cont bool
}

// kindRefused marks netperf refusing its command line: nothing ran, so
// there is no Record to write; the parser reports it as an error.
const kindRefused = "refused"

var errorPatterns = []errorPattern{
	{re: regexp.MustCompile(`^establish control: are you sure there is a netserver listening on (\S+) at port (\d+)\?`), kind: result.ErrControlConnect},
	{re: regexp.MustCompile(`^establish_control could not establish`), kind: result.ErrControlConnect, cont: true},
	{re: regexp.MustCompile(`^establish_control: (connect|bind) failed`), kind: result.ErrControlConnect},
	{re: regexp.MustCompile(`^resolve_host: could not resolve host`), kind: result.ErrControlConnect},
	{re: regexp.MustCompile(`^getaddrinfo returned`), kind: result.ErrControlConnect, cont: true},
	{re: regexp.MustCompile(`^Netperf could not resolve .* as a host name`), kind: result.ErrControlConnect, cont: true},
	{re: regexp.MustCompile(`connect_data_socket failed|unable to create data socket|could not create data socket`), kind: result.ErrDataConnect},
	{re: regexp.MustCompile(`send_data failed|recv_data failed|data send error|data recv error|disconnect_data_socket failed`), kind: result.ErrData},
	{re: regexp.MustCompile(`^netperf: remote error`), kind: result.ErrRemote},
	{re: regexp.MustCompile(`no response received\. errno`), kind: result.ErrTimeout},
	{re: regexp.MustCompile(`^recv_response: |partial response received`), kind: result.ErrProtocol},
	{re: regexp.MustCompile(`^nperf: error: `), kind: result.ErrProtocol},
	{re: regexp.MustCompile(`^nperf: hint: `), kind: result.ErrProtocol, cont: true},
	{re: regexp.MustCompile(`^The test you requested \(.*\) is unknown to this netperf`), kind: kindRefused},
	{re: regexp.MustCompile(`^Please verify that you have the correct test name`), kind: kindRefused, cont: true},
	{re: regexp.MustCompile(`^and that test family has been compiled into this netperf`), kind: kindRefused, cont: true},
	{re: regexp.MustCompile(`^Only 95% and 99% confidence level is supported`), kind: kindRefused},
	{re: regexp.MustCompile(`^Could not open output selection file`), kind: kindRefused},
	{re: regexp.MustCompile(`^Usage: netperf `), kind: kindRefused},
}

// nperfErrorRE picks the kind out of nperf's own "nperf: error: KIND: ..."
var nperfErrorRE = regexp.MustCompile(`^nperf: error: (control-connect|data-connect|protocol|remote|data|timeout|interrupted): `)

// classifyError returns the kind of failure a line reports, or "".
func classifyError(t string) string {
	if p := matchError(t); p != nil {
		return p.kind
	}
	return ""
}

func matchError(t string) *errorPattern {
	for i := range errorPatterns {
		if errorPatterns[i].re.MatchString(t) {
			return &errorPatterns[i]
		}
	}
	return nil
}

// readErrors reads the lines of one failure: its first line and the
// continuation lines after it. A failed run still gets a Final record
// with the error, the raw lines kept in its message; a refused command
// line is a parse error, since nothing ran.
func (p *parser) readErrors(r *run) ([]*result.Record, error) {
	first, n := p.l.next()
	t := strings.TrimSpace(first)
	pat := matchError(t)
	e := &runError{kind: pat.kind, lines: []string{t}, line: n}
	if m := errorPatterns[0].re.FindStringSubmatch(t); m != nil {
		e.peer = net.JoinHostPort(m[1], m[2])
	}
	if m := nperfErrorRE.FindStringSubmatch(t); m != nil {
		e.kind = m[1]
	}
	for {
		line, ok := p.l.peek(0)
		if !ok {
			break
		}
		q := matchError(strings.TrimSpace(line))
		if q == nil || !q.cont {
			break
		}
		p.l.next()
		e.lines = append(e.lines, strings.TrimSpace(line))
	}
	if e.kind == kindRefused {
		return nil, p.errorf(n, "netperf did not run: %s", strings.Join(e.lines, " "))
	}
	r.err = e
	return p.build(r)
}
