package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
)

// Ring sends an INVITE carrying the caller's SDP to teammate's registered
// phone, for call. It returns at once; the phone's answer or refusal
// reaches the engine as Answer or Decline from the gateway's goroutines.
// The ring has no SIP deadline: until is the engine's, and the engine's
// StopRinging ends it. With autoAnswer the INVITE asks the phone to answer
// by itself (Call-Info: answer-after=0). Ring is idempotent for the same
// call and teammate. It fails with ErrNotRegistered when the teammate has
// no registration and ErrUnknownCall when the gateway does not carry the
// call; the dispatcher then declines for connectivity.
func (g *Gateway) Ring(ctx context.Context, call pb.CallID, teammate pb.TeammateID, until time.Time, autoAnswer bool) error {
	c := g.lookupCall(call)
	if c == nil {
		return fmt.Errorf("%w: %s", ErrUnknownCall, call)
	}
	if _, ok := g.binding(teammate); !ok {
		return fmt.Errorf("%w: %s", ErrNotRegistered, teammate)
	}
	if !c.post(event{kind: evRing, teammate: teammate, auto: autoAnswer}) {
		return fmt.Errorf("%w: %s has ended", ErrUnknownCall, call)
	}
	return nil
}

// StopRinging cancels the ring of teammate's phone for call: the gateway
// sends CANCEL (once the phone has answered 1xx). An answer that crosses
// the CANCEL is acknowledged and hung up. It returns at once, and nil for
// a call or ring the gateway no longer has.
func (g *Gateway) StopRinging(ctx context.Context, call pb.CallID, teammate pb.TeammateID) error {
	if c := g.lookupCall(call); c != nil {
		c.post(event{kind: evStop, teammate: teammate})
	}
	return nil
}

// Deflect answers the waiting caller with a final response naming why
// (486 for a full queue, 480 when nobody is online or the team or
// workspace is closed, 408 after the hold limit, with a Reason header),
// or redirects it to Config.VoicemailURI (302), and ends the call in the
// engine. It returns at once.
func (g *Gateway) Deflect(ctx context.Context, call pb.CallID, team pb.TeamID, why eventlog.Deflection) error {
	c := g.lookupCall(call)
	if c == nil || !c.post(event{kind: evDeflect, deflection: why}) {
		return fmt.Errorf("%w: %s", ErrUnknownCall, call)
	}
	return nil
}

// ReassignReplies does nothing: replies live in the inbox, not in SIP.
func (g *Gateway) ReassignReplies(ctx context.Context, teammate pb.TeammateID) error { return nil }

// Deliver carries out a replica delivery for the gateway's workspace, for
// a host that wires [replica.Config.Deliver] to the gateway directly
// instead of through a dispatcher: each effect runs through the Telephony
// methods, a Ring that fails for want of a registration becomes a
// connectivity decline, and a reconciliation (after gaining leadership)
// rings the listed phones and stops every other ring. A Ring for a call
// of the gateway's that it no longer carries (its caller was lost in a
// restart) ends the call; other effects for calls the gateway does not
// carry are logged and skipped.
func (g *Gateway) Deliver(d replica.Delivery) {
	if d.Workspace != g.cfg.Workspace {
		return
	}
	ctx := context.Background()
	if d.Reconcile {
		g.reconcile(ctx, d.Effects)
		return
	}
	for _, ef := range d.Effects {
		var err error
		switch ef.Kind {
		case assign.Ring:
			err = g.Ring(ctx, ef.Call, ef.Teammate, ef.Until, ef.AutoAnswer)
			if errors.Is(err, ErrNotRegistered) {
				if derr := g.do(assign.Command{Op: assign.OpDecline, Call: ef.Call, Teammate: ef.Teammate,
					Decline: eventlog.DeclineConnectivity}); derr != nil && !errors.Is(derr, assign.ErrNotRinging) {
					g.log.warn("sip: decline failed", "call", ef.Call, "teammate", ef.Teammate, "error", derr)
				}
				err = nil
			}
			if errors.Is(err, ErrUnknownCall) && strings.HasPrefix(string(ef.Call), callIDPrefix) {
				g.endOrphan(ef.Call) // a call of ours whose caller is gone
				err = nil
			}
		case assign.StopRinging:
			err = g.StopRinging(ctx, ef.Call, ef.Teammate)
		case assign.Deflect:
			err = g.Deflect(ctx, ef.Call, ef.Team, ef.Deflection)
		case assign.ReassignReplies:
			err = g.ReassignReplies(ctx, ef.Teammate)
		}
		if err != nil {
			g.log.info("sip: effect skipped", "effect", ef.Kind.String(), "call", ef.Call, "error", err)
		}
	}
}

