package sip

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/media"
)

// call is one caller's call, run by one goroutine (the INVITE handler's)
// that owns everything below mu; the Telephony methods, the BYE handler
// and the teammate legs post events to it.
type call struct {
	g          *Gateway
	id         pb.CallID
	team       pb.TeamID
	sipID      string // the caller's SIP Call-ID
	dlg        *sipgo.DialogServerSession
	tx         siplib.ServerTransaction // the caller's INVITE transaction
	offer      []byte                   // the caller's SDP; nil for a late offer
	callerUser string
	callerName string
	done       chan struct{} // closed when the call's goroutine returns

	mu     sync.Mutex
	inbox  []event
	wake   chan struct{}
	closed bool
	ackSDP []byte // with a late offer, the answer in the caller's ACK

	legs     map[pb.TeammateID]*leg // ringing phones
	bridged  *leg                   // the answered phone
	answered bool                   // the engine took an answer
	final    bool                   // the caller's INVITE has its final response
	callerUp bool                   // the caller's INVITE was answered 200 and not hung up
	ended    bool                   // the engine's call ended, or never began

	m *callMedia // the caller's audio, with Config.Media; else nil
}

type eventKind uint8

const (
	evRing eventKind = iota + 1
	evStop
	evKeepOnly
	evDeflect
	evLegDone
	evCallerBye
	evTeammateBye
)

type event struct {
	kind       eventKind
	teammate   pb.TeammateID
	keep       map[pb.TeammateID]bool
	auto       bool
	deflection eventlog.Deflection
	leg        *leg
	out        outcome
	digit      byte            // evDigit
	rec        media.Recording // evVoicemailDone
	err        error           // evVoicemailDone
	on         bool            // evTeammateHold
	handed     *handedLeg      // evHandover, evHandedBack
	reply      chan error      // evHandover
}

// post queues ev for the call's goroutine; false if the call is over.
func (c *call) post(ev event) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	c.inbox = append(c.inbox, ev)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

func (c *call) take() []event {
	c.mu.Lock()
	defer c.mu.Unlock()
	evs := c.inbox
	c.inbox = nil
	return evs
}

// run answers 100 Trying, submits the arrival, then, with media and the
// call queued, answers 200 OK with the gateway's SDP and plays hold
// music; otherwise (signalling only, or a call the engine deflected as it
// arrived) answers 180 Ringing. It then handles the call's events until
// the call ends.
func (c *call) run() {
	defer c.exit()
	if err := c.dlg.Respond(100, "Trying", nil); err != nil {
		return
	}
	if err := c.g.do(assign.Command{Op: assign.OpArrive, Call: c.id, Team: c.team}); err != nil {
		// Refused before anything rang: no 180 (an unknown team gets
		// its 404 alone).
		code, reason := commandFailure(err)
		c.g.log.info("sip: call refused", "call", c.id, "team", c.team, "error", err)
		c.reject(code, reason)
		c.ended = true
		return
	}
	if c.m != nil && c.queued() {
		if err := c.answerQueued(); err != nil {
			c.g.log.info("sip: answering a queued caller failed", "call", c.id, "error", err)
			if !c.final {
				c.reject(500, "Server Internal Error")
			}
			c.end(leftBy(err))
			return
		}
	} else if err := c.dlg.Respond(180, "Ringing", nil); err != nil {
		c.end(eventlog.ByCustomer)
		return
	}
	var check <-chan time.Time // the engine's end, seen while no phone is bridged
	if c.m != nil {
		tk := c.g.cfg.Clock.Ticker(endCheckPeriod)
		defer tk.Stop()
		check = tk.C
	}
	for !c.ended {
		var gone <-chan struct{}
		if !c.final {
			gone = c.dlg.Context().Done()
		}
		select {
		case <-c.wake:
			for _, ev := range c.take() {
				c.handle(ev)
			}
		case <-gone:
			// The caller cancelled (the transaction layer answered 487)
			// or the INVITE transaction died.
			c.final = true
			c.end(eventlog.ByCustomer)
		case <-check:
			c.endedElsewhere()
		case <-c.g.ctx.Done():
			c.shutdown()
		}
	}
}

// exit unregisters the call and releases whatever it still holds.
func (c *call) exit() {
	c.mu.Lock()
	c.closed = true
	left := c.inbox
	c.inbox = nil
	c.mu.Unlock()
	for _, ev := range left {
		if ev.kind == evLegDone && ev.out.kind == outAnswered {
			ev.leg.hangup()
		}
	}
	for _, l := range c.legs {
		l.cancel()
	}
	c.closeMedia()
	if !c.final {
		c.reject(500, "Server Internal Error")
	}
	g := c.g
	g.mu.Lock()
	delete(g.calls, c.id)
	delete(g.dialogs, c.sipID)
	g.mu.Unlock()
	close(c.done)
}

