package demo

import (
	"context"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
)

// The Demo is also a telephony for the server's effect dispatcher (the
// method set of server/telephony.Telephony): set as the server's
// Telephony, it receives each effect through these methods instead of
// Deliver, so a host needs no extra hook. Each method only queues the
// effect for Run's loop and returns nil at once; Ring is idempotent and
// Reconcile takes a new leader's whole list of rings, as the dispatcher
// needs after a change of leader. They are safe for concurrent use.

// Ring rings a simulated teammate's phone: they will answer, decline or
// let it ring until until. Rings for teammates who are not the demo's are
// left to time out.
func (d *Demo) Ring(_ context.Context, call pb.CallID, teammate pb.TeammateID, until time.Time, autoAnswer bool) error {
	d.effect(assign.Effect{Kind: assign.Ring, Call: call, Teammate: teammate, Until: until, AutoAnswer: autoAnswer})
	return nil
}

// StopRinging stops a simulated teammate's phone.
func (d *Demo) StopRinging(_ context.Context, call pb.CallID, teammate pb.TeammateID) error {
	d.effect(assign.Effect{Kind: assign.StopRinging, Call: call, Teammate: teammate})
	return nil
}

// Deflect sends a deflected demo call to voicemail, where the caller
// leaves a message.
func (d *Demo) Deflect(_ context.Context, call pb.CallID, team pb.TeamID, why eventlog.Deflection) error {
	d.effect(assign.Effect{Kind: assign.Deflect, Call: call, Team: team, Deflection: why})
	return nil
}

// Reconcile matches the simulated phones to a new leader's list of rings
// (server/telephony.Reconciler): teammates forget rings the list does not
// name and take up those it names that they did not know.
func (d *Demo) Reconcile(_ context.Context, rings []assign.Effect) error {
	d.Deliver(replica.Delivery{Workspace: d.cfg.Workspace, Reconcile: true, Effects: rings})
	return nil
}

// ReassignReplies does nothing: the demo's teammates have no other
// conversations.
func (d *Demo) ReassignReplies(context.Context, pb.TeammateID) error { return nil }

// effect queues one effect as a delivery of its own.
func (d *Demo) effect(ef assign.Effect) {
	d.Deliver(replica.Delivery{Workspace: d.cfg.Workspace, Effects: []assign.Effect{ef}})
}
