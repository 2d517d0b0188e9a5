package netperf

import (
	"sync"
	"time"

	"nperf/result"
)

// A sampler turns the running counters of a data phase into interval
// Records on a fixed clock, independent of how fast the loop goes.
type sampler struct {
	t    *clientTest
	quit chan struct{}
	wg   sync.WaitGroup

	mu    sync.Mutex // serialises tick and stop
	seq   int
	lastT time.Time
	last  snapshot
}

type snapshot struct{ sent, recv, trans uint64 }

func (t *clientTest) snapshot() snapshot {
	return snapshot{t.k.sent.Load(), t.k.recv.Load(), t.k.trans.Load()}
}

func (t *clientTest) startSampler() *sampler {
	return &sampler{t: t, quit: make(chan struct{}), seq: t.seqBase}
}

func (s *sampler) enabled() bool { return s.t.c.Interval > 0 && s.t.c.Emit != nil }

// begin starts the clock at the start of the data phase.
func (s *sampler) begin(start time.Time) {
	s.lastT = start
	if !s.enabled() {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tk := time.NewTicker(s.t.c.Interval)
		defer tk.Stop()
		for {
			select {
			case <-s.quit:
				return
			case now := <-tk.C:
				s.emit(now)
			}
		}
	}()
}

// stop ends the clock at the end of the data phase and emits the last,
// partial interval, so that the intervals add up to the Final record.
func (s *sampler) stop(end time.Time) {
	if s.enabled() {
		close(s.quit)
		s.wg.Wait()
		// A sliver of an interval in which nothing happened (the test
		// ended just after a tick) adds nothing to the sums and would show
		// as a rate of zero; it is left out.
		sliver := end.Sub(s.lastT) < s.t.c.Interval/10 && s.t.snapshot() == s.last
		if end.After(s.lastT) && !sliver {
			s.emit(end)
		}
	}
	s.t.rec.Seq = s.seq
}

func (s *sampler) emit(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.t.snapshot()
	r := s.t.rec
	iv := &result.Record{
		Run: r.Run, Test: r.Test, Instance: r.Instance, Host: r.Host, Peer: r.Peer,
		Seq: s.seq, Start: s.lastT, Elapsed: now.Sub(s.lastT),
		BytesSent: cur.sent - s.last.sent, BytesRecv: cur.recv - s.last.recv,
		Transactions: cur.trans - s.last.trans,
	}
	if h := s.t.takeIntervalLatency(); h != nil {
		iv.Latency = h
	}
	s.t.c.Emit(iv)
	s.seq++
	s.lastT, s.last = now, cur
}
