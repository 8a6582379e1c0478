package replica

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/stretchr/testify/require"
)

// A keyed command acts once: a retry with the same key and hash returns
// the first outcome (errors included) without acting; another hash is
// refused; the record expires after IdempotencyTTL of engine time.
func TestIdempotentCommandActsOnce(t *testing.T) {
	clk := newMock(t0)
	dir := filepath.Join(t.TempDir(), "data")
	n := openSingle(t, Config{Dir: dir, Clock: clk})
	ctx := context.Background()
	setupTeamCtx(t, ctx, n)
	arrive := assign.Command{Op: assign.OpArrive, Call: "c1", Team: "support"}
	first, err := n.DoIdempotent(ctx, "default", arrive, "k1", "h1")
	require.NoError(t, err)
	require.NotEmpty(t, first.Effects)
	clk.Add(time.Second)
	again, err := n.DoIdempotent(ctx, "default", arrive, "k1", "h1")
	require.NoError(t, err, "the retry returns the first outcome, not duplicate_call")
	require.Equal(t, first, again)
	_, err = n.DoIdempotent(ctx, "default", assign.Command{Op: assign.OpHold, Call: "c1"}, "k1", "h2")
	require.ErrorIs(t, err, ErrIdempotencyKeyReused)

	// A refusal is an outcome too, given back with its sentinel.
	_, err = n.DoIdempotent(ctx, "default", assign.Command{Op: assign.OpHold, Call: "nope"}, "k2", "h")
	require.ErrorIs(t, err, assign.ErrUnknownCall)
	_, err = n.DoIdempotent(ctx, "default", assign.Command{Op: assign.OpHold, Call: "nope"}, "k2", "h")
	require.ErrorIs(t, err, assign.ErrUnknownCall)
	out, ok := n.Recorded("default", "k1", "h1")
	require.True(t, ok)
	require.NoError(t, out.Err)
	require.Equal(t, first, out.Ready)

	// Bad keys are refused before the log.
	_, err = n.DoIdempotent(ctx, "default", arrive, "", "h")
	require.ErrorIs(t, err, assign.ErrInvalidArgument)

	// The records survive a restart (snapshot and log).
	require.NoError(t, n.raft().Snapshot().Error())
	_, err = n.DoIdempotent(ctx, "default", assign.Command{Op: assign.OpAnswer, Call: "c1", Teammate: "ana"}, "k3", "h")
	require.NoError(t, err)
	idx, state := n.state()
	require.NoError(t, n.Close())
	n = openSingle(t, Config{Dir: dir, Clock: clk})
	require.NoError(t, n.ViewConsistent(ctx, "default", func(*assign.Engine) {}))
	idx2, state2 := n.state()
	require.Equal(t, idx, idx2)
	require.Equal(t, state, state2)
	again, err = n.DoIdempotent(ctx, "default", arrive, "k1", "h1")
	require.NoError(t, err)
	require.Equal(t, first, again)
	_, state3 := n.state()
	require.Equal(t, state, state3, "the retry after the restart changed nothing")

	// After IdempotencyTTL of engine time the keys are pruned, in order,
	// by the next keyed command; the key is free again.
	clk.Add(IdempotencyTTL + time.Minute)
	_, err = n.DoIdempotent(ctx, "default", assign.Command{Op: assign.OpEndCall, Call: "c1", By: eventlog.ByCustomer}, "k4", "h")
	require.NoError(t, err)
	for _, k := range []string{"k1", "k2", "k3"} {
		_, ok := n.GetMeta("default", IdempotencyBucket, k)
		require.False(t, ok, "key %s expired", k)
	}
	_, ok = n.GetMeta("default", IdempotencyBucket, "k4")
	require.True(t, ok)
	_, err = n.DoIdempotent(ctx, "default", assign.Command{Op: assign.OpAdvance}, "k1", "other")
	require.NoError(t, err, "an expired key may be used for another request")
}

// A retry on a new leader after the old one died returns the outcome the
// old leader committed, and the cluster acts once: every node holds the
// same records.
func TestIdempotentRetryAcrossFailover(t *testing.T) {
	c := newMemCluster(t, 3, assign.DefaultConfig(), []time.Duration{0, 0, 0})
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	leader := waitLeader(t, 10*time.Second, c.live()...)
	setupTeam(t, ctx, leader, "default")
	arrive := assign.Command{Op: assign.OpArrive, Call: "c1", Team: "support"}
	first, err := leader.DoIdempotent(ctx, "default", arrive, "k1", "h1")
	require.NoError(t, err)
	converge(t, 10*time.Second, c.live()...)
	c.kill(c.byNode(leader))
	leader = waitLeader(t, 10*time.Second, c.live()...)
	again, err := leader.DoIdempotent(ctx, "default", arrive, "k1", "h1")
	require.NoError(t, err)
	require.Equal(t, first, again)
	converge(t, 10*time.Second, c.live()...)
	want := leader.metaJSON()
	for _, n := range c.live() {
		require.Equal(t, want, n.metaJSON())
	}
	require.Empty(t, c.j.problemList())
}

// BenchmarkIdempotentPrune measures the state machine's idempotency
// bookkeeping for one keyed command in a workspace that holds 100,000
// records, each command expiring the oldest one: the cost must not grow
// with the records kept.
func BenchmarkIdempotentPrune(b *testing.B) {
	f := &fsm{meta: metaStore{}, idem: idemOrder{}}
	const kept = 100_000
	for i := range kept {
		f.idemAfter("w", &idemTag{Key: fmt.Sprint("old", i), Hash: "h"}, t0.Add(time.Duration(i)*time.Second), nil, assign.Ready{})
	}
	i := 0
	for b.Loop() {
		now := t0.Add(IdempotencyTTL + time.Duration(i)*time.Second + time.Second/2)
		tag := &idemTag{Key: fmt.Sprint("new", i), Hash: "h"}
		if _, done := f.idemBefore("w", tag, now); done {
			b.Fatal("a new key was found recorded")
		}
		f.idemAfter("w", tag, now, nil, assign.Ready{})
		i++
	}
	if got := len(f.idem["w"]); got > kept {
		b.Fatalf("%d records kept, want at most %d: expired ones were not pruned", got, kept)
	}
}
