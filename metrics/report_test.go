package metrics

import (
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// outcomes builds one call of each ending, all in Sales, Ana answering:
//
//	C1 answered, customer hangs up while talking        completed
//	C2 answered, teammate hangs up                       completed
//	C3 hang-up during routing                           abandoned
//	C4 hang-up while queued                             abandoned
//	C5 hang-up while ringing Ana                         abandoned (ringing)
//	C6 answered, hang-up while on hold                  abandoned
//	C7 voicemail, no message, hang-up                   abandoned
//	C8 voicemail, message left, hang-up                 voicemail
//	C9 deflected (queue full), workflow ends it         none of these
func outcomes(t *testing.T) *stream {
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	at := 0
	next := func() *stream { at += 100; return s.at(at) }

	next().placed("C1").queued("C1", "sales").offered("C1", "sales", "ana").answered("C1", "sales", "ana")
	next().ended("C1", eventlog.StageTalking, eventlog.ByCustomer, "ana")
	next().placed("C2").queued("C2", "sales").answered("C2", "sales", "ana")
	next().ended("C2", eventlog.StageTalking, eventlog.ByTeammate, "ana")
	next().placed("C3").ended("C3", eventlog.StageRouting, eventlog.ByCustomer, "")
	next().placed("C4").queued("C4", "sales").endedBeforeAnswer("C4", "sales", eventlog.StageQueued)
	next().placed("C5").queued("C5", "sales").offered("C5", "sales", "ana").endedBeforeAnswer("C5", "sales", eventlog.StageRinging)
	next().placed("C6").queued("C6", "sales").answered("C6", "sales", "ana").hold("C6", "sales", "ana")
	next().ended("C6", eventlog.StageOnHold, eventlog.ByCustomer, "ana")
	next().placed("C7").queued("C7", "sales").kind(eventlog.VoicemailStarted, "C7")
	next().ended("C7", eventlog.StageVoicemail, eventlog.ByCustomer, "")
	next().placed("C8").queued("C8", "sales").kind(eventlog.VoicemailStarted, "C8").kind(eventlog.VoicemailRecorded, "C8")
	next().ended("C8", eventlog.StageVoicemail, eventlog.ByCustomer, "")
	next().placed("C9").queued("C9", "sales").deflected("C9", "sales", eventlog.DeflectQueueFull)
	next().ended("C9", eventlog.StageRouting, eventlog.BySystem, "")
	return s
}

func TestCompletedInboundCalls(t *testing.T) {
	// Rule: MT3
	// Answered and not abandoned: C1 and C2. C6 was answered but the
	// customer hung up on hold, which the page lists as abandoned.
	r := outcomes(t).all()
	eq(t, "completed", r.Total.Completed, 2)
	eq(t, "sales completed", r.Teams["sales"].Completed, 2)
	eq(t, "ana completed", r.Teammates["ana"].Completed, 2)
	eq(t, "inbound ended", r.Total.InboundEnded, 9)
}

func TestAbandonedInboundCalls(t *testing.T) {
	// Rule: MT4
	// Routing C3, queue C4, ringing C5, on hold C6, voicemail without a
	// message C7: 5. C8 left a message, so hanging up is not abandoning.
	// Ringing hang-ups are abandoned in queue (AbandonedRinging 1: C5), not
	// no-answer. Ana is attributed C6 only (the others she never answered).
	r := outcomes(t).all()
	eq(t, "abandoned", r.Total.Abandoned, 5)
	eq(t, "abandoned ringing", r.Total.AbandonedRinging, 1)
	eq(t, "no answer", r.Total.NoAnswer, 0)
	eq(t, "sales abandoned", r.Teams["sales"].Abandoned, 4) // C3 never reached a team
	eq(t, "ana abandoned", r.Teammates["ana"].Abandoned, 1)
}

func TestVoicemailCalls(t *testing.T) {
	// Rule: MT6
	// C8 left a message: 1. C7 was abandoned in voicemail: not counted.
	r := outcomes(t).all()
	eq(t, "voicemail", r.Total.Voicemail, 1)
	eq(t, "sales voicemail", r.Teams["sales"].Voicemail, 1)
	eq(t, "deflections", r.Total.Deflections, 1)
}

func TestNoAnswer(t *testing.T) {
	// Rule: MT5
	// N1: missed by Ana, answered by Bo.                 no answer (Ana)
	// N2: declined by Ana (button), missed by Bo, declined by Ana again
	//     (busy) after the cooldown, then hung up while queued.
	//                                                      no answer (Ana, Bo), once
	// N3: forwarded to an external number, unanswered.   no answer (forward)
	// N4: customer hangs up while Ana's phone rings.     not no answer
	// Calls: 3. Rings: missed 2 (N1 Ana, N2 Bo), declined 2 (N2 Ana x2).
	// Per teammate calls: Ana 2 (N1, N2), Bo 1 (N2). Sales 2 (N1, N2),
	// Support 1 (N3 was queued there).
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.mateAdded("bo", presence.ChannelAll, presence.Active, true, "sales")
	s.at(0).placed("N1").queued("N1", "sales").offered("N1", "sales", "ana")
	s.at(30).missed("N1", "sales", "ana").offered("N1", "sales", "bo")
	s.at(35).answered("N1", "sales", "bo").at(90).ended("N1", eventlog.StageTalking, eventlog.ByTeammate, "bo")
	s.at(100).placed("N2").queued("N2", "sales").offered("N2", "sales", "ana")
	s.at(105).declined("N2", "sales", "ana", eventlog.DeclineButton).offered("N2", "sales", "bo")
	s.at(135).missed("N2", "sales", "bo")
	s.at(420).offered("N2", "sales", "ana").at(421).declined("N2", "sales", "ana", eventlog.DeclineBusy)
	s.at(430).endedBeforeAnswer("N2", "sales", eventlog.StageQueued)
	s.at(500).placed("N3").queued("N3", "support").deflected("N3", "support", eventlog.DeflectNoTeammates)
	s.kind(eventlog.ForwardUnanswered, "N3").at(530).ended("N3", eventlog.StageRouting, eventlog.BySystem, "")
	s.at(600).placed("N4").queued("N4", "sales").offered("N4", "sales", "ana")
	s.at(610).endedBeforeAnswer("N4", "sales", eventlog.StageRinging)

	r := s.all()
	eq(t, "no answer", r.Total.NoAnswer, 3)
	eq(t, "forward unanswered", r.Total.ForwardUnanswered, 1)
	eq(t, "missed rings", r.Total.Missed, 2)
	eq(t, "declined rings", r.Total.Declined, 2)
	eq(t, "ana no answer", r.Teammates["ana"].NoAnswer, 2)
	eq(t, "ana declined rings", r.Teammates["ana"].Declined, 2)
	eq(t, "bo no answer", r.Teammates["bo"].NoAnswer, 1)
	eq(t, "sales no answer", r.Teams["sales"].NoAnswer, 2)
	eq(t, "support no answer", r.Teams["support"].NoAnswer, 1)
	eq(t, "completed", r.Total.Completed, 1) // N1 is both
	eq(t, "abandoned", r.Total.Abandoned, 2) // N2, N4
}

func TestCallDuration(t *testing.T) {
	// Rule: MT7
	// Inbound I: placed 0, queued 10, answered 40, ended 160
	//   -> 160s (routing and queue included).
	// Outbound O: placed 200, customer answers 215, ended 275 -> 60s.
	// Outbound P: placed 300, never answered, ended 330 -> no duration.
	// Call duration (both): count 2, total 220s, min 60s, max 160s.
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.at(0).placed("I").at(10).queued("I", "sales").at(40).answered("I", "sales", "ana")
	s.at(160).ended("I", eventlog.StageTalking, eventlog.ByCustomer, "ana")
	s.at(200).outbound("O", "ana").at(215).customerAnswered("O", "ana", false)
	s.at(275).ended("O", eventlog.StageTalking, eventlog.ByTeammate, "ana")
	s.at(300).outbound("P", "ana").at(330).ended("P", eventlog.StageDialing, eventlog.BySystem, "ana")
	r := s.all()
	eq(t, "inbound", r.Total.InboundDuration, Durations{Count: 1, Total: secs(160), Min: secs(160), Max: secs(160)})
	eq(t, "outbound", r.Total.OutboundDuration, Durations{Count: 1, Total: secs(60), Min: secs(60), Max: secs(60)})
	eq(t, "both", r.Total.CallDuration(), Durations{Count: 2, Total: secs(220), Min: secs(60), Max: secs(160)})
	eq(t, "ana both", r.Teammates["ana"].CallDuration().Total, secs(220))
	eq(t, "mean", r.Total.CallDuration().Mean(), secs(110))
	eq(t, "outbound ended", r.Total.OutboundEnded, 2)
}

func TestAnswerTimeToFirstAnswer(t *testing.T) {
	// Rule: MT8
	// A: placed 0, routing until queued at 10, rings Ana 12, missed 42,
	// rings Bo 42, answered 50, transferred at 100 to Support, answered by
	// Cy at 130, ended 200. Answer time = 50 - 0 = 50s (first answer only;
	// routing and queue included), attributed to Sales and Bo.
	// B: placed 300, queued 300, answered by Ana 320 -> 20s.
	// Total: count 2, 70s, min 20s, max 50s.
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.mateAdded("bo", presence.ChannelAll, presence.Active, true, "sales")
	s.mateAdded("cy", presence.ChannelAll, presence.Active, true, "support")
	s.at(0).placed("A").at(10).queued("A", "sales").at(12).offered("A", "sales", "ana")
	s.at(42).missed("A", "sales", "ana").offered("A", "sales", "bo").at(50).answered("A", "sales", "bo")
	s.at(100).transfer("A", "support", "bo").at(130).answered("A", "support", "cy")
	s.at(200).ended("A", eventlog.StageTalking, eventlog.ByCustomer, "cy")
	s.at(300).placed("B").queued("B", "sales").at(320).answered("B", "sales", "ana")
	s.at(330).ended("B", eventlog.StageTalking, eventlog.ByCustomer, "ana")
	r := s.all()
	eq(t, "answer time", r.Total.AnswerTime, Durations{Count: 2, Total: secs(70), Min: secs(20), Max: secs(50)})
	eq(t, "sales", r.Teams["sales"].AnswerTime.Total, secs(70))
	eq(t, "support", r.Teams["support"].AnswerTime.Count, 0)
	eq(t, "bo", r.Teammates["bo"].AnswerTime.Total, secs(50))
	eq(t, "cy", r.Teammates["cy"].AnswerTime.Count, 0)
	// Within 10, 20, 30, 60 s: B (20 s) from 20 s on, A (50 s) at 60 s.
	eq(t, "answered within", r.Total.AnsweredWithin, [4]int{0, 1, 1, 2})
	eq(t, "sales answered within", r.Teams["sales"].AnsweredWithin, [4]int{0, 1, 1, 2})
	eq(t, "support answered within", r.Teams["support"].AnsweredWithin, [4]int{})
	// A's outcome goes to its last team and last answering teammate.
	eq(t, "support completed", r.Teams["support"].Completed, 1)
	eq(t, "cy completed", r.Teammates["cy"].Completed, 1)
}

func TestQueueTimePerSegment(t *testing.T) {
	// Rule: MT10
	// A: queued Sales 0, rings Ana 5, answered 30           -> segment 30s
	//    transferred back to Sales 90, answered by Bo 150   -> segment 60s
	//    (same team twice: two segments, not one of 90s)
	// B: queued Sales 200, deflected (hold timeout) 245     -> 45s
	// C: queued Support 300, voicemail 310                  -> 10s
	// D: queued Support 400, hung up 420                    -> 20s
	// Sales: 3 segments, 135s, min 30s, max 60s. Support: 2, 30s.
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.mateAdded("bo", presence.ChannelAll, presence.Active, true, "sales")
	s.at(0).placed("A").queued("A", "sales").at(5).offered("A", "sales", "ana").at(30).answered("A", "sales", "ana")
	s.at(90).transfer("A", "sales", "ana").at(150).answered("A", "sales", "bo")
	s.at(160).ended("A", eventlog.StageTalking, eventlog.ByCustomer, "bo")
	s.at(200).placed("B").queued("B", "sales").at(245).deflected("B", "sales", eventlog.DeflectHoldTimeout)
	s.ended("B", eventlog.StageRouting, eventlog.BySystem, "")
	s.at(300).placed("C").queued("C", "support").at(310).kind(eventlog.VoicemailStarted, "C")
	s.ended("C", eventlog.StageVoicemail, eventlog.BySystem, "")
	s.at(400).placed("D").queued("D", "support").at(420).endedBeforeAnswer("D", "support", eventlog.StageQueued)
	r := s.all()
	eq(t, "sales", r.Teams["sales"].QueueTime, Durations{Count: 3, Total: secs(135), Min: secs(30), Max: secs(60)})
	eq(t, "support", r.Teams["support"].QueueTime, Durations{Count: 2, Total: secs(30), Min: secs(10), Max: secs(20)})
	eq(t, "total", r.Total.QueueTime.Count, 5)
}

func TestTalkTimeByTeamAndTeammate(t *testing.T) {
	// Rule: MT11
	// Rule: MT12
	// A: Ana answers in Sales at 10, holds 40-70, transfers at 100
	//    -> Ana talks 30 + 30 = 60s for Sales.
	//    Bo answers in Support at 120, call ends at 180 -> Bo 60s, Support.
	//    Cy barges at 130: not counted.
	// O: Ana's outbound, customer answers 200, ends 245 -> Ana 45s, no team.
	// Sales 60s, Support 60s; Ana 105s, Bo 60s; total 165s.
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.mateAdded("bo", presence.ChannelAll, presence.Active, true, "support")
	s.mateAdded("cy", presence.ChannelAll, presence.Active, true, "support")
	s.at(0).placed("A").queued("A", "sales").at(10).answered("A", "sales", "ana")
	s.at(40).hold("A", "sales", "ana").at(70).resume("A", "sales", "ana")
	s.at(100).transfer("A", "support", "ana").at(120).answered("A", "support", "bo")
	s.at(130).add(eventlog.Event{Kind: eventlog.TeammateJoined, Call: "A", Teammate: "cy"})
	s.at(180).ended("A", eventlog.StageTalking, eventlog.ByTeammate, "bo")
	s.at(190).outbound("O", "ana").at(200).customerAnswered("O", "ana", false)
	s.at(245).ended("O", eventlog.StageTalking, eventlog.ByTeammate, "ana")
	r := s.all()
	eq(t, "sales", r.Teams["sales"].TalkTime, secs(60))
	eq(t, "support", r.Teams["support"].TalkTime, secs(60))
	eq(t, "ana", r.Teammates["ana"].TalkTime, secs(105))
	eq(t, "bo", r.Teammates["bo"].TalkTime, secs(60))
	eq(t, "cy", r.Teammates["cy"].TalkTime, 0)
	eq(t, "total", r.Total.TalkTime, secs(165))
	d := s.c.Dashboard(s.now)
	eq(t, "live ana", d.Teammates["ana"].TalkTime, secs(105))
	eq(t, "live sales", d.Teams["sales"].TalkTime, secs(60))
}

func TestOutboundVoicemailCountsAsAnswered(t *testing.T) {
	// Rule: MT14
	// O1: the customer answers at 10, ends 70.
	// O2: voicemail picks up at 110, ends 140: answered too, 30s.
	// O3: nobody picks up, ends at 230.
	// Answered 2 of 3 (1 by voicemail); duration 60s + 30s = 90s.
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelPhone, presence.Active, true)
	s.at(0).outbound("O1", "ana").at(10).customerAnswered("O1", "ana", false)
	s.at(70).ended("O1", eventlog.StageTalking, eventlog.ByTeammate, "ana")
	s.at(100).outbound("O2", "ana").at(110).customerAnswered("O2", "ana", true)
	s.at(140).ended("O2", eventlog.StageTalking, eventlog.ByTeammate, "ana")
	s.at(200).outbound("O3", "ana").at(230).ended("O3", eventlog.StageDialing, eventlog.BySystem, "ana")
	r := s.all()
	eq(t, "ended", r.Total.OutboundEnded, 3)
	eq(t, "answered", r.Total.OutboundAnswered, 2)
	eq(t, "by voicemail", r.Total.OutboundVoicemail, 1)
	eq(t, "duration", r.Total.OutboundDuration.Total, secs(90))
	eq(t, "ana answered", r.Teammates["ana"].OutboundAnswered, 2)
}

