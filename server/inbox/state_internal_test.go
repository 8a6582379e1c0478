package inbox

import (
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// onCallOf finds the call a teammate is on whatever the hint (the call
// of the stream's last state, another call, or none), and none once it
// ended or for another teammate.
func TestOnCallOf(t *testing.T) {
	e, err := assign.New(assign.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	apply := func(c assign.Command) {
		t.Helper()
		at = at.Add(time.Second)
		c.At = at
		if err := e.Apply(c); err != nil {
			t.Fatalf("%v: %v", c.Op, err)
		}
	}
	apply(assign.Command{Op: assign.OpAddTeam, Team: "support", Name: "Support"})
	for _, id := range []pb.TeammateID{"ana", "ben"} {
		apply(assign.Command{Op: assign.OpAddTeammate, Teammate: id, Name: string(id),
			Presence: presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}})
		apply(assign.Command{Op: assign.OpAddMember, Team: "support", Teammate: id})
	}
	apply(assign.Command{Op: assign.OpArrive, Call: "c1", Team: "support"})
	apply(assign.Command{Op: assign.OpArrive, Call: "c2", Team: "support"})
	c1, _ := e.Call("c1")
	c2, _ := e.Call("c2")
	if c1.Ringing == "" || c2.Ringing == "" {
		t.Fatalf("c1 rings %q, c2 rings %q; want both ringing", c1.Ringing, c2.Ringing)
	}
	agent, other := c1.Ringing, c2.Ringing
	apply(assign.Command{Op: assign.OpAnswer, Call: "c1", Teammate: agent})
	for _, hint := range []pb.CallID{"", "c1", "c2", "nope"} {
		if got := onCallOf(e, agent, hint); got == nil || got.Call != "c1" || got.Team != "support" {
			t.Errorf("%s with hint %q: on %+v, want c1 of support", agent, hint, got)
		}
		if got := onCallOf(e, other, hint); got != nil {
			t.Errorf("%s with hint %q: on %+v, want no call", other, hint, got)
		}
	}
	apply(assign.Command{Op: assign.OpEndCall, Call: "c1", By: eventlog.ByTeammate})
	if got := onCallOf(e, agent, "c1"); got != nil {
		t.Errorf("%s after c1 ended: on %+v, want no call", agent, got)
	}
}
