package metrics

import (
	"testing"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// The totals count since the first event, by team: a team is there, at
// zero, as soon as a membership names it; a talk segment's time excludes
// its hold; each ring ends once, with its outcome; a refused event counts
// nowhere.
//
// Rule: MT4, MT8
func TestTotalsByTeam(t *testing.T) {
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.mateAdded("ben", presence.ChannelAll, presence.Active, true, "support")
	tot := s.c.Totals()
	if got, ok := tot.Teams["support"]; !ok || got.Offered != 0 || got.AnswerWait.Count != 0 || len(got.AnswerWait.Counts) != len(AnswerWaitBounds)+1 {
		t.Fatalf("support before any call: %+v (known %v)", got, ok)
	}
	// A: rings Ana, missed; rings Ana again, answered at 40 (wait 40 s);
	// talks 40-60, holds 60-90, talks 90-100, ended: talk 30 s.
	s.at(0).placed("A").at(5).queued("A", "sales").at(10).offered("A", "sales", "ana").at(30).missed("A", "sales", "ana")
	s.at(35).offered("A", "sales", "ana").at(40).answered("A", "sales", "ana")
	s.at(60).hold("A", "sales", "ana").at(90).resume("A", "sales", "ana").at(100).ended("A", eventlog.StageTalking, eventlog.ByTeammate, "ana")
	// B: deflected from support; C: abandoned while ringing.
	s.at(110).placed("B").deflected("B", "support", eventlog.DeflectNoTeammates)
	s.at(120).placed("C").queued("C", "support").offered("C", "support", "ben").endedBeforeAnswer("C", "support", eventlog.StageRinging)
	before := s.c.Totals()
	if err := s.c.Observe(eventlog.Event{Seq: 1, At: sec(130), Kind: eventlog.CallQueued, Call: "A", Team: "sales"}); err == nil {
		t.Fatal("an out-of-order event was accepted")
	}

	tot = s.c.Totals()
	if tot.Events != before.Events || tot.Events != uint64(len(s.events)) {
		t.Fatalf("events %d (before the refused one %d), fed %d", tot.Events, before.Events, len(s.events))
	}
	sales, support := tot.Teams["sales"], tot.Teams["support"]
	eq(t, "sales offered", sales.Offered, uint64(1))
	eq(t, "sales answered", sales.Answered, uint64(1))
	eq(t, "sales missed", sales.Rings[RingMissed], uint64(1))
	eq(t, "sales answered rings", sales.Rings[RingAnswered], uint64(1))
	eq(t, "sales answer wait", sales.AnswerWait.Sum, secs(40))
	eq(t, "sales answer wait count", sales.AnswerWait.Count, uint64(1))
	eq(t, "sales talk", sales.Talk.Sum, secs(30))
	eq(t, "sales talk bucket <= 30 s", sales.Talk.Cumulative()[1], uint64(1))
	eq(t, "support deflected", support.Deflected[eventlog.DeflectNoTeammates], uint64(1))
	eq(t, "support abandoned ringing", support.Abandoned[eventlog.StageRinging], uint64(1))
	eq(t, "support canceled rings", support.Rings[RingCanceled], uint64(1))
	// The result is a copy.
	sales.Talk.Counts[0] = 99
	eq(t, "a copy", s.c.Totals().Teams["sales"].Talk.Counts[0], uint64(0))
}

// The totals' queue-wait histogram counts each queue segment on its own
// when it ends, by its team, and agrees with the windowed report's queue
// time; a segment still open counts nowhere yet.
func TestTotalsQueueWaitPerSegment(t *testing.T) {
	// Rule: MT10
	// A: queued Sales 0, answered 30                      -> segment 30s
	//    transferred back to Sales 90, answered 150       -> segment 60s
	// B: queued Support 200, hung up 204                  -> 4s
	// C: queued Support 300, still waiting               -> not yet
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.mateAdded("bo", presence.ChannelAll, presence.Active, true, "sales", "support")
	s.at(0).placed("A").queued("A", "sales").at(5).offered("A", "sales", "ana").at(30).answered("A", "sales", "ana")
	s.at(90).transfer("A", "sales", "ana").at(150).answered("A", "sales", "bo")
	s.at(160).ended("A", eventlog.StageTalking, eventlog.ByCustomer, "bo")
	s.at(200).placed("B").queued("B", "support").at(204).endedBeforeAnswer("B", "support", eventlog.StageQueued)
	s.at(300).placed("C").queued("C", "support")

	tot := s.c.Totals()
	sales, support := tot.Teams["sales"].QueueWait, tot.Teams["support"].QueueWait
	eq(t, "sales segments", sales.Count, uint64(2)) // two segments, not one of 90 s
	eq(t, "sales queue time", sales.Sum, secs(90))
	eq(t, "sales <= 30 s", sales.Cumulative()[4], uint64(1))
	eq(t, "sales <= 60 s", sales.Cumulative()[6], uint64(2))
	eq(t, "support segments", support.Count, uint64(1))
	eq(t, "support <= 5 s", support.Cumulative()[0], uint64(1))
	r := s.all()
	eq(t, "sales as the report", sales.Sum, r.Teams["sales"].QueueTime.Total)
	eq(t, "support as the report", int(support.Count), r.Teams["support"].QueueTime.Count)
	// The result is a copy.
	sales.Counts[0] = 99
	eq(t, "a copy", s.c.Totals().Teams["sales"].QueueWait.Counts[0], uint64(0))
}
