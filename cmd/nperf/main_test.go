package main

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"nperf/result"
)

func TestMain(m *testing.M) {
	// The same binary under the names a user types: nperf, and the
	// netperf / netserver links.
	testscript.Main(m, map[string]func(){"nperf": main, "netperf": main, "netserver": main})
}

// TestScripts runs every testdata/script/*.txtar: the commands a user
// types, hermetic, on loopback.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			for _, name := range []string{"PORT", "PORT2"} {
				p, err := freePort()
				if err != nil {
					return err
				}
				env.Setenv(name, strconv.Itoa(p))
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "ipv6" {
				ln, err := net.Listen("tcp6", "[::1]:0")
				if err != nil {
					return false, nil
				}
				ln.Close()
				return true, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitport":  waitPort,
			"checkjson": checkJSON,
		},
	})
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitport PORT: wait up to 10 s until something listens on 127.0.0.1:PORT.
func waitPort(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitport PORT")
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", "127.0.0.1:"+args[0])
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("nothing listens on port %s", args[0])
}

// checkjson FILE TEST: FILE is a Record stream of one TEST instance: every
// line parses, a Header leads, interval records precede one Final record
// that carries counts, elapsed time and Spec, and for RR tests a latency
// histogram whose percentiles are ordered.
func checkJSON(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: checkjson FILE TEST")
	}
	rd := result.NewReader(strings.NewReader(ts.ReadFile(args[0])), args[0])
	var headers, intervals int
	var final *result.Record
	for rd.Scan() {
		if rd.Header() != nil {
			if headers+intervals > 0 || final != nil {
				ts.Fatalf("header is not the first line")
			}
			headers++
			continue
		}
		r := rd.Record()
		if r.Test != args[1] {
			ts.Fatalf("record of test %q, want %q", r.Test, args[1])
		}
		if final != nil {
			ts.Fatalf("record after the final one")
		}
		if r.Final {
			final = r
			continue
		}
		if r.Seq != intervals {
			ts.Fatalf("interval %d has seq %d", intervals, r.Seq)
		}
		intervals++
	}
	ts.Check(rd.Err())
	problems := ""
	check := func(ok bool, format string, a ...any) {
		if !ok {
			problems += fmt.Sprintf(format, a...) + "; "
		}
	}
	check(headers == 1, "%d headers", headers)
	check(intervals > 0, "no interval records")
	check(final != nil, "no final record")
	if final != nil {
		check(final.Err == nil, "final record has error %v", final.Err)
		check(final.Spec != nil && final.Spec.Test == args[1], "final record has no spec")
		check(final.Elapsed > 0, "elapsed %v", final.Elapsed)
		check(final.BytesSent+final.BytesRecv > 0, "no bytes counted")
		if !result.IsStream(args[1]) {
			h := final.Latency
			check(final.Transactions > 0, "no transactions")
			check(h != nil && h.Count() == final.Transactions, "histogram does not hold every transaction")
			if h != nil {
				check(h.Min() <= h.Quantile(0.5) && h.Quantile(0.5) <= h.Quantile(0.9) &&
					h.Quantile(0.9) <= h.Quantile(0.99) && h.Quantile(0.99) <= h.Max() && h.Min() > 0,
					"percentiles out of order: min %v p50 %v p90 %v p99 %v max %v",
					h.Min(), h.Quantile(0.5), h.Quantile(0.9), h.Quantile(0.99), h.Max())
			}
		}
	}
	if (problems != "") != neg {
		if neg {
			ts.Fatalf("checkjson passed unexpectedly")
		}
		ts.Fatalf("%s: %s", args[0], problems)
	}
}
