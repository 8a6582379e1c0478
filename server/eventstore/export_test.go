package eventstore

import (
	"testing"
	"time"
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