func TestWindowsAttributeAtTheEnd(t *testing.T) {
	// Rule: MT7
	// Rule: MT10
	// One-minute buckets. Call A placed 09:00:30, queued 09:00:30,
	// answered 09:01:10 (segment 40s ends in minute 09:01), ended
	// 09:02:05 (duration 95s, answer time 40s, in minute 09:02).
	//   [09:00, 09:01): nothing.
	//   [09:01, 09:02): queue time 40s; talk none (the stretch ends later).
	//   [09:02, 09:03): 1 completed, duration 95s, talk 55s.
	// A window [09:01:30, 09:02:30) rounds down to [09:01, 09:02).
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.at(30).placed("A").queued("A", "sales").at(70).answered("A", "sales", "ana")
	s.at(125).ended("A", eventlog.StageTalking, eventlog.ByCustomer, "ana")
	m := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	r0, r1, r2 := s.c.Report(m(0), m(1)), s.c.Report(m(1), m(2)), s.c.Report(m(2), m(3))
	eq(t, "minute 0 queue", r0.Total.QueueTime.Count, 0)
	eq(t, "minute 1 queue", r1.Total.QueueTime.Total, secs(40))
	eq(t, "minute 1 completed", r1.Total.Completed, 0)
	eq(t, "minute 2 completed", r2.Total.Completed, 1)
	eq(t, "minute 2 duration", r2.Total.InboundDuration.Total, secs(95))
	eq(t, "minute 2 answer", r2.Total.AnswerTime.Total, secs(40))
	eq(t, "minute 2 talk", r2.Total.TalkTime, secs(55))
	rr := s.c.Report(m(1).Add(30*time.Second), m(2).Add(30*time.Second))
	eq(t, "rounded from", rr.From, m(1))
	eq(t, "rounded to", rr.To, m(2))
	eq(t, "rounded queue", rr.Total.QueueTime.Total, secs(40))
	eq(t, "partial", rr.Partial, false)
}

