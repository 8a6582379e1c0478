package api

import (
	"context"
	"errors"
	"fmt"
	"github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/server/eventstore"
	"net"
	"net/http"

	"github.com/phonebalance/phonebalance/replica"
)

// The cluster's wire types (package client).
type (
	ClusterBody   = client.ClusterBody
	Member        = client.Member
	EventGap      = client.EventGap
	JoinRequest   = client.JoinRequest
	RemoveRequest = client.RemoveRequest
)

// LeaderURLFromID is the server's convention for finding the leader's
// HTTP API: in cluster mode a node's raft ID is its HTTP address
// ("10.0.0.5:8080"), so the leader's raft ID, which every node knows, is
// where a follower forwards writes; no directory of addresses is kept. An
// ID that is not a host:port (a one-node server's "node-1") has no URL.
func LeaderURLFromID(id string) (string, bool) {
	host, port, err := net.SplitHostPort(id)
	if err != nil || host == "" || port == "" {
		return "", false
	}
	return "http://" + id, true
}

// answerNotLeader answers a write that the node refused with ErrNotLeader
// after it started handling it (leadership moved meanwhile; writes that
// reach a follower are forwarded before, see forward.go): 503 not_leader
// naming the leader's HTTP API, or no_leader while there is none; when
// the leader lost its place after appending the command, the message
// says it may still commit, so the client reads before retrying. It
// reports whether it answered.
func (s *Server) answerNotLeader(w http.ResponseWriter, r *http.Request, err error) bool {
	var nl *replica.NotLeaderError
	if !errors.As(err, &nl) {
		return false
	}
	switch {
	case nl.Uncertain: // the error says the command may still commit
		s.writeError(w, r, fmt.Errorf("%w: read before retrying", err))
	case nl.LeaderID == "" || nl.LeaderID == s.rt.Node().ID():
		s.writeError(w, r, fmt.Errorf("%w: %w", errNoLeader, err))
	default:
		if base, ok := s.leaderURL(nl.LeaderID); ok {
			err = fmt.Errorf("%w; its HTTP API is %s", err, base)
		}
		s.writeError(w, r, err)
	}
	return true
}

// GET /cluster
func (s *Server) cluster(w http.ResponseWriter, _ *http.Request) {
	n := s.rt.Node()
	id, addr := n.Leader()
	members := []Member{}
	for _, m := range n.Members() {
		members = append(members, Member{ID: m.ID, RaftAddr: m.Addr, Voter: m.Voter})
	}
	writeJSON(w, http.StatusOK, ClusterBody{ID: n.ID(), RaftAddr: n.Addr(), IsLeader: n.IsLeader(),
		LeaderID: id, LeaderRaftAddr: addr, AppliedIndex: n.AppliedIndex(), Events: s.rt.Store().Len(""),
		Members: members, EventGaps: eventGaps(s.rt.Gaps())})
}

// eventGaps converts the store's gaps to the wire type (never nil).
func eventGaps(gs []eventstore.Gap) []EventGap {
	out := make([]EventGap, 0, len(gs))
	for _, g := range gs {
		out = append(out, EventGap{After: g.After, Upto: g.Upto, Reason: g.Reason})
	}
	return out
}

// POST /v1/cluster/join, on the leader (a follower forwards it): adds the
// node as a voter. Joining again with the same address changes nothing.
// A join that could brick the cluster is refused with 400 and changes
// nothing: on a server without -raft, when no raft node with that ID
// answers at raft_addr, or when a majority of the new configuration
// would not answer (replica.Node.Join).
func (s *Server) join(w http.ResponseWriter, r *http.Request) {
	var req JoinRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkHostPort("id", req.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkHostPort("raft_addr", req.RaftAddr); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	if err := s.rt.Node().Join(ctx, req.ID, req.RaftAddr); err != nil {
		if !s.answerNotLeader(w, r, err) {
			s.writeError(w, r, membershipErr(err))
		}
		return
	}
	s.logger.InfoContext(r.Context(), "node joined", "id", req.ID, "raft_addr", req.RaftAddr)
	s.cluster(w, r)
}

// POST /cluster/remove, on the leader (a follower forwards it): removes
// a node from the cluster. A removal that would leave fewer than a
// majority of the remaining voters answering is refused with 400.
func (s *Server) remove(w http.ResponseWriter, r *http.Request) {
	var req RemoveRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkText("id", req.ID, maxID); err != nil || req.ID == "" {
		s.writeError(w, r, fmt.Errorf("%w: id", errBadRequest))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	if err := s.rt.Node().Remove(ctx, req.ID); err != nil {
		if !s.answerNotLeader(w, r, err) {
			s.writeError(w, r, membershipErr(err))
		}
		return
	}
	s.logger.InfoContext(r.Context(), "node removed", "id", req.ID)
	s.cluster(w, r)
}

// membershipErr marks a refused change of membership as the request's
// fault (400): the refusals name what to fix.
func membershipErr(err error) error {
	if errors.Is(err, replica.ErrStandalone) {
		return fmt.Errorf("%w: %w: this server runs without -raft; restart it with -raft to form a cluster", errBadRequest, err)
	}
	if errors.Is(err, replica.ErrUnreachable) || errors.Is(err, replica.ErrNoQuorum) {
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	return err
}

func checkHostPort(field, v string) error {
	if err := checkText(field, v, maxID); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil || host == "" || port == "" || port == "0" {
		return fmt.Errorf("%w: %s %q is not a host:port", errBadRequest, field, v)
	}
	return nil
}
