package inbox_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine the tests start (streams, the tab worker, the replica)
// is gone when they end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
