package replica

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"github.com/phonebalance/phonebalance/assign"
)

// fsm is the raft state machine: one engine per workspace. Apply,
// Snapshot and Restore run on raft's FSM goroutine; views take mu.
type fsm struct {
	n *Node

	mu        sync.Mutex
	engines   map[WorkspaceID]*assign.Engine
	deadlines map[WorkspaceID]time.Time // each engine's next deadline
	meta      metaStore                 // the meta store (meta.go)
	idem      idemOrder                 // idempotency records by expiry (idempotency.go)
	applied   uint64                    // last log index applied
}

// result is what Apply returns to the leader's future.
type result struct {
	ready assign.Ready
	err   error
}

func newFSM(n *Node) *fsm {
	return &fsm{n: n, engines: map[WorkspaceID]*assign.Engine{}, deadlines: map[WorkspaceID]time.Time{}, meta: metaStore{}, idem: idemOrder{}}
}

// Apply applies one committed entry.
func (f *fsm) Apply(l *raft.Log) any {
	return f.ApplyBatch([]*raft.Log{l})[0]
}

// downstream is what an applied entry hands on once the lock is released:
// the Applied for OnApply and, on the leader when deliver is set, the
// Delivery for Deliver (by value: no allocation per command).
type downstream struct {
	applied  Applied
	delivery Delivery
	deliver  bool
}

// ApplyBatch applies committed entries in order under one lock, then,
// with the lock released, hands each applied entry to Config.OnApply and
// then its Delivery to the delivery queue, in log order: nothing
// downstream of the engines (a host's disk writes, its folds) runs under
// the lock, so a View never waits for them, and Deliver sees an entry
// only after OnApply has.
func (f *fsm) ApplyBatch(logs []*raft.Log) []any {
	out := make([]any, len(logs))
	leaderTerm := f.n.leaderTerm()
	woke := false
	var next []downstream // what the entries hand on, sized once per batch
	if f.n.cfg.OnApply != nil || (f.n.cfg.Deliver != nil && leaderTerm != 0) {
		next = make([]downstream, 0, len(logs))
	}
	f.mu.Lock()
	for i, l := range logs {
		if l.Index > f.applied {
			f.applied = l.Index
		}
		if l.Type != raft.LogCommand {
			continue
		}
		leading := leaderTerm != 0 && l.Term == leaderTerm
		var d downstream
		out[i], d = f.applyOne(l, leading)
		if f.n.cfg.OnApply != nil || d.deliver {
			next = append(next, d)
		}
		woke = woke || leading
	}
	f.mu.Unlock()
	for _, d := range next {
		f.onApply(d.applied)
		if d.deliver {
			f.n.dq.push(d.delivery)
		}
	}
	f.n.appliedTo(logs[len(logs)-1].Index)
	if woke {
		f.n.wakeTicker()
	}
	return out
}

// applyOne applies one command entry under f.mu and returns its result
// and what goes downstream: what OnApply is to see of it (its Ready
// cloned, so the host may keep it after the lock is released) and the
// leader's Delivery.
func (f *fsm) applyOne(l *raft.Log, leading bool) (*result, downstream) {
	e, err := decodeEntry(l.Data)
	if err != nil {
		return &result{err: err}, downstream{applied: Applied{Workspace: e.Workspace, Index: l.Index, Err: err}}
	}
	if len(e.Meta) > 0 { // a meta store write: no engine is touched or created
		for _, op := range e.Meta {
			f.meta.apply(e.Workspace, op)
		}
		return &result{}, downstream{applied: Applied{Workspace: e.Workspace, Index: l.Index, Meta: true}}
	}
	eng := f.engines[e.Workspace]
	if eng == nil {
		cfg := f.n.cfg.Engine
		if e.Engine != nil {
			cfg = *e.Engine
		}
		if eng, err = assign.New(cfg); err != nil { // the leader validated it
			err = fmt.Errorf("%w: workspace %q: %w", ErrBadEntry, e.Workspace, err)
			return &result{err: err}, downstream{applied: Applied{Workspace: e.Workspace, Index: l.Index, Command: e.Command, Err: err}}
		}
		f.engines[e.Workspace] = eng
	}
	cmd := e.Command
	if cmd.At.Before(eng.Now()) {
		cmd.At = eng.Now()
	}
	if e.Idem != nil {
		if res, done := f.idemBefore(e.Workspace, e.Idem, cmd.At); done { // a retry: the first outcome, no act
			return res, downstream{applied: Applied{Workspace: e.Workspace, Index: l.Index, Meta: true}}
		}
	}
	err = eng.Apply(cmd)
	r := eng.Ready()
	if e.Idem != nil {
		f.idemAfter(e.Workspace, e.Idem, cmd.At, err, r)
	}
	if next, ok := eng.NextDeadline(); ok {
		f.deadlines[e.Workspace] = next
	} else {
		delete(f.deadlines, e.Workspace)
	}
	d := downstream{applied: Applied{Workspace: e.Workspace, Index: l.Index, Command: cmd, Err: err}}
	if f.n.cfg.OnApply != nil {
		d.applied.Ready = assign.Ready{Effects: slices.Clone(r.Effects), Events: slices.Clone(r.Events)}
	}
	if !leading {
		return &result{err: err}, d
	}
	if f.n.cfg.Deliver != nil && !r.Empty() {
		d.delivery = Delivery{Workspace: e.Workspace, Index: l.Index, Trace: e.Trace,
			Effects: slices.Clone(r.Effects), Events: slices.Clone(r.Events)}
		d.deliver = true
	}
	return &result{err: err, ready: assign.Ready{Effects: slices.Clone(r.Effects), Events: slices.Clone(r.Events)}}, d
}

