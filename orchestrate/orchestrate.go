// Package orchestrate runs nperf across a fleet: it checks hosts, deploys
// the nperf binary to them, starts and stops the servers, and runs the
// N clients x M servers matrix, bringing every Record home.
//
// Remote hosts run the same nperf binary; their Records come back on the
// SSH session's standard output and are read with result.NewReader, as
// any other Record stream. How hosts are reached is package remote's
// business: this package only needs a remote.Dialer.
//
// A host that fails (unreachable, refused, or gone mid-run) fails only
// the work that needs it: every result reports per host or per cell, and
// nothing already received is dropped.
package orchestrate

import (
	"context"
	"sync"

	"nperf/remote"
)

// Defaults for where nperf and its state live on a host. A host's vars
// nperf_path and nperf_state_dir override them.
const (
	DefaultNperfPath = "~/.local/bin/nperf"
	DefaultStateDir  = "~/.nperf"
	DefaultParallel  = 8
)

// A Fleet is the means to reach hosts, shared by the operations on them.
// Connections are opened once per host and reused; Close ends them.
type Fleet struct {
	Dialer remote.Dialer
	// Parallel bounds how many hosts (or matrix cells) are worked on at
	// once; 0 means DefaultParallel.
	Parallel int
	// NperfPath is where nperf is on a host whose vars do not say
	// (nperf_path); "" means DefaultNperfPath.
	NperfPath string
	// StateDir holds PID files and server logs on a host whose vars do
	// not say (nperf_state_dir); "" means DefaultStateDir.
	StateDir string

	mu    sync.Mutex
	conns map[*remote.Host]*pooled
}

type pooled struct {
	ready chan struct{}
	conn  remote.Conn
	err   error
}

// Conn returns the open connection to h, dialling it the first time. A
// failed dial is remembered: the host is not tried again by this Fleet.
func (f *Fleet) Conn(ctx context.Context, h *remote.Host) (remote.Conn, error) {
	f.mu.Lock()
	if f.conns == nil {
		f.conns = map[*remote.Host]*pooled{}
	}
	p, ok := f.conns[h]
	if !ok {
		p = &pooled{ready: make(chan struct{})}
		f.conns[h] = p
	}
	f.mu.Unlock()
	if !ok {
		p.conn, p.err = f.Dialer.Dial(ctx, h)
		if p.err != nil && ctx.Err() != nil {
			// Not the host's fault: let a later call try again.
			f.mu.Lock()
			delete(f.conns, h)
			f.mu.Unlock()
		}
		close(p.ready)
	}
	select {
	case <-p.ready:
		return p.conn, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close ends every connection the Fleet opened.
func (f *Fleet) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for h, p := range f.conns {
		<-p.ready
		if p.conn != nil {
			p.conn.Close()
		}
		delete(f.conns, h)
	}
	return nil
}

func (f *Fleet) parallel() int {
	if f.Parallel > 0 {
		return f.Parallel
	}
	return DefaultParallel
}

// each calls fn for every index in [0, n), at most Parallel at once, and
// waits for all.
func (f *Fleet) each(n int, fn func(i int)) {
	sem := make(chan struct{}, f.parallel())
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// NperfPathOf is where nperf is on h.
func (f *Fleet) NperfPathOf(h *remote.Host) string {
	if p := h.Vars["nperf_path"]; p != "" {
		return p
	}
	if f.NperfPath != "" {
		return f.NperfPath
	}
	return DefaultNperfPath
}

// StateDirOf is where PID files and logs go on h.
func (f *Fleet) StateDirOf(h *remote.Host) string {
	if p := h.Vars["nperf_state_dir"]; p != "" {
		return p
	}
	if f.StateDir != "" {
		return f.StateDir
	}
	return DefaultStateDir
}
