package orchestrate

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"nperf/internal/units"
	"nperf/remote"
	"nperf/result"
)

// Headline formats a cell's result: throughput for STREAM tests, the
// transaction rate and median round trip for request/response tests.
func Headline(r *result.Record) string {
	if result.IsStream(r.Test) {
		return units.BitsPerSecond(r.ThroughputBitsPerSecond())
	}
	s := fmt.Sprintf("%.0f trans/s", r.TransactionRate())
	if h := r.Latency; h != nil && h.Count() > 0 {
		s += " p50 " + shortDuration(h.Quantile(0.5))
	}
	return s
}

func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0fus", float64(d)/1e3)
}

// Status is a short word for a cell's outcome, for the matrix table.
func (r *CellResult) Status() string {
	var re *result.Error
	var ee *remote.ExitError
	switch {
	case r.OK() && r.ExpectationsFailed:
		return Headline(r.Headline) + " (expectations failed)"
	case r.OK():
		return Headline(r.Headline)
	case r.Interrupted && r.Headline != nil:
		return Headline(r.Headline) + " (interrupted)"
	case r.Interrupted && r.Started:
		return "interrupted"
	case r.Interrupted:
		return "not run (interrupted)"
	case errors.Is(r.Err, remote.ErrUnreachable):
		return "unreachable"
	case errors.Is(r.Err, remote.ErrAuth):
		return "auth failed"
	case errors.Is(r.Err, remote.ErrHostKeyUnknown):
		return "host key unknown"
	case errors.Is(r.Err, remote.ErrHostKeyChanged):
		return "HOST KEY CHANGED"
	case errors.Is(r.Err, remote.ErrConnLost):
		return "connection lost"
	case errors.As(r.Err, &re):
		return re.Kind
	case errors.As(r.Err, &ee):
		return ee.Error()
	}
	return "failed"
}

// WriteMatrix prints the results as a clients x servers table, then one
// line per cell that did not complete, with its error. Cells that were
// not part of the run (explicit pairs) show "-".
func WriteMatrix(w io.Writer, results []*CellResult) {
	var clients, servers []*remote.Host
	seen := map[*remote.Host]bool{}
	byCell := map[[2]*remote.Host]*CellResult{}
	for _, r := range results {
		if !seen[r.Client] {
			clients = append(clients, r.Client)
			seen[r.Client] = true
		}
		byCell[[2]*remote.Host{r.Client, r.Server}] = r
	}
	seenS := map[*remote.Host]bool{}
	for _, r := range results {
		if !seenS[r.Server] {
			servers = append(servers, r.Server)
			seenS[r.Server] = true
		}
	}
	cells := make([][]string, len(clients))
	width := make([]int, len(servers)+1)
	width[0] = len("client \\ server")
	for i, c := range clients {
		width[0] = max(width[0], len(c.Name))
		cells[i] = make([]string, len(servers))
		for j, s := range servers {
			text := "-"
			if r := byCell[[2]*remote.Host{c, s}]; r != nil {
				text = r.Status()
			}
			cells[i][j] = text
			width[j+1] = max(width[j+1], len(text))
		}
	}
	for j, s := range servers {
		width[j+1] = max(width[j+1], len(s.Name))
	}
	row := func(first string, rest []string) {
		line := fmt.Sprintf("%-*s", width[0], first)
		for j, v := range rest {
			line += fmt.Sprintf("  %*s", width[j+1], v)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	names := make([]string, len(servers))
	for j, s := range servers {
		names[j] = s.Name
	}
	row("client \\ server", names)
	for i, c := range clients {
		row(c.Name, cells[i])
	}
	ok := 0
	for _, r := range results {
		if r.OK() {
			ok++
		}
	}
	fmt.Fprintf(w, "\n%d of %d cells completed\n", ok, len(results))
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(w, "  %s: %v\n", r.Name(), r.Err)
		}
	}
}
