package sip

import (
	"context"
	"errors"
	"strings"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
)

// After a restart the gateway holds no registration and no SIP dialog.
// The engine's state survived; what it says about SIP is made true again:
// phone clients it shows open close until their phones re-register, and
// calls the gateway carried, whose callers' dialogs are gone, end.

// closeStaleClients closes the phone client of every configured teammate
// the engine shows open while this gateway holds no registration for them:
// registrations are not replicated, they are re-learned.
func (g *Gateway) closeStaleClients(ctx context.Context) {
	var stale []pb.TeammateID
	err := g.cfg.Node.View(g.cfg.Workspace, func(e *assign.Engine) {
		for id := range g.cfg.Users {
			if v, ok := e.Teammate(id); ok && v.Presence.ClientOpen {
				stale = append(stale, id)
			}
		}
	})
	if err != nil && !errors.Is(err, replica.ErrUnknownWorkspace) {
		g.log.warn("sip: reading phone clients at start failed", "error", err)
	}
	g.regMu.Lock()
	defer g.regMu.Unlock()
	for _, id := range stale {
		if _, ok := g.binding(id); ok || ctx.Err() != nil {
			continue
		}
		if err := g.do(assign.Command{Op: assign.OpSetClient, Teammate: id, Open: false}); err != nil {
			g.log.warn("sip: closing a stale phone client failed", "teammate", id, "error", err)
		}
	}
}

// endOrphanCalls ends, by the system, every call of the gateway's (by
// its ID) that the engine has not ended and the gateway does not carry:
// its caller's dialog was lost with the process that carried it.
func (g *Gateway) endOrphanCalls(ctx context.Context) {
	var orphans []pb.CallID
	err := g.cfg.Node.View(g.cfg.Workspace, func(e *assign.Engine) {
		for _, c := range e.Snapshot().Calls {
			if !c.Ended && strings.HasPrefix(string(c.ID), callIDPrefix) && !g.Carries(c.ID) {
				orphans = append(orphans, c.ID)
			}
		}
	})
	if err != nil && !errors.Is(err, replica.ErrUnknownWorkspace) {
		g.log.warn("sip: reading calls at start failed", "error", err)
	}
	for _, id := range orphans {
		if ctx.Err() != nil {
			return
		}
		g.endOrphan(id)
	}
}

// endOrphan ends a call of the gateway's that it no longer carries. A
// callback is recorded as not reached: the number to call back was lost
// with the process that carried it.
func (g *Gateway) endOrphan(id pb.CallID) {
	cmd := assign.Command{Op: assign.OpEndCall, Call: id, By: eventlog.BySystem}
	_ = g.cfg.Node.View(g.cfg.Workspace, func(e *assign.Engine) {
		if v, ok := e.Call(id); ok && v.Callback {
			cmd = assign.Command{Op: assign.OpCallbackUnreached, Call: id}
		}
	})
	err := g.do(cmd)
	if err != nil && !errors.Is(err, assign.ErrCallEnded) && !errors.Is(err, assign.ErrUnknownCall) {
		g.log.warn("sip: ending an orphaned call failed", "call", id, "error", err)
		return
	}
	if cmd.Op == assign.OpCallbackUnreached {
		g.log.warn("sip: callback did not reach the customer", "call", id, "why", "the number was lost with a restart")
		return
	}
	g.log.info("sip: ended a call whose caller was lost", "call", id)
}
