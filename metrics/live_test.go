package metrics

import (
	"errors"
	"testing"

	pb "github.com/phonebalance/phonebalance"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

func TestInQueueIncludesRingingAndEndsAtAnswer(t *testing.T) {
	// Rule: MT1
	// Rule: MT2
	// Call A: placed 0, queued Sales 5, rings Ana 10, answered 20, on hold
	// 30, transferred to Support 40. Call B: placed 25, queued Sales 26.
	//   after 5:  in queue 1 (A)            active 0
	//   after 10: in queue 1 (A ringing)    active 0
	//   after 20: in queue 0                active 1 (A talking)
	//   after 26: in queue 1 (B)            active 1
	//   after 30: in queue 1                active 1 (A on hold still counts)
	//   after 40: in queue 2 (B Sales, A Support)  active 0
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	check := func(when string, q, a, qSales, qSupport, aSales int) {
		t.Helper()
		d := s.c.Dashboard(s.now)
		eq(t, when+" in queue", d.InQueue, q)
		eq(t, when+" active", d.Active, a)
		eq(t, when+" sales in queue", d.Teams["sales"].InQueue, qSales)
		eq(t, when+" support in queue", d.Teams["support"].InQueue, qSupport)
		eq(t, when+" sales active", d.Teams["sales"].Active, aSales)
	}
	s.at(0).placed("A")
	check("routing", 0, 0, 0, 0, 0)
	s.at(5).queued("A", "sales")
	check("queued", 1, 0, 1, 0, 0)
	s.at(10).offered("A", "sales", "ana")
	check("ringing", 1, 0, 1, 0, 0)
	eq(t, "ana ringing", s.c.Dashboard(s.now).Teammates["ana"].Ringing, true)
	s.at(20).answered("A", "sales", "ana")
	check("answered", 0, 1, 0, 0, 1)
	eq(t, "ana active calls", s.c.Dashboard(s.now).Teammates["ana"].ActiveCalls, 1)
	s.at(25).placed("B").at(26).queued("B", "sales")
	check("B queued", 1, 1, 1, 0, 1)
	s.at(30).hold("A", "sales", "ana")
	check("on hold", 1, 1, 1, 0, 1)
	s.at(40).transfer("A", "support", "ana")
	check("transferred", 2, 0, 1, 1, 0)
	eq(t, "ana active calls", s.c.Dashboard(s.now).Teammates["ana"].ActiveCalls, 0)
}

func TestOutboundIsNotAnActiveInboundCall(t *testing.T) {
	// Rule: MT2
	// An outbound call keeps Ana on a call (OnCall) but is not an inbound
	// call: Active stays 0 from placing to the end.
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelPhone, presence.Active, true)
	s.at(0).outbound("O", "ana").at(5).customerAnswered("O", "ana", false)
	d := s.c.Dashboard(s.now)
	eq(t, "active", d.Active, 0)
	eq(t, "ana on call", d.Teammates["ana"].OnCall, true)
	eq(t, "ana active calls", d.Teammates["ana"].ActiveCalls, 0)
}

