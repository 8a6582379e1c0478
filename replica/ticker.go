package replica

import (
	"context"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/hashicorp/raft"
	"github.com/phonebalance/phonebalance/assign"
)

// tickLoop arms one timer, on the leader only, for the earliest deadline
// of any workspace, and proposes an Advance for each workspace due when it
// fires. Followers keep no timer: a new leader arms its own after its
// Barrier, from the replicated state.
func (n *Node) tickLoop() {
	defer n.wg.Done()
	var t *clock.Timer
	stopTimer := func() {
		if t != nil {
			t.Stop()
			t = nil
		}
	}
	defer stopTimer()
	for {
		var fire <-chan time.Time
		if term := n.ready.Load(); term != 0 && term == n.leaderTerm() {
			if next, ok := n.fsm.nextDeadline(); ok {
				d := next.Sub(n.cfg.Clock.Now())
				if d <= 0 {
					n.proposeAdvances()
					continue
				}
				stopTimer()
				t = n.cfg.Clock.Timer(d)
				fire = t.C
			}
		}
		select {
		case <-n.stop:
			return
		case <-n.wake:
		case <-fire:
		}
		stopTimer()
	}
}

// proposeAdvances proposes an Advance to the clock's time for every
// workspace with a deadline due, and waits until they are applied (or
// fail, when leadership is lost).
func (n *Node) proposeAdvances() {
	r := n.raft()
	now := n.cfg.Clock.Now()
	var futures []raft.ApplyFuture
	for _, ws := range n.fsm.due(now) {
		data, err := encodeEntry(entry{Workspace: ws, Command: assign.Command{Op: assign.OpAdvance, At: now}})
		if err != nil {
			continue
		}
		futures = append(futures, r.Apply(data, 0))
	}
	failed := false
	for _, f := range futures {
		if err := f.Error(); err != nil {
			failed = true
		}
	}
	if failed { // lost leadership, or shutting down: let the loop see it
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		select {
		case <-n.stop:
		case <-ctx.Done():
		}
	}
}
