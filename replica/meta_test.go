package replica

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/stretchr/testify/require"
)

// metaJSON returns the node's meta store as JSON, read under the state
// machine's lock.
func (n *Node) metaJSON() string {
	n.fsm.mu.Lock()
	defer n.fsm.mu.Unlock()
	return mustJSON(n.fsm.meta)
}

// Put, get, delete and list through the log; a meta write creates no
// engine and OnApply sees it, marked Meta, in index order.
func TestMetaPutGetDeleteList(t *testing.T) {
	var applied []Applied
	n := openSingle(t, Config{OnApply: func(a Applied) { applied = append(applied, a) }})
	ctx := context.Background()
	for _, k := range []string{"c", "a", "b", "d"} {
		require.NoError(t, n.PutMeta(ctx, "default", "creds", k, []byte("v"+k)))
	}
	require.NoError(t, n.PutMeta(ctx, "default", "other", "a", []byte("x")))
	require.NoError(t, n.PutMeta(ctx, "w2", "creds", "a", []byte("y")))

	v, ok := n.GetMeta("default", "creds", "a")
	require.True(t, ok)
	require.Equal(t, []byte("va"), v)
	v[0] = 'X' // the caller's copy
	v, _ = n.GetMeta("default", "creds", "a")
	require.Equal(t, []byte("va"), v)
	_, ok = n.GetMeta("default", "creds", "zz")
	require.False(t, ok)

	page := n.ListMeta("default", "creds", "", 2)
	require.Equal(t, []MetaItem{{"a", []byte("va")}, {"b", []byte("vb")}}, page)
	page = n.ListMeta("default", "creds", "b", 10)
	require.Equal(t, []MetaItem{{"c", []byte("vc")}, {"d", []byte("vd")}}, page)
	require.Empty(t, n.ListMeta("default", "creds", "d", 10))

	require.NoError(t, n.PutMeta(ctx, "default", "creds", "a", []byte("new")))
	v, _ = n.GetMeta("default", "creds", "a")
	require.Equal(t, []byte("new"), v, "a put replaces")
	require.NoError(t, n.DeleteMeta(ctx, "default", "creds", "a"))
	require.NoError(t, n.DeleteMeta(ctx, "default", "creds", "a"), "deleting an absent key is no error")
	_, ok = n.GetMeta("default", "creds", "a")
	require.False(t, ok)
	require.Len(t, n.ListMeta("default", "creds", "", 0), 1, "limit is clamped to at least 1")

	require.ErrorIs(t, n.View("default", func(*assign.Engine) {}), ErrUnknownWorkspace, "no engine is created by a meta write")
	require.ErrorIs(t, n.View("w2", func(*assign.Engine) {}), ErrUnknownWorkspace)
	require.Len(t, applied, 9)
	for i, a := range applied {
		require.True(t, a.Meta, "entry %d", i)
		require.NoError(t, a.Err)
		if i > 0 {
			require.Greater(t, a.Index, applied[i-1].Index)
		}
	}
}

// Empty or oversized arguments are refused before anything reaches the
// log, with ErrInvalidMeta that also matches assign.ErrInvalidArgument.
func TestMetaBadInputIsRefusedBeforeRaft(t *testing.T) {
	n := openSingle(t, Config{})
	ctx := context.Background()
	before := n.AppliedIndex()
	for name, write := range map[string]func() error{
		"empty workspace": func() error { return n.PutMeta(ctx, "", "b", "k", nil) },
		"empty bucket":    func() error { return n.PutMeta(ctx, "w", "", "k", nil) },
		"empty key":       func() error { return n.DeleteMeta(ctx, "w", "b", "") },
		"long bucket":     func() error { return n.PutMeta(ctx, "w", strings.Repeat("b", MaxMetaBucket+1), "k", nil) },
		"long key":        func() error { return n.PutMeta(ctx, "w", "b", strings.Repeat("k", MaxMetaKey+1), nil) },
		"large value":     func() error { return n.PutMeta(ctx, "w", "b", "k", make([]byte, MaxMetaValue+1)) },
	} {
		err := write()
		require.ErrorIs(t, err, ErrInvalidMeta, name)
		require.ErrorIs(t, err, assign.ErrInvalidArgument, name)
	}
	require.Equal(t, before, n.AppliedIndex(), "nothing was written to the log")
	require.NoError(t, n.PutMeta(ctx, "w", "b", "k", make([]byte, MaxMetaValue)), "the limit itself is allowed")

	// A meta entry written by hand that no PutMeta could write is a bad
	// entry, not a panic, and changes nothing.
	bad, err := encodeEntry(entry{Workspace: "w", Meta: []metaOp{{Bucket: "", Key: "k"}}})
	require.NoError(t, err)
	require.NoError(t, n.raft().Apply(bad, time.Second).Error())
	v1, err := encodeEntry(entry{Workspace: "w", Meta: []metaOp{{Bucket: "b", Key: "k2"}}})
	require.NoError(t, err)
	v1[0] = entryVersion // a command entry's version on a meta entry
	require.NoError(t, n.raft().Apply(v1, time.Second).Error())
	require.NoError(t, n.raft().Barrier(time.Second).Error())
	items := n.ListMeta("w", "b", "", 10)
	require.Len(t, items, 1, "neither bad entry wrote anything")
	require.Equal(t, "k", items[0].Key)
	require.Len(t, items[0].Value, MaxMetaValue)
}