func TestAvailableForPhone(t *testing.T) {
	// Rule: MT9
	// Ana: All, Active, client        -> available
	// Bo:  Phone, Active, no client   -> not (no active phone client)
	// Cy:  Conversations, Active, client -> not (channel)
	// Di:  Phone, Away (Lunch), client -> not (away)
	// Workspace 1, Sales (Ana, Bo, Cy) 1, Support (Di) 0.
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.mateAdded("bo", presence.ChannelPhone, presence.Active, false, "sales")
	s.mateAdded("cy", presence.ChannelConversations, presence.Active, true, "sales")
	s.mateAdded("di", presence.ChannelPhone, presence.Away, true, "support")
	check := func(when string, all, sales, support int) {
		t.Helper()
		d := s.c.Dashboard(s.now)
		eq(t, when+" workspace", d.AvailableForPhone, all)
		eq(t, when+" sales", d.Teams["sales"].AvailableForPhone, sales)
		eq(t, when+" support", d.Teams["support"].AvailableForPhone, support)
	}
	check("start", 1, 1, 0)

	// Ana answers: Away "On a call", but handling a phone call counts.
	s.at(0).placed("A").queued("A", "sales").offered("A", "sales", "ana").at(3).answered("A", "sales", "ana")
	check("ana on a call", 1, 1, 0)
	eq(t, "ana available", s.c.Dashboard(s.now).Teammates["ana"].AvailableForPhone, true)
	// Bo opens the client: 2. Di comes back: 3, Support 1.
	s.at(4).client("bo", true)
	check("bo client", 2, 2, 0)
	s.at(5).status("di", presence.Active, "")
	check("di active", 3, 2, 1)
	// An admin moves Bo to Conversations (PR7): 2.
	s.at(6).channel("bo", presence.ChannelConversations)
	check("bo conversations", 2, 1, 1)
	// Di joins Sales too: counted in both teams, once in the workspace.
	s.add(eventlog.Event{Kind: eventlog.MemberAdded, Teammate: "di", Team: "sales"})
	check("di in two teams", 2, 2, 1)
	// Ana's call ends with wrap-up: Away "call wrap up", no call -> 1.
	s.at(60).add(eventlog.Event{Kind: eventlog.CallEnded, Call: "A", Stage: eventlog.StageTalking, By: eventlog.ByTeammate, Teammate: "ana"})
	s.add(eventlog.Event{Kind: eventlog.WrapUpStarted, Teammate: "ana", Deadline: sec(90)})
	s.status("ana", presence.Away, presence.ReasonWrapUp)
	check("ana wrap-up", 1, 1, 1)
	// Di leaves Sales, then is removed.
	s.add(eventlog.Event{Kind: eventlog.MemberRemoved, Teammate: "di", Team: "sales"})
	check("di left sales", 1, 0, 1)
	s.add(eventlog.Event{Kind: eventlog.TeammateRemoved, Teammate: "di"})
	check("di removed", 0, 0, 0)
	if _, ok := s.c.Dashboard(s.now).Teammates["di"]; ok {
		t.Error("removed teammate still on the dashboard")
	}
}

func TestOutboundCallerCountsAsAvailable(t *testing.T) {
	// Rule: MT9
	// Ana (Phone, Active, client) places an outbound call: Away "On a
	// call" but handling one, so still 1; after the end and Active again, 1.
	// Cy on Conversations placing one is not counted (channel).
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelPhone, presence.Active, true)
	s.mateAdded("cy", presence.ChannelConversations, presence.Active, true)
	s.at(0).outbound("O", "ana").outbound("P", "cy")
	eq(t, "during", s.c.Dashboard(s.now).AvailableForPhone, 1)
	s.at(10).ended("O", eventlog.StageDialing, eventlog.BySystem, "ana")
	eq(t, "after", s.c.Dashboard(s.now).AvailableForPhone, 1)
}

