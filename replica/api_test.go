package replica

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func openSingle(t *testing.T, cfg Config) *Node {
	t.Helper()
	if cfg.Dir == "" {
		cfg.InMemory = true
	}
	cfg.Engine = assign.DefaultConfig()
	if cfg.Clock == nil {
		cfg.Clock = newMock(t0)
	}
	cfg.Logger = quietLogger()
	cfg.TuneRaft = fastRaft
	n, err := Open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	waitLeader(t, 10*time.Second, n)
	return n
}

// Bad configs and bad input get typed errors and change nothing.
func TestBadInputIsRefused(t *testing.T) {
	_, err := Open(Config{})
	require.ErrorIs(t, err, ErrInvalidConfig)
	bad := assign.DefaultConfig()
	bad.RingTimeout = -1
	_, err = Open(Config{InMemory: true, Engine: bad})
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = Open(Config{InMemory: true, Engine: assign.DefaultConfig(), Bootstrap: true})
	require.ErrorIs(t, err, ErrInvalidConfig)

	dir := t.TempDir()
	n := openSingle(t, Config{Dir: dir})
	_, err = Open(Config{Dir: dir, Engine: assign.DefaultConfig(), Logger: quietLogger()})
	require.Error(t, err, "a second node on a directory in use")
	ctx := context.Background()
	_, err = n.Do(ctx, "", assign.Command{Op: assign.OpAddTeam, Team: "t"})
	require.ErrorIs(t, err, assign.ErrInvalidArgument)
	_, err = n.Do(ctx, "w", assign.Command{Op: assign.OpDecline, Call: "c", Teammate: "x", Decline: 99})
	require.ErrorIs(t, err, assign.ErrInvalidArgument)
	require.ErrorIs(t, n.View("nope", func(*assign.Engine) {}), ErrUnknownWorkspace)
	_, err = n.Do(ctx, "w", assign.Command{Op: assign.OpAnswer, Call: "nope", Teammate: "x"})
	require.ErrorIs(t, err, assign.ErrUnknownCall, "the engine's verdict comes back")
	require.Error(t, n.Join(ctx, "", ""))
}

// A follower refuses commands and linearizable reads with the leader's
// name; its local views work.
func TestFollowerNamesTheLeader(t *testing.T) {
	c := newMemCluster(t, 2, assign.DefaultConfig(), []time.Duration{0, 0})
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	leader := waitLeader(t, 10*time.Second, c.live()...)
	_, err := leader.Do(ctx, "w", assign.Command{Op: assign.OpAddTeam, Team: "t"})
	require.NoError(t, err)
	converge(t, 10*time.Second, c.live()...)
	var follower *Node
	for _, n := range c.live() {
		if n != leader {
			follower = n
		}
	}
	_, err = follower.Do(ctx, "w", assign.Command{Op: assign.OpAddTeam, Team: "u"})
	var nle *NotLeaderError
	require.ErrorAs(t, err, &nle)
	require.ErrorIs(t, err, ErrNotLeader)
	require.Equal(t, leader.ID(), nle.LeaderID)
	require.Equal(t, leader.Addr(), nle.LeaderAddr)
	require.False(t, nle.Uncertain)
	require.ErrorIs(t, follower.ViewConsistent(ctx, "w", func(*assign.Engine) {}), ErrNotLeader)
	require.ErrorIs(t, follower.Join(ctx, "x", "y"), ErrNotLeader)
	require.NoError(t, follower.View("w", func(e *assign.Engine) {}))
	require.NoError(t, leader.ViewConsistent(ctx, "w", func(e *assign.Engine) {}))
	id, addr := follower.Leader()
	require.Equal(t, leader.ID(), id)
	require.Equal(t, leader.Addr(), addr)

	require.NoError(t, leader.Remove(ctx, follower.ID()))
}