func TestRetentionDropsOldBuckets(t *testing.T) {
	// Rule: MT10
	// Retention 1h: a segment measured at 09:00:10 is dropped once events
	// reach 10:01; a report reaching back before 09:01 is then partial.
	c, err := New(Config{Resolution: time.Minute, Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s := newStream(t)
	s.c = c
	s.at(0).placed("A").queued("A", "sales").at(10).kind(eventlog.VoicemailStarted, "A")
	s.at(20).ended("A", eventlog.StageVoicemail, eventlog.BySystem, "")
	eq(t, "before", c.Report(t0, t0.Add(time.Hour)).Total.QueueTime.Count, 1)
	s.at(3660).placed("B")
	r := c.Report(t0, t0.Add(2*time.Hour))
	eq(t, "after", r.Total.QueueTime.Count, 0)
	eq(t, "partial", r.Partial, true)
	eq(t, "recent not partial", c.Report(t0.Add(time.Hour), t0.Add(2*time.Hour)).Partial, false)
}

func TestChannelAt(t *testing.T) {
	// Rule: MT13
	// Ana added at 0 on All; Phone at 100; Conversations at 200; removed
	// at 300; re-added at 400 on Phone.
	//   before 0: unknown; 0..99: All; 100: Phone (a change at the instant
	//   applies); 150: Phone; 250: Conversations; 350: unknown; 500: Phone.
	s := newStream(t)
	s.at(0).mateAdded("ana", presence.ChannelAll, presence.Active, true)
	s.at(100).channel("ana", presence.ChannelPhone)
	s.at(200).channel("ana", presence.ChannelConversations)
	s.at(300).add(eventlog.Event{Kind: eventlog.TeammateRemoved, Teammate: "ana"})
	s.at(400).mateAdded("ana", presence.ChannelPhone, presence.Active, true)
	for _, c := range []struct {
		at   int
		want presence.Channel
		ok   bool
	}{
		{-1, 0, false}, {0, presence.ChannelAll, true}, {99, presence.ChannelAll, true},
		{100, presence.ChannelPhone, true}, {150, presence.ChannelPhone, true},
		{250, presence.ChannelConversations, true}, {350, 0, false}, {500, presence.ChannelPhone, true},
	} {
		got, ok := s.c.ChannelAt("ana", sec(c.at))
		if got != c.want || ok != c.ok {
			t.Errorf("at %d: got %v %v, want %v %v", c.at, got, ok, c.want, c.ok)
		}
	}
	if _, ok := s.c.ChannelAt("nobody", sec(10)); ok {
		t.Error("unknown teammate has a channel")
	}
	eq(t, "history points", len(s.c.channels["ana"]), 5)
}

func TestAbandonedAssignmentCounted(t *testing.T) {
	// Rule: MT4
	// After C ended before answer, an assignment attempt is logged (AS11):
	// counted, and does not change the abandoned count (1).
	s := newStream(t)
	s.at(0).placed("C").queued("C", "sales").at(20).endedBeforeAnswer("C", "sales", eventlog.StageQueued)
	s.add(eventlog.Event{Kind: eventlog.AbandonedAssignment, Call: "C", Team: "sales"})
	r := s.all()
	eq(t, "abandoned assignments", r.Total.AbandonedAssignments, 1)
	eq(t, "sales abandoned assignments", r.Teams["sales"].AbandonedAssignments, 1)
	eq(t, "abandoned", r.Total.Abandoned, 1)
}

func TestVoicemailWhileRingingEndsTheSegment(t *testing.T) {
	// Rule: MT10
	// Rule: MT5
	// V: queued Sales 0, rings Ana 10, sent to voicemail 25 (the ring
	// stops without a miss), message left, ended 60.
	// Queue segment 25s; no unanswered ring; voicemail 1; Ana free again.
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.at(0).placed("V").queued("V", "sales").at(10).offered("V", "sales", "ana")
	s.at(25).kind(eventlog.VoicemailStarted, "V").kind(eventlog.VoicemailRecorded, "V")
	s.at(60).ended("V", eventlog.StageVoicemail, eventlog.BySystem, "")
	r := s.all()
	eq(t, "queue time", r.Teams["sales"].QueueTime.Total, secs(25))
	eq(t, "no answer", r.Total.NoAnswer, 0)
	eq(t, "voicemail", r.Total.Voicemail, 1)
	eq(t, "ana ringing", s.c.Dashboard(s.now).Teammates["ana"].Ringing, false)
}
