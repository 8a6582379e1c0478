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
