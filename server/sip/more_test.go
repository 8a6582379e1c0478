package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
)

// A reconciliation after a change of leader rings what the engine rings
// and stops everything else: the same ring again is a no-op, a ring the
// list leaves out is CANCELled.
func TestReconcile(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	phone, caller, call, inv, branch := ringing(t, e, 600)

	e.disp.Deliver(replica.Delivery{Workspace: e.ws, Reconcile: true, Effects: []assign.Effect{
		{Kind: assign.Ring, Call: call, Teammate: "ana", Team: "support"}}})
	e.disp.Deliver(replica.Delivery{Workspace: e.ws, Reconcile: true})
	// The first reconciliation sent no second INVITE: the next request
	// the phone sees is the CANCEL of the second.
	next := phone.next("the CANCEL", func(m siplib.Message) bool {
		r, ok := m.(*siplib.Request)
		return ok && (r.Method == siplib.CANCEL || (r.Method == siplib.INVITE && r.CallID().Value() != inv.CallID().Value()))
	}).(*siplib.Request)
	if next.Method != siplib.CANCEL {
		t.Fatalf("got a second INVITE for a ring already ringing")
	}
	phone.reply(next, 200, "OK", nil)
	phone.reply(inv, 487, "Request Terminated", nil)
	phone.request(siplib.ACK)
	caller.cancel("support", caller.lastCallID(), branch)
	e.waitEnded(call)
	waitIdle(t, e)
}

// With a voicemail URI, a deflected caller is redirected there.
func TestDeflectToVoicemail(t *testing.T) {
	e := newEnv(t, envOptions{mock: true, team: "support", users: map[pb.TeammateID]string{"ana": "pw"},
		teamConfig: assign.TeamConfig{DeflectWhenNobodyOnline: true},
		tune:       func(c *Config) { c.VoicemailURI = "sip:vm@pbx.example.com" }})
	caller := newUA(t, e, "customer")
	caller.invite("support", "call-vm")
	res := caller.finalResponse(siplib.INVITE)
	caller.send(ackFor(caller, res))
	if res.StatusCode != 302 || res.Contact() == nil || res.Contact().Address.String() != "sip:vm@pbx.example.com" {
		t.Fatalf("deflected caller got %d %s, Contact %v", res.StatusCode, res.Reason, res.Contact())
	}
	evs, _ := e.snapshot()
	// Rule: DF2, LC5
	want := "call_placed\ncall_deflected no_teammates\nvoicemail_started\ncall_ended stage=voicemail by=system\n"
	if got := story(e.waitEnded(placed(evs)[0])); got != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}

// Closing the gateway hangs up what it carries: 503 to the waiting
// caller, CANCEL to the ringing phone.
func TestCloseHangsUp(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	phone, caller, _, inv, _ := ringing(t, e, 600)
	closed := make(chan error, 1)
	go func() { closed <- e.gw.Close() }()
	if res := caller.finalResponse(siplib.INVITE); res.StatusCode != 503 {
		t.Errorf("caller got %d, want 503", res.StatusCode)
	}
	cancel := phone.request(siplib.CANCEL)
	phone.reply(cancel, 200, "OK", nil)
	phone.reply(inv, 487, "Request Terminated", nil)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if err := e.exec(assign.Ring, "sip-x", "ana"); !errors.Is(err, ErrUnknownCall) {
		t.Fatalf("Ring after Close: %v", err)
	}
}

