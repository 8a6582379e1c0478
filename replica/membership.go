package replica

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/raft"
)

// Errors of a change of membership ([Node.Join], [Node.Remove]), to test
// with errors.Is. A refused change leaves the configuration as it was.
var (
	// ErrStandalone: a node opened without RaftAddr has no network, so it
	// cannot take members; reopen it with RaftAddr to form a cluster.
	ErrStandalone = errors.New("replica: a node without RaftAddr cannot take members")
	// ErrUnreachable: no raft node with the given ID answered at the
	// given address within a few seconds.
	ErrUnreachable = errors.New("replica: unreachable")
	// ErrNoQuorum: after the change, fewer than a majority of the voters
	// would answer, so the cluster could commit nothing more.
	ErrNoQuorum = errors.New("replica: the change would cost the cluster its quorum")
)

// Member is one server of the cluster's configuration.
type Member struct {
	// ID is the server's raft ID; Addr where its raft transport listens.
	ID, Addr string
	// Voter is false for a non-voting member.
	Voter bool
}

// String returns "ID at Addr".
func (m Member) String() string { return m.ID + " at " + m.Addr }

// memberOf is s as a Member.
func memberOf(s raft.Server) Member {
	return Member{ID: string(s.ID), Addr: string(s.Address), Voter: s.Suffrage == raft.Voter}
}

// Join adds a voter with the given raft ID and address. Call it on the
// leader; elsewhere it returns a *[NotLeaderError] naming the leader.
// Joining an ID that is already a voter with the same address is a
// no-op.
//
// Before changing the configuration it makes sure the change cannot
// brick the cluster: the new node must answer at addr as the raft node
// id (ErrUnreachable), and a majority of the new configuration's voters
// must answer (ErrNoQuorum); on a node without RaftAddr it returns
// ErrStandalone. Each probe waits at most about two seconds, all of them
// at once. Safe for concurrent use; ctx bounds the wait.
func (n *Node) Join(ctx context.Context, id, addr string) error {
	r, err := n.leaderRaft()
	if err != nil {
		return err
	}
	if id == "" || addr == "" {
		return fmt.Errorf("%w: Join needs an ID and an address", ErrInvalidConfig)
	}
	if n.cfg.single() {
		return ErrStandalone
	}
	servers, err := configuration(r)
	if err != nil {
		return n.raftErr(err)
	}
	sid, saddr := raft.ServerID(id), raft.ServerAddress(addr)
	i := slices.IndexFunc(servers, func(s raft.Server) bool { return s.ID == sid })
	if i >= 0 && servers[i].Address == saddr && servers[i].Suffrage == raft.Voter {
		return nil
	}
	if err := n.probe(ctx, sid, saddr); err != nil {
		return err
	}
	next := slices.Clone(servers)
	if i >= 0 {
		next[i] = raft.Server{ID: sid, Address: saddr, Suffrage: raft.Voter}
	} else {
		next = append(next, raft.Server{ID: sid, Address: saddr, Suffrage: raft.Voter})
	}
	if err := n.checkQuorum(ctx, next, sid); err != nil {
		return err
	}
	if err := waitFuture(ctx, r.AddVoter(sid, saddr, 0, enqueueTimeout(ctx))); err != nil {
		return n.raftErr(err)
	}
	return nil
}

// Remove removes the server with the given raft ID from the cluster. Call
// it on the leader; elsewhere it returns a *[NotLeaderError]. Removing an
// ID that is not a member is a no-op. It refuses (ErrNoQuorum) to remove
// a voter when fewer than a majority of the remaining voters answer;
// removing an unreachable one is always allowed while there is a leader.
// Safe for concurrent use; ctx bounds the wait.
func (n *Node) Remove(ctx context.Context, id string) error {
	r, err := n.leaderRaft()
	if err != nil {
		return err
	}
	servers, err := configuration(r)
	if err != nil {
		return n.raftErr(err)
	}
	sid := raft.ServerID(id)
	next := slices.DeleteFunc(slices.Clone(servers), func(s raft.Server) bool { return s.ID == sid })
	if len(next) == len(servers) {
		return nil
	}
	if err := n.checkQuorum(ctx, next, ""); err != nil {
		return err
	}
	if err := waitFuture(ctx, r.RemoveServer(sid, 0, enqueueTimeout(ctx))); err != nil {
		return n.raftErr(err)
	}
	return nil
}

