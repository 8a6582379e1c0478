package replica

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/stretchr/testify/require"
)

// A captured state installed into a new data directory starts a node of
// its own cluster holding the same state (captured again, the same
// bytes), which takes new commands; a directory with raft state, or a
// snapshot that does not decode, is refused.
func TestCaptureInstall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := t.TempDir()
	open := func(dir string) *Node {
		n, err := Open(Config{Dir: dir, Engine: assign.DefaultConfig(), Clock: newMock(t0), Logger: quietLogger()})
		require.NoError(t, err)
		t.Cleanup(func() { _ = n.Close() })
		return n
	}
	a := open(filepath.Join(base, "a"))
	setupTeam(t, ctx, a, "default")
	_, err := a.Do(ctx, "default", assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})
	require.NoError(t, err)
	var held uint64
	snap, index, err := a.Capture(func(i uint64) error { held = i; return nil })
	require.NoError(t, err)
	require.Equal(t, index, held)
	require.Equal(t, a.AppliedIndex(), index)

	dir := filepath.Join(base, "b")
	got, err := InstallSnapshot(dir, "", "", snap)
	require.NoError(t, err)
	require.Equal(t, index, got)
	_, err = InstallSnapshot(dir, "", "", snap)
	require.ErrorIs(t, err, ErrNotEmpty)
	_, err = InstallSnapshot(filepath.Join(base, "c"), "", "", []byte(`{"version":99}`))
	require.ErrorIs(t, err, ErrBadSnapshot)

	b := open(dir)
	again, bIndex, err := b.Capture(nil)
	require.NoError(t, err)
	require.Equal(t, index, bIndex)
	require.Equal(t, string(snap), string(again))
	require.NoError(t, b.View("default", func(e *assign.Engine) {
		c, ok := e.Call(pb.CallID("call-1"))
		require.True(t, ok)
		require.NotEmpty(t, c.Ringing)
	}))
	_, err = b.Do(ctx, "default", assign.Command{Op: assign.OpArrive, Call: "call-2", Team: "support"})
	require.NoError(t, err)
}
