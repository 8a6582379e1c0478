package replica

import (
	"context"
	"strings"
	"sync"
	"testing"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/stretchr/testify/require"
)

// A command's trace, from the context of Do or DoIdempotent, comes back
// in the Delivery of its effects; a command without one, and a Reconcile
// delivery, have none; a trace longer than MaxTrace is cut to it.
func TestTraceReachesTheDelivery(t *testing.T) {
	var mu sync.Mutex
	traces := map[uint64]string{}
	var reconciles []string
	n := openSingle(t, Config{Deliver: func(d Delivery) {
		mu.Lock()
		defer mu.Unlock()
		if d.Reconcile {
			reconciles = append(reconciles, d.Trace)
			return
		}
		traces[d.Index] = d.Trace
	}})
	ctx := context.Background()
	setupTeam(t, ctx, n, "default")
	long := strings.Repeat("x", MaxTrace+10)
	var want []string
	var idx []uint64
	for i, c := range []struct {
		trace string
		call  string
		key   string
	}{{"req-1", "c1", ""}, {"", "c2", ""}, {long, "c3", ""}, {"req-4", "c4", "k4"}} {
		cmd := assign.Command{Op: assign.OpPlaceCall, Call: pb.CallID(c.call), Team: "support"}
		var err error
		if c.key != "" {
			_, err = n.DoIdempotent(WithTrace(ctx, c.trace), "default", cmd, c.key, "h")
		} else {
			_, err = n.Do(WithTrace(ctx, c.trace), "default", cmd)
		}
		require.NoError(t, err, "call %d", i)
		idx = append(idx, n.AppliedIndex())
		want = append(want, c.trace)
	}
	want[2] = long[:MaxTrace]
	require.NoError(t, n.Sync(ctx))
	mu.Lock()
	defer mu.Unlock()
	for i, x := range idx {
		got, ok := traces[x]
		require.True(t, ok, "no delivery at %d", x)
		require.Equal(t, want[i], got, "the trace of command %d", i)
	}
	for _, r := range reconciles {
		require.Empty(t, r, "a Reconcile delivery's trace")
	}
}
