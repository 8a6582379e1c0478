package sip

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
)

const phoneSDP = "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=phonebalance-phone\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n"

// ringing registers ana's phone, places a call from a caller to support,
// and returns both user agents, the call's ID and the INVITE ana's phone
// received (after answering it 180).
func ringing(t *testing.T, e *env, expires int) (phone, caller *ua, call pb.CallID, inv *siplib.Request, branch string) {
	t.Helper()
	phone = newUA(t, e, "ana")
	if code := phone.register("pw-ana", expires); code != 200 {
		t.Fatalf("REGISTER: %d", code)
	}
	e.waitClient("ana", true)
	caller = newUA(t, e, "customer")
	branch = caller.invite("support", "call-"+newID(4))
	caller.response(siplib.INVITE, 180)
	inv = phone.request(siplib.INVITE)
	if !strings.Contains(string(inv.Body()), "s=phonebalance-caller") {
		t.Fatalf("the phone's INVITE does not carry the caller's SDP:\n%s", inv.Body())
	}
	phone.reply(inv, 180, "Ringing", nil)
	ev := e.waitEvent("the call offered to ana", func(ev eventlog.Event) bool {
		return ev.Kind == eventlog.CallOffered && ev.Teammate == "ana"
	})
	return phone, caller, ev.Call, inv, branch
}

func anaEnv(t *testing.T, ring time.Duration, tune func(*Config)) *env {
	return newEnv(t, envOptions{mock: true, ringTimeout: ring, team: "support",
		teammates: []pb.TeammateID{"ana"}, users: map[pb.TeammateID]string{"ana": "pw-ana"}, tune: tune})
}

// A phone that answers after the engine's ring timeout sent CANCEL gets
// ACK then BYE, and the engine keeps the miss.
func TestLateAnswerAfterCancel(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	phone, caller, call, inv, branch := ringing(t, e, 600)

	e.mock.Add(30 * time.Second) // the engine's ring timeout
	cancel := phone.request(siplib.CANCEL)
	phone.reply(cancel, 200, "OK", nil)
	phone.reply(inv, 200, "OK", []byte(phoneSDP)) // crosses the CANCEL
	ack := phone.request(siplib.ACK)
	bye := phone.request(siplib.BYE)
	if ack.CallID().Value() != inv.CallID().Value() || bye.CallID().Value() != inv.CallID().Value() {
		t.Fatalf("ACK and BYE are not for the phone's call")
	}
	phone.reply(bye, 200, "OK", nil)

	// Rule: AS5
	missed := e.waitEvent("the miss", func(ev eventlog.Event) bool {
		return ev.Kind == eventlog.CallMissed && ev.Call == call
	})
	evs, _ := e.snapshot()
	offered, _ := first(callEvents(evs, call), eventlog.CallOffered, "ana")
	if !missed.At.Equal(offered.At.Add(30 * time.Second)) {
		t.Errorf("missed at %v, want exactly 30 s after the offer at %v", missed.At, offered.At)
	}
	caller.cancel("support", caller.lastCallID(), branch)
	want := "call_placed\ncall_queued\ncall_offered ana\ncall_missed ana\ncall_ended_before_answer stage=queued by=customer\n"
	if got := story(e.waitEnded(call)); got != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}

// The caller hanging up while a phone rings ends the call and CANCELs the
// phone.
func TestCallerCancelWhileRinging(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	phone, caller, call, inv, branch := ringing(t, e, 600)

	caller.cancel("support", caller.lastCallID(), branch)
	cancel := phone.request(siplib.CANCEL)
	phone.reply(cancel, 200, "OK", nil)
	phone.reply(inv, 487, "Request Terminated", nil)
	phone.request(siplib.ACK)

	// Rule: LC2
	want := "call_placed\ncall_queued\ncall_offered ana\ncall_ended_before_answer stage=ringing by=customer\n"
	if got := story(e.waitEnded(call)); got != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}

