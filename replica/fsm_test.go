package replica

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/stretchr/testify/require"
)

// OnApply runs after the state machine released its lock: while the host
// is stuck in OnApply (a slow disk), a View still returns. The Ready it
// receives is its own to keep: later commands do not overwrite it.
func TestViewIsNotBlockedBySlowOnApply(t *testing.T) {
	entered := make(chan Applied)
	release := make(chan struct{})
	var block atomic.Bool
	n := openSingle(t, Config{OnApply: func(a Applied) {
		if block.CompareAndSwap(true, false) {
			entered <- a
			<-release
		}
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	setupTeamCtx(t, ctx, n)

	block.Store(true) // the next entry's OnApply blocks
	done := make(chan error, 1)
	go func() {
		_, err := n.Do(ctx, "default", assign.Command{Op: assign.OpArrive, Call: "c1", Team: "support"})
		done <- err
	}()
	var a Applied
	select {
	case a = <-entered:
	case <-ctx.Done():
		t.Fatal("OnApply was not called")
	}
	// OnApply is blocked; the state machine's lock is free.
	viewed := make(chan bool, 1)
	go func() {
		_ = n.View("default", func(e *assign.Engine) { _, found := e.Call("c1"); viewed <- found })
	}()
	select {
	case found := <-viewed:
		require.True(t, found, "the entry is applied before OnApply sees it")
	case <-ctx.Done():
		close(release)
		t.Fatal("View waited for OnApply")
	}
	close(release)
	require.NoError(t, <-done)

	kept := slices.Clone(a.Ready.Events)
	require.NotEmpty(t, kept)
	_, err := n.Do(ctx, "default", assign.Command{Op: assign.OpArrive, Call: "c2", Team: "support"})
	require.NoError(t, err)
	require.Equal(t, kept, a.Ready.Events, "the Ready handed to OnApply is not reused")
	require.Equal(t, eventlog.CallPlaced, a.Ready.Events[0].Kind)
}
