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
	"github.com/phonebalance/phonebalance/eventlog"
)

// leg is the INVITE from the gateway to one teammate's phone for one call.
// Its goroutine sends the INVITE and waits for the final response; the
// call's goroutine cancels it (the gateway then sends CANCEL) when the
// engine stops the ring.
type leg struct {
	c        *call
	teammate pb.TeammateID
	target   siplib.Uri // the phone's registered Contact
	dest     string     // where the REGISTER came from
	network  string     // the transport it came over
	auto     bool
	sipID    string // this leg's SIP Call-ID
	ctx      context.Context
	cancel   context.CancelFunc

	// Set by run, under g.mu for dlg and dialogID (onBye reads them).
	dlg      *sipgo.DialogClientSession
	dialogID string
	answer   []byte

	// With media: the gateway's RTP leg towards this phone (or customer)
	// and the SDP offer it rings with; nil and empty without media.
	rtp   *rtpLeg
	offer []byte
	// customer marks the leg that dials a caller back (teammate empty).
	customer bool

	hangupOnce sync.Once
}

type outcomeKind uint8

const (
	outAnswered outcomeKind = iota + 1 // 2xx, acknowledged
	outRejected                        // a final response >= 300
	outFailed                          // no response, transport error
	outCanceled                        // the gateway cancelled the ring
)

type outcome struct {
	kind outcomeKind
	code int
	err  error
}

// cause maps a leg's failure to the engine's decline cause: 486 and 600
// are busy, 603 the Decline button (a connectivity decline under
// auto-answer, which has no Decline button), anything else (408, 480,
// 5xx, no response, transport errors) connectivity.
func (o outcome) cause(auto bool) eventlog.DeclineCause {
	if o.kind == outRejected {
		switch o.code {
		case siplib.StatusBusyHere, 600:
			return eventlog.DeclineBusy
		case siplib.StatusGlobalDecline:
			if !auto {
				return eventlog.DeclineButton
			}
		}
	}
	return eventlog.DeclineConnectivity
}

func newLeg(c *call, t pb.TeammateID, b *binding, auto bool) (*leg, error) {
	l := &leg{c: c, teammate: t, target: *b.contact.Clone(), dest: b.source, network: b.network, auto: auto, sipID: newID(16)}
	if c.m != nil {
		r, err := c.g.newRTPLeg(c.m.peer.Codec, 0)
		if err != nil {
			return nil, err
		}
		if l.offer, err = r.offerSDP(c.m.peer.Codec); err != nil {
			r.Close()
			return nil, err
		}
		l.rtp = r
	}
	l.ctx, l.cancel = context.WithCancel(c.g.ctx)
	return l, nil
}

// closeRTP releases the leg's RTP socket, if any.
func (l *leg) closeRTP() {
	if l.rtp != nil {
		l.rtp.Close()
	}
}

// run rings the phone and reports the outcome to the call.
func (l *leg) run() {
	g := l.c.g
	g.legsRunning.Add(1)
	defer g.legsRunning.Add(-1)
	g.mu.Lock()
	g.dialogs[l.sipID] = dialogRef{call: l.c, leg: l}
	g.mu.Unlock()
	out := l.ring()
	if out.kind != outAnswered {
		g.mu.Lock()
		delete(g.dialogs, l.sipID)
		g.mu.Unlock()
		l.closeRTP()
	}
	if out.kind == outFailed {
		g.log.debug("sip: ringing a phone failed", "call", l.c.id, "teammate", l.teammate, "error", out.err)
	}
	if !l.c.post(event{kind: evLegDone, leg: l, out: out}) && out.kind == outAnswered {
		l.hangup()
	}
}

