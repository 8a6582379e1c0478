package dashboard

import (
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
)

var (
	t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	on = presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
)

// testEngine returns an engine with the default config and a must that
// fails the test on a command's error, then folds the command's events
// into col (nil: drops them).
func testEngine(t *testing.T, col *metrics.Collector) (*assign.Engine, func(error)) {
	t.Helper()
	eng, err := assign.New(assign.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return eng, func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range eng.Ready().Events {
			if col == nil {
				continue
			}
			if err := col.Observe(ev); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Build joins the engine's names and presence with the fold's counts:
// rows sorted by name, calls in progress before ended ones; a team's
// in-queue time counts the ended queue segment, ringing included, and not
// the one still waiting (Rule: MT10).
func TestBuild(t *testing.T) {
	col, err := metrics.New(metrics.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	eng, must := testEngine(t, col)
	must(eng.AddTeam("t2", "Billing", assign.TeamConfig{}))
	must(eng.AddTeam("t1", "Support", assign.TeamConfig{}))
	must(eng.AddTeammate(t0, "z", "Zoe", on))
	must(eng.AddTeammate(t0, "a", "Ana", presence.State{Channel: presence.ChannelPhone, Status: presence.Away,
		Reason: "Lunch", ClientOpen: true, Backgrounded: true}))
	must(eng.AddMember(t0, "t1", "z"))
	must(eng.AddMember(t0, "t1", "a"))
	must(eng.Arrive(t0, "old", "t1"))
	must(eng.Answer(t0.Add(5*time.Second), "old", "z"))
	must(eng.EndCall(t0.Add(65*time.Second), "old", eventlog.ByCustomer))
	must(eng.SetStatus(t0.Add(66*time.Second), "z", presence.Active, ""))
	now := t0.Add(2 * time.Minute)
	must(eng.Arrive(now, "new", "t1"))

	st := Build(Inputs{At: now, Tables: Capture(eng), Live: col.Dashboard(now), Window: col.Report(t0, now.Add(time.Minute))})
	if len(st.Teams) != 2 || st.Teams[0].Name != "Billing" || st.Teams[1].Name != "Support" || st.Teams[1].Members != 2 ||
		st.Teams[1].Completed != 1 || st.Teams[1].InQueue != 1 || st.Teams[1].QueueTimeMS != 5000 {
		t.Fatalf("teams %+v", st.Teams)
	}
	if len(st.Teammates) != 2 || st.Teammates[0].Name != "Ana" || st.Teammates[1].Name != "Zoe" {
		t.Fatalf("teammates %+v", st.Teammates)
	}
	ana, zoe := st.Teammates[0], st.Teammates[1]
	if ana.Status != "Away" || ana.Reason != "Lunch" || ana.Channel != "Phone" || ana.Client != "background" ||
		ana.AvailableForPhone || len(ana.Teams) != 1 || ana.Teams[0] != "Support" {
		t.Fatalf("ana %+v", ana)
	}
	if zoe.Ringing != "new" || zoe.TalkTimeMS != 60000 || !zoe.AvailableForPhone || zoe.Client != "open" {
		t.Fatalf("zoe %+v", zoe)
	}
	if len(st.Calls) != 2 || st.Calls[0].ID != "new" || st.Calls[0].Stage != "ringing" || st.Calls[0].Ringing != "Zoe" ||
		st.Calls[1].ID != "old" || !st.Calls[1].Ended || st.Calls[1].Team != "Support" {
		t.Fatalf("calls %+v", st.Calls)
	}
	s := st.Summary
	if s.InQueue != 1 || s.Completed != 1 || s.AnswerTimeMS != 5000 || s.CallDurationMS != 65000 || s.AvailableForPhone != 1 {
		t.Fatalf("summary %+v", s)
	}
	if st.Advice == nil {
		t.Fatal("nil advice encodes as null")
	}
	if one := Build(Inputs{At: now, Tables: Capture(eng), MaxCalls: 1}); len(one.Calls) != 1 || one.Calls[0].ID != "new" {
		t.Fatalf("MaxCalls 1: %+v", one.Calls)
	}
}

// A Tables refilled by Capture shows the engine as it is now, each
// teammate with their own teams, however the previous capture's slices
// are reused.
func TestCaptureRefill(t *testing.T) {
	eng, must := testEngine(t, nil)
	must(eng.AddTeam("t1", "Support", assign.TeamConfig{}))
	must(eng.AddTeam("t2", "Billing", assign.TeamConfig{}))
	for _, id := range []string{"a", "b", "c"} {
		must(eng.AddTeammate(t0, pbID(id), "Mate "+id, on))
		must(eng.AddMember(t0, "t1", pbID(id)))
	}
	must(eng.AddMember(t0, "t2", "b"))
	var tb Tables
	teamsOf := func() map[string][]string {
		tb.Capture(eng)
		st := Build(Inputs{At: t0, Tables: tb})
		out := map[string][]string{}
		for _, m := range st.Teammates {
			out[string(m.ID)] = m.Teams
		}
		return out
	}
	first := teamsOf()
	if len(first) != 3 || len(first["a"]) != 1 || len(first["b"]) != 2 || first["b"][1] != "Billing" {
		t.Fatalf("first capture %v", first)
	}
	must(eng.RemoveMember(t0, "t1", "b"))
	must(eng.AddMember(t0, "t2", "c"))
	second := teamsOf()
	if len(second["b"]) != 1 || second["b"][0] != "Billing" || len(second["c"]) != 2 || len(second["a"]) != 1 ||
		second["a"][0] != "Support" {
		t.Fatalf("second capture %v", second)
	}
	if first["b"][0] != "Support" {
		t.Fatalf("a refill changed the State an earlier Build returned: %v", first["b"])
	}
}

func pbID(s string) pb.TeammateID { return pb.TeammateID(s) }

// The summary and the team's row count the callbacks and those whose
// dial-back did not reach the customer.
//
// Rule: LC5, MT15
func TestBuildCountsCallbacks(t *testing.T) {
	col, err := metrics.New(metrics.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	eng, must := testEngine(t, col)
	must(eng.AddTeam("t1", "Support", assign.TeamConfig{}))
	must(eng.AddTeammate(t0, "z", "Zoe", on))
	must(eng.AddMember(t0, "t1", "z"))
	for i, c := range []pb.CallID{"c1", "c2"} {
		must(eng.Arrive(t0.Add(time.Duration(i)*time.Second), c, "t1"))
	}
	for _, c := range []pb.CallID{"c1", "c2"} {
		must(eng.QueueCallback(t0.Add(time.Second), c))
	}
	must(eng.Answer(t0.Add(2*time.Second), "c1", "z"))
	must(eng.CallbackUnreached(t0.Add(30*time.Second), "c1"))
	now := t0.Add(time.Minute)
	st := Build(Inputs{At: now, Tables: Capture(eng), Live: col.Dashboard(now), Window: col.Report(t0, now)})
	if s := st.Summary; s.Callbacks != 2 || s.CallbacksUnreached != 1 {
		t.Fatalf("summary: %d callbacks, %d not reached; want 2 and 1", s.Callbacks, s.CallbacksUnreached)
	}
	if r := st.Teams[0]; r.Callbacks != 2 || r.CallbacksUnreached != 1 {
		t.Fatalf("team row: %d callbacks, %d not reached; want 2 and 1", r.Callbacks, r.CallbacksUnreached)
	}
}
