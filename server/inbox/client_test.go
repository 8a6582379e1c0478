package inbox_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/inbox"
)

// The tab is the phone client: a visible tab opens it, a backgrounded one
// keeps it open but unable to ring, and closing the last tab closes it
// within the grace, so a ringing call ends as a connectivity decline and
// moves on at once. Rule: PR3
func TestTabIsThePhoneClient(t *testing.T) {
	e := newEnv(t, nil, inbox.Config{CloseGrace: 100 * time.Millisecond})
	ana, _ := e.signIn("ana", password)
	ben, _ := e.signIn("ben", password)
	if v := e.teammate("ana"); v.Presence.ClientOpen || v.Eligible {
		t.Fatalf("ana before any tab: %+v", v.Presence)
	}
	a := openStream(t, ana, true)
	e.waitUntil("ana's client is open and eligible", func() bool { v := e.teammate("ana"); return v.Presence.ClientOpen && v.Eligible })

	// Backgrounded: open, not eligible.
	if st, body := ana.send("PUT", "/inbox/api/teammates/ana/tabs/"+a.tab, `{"visible":false}`); st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	e.waitUntil("ana is backgrounded", func() bool {
		v := e.teammate("ana")
		return v.Presence.ClientOpen && v.Presence.Backgrounded && !v.Eligible
	})
	// A second, visible tab brings her to the foreground (at least one
	// visible tab); closing it leaves the background one.
	a2 := openStream(t, ana, true)
	e.waitUntil("ana is in the foreground", func() bool { v := e.teammate("ana"); return !v.Presence.Backgrounded && v.Eligible })
	a2.close()
	e.waitUntil("ana is backgrounded again", func() bool { return e.teammate("ana").Presence.Backgrounded })
	if st, _ := ana.send("PUT", "/inbox/api/teammates/ana/tabs/"+a.tab, `{"visible":true}`); st != 200 {
		t.Fatal(st)
	}
	e.waitUntil("ana is in the foreground", func() bool { return e.teammate("ana").Eligible })

	// A call rings ana (ben has no tab); closing her tab moves it to ben.
	b := openStream(t, ben, false)
	e.waitUntil("ben is open in the background", func() bool { return e.teammate("ben").Presence.Backgrounded })
	if st, body := e.host("POST", "/v1/workspaces/default/calls", `{"id":"c1","team":"support"}`); st >= 300 {
		t.Fatalf("%d %s", st, body)
	}
	e.waitUntil("c1 rings ana", func() bool { return e.teammate("ana").Ringing == "c1" })
	if st, _ := ben.send("PUT", "/inbox/api/teammates/ben/tabs/"+b.tab, `{"visible":true}`); st != 200 {
		t.Fatal(st)
	}
	a.close()
	e.waitUntil("c1 rings ben", func() bool { return e.teammate("ben").Ringing == "c1" })
	if v := e.teammate("ana"); v.Presence.ClientOpen {
		t.Errorf("ana's client still open: %+v", v.Presence)
	}
	evs, err := e.rt.Default().Events().Timeline("c1")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range evs {
		if ev.Kind == eventlog.CallDeclined && ev.Teammate == "ana" && ev.Decline == eventlog.DeclineConnectivity {
			found = true
		}
	}
	if !found {
		t.Errorf("no connectivity decline by ana in c1's timeline: %v", evs)
	}
	// A tab the server dropped is told so (the page reconnects).
	if st, _ := ana.send("PUT", "/inbox/api/teammates/ana/tabs/"+a.tab, `{"visible":true}`); st != http.StatusNotFound {
		t.Errorf("heartbeat of a closed tab: %d, want 404", st)
	}
}

// A client the engine has open with no tab on the server (a restart left
// it so) is closed by the next sweep, instead of ringing a phone nobody
// holds until the ring timeout; a teammate without a credential is not
// the inbox's and is left alone. Rule: PR3
func TestOrphanClientClosed(t *testing.T) {
	e := newEnv(t, nil, inbox.Config{StaleAfter: 200 * time.Millisecond})
	e.do(assign.Command{Op: assign.OpAddTeammate, Teammate: "sip-only",
		Presence: presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}})
	e.do(assign.Command{Op: assign.OpSetClient, Teammate: "ana", Open: true})
	e.waitUntil("ana's orphan client closed", func() bool { return !e.teammate("ana").Presence.ClientOpen })
	if !e.teammate("sip-only").Presence.ClientOpen {
		t.Error("the client of a teammate without a credential was closed")
	}
}
