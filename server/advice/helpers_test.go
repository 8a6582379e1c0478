package advice

import (
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// at is t0 plus minutes and seconds.
func at(min, sec int) time.Time {
	return t0.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second)
}

// stream numbers events as the engine does.
type stream struct {
	seq uint64
	evs []eventlog.Event
}

func (s *stream) add(ev eventlog.Event) *stream {
	s.seq++
	ev.Seq = s.seq
	s.evs = append(s.evs, ev)
	return s
}

func (s *stream) member(when time.Time, team pb.TeamID, mate pb.TeammateID) *stream {
	return s.add(eventlog.Event{At: when, Kind: eventlog.MemberAdded, Team: team, Teammate: mate})
}

func (s *stream) queued(when time.Time, call pb.CallID, team pb.TeamID) *stream {
	return s.add(eventlog.Event{At: when, Kind: eventlog.CallQueued, Call: call, Direction: pb.Inbound, Team: team, Segment: 1})
}

func (s *stream) answered(when time.Time, call pb.CallID, team pb.TeamID, mate pb.TeammateID) *stream {
	return s.add(eventlog.Event{At: when, Kind: eventlog.CallAnswered, Call: call, Direction: pb.Inbound, Team: team, Teammate: mate, Segment: 1})
}

func (s *stream) ended(when time.Time, call pb.CallID, mate pb.TeammateID) *stream {
	return s.add(eventlog.Event{At: when, Kind: eventlog.CallEnded, Call: call, Direction: pb.Inbound, Teammate: mate, Stage: eventlog.StageTalking, By: eventlog.ByCustomer})
}

func (s *stream) wrap(start, deadline time.Time, mate pb.TeammateID) *stream {
	return s.add(eventlog.Event{At: start, Kind: eventlog.WrapUpStarted, Teammate: mate, Deadline: deadline})
}

func (s *stream) wrapEnd(when time.Time, mate pb.TeammateID) *stream {
	return s.add(eventlog.Event{At: when, Kind: eventlog.WrapUpEnded, Teammate: mate})
}

func (s *stream) into(tr *Tracker) *Tracker {
	for _, ev := range s.evs {
		tr.Observe(ev)
	}
	return tr
}
