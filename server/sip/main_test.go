package sip

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the tests leave no goroutine behind: every
// gateway, replica and SIPp watcher they start is stopped.
//
// One kind is tolerated: the reader of a UDP socket that sipgo (v1.7.3)
// opens by itself to answer a request whose listener has just closed. Its
// reference count can go negative, and ConnectionPool.Clear then skips
// it, so no caller can close it. Close's request gate makes this rare,
// not impossible. The listener's own reader (readListenerConnection
// called from Serve, not from readUDPConnection) is still checked.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/emiago/sipgo/sip.(*TransportUDP).readUDPConnection"))
}