// Members returns the latest configuration this node knows: right after
// Open, the one in its stored state. It does not wait on the network.
func (n *Node) Members() []Member {
	r := n.raft()
	if r == nil {
		return nil
	}
	servers, err := configuration(r)
	if err != nil {
		return nil
	}
	out := make([]Member, 0, len(servers))
	for _, s := range servers {
		out = append(out, memberOf(s))
	}
	return out
}

// IsMember reports whether this node is a voter of the latest
// configuration it knows: right after Open, whether its stored state
// makes it a member, so a host can skip asking to join. It does not wait
// on the network.
func (n *Node) IsMember() bool {
	return slices.ContainsFunc(n.Members(), func(m Member) bool { return m.Voter && m.ID == n.cfg.NodeID })
}

// Unreachable probes every other voter of the latest configuration this
// node knows, all at once, and returns those that do not answer as
// themselves within about two seconds (or before ctx ends), for a host to
// say which to bring back or remove. Safe for concurrent use.
func (n *Node) Unreachable(ctx context.Context) []Member {
	r := n.raft()
	if r == nil || n.closed.Load() {
		return nil
	}
	servers, err := configuration(r)
	if err != nil {
		return nil
	}
	var out []Member
	for _, s := range n.unreachable(ctx, servers, "") {
		out = append(out, memberOf(s)) // a voter: only voters are probed
	}
	return out
}

// configuration returns the latest configuration raft knows.
func configuration(r *raft.Raft) ([]raft.Server, error) {
	f := r.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, err
	}
	return f.Configuration().Servers, nil
}

// checkQuorum returns ErrNoQuorum unless a majority of the voters among
// servers answer; this node and known (already probed) count as
// answering.
func (n *Node) checkQuorum(ctx context.Context, servers []raft.Server, known raft.ServerID) error {
	voters := 0
	for _, s := range servers {
		if s.Suffrage == raft.Voter {
			voters++
		}
	}
	down := n.unreachable(ctx, servers, known)
	if need := voters/2 + 1; voters-len(down) < need {
		return fmt.Errorf("%w: %d of the %d voters would answer, %d are needed; unreachable: %s",
			ErrNoQuorum, voters-len(down), voters, need, serverList(down))
	}
	return nil
}

// unreachable probes the voters among servers but this node and skip,
// all at once, and returns those that did not answer, in their order.
func (n *Node) unreachable(ctx context.Context, servers []raft.Server, skip raft.ServerID) []raft.Server {
	failed := make([]bool, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		if s.Suffrage != raft.Voter || s.ID == skip || string(s.ID) == n.cfg.NodeID {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			failed[i] = n.probe(ctx, s.ID, s.Address) != nil
		}()
	}
	wg.Wait()
	var out []raft.Server
	for i, s := range servers {
		if failed[i] {
			out = append(out, s)
		}
	}
	return out
}

