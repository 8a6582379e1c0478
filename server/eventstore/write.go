package eventstore

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/phonebalance/phonebalance/eventlog"
	bolt "go.etcd.io/bbolt"
)

// Entry is what one applied raft entry produced: its index, the
// workspace it was applied to, and its events (possibly none).
type Entry struct {
	Index     uint64
	Workspace string
	Events    []eventlog.Event
}

// Append stores entries, given in raft log order, in one bbolt
// transaction (one commit, so one round of fsyncs: batch entries to
// amortize it), together with the new Applied: the largest Entry.Index
// (Applied never decreases). Events whose Seq is not above their
// workspace's LastSeq (a replay of the log) are skipped, as are events
// out of Seq order. It returns, for each entry with new events, the entry
// with those events only, in order (a subslice of its Events when no
// event is skipped between two new ones). Entries without events still
// advance Applied (their Workspace may then be empty).
//
// On error (an invalid workspace ID, an event that cannot be encoded, a
// disk error) nothing is stored and Applied is unchanged. Safe for
// concurrent use; appends are serialized.
func (s *Store) Append(entries ...Entry) ([]Entry, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.Check(); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, nil
	}
	type counters struct {
		lastSeq uint64
		count   int
	}
	next := map[string]*counters{}
	s.mu.Lock()
	applied := s.applied
	var fresh []Entry
	for _, e := range entries {
		applied = max(applied, e.Index)
		if len(e.Events) == 0 {
			continue
		}
		if err := checkWorkspace(e.Workspace); err != nil {
			s.mu.Unlock()
			return nil, err
		}
		c := next[e.Workspace]
		if c == nil {
			c = &counters{}
			if p := s.parts[e.Workspace]; p != nil {
				c.lastSeq, c.count = p.lastSeq, p.count
			}
			next[e.Workspace] = c
		}
		evs := newEvents(e.Events, c.lastSeq)
		if len(evs) > 0 {
			c.lastSeq = evs[len(evs)-1].Seq
			c.count += len(evs)
			fresh = append(fresh, Entry{Index: e.Index, Workspace: e.Workspace, Events: evs})
		}
	}
	s.mu.Unlock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, e := range fresh {
			b, _, err := wsBuckets(tx, e.Workspace, true)
			if err != nil {
				return err
			}
			if err := putEvents(b, e.Events); err != nil {
				return err
			}
		}
		for ws, c := range next {
			b, _, err := wsBuckets(tx, ws, true)
			if err != nil {
				return err
			}
			if err := putCounters(b.meta, c.lastSeq, c.count); err != nil {
				return err
			}
		}
		if len(next) > 1 || len(next) == 1 && next[LegacyWorkspace] == nil {
			if err := tx.Bucket(bucketMeta).Put(keyVersion, u64(FormatVersion)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyApplied, u64(applied))
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.applied = applied
	for ws, c := range next {
		p := s.part(ws)
		p.lastSeq, p.count = c.lastSeq, c.count
	}
	for _, e := range fresh {
		p := s.parts[e.Workspace]
		for _, ev := range e.Events {
			s.push(p, ev)
		}
	}
	s.mu.Unlock()
	return fresh, nil
}

// newEvents returns the events of evs whose Seq is above last and above
// every Seq kept before them, in order. Without an event to drop between
// two kept ones (the usual case: all new, or a replayed prefix), it is a
// subslice of evs, not a copy: an applied entry's events are stored and
// published as the state machine handed them over.
func newEvents(evs []eventlog.Event, last uint64) []eventlog.Event {
	start := 0
	for start < len(evs) && evs[start].Seq <= last {
		start++
	}
	evs = evs[start:]
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq { // out of order: copy what is kept
			out := slices.Clone(evs[:i])
			for _, ev := range evs[i:] {
				if ev.Seq > out[len(out)-1].Seq {
					out = append(out, ev)
				}
			}
			return out
		}
	}
	return evs
}

// putEvents stores evs (new, in Seq order) and their call index entries
// in a workspace's buckets.
func putEvents(b buckets, evs []eventlog.Event) error {
	events, byCall := b.events, b.byCall
	// Seqs only grow: fill the pages that splits leave behind instead of
	// keeping them half empty for inserts that never come.
	events.FillPercent = 0.95
	for _, ev := range evs {
		v, err := encodeEvent(ev)
		if err != nil {
			return err
		}
		if err := events.Put(u64(ev.Seq), v); err != nil {
			return err
		}
		if ev.Call != "" {
			if err := byCall.Put(callKey(ev.Call, ev.Seq), []byte{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// MarkGap records durably that the events of the raft entries (after,
// upto] are missing on this node (it installed a snapshot past what it had
// stored), and advances Applied to upto if it is below. Marking the same
// range again replaces its reason. Safe for concurrent use.
func (s *Store) MarkGap(after, upto uint64, reason string) error {
	if upto <= after {
		return fmt.Errorf("%w: (%d, %d]", ErrBadGap, after, upto)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.Check(); err != nil {
		return err
	}
	g := Gap{After: after, Upto: upto, Reason: reason}
	v, err := json.Marshal(g)
	if err != nil {
		return err
	}
	s.mu.Lock()
	applied := max(s.applied, upto)
	s.mu.Unlock()
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketGaps).Put(append(u64(after), u64(upto)...), v); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyApplied, u64(applied))
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applied = applied
	i, found := slices.BinarySearchFunc(s.gaps, g, func(a, b Gap) int {
		if a.After != b.After {
			return cmp.Compare(a.After, b.After)
		}
		return cmp.Compare(a.Upto, b.Upto)
	})
	if found {
		s.gaps[i] = g
	} else {
		s.gaps = slices.Insert(s.gaps, i, g)
	}
	return nil
}
