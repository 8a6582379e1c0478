package sip

import (
	"context"
	"net"
	"strconv"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
)

// callbackConfirmed hangs up a caller who chose to be called back, once
// the confirmation has played. The engine's call stays queued as a
// callback (OpQueueCallback, sent when the key was pressed), keeping its
// place: when a teammate answers it, the gateway dials the caller back
// (see dialback).
func (c *call) callbackConfirmed() {
	c.stopActivity()
	if c.callerUp {
		c.byeCaller()
	}
	c.m.caller.Close()
	c.m.caller = nil
	c.g.log.info("sip: caller chose a callback and keeps their place", "call", c.id)
}

// mediaAnswered connects the answered phone l: the caller's audio is
// bridged to it, or, for a callback, the caller is dialled back first.
func (c *call) mediaAnswered(l *leg) {
	if !l.phoneAnswered() {
		c.end(eventlog.BySystem)
		return
	}
	if c.m.callback {
		c.dialback()
		return
	}
	if err := c.openCallerLeg(); err != nil {
		c.g.log.info("sip: the caller left as the call was answered", "call", c.id, "error", err)
		c.end(leftBy(err))
		return
	}
	c.bridge(l)
}

// dialback calls the customer back through the trunk, as
// sip:<caller user>@<trunk host>, for the teammate who answered.
func (c *call) dialback() {
	var trunk siplib.Uri
	if err := siplib.ParseUri(c.g.media.Trunk, &trunk); err != nil { // checked by New
		c.dialbackFailed("bad trunk URI")
		return
	}
	target := siplib.Uri{Scheme: trunk.Scheme, User: c.callerUser, Host: trunk.Host, Port: trunk.Port, UriParams: trunk.UriParams}
	port := trunk.Port
	if port == 0 {
		port = 5060
	}
	r, err := c.g.newRTPLeg(c.m.peer.Codec, 0)
	if err != nil {
		c.dialbackFailed(err.Error())
		return
	}
	l := &leg{c: c, target: target, dest: net.JoinHostPort(trunk.Host, strconv.Itoa(port)), network: "UDP", customer: true, sipID: newID(16), rtp: r}
	l.offer, err = r.offerSDP(c.m.peer.Codec)
	if err != nil {
		r.Close()
		c.dialbackFailed(err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(c.g.ctx, c.g.media.DialbackTimeout)
	l.ctx, l.cancel = ctx, cancel
	c.m.customer = l
	if !c.g.goTracked(l.run) {
		cancel()
		r.Close()
		return
	}
	c.holdLeg(c.bridged.rtp, false) // the teammate hears music meanwhile
}

// dialbackDone bridges the customer who answered the callback to the
// teammate, or ends the call when the callback did not reach them.
func (c *call) dialbackDone(l *leg, out outcome) {
	if l != c.m.customer {
		if out.kind == outAnswered {
			l.hangup()
		}
		return
	}
	if out.kind != outAnswered {
		c.m.customer = nil
		c.dialbackFailed(out.String())
		return
	}
	if !l.phoneAnswered() || c.bridged == nil {
		c.m.customer = nil
		l.hangup()
		c.dialbackFailed("unusable answer")
		return
	}
	c.m.caller = l.rtp
	c.callerUp = false // the customer's dialog is the leg's, hung up as a leg
	c.bridge(c.bridged)
}

// dialbackFailed logs a callback that did not reach the customer and
// records it (callbackUnreached); the teammate's phone is hung up.
func (c *call) dialbackFailed(why string) {
	c.g.log.warn("sip: callback did not reach the customer", "call", c.id, "customer", c.callerUser, "why", why)
	c.callbackUnreached()
}

// callbackUnreached records in the engine that the callback did not reach
// the customer (OpCallbackUnreached: the call ends by the system, and the
// metrics count a callback not reached) and hangs up every leg.
func (c *call) callbackUnreached() {
	c.finish(assign.Command{Op: assign.OpCallbackUnreached, Call: c.id}, eventlog.BySystem)
}

// String names an outcome for logs.
func (o outcome) String() string {
	switch o.kind {
	case outAnswered:
		return "answered"
	case outRejected:
		return "refused " + strconv.Itoa(o.code)
	case outCanceled:
		return "cancelled"
	}
	if o.err != nil {
		return "failed: " + o.err.Error()
	}
	return "failed"
}
