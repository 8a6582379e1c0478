package sip

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/phonebalance/phonebalance/eventlog"
)

// collect reads u's messages until done says it has seen enough.
func (u *ua) collect(what string, done func(msgs []siplib.Message) bool) []siplib.Message {
	u.t.Helper()
	var msgs []siplib.Message
	limit := time.NewTimer(waitLimit)
	defer limit.Stop()
	for !done(msgs) {
		select {
		case m := <-u.in:
			msgs = append(msgs, m)
		case <-limit.C:
			u.t.Fatalf("%s: timed out waiting for %s; got %d messages", u.user, what, len(msgs))
		}
	}
	return msgs
}

func countRequests(msgs []siplib.Message, method siplib.RequestMethod) (n int, last *siplib.Request) {
	for _, m := range msgs {
		if r, ok := m.(*siplib.Request); ok && r.Method == method {
			n++
			last = r
		}
	}
	return n, last
}

// waitLegsDone waits until no teammate leg has an INVITE or CANCEL
// transaction left: a CANCEL still retransmitted keeps its leg running.
func waitLegsDone(t *testing.T, e *env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for e.gw.legsRunning.Load() != 0 {
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("%d legs still running: a CANCEL or INVITE transaction was not ended", e.gw.legsRunning.Load())
		}
	}
}

// A phone whose 200 OK crossed the CANCEL may answer the CANCEL 481 (its
// INVITE transaction completed, RFC 3261 §9.2): the gateway acknowledges
// the 200, and each retransmission of it, and hangs up at once; the
// engine keeps the miss.
func TestLateAnswerCancel481(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	phone, caller, call, inv, branch := ringing(t, e, 600)

	e.mock.Add(30 * time.Second) // the engine's ring timeout: CANCEL
	cancelReq := phone.request(siplib.CANCEL)
	phone.reply(inv, 200, "OK", []byte(phoneSDP))
	phone.reply(cancelReq, 481, "Call/Transaction Does Not Exist", nil)
	ack := phone.request(siplib.ACK)
	listen := strconv.Itoa(int(e.gw.Addr().Port()))
	for _, m := range []*siplib.Request{cancelReq, ack} {
		if _, port, _ := net.SplitHostPort(m.Source()); port != listen {
			t.Errorf("%s came from %s, want the gateway's port %s", m.Method, m.Source(), listen)
		}
	}
	phone.reply(inv, 200, "OK", []byte(phoneSDP)) // a retransmission: ACKed again
	msgs := phone.collect("a second ACK and a BYE", func(msgs []siplib.Message) bool {
		acks, _ := countRequests(msgs, siplib.ACK)
		byes, _ := countRequests(msgs, siplib.BYE)
		return acks >= 1 && byes >= 1
	})
	_, bye := countRequests(msgs, siplib.BYE)
	if bye.CallID().Value() != inv.CallID().Value() {
		t.Fatalf("BYE for another call")
	}
	phone.reply(bye, 200, "OK", nil)
	waitLegsDone(t, e)

	// Rule: AS5
	e.waitEvent("the miss", func(ev eventlog.Event) bool { return ev.Kind == eventlog.CallMissed && ev.Call == call })
	caller.cancel("support", caller.lastCallID(), branch)
	want := "call_placed\ncall_queued\ncall_offered ana\ncall_missed ana\ncall_ended_before_answer stage=queued by=customer\n"
	if got := story(e.waitEnded(call)); got != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}

// A phone that never answers the CANCEL but answers the INVITE 200 gets
// ACK and BYE at once, and the CANCEL is no longer retransmitted once the
// INVITE completed.
func TestLateAnswerCancelUnanswered(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	phone, caller, call, inv, branch := ringing(t, e, 600)

	e.mock.Add(30 * time.Second)
	phone.request(siplib.CANCEL) // never answered
	phone.reply(inv, 200, "OK", []byte(phoneSDP))
	msgs := phone.collect("an ACK and a BYE", func(msgs []siplib.Message) bool {
		acks, _ := countRequests(msgs, siplib.ACK)
		byes, _ := countRequests(msgs, siplib.BYE)
		return acks >= 1 && byes >= 1
	})
	_, bye := countRequests(msgs, siplib.BYE)
	phone.reply(bye, 200, "OK", nil)
	waitLegsDone(t, e) // the CANCEL's retransmissions (timer F: 32 s) stopped

	caller.cancel("support", caller.lastCallID(), branch)
	e.waitEnded(call)
	waitIdle(t, e)
}

// Requests in a dialog leave from the gateway's listening port, even to
// an address that never sent anything to the gateway (here a proxy in
// the dialog's route set; a phone behind NAT accepts nothing else): the
// BYE to the caller when the teammate hangs up, and the ACK and BYE to
// the phone when the caller does.
func TestDialogRequestsFromListener(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	listen := strconv.Itoa(int(e.gw.Addr().Port()))
	fromListener := func(who string, m siplib.Message) {
		t.Helper()
		_, port, err := net.SplitHostPort(m.Source())
		if err != nil || port != listen {
			t.Errorf("%s came from %s, want the gateway's port %s", who, m.Source(), listen)
		}
	}
	phone := newUA(t, e, "ana")
	if code := phone.register("pw-ana", 600); code != 200 {
		t.Fatalf("REGISTER: %d", code)
	}
	e.waitClient("ana", true)
	for _, byCaller := range []bool{false, true} {
		caller := newUA(t, e, "customer")
		proxy := newUA(t, e, "proxy") // in the route set: silent until the gateway sends it a request
		route := "Record-Route: <sip:" + proxy.addr() + ";lr>\n"
		if byCaller {
			caller.invite("support", "call-"+newID(4))
		} else {
			caller.inviteWith("support", "call-"+newID(4), route)
		}
		inv := phone.request(siplib.INVITE)
		fromListener("INVITE", inv)
		res := siplib.NewResponseFromRequest(inv, 200, "OK", []byte(phoneSDP))
		res.To().Params.Add("tag", phone.tag)
		res.AppendHeader(siplib.NewHeader("Content-Type", "application/sdp"))
		res.AppendHeader(&siplib.ContactHeader{Address: siplib.Uri{Scheme: "sip", User: "ana", Host: "127.0.0.1",
			Port: phone.conn.LocalAddr().(*net.UDPAddr).Port}})
		if byCaller {
			res.AppendHeader(siplib.NewHeader("Record-Route", "<sip:"+proxy.addr()+";lr>"))
		}
		phone.sendMsg(res)
		ok := caller.response(siplib.INVITE, 200)
		caller.ackTo(ok)
		e.waitEvent("the answer", func(ev eventlog.Event) bool { return ev.Kind == eventlog.CallAnswered })
		if byCaller {
			fromListener("ACK to the phone", proxy.request(siplib.ACK))
			caller.byeTo(ok)
			caller.response(siplib.BYE, 200)
			bye := proxy.request(siplib.BYE)
			fromListener("BYE to the phone", bye)
			proxy.reply(bye, 200, "OK", nil)
		} else {
			fromListener("ACK to the phone", phone.request(siplib.ACK))
			phone.bye(inv)
			phone.response(siplib.BYE, 200)
			bye := proxy.request(siplib.BYE)
			fromListener("BYE to the caller", bye)
			proxy.reply(bye, 200, "OK", nil)
		}
		waitIdle(t, e)
	}
}
