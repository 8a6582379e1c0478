package replica

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/stretchr/testify/require"
)

// tcpNode opens a node of a loopback TCP cluster on dir.
func tcpNode(t *testing.T, j *journal, clk clock.Clock, id, dir, addr string, bootstrap bool) *Node {
	t.Helper()
	onApply, deliver := j.hooks(id)
	n, err := Open(Config{Dir: dir, NodeID: id, RaftAddr: addr, Bootstrap: bootstrap, Engine: assign.DefaultConfig(),
		Clock: clk, Logger: quietLogger(), OnApply: onApply, Deliver: deliver, TuneRaft: tcpRaft})
	require.NoError(t, err)
	return n
}

var available = presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}

// setupTeam adds team "support" with ana and ben, in that order of
// preference (neither assigned yet: ties break by ID), on whichever of
// nodes leads.
func setupTeam(t *testing.T, ctx context.Context, n *Node, ws WorkspaceID, more ...*Node) {
	t.Helper()
	for _, c := range []assign.Command{
		{Op: assign.OpAddTeam, Team: "support", Name: "Support"},
		{Op: assign.OpAddTeammate, Teammate: "ana", Name: "Ana", Presence: available},
		{Op: assign.OpAddTeammate, Teammate: "ben", Name: "Ben", Presence: available},
		{Op: assign.OpAddMember, Team: "support", Teammate: "ana"},
		{Op: assign.OpAddMember, Team: "support", Teammate: "ben"},
	} {
		doRetry(t, ctx, append([]*Node{n}, more...), ws, c,
			assign.ErrDuplicateTeam, assign.ErrDuplicateTeammate, assign.ErrDuplicateMember)
	}
}

// join adds a voter through whichever of nodes leads, retrying when
// leadership moves.
func join(t tb, ctx context.Context, nodes []*Node, id, addr string) {
	t.Helper()
	for {
		err := waitLeader(t, 20*time.Second, nodes...).Join(ctx, id, addr)
		if err == nil {
			return
		}
		require.ErrorIs(t, err, ErrNotLeader)
	}
}

// doRetry submits cmd to the leader among nodes until it commits,
// retrying when leadership moves (a loaded machine can miss a heartbeat).
// After an uncertain outcome the retry may find the command applied: the
// errors in already say so.
func doRetry(t *testing.T, ctx context.Context, nodes []*Node, ws WorkspaceID, cmd assign.Command, already ...error) {
	t.Helper()
	for {
		leader := waitLeader(t, 20*time.Second, nodes...)
		_, err := leader.Do(ctx, ws, cmd)
		if err == nil || slices.ContainsFunc(already, func(e error) bool { return errors.Is(err, e) }) {
			return
		}
		require.ErrorIs(t, err, ErrNotLeader, "%v", cmd.Op)
	}
}

// Three nodes on loopback TCP; the leader dies while a call rings, and the
// election gap outlasts the ring. The new leader reconciles (a Ring for the
// ringing call, with its deadline), fires the miss at its own time though
// dated at the ring's deadline,
// offers the next teammate, and the old leader, restarted on its data
// directory, converges. No call is lost.
// Rule: AS5, AS7
func TestFailoverMidRingOnLoopbackTCP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	clk := newMock(t0)
	j := newJournal()
	base := t.TempDir()
	ids := []string{"n1", "n2", "n3"}
	nodes := map[string]*Node{}
	for i, id := range ids {
		nodes[id] = tcpNode(t, j, clk, id, filepath.Join(base, id), "127.0.0.1:0", i == 0)
		defer func() { _ = nodes[id].Close() }()
	}
	all := []*Node{nodes["n1"], nodes["n2"], nodes["n3"]}
	for _, id := range ids[1:] {
		join(t, ctx, all, id, nodes[id].Addr())
	}
	leader := waitLeader(t, 10*time.Second, all...)
	const ws = WorkspaceID("default")
	setupTeam(t, ctx, leader, ws, all...)

	clk.Add(time.Second)
	ringStart := clk.Now()
	doRetry(t, ctx, all, ws, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"}, assign.ErrDuplicateCall)
	_, _ = converge(t, 20*time.Second, all...)
	leader = waitLeader(t, 10*time.Second, all...)
	require.NoError(t, leader.View(ws, func(e *assign.Engine) {
		v, _ := e.Call("call-1")
		require.Equal(t, pb.TeammateID("ana"), v.Ringing)
		require.Equal(t, ringStart.Add(30*time.Second), v.RingUntil)
	}))

	deadID, deadAddr := leader.ID(), leader.Addr()
	require.NoError(t, leader.Close())
	var rest []*Node
	for _, id := range ids {
		if id != deadID {
			rest = append(rest, nodes[id])
		}
	}
	clk.Add(45 * time.Second) // the election gap outlasts the ring
	firedAt := clk.Now()
	next := waitLeader(t, 10*time.Second, rest...)
	require.NoError(t, next.Sync(ctx))
	rec := j.delivered(next.ID(), true)
	require.NotEmpty(t, rec)
	last := rec[len(rec)-1]
	require.Equal(t, ws, last.Workspace)
	require.Equal(t, []assign.Effect{{Kind: assign.Ring, Call: "call-1", Teammate: "ana", Team: "support",
		Until: ringStart.Add(30 * time.Second)}}, last.Effects, "the new leader reconciles the ringing call")

	eventually(t, 10*time.Second, "the new leader to offer ben", func() bool {
		for _, d := range j.delivered(next.ID(), false) {
			for _, ef := range d.Effects {
				if ef.Kind == assign.Ring && ef.Teammate == "ben" {
					return true
				}
			}
		}
		return false
	})
	var missed, offered *stampedEvent
	for _, ev := range j.events(ws) {
		switch {
		case ev.Kind == eventlog.CallMissed:
			require.Nil(t, missed, "one miss only")
			missed = &ev
		case ev.Kind == eventlog.CallOffered && ev.Teammate == "ben":
			offered = &ev
		}
	}
	require.NotNil(t, missed)
	require.Equal(t, pb.TeammateID("ana"), missed.Teammate)
	require.Equal(t, ringStart.Add(30*time.Second), missed.At, "the miss is dated at the ring's deadline")
	require.Equal(t, firedAt, missed.EntryAt, "the new leader fired it at its own time")
	require.Equal(t, assign.OpAdvance, missed.Op)
	require.NotNil(t, offered)
	require.Equal(t, ringStart.Add(30*time.Second), offered.At)

	nodes[deadID] = tcpNode(t, j, clk, deadID, filepath.Join(base, deadID), deadAddr, false)
	_, state := converge(t, 20*time.Second, nodes["n1"], nodes["n2"], nodes["n3"])
	now := waitLeader(t, 10*time.Second, nodes["n1"], nodes["n2"], nodes["n3"])
	st := now.Status()
	require.Equal(t, "Leader", st.State)
	require.True(t, st.Ready)
	require.Equal(t, now.ID(), st.LeaderID)
	for _, id := range ids {
		require.Equal(t, 3, nodes[id].Status().Voters, id)
	}
	require.Contains(t, state, ws)
	require.NoError(t, nodes[deadID].View(ws, func(e *assign.Engine) {
		v, ok := e.Call("call-1")
		require.True(t, ok)
		require.Equal(t, pb.TeammateID("ben"), v.Ringing, "the call survived, ringing the next teammate")
	}))
	require.Empty(t, j.problemList())
}
