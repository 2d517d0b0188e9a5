package monitor

import (
	"context"
	"io"
	"time"

	"nperf/result"
)

// An Event is one item of a watched stream: a Record, or the Header that
// leads it.
type Event struct {
	Record *result.Record
	Header *result.Header
}

// Options set how a front end runs.
type Options struct {
	// Refresh is how often the screen or line is redrawn (default 500 ms).
	Refresh time.Duration
	// ExitAtEnd makes the terminal view quit by itself when the stream
	// ends, instead of showing the result until the user presses q.
	ExitAtEnd bool
}

// DefaultRefresh is the refresh period when Options do not set one.
const DefaultRefresh = 500 * time.Millisecond

func (o Options) refresh() time.Duration {
	if o.Refresh <= 0 {
		return DefaultRefresh
	}
	return o.Refresh
}

// apply feeds one event to the state.
func (s *State) apply(ev Event) {
	if ev.Header != nil {
		s.SetHeader(ev.Header)
	}
	if ev.Record != nil {
		s.Update(ev.Record)
	}
}

// RunPlain is the front end for pipes and logs: it reads events until the
// channel closes or ctx ends and writes one plain line (no escape codes)
// per refresh in which Records arrived, and a last line at the end (unless
// the one before was already the finished result). The
// clock is now (time.Now when nil).
func RunPlain(ctx context.Context, s *State, events <-chan Event, w io.Writer, opts Options, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	tk := time.NewTicker(opts.refresh())
	defer tk.Stop()
	printed := 0 // warnings already printed
	changed := false
	lines := 0
	line := func() error {
		s.Tick(now())
		err := s.RenderLine(w, printed)
		printed = s.WarningCount()
		changed = false
		lines++
		return err
	}
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				s.End()
				// The last line, unless the one before already said it all.
				if changed || lines == 0 || !s.Done() {
					return line()
				}
				return nil
			}
			s.Tick(now())
			s.apply(ev)
			changed = changed || ev.Record != nil
		case <-tk.C:
			if changed {
				if err := line(); err != nil {
					return err
				}
			}
		case <-ctx.Done():
			if changed {
				return line()
			}
			return nil
		}
	}
}