// A registration that expires, on the engine's clock, while its phone
// rings closes the client: a connectivity decline, and CANCEL to the phone.
func TestRegistrationExpiresWhileRinging(t *testing.T) {
	e := anaEnv(t, 5*time.Minute, nil)
	regAt := e.mock.Now()
	phone, caller, call, inv, branch := ringing(t, e, 60)

	e.mock.Add(60 * time.Second)
	cancel := phone.request(siplib.CANCEL)
	phone.reply(cancel, 200, "OK", nil)
	phone.reply(inv, 487, "Request Terminated", nil)
	phone.request(siplib.ACK)

	// Rule: PR3
	closed := e.waitEvent("ana's client closed", func(ev eventlog.Event) bool {
		return ev.Kind == eventlog.ClientChanged && ev.Teammate == "ana" && !ev.ClientActive
	})
	if !closed.At.Equal(regAt.Add(60 * time.Second)) {
		t.Errorf("client closed at %v, want at the registration's expiry %v", closed.At, regAt.Add(60*time.Second))
	}
	caller.cancel("support", caller.lastCallID(), branch)
	want := "call_placed\ncall_queued\ncall_offered ana\ncall_declined ana connectivity\ncall_ended_before_answer stage=queued by=customer\n"
	if got := story(e.waitEnded(call)); got != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}

// An answered call is bridged (each side gets the other's SDP) and a BYE
// from the phone ends it by the teammate and hangs up the caller.
func TestAnswerBridgesAndTeammateHangsUp(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	phone, caller, call, inv, _ := ringing(t, e, 600)

	phone.reply(inv, 200, "OK", []byte(phoneSDP))
	phone.request(siplib.ACK)
	ok := caller.response(siplib.INVITE, 200)
	if !strings.Contains(string(ok.Body()), "s=phonebalance-phone") {
		t.Fatalf("the caller's 200 OK does not carry the phone's SDP:\n%s", ok.Body())
	}
	caller.ackTo(ok)
	e.waitEvent("the answer", func(ev eventlog.Event) bool { return ev.Kind == eventlog.CallAnswered })

	// A BYE with another tag is not the phone's dialog: refused, the
	// call goes on.
	tag := phone.tag
	phone.tag = "forged"
	phone.bye(inv)
	phone.response(siplib.BYE, 481)
	phone.tag = tag
	phone.bye(inv)
	phone.response(siplib.BYE, 200)
	bye := caller.request(siplib.BYE)
	caller.reply(bye, 200, "OK", nil)
	// Rule: EL4, LC2
	want := "call_placed\ncall_queued\ncall_offered ana\ncall_answered ana\ncall_ended ana stage=talking by=teammate\n"
	if got := story(e.waitEnded(call)); got != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}

// Registration needs the right digest credentials, for a configured
// teammate the engine knows.
func TestRegisterAuthentication(t *testing.T) {
	e := newEnv(t, envOptions{mock: true, team: "support", teammates: []pb.TeammateID{"ana"},
		users: map[pb.TeammateID]string{"ana": "pw-ana", "ghost": "pw-ghost"}})
	for _, c := range []struct {
		user, password string
		want           int
	}{
		{"ana", "wrong", 403},
		{"eve", "pw-ana", 403},     // not a configured user
		{"ghost", "pw-ghost", 404}, // configured, unknown to the engine
		{"ana", "pw-ana", 200},
	} {
		if got := newUA(t, e, c.user).register(c.password, 600); got != c.want {
			t.Errorf("%s/%s: REGISTER got %d, want %d", c.user, c.password, got, c.want)
		}
	}
	e.waitClient("ana", true)
	if _, ok := e.gw.binding("ghost"); ok {
		t.Error("a registration the engine refused was kept")
	}
}