// probe checks that the raft node id answers at addr: it sends a
// pre-vote request for term 0, which a raft node answers with its ID and
// refuses without changing its state. It returns an error wrapping
// ErrUnreachable if nothing answers within probeTimeout or ctx, or if
// another node answers. With a transport that cannot send pre-votes it
// checks nothing.
func (n *Node) probe(ctx context.Context, id raft.ServerID, addr raft.ServerAddress) error {
	var pv raft.WithPreVote = n.probes
	if n.probes == nil {
		var ok bool
		if pv, ok = n.trans.(raft.WithPreVote); !ok {
			return nil
		}
	}
	self := raft.ServerID(n.cfg.NodeID)
	req := &raft.RequestPreVoteRequest{RPCHeader: raft.RPCHeader{ProtocolVersion: raft.ProtocolVersionMax,
		ID: []byte(self), Addr: n.trans.EncodePeer(self, n.addr)}}
	resp := &raft.RequestPreVoteResponse{}
	done := make(chan error, 1)
	// The transport's own timeout (probeTimeout over TCP) ends the call.
	go func() { done <- pv.RequestPreVote(id, addr, req, resp) }()
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%w: %s at %s: %v", ErrUnreachable, id, addr, err)
		}
		if got := raft.ServerID(resp.ID); got != id {
			return fmt.Errorf("%w: %s answers as raft node %q, not %q", ErrUnreachable, addr, got, id)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %s at %s: no answer within %v", ErrUnreachable, id, addr, probeTimeout)
	}
}

// aloneAgain makes sure that a node without RaftAddr, which has no
// network, is the only server of its stored configuration, so that it
// can elect itself. If an older version let it take members, nothing
// appended since could commit (the members never answered): it drops
// that tail of the log, the configuration change included, logs a
// warning naming the members dropped, and starts raft again. A Dir that
// holds a cluster's state without this node is refused with a message
// saying how to open it. r is shut down whenever another raft or an
// error is returned.
func (n *Node) aloneAgain(rc *raft.Config, r *raft.Raft) (*raft.Raft, error) {
	servers, err := configuration(r)
	if err != nil {
		_ = r.Shutdown().Error()
		return nil, fmt.Errorf("replica: reading the configuration: %w", err)
	}
	self := raft.Server{Suffrage: raft.Voter, ID: rc.LocalID, Address: n.addr}
	if len(servers) == 0 || (len(servers) == 1 && servers[0] == self) {
		return r, nil
	}
	_ = r.Shutdown().Error()
	if !slices.Contains(servers, self) {
		return nil, fmt.Errorf("%w: the data directory holds the state of a cluster (%s) that node %q without RaftAddr is not in: open it with the NodeID and RaftAddr it had",
			ErrInvalidConfig, serverList(servers), rc.LocalID)
	}
	first, err := n.logs.FirstIndex()
	if err != nil {
		return nil, fmt.Errorf("replica: reading the log: %w", err)
	}
	last, err := n.logs.LastIndex()
	if err != nil {
		return nil, fmt.Errorf("replica: reading the log: %w", err)
	}
	cut := uint64(0) // the first configuration change that named others
	for i := last; i >= first && i > 0; i-- {
		var l raft.Log
		if err := n.logs.GetLog(i, &l); err != nil {
			return nil, fmt.Errorf("replica: reading log entry %d: %w", i, err)
		}
		if l.Type != raft.LogConfiguration {
			continue
		}
		if c := raft.DecodeConfiguration(l.Data); len(c.Servers) == 1 && c.Servers[0] == self {
			break
		}
		cut = i
	}
	if cut == 0 {
		return nil, fmt.Errorf("%w: the configuration names %s, and no entry of the log added them: open the directory with the RaftAddr it had",
			ErrInvalidConfig, serverList(servers))
	}
	if err := n.logs.DeleteRange(cut, last); err != nil {
		return nil, fmt.Errorf("replica: dropping log entries %d to %d: %w", cut, last, err)
	}
	n.cfg.Logger.Warn("replica: this node runs without RaftAddr, so it cannot reach the members it was given: "+
		"dropped them and the log entries appended since, none of which could commit",
		"members", serverList(servers), "from_index", cut, "to_index", last)
	r, err = raft.NewRaft(rc, n.fsm, n.logs, n.stable, n.snaps, n.trans)
	if err != nil {
		return nil, fmt.Errorf("replica: starting raft: %w", err)
	}
	return r, nil
}

// serverList names servers as "ID at address, …".
func serverList(servers []raft.Server) string {
	names := make([]string, len(servers))
	for i, s := range servers {
		names[i] = memberOf(s).String()
	}
	return strings.Join(names, ", ")
}
