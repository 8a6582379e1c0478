package eventstore

import (
	"github.com/phonebalance/phonebalance/eventlog"
	bolt "go.etcd.io/bbolt"
)

// After returns up to limit stored events with Seq above seq, in Seq
// order, read in one read transaction (a cursor page for a host copying
// the log: pass the last Seq returned to get the next page). A corrupt
// record stops it with a *CorruptError. Safe for concurrent use.
func (s *Store) After(seq uint64, limit int) ([]eventlog.Event, error) {
	out := make([]eventlog.Event, 0, min(max(limit, 0), scanChunk))
	if limit <= 0 || seq == ^uint64(0) {
		return out, nil
	}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(u64(seq + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			ev, err := decodeEvent(k, v)
			if err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}