// The state machine refuses a snapshot that does not decode, that has the
// wrong version or that assign.Restore refuses, keeps its state and never
// panics; a good one replaces the state.
func TestRestoreRefusesBadSnapshots(t *testing.T) {
	n := openSingle(t, Config{})
	ctx := context.Background()
	setupTeamCtx(t, ctx, n)
	_, err := n.Do(ctx, "default", assign.Command{Op: assign.OpArrive, Call: "c1", Team: "support"})
	require.NoError(t, err)
	snap, err := n.fsm.Snapshot()
	require.NoError(t, err)
	good := snap.(*fsmSnapshot).file
	before, state := n.state()

	spoilt := func(spoil func(*snapshotFile)) []byte {
		var f snapshotFile
		b, _ := json.Marshal(good)
		require.NoError(t, json.Unmarshal(b, &f))
		spoil(&f)
		b, _ = json.Marshal(f)
		return b
	}
	for name, data := range map[string][]byte{
		"garbage":        []byte("{not json"),
		"empty":          nil,
		"version":        spoilt(func(f *snapshotFile) { f.Version = 9 }),
		"ringing nobody": spoilt(func(f *snapshotFile) { f.Workspaces["default"].Calls[0].Ringing = "zed" }),
		"bad config": spoilt(func(f *snapshotFile) {
			s := f.Workspaces["default"]
			s.Config.RingTimeout = 0
			f.Workspaces["default"] = s
		}),
		"empty workspace": spoilt(func(f *snapshotFile) {
			f.Workspaces[""] = f.Workspaces["default"]
		}),
	} {
		t.Run(name, func(t *testing.T) {
			err := n.fsm.Restore(io.NopCloser(bytes.NewReader(data)))
			require.ErrorIs(t, err, ErrBadSnapshot)
			idx, now := n.state()
			require.Equal(t, before, idx)
			require.Equal(t, state, now)
		})
	}
	var restored []uint64
	n.cfg.OnRestore = func(i uint64) { restored = append(restored, i) }
	var buf bytes.Buffer
	require.NoError(t, json.NewEncoder(&buf).Encode(good))
	require.NoError(t, n.fsm.Restore(io.NopCloser(&buf)))
	require.Equal(t, []uint64{good.Index}, restored)
}

func setupTeamCtx(t *testing.T, ctx context.Context, n *Node) { setupTeam(t, ctx, n, "default") }

// A log entry that does not decode is an error for that entry on every
// node, not a panic.
func TestBadEntryIsAnErrorNotAPanic(t *testing.T) {
	var got []Applied
	n := openSingle(t, Config{OnApply: func(a Applied) { got = append(got, a) }})
	r := n.raft()
	require.NoError(t, r.Apply([]byte("garbage"), time.Second).Error())
	require.NoError(t, r.Apply([]byte{entryVersion, '{', '}'}, time.Second).Error())
	require.NoError(t, n.raft().Barrier(time.Second).Error())
	require.Len(t, got, 2)
	for _, a := range got {
		require.ErrorIs(t, a.Err, ErrBadEntry)
	}
}

// A node's data directory survives a clean restart, including through a
// snapshot and the log after it; OnApply sees the entries after the
// snapshot again and OnRestore the snapshot's index.
func TestRestartReplaysAfterSnapshot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	n := openSingle(t, Config{Dir: dir})
	ctx := context.Background()
	setupTeamCtx(t, ctx, n)
	require.NoError(t, n.raft().Snapshot().Error())
	_, err := n.Do(ctx, "default", assign.Command{Op: assign.OpArrive, Call: "c1", Team: "support"})
	require.NoError(t, err)
	idx, state := n.state()
	require.NoError(t, n.Close())
	require.ErrorIs(t, n.Close(), nil, "Close is idempotent")
	_, err = n.Do(ctx, "default", assign.Command{Op: assign.OpAdvance})
	require.ErrorIs(t, err, ErrClosed)

	var restoredAt uint64
	var replayed []uint64
	n2 := openSingle(t, Config{Dir: dir, OnRestore: func(i uint64) { restoredAt = i },
		OnApply: func(a Applied) { replayed = append(replayed, a.Index) }})
	require.NoError(t, n2.ViewConsistent(ctx, "default", func(*assign.Engine) {}))
	idx2, state2 := n2.state()
	require.Equal(t, idx, idx2)
	require.Equal(t, state, state2)
	require.NotZero(t, restoredAt)
	require.Equal(t, []uint64{idx}, replayed, "only the entry after the snapshot is applied again")
}

