package sip

import (
	"fmt"
	"strings"
	"testing"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/phonebalance/phonebalance/eventlog"
)

// A request lacking a header field every request must carry gets 400
// naming it (an OPTIONS without Call-ID too); an ACK gets nothing.
func TestMalformedRequests(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	u := newUA(t, e, "customer")
	head := func(method, cseqMethod string, drop string) string {
		lines := []string{
			method + " sip:support@" + testDomain + " SIP/2.0",
			"Via: SIP/2.0/UDP " + u.addr() + ";branch=z9hG4bK" + newID(6),
			"Max-Forwards: 70",
			"From: <sip:customer@" + testDomain + ">;tag=" + u.tag,
			"To: <sip:support@" + testDomain + ">",
			"Call-ID: bad-" + newID(4),
			"CSeq: 1 " + cseqMethod,
			"Content-Length: 0",
		}
		var b strings.Builder
		b.WriteString("\n")
		for _, l := range lines {
			if drop == "" || !strings.HasPrefix(l, drop) {
				b.WriteString(l + "\n")
			}
		}
		return b.String() + "\n"
	}
	for _, c := range []struct {
		name, method, cseq, drop, want string
	}{
		{"OPTIONS without Call-ID", "OPTIONS", "OPTIONS", "Call-ID:", "Call-ID"},
		{"BYE without From", "BYE", "BYE", "From:", "From"},
		{"REGISTER without To", "REGISTER", "REGISTER", "To:", "To"},
		{"INVITE with another CSeq method", "INVITE", "BYE", "", "CSeq"},
	} {
		u.send(head(c.method, c.cseq, c.drop))
		res := u.next(c.name, func(m siplib.Message) bool {
			r, ok := m.(*siplib.Response)
			return ok && r.StatusCode >= 200
		}).(*siplib.Response)
		if res.StatusCode != 400 || !strings.Contains(res.Reason, c.want) {
			t.Errorf("%s: %d %s, want 400 naming %s", c.name, res.StatusCode, res.Reason, c.want)
		}
	}
	// A well-formed OPTIONS still gets 200.
	u.send(head("OPTIONS", "OPTIONS", ""))
	if res := u.finalResponse(siplib.OPTIONS); res.StatusCode != 200 {
		t.Errorf("OPTIONS: %d", res.StatusCode)
	}
}

// An INVITE to a team the engine does not know gets 404 and no 180; an
// INVITE whose application/sdp body is not SDP gets 400, and one
// offering no audio 488, each with a reason, and neither reaches the
// engine or a phone.
func TestInviteRefusedBeforeRinging(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	caller := newUA(t, e, "customer")
	caller.invite("nosuchteam", "call-"+newID(4))
	res := caller.next("a response above 100", func(m siplib.Message) bool {
		r, ok := m.(*siplib.Response)
		return ok && r.StatusCode > 100
	}).(*siplib.Response)
	if res.StatusCode != 404 {
		t.Fatalf("INVITE to an unknown team: first response %d %s, want 404", res.StatusCode, res.Reason)
	}
	caller.send(ackFor(caller, res))

	for _, c := range []struct {
		body string
		code int
	}{
		{"this is not SDP at all\n", 400},
		{"v=0\no=x 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=video 40000 RTP/AVP 96\n", 488},
	} {
		body := strings.ReplaceAll(c.body, "\n", "\r\n")
		callID := "call-" + newID(4)
		caller.send(fmt.Sprintf(`
INVITE sip:support@%[1]s SIP/2.0
Via: SIP/2.0/UDP %[2]s;branch=z9hG4bK%[3]s
Max-Forwards: 70
From: <sip:customer@%[2]s>;tag=%[4]s
To: <sip:support@%[1]s>
Call-ID: %[5]s
CSeq: 1 INVITE
Contact: <sip:customer@%[2]s>
Content-Type: application/sdp
Content-Length: %[6]d

`, testDomain, caller.addr(), newID(6), caller.tag, callID, len(body)) + c.body)
		res := caller.next("the final response to "+callID, func(m siplib.Message) bool {
			r, ok := m.(*siplib.Response)
			return ok && r.StatusCode >= 200 && r.CallID().Value() == callID
		}).(*siplib.Response)
		caller.send(ackFor(caller, res))
		if res.StatusCode != c.code || res.Reason == "" {
			t.Errorf("body %q: %d %q, want %d with a reason", c.body, res.StatusCode, res.Reason, c.code)
		}
	}
	evs, _ := e.snapshot()
	for _, ev := range evs {
		if ev.Kind == eventlog.CallPlaced {
			t.Fatalf("a refused INVITE placed a call:\n%s", dump(evs))
		}
	}
}
