package replica

import (
	"context"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/stretchr/testify/require"
)

// Do checks that the command's workspace exists without the state
// machine's lock once it does: while a View holds the lock, the check of a
// known workspace answers at once, and an unknown one still reads as
// missing (its first entry carries the engine's config).
func TestWorkspaceCheckSkipsTheLockOnceKnown(t *testing.T) {
	n := openSingle(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	setupTeamCtx(t, ctx, n)
	require.True(t, n.exists("default"))

	held, release := make(chan struct{}), make(chan struct{})
	viewed := make(chan struct{})
	go func() {
		defer close(viewed)
		_ = n.View("default", func(*assign.Engine) {
			close(held)
			<-release
		})
	}()
	<-held
	known := make(chan bool, 1)
	go func() { known <- n.exists("default") }()
	select {
	case ok := <-known:
		require.True(t, ok)
	case <-ctx.Done():
		t.Error("the check of a known workspace waited for the state machine's lock")
	}
	close(release)
	<-viewed
	require.False(t, n.exists("other"))
}
