package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"

	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
)

var _ telephony.Reconciler = (*Gateway)(nil)

// Execute carries out one of the engine's effects for the gateway's
// workspace (telephony.Telephony). It returns at once: the SIP work runs
// on the call's goroutine, and the phone's answer or refusal reaches the
// engine as Answer or Decline from the gateway's goroutines.
//
//   - Ring sends an INVITE carrying the caller's SDP to the teammate's
//     contact registered or refreshed last, over its transport. A
//     teammate without a registration whose phone client is open
//     elsewhere (Config.OtherClient: the inbox page) is not rung; the
//     Ring returns nil and is that client's. The ring has no SIP deadline: Until is the
//     engine's, and its StopRinging ends the ring. With AutoAnswer the
//     INVITE asks the phone to answer by itself (Call-Info:
//     answer-after=0). A Ring for a call and teammate already ringing does
//     nothing. It fails with ErrNotRegistered when the teammate has no
//     registration (nor another client) and ErrUnknownCall when the gateway does not carry the
//     call (the dispatcher then declines for connectivity), except for a
//     call of the gateway's whose caller was lost in a restart: the
//     gateway ends that call instead, and returns nil (unless closed).
//   - StopRinging sends CANCEL to the ringing phone (once it has answered
//     1xx); an answer that crosses the CANCEL is acknowledged and hung up.
//     It returns nil for a call or ring the gateway no longer has.
//   - Deflect answers the waiting caller with a final response naming why
//     (486 for a full queue, 480 when nobody is online or the team or
//     workspace is closed, 408 after the hold limit, with a Reason
//     header), or redirects it to Config.VoicemailURI (302), and ends the
//     call in the engine. It fails with ErrUnknownCall for a call the
//     gateway does not carry.
//   - ReassignReplies does nothing: replies live in the inbox, not in SIP.
//
// An effect of another workspace fails with ErrUnknownCall. Safe for
// concurrent use.
func (g *Gateway) Execute(ctx context.Context, ef telephony.Effect) error {
	if ef.Workspace != g.cfg.Workspace {
		return fmt.Errorf("%w: workspace %s is not the gateway's", ErrUnknownCall, ef.Workspace)
	}
	switch ef.Kind {
	case assign.Ring:
		return g.ring(ef.Call, ef.Teammate, ef.AutoAnswer)
	case assign.StopRinging:
		if c := g.lookupCall(ef.Call); c != nil {
			c.post(event{kind: evStop, teammate: ef.Teammate})
		}
		return nil
	case assign.Deflect:
		c := g.lookupCall(ef.Call)
		if c == nil || !c.post(event{kind: evDeflect, deflection: ef.Deflection}) {
			return fmt.Errorf("%w: %s", ErrUnknownCall, ef.Call)
		}
		return nil
	case assign.ReassignReplies:
		return nil
	}
	return fmt.Errorf("sip: unknown effect %v", ef.Kind)
}

// ring starts ringing teammate's phone for call (see Execute).
func (g *Gateway) ring(call pb.CallID, teammate pb.TeammateID, auto bool) error {
	g.mu.Lock()
	c, closed := g.calls[call], g.closed
	g.mu.Unlock()
	if c == nil {
		if !closed && strings.HasPrefix(string(call), callIDPrefix) {
			g.endOrphan(call) // a call of ours whose caller is gone
			return nil
		}
		return fmt.Errorf("%w: %s", ErrUnknownCall, call)
	}
	if _, ok := g.binding(teammate); !ok {
		if g.otherClient(teammate) {
			return nil // the ring is the other client's (Config.OtherClient)
		}
		return fmt.Errorf("%w: %s", ErrNotRegistered, teammate)
	}
	if !c.post(event{kind: evRing, teammate: teammate, auto: auto}) {
		return fmt.Errorf("%w: %s has ended", ErrUnknownCall, call)
	}
	return nil
}

// otherClient reports Config.OtherClient(teammate), false without it.
func (g *Gateway) otherClient(teammate pb.TeammateID) bool {
	return g.cfg.OtherClient != nil && g.cfg.OtherClient(teammate)
}

// Reconcile makes the gateway's rings match rings, every ring the engine
// implies after a change of leader (telephony.Reconciler): each call the
// gateway carries stops ringing the phones rings does not name for it,
// then each listed ring starts unless it rings already. Rings it cannot
// place (ErrNotRegistered, or a call the gateway does not carry) come
// back in a *telephony.UnplacedError, for the dispatcher to decline. It
// returns at once; rings of another workspace are not the gateway's, so
// it does nothing for them. Safe for concurrent use.
func (g *Gateway) Reconcile(ctx context.Context, ws replica.WorkspaceID, rings []telephony.Ring) error {
	if ws != g.cfg.Workspace {
		return nil
	}
	keep := make(map[pb.CallID]map[pb.TeammateID]bool)
	for _, r := range rings {
		if keep[r.Call] == nil {
			keep[r.Call] = make(map[pb.TeammateID]bool)
		}
		keep[r.Call][r.Teammate] = true
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
	var unplaced []telephony.Ring
	var errs []error
	for _, r := range rings {
		if err := g.ring(r.Call, r.Teammate, r.AutoAnswer); err != nil {
			unplaced = append(unplaced, r)
			errs = append(errs, err)
		}
	}
	if len(unplaced) > 0 {
		return &telephony.UnplacedError{Rings: unplaced, Err: errors.Join(errs...)}
	}
	return nil
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
	c := ref.call
	if c.m != nil && c.m.late && req.CSeq() != nil && req.CSeq().SeqNo == c.dlg.InviteRequest.CSeq().SeqNo && isSDP(req.ContentType()) {
		c.setAckSDP(req.Body()) // the answer to a late offer, before ReadAck confirms the dialog
	}
	if err := c.dlg.ReadAck(req, tx); err != nil {
		g.log.debug("sip: ACK not matched", "call", c.id, "error", err)
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
