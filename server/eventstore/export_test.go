package eventstore

import (
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ShortLockWait makes Open give up on a held lock after d, for the rest of
// the test.
func ShortLockWait(t testing.TB, d time.Duration) {
	old := lockTimeout
	lockTimeout = d
	t.Cleanup(func() { lockTimeout = old })
}

// SmallChunks makes Replay, Export and Prune work in chunks of n events,
// for the rest of the test.
func SmallChunks(t testing.TB, n int) {
	scan, prune := scanChunk, pruneChunk
	scanChunk, pruneChunk = n, n
	t.Cleanup(func() { scanChunk, pruneChunk = scan, prune })
}

// Commits returns how many write transactions the store's file has
// committed (bbolt's transaction ID).
func Commits(t testing.TB, s *Store) int {
	t.Helper()
	var id int
	if err := s.view(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}
