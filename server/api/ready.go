package api

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// readyCatchUp bounds how long GET /readyz waits for the event store to
// consume what the state machine applied.
const readyCatchUp = 2 * time.Second

// ReadyBody is GET /readyz: whether this node can serve, and each check
// it made. Unauthenticated, like /healthz, for load balancers and
// orchestrators; it says nothing of the workspace's state.
type ReadyBody struct {
	// Status is "ready" (200) or "not_ready" (503).
	Status string `json:"status"`
	// Checks are every check, in order, passing or not.
	Checks []ReadyCheck `json:"checks"`
}

// ReadyCheck is one check of GET /readyz.
type ReadyCheck struct {
	// Name is "stores_open", "leader", "log_replayed" or
	// "events_caught_up".
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Detail says what was found (the leader's ID, the indexes).
	Detail string `json:"detail"`
}

// readyz answers whether this node can serve: its stores are open, a
// leader is known, its state machine has applied the log up to the
// commit index it first saw (the log is replayed after a start), and the
// event store has consumed everything applied (reads are current).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	n := s.rt.Node()
	st := n.Status()
	var checks []ReadyCheck
	add := func(name string, ok bool, format string, args ...any) {
		checks = append(checks, ReadyCheck{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...)})
	}
	if err := s.rt.Store().Check(); err != nil || st.State == "Shutdown" {
		add("stores_open", false, "raft %s, event store: %v", st.State, err)
	} else {
		add("stores_open", true, "raft %s, event store open", st.State)
	}
	add("leader", st.LeaderID != "", "leader %q", st.LeaderID)
	// The commit index known at start, or else the first seen (raft
	// learns it from the leader), is what a starting node must replay.
	if st.CommitIndex > 0 {
		s.replayTo.CompareAndSwap(0, st.CommitIndex)
	}
	target := s.replayTo.Load()
	add("log_replayed", target > 0 && st.AppliedIndex >= target, "applied %d of the commit index %d seen at start", st.AppliedIndex, target)
	ctx, cancel := context.WithTimeout(r.Context(), readyCatchUp)
	defer cancel()
	if err := s.rt.CatchUp(ctx); err != nil {
		add("events_caught_up", false, "the event store is behind the applied index %d: %v", st.AppliedIndex, err)
	} else {
		add("events_caught_up", true, "the event store holds up to index %d", s.rt.Store().Applied())
	}
	body, status := ReadyBody{Status: "ready", Checks: checks}, http.StatusOK
	for _, c := range checks {
		if !c.OK {
			body.Status, status = "not_ready", http.StatusServiceUnavailable
		}
	}
	writeJSON(w, status, body)
}
