package replica

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/hashicorp/raft"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/stretchr/testify/require"
)

// tb is what the helpers need of a *testing.T or a *rapid.T.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	FailNow()
	Logf(format string, args ...any)
}

// t0 is the tests' start time.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fastRaft shortens raft's timeouts for tests on one machine, leaving
// room for the race detector on two loaded cores.
func fastRaft(c *raft.Config) {
	c.HeartbeatTimeout = 150 * time.Millisecond
	c.ElectionTimeout = 150 * time.Millisecond
	c.LeaderLeaseTimeout = 150 * time.Millisecond
	c.CommitTimeout = 5 * time.Millisecond
}

// tcpRaft is fastRaft with room for TCP and TLS handshakes.
func tcpRaft(c *raft.Config) {
	fastRaft(c)
	c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = 400*time.Millisecond, 400*time.Millisecond, 400*time.Millisecond
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// record is one applied entry as a node's OnApply saw it.
type record struct {
	Workspace WorkspaceID
	Command   assign.Command
	Err       string
	Effects   []assign.Effect
	Events    []eventlog.Event
}

// journal collects, across every node and incarnation of a cluster, what
// OnApply and Deliver saw, and the violations found on the way.
type journal struct {
	mu          sync.Mutex
	byIndex     map[uint64]record
	deliveredBy map[uint64]string // index -> node that delivered it
	reconciles  map[string][]Delivery
	deliveries  map[string][]Delivery
	problems    []string
}

func newJournal() *journal {
	return &journal{byIndex: map[uint64]record{}, deliveredBy: map[uint64]string{},
		reconciles: map[string][]Delivery{}, deliveries: map[string][]Delivery{}}
}

func (j *journal) problem(format string, args ...any) {
	j.problems = append(j.problems, fmt.Sprintf(format, args...))
}

// hooks returns OnApply and Deliver for one incarnation of node id.
func (j *journal) hooks(id string) (func(Applied), func(Delivery)) {
	var last uint64 // this incarnation's last applied index
	onApply := func(a Applied) {
		j.mu.Lock()
		defer j.mu.Unlock()
		if a.Index <= last {
			j.problem("%s applied index %d after %d", id, a.Index, last)
		}
		last = a.Index
		if a.Meta {
			return // a meta store write: no command to replay
		}
		if errors.Is(a.Err, assign.ErrTimeWentBackwards) {
			j.problem("%s: the engine saw time go backwards at %d: %v", id, a.Index, a.Err)
		}
		r := record{Workspace: a.Workspace, Command: a.Command, Effects: slices.Clone(a.Ready.Effects), Events: slices.Clone(a.Ready.Events)}
		if a.Err != nil {
			r.Err = a.Err.Error()
		}
		if old, ok := j.byIndex[a.Index]; ok {
			if x, y := fmt.Sprintf("%+v", old), fmt.Sprintf("%+v", r); x != y {
				j.problem("index %d diverged: %s vs %s (%s)", a.Index, x, y, id)
			}
			return
		}
		j.byIndex[a.Index] = r
	}
	deliver := func(d Delivery) {
		j.mu.Lock()
		defer j.mu.Unlock()
		if d.Reconcile {
			j.reconciles[id] = append(j.reconciles[id], d)
			return
		}
		j.deliveries[id] = append(j.deliveries[id], d)
		if other, ok := j.deliveredBy[d.Index]; ok {
			j.problem("index %d delivered by %s and by %s", d.Index, other, id)
		}
		j.deliveredBy[d.Index] = id
		if r, ok := j.byIndex[d.Index]; !ok || fmt.Sprint(r.Effects) != fmt.Sprint(d.Effects) {
			j.problem("index %d: delivered effects differ from applied ones", d.Index)
		}
	}
	return onApply, deliver
}

// replay feeds a single engine the recorded commands up to index, in
// order: the reference every node must equal.
func (j *journal) replay(t tb, cfg assign.Config, upTo uint64) map[WorkspaceID]string {
	j.mu.Lock()
	defer j.mu.Unlock()
	idx := make([]uint64, 0, len(j.byIndex))
	for i := range j.byIndex {
		if i <= upTo {
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	engines := map[WorkspaceID]*assign.Engine{}
	for _, i := range idx {
		r := j.byIndex[i]
		eng := engines[r.Workspace]
		if eng == nil {
			eng, _ = assign.New(cfg)
			engines[r.Workspace] = eng
		}
		err := eng.Apply(r.Command)
		eng.Ready()
		got := ""
		if err != nil {
			got = err.Error()
		}
		require.Equal(t, r.Err, got, "index %d: the reference engine decided differently", i)
	}
	out := map[WorkspaceID]string{}
	for ws, eng := range engines {
		out[ws] = mustJSON(eng.Snapshot())
	}
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// state returns the node's applied index and every engine's snapshot as
// JSON, read together under the state machine's lock.
func (n *Node) state() (uint64, map[WorkspaceID]string) {
	n.fsm.mu.Lock()
	defer n.fsm.mu.Unlock()
	out := map[WorkspaceID]string{}
	for ws, eng := range n.fsm.engines {
		out[ws] = mustJSON(eng.Snapshot())
	}
	return n.fsm.applied, out
}

// waitLeader waits until one of nodes leads and has reconciled, and
// returns it.
func waitLeader(t tb, timeout time.Duration, nodes ...*Node) *Node {
	t.Helper()
	var found *Node
	eventually(t, timeout, "a reconciled leader", func() bool {
		for _, n := range nodes {
			if n == nil {
				continue
			}
			if term := n.leaderTerm(); term != 0 && n.ready.Load() == term {
				found = n
				return true
			}
		}
		return false
	})
	return found
}

// eventually waits for cond, checking it each millisecond until timeout:
// waiting for a condition, not for time to pass.
func eventually(t tb, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// converge waits until every node has applied the same index, and
// returns it with the nodes' states, which must be equal.
func converge(t tb, timeout time.Duration, nodes ...*Node) (uint64, map[WorkspaceID]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		leader := waitLeader(t, timeout, nodes...)
		err := leader.ViewConsistent(ctx, "", func(*assign.Engine) {})
		if err != nil && !errors.Is(err, ErrUnknownWorkspace) {
			require.NoError(t, ctx.Err(), "converging: %v", err)
			continue
		}
		target := leader.AppliedIndex()
		for _, n := range nodes {
			require.NoError(t, n.waitApplied(ctx, target), "node %s reaching %d", n.ID(), target)
		}
		var idx uint64
		var states []map[WorkspaceID]string
		same := true
		for i, n := range nodes {
			x, s := n.state()
			if i > 0 && x != idx {
				same = false
			}
			idx = x
			states = append(states, s)
		}
		if !same {
			continue // the leader applied more meanwhile (an Advance)
		}
		for i := 1; i < len(states); i++ {
			require.Equal(t, states[0], states[i], "node %s differs from node %s at index %d", nodes[i].ID(), nodes[0].ID(), idx)
		}
		return idx, states[0]
	}
}

// newMock returns a mock clock at t.
func newMock(t time.Time) *clock.Mock {
	c := clock.NewMock()
	c.Set(t)
	return c
}

// events returns every recorded event of ws in log order, with the
// leader's time of the entry that produced it.
func (j *journal) events(ws WorkspaceID) []stampedEvent {
	j.mu.Lock()
	defer j.mu.Unlock()
	idx := make([]uint64, 0, len(j.byIndex))
	for i := range j.byIndex {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	var out []stampedEvent
	for _, i := range idx {
		r := j.byIndex[i]
		if r.Workspace != ws {
			continue
		}
		for _, ev := range r.Events {
			out = append(out, stampedEvent{Event: ev, Index: i, EntryAt: r.Command.At, Op: r.Command.Op})
		}
	}
	return out
}

// stampedEvent is an event with the entry that produced it.
type stampedEvent struct {
	eventlog.Event
	Index   uint64
	EntryAt time.Time
	Op      assign.Op
}

// delivered returns the deliveries node id made, ordinary or reconcile.
func (j *journal) delivered(id string, reconcile bool) []Delivery {
	j.mu.Lock()
	defer j.mu.Unlock()
	if reconcile {
		return slices.Clone(j.reconciles[id])
	}
	return slices.Clone(j.deliveries[id])
}

func (j *journal) problemList() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.problems)
}
