package eventstore

import (
	"errors"
	"io"

	bolt "go.etcd.io/bbolt"
)

// Copy is a consistent copy of the store being taken: one read
// transaction begun by [Store.Copy], so appends made meanwhile are not in
// it. While it is open, an append that must grow the file waits for it
// (bbolt remaps the file only without readers): write it to a local file
// at once and Close it, never to a slow network peer. Not safe for
// concurrent use.
type Copy struct {
	tx      *bolt.Tx
	applied uint64
}

// Copy begins a copy of the store as it is now. It fails with ErrClosed
// after Close. Safe for concurrent use with everything but Close.
func (s *Store) Copy() (*Copy, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	tx, err := s.db.Begin(false)
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return nil, ErrClosed
	}
	if err != nil {
		return nil, err
	}
	applied, err := metaU64(tx.Bucket(bucketMeta), keyApplied)
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return &Copy{tx: tx, applied: applied}, nil
}

// Applied is the applied index the copy holds: a store opened on it
// resumes after it.
func (c *Copy) Applied() uint64 { return c.applied }

// Size is how many bytes WriteTo writes.
func (c *Copy) Size() int64 { return c.tx.Size() }

// WriteTo writes the store file as the copy sees it (bbolt's Tx.WriteTo):
// a file [Open] takes as a data directory's events.db.
func (c *Copy) WriteTo(w io.Writer) (int64, error) { return c.tx.WriteTo(w) }

// Close ends the copy's read transaction.
func (c *Copy) Close() error { return c.tx.Rollback() }

// Check reports why the store cannot serve (closed, or opened read-only),
// nil when it can: a readiness probe's check, and the one every write
// (Append, MarkGap, Prune) makes first. It never blocks on disk.
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
