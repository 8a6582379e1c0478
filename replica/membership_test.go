package replica

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/stretchr/testify/require"
)

// closedAddr returns an address on host where nothing listens.
func closedAddr(t *testing.T, host string) string {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// Three nodes on three loopback addresses. A join that names an address
// where nothing answers, or where another node answers, is refused and
// changes nothing; so is removing a live voter while another is down,
// which would leave the cluster without a reachable majority. The leader
// names the voter that does not answer, removing it works, and a member
// reopened on its directory knows at once that it is a member.
func TestMembershipChangesThatWouldBrickAreRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	j := newJournal()
	base := t.TempDir()
	nodes := map[string]*Node{}
	for i, id := range []string{"a", "b", "c"} {
		host := "127.0.0." + string(rune('1'+i))
		nodes[id] = tcpNode(t, j, newMock(t0), id, filepath.Join(base, id), host+":0", i == 0)
		t.Cleanup(func() { _ = nodes[id].Close() })
	}
	a, b, c := nodes["a"], nodes["b"], nodes["c"]
	require.Same(t, a, waitLeader(t, 10*time.Second, a))
	require.False(t, b.IsMember(), "not joined yet")

	require.ErrorIs(t, a.Join(ctx, "d", closedAddr(t, "127.0.0.4")), ErrUnreachable)
	require.ErrorIs(t, a.Join(ctx, "c", b.Addr()), ErrUnreachable, "b answers there, not c")
	require.Len(t, a.Members(), 1, "a refused join changes nothing")

	join(t, ctx, []*Node{a}, "b", b.Addr())
	join(t, ctx, []*Node{a, b}, "c", c.Addr())
	require.Len(t, a.Members(), 3)
	eventually(t, 10*time.Second, "c learns it is a member", c.IsMember)
	require.Empty(t, a.Unreachable(ctx))

	cAddr := c.Addr()
	require.NoError(t, c.Close())
	leader := waitLeader(t, 10*time.Second, a, b)
	require.Equal(t, []Member{{ID: "c", Addr: cAddr, Voter: true}}, leader.Unreachable(ctx))
	other := a
	if leader == a {
		other = b
	}
	require.ErrorIs(t, leader.Remove(ctx, other.ID()), ErrNoQuorum)
	require.Len(t, leader.Members(), 3, "a refused removal changes nothing")
	require.NoError(t, leader.Remove(ctx, "c"))
	require.Len(t, leader.Members(), 2)

	// A member reopened on its directory is one before any contact.
	bAddr := b.Addr()
	require.NoError(t, b.Close())
	b2 := tcpNode(t, j, newMock(t0), "b", filepath.Join(base, "b"), bAddr, false)
	t.Cleanup(func() { _ = b2.Close() })
	require.True(t, b2.IsMember())
}

// A node without RaftAddr has no network: it refuses members. One that
// an older version let take a member (which bricked it: no write
// committed, and it no longer started) starts again on its directory,
// alone, with everything committed before the join, and says what it
// dropped.
func TestStandaloneRefusesMembersAndRecoversFromOne(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	n := openSingle(t, Config{Dir: dir})
	setupTeamCtx(t, ctx, n)
	require.ErrorIs(t, n.Join(ctx, "x", "127.0.0.2:7000"), ErrStandalone)
	_, err := n.Do(ctx, "default", assign.Command{Op: assign.OpAddTeam, Team: "sales"})
	require.NoError(t, err, "a refused join changes nothing")

	// What Join used to do: the voter never answers, so the leader steps
	// down and nothing after the change commits.
	_ = n.raft().AddVoter("x", "127.0.0.2:7000", 0, time.Second).Error()
	require.Len(t, n.Members(), 2)
	require.NoError(t, n.Close())

	var logs bytes.Buffer
	n2, err := Open(Config{Dir: dir, Engine: assign.DefaultConfig(), Clock: newMock(t0), TuneRaft: fastRaft,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	defer n2.Close()
	require.Equal(t, []Member{{ID: "node-1", Addr: "node-1", Voter: true}}, n2.Members())
	require.Contains(t, logs.String(), "x at 127.0.0.2:7000")
	require.NoError(t, n2.View("default", func(e *assign.Engine) {
		_, _, ok := e.TeamCounts("sales")
		require.True(t, ok, "what committed before the join is kept")
	}))
	_, err = n2.Do(ctx, "default", assign.Command{Op: assign.OpAddTeam, Team: "billing"})
	require.NoError(t, err)
}

// A cluster member's directory opened without RaftAddr is refused at
// once, saying how to open it, rather than waiting for an election that
// cannot happen.
func TestClusterDirectoryWithoutRaftAddrIsRefused(t *testing.T) {
	dir := t.TempDir()
	a := tcpNode(t, newJournal(), newMock(t0), "a", dir, "127.0.0.1:0", true)
	waitLeader(t, 10*time.Second, a)
	require.NoError(t, a.Close())
	_, err := Open(Config{Dir: dir, Engine: assign.DefaultConfig(), Logger: quietLogger(), TuneRaft: fastRaft})
	require.ErrorIs(t, err, ErrInvalidConfig)
	require.ErrorContains(t, err, "NodeID and RaftAddr")
}
