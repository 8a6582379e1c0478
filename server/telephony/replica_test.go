package telephony_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// openLeader opens a one-node replica on dir and waits until it leads
// and has handed its reconciliation to the dispatcher.
func openLeader(t *testing.T, dir string, deliver func(replica.Delivery)) *replica.Node {
	t.Helper()
	node, err := replica.Open(replica.Config{Dir: dir, Engine: assign.DefaultConfig(), Logger: quiet(), Deliver: deliver})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = node.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), failBound)
	defer cancel()
	for !node.IsLeader() {
		select {
		case <-node.LeaderCh():
		case <-ctx.Done():
			t.Fatal("no leader")
		}
	}
	if err := node.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	return node
}

// The defect of a leader change: the former leader committed a call's
// end and another call's ring but died before carrying them out. The new
// leader's reconciliation stops the ring that the state no longer implies
// and starts the one it implies, with a Telephony that is not a
// Reconciler, on a real replica restarted on its data.
func TestLeaderChangeStopsAndStarts(t *testing.T) {
	dir := t.TempDir()
	tel := &recorder{}
	disp, _ := newDispatcher(t, tel, 0)
	var crashed atomic.Bool // the former leader delivers nothing more
	first := openLeader(t, dir, func(dl replica.Delivery) {
		if !crashed.Load() {
			disp.Deliver(dl)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), failBound)
	defer cancel()
	online := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	for _, cmd := range []assign.Command{
		{Op: assign.OpAddTeam, Team: "support", Name: "Support"},
		{Op: assign.OpAddTeammate, Teammate: "ana", Name: "Ana", Presence: online},
		{Op: assign.OpAddMember, Team: "support", Teammate: "ana"},
		{Op: assign.OpArrive, Call: "c1", Team: "support"},
	} {
		if _, err := first.Do(ctx, "ws", cmd); err != nil {
			t.Fatalf("%v: %v", cmd.Op, err)
		}
	}
	if err := first.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	settle(t, disp)
	if got := tel.got(); !slices.Equal(got, []string{"ring c1 ana"}) {
		t.Fatalf("before the crash: %v", got)
	}

	crashed.Store(true)
	for _, cmd := range []assign.Command{
		{Op: assign.OpEndCall, Call: "c1", By: eventlog.ByCustomer}, // StopRinging c1 ana, never carried out
		{Op: assign.OpArrive, Call: "c2", Team: "support"},          // Ring c2 ana, never carried out
	} {
		if _, err := first.Do(ctx, "ws", cmd); err != nil {
			t.Fatalf("%v: %v", cmd.Op, err)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	openLeader(t, dir, disp.Deliver)
	settle(t, disp)
	got := tel.got()[1:]
	slices.Sort(got)
	if want := []string{"ring c2 ana", "stop_ringing c1 ana"}; !slices.Equal(got, want) {
		t.Fatalf("the new leader's reconciliation did %v, want %v", got, want)
	}
	var _ telephony.Telephony = tel
}