// reject sends the caller a final non-2xx response. The transaction
// layer retransmits it and absorbs the ACK; the call does not wait.
func (c *call) reject(code int, reason string, hdrs ...siplib.Header) {
	c.final = true
	res := siplib.NewResponseFromRequest(c.dlg.InviteRequest, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := c.tx.Respond(res); err != nil {
		c.g.log.debug("sip: final response to the caller failed", "call", c.id, "error", err)
	}
}

func (c *call) handle(ev event) {
	if c.ended {
		if ev.kind == evLegDone && ev.out.kind == outAnswered {
			ev.leg.hangup()
		}
		if ev.reply != nil {
			ev.reply <- fmt.Errorf("%w: %s has ended", ErrUnknownCall, c.id)
		}
		return
	}
	switch ev.kind {
	case evRing:
		c.ring(ev.teammate, ev.auto)
	case evStop:
		if l := c.legs[ev.teammate]; l != nil {
			l.cancel()
			delete(c.legs, ev.teammate)
		}
	case evKeepOnly:
		for t, l := range c.legs {
			if !ev.keep[t] {
				l.cancel()
				delete(c.legs, t)
			}
		}
	case evDeflect:
		c.deflect(ev.deflection)
	case evLegDone:
		c.legDone(ev.leg, ev.out)
	case evCallerBye:
		c.final = true
		c.callerUp = false
		if c.m != nil && c.m.callback {
			return // keeps its place; dialled back when answered
		}
		if c.m != nil && c.m.voicemail {
			c.m.caller.Close() // the recording ends and is kept
			return
		}
		c.end(eventlog.ByCustomer)
	case evTeammateBye:
		if c.m != nil && ev.leg == c.m.customer {
			c.m.customer = nil
			c.end(eventlog.ByCustomer)
			return
		}
		if ev.leg == c.bridged {
			c.bridged = nil
			c.end(eventlog.ByTeammate)
		}
	case evDigit:
		c.onDigit(ev.digit)
	case evVoicemailDone:
		c.voicemailDone(ev.rec, ev.err)
	case evCallbackConfirmed:
		c.callbackConfirmed()
	case evTeammateHold:
		c.teammateHold(ev.leg, ev.on)
	case evHandover:
		ev.reply <- c.handOver(ev.handed)
	case evHandedBack:
		c.handedBack(ev.handed)
	}
}

// ring starts a leg to teammate's phone, unless one is ringing already
// (Ring is idempotent, for a reconciliation after a change of leader).
func (c *call) ring(t pb.TeammateID, auto bool) {
	if c.answered || c.legs[t] != nil {
		return
	}
	b, ok := c.g.binding(t)
	if !ok {
		if c.g.otherClient(t) {
			return // the other client rings (Config.OtherClient)
		}
		c.decline(t, eventlog.DeclineConnectivity)
		return
	}
	l, err := newLeg(c, t, b, auto)
	if err != nil {
		c.g.log.warn("sip: binding a phone's media failed", "call", c.id, "teammate", t, "error", err)
		c.decline(t, eventlog.DeclineConnectivity)
		return
	}
	c.legs[t] = l
	if !c.g.goTracked(l.run) {
		l.cancel()
		delete(c.legs, t)
	}
}

// legDone takes a leg's outcome to the engine: an answer, or a decline
// with the cause its final response gives.
func (c *call) legDone(l *leg, out outcome) {
	if l.customer {
		c.dialbackDone(l, out)
		return
	}
	current := c.legs[l.teammate] == l
	if current {
		delete(c.legs, l.teammate)
	}
	switch out.kind {
	case outAnswered:
		if !current || c.answered {
			l.hangup()
			return
		}
		if err := c.g.do(assign.Command{Op: assign.OpAnswer, Call: c.id, Teammate: l.teammate}); err != nil {
			// The engine ended this ring first (a miss, a hang-up): the
			// late answer is hung up.
			c.g.log.info("sip: answer refused", "call", c.id, "teammate", l.teammate, "error", err)
			l.hangup()
			return
		}
		c.answered, c.bridged = true, l
		if c.m != nil {
			c.mediaAnswered(l)
			return
		}
		err := c.answerCaller(l.answer)
		c.final = true
		if err != nil {
			c.g.log.info("sip: the caller left as the call was answered", "call", c.id, "error", err)
			c.end(eventlog.ByCustomer)
		}
	case outRejected, outFailed:
		l.closeRTP()
		if current {
			c.decline(l.teammate, out.cause(l.auto))
		}
	}
}

// answerCaller sends 200 OK with the teammate's SDP and waits for the
// caller's ACK.
func (c *call) answerCaller(sdp []byte) error {
	res := siplib.NewResponseFromRequest(c.dlg.InviteRequest, 200, "OK", sdp)
	if len(sdp) > 0 {
		res.AppendHeader(siplib.NewHeader("Content-Type", "application/sdp"))
	}
	c.final = true
	if err := c.dlg.WriteResponse(res); err != nil {
		return err
	}
	c.callerUp = true
	return nil
}

func (c *call) decline(t pb.TeammateID, cause eventlog.DeclineCause) {
	err := c.g.do(assign.Command{Op: assign.OpDecline, Call: c.id, Teammate: t, Decline: cause})
	if err != nil && !errors.Is(err, assign.ErrNotRinging) {
		c.g.log.warn("sip: decline failed", "call", c.id, "teammate", t, "cause", cause.String(), "error", err)
	}
}

// deflect answers the caller with the deflection (a redirect to voicemail,
// or a final response naming the reason) and ends the call.
func (c *call) deflect(why eventlog.Deflection) {
	if c.answered {
		return
	}
	if c.m != nil && c.m.voicemail {
		return // already leaving a message
	}
	if c.m != nil && c.m.callback {
		c.g.log.warn("sip: callback deflected before a teammate answered", "call", c.id, "deflection", why.String())
		c.callbackUnreached()
		return
	}
	if c.m != nil && c.g.media.VoicemailDir != "" && !c.m.voicemail {
		c.deflectToVoicemail()
		return
	}
	if c.final {
		if c.callerUp { // answered with hold music, no voicemail: hang up
			c.end(eventlog.BySystem)
		}
		return
	}
	if uri := c.g.cfg.VoicemailURI; uri != "" {
		c.reject(302, "Moved Temporarily", siplib.NewHeader("Contact", "<"+uri+">"), reasonHeader(302, why))
		if err := c.g.do(assign.Command{Op: assign.OpVoicemail, Call: c.id}); err != nil {
			c.g.log.warn("sip: voicemail failed", "call", c.id, "error", err)
		}
	} else {
		code, reason := deflectResponse(why)
		c.reject(code, reason, reasonHeader(code, why))
	}
	c.end(eventlog.BySystem)
}

// end ends the call in the engine, by, and hangs up every leg.
func (c *call) end(by eventlog.Party) {
	c.finish(assign.Command{Op: assign.OpEndCall, Call: c.id, By: by}, by)
}

// finish submits cmd, a command that ends the call in the engine, and
// hangs up every leg as one ended by by does.
func (c *call) finish(cmd assign.Command, by eventlog.Party) {
	if err := c.g.do(cmd); err != nil &&
		!errors.Is(err, assign.ErrCallEnded) && !errors.Is(err, assign.ErrUnknownCall) {
		c.g.log.warn("sip: ending the call failed", "call", c.id, "op", cmd.Op.String(), "by", by.String(), "error", err)
	}
	c.ended = true
	c.dropLegs()
	if c.m != nil && c.m.customer != nil {
		c.m.customer.cancel()
		if by != eventlog.ByCustomer {
			c.m.customer.hangup()
		}
		c.m.customer = nil
	}
	c.closeMedia()
	if c.callerUp && by != eventlog.ByCustomer {
		c.byeCaller()
	}
}

// dropLegs cancels every leg still ringing and hangs up the bridged one.
func (c *call) dropLegs() {
	for t, l := range c.legs {
		l.cancel()
		delete(c.legs, t)
	}
	if c.bridged != nil {
		c.bridged.hangup()
		c.bridged = nil
	}
}

// byeCaller hangs up the caller's answered leg.
func (c *call) byeCaller() {
	c.callerUp = false
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.g.byeCaller(ctx, c.dlg); err != nil {
		c.g.log.debug("sip: BYE to the caller failed", "call", c.id, "error", err)
	}
}

// shutdown releases the call as the gateway closes, leaving the engine
// as it is.
func (c *call) shutdown() {
	c.ended = true
	c.dropLegs()
	if c.m != nil && c.m.customer != nil {
		c.m.customer.cancel()
		c.m.customer.hangup()
	}
	c.closeMedia()
	if c.callerUp {
		c.byeCaller()
	}
	if !c.final {
		c.reject(503, "Service Unavailable")
	}
}