// Effects reach Deliver on the leader in log order with their stable IDs,
// and Do's Ready is the same; Sync waits for Deliver; a panicking Deliver
// does not stop later deliveries.
func TestDeliverInLogOrder(t *testing.T) {
	var got []Delivery
	n := openSingle(t, Config{Deliver: func(d Delivery) {
		got = append(got, d)
		if len(got) == 2 {
			panic("host bug")
		}
	}})
	ctx := context.Background()
	setupTeamCtx(t, ctx, n)
	rd1, err := n.Do(ctx, "default", assign.Command{Op: assign.OpArrive, Call: "c1", Team: "support"})
	require.NoError(t, err)
	rd2, err := n.Do(ctx, "default", assign.Command{Op: assign.OpArrive, Call: "c2", Team: "support"})
	require.NoError(t, err)
	rd3, err := n.Do(ctx, "default", assign.Command{Op: assign.OpEndCall, Call: "c1", By: eventlog.ByCustomer})
	require.NoError(t, err)
	require.NoError(t, n.Sync(ctx))
	var ordinary []Delivery
	for _, d := range got {
		if !d.Reconcile {
			ordinary = append(ordinary, d)
		}
	}
	require.Len(t, ordinary, 7, "four setup commands (AddTeam produces nothing) and three calls")
	tail := ordinary[len(ordinary)-3:]
	for i, rd := range []assign.Ready{rd1, rd2, rd3} {
		require.Equal(t, rd.Effects, tail[i].Effects)
		require.Equal(t, rd.Events, tail[i].Events)
	}
	require.Less(t, tail[0].Index, tail[1].Index)
	require.Less(t, tail[1].Index, tail[2].Index)
	require.Equal(t, EffectID{Index: tail[2].Index, Ordinal: 0}, tail[2].ID(0))
	require.Equal(t, assign.StopRinging, tail[2].Effects[0].Kind)
}

// Nothing is left running after Close: not raft's goroutines, not the
// node's, not the transports'.
func TestNoGoroutineLeftAfterClose(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	func() {
		n := openSingle(t, Config{Dir: t.TempDir()})
		setupTeamCtx(t, ctx, n)
		require.NoError(t, n.Close())
	}()
	j := newJournal()
	base := t.TempDir()
	a := tcpNode(t, j, newMock(t0), "a", filepath.Join(base, "a"), "127.0.0.1:0", true)
	b := tcpNode(t, j, newMock(t0), "b", filepath.Join(base, "b"), "127.0.0.1:0", false)
	leader := waitLeader(t, 10*time.Second, a)
	join(t, ctx, []*Node{a, b}, "b", b.Addr())
	setupTeam(t, ctx, leader, "default", a, b)
	converge(t, 10*time.Second, a, b)
	require.NoError(t, b.Close())
	require.NoError(t, a.Close())
	c := newMemCluster(t, 3, assign.DefaultConfig(), []time.Duration{0, 0, 0})
	setupTeam(t, ctx, waitLeader(t, 10*time.Second, c.live()...), "default", c.live()...)
	c.close()
}

var _ = errors.Is
var _ raft.FSM = (*fsm)(nil)

// A leader clock stepped back never reaches the engine: the command runs
// at the engine's time, and Applied shows the clamped time.
func TestClockSteppedBackIsClamped(t *testing.T) {
	clk := newMock(t0.Add(time.Hour))
	var last Applied
	n := openSingle(t, Config{Clock: clk, OnApply: func(a Applied) { last = a }})
	ctx := context.Background()
	setupTeamCtx(t, ctx, n)
	clk.Set(t0) // an hour back
	_, err := n.Do(ctx, "default", assign.Command{Op: assign.OpArrive, Call: "c1", Team: "support"})
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Hour), last.Command.At)
	require.NoError(t, n.View("default", func(e *assign.Engine) {
		v, _ := e.Call("c1")
		require.Equal(t, t0.Add(time.Hour+30*time.Second), v.RingUntil)
	}))
}

