package metrics

import (
	"fmt"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// benchDay builds a realistic mix: 20 teammates in 2 teams and, one call
// every 10 seconds, the inbound shape placed, queued, composition entries,
// a missed ring one call in four, an answer, a hold one call in three,
// and the end with wrap-up. Call IDs cycle through 1024 names, so the
// stream can be replayed for ever with calls starting and ending.
func benchStream() (setup, loop []eventlog.Event) {
	var seq uint64
	now := t0
	emit := func(out *[]eventlog.Event, e eventlog.Event) {
		seq++
		e.Seq, e.At = seq, now
		*out = append(*out, e)
	}
	mates := make([]pb.TeammateID, 20)
	for i := range mates {
		mates[i] = pb.TeammateID(fmt.Sprintf("m%02d", i))
		emit(&setup, eventlog.Event{Kind: eventlog.TeammateAdded, Teammate: mates[i], Channel: presence.ChannelAll, Status: presence.Active, ClientActive: true})
		emit(&setup, eventlog.Event{Kind: eventlog.MemberAdded, Teammate: mates[i], Team: []pb.TeamID{"sales", "support"}[i%2]})
	}
	for i := range 1024 {
		id := pb.CallID(fmt.Sprintf("call-%04d", i))
		team := []pb.TeamID{"sales", "support"}[i%2]
		m := mates[i%20]
		ev := func(k eventlog.Kind) eventlog.Event {
			return eventlog.Event{Kind: k, Call: id, Direction: pb.Inbound, Team: team, Segment: 1, Teammate: m}
		}
		now = now.Add(10 * time.Second)
		emit(&loop, eventlog.Event{Kind: eventlog.CallPlaced, Call: id, Direction: pb.Inbound})
		emit(&loop, ev(eventlog.CallQueued))
		for _, k := range []eventlog.Kind{eventlog.TeammatesAway, eventlog.TeammatesNoClient, eventlog.TeammatesAvailable} {
			emit(&loop, ev(k))
		}
		if i%4 == 0 {
			emit(&loop, ev(eventlog.CallOffered))
			now = now.Add(30 * time.Second)
			emit(&loop, ev(eventlog.CallMissed))
		}
		emit(&loop, ev(eventlog.CallOffered))
		now = now.Add(5 * time.Second)
		emit(&loop, ev(eventlog.CallAnswered))
		emit(&loop, eventlog.Event{Kind: eventlog.StatusChanged, Teammate: m, Status: presence.Away, Reason: presence.ReasonOnACall})
		if i%3 == 0 {
			emit(&loop, ev(eventlog.CallOnHold))
			emit(&loop, ev(eventlog.CallResumed))
		}
		now = now.Add(2 * time.Minute)
		e := ev(eventlog.CallEnded)
		e.Stage, e.By = eventlog.StageTalking, eventlog.ByCustomer
		emit(&loop, e)
		emit(&loop, eventlog.Event{Kind: eventlog.WrapUpStarted, Teammate: m, Deadline: now.Add(time.Minute)})
		emit(&loop, eventlog.Event{Kind: eventlog.StatusChanged, Teammate: m, Status: presence.Away, Reason: presence.ReasonWrapUp})
		emit(&loop, eventlog.Event{Kind: eventlog.StatusChanged, Teammate: m, Status: presence.Active})
	}
	return setup, loop
}

func BenchmarkObserve(b *testing.B) {
	setup, loop := benchStream()
	c, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range setup {
		if err := c.Observe(e); err != nil {
			b.Fatal(err)
		}
	}
	span := loop[len(loop)-1].At.Sub(loop[0].At) + time.Minute
	seqSpan := loop[len(loop)-1].Seq
	// Warm up one round so maps and free lists reach their steady size.
	for _, e := range loop {
		if err := c.Observe(e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	round := 1
	for i := 0; i < b.N; i++ {
		j := i % len(loop)
		if j == 0 && i > 0 {
			round++
		}
		e := loop[j]
		e.Seq += uint64(round) * seqSpan
		e.At = e.At.Add(time.Duration(round) * span)
		if err := c.Observe(e); err != nil {
			b.Fatal(err)
		}
	}
}