// The meta store survives a restart, through a snapshot and the log after
// it; a version 1 snapshot (before the meta store) still restores.
func TestMetaSurvivesRestartAndOldSnapshots(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	n := openSingle(t, Config{Dir: dir})
	ctx := context.Background()
	require.NoError(t, n.PutMeta(ctx, "default", "creds", "ana", []byte("hash-a")))
	setupTeamCtx(t, ctx, n)
	require.NoError(t, n.raft().Snapshot().Error())
	require.NoError(t, n.PutMeta(ctx, "default", "creds", "ben", []byte("hash-b")))
	want := n.metaJSON()
	idx, state := n.state()
	require.NoError(t, n.Close())

	n2 := openSingle(t, Config{Dir: dir})
	require.NoError(t, n2.ViewConsistent(ctx, "default", func(*assign.Engine) {}))
	idx2, state2 := n2.state()
	require.Equal(t, idx, idx2)
	require.Equal(t, state, state2)
	require.Equal(t, want, n2.metaJSON())

	// A snapshot as version 1 wrote it: no meta field.
	snap, err := n2.fsm.Snapshot()
	require.NoError(t, err)
	old := snap.(*fsmSnapshot).file
	old.Version, old.Meta = 1, nil
	var buf bytes.Buffer
	require.NoError(t, json.NewEncoder(&buf).Encode(old))
	require.NotContains(t, buf.String(), `"meta"`)
	require.NoError(t, n2.fsm.Restore(io.NopCloser(&buf)))
	require.Equal(t, `{}`, n2.metaJSON())
	_, state3 := n2.state()
	require.Equal(t, state, state3, "the engines restored from the old snapshot")

	// A snapshot whose meta store no write could produce is refused.
	spoilt := snap.(*fsmSnapshot).file
	spoilt.Meta = metaStore{"w": {"b": {"": []byte("x")}}}
	buf.Reset()
	require.NoError(t, json.NewEncoder(&buf).Encode(spoilt))
	require.ErrorIs(t, n2.fsm.Restore(io.NopCloser(&buf)), ErrBadSnapshot)
}

// Every node of a cluster holds the same meta store, including a follower
// that was down while the log was compacted and catches up by installing
// the leader's snapshot.
func TestMetaIsReplicatedAndInstalledBySnapshot(t *testing.T) {
	c := newMemCluster(t, 3, assign.DefaultConfig(), []time.Duration{0, 0, 0})
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	leader := waitLeader(t, 10*time.Second, c.live()...)
	var down *memNode
	for _, m := range c.nodes {
		if m.node != leader {
			down = m
			break
		}
	}
	c.kill(down)
	before := propRestores.Load()
	leader = waitLeader(t, 10*time.Second, c.live()...)
	for i := range 40 { // past SnapshotThreshold and TrailingLogs
		require.NoError(t, leader.PutMeta(ctx, "default", "creds", fmt.Sprintf("k%02d", i), []byte{byte(i)}))
	}
	require.NoError(t, leader.DeleteMeta(ctx, "default", "creds", "k07"))
	require.NoError(t, leader.raft().Snapshot().Error())
	c.start(down, false)
	converge(t, 20*time.Second, c.live()...)
	require.Greater(t, propRestores.Load(), before, "the follower installed a snapshot")
	want := leader.metaJSON()
	for _, n := range c.live() {
		require.Equal(t, want, n.metaJSON(), "node %s", n.ID())
	}
	v, ok := down.node.GetMeta("default", "creds", "k39")
	require.True(t, ok)
	require.Equal(t, []byte{39}, v)
	_, ok = down.node.GetMeta("default", "creds", "k07")
	require.False(t, ok)
	require.Len(t, down.node.ListMeta("default", "creds", "", 100), 39)
}