// A workspace's engine is created on every node with the config of the
// leader that created it, whatever each node's own Config.Engine says.
func TestWorkspaceTakesTheCreatingLeadersConfig(t *testing.T) {
	c := newMemCluster(t, 3, assign.DefaultConfig(), []time.Duration{0, 0, 0})
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	longer := assign.DefaultConfig()
	longer.RingTimeout = 45 * time.Second
	first := c.byNode(waitLeader(t, 10*time.Second, c.live()...))
	c.engineFor = map[string]assign.Config{}
	for _, m := range c.nodes {
		if m != first {
			c.engineFor[m.id] = longer
			c.kill(m)
			c.start(m, false)
		}
	}
	doRetry(t, ctx, c.live(), "a", assign.Command{Op: assign.OpAddTeam, Team: "t"}, assign.ErrDuplicateTeam)
	converge(t, 20*time.Second, c.live()...) // equal snapshots: equal configs
	c.kill(first)
	doRetry(t, ctx, c.live(), "b", assign.Command{Op: assign.OpAddTeam, Team: "t"}, assign.ErrDuplicateTeam)
	c.start(first, false)
	converge(t, 20*time.Second, c.live()...)
	for _, n := range c.live() { // first, with 30 s of its own, too
		require.NoError(t, n.View("b", func(e *assign.Engine) {
			require.Equal(t, 45*time.Second, e.Config().RingTimeout, "node %s", n.ID())
		}))
	}
}

// A panicking OnApply is the host's bug: it is recovered, and the state
// machine goes on applying, consistent.
func TestPanickingOnApplyDoesNotStopTheLog(t *testing.T) {
	calls := 0
	n := openSingle(t, Config{OnApply: func(Applied) {
		calls++
		panic("host bug")
	}})
	ctx := context.Background()
	setupTeamCtx(t, ctx, n)
	_, err := n.Do(ctx, "default", assign.Command{Op: assign.OpArrive, Call: "c1", Team: "support"})
	require.NoError(t, err)
	require.Equal(t, 6, calls)
	require.NoError(t, n.View("default", func(e *assign.Engine) {
		v, ok := e.Call("c1")
		require.True(t, ok)
		require.Equal(t, "ana", string(v.Ringing))
	}))
}

// Config.EngineFor gives each new workspace its own config, carried by
// the entry that creates it, so the engine keeps it after a restart from
// the log, whatever EngineFor says then; an existing workspace never asks.
func TestEngineForGivesEachWorkspaceItsConfig(t *testing.T) {
	dir := t.TempDir()
	slow := assign.DefaultConfig()
	slow.RingTimeout = 45 * time.Second
	asked := make(chan WorkspaceID, 8)
	n := openSingle(t, Config{Dir: dir, EngineFor: func(ws WorkspaceID) assign.Config {
		asked <- ws
		if ws == "slow" {
			return slow
		}
		return assign.DefaultConfig()
	}})
	ctx := context.Background()
	for _, ws := range []WorkspaceID{"slow", "plain", "slow"} {
		_, err := n.Do(ctx, ws, assign.Command{Op: assign.OpAddTeam, Team: "tx", Name: "X"})
		if ws == "slow" && err != nil && !errors.Is(err, assign.ErrDuplicateTeam) {
			t.Fatal(err)
		}
	}
	close(asked)
	var got []WorkspaceID
	for ws := range asked {
		got = append(got, ws)
	}
	require.Equal(t, []WorkspaceID{"slow", "plain"}, got, "EngineFor is asked once per new workspace")
	ring := func(n *Node, ws WorkspaceID) time.Duration {
		var d time.Duration
		require.NoError(t, n.View(ws, func(e *assign.Engine) { d = e.Config().RingTimeout }))
		return d
	}
	require.Equal(t, 45*time.Second, ring(n, "slow"))
	require.Equal(t, assign.DefaultConfig().RingTimeout, ring(n, "plain"))
	require.NoError(t, n.Close())
	// Restarted without EngineFor: the log's entries carry the configs.
	n = openSingle(t, Config{Dir: dir})
	eventually(t, 10*time.Second, "the log replayed", func() bool {
		return n.View("slow", func(*assign.Engine) {}) == nil && n.View("plain", func(*assign.Engine) {}) == nil
	})
	require.Equal(t, 45*time.Second, ring(n, "slow"))
	require.Equal(t, assign.DefaultConfig().RingTimeout, ring(n, "plain"))
}

// Ready is Status().Ready: true on a single node once it leads and has
// reconciled, false once closed.
func TestReadyIsStatusReady(t *testing.T) {
	n := openSingle(t, Config{})
	eventually(t, 10*time.Second, "the node is ready", n.Ready)
	require.True(t, n.Status().Ready)
	require.NoError(t, n.Close())
	require.False(t, n.Ready())
	require.False(t, n.Status().Ready)
}