func TestLiveTalkTime(t *testing.T) {
	// Rule: MT11
	// Rule: MT12
	// Rule: MT15
	// Ana answers A in Sales at 10, holds 40-70, call ends at 100:
	//   talking 10-40 (30s) + 70-100 (30s) = 60s.
	// Bo answers B in Support at 50 and is still talking.
	// Dashboard at 80: Ana 30 + (80-70) = 40s; Bo 80-50 = 30s;
	//   Sales 40s, Support 30s, total 70s.
	// Dashboard at 100 after A ended: Ana 60s; Bo 50s; total 110s.
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.mateAdded("bo", presence.ChannelAll, presence.Active, true, "support")
	s.at(0).placed("A").queued("A", "sales").at(10).answered("A", "sales", "ana")
	s.at(20).placed("B").queued("B", "support")
	s.at(40).hold("A", "sales", "ana")
	s.at(50).answered("B", "support", "bo")
	s.at(70).resume("A", "sales", "ana")
	d := s.c.Dashboard(sec(80))
	eq(t, "ana at 80", d.Teammates["ana"].TalkTime, secs(40))
	eq(t, "bo at 80", d.Teammates["bo"].TalkTime, secs(30))
	eq(t, "sales at 80", d.Teams["sales"].TalkTime, secs(40))
	eq(t, "support at 80", d.Teams["support"].TalkTime, secs(30))
	eq(t, "total at 80", d.TalkTime, secs(70))
	s.at(100).ended("A", eventlog.StageTalking, eventlog.ByCustomer, "ana")
	d = s.c.Dashboard(sec(100))
	eq(t, "ana at 100", d.Teammates["ana"].TalkTime, secs(60))
	eq(t, "bo at 100", d.Teammates["bo"].TalkTime, secs(50))
	eq(t, "total at 100", d.TalkTime, secs(110))
	// An instant before the last event is clamped to it: never backwards.
	eq(t, "clamped", s.c.Dashboard(sec(90)).TalkTime, secs(110))
}

func TestLiveVoicemailsAndCallbacks(t *testing.T) {
	// Rule: MT15
	// A goes to voicemail from Sales' queue and leaves a message; B asks
	// for a callback from routing, then goes to voicemail and hangs up
	// without a message.
	//   in voicemail: 2 while both are there, 0 after both end.
	//   voicemails (recorded): 1 (A); callbacks: 1 (B).
	s := newStream(t)
	s.at(0).placed("A").queued("A", "sales").at(10).kind(eventlog.VoicemailStarted, "A")
	s.at(11).placed("B").kind(eventlog.CallbackRequested, "B").kind(eventlog.VoicemailStarted, "B")
	d := s.c.Dashboard(s.now)
	eq(t, "in voicemail", d.InVoicemail, 2)
	eq(t, "sales in voicemail", d.Teams["sales"].InVoicemail, 1)
	s.at(40).kind(eventlog.VoicemailRecorded, "A").ended("A", eventlog.StageVoicemail, eventlog.ByCustomer, "")
	s.at(41).ended("B", eventlog.StageVoicemail, eventlog.ByCustomer, "")
	d = s.c.Dashboard(s.now)
	eq(t, "in voicemail after", d.InVoicemail, 0)
	eq(t, "voicemails", d.Voicemails, 1)
	eq(t, "sales voicemails", d.Teams["sales"].Voicemails, 1)
	eq(t, "callbacks", d.Callbacks, 1)
	eq(t, "in queue", d.InQueue, 0)
}