// Ring fails, for the dispatcher to decline, when the phone is not
// registered or the call is not the gateway's; effects for a call the
// gateway does not carry otherwise change nothing.
func TestRingErrors(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	if err := e.exec(assign.Ring, "other-call", "ana"); !errors.Is(err, ErrUnknownCall) {
		t.Errorf("Ring for a call not carried: %v", err)
	}
	if e.gw.Carries("other-call") {
		t.Error("Carries a call it never saw")
	}
	// A call of the gateway's that it does not carry lost its caller in a
	// restart: a Ring for it ends it (here the engine never had it) and is
	// not a failure to decline.
	if err := e.exec(assign.Ring, "sip-lost", "ana"); err != nil {
		t.Errorf("Ring for a lost call of ours: %v", err)
	}
	if err := e.exec(assign.StopRinging, "other-call", "ana"); err != nil {
		t.Errorf("StopRinging for a call not carried: %v", err)
	}
	if err := e.exec(assign.Deflect, "other-call", ""); !errors.Is(err, ErrUnknownCall) {
		t.Errorf("Deflect for a call not carried: %v", err)
	}
	// ana has not registered: her client is closed and the call waits; a
	// Ring for her would fail with ErrNotRegistered.
	caller := newUA(t, e, "customer")
	caller.invite("support", "call-unreg")
	caller.response(siplib.INVITE, 180)
	evs := e.waitFor("the call placed", func(evs []eventlog.Event) bool { return len(placed(evs)) == 1 })
	call := placed(evs)[0]
	if !e.gw.Carries(call) || !strings.HasPrefix(string(call), callIDPrefix) {
		t.Fatalf("call %q not carried", call)
	}
	if err := e.exec(assign.Ring, call, "ana"); !errors.Is(err, ErrNotRegistered) {
		t.Errorf("Ring to an unregistered phone: %v", err)
	}
}

func TestConfigAndUsers(t *testing.T) {
	node := &replica.Node{}
	good := func() Config {
		return Config{Listen: "127.0.0.1:0", Domain: "pb.test", Users: map[pb.TeammateID]string{"ana": "pw"},
			Node: node, Workspace: "default"}
	}
	if _, err := New(good()); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, mut := range map[string]func(*Config){
		"no listen":      func(c *Config) { c.Listen = "" },
		"bad domain":     func(c *Config) { c.Domain = "pb test" },
		"no users":       func(c *Config) { c.Users = nil },
		"bad user":       func(c *Config) { c.Users = map[pb.TeammateID]string{"a b": "pw"} },
		"empty password": func(c *Config) { c.Users = map[pb.TeammateID]string{"ana": ""} },
		"no node":        func(c *Config) { c.Node = nil },
		"no workspace":   func(c *Config) { c.Workspace = "" },
		"bad voicemail":  func(c *Config) { c.VoicemailURI = "http://x" },
		"header in uri":  func(c *Config) { c.VoicemailURI = "sip:vm@x>\r\nX: y" },
		"expires order":  func(c *Config) { c.MinExpires, c.MaxExpires = time.Hour, time.Minute },
		"negative calls": func(c *Config) { c.MaxCalls = -1 },
	} {
		c := good()
		mut(&c)
		if _, err := New(c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", name, err)
		}
	}

	users, err := ParseUsers(strings.NewReader("# teammates\nana:pw one\n\n  bob:p:w  \n"))
	if err != nil || len(users) != 2 || users["ana"] != "pw one" || users["bob"] != "p:w" {
		t.Fatalf("ParseUsers: %v %v", users, err)
	}
	for _, bad := range []string{"ana\n", "ana:\n", ":pw\n", "ana:pw\nana:pw2\n", "a/b:pw\n"} {
		if _, err := ParseUsers(strings.NewReader(bad)); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("ParseUsers(%q): %v, want ErrInvalidConfig", bad, err)
		}
	}
}

func TestParseCallers(t *testing.T) {
	got, err := ParseCallers(" 10.1.2.3/8, 192.0.2.10 ,::1")
	if err != nil || len(got) != 3 || got[0].String() != "10.0.0.0/8" || got[1].String() != "192.0.2.10/32" ||
		got[2].String() != "::1/128" {
		t.Fatalf("ParseCallers: %v %v", got, err)
	}
	if _, err := ParseCallers("10.0.0.0/8,nope"); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("ParseCallers(bad): %v", err)
	}
}

// Failed authentications are limited per source address (for a window
// of the engine's clock).
func TestFailedAuthLimit(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	phone := newUA(t, e, "ana")
	for i := 0; i < failLimit; i++ {
		if code := phone.register("wrong", 600); code != 403 {
			t.Fatalf("wrong password: %d", code)
		}
	}
	if code := phone.register("pw-ana", 600); code != 403 {
		t.Fatalf("right password after %d failures: %d, want 403", failLimit, code)
	}
	e.mock.Add(failWindow)
	if code := phone.register("pw-ana", 600); code != 200 {
		t.Fatalf("right password after the window: %d, want 200", code)
	}
	e.waitClient("ana", true)
}

