package dashboard

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine the tests start (the hub's renderer, streams, the
// replica, the browser's connection) is gone when they end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
