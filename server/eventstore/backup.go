package eventstore

import (
	"io"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole store file to w (bbolt's
// Tx.WriteTo, in one read transaction: appends made meanwhile are not in
// it) and returns the bytes written and the applied index the copy holds
// (its meta bucket's, read in the same transaction: a store opened on
// the copy resumes after it). It fails with ErrClosed after Close. Safe
// for concurrent use; writers are not held up.
func (s *Store) Backup(w io.Writer) (n int64, applied uint64, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		if applied, err = metaU64(tx.Bucket(bucketMeta), keyApplied); err != nil {
			return err
		}
		n, err = tx.WriteTo(w)
		return err
	})
	return n, applied, err
}

// Check reports why the store cannot serve (closed, or opened read-only),
// nil when it can: a readiness probe's check. It never blocks on disk.
func (s *Store) Check() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.readOnly:
		return ErrReadOnly
	}
	return nil
}
