package assign_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// A call rings the longest-idle teammate; a decline passes it on at once
// and keeps the decliner away from that call for 5 minutes.
func Example() {
	eng, err := assign.New(assign.DefaultConfig())
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	active := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	_ = eng.AddTeam("support", "Support", assign.TeamConfig{})
	for _, tm := range []struct {
		id   pb.TeammateID
		name string
	}{{"ana", "Ana"}, {"ben", "Ben"}} {
		_ = eng.AddTeammate(now, tm.id, tm.name, active)
		_ = eng.AddMember(now, "support", tm.id)
	}
	_ = eng.ReportAssignment(now, "ana") // Ana just took a chat: Ben is longer idle
	eng.Ready()

	_ = eng.Arrive(now.Add(time.Minute), "call-1", "support")
	_ = eng.Decline(now.Add(time.Minute+5*time.Second), "call-1", "ben", eventlog.DeclineButton)
	_ = eng.Advance(now.Add(2 * time.Minute))

	rd := eng.Ready()
	for _, ev := range rd.Events {
		fmt.Println(ev.At.Format("15:04:05"), ev.Text())
	}
	for _, ef := range rd.Effects {
		fmt.Println(ef.Kind, ef.Call, ef.Teammate, ef.Until.Format("15:04:05"))
	}
	// Output:
	// 09:01:00 Call placed by customer.
	// 09:01:00 Call queued for Support.
	// 09:01:00 Call assigned to Ben.
	// 09:01:05 Call declined by Ben using the Decline button.
	// 09:01:05 Call assigned to Ana.
	// 09:01:35 Call missed by Ana.
	// ring call-1 ben 09:01:30
	// ring call-1 ana 09:01:35
	// stop_ringing call-1 ana 00:00:00
}

// exampleStart is the time the examples begin at.
var exampleStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// exampleTeam returns an engine with team "support" and its members, each
// Active on all channels with the app open, ana longest idle.
func exampleTeam(members ...pb.TeammateID) *assign.Engine {
	eng, err := assign.New(assign.DefaultConfig())
	if err != nil {
		panic(err)
	}
	active := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	must(eng.AddTeam("support", "Support", assign.TeamConfig{}))
	for _, id := range members {
		must(eng.AddTeammate(exampleStart, id, string(id), active))
		must(eng.AddMember(exampleStart, "support", id))
	}
	for i, id := range members {
		must(eng.ReportAssignment(exampleStart.Add(time.Duration(i)*time.Second), id))
	}
	eng.Ready()
	return eng
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// A Live runs the engine on a clock, here a mock one so that the example
// needs no waiting: each command happens at the clock's time, and what it
// produced reaches Deliver on the Live's own goroutine; Sync waits for
// that. Nobody answers, and 30 seconds later the ring times out.
func ExampleLive() {
	mock := clock.NewMock()
	mock.Set(exampleStart.Add(time.Minute))
	l := assign.NewLive(exampleTeam("ana", "ben"), assign.LiveConfig{
		Clock: mock,
		Deliver: func(r assign.Ready) {
			for _, ev := range r.Events {
				fmt.Println(ev.At.Format("15:04:05"), ev.Text())
			}
		},
	})
	defer l.Close()

	must(l.Do(func(e *assign.Engine, now time.Time) error { return e.Arrive(now, "call-1", "support") }))
	l.Sync()
	mock.Add(30 * time.Second)
	// The Live's timer fires the ring timeout on its own; a command at the
	// new time fires it too if the timer has not yet, so the output does
	// not depend on which comes first.
	must(l.Do(func(e *assign.Engine, now time.Time) error { return e.Advance(now) }))
	l.Sync()
	// Output:
	// 09:01:00 Call placed by customer.
	// 09:01:00 Call queued for Support.
	// 09:01:00 Call assigned to ana.
	// 09:01:30 Call missed by ana.
	// 09:01:30 Call assigned to ben.
}

// Explain lists the members of a waiting or ringing call's team in offer
// order, each with why they are or are not being offered it.
func ExampleEngine_Explain() {
	eng := exampleTeam("ana", "ben", "cy")
	must(eng.SetStatus(exampleStart.Add(time.Minute), "cy", presence.Away, "Lunch"))
	must(eng.Arrive(exampleStart.Add(2*time.Minute), "call-1", "support"))
	x, err := eng.Explain("call-1")
	if err != nil {
		panic(err)
	}
	for _, k := range x.Candidates {
		fmt.Printf("%s: %s\n", k.Teammate, k.Text)
	}
	// Output:
	// ana: ringing until 09:02:30
	// ben: eligible, later in longest-idle order
	// cy: away (Lunch)
}

// A Snapshot holds the whole state, deadlines included; it encodes to
// JSON, and Restore builds an engine that goes on exactly where the first
// one was: the ring under way still times out at its own time.
func ExampleRestore() {
	eng := exampleTeam("ana", "ben")
	must(eng.Arrive(exampleStart.Add(time.Minute), "call-1", "support"))
	eng.Ready()
	data, err := json.Marshal(eng.Snapshot())
	if err != nil {
		panic(err)
	}

	var snap assign.Snapshot
	must(json.Unmarshal(data, &snap))
	restored, err := assign.Restore(snap)
	if err != nil {
		panic(err)
	}
	next, _ := restored.NextDeadline()
	fmt.Println("next deadline:", next.Format("15:04:05"))
	must(restored.Advance(next))
	for _, ev := range restored.Ready().Events {
		fmt.Println(ev.At.Format("15:04:05"), ev.Text())
	}
	// Output:
	// next deadline: 09:01:30
	// 09:01:30 Call missed by ana.
	// 09:01:30 Call assigned to ben.
}
