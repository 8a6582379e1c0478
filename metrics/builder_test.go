package metrics

import (
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// t0 is 09:00:00 UTC; test times are offsets from it in seconds.
var t0 = time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)

func sec(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// stream builds an event stream by hand in the shape of package eventlog's
// documentation; every event it adds is observed at once and must be
// accepted.
type stream struct {
	t      testing.TB
	c      *Collector
	seq    uint64
	now    time.Time
	events []eventlog.Event
	segs   map[pb.CallID]int
	dirs   map[pb.CallID]pb.Direction
}

func newStream(t testing.TB) *stream {
	t.Helper()
	c, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return &stream{t: t, c: c, now: t0, segs: map[pb.CallID]int{}, dirs: map[pb.CallID]pb.Direction{}}
}

// at moves the clock to s seconds after t0.
func (s *stream) at(secs int) *stream { s.now = sec(secs); return s }

func (s *stream) add(e eventlog.Event) *stream {
	s.t.Helper()
	s.seq++
	e.Seq, e.At = s.seq, s.now
	if e.Call != "" && e.Direction == 0 {
		e.Direction = s.dirs[e.Call]
	}
	if err := s.c.Observe(e); err != nil {
		s.t.Fatalf("event %d %v refused: %v", e.Seq, e.Kind, err)
	}
	s.events = append(s.events, e)
	return s
}

func (s *stream) call(k eventlog.Kind, call pb.CallID, team pb.TeamID, mate pb.TeammateID) eventlog.Event {
	return eventlog.Event{Kind: k, Call: call, Team: team, Segment: s.segs[call], Teammate: mate}
}

func (s *stream) mateAdded(m pb.TeammateID, ch presence.Channel, st presence.Status, client bool, teams ...pb.TeamID) *stream {
	reason := ""
	if st == presence.Away {
		reason = "Lunch"
	}
	s.add(eventlog.Event{Kind: eventlog.TeammateAdded, Teammate: m, Channel: ch, Status: st, Reason: reason, ClientActive: client})
	for _, t := range teams {
		s.add(eventlog.Event{Kind: eventlog.MemberAdded, Teammate: m, Team: t})
	}
	return s
}

func (s *stream) status(m pb.TeammateID, st presence.Status, reason string) *stream {
	return s.add(eventlog.Event{Kind: eventlog.StatusChanged, Teammate: m, Status: st, Reason: reason})
}

func (s *stream) channel(m pb.TeammateID, ch presence.Channel) *stream {
	return s.add(eventlog.Event{Kind: eventlog.ChannelChanged, Teammate: m, Channel: ch})
}

func (s *stream) client(m pb.TeammateID, on bool) *stream {
	return s.add(eventlog.Event{Kind: eventlog.ClientChanged, Teammate: m, ClientActive: on})
}

func (s *stream) placed(call pb.CallID) *stream {
	s.dirs[call] = pb.Inbound
	return s.add(eventlog.Event{Kind: eventlog.CallPlaced, Call: call, Direction: pb.Inbound})
}

func (s *stream) queued(call pb.CallID, team pb.TeamID) *stream {
	s.segs[call]++
	return s.add(s.call(eventlog.CallQueued, call, team, ""))
}

func (s *stream) offered(call pb.CallID, team pb.TeamID, m pb.TeammateID) *stream {
	e := s.call(eventlog.CallOffered, call, team, m)
	e.Deadline = s.now.Add(30 * time.Second)
	return s.add(e)
}

// answered logs the answer and the automatic "On a call" status (PR4).
func (s *stream) answered(call pb.CallID, team pb.TeamID, m pb.TeammateID) *stream {
	s.add(s.call(eventlog.CallAnswered, call, team, m))
	return s.status(m, presence.Away, presence.ReasonOnACall)
}

func (s *stream) missed(call pb.CallID, team pb.TeamID, m pb.TeammateID) *stream {
	return s.add(s.call(eventlog.CallMissed, call, team, m))
}

func (s *stream) declined(call pb.CallID, team pb.TeamID, m pb.TeammateID, cause eventlog.DeclineCause) *stream {
	e := s.call(eventlog.CallDeclined, call, team, m)
	e.Decline = cause
	return s.add(e)
}

func (s *stream) hold(call pb.CallID, team pb.TeamID, m pb.TeammateID) *stream {
	return s.add(s.call(eventlog.CallOnHold, call, team, m))
}

func (s *stream) resume(call pb.CallID, team pb.TeamID, m pb.TeammateID) *stream {
	return s.add(s.call(eventlog.CallResumed, call, team, m))
}

// transfer moves the call to team: CallTransferred then CallQueued (LC3).
func (s *stream) transfer(call pb.CallID, to pb.TeamID, by pb.TeammateID) *stream {
	s.add(eventlog.Event{Kind: eventlog.CallTransferred, Call: call, Team: to, Teammate: by})
	s.status(by, presence.Active, "")
	return s.queued(call, to)
}

// ended ends the call from stage; when a teammate was on it they become
// Active again (no wrap-up configured).
func (s *stream) ended(call pb.CallID, st eventlog.Stage, by eventlog.Party, m pb.TeammateID) *stream {
	s.add(eventlog.Event{Kind: eventlog.CallEnded, Call: call, Stage: st, By: by, Teammate: m})
	if m != "" {
		s.status(m, presence.Active, "")
	}
	return s
}

func (s *stream) endedBeforeAnswer(call pb.CallID, team pb.TeamID, st eventlog.Stage) *stream {
	e := s.call(eventlog.CallEndedBeforeAnswer, call, team, "")
	e.Stage = st
	return s.add(e)
}

func (s *stream) deflected(call pb.CallID, team pb.TeamID, why eventlog.Deflection) *stream {
	e := s.call(eventlog.CallDeflected, call, team, "")
	e.Deflection = why
	return s.add(e)
}

func (s *stream) kind(k eventlog.Kind, call pb.CallID) *stream {
	return s.add(eventlog.Event{Kind: k, Call: call})
}

func (s *stream) outbound(call pb.CallID, m pb.TeammateID) *stream {
	s.dirs[call] = pb.Outbound
	s.add(eventlog.Event{Kind: eventlog.CallPlaced, Call: call, Direction: pb.Outbound, Teammate: m})
	return s.status(m, presence.Away, presence.ReasonOnACall)
}

func (s *stream) customerAnswered(call pb.CallID, m pb.TeammateID, voicemail bool) *stream {
	return s.add(eventlog.Event{Kind: eventlog.CustomerAnswered, Call: call, Teammate: m, Voicemail: voicemail})
}

// all returns the report over the whole day.
func (s *stream) all() Report {
	return s.c.Report(t0.Truncate(24*time.Hour), t0.Truncate(24*time.Hour).Add(24*time.Hour))
}

func eq[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func secs(n int) time.Duration { return time.Duration(n) * time.Second }