func TestCallbackKeepingItsPlace(t *testing.T) {
	// Rule: MT15
	// Rule: LC5
	// A asks for a callback while ringing Ana and keeps its place: still in
	// the queue (the ring goes on), counted as a callback at once. Ana
	// misses it, Ben answers and the dial-back does not reach the
	// customer: a callback not reached, answered but not completed. B is a
	// kept callback that Ben answers and that reaches its customer:
	// completed.
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.mateAdded("ben", presence.ChannelAll, presence.Active, true, "sales")
	s.at(0).placed("A").queued("A", "sales").at(5).offered("A", "sales", "ana")
	kept := s.call(eventlog.CallbackRequested, "A", "sales", "")
	kept.KeepsPlace = true
	s.at(10).add(kept)
	d := s.c.Dashboard(s.now)
	eq(t, "in queue", d.InQueue, 1)
	eq(t, "ana ringing", d.Teammates["ana"].Ringing, true)
	eq(t, "callbacks", d.Callbacks, 1)
	eq(t, "sales callbacks", d.Teams["sales"].Callbacks, 1)
	if err := s.c.Observe(eventlog.Event{Seq: uint64(len(s.events) + 1), At: s.now, Kind: eventlog.CallbackRequested,
		Call: "A", Team: "sales", KeepsPlace: true}); err == nil {
		t.Error("a second kept callback for one call was accepted")
	}
	s.at(35).missed("A", "sales", "ana").at(40).offered("A", "sales", "ben").at(45).answered("A", "sales", "ben")
	s.at(50).add(s.call(eventlog.CallbackUnreached, "A", "sales", "ben")).ended("A", eventlog.StageTalking, eventlog.BySystem, "ben")
	s.at(60).placed("B").queued("B", "sales")
	kept = s.call(eventlog.CallbackRequested, "B", "sales", "")
	kept.KeepsPlace = true
	s.add(kept).at(70).offered("B", "sales", "ben").answered("B", "sales", "ben")
	s.at(100).ended("B", eventlog.StageTalking, eventlog.ByTeammate, "ben")

	d = s.c.Dashboard(s.now)
	eq(t, "callbacks", d.Callbacks, 2)
	eq(t, "callbacks unreached", d.CallbacksUnreached, 1)
	eq(t, "sales callbacks unreached", d.Teams["sales"].CallbacksUnreached, 1)
	r := s.all()
	eq(t, "report callbacks", r.Total.Callbacks, 2)
	eq(t, "report callbacks unreached", r.Total.CallbacksUnreached, 1)
	eq(t, "sales callbacks unreached", r.Teams["sales"].CallbacksUnreached, 1)
	eq(t, "ben callbacks unreached", r.Teammates["ben"].CallbacksUnreached, 1)
	eq(t, "completed (B only)", r.Total.Completed, 1)
	eq(t, "answer times (both answered)", r.Total.AnswerTime.Count, 2)
	tot := s.c.Totals().Teams["sales"]
	eq(t, "totals callbacks", tot.Callbacks, uint64(2))
	eq(t, "totals callbacks unreached", tot.CallbacksUnreached, uint64(1))
	eq(t, "rings missed", tot.Rings[RingMissed], uint64(1))
	eq(t, "rings answered", tot.Rings[RingAnswered], uint64(2))
	eq(t, "rings canceled", tot.Rings[RingCanceled], uint64(0))
}

func TestCallbackUnreachedNeedsACallback(t *testing.T) {
	// Rule: LC5
	// An unreached callback on a call that asked for none, or a kept
	// callback on a call not in a queue, breaks the stream's shape; a
	// well-formed event of each kind is accepted after.
	s := newStream(t)
	s.at(0).placed("A").queued("A", "sales").placed("R")
	next := func(e eventlog.Event) eventlog.Event {
		e.Seq, e.At, e.Direction = s.seq+1, s.now, pb.Inbound
		return e
	}
	if err := s.c.Observe(next(s.call(eventlog.CallbackUnreached, "A", "sales", ""))); !errors.Is(err, ErrUnexpected) {
		t.Errorf("an unreached callback with no callback request: %v", err)
	}
	kept := s.call(eventlog.CallbackRequested, "R", "", "")
	kept.KeepsPlace = true
	if err := s.c.Observe(next(kept)); !errors.Is(err, ErrUnexpected) {
		t.Errorf("a kept callback of a routing call: %v", err)
	}
	kept.Call, kept.Team = "A", "sales"
	s.add(kept).add(s.call(eventlog.CallbackUnreached, "A", "sales", ""))
}

func TestCallbackEndingTheCallCancelsItsRingOnce(t *testing.T) {
	// Rule: LC5
	// A callback request that ends a ringing call (CallbackRequested then
	// CallEnded) ends its ring once: one canceled ring, not two.
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.at(0).placed("A").queued("A", "sales").offered("A", "sales", "ana")
	s.at(5).kind(eventlog.CallbackRequested, "A").ended("A", eventlog.StageRinging, eventlog.BySystem, "")
	eq(t, "canceled rings", s.c.Totals().Teams["sales"].Rings[RingCanceled], uint64(1))
}
