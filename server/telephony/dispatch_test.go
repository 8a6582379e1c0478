package telephony_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// failing refuses to ring anyone and records what it was asked.
type failing struct {
	mu    sync.Mutex
	calls []string
}

func (f *failing) add(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

func (f *failing) Ring(ctx context.Context, call pb.CallID, tm pb.TeammateID, _ time.Time, _ bool) error {
	if _, ok := ctx.Deadline(); !ok {
		return errors.New("no deadline")
	}
	f.add("ring " + string(call) + " " + string(tm))
	return errors.New("unreachable")
}
func (f *failing) StopRinging(_ context.Context, call pb.CallID, tm pb.TeammateID) error {
	f.add("stop " + string(call) + " " + string(tm))
	return nil
}
func (f *failing) Deflect(_ context.Context, call pb.CallID, _ pb.TeamID, why eventlog.Deflection) error {
	f.add("deflect " + string(call) + " " + why.String())
	return nil
}
func (f *failing) ReassignReplies(_ context.Context, tm pb.TeammateID) error {
	f.add("reassign " + string(tm))
	return nil
}

// doer records the commands the dispatcher submits.
type doer struct{ cmds []assign.Command }

func (d *doer) Do(_ context.Context, ws replica.WorkspaceID, cmd assign.Command) (assign.Ready, error) {
	if ws != "ws" {
		return assign.Ready{}, errors.New("wrong workspace")
	}
	d.cmds = append(d.cmds, cmd)
	return assign.Ready{}, assign.ErrNotRinging
}

// Effects run in order, each with a deadline; a ring that fails becomes a
// connectivity decline for that teammate in the delivery's workspace.
//
// Rule: AS6
func TestDispatcherRunsEffectsInOrder(t *testing.T) {
	tel, d := &failing{}, &doer{}
	disp := telephony.NewDispatcher(telephony.DispatcherConfig{Telephony: tel,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer disp.Close()
	disp.SetDoer(d)
	disp.Deliver(replica.Delivery{Workspace: "ws", Index: 7, Effects: []assign.Effect{
		{Kind: assign.StopRinging, Call: "c1", Teammate: "ana"},
		{Kind: assign.Ring, Call: "c1", Teammate: "ben"},
		{Kind: assign.Deflect, Call: "c2", Team: "support", Deflection: eventlog.DeflectQueueFull},
		{Kind: assign.ReassignReplies, Teammate: "ben"},
	}})
	want := []string{"stop c1 ana", "ring c1 ben", "deflect c2 queue_full", "reassign ben"}
	if len(tel.calls) != len(want) {
		t.Fatalf("telephony saw %v", tel.calls)
	}
	for i := range want {
		if tel.calls[i] != want[i] {
			t.Fatalf("telephony saw %v, want %v", tel.calls, want)
		}
	}
	if len(d.cmds) != 1 || d.cmds[0].Op != assign.OpDecline || d.cmds[0].Teammate != "ben" ||
		d.cmds[0].Decline != eventlog.DeclineConnectivity {
		t.Fatalf("submitted %+v", d.cmds)
	}
}

// Closed without a Telephony, a held delivery is dropped, not stuck.
func TestClosedDispatcherDropsHeldDeliveries(t *testing.T) {
	disp := telephony.NewDispatcher(telephony.DispatcherConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan struct{})
	go func() {
		disp.Deliver(replica.Delivery{Workspace: "ws", Effects: []assign.Effect{{Kind: assign.Ring, Call: "c", Teammate: "t"}}})
		close(done)
	}()
	disp.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the held delivery is stuck")
	}
	if disp.Telephony() != nil {
		t.Fatal("a Telephony appeared")
	}
}

// reconciling is a Telephony that matches its rings to a list at once.
type reconciling struct {
	failing
	lists [][]assign.Effect
}

func (r *reconciling) Reconcile(_ context.Context, rings []assign.Effect) error {
	r.lists = append(r.lists, rings)
	return nil
}

// After a change of leader, a Reconciler gets the whole list of rings,
// even an empty one; ordinary deliveries still go effect by effect.
func TestReconcileDelivery(t *testing.T) {
	tel := &reconciling{}
	disp := telephony.NewDispatcher(telephony.DispatcherConfig{Telephony: tel,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer disp.Close()
	disp.Deliver(replica.Delivery{Workspace: "ws", Reconcile: true})
	disp.Deliver(replica.Delivery{Workspace: "ws", Reconcile: true, Effects: []assign.Effect{
		{Kind: assign.Ring, Call: "c1", Teammate: "ana"}}})
	disp.Deliver(replica.Delivery{Workspace: "ws", Effects: []assign.Effect{
		{Kind: assign.StopRinging, Call: "c1", Teammate: "ana"}}})
	if len(tel.lists) != 2 || len(tel.lists[0]) != 0 || len(tel.lists[1]) != 1 || tel.lists[1][0].Teammate != "ana" {
		t.Fatalf("reconciled %+v", tel.lists)
	}
	if len(tel.calls) != 1 || tel.calls[0] != "stop c1 ana" {
		t.Fatalf("effects %v", tel.calls)
	}
}
