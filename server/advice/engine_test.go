package advice

import (
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
)

// The tracker reads the event shapes the real engine emits: a call
// answered 10 s after it arrives, talked for 60 s and followed by the
// workspace's 30 s wrap-up is one arrival with a 90 s handle time; a
// second call, transferred after 20 s, is a handle for the first team of
// 20 s plus the 30 s wrap-up that follows the transfer, and an arrival for
// the second.
func TestAdviceFromEngine(t *testing.T) {
	cfg := assign.DefaultConfig()
	cfg.WrapUp = 30 * time.Second
	eng, err := assign.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracker(t, Config{})
	step := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range eng.Ready().Events {
			tr.Observe(ev)
		}
	}
	online := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	step(eng.AddTeam("support", "Support", assign.TeamConfig{}))
	step(eng.AddTeam("billing", "Billing", assign.TeamConfig{}))
	step(eng.AddTeammate(at(0, 0), "ana", "Ana", online))
	step(eng.AddMember(at(0, 0), "support", "ana"))
	step(eng.Arrive(at(0, 0), "c1", "support"))
	step(eng.Answer(at(0, 10), "c1", "ana"))
	step(eng.HangUp(at(1, 10), "c1"))
	step(eng.Advance(at(1, 40))) // wrap-up ends
	step(eng.Arrive(at(2, 0), "c2", "support"))
	step(eng.Answer(at(2, 0), "c2", "ana"))
	step(eng.Transfer(at(2, 20), "c2", "billing"))

	got := tr.Advice(at(3, 0), map[pb.TeamID]int{"support": 1})
	if len(got) != 2 || got[0].Team != "billing" || got[1].Team != "support" {
		t.Fatalf("teams: %+v", got)
	}
	// Three minutes in: 2 arrivals for support = 40/h, handles 90 s and
	// 50 s (the second's wrap-up, planned to 2:50, counts in full).
	if s := got[1]; s.ArrivalsPerHour != 40 || s.MeanHandle != 70*time.Second || s.Available != 1 {
		t.Errorf("support: %+v, want 40/h and (90 + 50)/2 = 70 s", s)
	}
	if b := got[0]; b.ArrivalsPerHour != 20 || b.MeanHandle != 0 {
		t.Errorf("billing: %+v, want 20/h and no handle time yet", b)
	}
	if tr.Ignored() != 0 {
		t.Errorf("the engine's stream had %d ignored events", tr.Ignored())
	}
}