func (l *leg) ring() outcome {
	g, c := l.c.g, l.c
	req := siplib.NewRequest(siplib.INVITE, l.target)
	sd := g.side(l.network)
	if sd == nil {
		return outcome{kind: outFailed, err: fmt.Errorf("sip: no %s listener", l.network)}
	}
	if sd.ln != nil {
		// TCP and TLS: only over the connection the phone opened, which
		// sipgo finds by its remote address; without it sipgo would dial
		// the phone, which a phone behind NAT never accepts.
		conn, err := g.ua.TransportLayer().GetConnection(sd.network, l.dest)
		if err != nil {
			return outcome{kind: outFailed, err: fmt.Errorf("sip: the phone's %s connection is closed", sd.network)}
		}
		_, _ = conn.TryClose() // GetConnection took a reference
	}
	req.SetTransport(sd.network)
	req.SetDestination(l.dest)
	user := c.callerUser
	if user == "" {
		user = "anonymous"
	}
	from := &siplib.FromHeader{DisplayName: c.callerName,
		Address: siplib.Uri{Scheme: "sip", User: user, Host: g.cfg.Domain}, Params: siplib.NewParams()}
	from.Params.Add("tag", siplib.GenerateTagN(16))
	to := &siplib.ToHeader{Address: siplib.Uri{Scheme: "sip", User: string(l.teammate), Host: g.cfg.Domain},
		Params: siplib.NewParams()}
	if l.customer { // a callback: from the team, to the customer
		from.Address.User = string(c.team)
		to.Address = *l.target.Clone()
	}
	callID := siplib.CallIDHeader(l.sipID)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(siplib.NewHeader("X-Phonebalance-Call", string(c.id)))
	if l.auto {
		req.AppendHeader(siplib.NewHeader("Call-Info", "<sip:"+g.cfg.Domain+">;answer-after=0"))
	}
	body := c.offer
	if l.rtp != nil {
		body = l.offer
	}
	if len(body) > 0 {
		req.AppendHeader(siplib.NewHeader("Content-Type", "application/sdp"))
	}
	req.SetBody(body)

	dlg, err := sd.dua.WriteInvite(l.ctx, req)
	if err != nil {
		if l.ctx.Err() != nil {
			return outcome{kind: outCanceled}
		}
		return outcome{kind: outFailed, err: err}
	}
	g.mu.Lock() // onBye reads dlg under g.mu
	l.dlg = dlg
	g.mu.Unlock()
	err = l.waitAnswer(dlg)
	if l.ctx.Err() != nil {
		// Cancelled. A 2xx that crossed the CANCEL (the phone may then
		// have answered the CANCEL 481, or not at all) is acknowledged
		// and hung up at once.
		if err == nil {
			l.ackAndBye()
		}
		return outcome{kind: outCanceled}
	}
	var rej *sipgo.ErrDialogResponse
	switch {
	case err == nil:
		g.mu.Lock() // onBye checks the phone's BYE against it
		l.dialogID = dlg.ID
		g.mu.Unlock()
		if err := dlg.Ack(context.Background()); err != nil {
			return outcome{kind: outFailed, err: err}
		}
		l.answer = dlg.InviteResponse.Body()
		return outcome{kind: outAnswered}
	case errors.As(err, &rej):
		return outcome{kind: outRejected, code: rej.Res.StatusCode}
	}
	return outcome{kind: outFailed, err: err}
}

