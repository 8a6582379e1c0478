package replica

import (
	"slices"

	"github.com/hashicorp/raft"
	"github.com/phonebalance/phonebalance/assign"
)

// watchLeadership follows raft's leadership notifications. On gaining
// leadership it waits for a Barrier (every entry of earlier terms
// applied), queues one Reconcile delivery per workspace and lets the
// deadline timer run; on losing it, it stops the timer.
func (n *Node) watchLeadership() {
	defer n.wg.Done()
	for {
		select {
		case <-n.stop:
			return
		case leading := <-n.notify:
			if !leading {
				n.ready.Store(0)
				n.signalLeader(false)
				n.wakeTicker()
				continue
			}
			n.becomeLeader()
		}
	}
}

// becomeLeader reconciles after a Barrier, if still leading by then.
func (n *Node) becomeLeader() {
	r := n.raft()
	for r == nil { // raft notified before Open stored it
		select {
		case <-n.stop:
			return
		default:
		}
		r = n.raft()
	}
	term := r.CurrentTerm()
	if err := r.Barrier(0).Error(); err != nil {
		n.cfg.Logger.Warn("replica: barrier after election failed", "err", err)
		return
	}
	n.fsm.mu.Lock()
	if r.State() != raft.Leader || r.CurrentTerm() != term {
		n.fsm.mu.Unlock()
		return
	}
	if n.cfg.Deliver != nil {
		for _, d := range n.fsm.reconcileLocked() {
			n.dq.push(d)
		}
	}
	n.ready.Store(term)
	n.fsm.mu.Unlock()
	n.readyOnce.Do(func() { close(n.firstReady) })
	n.signalLeader(true)
	n.wakeTicker()
}

// reconcileLocked lists, per workspace in ID order, a Ring for every call
// ringing now.
func (f *fsm) reconcileLocked() []Delivery {
	ids := make([]WorkspaceID, 0, len(f.engines))
	for ws := range f.engines {
		ids = append(ids, ws)
	}
	slices.Sort(ids)
	out := make([]Delivery, 0, len(ids))
	for _, ws := range ids {
		eng := f.engines[ws]
		s := eng.Snapshot()
		d := Delivery{Workspace: ws, Index: f.applied, Reconcile: true, Effects: []assign.Effect{}}
		for _, c := range s.Calls {
			if c.Ringing == "" || c.Ended {
				continue
			}
			d.Effects = append(d.Effects, assign.Effect{Kind: assign.Ring, Call: c.ID, Teammate: c.Ringing,
				Team: c.Team, Until: c.RingUntil, AutoAnswer: s.Config.AutoAnswer})
		}
		out = append(out, d)
	}
	return out
}

// signalLeader keeps the latest transition in leaderCh.
func (n *Node) signalLeader(v bool) {
	for {
		select {
		case n.leaderCh <- v:
			return
		default:
		}
		select {
		case <-n.leaderCh:
		default:
		}
	}
}

func (n *Node) wakeTicker() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}
