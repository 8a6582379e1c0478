package assign

import (
	"fmt"
	"slices"
	"strings"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// Snapshot is an engine's whole state as plain data: enough for [Restore]
// to build an engine that then makes exactly the same decisions, emits the
// same events with the same sequence numbers and fires the same deadlines
// in the same order. It encodes to JSON. Output not yet taken with
// [Engine.Ready] is not part of it.
type Snapshot struct {
	Config    Config          `json:"config"`
	Now       time.Time       `json:"now"`
	EventSeq  uint64          `json:"event_seq"`
	QueueSeq  uint64          `json:"queue_seq"`
	Teams     []TeamState     `json:"teams"`
	Teammates []TeammateState `json:"teammates"`
	Calls     []CallState     `json:"calls"`
	// Deadlines are the pending deadlines in the order they fire.
	Deadlines []Deadline `json:"deadlines"`
}

// TeamState is one team in a [Snapshot].
type TeamState struct {
	ID     pb.TeamID  `json:"id"`
	Name   string     `json:"name"`
	Config TeamConfig `json:"config"`
	// Members in the order they joined.
	Members []pb.TeammateID `json:"members"`
}

// TeammateState is one teammate in a [Snapshot]. Whether they ring or are
// on calls follows from the calls.
type TeammateState struct {
	ID       pb.TeammateID  `json:"id"`
	Name     string         `json:"name"`
	Presence presence.State `json:"presence"`
	// LastAssigned is the last conversation assignment; Assigned is false
	// when there has been none.
	LastAssigned time.Time `json:"last_assigned,omitzero"`
	Assigned     bool      `json:"assigned,omitempty"`
	// Teams in the order the teammate joined them.
	Teams []pb.TeamID `json:"teams"`
}

// CallState is one call in a [Snapshot], ended ones still remembered
// included.
type CallState struct {
	ID        pb.CallID      `json:"id"`
	Direction pb.Direction   `json:"direction"`
	Stage     eventlog.Stage `json:"stage"`
	Ended     bool           `json:"ended,omitempty"`
	Team      pb.TeamID      `json:"team,omitempty"`
	Segment   int            `json:"segment,omitempty"`
	// QueueSeq orders the call among waiting calls.
	QueueSeq  uint64        `json:"queue_seq,omitempty"`
	Ringing   pb.TeammateID `json:"ringing,omitempty"`
	RingUntil time.Time     `json:"ring_until,omitzero"`
	Agent     pb.TeammateID `json:"agent,omitempty"`
	Answered  bool          `json:"answered,omitempty"`
	Recorded  bool          `json:"recorded,omitempty"`
	Excluded  []Exclusion   `json:"excluded,omitempty"`

	PlacedAt        time.Time `json:"placed_at"`
	InboxAssignedAt time.Time `json:"inbox_assigned_at,omitzero"`
	AgentAssignedAt time.Time `json:"agent_assigned_at,omitzero"`
	QueuedAt        time.Time `json:"queued_at,omitzero"`
}

// Deadline is one pending deadline in a [Snapshot].
type Deadline struct {
	// Kind is "ring", "exclusion", "wrap_up", "hold" or "forget".
	Kind     string        `json:"kind"`
	At       time.Time     `json:"at"`
	Call     pb.CallID     `json:"call,omitempty"`
	Teammate pb.TeammateID `json:"teammate,omitempty"`
}

var timerKindNames = [...]string{timerRing: "ring", timerExclusion: "exclusion",
	timerWrapUp: "wrap_up", timerHold: "hold", timerForget: "forget"}

// Snapshot returns the engine's state. Its cost is linear in the number of
// teammates, teams, calls and deadlines.
func (e *Engine) Snapshot() Snapshot {
	s := Snapshot{Config: e.cfg, Now: e.now, EventSeq: e.eventSeq, QueueSeq: e.queueSeq}
	for _, id := range sortedIDs(e.teams) {
		tm := e.teams[id]
		ts := TeamState{ID: tm.id, Name: tm.name, Config: tm.cfg, Members: []pb.TeammateID{}}
		for _, m := range tm.members {
			ts.Members = append(ts.Members, m.id)
		}
		s.Teams = append(s.Teams, ts)
	}
	for _, id := range sortedIDs(e.teammates) {
		t := e.teammates[id]
		ts := TeammateState{ID: t.id, Name: t.name, Presence: t.pres, Teams: []pb.TeamID{}}
		if t.last != never {
			ts.LastAssigned, ts.Assigned = time.Unix(0, t.last).UTC(), true
		}
		for _, tm := range t.teams {
			ts.Teams = append(ts.Teams, tm.id)
		}
		s.Teammates = append(s.Teammates, ts)
	}
	for _, id := range sortedIDs(e.calls) {
		c := e.calls[id]
		v, _ := e.Call(id)
		cs := CallState{ID: c.id, Direction: c.dir, Stage: c.stage, Ended: c.ended, Team: v.Team,
			Segment: c.segment, QueueSeq: c.qseq, Ringing: v.Ringing, RingUntil: c.ringUntil, Agent: v.Agent,
			Answered: c.answered, Recorded: c.recorded, Excluded: v.Excluded,
			PlacedAt: c.placedAt, InboxAssignedAt: c.inboxAt, AgentAssignedAt: c.agentAt, QueuedAt: c.queuedAt}
		s.Calls = append(s.Calls, cs)
	}
	for _, tm := range e.timers.Timers() {
		k := tm.Key
		dl := Deadline{Kind: timerKindNames[k.kind], At: tm.Until()}
		if k.c != nil {
			dl.Call = k.c.id
		}
		switch {
		case k.t != nil:
			dl.Teammate = k.t.id
		case k.x != nil:
			dl.Teammate = k.x.id
		}
		s.Deadlines = append(s.Deadlines, dl)
	}
	return s
}

func sortedIDs[K ~string, V any](m map[K]V) []K {
	ids := make([]K, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Restore builds an engine from a snapshot. A snapshot that does not hold
// together (an unknown ID, a call ringing someone who is not there, an
// invalid config) is refused with an error wrapping ErrInvalidArgument or
// ErrInvalidConfig.
func Restore(s Snapshot) (*Engine, error) {
	e, err := New(s.Config)
	if err != nil {
		return nil, err
	}
	e.now, e.clock, e.eventSeq, e.queueSeq = s.Now, s.Now, s.EventSeq, s.QueueSeq
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: snapshot: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
	}
	for _, ts := range s.Teams {
		if err := e.AddTeam(ts.ID, ts.Name, ts.Config); err != nil {
			return nil, err
		}
	}
	for _, ts := range s.Teammates {
		if ts.ID == "" || e.teammates[ts.ID] != nil {
			return nil, bad("teammate %q is empty or repeated", ts.ID)
		}
		if err := ts.Presence.Validate(); err != nil {
			return nil, bad("teammate %q: %v", ts.ID, err)
		}
		t := newTeammate(ts.ID, ts.Name, ts.Presence)
		if ts.Assigned {
			t.last = ts.LastAssigned.UnixNano()
		}
		e.teammates[ts.ID] = t
	}
	for _, ts := range s.Teammates {
		t := e.teammates[ts.ID]
		for _, id := range ts.Teams {
			tm := e.teams[id]
			if tm == nil || tm.member(t) {
				return nil, bad("teammate %q: team %q unknown or repeated", ts.ID, id)
			}
			t.teams = append(t.teams, tm)
		}
	}
	for _, ts := range s.Teams {
		tm := e.teams[ts.ID]
		for _, id := range ts.Members {
			t := e.teammates[id]
			if t == nil || !tm.member(t) || slices.Contains(tm.members, t) {
				return nil, bad("team %q: member %q unknown, repeated or not listing the team", ts.ID, id)
			}
			tm.members = append(tm.members, t)
		}
		if len(tm.members) != countMemberships(e, tm) {
			return nil, bad("team %q: members and teammates' teams disagree", ts.ID)
		}
	}
	if err := e.restoreCalls(s.Calls, bad); err != nil {
		return nil, err
	}
	for _, id := range sortedIDs(e.teammates) {
		t := e.teammates[id]
		t.class, t.online = 0, false
		e.refresh(t)
	}
	clear(e.dirty)
	e.dirty = e.dirty[:0]
	for _, tm := range e.teams {
		tm.dirty = false
	}
	if err := e.restoreDeadlines(s.Deadlines, bad); err != nil {
		return nil, err
	}
	return e, nil
}

func countMemberships(e *Engine, tm *team) int {
	n := 0
	for _, t := range e.teammates {
		if tm.member(t) {
			n++
		}
	}
	return n
}

func (e *Engine) restoreCalls(calls []CallState, bad func(string, ...any) error) error {
	for _, cs := range calls {
		if cs.ID == "" || e.calls[cs.ID] != nil || !cs.Direction.Valid() || !cs.Stage.Valid() {
			return bad("call %q: empty, repeated or invalid", cs.ID)
		}
		c := e.newCall(cs.ID, cs.Direction, cs.Stage)
		c.ended, c.segment, c.qseq, c.ringUntil = cs.Ended, cs.Segment, cs.QueueSeq, cs.RingUntil
		c.answered, c.recorded = cs.Answered, cs.Recorded
		c.placedAt, c.inboxAt, c.agentAt, c.queuedAt = cs.PlacedAt, cs.InboxAssignedAt, cs.AgentAssignedAt, cs.QueuedAt
		if cs.Team != "" {
			if c.team = e.teams[cs.Team]; c.team == nil {
				return bad("call %q: unknown team %q", cs.ID, cs.Team)
			}
		}
		if cs.Ringing != "" {
			t := e.teammates[cs.Ringing]
			if t == nil || t.ringing != nil || cs.Stage != eventlog.StageRinging || c.team == nil || cs.Ended {
				return bad("call %q: cannot be ringing %q", cs.ID, cs.Ringing)
			}
			c.ringing, t.ringing = t, c
		}
		if cs.Agent != "" {
			t := e.teammates[cs.Agent]
			if t == nil || cs.Ended {
				return bad("call %q: unknown agent %q", cs.ID, cs.Agent)
			}
			c.agent = t
			t.calls++
		}
		for _, x := range cs.Excluded {
			if x.Teammate == "" || slices.ContainsFunc(c.excluded, func(y *exclusion) bool { return y.id == x.Teammate }) {
				return bad("call %q: exclusion of %q empty or repeated", cs.ID, x.Teammate)
			}
			ex := &exclusion{id: x.Teammate}
			ex.timer.Key = timerKey{kind: timerExclusion, c: c, x: ex}
			c.excluded = append(c.excluded, ex)
		}
		if !cs.Ended && (cs.Stage == eventlog.StageQueued || cs.Stage == eventlog.StageRinging) {
			if c.team == nil {
				return bad("call %q: waiting without a team", cs.ID)
			}
			c.team.inQueue++
			if cs.Stage == eventlog.StageQueued {
				c.team.queue.ReplaceOrInsert(c)
			}
		}
		e.calls[cs.ID] = c
	}
	return nil
}

func (e *Engine) restoreDeadlines(deadlines []Deadline, bad func(string, ...any) error) error {
	for _, d := range deadlines {
		var tm *timer
		c, t := e.calls[d.Call], e.teammates[d.Teammate]
		switch {
		case d.Kind == "ring" && c != nil && c.ringing != nil:
			tm = &c.ring
		case d.Kind == "hold" && c != nil && c.stage.Valid() && !c.ended:
			tm = &c.hold
		case d.Kind == "forget" && c != nil && c.ended:
			tm = &c.forget
		case d.Kind == "wrap_up" && t != nil && t.pres.InWrapUp():
			tm = &t.wrap
		case d.Kind == "exclusion" && c != nil:
			for _, x := range c.excluded {
				if x.id == d.Teammate {
					tm = &x.timer
				}
			}
		}
		if tm == nil || tm.Scheduled() {
			return bad("deadline %s for call %q, teammate %q matches nothing or repeats", d.Kind, d.Call, d.Teammate)
		}
		e.timers.Schedule(tm, d.At)
	}
	for _, c := range e.calls {
		for _, x := range c.excluded {
			if !x.timer.Scheduled() {
				return bad("call %q: exclusion of %q has no deadline", c.id, x.id)
			}
		}
	}
	return nil
}

// String renders the snapshot compactly, one line per item, for tests and
// debugging.
func (s Snapshot) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "now %v events %d queue %d\n", s.Now, s.EventSeq, s.QueueSeq)
	for _, x := range s.Teams {
		fmt.Fprintf(&b, "team %+v\n", x)
	}
	for _, x := range s.Teammates {
		fmt.Fprintf(&b, "teammate %+v\n", x)
	}
	for _, x := range s.Calls {
		fmt.Fprintf(&b, "call %+v\n", x)
	}
	for _, x := range s.Deadlines {
		fmt.Fprintf(&b, "deadline %+v\n", x)
	}
	return b.String()
}
