package promexport

import (
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/replica"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestNodeCollectorFollower(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	st := replica.Status{State: "Follower", Term: 7, LeaderID: "n1", CommitIndex: 120, AppliedIndex: 118,
		LastContact: now.Add(-1500 * time.Millisecond), Voters: 3}
	c := NewNodeCollector(func() replica.Status { return st }, func() time.Time { return now })
	want := `
# HELP phonebalance_raft_applied_index The last raft log index applied to this node's state.
# TYPE phonebalance_raft_applied_index gauge
phonebalance_raft_applied_index 118
# HELP phonebalance_raft_commit_index The last raft log index this node knows committed.
# TYPE phonebalance_raft_commit_index gauge
phonebalance_raft_commit_index 120
# HELP phonebalance_raft_is_leader 1 when this node is the leader, else 0.
# TYPE phonebalance_raft_is_leader gauge
phonebalance_raft_is_leader 0
# HELP phonebalance_raft_last_contact_seconds Seconds since this follower last heard from the leader; 0 on the leader.
# TYPE phonebalance_raft_last_contact_seconds gauge
phonebalance_raft_last_contact_seconds 1.5
# HELP phonebalance_raft_leader_known 1 when this node knows a leader, else 0.
# TYPE phonebalance_raft_leader_known gauge
phonebalance_raft_leader_known 1
# HELP phonebalance_raft_ready 1 when this node leads and has reconciled its telephony, else 0.
# TYPE phonebalance_raft_ready gauge
phonebalance_raft_ready 0
# HELP phonebalance_raft_term The raft term this node is in; it grows with every election.
# TYPE phonebalance_raft_term gauge
phonebalance_raft_term 7
# HELP phonebalance_raft_voters Voting members in the latest cluster configuration this node knows.
# TYPE phonebalance_raft_voters gauge
phonebalance_raft_voters 3
`
	names := []string{"phonebalance_raft_applied_index", "phonebalance_raft_commit_index", "phonebalance_raft_is_leader",
		"phonebalance_raft_last_contact_seconds", "phonebalance_raft_leader_known", "phonebalance_raft_ready",
		"phonebalance_raft_term", "phonebalance_raft_voters"}
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
}

func TestNodeCollectorNoLeaderAndBuildInfo(t *testing.T) {
	st := replica.Status{State: "Candidate", Term: 9}
	c := NewNodeCollector(func() replica.Status { return st }, nil)
	want := `
# HELP phonebalance_raft_leader_known 1 when this node knows a leader, else 0.
# TYPE phonebalance_raft_leader_known gauge
phonebalance_raft_leader_known 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "phonebalance_raft_leader_known"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(c, "phonebalance_build_info"); n != 1 {
		t.Fatalf("build_info series = %d, want 1", n)
	}
}
