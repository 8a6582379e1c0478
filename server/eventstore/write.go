package eventstore

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/phonebalance/phonebalance/eventlog"
	bolt "go.etcd.io/bbolt"
)

// Entry is what one applied raft entry produced: its index and its events
// (possibly none).
type Entry struct {
	Index  uint64
	Events []eventlog.Event
}

// Append stores entries, given in raft log order, in one bbolt
// transaction (one commit, so one round of fsyncs: batch entries to
// amortize it), together with the new Applied: the largest Entry.Index
// (Applied never decreases). Events whose Seq is not above LastSeq (a
// replay of the log) are skipped, as are events out of Seq order. It
// returns the events newly stored, in order. Entries without events still
// advance Applied.
//
// On error (an event that cannot be encoded, a disk error) nothing is
// stored and Applied is unchanged. Safe for concurrent use; appends are
// serialized.
func (s *Store) Append(entries ...Entry) ([]eventlog.Event, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.writable(); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, nil
	}
	s.mu.Lock()
	applied, lastSeq, count := s.applied, s.lastSeq, s.count
	s.mu.Unlock()
	var fresh []eventlog.Event
	for _, e := range entries {
		applied = max(applied, e.Index)
		for _, ev := range e.Events {
			if ev.Seq > lastSeq {
				fresh = append(fresh, ev)
				lastSeq = ev.Seq
			}
		}
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := putEvents(tx, fresh); err != nil {
			return err
		}
		return putMeta(tx.Bucket(bucketMeta), applied, lastSeq, count+len(fresh))
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.applied, s.lastSeq, s.count = applied, lastSeq, count+len(fresh)
	for _, ev := range fresh {
		s.push(ev)
	}
	s.mu.Unlock()
	return fresh, nil
}

// putEvents stores evs (new, in Seq order) and their call index entries.
func putEvents(tx *bolt.Tx, evs []eventlog.Event) error {
	events, byCall := tx.Bucket(bucketEvents), tx.Bucket(bucketByCall)
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
	if err := s.writable(); err != nil {
		return err
	}
	g := Gap{After: after, Upto: upto, Reason: reason}
	v, err := json.Marshal(g)
	if err != nil {
		return err
	}
	s.mu.Lock()
	applied, lastSeq, count := max(s.applied, upto), s.lastSeq, s.count
	s.mu.Unlock()
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketGaps).Put(append(u64(after), u64(upto)...), v); err != nil {
			return err
		}
		return putMeta(tx.Bucket(bucketMeta), applied, lastSeq, count)
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