// Calls from outside Config.Callers must authenticate as a user; a
// deflected call gets a final response naming the reason and ends by the
// system.
func TestCallersAndDeflection(t *testing.T) {
	e := anaEnv(t, 30*time.Second, func(c *Config) {
		c.Callers = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	caller := newUA(t, e, "customer")
	caller.invite("support", "call-1")
	res := caller.finalResponse(siplib.INVITE)
	caller.send(ackFor(caller, res))
	if res.StatusCode != 407 {
		t.Fatalf("untrusted caller got %d, want 407", res.StatusCode)
	}
	chal, err := digest.ParseChallenge(res.GetHeader("Proxy-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user, password string
		want           int
	}{{"ana", "wrong", 403}, {"eve", "pw-ana", 403}, {"ana", "pw-ana", 180}} {
		cred, err := digest.Digest(chal, digest.Options{Method: "INVITE", URI: "sip:support@" + testDomain,
			Username: c.user, Password: c.password})
		if err != nil {
			t.Fatal(err)
		}
		callID := "call-auth-" + newID(4)
		branch := caller.inviteWith("support", callID, "Proxy-Authorization: "+cred.String()+"\n")
		got := caller.next("a response", func(m siplib.Message) bool {
			r, ok := m.(*siplib.Response)
			return ok && r.StatusCode > 100 && r.CallID().Value() == callID
		}).(*siplib.Response)
		if got.StatusCode != c.want {
			t.Fatalf("%s/%s: %d, want %d", c.user, c.password, got.StatusCode, c.want)
		}
		if got.StatusCode == 180 {
			caller.cancel("support", callID, branch) // an authenticated teammate's call was placed
		} else {
			caller.send(ackFor(caller, got))
		}
	}
	waitIdle(t, e)

	e2 := newEnv(t, envOptions{mock: true, team: "support", users: map[pb.TeammateID]string{"ana": "pw"},
		teamConfig: assign.TeamConfig{DeflectWhenNobodyOnline: true}})
	caller = newUA(t, e2, "customer")
	caller.invite("support", "call-2")
	res = caller.finalResponse(siplib.INVITE)
	if res.StatusCode != 480 || !strings.Contains(res.GetHeader("Reason").Value(), "no_teammates") {
		t.Fatalf("deflected caller got %d %s", res.StatusCode, res.Reason)
	}
	caller.send(ackFor(caller, res))
	evs, _ := e2.snapshot()
	ids := placed(evs)
	// Rule: DF2
	want := "call_placed\ncall_deflected no_teammates\ncall_ended stage=routing by=system\n"
	if got := story(e2.waitEnded(ids[0])); got != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e2)

	caller.invite("nosuchteam", "call-3")
	res = caller.finalResponse(siplib.INVITE)
	if res.StatusCode != 404 {
		t.Fatalf("call to an unknown team got %d, want 404", res.StatusCode)
	}
	caller.send(ackFor(caller, res))
}

// The phone's final response picks the decline cause.
func TestDeclineCauses(t *testing.T) {
	for _, c := range []struct {
		out  outcome
		auto bool
		want eventlog.DeclineCause
	}{
		{outcome{kind: outRejected, code: 486}, false, eventlog.DeclineBusy},
		{outcome{kind: outRejected, code: 600}, false, eventlog.DeclineBusy},
		{outcome{kind: outRejected, code: 603}, false, eventlog.DeclineButton},
		{outcome{kind: outRejected, code: 603}, true, eventlog.DeclineConnectivity}, // Rule: AS8
		{outcome{kind: outRejected, code: 408}, false, eventlog.DeclineConnectivity},
		{outcome{kind: outRejected, code: 480}, false, eventlog.DeclineConnectivity},
		{outcome{kind: outRejected, code: 503}, false, eventlog.DeclineConnectivity},
		{outcome{kind: outRejected, code: 404}, false, eventlog.DeclineConnectivity},
		{outcome{kind: outFailed}, false, eventlog.DeclineConnectivity},
	} {
		if got := c.out.cause(c.auto); got != c.want {
			t.Errorf("%+v auto=%v: %v, want %v", c.out, c.auto, got, c.want)
		}
	}

	// End to end, on one phone, one call per response.
	e := anaEnv(t, 30*time.Second, nil)
	phone := newUA(t, e, "ana")
	if code := phone.register("pw-ana", 600); code != 200 {
		t.Fatalf("REGISTER: %d", code)
	}
	e.waitClient("ana", true)
	caller := newUA(t, e, "customer")
	for i, c := range []struct {
		code int
		want eventlog.DeclineCause
	}{{480, eventlog.DeclineConnectivity}, {603, eventlog.DeclineButton}, {486, eventlog.DeclineBusy}} {
		branch := caller.invite("support", "call-code-"+newID(4))
		inv := phone.request(siplib.INVITE)
		phone.reply(inv, c.code, "No", nil)
		phone.request(siplib.ACK)
		evs := e.waitFor("the decline", func(evs []eventlog.Event) bool {
			ids := placed(evs)
			if len(ids) <= i {
				return false
			}
			_, ok := first(callEvents(evs, ids[i]), eventlog.CallDeclined, "ana")
			return ok
		})
		call := placed(evs)[i]
		d, _ := first(callEvents(evs, call), eventlog.CallDeclined, "ana")
		if d.Decline != c.want { // Rule: AS6, EL1
			t.Errorf("%d: declined %v, want %v", c.code, d.Decline, c.want)
		}
		caller.cancel("support", caller.lastCallID(), branch)
		e.waitEnded(call)
	}
	waitIdle(t, e)
}
