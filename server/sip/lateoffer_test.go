package sip

import (
	"fmt"
	"strings"
	"testing"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// lateInvite sends, as u, an INVITE without SDP to the support team and
// returns the gateway's 200 OK.
func lateInvite(u *ua, callID string) *siplib.Response {
	u.t.Helper()
	u.callID = callID
	u.send(fmt.Sprintf(`
INVITE sip:support@%[1]s SIP/2.0
Via: SIP/2.0/UDP %[2]s;branch=z9hG4bK%[3]s
Max-Forwards: 70
From: "Customer" <sip:%[4]s@%[2]s>;tag=%[5]s
To: <sip:support@%[1]s>
Call-ID: %[6]s
CSeq: 1 INVITE
Contact: <sip:%[4]s@%[2]s>
Content-Length: 0

`, testDomain, u.addr(), newID(6), u.user, u.tag, callID))
	return u.finalResponse(siplib.INVITE)
}

// With media, an INVITE without SDP is a late offer (RFC 3261 §13.2.1):
// the gateway answers 200 OK with its own offer (PCMU, PCMA,
// telephone-event), takes the caller's answer from the ACK, and sends the
// hold audio to the address and in the codec that answer names (PCMA,
// not the PCMU it offered first). The caller's BYE ends the call.
func TestLateOfferAnsweredInTheACK(t *testing.T) {
	t.Parallel() // real time (announcements): run beside the others
	e := mediaEnv(t, map[pb.TeammateID]string{"zoe": "pw-zoe"}, []pb.TeammateID{"zoe"},
		MediaConfig{AnnouncePeriod: 10 * time.Second})
	caller, audio := newUA(t, e, "customer"), newRTPPeer(t)
	res := lateInvite(caller, "late-offer")
	if res.StatusCode != 200 {
		t.Fatalf("late offer: %d %s, want 200", res.StatusCode, res.Reason)
	}
	if offer := string(res.Body()); !strings.Contains(offer, " RTP/AVP 0 8 101\r\n") || !strings.Contains(offer, "s=phonebalanced") {
		t.Fatalf("the gateway's offer:\n%s", offer)
	}
	caller.inDialog("ACK", "sip:support@"+testDomain, 1, res, "v=0\no=customer 1 1 IN IP4 127.0.0.1\ns=phonebalance-caller\nc=IN IP4 127.0.0.1\nt=0 0\n"+
		"m=audio "+audio.port()+" RTP/AVP 8 101\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\n")
	for range 5 {
		if pkt, _ := audio.recv(); pkt.PayloadType != 8 {
			t.Fatalf("hold audio in payload type %d, want 8 (PCMA, the ACK's answer)", pkt.PayloadType)
		}
	}
	ids := waitQueued(t, e, 1)
	caller.inDialog("BYE", "sip:support@"+testDomain, 2, res, "")
	caller.response(siplib.BYE, 200)
	want := "call_placed\ncall_queued\ncall_ended_before_answer stage=queued by=customer\n"
	if got := story(e.waitEnded(ids[0])); got != want {
		t.Fatalf("late offer call:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}

// An ACK that does not answer the gateway's late offer leaves no session
// to carry: the gateway hangs the caller up (BYE) and the call ends.
func TestLateOfferWithoutAnswer(t *testing.T) {
	t.Parallel()
	e := mediaEnv(t, map[pb.TeammateID]string{"zoe": "pw-zoe"}, []pb.TeammateID{"zoe"},
		MediaConfig{AnnouncePeriod: 10 * time.Second})
	caller := newUA(t, e, "customer")
	res := lateInvite(caller, "late-offer-no-answer")
	if res.StatusCode != 200 {
		t.Fatalf("late offer: %d %s, want 200", res.StatusCode, res.Reason)
	}
	caller.inDialog("ACK", "sip:support@"+testDomain, 1, res, "")
	bye := caller.request(siplib.BYE)
	caller.reply(bye, 200, "OK", nil)
	evs := e.waitFor("the call to end", func(evs []eventlog.Event) bool {
		ids := placed(evs)
		if len(ids) != 1 {
			return false
		}
		_, ok := first(callEvents(evs, ids[0]), eventlog.CallEnded, "")
		return ok
	})
	want := "call_placed\ncall_queued\ncall_ended stage=queued by=system\n"
	if got := story(callEvents(evs, placed(evs)[0])); got != want {
		t.Fatalf("late offer call:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}
