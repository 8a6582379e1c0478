package metrics_test

import (
	"fmt"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
)

// A collector folds the engine's events; the host reads the live
// dashboard and a report over a window.
func Example() {
	c, err := metrics.New(metrics.DefaultConfig())
	if err != nil {
		panic(err)
	}
	start := time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)
	var seq uint64
	observe := func(offset int, e eventlog.Event) {
		seq++
		e.Seq, e.At = seq, start.Add(time.Duration(offset)*time.Second)
		if e.Call != "" {
			e.Direction = pb.Inbound
		}
		if err := c.Observe(e); err != nil {
			panic(err)
		}
	}
	observe(0, eventlog.Event{Kind: eventlog.TeammateAdded, Teammate: "ana", Channel: presence.ChannelPhone, Status: presence.Active, ClientActive: true})
	observe(0, eventlog.Event{Kind: eventlog.MemberAdded, Teammate: "ana", Team: "support"})
	observe(10, eventlog.Event{Kind: eventlog.CallPlaced, Call: "c1"})
	observe(15, eventlog.Event{Kind: eventlog.CallQueued, Call: "c1", Team: "support", Segment: 1})
	observe(15, eventlog.Event{Kind: eventlog.CallOffered, Call: "c1", Team: "support", Segment: 1, Teammate: "ana"})
	observe(25, eventlog.Event{Kind: eventlog.CallAnswered, Call: "c1", Team: "support", Segment: 1, Teammate: "ana"})
	observe(25, eventlog.Event{Kind: eventlog.StatusChanged, Teammate: "ana", Status: presence.Away, Reason: presence.ReasonOnACall})

	d := c.Dashboard(start.Add(55 * time.Second))
	fmt.Println("in queue:", d.InQueue, "active:", d.Active, "available:", d.AvailableForPhone)
	fmt.Println("ana talk time:", d.Teammates["ana"].TalkTime)

	observe(85, eventlog.Event{Kind: eventlog.CallEnded, Call: "c1", Stage: eventlog.StageTalking, By: eventlog.ByCustomer, Teammate: "ana"})
	r := c.Report(start, start.Add(time.Hour))
	fmt.Println("completed:", r.Total.Completed, "answer time:", r.Total.AnswerTime.Mean(),
		"duration:", r.Total.CallDuration().Mean(), "queue time:", r.Teams["support"].QueueTime.Total)
	// Output:
	// in queue: 0 active: 1 available: 1
	// ana talk time: 30s
	// completed: 1 answer time: 15s duration: 1m15s queue time: 10s
}

// A host feeds the collector the events an engine produces, as it drains
// them: ObserveAll takes a Ready's events at once. The dashboard then
// shows the call ringing, answered, and the talk time it runs up.
func ExampleCollector() {
	eng, err := assign.New(assign.DefaultConfig())
	if err != nil {
		panic(err)
	}
	c, err := metrics.New(metrics.DefaultConfig())
	if err != nil {
		panic(err)
	}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	drain := func(err error) {
		if err != nil {
			panic(err)
		}
		if _, err := c.ObserveAll(eng.Ready().Events); err != nil {
			panic(err)
		}
	}
	active := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	drain(eng.AddTeam("support", "Support", assign.TeamConfig{}))
	drain(eng.AddTeammate(start, "ana", "Ana", active))
	drain(eng.AddMember(start, "support", "ana"))

	drain(eng.Arrive(start.Add(time.Minute), "call-1", "support"))
	d := c.Dashboard(start.Add(time.Minute))
	fmt.Println("in queue:", d.InQueue, "ana ringing:", d.Teammates["ana"].Ringing)

	drain(eng.Answer(start.Add(time.Minute+10*time.Second), "call-1", "ana"))
	d = c.Dashboard(start.Add(2 * time.Minute))
	fmt.Println("active:", d.Active, "ana on call:", d.Teammates["ana"].OnCall,
		"talk time:", d.Teammates["ana"].TalkTime, "support:", d.Teams["support"].TalkTime)
	// Output:
	// in queue: 1 ana ringing: true
	// active: 1 ana on call: true talk time: 50s support: 50s
}
