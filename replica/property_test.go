package replica

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/hashicorp/raft"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/schedule"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// memNode is one server of an in-memory cluster: its stores outlive its
// incarnations, as a disk would.
type memNode struct {
	id     string
	addr   raft.ServerAddress
	trans  *raft.InmemTransport
	store  *raft.InmemStore
	snaps  *raft.InmemSnapshotStore
	clk    *clock.Mock
	node   *Node // nil while down
	cutOff bool  // partitioned from the others
}

// memCluster is a cluster on raft's in-memory transport.
type memCluster struct {
	t   tb
	cfg assign.Config
	// engineFor overrides cfg for some nodes' Config.Engine.
	engineFor map[string]assign.Config
	j         *journal
	nodes     []*memNode
}

func newMemCluster(t tb, size int, cfg assign.Config, skew []time.Duration) *memCluster {
	c := &memCluster{t: t, cfg: cfg, j: newJournal()}
	for i := range size {
		m := &memNode{id: fmt.Sprintf("n%d", i+1), store: raft.NewInmemStore(),
			snaps: raft.NewInmemSnapshotStore(), clk: newMock(t0.Add(skew[i]))}
		m.addr = raft.ServerAddress(m.id)
		c.nodes = append(c.nodes, m)
	}
	for i, m := range c.nodes {
		c.start(m, i == 0)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, m := range c.nodes[1:] {
		join(t, ctx, c.live(), m.id, string(m.addr))
	}
	return c
}

// start opens an incarnation of m on its stores with a new transport.
func (c *memCluster) start(m *memNode, bootstrap bool) {
	_, m.trans = raft.NewInmemTransport(m.addr)
	onApply, deliver := c.j.hooks(m.id)
	engine := c.cfg
	if e, ok := c.engineFor[m.id]; ok {
		engine = e
	}
	n, err := Open(Config{InMemory: true, NodeID: m.id, Bootstrap: bootstrap, Engine: engine, Clock: m.clk,
		Logger: quietLogger(), OnApply: onApply, Deliver: deliver,
		OnRestore: func(uint64) { propRestores.Add(1) },
		TuneRaft: func(rc *raft.Config) {
			fastRaft(rc)
			rc.SnapshotThreshold, rc.TrailingLogs, rc.SnapshotInterval = 20, 10, 30*time.Millisecond
		},
		transport: m.trans, logs: m.store, stable: m.store, snaps: m.snaps})
	require.NoError(c.t, err)
	m.node = n
	m.cutOff = false
	c.rewire()
}

// rewire connects every live, uncut pair of transports and disconnects
// the rest.
func (c *memCluster) rewire() {
	for _, a := range c.nodes {
		if a.trans == nil {
			continue
		}
		a.trans.DisconnectAll()
		if a.node == nil || a.cutOff {
			continue
		}
		for _, b := range c.nodes {
			if b != a && b.node != nil && !b.cutOff {
				a.trans.Connect(b.addr, b.trans)
			}
		}
	}
}

func (c *memCluster) live() []*Node {
	var out []*Node
	for _, m := range c.nodes {
		if m.node != nil {
			out = append(out, m.node)
		}
	}
	return out
}

// majority returns the live nodes that are not cut off.
func (c *memCluster) majority() []*Node {
	var out []*Node
	for _, m := range c.nodes {
		if m.node != nil && !m.cutOff {
			out = append(out, m.node)
		}
	}
	return out
}

func (c *memCluster) kill(m *memNode) {
	require.NoError(c.t, m.node.Close())
	m.node = nil
	c.rewire()
}

func (c *memCluster) close() {
	for _, m := range c.nodes {
		if m.node != nil {
			_ = m.node.Close()
			m.node = nil
		}
	}
}

func (c *memCluster) byNode(n *Node) *memNode {
	for _, m := range c.nodes {
		if m.node == n {
			return m
		}
	}
	return nil
}

var (
	propCalls     = []pb.CallID{"c1", "c2", "c3", "c4", "c5"}
	propTeams     = []pb.TeamID{"red", "blue"}
	propTeammates = []pb.TeammateID{"ana", "ben", "cy"}
)

// genCommand draws a command over a small ID space, so that sequences
// reach rings, misses, declines and transfers often.
func genCommand(t *rapid.T) assign.Command {
	c := assign.Command{
		Op:       rapid.SampledFrom(assign.Ops()).Draw(t, "op"),
		Call:     rapid.SampledFrom(propCalls).Draw(t, "call"),
		Team:     rapid.SampledFrom(propTeams).Draw(t, "team"),
		Teammate: rapid.SampledFrom(propTeammates).Draw(t, "teammate"),
		Status:   rapid.SampledFrom([]presence.Status{presence.Active, presence.Away}).Draw(t, "status"),
		Channel:  rapid.SampledFrom([]presence.Channel{presence.ChannelAll, presence.ChannelPhone}).Draw(t, "channel"),
		Open:     rapid.Bool().Draw(t, "open"),
		On:       rapid.Bool().Draw(t, "on"),
		Decline:  rapid.SampledFrom([]eventlog.DeclineCause{eventlog.DeclineButton, eventlog.DeclineBusy}).Draw(t, "decline"),
		By:       rapid.SampledFrom([]eventlog.Party{eventlog.ByCustomer, eventlog.ByTeammate}).Draw(t, "by"),
		Override: rapid.SampledFrom([]schedule.Override{schedule.FollowHours, schedule.OutOfOffice}).Draw(t, "override"),
	}
	if c.Status == presence.Away {
		c.Reason = "Lunch"
	}
	c.Presence = presence.State{Channel: c.Channel, Status: c.Status, Reason: c.Reason, ClientOpen: c.Open}
	c.TeamConfig = assign.TeamConfig{MaxQueue: rapid.IntRange(0, 3).Draw(t, "maxqueue")}
	return c
}

// propRestores counts snapshot restores in the property test's clusters,
// to show that restarted nodes also catch up by snapshot.
var propRestores, propKills atomic.Int64

// outcome of one submission, for the no-loss, no-duplicate check.
type outcome int

const (
	committed outcome = iota // Do returned the engine's verdict
	refused                  // not appended: a follower refused it
	unknown                  // leadership lost or timed out after appending
)

// Random commands with random leader kills, partitions and restarts, on
// three nodes with skewed clocks: every node ends equal to a single engine
// fed the committed commands in log order; no acknowledged command is lost
// or applied twice; no refused command is applied; each entry's effects
// are delivered once, by the leader that committed it; and the engines
// never see time go backwards, though the leaders' clocks disagree.
func TestPropertyReplicasEqualOneEngineDespiteKillsAndPartitions(t *testing.T) {
	propRestores.Store(0)
	propKills.Store(0)
	defer func() {
		t.Logf("leader kills: %d, snapshot restores: %d", propKills.Load(), propRestores.Load())
	}()
	rapid.Check(t, func(rt *rapid.T) {
		cfg := assign.DefaultConfig()
		cfg.WrapUp = rapid.SampledFrom([]time.Duration{0, 40 * time.Second}).Draw(rt, "wrapup")
		skew := []time.Duration{0, -time.Duration(rapid.IntRange(0, 20).Draw(rt, "skew2")) * time.Second,
			time.Duration(rapid.IntRange(0, 5).Draw(rt, "skew3")) * time.Second}
		c := newMemCluster(rt, 3, cfg, skew)
		defer c.close()
		const ws = WorkspaceID("default")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		submitted := map[string]outcome{}
		submit := func(cmd assign.Command) {
			leader := waitLeader(rt, 10*time.Second, c.majority()...)
			cmd.Name = fmt.Sprintf("cmd-%d", len(submitted))
			dctx, dcancel := context.WithTimeout(ctx, 3*time.Second)
			defer dcancel()
			_, err := leader.Do(dctx, ws, cmd)
			var nle *NotLeaderError
			switch {
			case err == nil, !errors.As(err, &nle) && !errors.Is(err, context.DeadlineExceeded):
				submitted[cmd.Name] = committed
			case nle != nil && !nle.Uncertain:
				submitted[cmd.Name] = refused
			default:
				submitted[cmd.Name] = unknown
			}
		}
		submit(assign.Command{Op: assign.OpAddTeam, Team: "red"})
		submit(assign.Command{Op: assign.OpAddTeam, Team: "blue", TeamConfig: assign.TeamConfig{MaxQueue: 2}})
		for _, id := range propTeammates {
			submit(assign.Command{Op: assign.OpAddTeammate, Teammate: id,
				Presence: presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}})
			submit(assign.Command{Op: assign.OpAddMember, Team: "red", Teammate: id})
		}
		rt.Repeat(map[string]func(*rapid.T){
			"": func(*rapid.T) {},
			"command": func(rt *rapid.T) {
				submit(genCommand(rt))
			},
			"time passes": func(rt *rapid.T) {
				d := rapid.SampledFrom([]time.Duration{time.Second, 10 * time.Second, 31 * time.Second, 2 * time.Minute, 6 * time.Minute}).Draw(rt, "dt")
				for _, m := range c.nodes {
					m.clk.Add(d)
				}
			},
			"kill the leader": func(rt *rapid.T) {
				if len(c.majority()) < 3 {
					rt.Skip("a node is already out")
				}
				c.kill(c.byNode(waitLeader(rt, 10*time.Second, c.majority()...)))
				propKills.Add(1)
			},
			"partition a node": func(rt *rapid.T) {
				if len(c.majority()) < 3 {
					rt.Skip("a node is already out")
				}
				m := c.nodes[rapid.IntRange(0, 2).Draw(rt, "cut")]
				m.cutOff = true
				c.rewire()
			},
			"heal and restart": func(rt *rapid.T) {
				for _, m := range c.nodes {
					if m.node == nil {
						c.start(m, false)
					}
					m.cutOff = false
				}
				c.rewire()
			},
		})
		for _, m := range c.nodes {
			if m.node == nil {
				c.start(m, false)
			}
			m.cutOff = false
		}
		c.rewire()
		idx, state := converge(rt, 20*time.Second, c.live()...)
		require.Equal(rt, c.j.replay(rt, cfg, idx), state, "nodes differ from one engine fed the log")

		c.j.mu.Lock()
		defer c.j.mu.Unlock()
		require.Empty(rt, c.j.problems)
		seen := map[string]int{}
		for _, r := range c.j.byIndex {
			if r.Command.Name != "" {
				seen[r.Command.Name]++
			}
		}
		for name, o := range submitted {
			switch o {
			case committed:
				require.Equal(rt, 1, seen[name], "acknowledged %s applied %d times", name, seen[name])
			case refused:
				require.Zero(rt, seen[name], "refused %s applied", name)
			case unknown:
				require.LessOrEqual(rt, seen[name], 1, "%s applied twice", name)
			}
		}
	})
}
