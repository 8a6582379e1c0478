package media

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: every Bridge, Player, Hold
// and leg must have stopped when its test returns.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
