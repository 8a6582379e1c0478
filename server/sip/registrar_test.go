package sip

import (
	"strings"
	"testing"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// clientClosings counts the times teammate's phone client was closed.
func clientClosings(e *env, id pb.TeammateID) int {
	evs, _ := e.snapshot()
	n := 0
	for _, ev := range evs {
		if ev.Kind == eventlog.ClientChanged && ev.Teammate == id && !ev.ClientActive {
			n++
		}
	}
	return n
}

// A teammate with a desk phone and a mobile registered keeps her client
// open when one un-registers (Expires 0 on its Contact): only that
// contact goes, and calls ring the other. Her client closes when no
// contact remains. The REGISTER's 200 lists the contacts left.
// Rule: PR3
func TestUnregisterOneContact(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	desk := newUA(t, e, "ana")
	mobile := newUA(t, e, "ana")
	if code := mobile.register("pw-ana", 600); code != 200 {
		t.Fatalf("mobile REGISTER: %d", code)
	}
	if code := desk.register("pw-ana", 600); code != 200 {
		t.Fatalf("desk REGISTER: %d", code)
	}
	e.waitClient("ana", true)

	// The desk phone is switched off. The 200 answers once the engine
	// has what the un-REGISTER changed, so the events can be checked now.
	res, _ := desk.registerRaw("pw-ana", "<sip:ana@"+desk.addr()+">", 0)
	if res.StatusCode != 200 {
		t.Fatalf("desk un-REGISTER: %d", res.StatusCode)
	}
	if n := clientClosings(e, "ana"); n != 0 {
		t.Fatalf("ana's client closed %d times while her mobile is registered", n)
	}
	if cs := res.GetHeaders("Contact"); len(cs) != 1 || !strings.Contains(cs[0].Value(), mobile.addr()) {
		t.Fatalf("the 200 lists contacts %v, want only the mobile's %s", cs, mobile.addr())
	}

	// A call rings the mobile.
	caller := newUA(t, e, "customer")
	branch := caller.invite("support", "call-"+newID(4))
	inv := mobile.request(siplib.INVITE)
	mobile.reply(inv, 180, "Ringing", nil)
	caller.cancel("support", caller.lastCallID(), branch)
	mobile.reply(mobile.request(siplib.CANCEL), 200, "OK", nil)
	mobile.reply(inv, 487, "Request Terminated", nil)
	mobile.request(siplib.ACK)
	waitIdle(t, e)

	if code := mobile.register("pw-ana", 0); code != 200 {
		t.Fatalf("mobile un-REGISTER: %d", code)
	}
	if n := clientClosings(e, "ana"); n != 1 {
		t.Fatalf("ana's client closed %d times after her last contact went, want 1", n)
	}
}

// "Contact: *" with "Expires: 0" removes every contact of the teammate's
// at once (RFC 3261 §10.2.2); with another Expires it is refused.
func TestUnregisterWildcard(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	desk := newUA(t, e, "ana")
	mobile := newUA(t, e, "ana")
	for _, u := range []*ua{desk, mobile} {
		if code := u.register("pw-ana", 600); code != 200 {
			t.Fatalf("REGISTER: %d", code)
		}
	}
	e.waitClient("ana", true)
	if code := desk.registerContact("pw-ana", "*", 60); code != 400 {
		t.Fatalf("Contact: * with Expires 60 got %d, want 400", code)
	}
	if code := desk.registerContact("pw-ana", "*", 0); code != 200 {
		t.Fatalf("Contact: * un-REGISTER: %d", code)
	}
	if n := clientClosings(e, "ana"); n != 1 {
		t.Fatalf("ana's client closed %d times, want 1", n)
	}
	if _, ok := e.gw.binding("ana"); ok {
		t.Fatal("a contact survived Contact: *")
	}
}