// waitAnswer waits for the INVITE's final response. The INVITE
// transaction keeps being read while the leg is cancelled: when l.ctx
// ends, a CANCEL goes out (once the phone has answered 1xx, RFC 3261
// §9.1) on a goroutine of its own, and its retransmissions stop as soon
// as the INVITE completes, whatever the CANCEL's fate (a phone may
// answer it 481 once its 2xx is sent, §9.2, or not at all). So a 2xx
// that crosses the CANCEL is returned (nil), for the caller to ACK and
// hang up. A cancelled INVITE that gets no final response within
// 64*T1 of the CANCEL (RFC 3261 §9.1) is abandoned.
func (l *leg) waitAnswer(dlg *sipgo.DialogClientSession) error {
	wait, stop := context.WithCancelCause(context.Background())
	defer stop(nil)
	provisional := make(chan struct{})
	var once sync.Once
	completed := make(chan struct{})
	cancelled := make(chan struct{})
	go func() {
		defer close(cancelled)
		select {
		case <-l.ctx.Done():
		case <-completed:
			return
		}
		select {
		case <-provisional:
		case <-completed:
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 64*siplib.T1)
		defer cancel()
		go func() {
			select {
			case <-completed:
				cancel() // the INVITE completed: stop the CANCEL's retransmissions
			case <-ctx.Done():
			}
		}()
		if res, err := dlg.UA.Client.Do(ctx, cancelRequest(dlg.InviteRequest)); err == nil && res.StatusCode != 200 {
			l.c.g.log.debug("sip: CANCEL refused", "teammate", l.teammate, "code", res.StatusCode)
		}
		select {
		case <-completed:
		case <-ctx.Done():
			// No final response to the cancelled INVITE: abandon it.
			stop(sipgo.WaitAnswerForceCancelErr)
		}
	}()
	err := dlg.WaitAnswer(wait, sipgo.AnswerOptions{OnResponse: func(res *siplib.Response) error {
		if res.IsProvisional() {
			once.Do(func() { close(provisional) })
		}
		return nil
	}})
	close(completed)
	<-cancelled
	return err
}

// cancelRequest is the CANCEL of an INVITE the gateway sent (RFC 3261
// §9.1): its Request-URI, top Via, From, To, Call-ID and CSeq number,
// sent from the same listener to the same destination.
func cancelRequest(inv *siplib.Request) *siplib.Request {
	req := siplib.NewRequest(siplib.CANCEL, *inv.Recipient.Clone())
	req.AppendHeader(siplib.HeaderClone(inv.Via()))
	req.AppendHeader(siplib.HeaderClone(inv.From()))
	req.AppendHeader(siplib.HeaderClone(inv.To()))
	req.AppendHeader(siplib.HeaderClone(inv.CallID()))
	req.AppendHeader(&siplib.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: siplib.CANCEL})
	siplib.CopyHeaders("Route", inv, req)
	req.SetTransport(inv.Transport())
	req.SetDestination(inv.Destination())
	req.Laddr = inv.Laddr
	return req
}

// ackAndBye ends a dialog the phone established after the gateway had
// given up on it: ACK (each retransmission of the 2xx is acknowledged
// too), then BYE.
func (l *leg) ackAndBye() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.dlg.Ack(ctx); err != nil {
		l.c.g.log.debug("sip: ACK to a late answer failed", "teammate", l.teammate, "error", err)
		return
	}
	if err := byePhone(ctx, l.dlg); err != nil {
		l.c.g.log.debug("sip: BYE to a late answer failed", "teammate", l.teammate, "error", err)
	}
	l.c.g.log.info("sip: hung up an answer that came after the ring ended", "call", l.c.id, "teammate", l.teammate)
}

// byePhone sends BYE in a dialog the gateway started, from the listener
// the INVITE left from (a phone behind NAT accepts nothing else), to
// where the 2xx came from.
func byePhone(ctx context.Context, dlg *sipgo.DialogClientSession) error {
	target := dlg.InviteRequest.Recipient
	if c := dlg.InviteResponse.Contact(); c != nil {
		target = c.Address
	}
	bye := siplib.NewRequest(siplib.BYE, *target.Clone())
	bye.Laddr = dlg.InviteRequest.Laddr
	return dlg.WriteBye(ctx, bye)
}

// hangup sends BYE on an answered leg, once, on its own goroutine.
func (l *leg) hangup() {
	l.closeRTP()
	l.hangupOnce.Do(func() {
		g := l.c.g
		g.mu.Lock()
		delete(g.dialogs, l.sipID)
		dlg, answered := l.dlg, l.dialogID != ""
		g.mu.Unlock()
		if dlg == nil || !answered {
			return // never answered: the cancelled INVITE ends it
		}
		bye := func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := byePhone(ctx, dlg); err != nil {
				g.log.debug("sip: BYE to a phone failed", "teammate", l.teammate, "error", err)
			}
		}
		if !g.goTracked(bye) {
			bye()
		}
	})
}
