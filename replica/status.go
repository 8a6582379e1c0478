package replica

import (
	"time"

	"github.com/hashicorp/raft"
)

// Status is a node's view of its cluster, for health checks and metrics.
type Status struct {
	ID   string
	Addr string
	// State is "Leader", "Follower", "Candidate" or "Shutdown".
	State string
	// Ready: this node leads and has reconciled (Do and timers run).
	Ready      bool
	Term       uint64
	LeaderID   string
	LeaderAddr string
	// CommitIndex and AppliedIndex: the last log index known committed,
	// and the last one applied to this node's state machine.
	CommitIndex  uint64
	AppliedIndex uint64
	// LastContact is when a follower last heard from the leader (zero on
	// the leader and before any contact).
	LastContact time.Time
	// Voters is the number of voting members in the latest configuration
	// this node knows.
	Voters int
}

// Ready reports Status().Ready alone: this node leads and has reconciled
// its term (Do and timers run). It reads raft's state without the
// configuration or the network, for a check made on every command; safe
// for concurrent use.
func (n *Node) Ready() bool {
	r := n.raft()
	if r == nil || n.closed.Load() {
		return false
	}
	return readyAt(r, n.ready.Load(), r.CurrentTerm())
}

// readyAt reports whether r leads in term and the node reconciled term.
func readyAt(r *raft.Raft, reconciled, term uint64) bool {
	return term != 0 && reconciled == term && r.State() == raft.Leader
}

// Status returns the node's status. It reads raft's state without
// blocking on the network; it is safe for concurrent use.
func (n *Node) Status() Status {
	s := Status{ID: n.cfg.NodeID, Addr: string(n.addr), AppliedIndex: n.applied.Load(), State: raft.Shutdown.String()}
	r := n.raft()
	if r == nil || n.closed.Load() {
		return s
	}
	s.State = r.State().String()
	s.Term = r.CurrentTerm()
	s.Ready = readyAt(r, n.ready.Load(), s.Term)
	s.LeaderID, s.LeaderAddr = n.Leader()
	s.CommitIndex = r.CommitIndex()
	if s.State != raft.Leader.String() {
		s.LastContact = r.LastContact()
	}
	if f := r.GetConfiguration(); f.Error() == nil {
		for _, srv := range f.Configuration().Servers {
			if srv.Suffrage == raft.Voter {
				s.Voters++
			}
		}
	}
	return s
}
