package core

import (
	"sort"
	"sync"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
)

// EffectLogSize is how many of the latest effects every node keeps for the
// effects stream (a host that reconnects with an older ID is told of the
// gap).
const EffectLogSize = 1 << 16

// EffectRecord is one effect with its stable ID.
type EffectRecord struct {
	ID     replica.EffectID
	Effect assign.Effect
}

// EffectLog holds the latest effects of a workspace, on every node, in
// log order, as each applied entry produced them (the replica's OnApply):
// a host may read them from any node, and resume on another after the
// leader died. It is kept in memory: a node that restarts holds the
// effects of the entries it applies after its snapshot. Safe for
// concurrent use.
type EffectLog struct {
	mu      sync.Mutex
	buf     []EffectRecord // ring, grown up to EffectLogSize
	start   int            // index in buf of the oldest
	n       int
	last    uint64           // highest index added
	floor   uint64           // entries below it never reached this log (a snapshot restored)
	evicted replica.EffectID // the newest effect dropped from the ring
	changed chan struct{}    // closed and replaced when effects are added
}

// newEffectLog returns an empty log; a workspace that has no effects
// costs no ring.
func newEffectLog() *EffectLog {
	return &EffectLog{changed: make(chan struct{})}
}

// restored records that a snapshot at index replaced the state: the
// effects of the entries up to it never reach this log.
func (l *EffectLog) restored(index uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.floor = max(l.floor, index+1)
	l.last = max(l.last, index)
}

// add appends the effects of the entry at index, once.
func (l *EffectLog) add(index uint64, effects []assign.Effect) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if index <= l.last {
		return // replayed
	}
	l.last = index
	if len(effects) == 0 {
		return
	}
	for i, ef := range effects {
		rec := EffectRecord{ID: replica.EffectID{Index: index, Ordinal: i}, Effect: ef}
		if l.n < EffectLogSize {
			if len(l.buf) < EffectLogSize { // growing: start is 0
				l.buf = append(l.buf, rec)
			} else {
				l.buf[(l.start+l.n)%len(l.buf)] = rec
			}
			l.n++
		} else {
			l.evicted = l.buf[l.start].ID
			l.buf[l.start] = rec
			l.start = (l.start + 1) % len(l.buf)
		}
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

func less(a, b replica.EffectID) bool {
	return a.Index < b.Index || a.Index == b.Index && a.Ordinal < b.Ordinal
}

// After returns up to max effects with IDs after id, in order; gap
// reports that effects after id may be missing before the first one
// returned: dropped from the log, or never seen by this node (it
// restored a snapshot past them); changed is closed when more effects are
// added. The zero id reads from the start.
func (l *EffectLog) After(id replica.EffectID, max int) (recs []EffectRecord, gap bool, changed <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	gap = id.Index+1 < l.floor || less(id, l.evicted)
	at := func(i int) *EffectRecord { return &l.buf[(l.start+i)%len(l.buf)] }
	// The ring is in ID order: find the first after id rather than scan it.
	first := sort.Search(l.n, func(i int) bool { return less(id, at(i).ID) })
	for i := first; i < l.n && len(recs) < max; i++ {
		recs = append(recs, *at(i))
	}
	return recs, gap, l.changed
}
