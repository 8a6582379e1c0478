package metrics

import (
	"errors"
	"math"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// Talk time saturates instead of wrapping: two teammates talking for two
// centuries each sum past the int64 nanosecond range, and the totals read
// the largest Duration, not a negative one.
// Rule: MT11, MT12, MT15
func TestTalkTimeSaturates(t *testing.T) {
	s := newStream(t)
	s.now = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []pb.TeammateID{"ana", "ben"} {
		s.mateAdded(m, presence.ChannelAll, presence.Active, true, "sup")
	}
	for _, x := range []struct {
		call pb.CallID
		mate pb.TeammateID
	}{{"c1", "ana"}, {"c2", "ben"}} {
		s.placed(x.call).queued(x.call, "sup").offered(x.call, "sup", x.mate).answered(x.call, "sup", x.mate)
	}
	s.now = time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC)
	d := s.c.Dashboard(s.now)
	if d.TalkTime != math.MaxInt64 || d.Teams["sup"].TalkTime != math.MaxInt64 {
		t.Fatalf("ongoing talk time %v, team %v: want saturation", d.TalkTime, d.Teams["sup"].TalkTime)
	}
	s.ended("c1", eventlog.StageTalking, eventlog.ByCustomer, "ana")
	s.ended("c2", eventlog.StageTalking, eventlog.ByCustomer, "ben")
	d = s.c.Dashboard(s.now)
	if d.TalkTime != math.MaxInt64 || d.Teams["sup"].TalkTime != math.MaxInt64 {
		t.Fatalf("talk time %v, team %v: want saturation", d.TalkTime, d.Teams["sup"].TalkTime)
	}
	if d.Teammates["ana"].TalkTime <= 0 {
		t.Fatalf("ana's talk time %v", d.Teammates["ana"].TalkTime)
	}
	r := s.c.Report(s.now.Add(-time.Hour), s.now.Add(time.Hour))
	if r.Total.TalkTime != math.MaxInt64 {
		t.Fatalf("report talk time %v: want saturation", r.Total.TalkTime)
	}
	var sum Durations
	sum.add(math.MaxInt64 - 1)
	sum.add(time.Hour)
	sum.merge(Durations{Count: 1, Total: time.Hour, Min: time.Hour, Max: time.Hour})
	if sum.Total != math.MaxInt64 || sum.Count != 3 {
		t.Fatalf("durations %+v", sum)
	}
}

// A removed teammate's channel history is dropped once the removal is
// older than Config.Retention, like any other history; one added again
// keeps theirs.
// Rule: MT13
func TestRemovedTeammatesChannelHistoryIsDropped(t *testing.T) {
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sup")
	s.mateAdded("ben", presence.ChannelPhone, presence.Active, true, "sup")
	s.at(10).add(eventlog.Event{Kind: eventlog.TeammateRemoved, Teammate: "ana"})
	s.add(eventlog.Event{Kind: eventlog.TeammateRemoved, Teammate: "ben"})
	s.at(20).mateAdded("ben", presence.ChannelConversations, presence.Active, true)
	if _, ok := s.c.ChannelAt("ana", sec(5)); !ok {
		t.Fatal("history lost within the retention")
	}
	s.now = sec(0).Add(DefaultConfig().Retention + time.Minute)
	s.mateAdded("cy", presence.ChannelAll, presence.Active, true)
	if _, ok := s.c.channels["ana"]; ok {
		t.Fatalf("removed teammate's history kept past the retention: %v", s.c.channels["ana"])
	}
	if ch, ok := s.c.ChannelAt("ben", s.now); !ok || ch != presence.ChannelConversations {
		t.Fatalf("re-added teammate's channel %v %v", ch, ok)
	}
}

// One event with an implausible Seq (MaxUint64) or time (year 9999) is
// refused, so the correct events after it are still accepted.
func TestImplausibleEventsDoNotPoisonTheCollector(t *testing.T) {
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sup")
	for _, bad := range []eventlog.Event{
		{Kind: eventlog.ConversationAssigned, Teammate: "ana", Seq: math.MaxUint64, At: s.now},
		{Kind: eventlog.ConversationAssigned, Teammate: "ana", Seq: s.seq + MaxSeqGap + 1, At: s.now},
		{Kind: eventlog.ConversationAssigned, Teammate: "ana", Seq: s.seq + 1, At: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if err := s.c.Observe(bad); err == nil || !errors.Is(err, ErrOutOfOrder) && !errors.Is(err, ErrInvalidEvent) {
			t.Fatalf("implausible event %d at %v: %v", bad.Seq, bad.At, err)
		}
	}
	s.seq += 1000 // a gap within reason
	s.add(eventlog.Event{Kind: eventlog.ConversationAssigned, Teammate: "ana"})
	if s.c.Rejected() != 3 {
		t.Fatalf("rejected %d", s.c.Rejected())
	}
	first, _ := New(DefaultConfig())
	if err := first.Observe(eventlog.Event{Kind: eventlog.TeammateAdded, Teammate: "x", Seq: math.MaxUint64,
		At: s.now, Channel: presence.ChannelAll, Status: presence.Active}); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("first event with Seq MaxUint64: %v", err)
	}
}
