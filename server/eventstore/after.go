package eventstore

import (
	"github.com/phonebalance/phonebalance/eventlog"
	bolt "go.etcd.io/bbolt"
)

// After returns up to limit stored events of workspace ws with Seq above
// seq, in Seq order, read in one read transaction (a cursor page for a host copying
// the log: pass the last Seq returned to get the next page). A corrupt
// record stops it with a *CorruptError. Safe for concurrent use.
func (s *Store) After(ws string, seq uint64, limit int) ([]eventlog.Event, error) {
	out := make([]eventlog.Event, 0, min(max(limit, 0), scanChunk))
	if limit <= 0 || seq == ^uint64(0) {
		return out, nil
	}
	err := s.view(func(tx *bolt.Tx) error {
		b, ok, err := wsBuckets(tx, ws, false)
		if err != nil || !ok {
			return err
		}
		c := b.events.Cursor()
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