// has reports whether the workspace's engine exists.
func (f *fsm) has(ws WorkspaceID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.engines[ws] != nil
}

// onApply hands a to Config.OnApply, outside f.mu; a panic there is the
// host's bug, so it is logged and the state machine goes on, consistent.
func (f *fsm) onApply(a Applied) {
	if f.n.cfg.OnApply == nil {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			f.n.cfg.Logger.Error("replica: OnApply panicked", "panic", v, "workspace", a.Workspace, "index", a.Index)
		}
	}()
	f.n.cfg.OnApply(a)
}

// nextDeadline returns the earliest deadline of any workspace.
func (f *fsm) nextDeadline() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var min time.Time
	for _, d := range f.deadlines {
		if min.IsZero() || d.Before(min) {
			min = d
		}
	}
	return min, !min.IsZero()
}

// due returns the workspaces whose next deadline is at or before now,
// sorted.
func (f *fsm) due(now time.Time) []WorkspaceID {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []WorkspaceID
	for ws, d := range f.deadlines {
		if !d.After(now) {
			out = append(out, ws)
		}
	}
	slices.Sort(out)
	return out
}

// snapshotFile is the encoding of a state machine snapshot.
type snapshotFile struct {
	Version    int                             `json:"version"`
	Index      uint64                          `json:"index"`
	Workspaces map[WorkspaceID]assign.Snapshot `json:"workspaces"`
	// Meta is the meta store (since version 2; absent in version 1).
	Meta metaStore `json:"meta,omitempty"`
}

// snapshotVersion is the version snapshots are written with; decoding
// also reads every version from oldestSnapshotVersion on (version 1
// predates the meta store: it restores an empty one).
const (
	snapshotVersion       = 2
	oldestSnapshotVersion = 1
)

// Snapshot captures every engine's state; encoding happens in Persist.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.captureLocked(), nil
}

// captureLocked captures the state (f.mu is held): what Snapshot and
// Node.Capture encode.
func (f *fsm) captureLocked() *fsmSnapshot {
	s := &fsmSnapshot{file: snapshotFile{Version: snapshotVersion, Index: f.applied,
		Workspaces: make(map[WorkspaceID]assign.Snapshot, len(f.engines)), Meta: f.meta.clone()}}
	for ws, eng := range f.engines {
		s.file.Workspaces[ws] = eng.Snapshot()
	}
	return s
}

// Restore replaces the state with a snapshot's, or refuses it and keeps
// the state.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	file, engines, err := decodeSnapshot(rc)
	if err != nil {
		f.n.cfg.Logger.Error("replica: snapshot refused", "err", err)
		return err
	}
	f.mu.Lock()
	f.engines = engines
	f.deadlines = map[WorkspaceID]time.Time{}
	for ws, eng := range engines {
		if next, ok := eng.NextDeadline(); ok {
			f.deadlines[ws] = next
		}
	}
	f.meta = file.Meta
	if f.meta == nil {
		f.meta = metaStore{}
	}
	f.idem = rebuildIdem(f.meta)
	f.applied = file.Index
	f.mu.Unlock()
	if f.n.cfg.OnRestore != nil {
		f.n.cfg.OnRestore(file.Index)
	}
	f.n.appliedTo(file.Index)
	f.n.wakeTicker()
	return nil
}

// decodeSnapshot decodes and validates a snapshot without touching the
// state machine; it never panics.
func decodeSnapshot(r io.Reader) (file snapshotFile, engines map[WorkspaceID]*assign.Engine, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: %v", ErrBadSnapshot, v)
		}
	}()
	if err := json.NewDecoder(r).Decode(&file); err != nil {
		return file, nil, fmt.Errorf("%w: %v", ErrBadSnapshot, err)
	}
	if file.Version < oldestSnapshotVersion || file.Version > snapshotVersion {
		return file, nil, fmt.Errorf("%w: version %d", ErrBadSnapshot, file.Version)
	}
	if err := file.Meta.validate(); err != nil {
		return file, nil, fmt.Errorf("%w: %v", ErrBadSnapshot, err)
	}
	engines = make(map[WorkspaceID]*assign.Engine, len(file.Workspaces))
	for ws, s := range file.Workspaces {
		if ws == "" {
			return file, nil, fmt.Errorf("%w: empty workspace", ErrBadSnapshot)
		}
		eng, err := assign.Restore(s)
		if err != nil {
			return file, nil, fmt.Errorf("%w: workspace %q: %w", ErrBadSnapshot, ws, err)
		}
		engines[ws] = eng
	}
	return file, engines, nil
}

// fsmSnapshot is a captured state, encoded by Persist.
type fsmSnapshot struct{ file snapshotFile }

// Persist encodes the captured state to the sink.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := json.NewEncoder(sink).Encode(s.file); err != nil {
		_ = sink.Cancel()
		return err
	}
	return sink.Close()
}

// Release frees nothing: the captured state is plain data.
func (s *fsmSnapshot) Release() {}
