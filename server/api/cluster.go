package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/phonebalance/phonebalance/replica"
)

// LeaderURLFromID is the server's convention for finding the leader's
// HTTP API: in cluster mode a node's raft ID is its HTTP address
// ("10.0.0.5:8080"), so the leader's raft ID, which every node knows, is
// where to send writes; no directory of addresses is kept. An ID that is
// not a host:port (a one-node server's "node-1") has no URL.
func LeaderURLFromID(id string) (string, bool) {
	host, port, err := net.SplitHostPort(id)
	if err != nil || host == "" || port == "" {
		return "", false
	}
	return "http://" + id, true
}

// redirectToLeader answers a write refused with ErrNotLeader: 307 to the
// same path on the leader, whose client resends method and body; or 503
// with Retry-After while there is no leader, or when the leader lost its
// place after appending the command (it may still commit: the client
// should read before retrying). It reports whether it answered.
func (s *Server) redirectToLeader(w http.ResponseWriter, r *http.Request, err error) bool {
	var nl *replica.NotLeaderError
	if !errors.As(err, &nl) {
		return false
	}
	if nl.Uncertain {
		s.writeError(w, r, fmt.Errorf("%w (the command may still commit; read before retrying)", err))
		return true
	}
	base, ok := "", false
	if nl.LeaderID != "" && nl.LeaderID != s.rt.Node().ID() {
		base, ok = s.leaderURL(nl.LeaderID)
	}
	if !ok {
		s.writeError(w, r, fmt.Errorf("%w: %w", errNoLeader, err))
		return true
	}
	w.Header().Set("Location", strings.TrimSuffix(base, "/")+r.URL.RequestURI())
	writeJSON(w, http.StatusTemporaryRedirect, ErrorBody{Code: "not_leader",
		Error: "this node is not the leader; resend to " + nl.LeaderID})
	return true
}

// ClusterBody is GET /cluster: this node and the leader it knows.
type ClusterBody struct {
	// ID is this node's raft ID (its HTTP address in cluster mode).
	ID string `json:"id"`
	// RaftAddr is where peers reach this node's raft transport.
	RaftAddr string `json:"raft_addr"`
	// IsLeader reports whether this node leads now.
	IsLeader bool `json:"is_leader"`
	// LeaderID and LeaderRaftAddr name the leader; empty in an election.
	LeaderID       string `json:"leader_id"`
	LeaderRaftAddr string `json:"leader_raft_addr"`
	// AppliedIndex is the last raft log index applied here.
	AppliedIndex uint64 `json:"applied_index"`
	// Events is how many events this node's store holds.
	Events int `json:"events"`
}

// GET /cluster
func (s *Server) cluster(w http.ResponseWriter, _ *http.Request) {
	n := s.rt.Node()
	id, addr := n.Leader()
	writeJSON(w, http.StatusOK, ClusterBody{ID: n.ID(), RaftAddr: n.Addr(), IsLeader: n.IsLeader(),
		LeaderID: id, LeaderRaftAddr: addr, AppliedIndex: n.AppliedIndex(), Events: s.rt.Events().Len()})
}

// JoinRequest is the body of POST /cluster/join: a node asks to be added
// as a voter.
type JoinRequest struct {
	// ID is the new node's raft ID: its HTTP address, by the server's
	// convention.
	ID string `json:"id"`
	// RaftAddr is where the leader reaches its raft transport.
	RaftAddr string `json:"raft_addr"`
}

// POST /cluster/join, on the leader (a follower redirects): adds the node
// as a voter. Joining again with the same address changes nothing.
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
		if !s.redirectToLeader(w, r, err) {
			s.writeError(w, r, err)
		}
		return
	}
	s.logger.Info("node joined", "id", req.ID, "raft_addr", req.RaftAddr)
	s.cluster(w, r)
}

// RemoveRequest is the body of POST /cluster/remove.
type RemoveRequest struct {
	ID string `json:"id"`
}

// POST /cluster/remove, on the leader: removes a node from the cluster.
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
		if !s.redirectToLeader(w, r, err) {
			s.writeError(w, r, err)
		}
		return
	}
	s.cluster(w, r)
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