// reconcile makes the rings match rings, the Ring effects of every call
// ringing in the engine.
func (g *Gateway) reconcile(ctx context.Context, rings []assign.Effect) {
	keep := make(map[pb.CallID]map[pb.TeammateID]bool)
	for _, ef := range rings {
		if ef.Kind != assign.Ring {
			continue
		}
		if keep[ef.Call] == nil {
			keep[ef.Call] = make(map[pb.TeammateID]bool)
		}
		keep[ef.Call][ef.Teammate] = true
	}
	g.mu.Lock()
	calls := make([]*call, 0, len(g.calls))
	for _, c := range g.calls {
		calls = append(calls, c)
	}
	g.mu.Unlock()
	for _, c := range calls {
		c.post(event{kind: evKeepOnly, keep: keep[c.id]})
	}
	g.Deliver(replica.Delivery{Workspace: g.cfg.Workspace, Effects: rings})
}

// onAck confirms a caller's dialog (the ACK to our 2xx).
func (g *Gateway) onAck(req *siplib.Request, tx siplib.ServerTransaction) {
	ref, ok := g.dialog(req)
	if !ok || ref.leg != nil {
		return
	}
	if id, err := siplib.DialogIDFromRequestUAS(req); err != nil || id != ref.call.dlg.ID {
		return // not the caller's dialog: a forged or stray ACK
	}
	if err := ref.call.dlg.ReadAck(req, tx); err != nil {
		g.log.debug("sip: ACK not matched", "call", ref.call.id, "error", err)
	}
}

// onBye answers a BYE from the caller or a bridged phone and tells the
// call, which ends it in the engine and hangs up the other side.
func (g *Gateway) onBye(req *siplib.Request, tx siplib.ServerTransaction) {
	ref, ok := g.dialog(req)
	if !ok {
		g.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	if ref.leg == nil {
		if id, err := siplib.DialogIDFromRequestUAS(req); err != nil || id != ref.call.dlg.ID {
			g.respond(req, tx, 481, "Call/Transaction Does Not Exist")
			return
		}
		if err := ref.call.dlg.ReadBye(req, tx); err != nil {
			g.respond(req, tx, 481, "Call/Transaction Does Not Exist")
			return
		}
		ref.call.post(event{kind: evCallerBye})
		return
	}
	l := ref.leg
	g.mu.Lock()
	dlg, dialogID := l.dlg, l.dialogID
	g.mu.Unlock()
	if id, err := siplib.DialogIDFromRequestUAC(req); dlg == nil || err != nil || id != dialogID {
		g.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	if err := dlg.ReadBye(req, tx); err != nil {
		g.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	g.mu.Lock()
	delete(g.dialogs, l.sipID)
	g.mu.Unlock()
	l.hangupOnce.Do(func() {}) // the phone hung up: nothing left to BYE
	ref.call.post(event{kind: evTeammateBye, leg: l})
}

func (g *Gateway) dialog(req *siplib.Request) (dialogRef, bool) {
	id := req.CallID()
	if id == nil {
		return dialogRef{}, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	ref, ok := g.dialogs[id.Value()]
	return ref, ok
}
