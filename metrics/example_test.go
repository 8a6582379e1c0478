package metrics_test

import (
	"fmt"
	"time"

	pb "github.com/phonebalance/phonebalance"
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