// Registrations are re-learned, not replicated: a gateway starting on an
// engine that shows a configured teammate's client open closes it.
func TestStartClosesStaleClients(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if _, err := e.node.Do(ctx, e.ws, assign.Command{Op: assign.OpSetClient, Teammate: "ana", Open: true}); err != nil {
		t.Fatal(err)
	}
	e.waitClient("ana", true)
	g, err := New(Config{Listen: "127.0.0.1:0", Domain: testDomain, Users: map[pb.TeammateID]string{"ana": "pw-ana"},
		Node: e.node, Workspace: e.ws, Clock: e.clk, Logger: e.gw.cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	// Rule: PR3
	e.waitClient("ana", false)
}

// A registration shorter than MinExpires is refused with 423; expires=0
// removes the binding and closes the client.
func TestRegisterExpires(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	phone := newUA(t, e, "ana")
	if code := phone.register("pw-ana", 10); code != 423 {
		t.Fatalf("REGISTER for 10 s: %d, want 423", code)
	}
	if code := phone.register("pw-ana", 3600); code != 200 {
		t.Fatalf("REGISTER: %d", code)
	}
	e.waitClient("ana", true)
	if b, ok := e.gw.binding("ana"); !ok || !b.expires.Equal(e.mock.Now().Add(10*time.Minute)) {
		t.Fatalf("binding %+v, want one capped at MaxExpires", b)
	}
	if code := phone.register("pw-ana", 0); code != 200 {
		t.Fatalf("un-REGISTER: %d", code)
	}
	// Rule: PR3
	e.waitClient("ana", false)
}

// A gateway restarting on an engine that still has its calls ends them:
// their callers' dialogs were lost. Its phones' clients close until they
// register again.
func TestRestartEndsOrphanedCalls(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	phone, caller, call, inv, _ := ringing(t, e, 600)
	closed := make(chan error, 1)
	go func() { closed <- e.gw.Close() }() // the engine is left as it is
	caller.finalResponse(siplib.INVITE)
	phone.reply(phone.request(siplib.CANCEL), 200, "OK", nil)
	phone.reply(inv, 487, "Request Terminated", nil)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	g, err := New(Config{Listen: "127.0.0.1:0", Domain: testDomain, Users: map[pb.TeammateID]string{"ana": "pw-ana"},
		Node: e.node, Workspace: e.ws, Clock: e.clk, Logger: e.gw.cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	// Rule: PR3, LC2
	// The call ends while it rings: ana, whose client closes after, is
	// not recorded as declining a call nobody carries.
	want := "call_placed\ncall_queued\ncall_offered ana\ncall_ended stage=ringing by=system\n"
	if got := story(e.waitEnded(call)); got != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", got, want)
	}
}

// Signalling only, an INVITE without an SDP offer is refused: the gateway
// relays offers in INVITEs only (with media it makes the offer itself, see
// TestLateOfferAnsweredInTheACK).
func TestLateOfferRefused(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	caller := newUA(t, e, "customer")
	caller.send(fmt.Sprintf(`
INVITE sip:support@%[1]s SIP/2.0
Via: SIP/2.0/UDP %[2]s;branch=z9hG4bK%[3]s
Max-Forwards: 70
From: <sip:customer@%[2]s>;tag=%[4]s
To: <sip:support@%[1]s>
Call-ID: late-offer
CSeq: 1 INVITE
Contact: <sip:customer@%[2]s>
Content-Length: 0

`, testDomain, caller.addr(), newID(6), caller.tag))
	res := caller.finalResponse(siplib.INVITE)
	caller.send(ackFor(caller, res))
	if res.StatusCode != 488 {
		t.Fatalf("late offer: %d, want 488", res.StatusCode)
	}
	if evs, _ := e.snapshot(); len(placed(evs)) != 0 {
		t.Fatal("a refused INVITE placed a call")
	}
}
