package sip

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the tests leave no goroutine behind: every
// gateway, replica and SIPp watcher they start is stopped.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
