package eventstore

import (
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// pruneChunk is how many events one Prune transaction deletes at most, so
// that appends are held up for a bounded time (tens of milliseconds).
var pruneChunk = 2000

// Prune deletes the events older than now minus Config.Retention (by
// Event.At), with their call index entries, in transactions of at most
// two thousand events, and returns how many it deleted. It walks each
// workspace's events from the oldest and stops at the first one within the retention: events
// are stored in Seq order and At never decreases along Seq (package
// eventlog), so that is every older event. With no retention it deletes
// nothing. Deleted events leave Len, Timeline, Replay, Export and Recent;
// LastSeq and Applied stay.
//
// The store runs no timer: the caller calls Prune periodically. Call it
// often (every few minutes to hourly), so that each call frees few pages:
// bbolt lists the free pages in every commit until appends reuse them. A corrupt record stops it with a
// *CorruptError and is not deleted. Safe for concurrent use; appends wait
// between its transactions only.
func (s *Store) Prune(now time.Time) (int, error) {
	if s.retention <= 0 {
		return 0, nil
	}
	cutoff := now.Add(-s.retention)
	total := 0
	for _, ws := range s.Workspaces() {
		for {
			n, more, err := s.pruneChunk(ws, cutoff)
			total += n
			if err != nil {
				return total, err
			}
			if !more {
				break
			}
		}
	}
	return total, nil
}

// errNothingToPrune rolls back a prune transaction that deleted nothing:
// a commit, even of no change, writes and syncs the file.
var errNothingToPrune = errors.New("eventstore: nothing to prune")

// pruneChunk deletes up to pruneChunk events of workspace ws older than
// cutoff, reporting whether more may remain.
func (s *Store) pruneChunk(ws string, cutoff time.Time) (deleted int, more bool, err error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.Check(); err != nil {
		return 0, false, err
	}
	s.mu.Lock()
	p := s.part(ws)
	lastSeq, count := p.lastSeq, p.count
	s.mu.Unlock()
	var lastDeleted uint64
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, ok, err := wsBuckets(tx, ws, false)
		if err != nil {
			return err
		}
		if !ok {
			return errNothingToPrune
		}
		events, byCall := b.events, b.byCall
		var seqKeys, callKeys [][]byte
		c := events.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(seqKeys) == pruneChunk {
				more = true
				break
			}
			ev, err := decodeEvent(k, v)
			if err != nil {
				return err
			}
			if !ev.At.Before(cutoff) {
				break
			}
			seqKeys = append(seqKeys, clone(k))
			if ev.Call != "" {
				callKeys = append(callKeys, callKey(ev.Call, ev.Seq))
			}
			lastDeleted = ev.Seq
		}
		// Deleting behind a cursor moves it; delete once the walk is done.
		for _, k := range seqKeys {
			if err := events.Delete(k); err != nil {
				return err
			}
		}
		for _, k := range callKeys {
			if err := byCall.Delete(k); err != nil {
				return err
			}
		}
		deleted = len(seqKeys)
		if deleted == 0 {
			return errNothingToPrune
		}
		return putCounters(b.meta, lastSeq, count-deleted)
	})
	if errors.Is(err, errNothingToPrune) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if deleted > 0 {
		p.count = count - deleted
		dropRecent(p, lastDeleted)
	}
	return deleted, more, nil
}
