package assign

import (
	"errors"
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
//
// Deadlines are not data of their own: each follows from the state it
// belongs to (a ring from RingUntil, a hold limit from QueuedAt and the
// team's MaxWait, wrap-up from the teammate's WrapUpUntil, an exclusion
// from its Until, forgetting an ended call from EndedAt and
// Config.EndedCallRetention). Deadlines lists them only to order those
// that fall at the same instant.
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
	Callback  bool          `json:"callback,omitempty"`
	Excluded  []Exclusion   `json:"excluded,omitempty"`

	PlacedAt        time.Time `json:"placed_at"`
	InboxAssignedAt time.Time `json:"inbox_assigned_at,omitzero"`
	AgentAssignedAt time.Time `json:"agent_assigned_at,omitzero"`
	QueuedAt        time.Time `json:"queued_at,omitzero"`
	// EndedAt is when an ended call ended; it is forgotten
	// Config.EndedCallRetention later.
	EndedAt time.Time `json:"ended_at,omitzero"`
}

// Deadline names one pending deadline in a [Snapshot]: what it belongs to.
// Its time follows from that state.
type Deadline struct {
	// Kind is "ring", "exclusion", "wrap_up", "hold" or "forget".
	Kind string `json:"kind"`
	// At is when it fires, as derived from the state. [Engine.Snapshot]
	// fills it in for readers; [Restore] refuses a snapshot whose At, if
	// set, differs from the derived time.
	At       time.Time     `json:"at,omitzero"`
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
	for _, c := range e.calls.sorted() {
		v := c.view()
		cs := CallState{ID: c.id, Direction: c.dir, Stage: c.stage, Ended: c.ended, Team: v.Team,
			Segment: c.segment, QueueSeq: c.qseq, Ringing: v.Ringing, RingUntil: c.ringUntil, Agent: v.Agent,
			Answered: c.answered, Recorded: c.recorded, Callback: c.callback, Excluded: v.Excluded,
			PlacedAt: c.placedAt, InboxAssignedAt: c.inboxAt, AgentAssignedAt: c.agentAt, QueuedAt: c.queuedAt,
			EndedAt: c.endedAt}
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

// Restore builds an engine from a snapshot. It derives every deadline from
// the state it belongs to, then checks the result with the same invariant
// check the engine's tests run after every command: a snapshot that does
// not hold together (an unknown or repeated ID, a call ringing someone who
// cannot take it, a talking call with nobody on it, a teammate over the
// call limit, two waiting calls with one queue number, a deadline that has
// already passed or lies beyond its period, an invalid config, …) is
// refused with an error wrapping ErrInvalidArgument or ErrInvalidConfig.
//
// If a waiting call could be offered to an eligible teammate, the
// restored engine offers it at once, at Now, as the engine would have:
// the offers are in its [Engine.Ready]. A snapshot taken with
// [Engine.Snapshot] never needs that, and restores to an engine with
// nothing to deliver.
func Restore(s Snapshot) (*Engine, error) {
	e, err := New(s.Config)
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: snapshot: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
	}
	if !s.Now.IsZero() {
		if err := checkTime(s.Now); err != nil {
			return nil, bad("now: %v", err)
		}
	}
	if s.EventSeq > maxSeq || s.QueueSeq > maxSeq {
		return nil, bad("sequence numbers %d, %d above %d", s.EventSeq, s.QueueSeq, uint64(maxSeq))
	}
	e.now, e.clock, e.eventSeq, e.queueSeq = s.Now, s.Now, s.EventSeq, s.QueueSeq
	for _, ts := range s.Teams {
		if err := e.AddTeam(ts.ID, ts.Name, ts.Config); err != nil {
			return nil, err
		}
	}
	if err := e.restoreTeammates(s, bad); err != nil {
		return nil, err
	}
	exclusionUntil, err := e.restoreCalls(s.Calls, bad)
	if err != nil {
		return nil, err
	}
	for _, id := range sortedIDs(e.teammates) {
		t := e.teammates[id]
		t.class, t.online = 0, false
		e.refresh(t)
	}
	if err := e.restoreDeadlines(s.Deadlines, exclusionUntil, bad); err != nil {
		return nil, err
	}
	// Check everything but the dispatch invariant, then restore that one
	// as a command would, and check again.
	clear(e.dirty)
	e.dirty = e.dirty[:0]
	for _, tm := range e.teams {
		tm.dirty = false
	}
	if err := e.checkState(false); err != nil {
		return nil, bad("%v", err)
	}
	for _, id := range sortedIDs(e.teams) {
		e.markDirty(e.teams[id])
	}
	e.dispatch()
	if err := checkInvariants(e); err != nil {
		return nil, bad("%v", err)
	}
	return e, nil
}

func (e *Engine) restoreTeammates(s Snapshot, bad func(string, ...any) error) error {
	for _, ts := range s.Teammates {
		if err := checkID("teammate", ts.ID); err != nil || e.teammates[ts.ID] != nil {
			return bad("teammate %q is invalid or repeated", ts.ID)
		}
		if err := errors.Join(checkText("name", ts.Name), ts.Presence.Validate(), checkText("reason", ts.Presence.Reason)); err != nil {
			return bad("teammate %q: %v", ts.ID, err)
		}
		t := newTeammate(ts.ID, ts.Name, ts.Presence)
		switch {
		case ts.Assigned && (ts.LastAssigned.Before(earliestTime) || ts.LastAssigned.After(s.Now)):
			return bad("teammate %q: last assigned at %v, outside [%v, %v]", ts.ID, ts.LastAssigned, earliestTime, s.Now)
		case ts.Assigned:
			t.last = ts.LastAssigned.UnixNano()
		case !ts.LastAssigned.IsZero():
			return bad("teammate %q: a last assignment but not assigned", ts.ID)
		}
		e.teammates[ts.ID] = t
	}
	for _, ts := range s.Teammates {
		t := e.teammates[ts.ID]
		for _, id := range ts.Teams {
			tm := e.teams[id]
			if tm == nil || tm.member(t) {
				return bad("teammate %q: team %q unknown or repeated", ts.ID, id)
			}
			t.teams = append(t.teams, tm)
		}
	}
	for _, ts := range s.Teams {
		tm := e.teams[ts.ID]
		listed := make(map[*teammate]bool, len(ts.Members))
		for _, id := range ts.Members {
			t := e.teammates[id]
			if t == nil || !tm.member(t) || listed[t] {
				return bad("team %q: member %q unknown, repeated or not listing the team", ts.ID, id)
			}
			listed[t] = true
			tm.members = append(tm.members, t)
		}
		if len(tm.members) != countMemberships(e, tm) {
			return bad("team %q: members and teammates' teams disagree", ts.ID)
		}
	}
	return nil
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

// restoreCalls builds the calls and links them to teams and teammates,
// refusing what would not let the links be built; the invariant check
// then judges the rest.
func (e *Engine) restoreCalls(calls []CallState, bad func(string, ...any) error) (map[*exclusion]time.Time, error) {
	exclusionUntil := map[*exclusion]time.Time{}
	for _, cs := range calls {
		if err := checkID("call", cs.ID); err != nil || e.calls.get(cs.ID) != nil || !cs.Direction.Valid() || !cs.Stage.Valid() {
			return nil, bad("call %q: invalid, repeated, or of invalid direction or stage", cs.ID)
		}
		c := e.newCall(cs.ID, cs.Direction, cs.Stage)
		c.ended, c.segment, c.qseq, c.ringUntil = cs.Ended, cs.Segment, cs.QueueSeq, cs.RingUntil
		c.answered, c.recorded, c.callback = cs.Answered, cs.Recorded, cs.Callback
		c.placedAt, c.inboxAt, c.agentAt, c.queuedAt = cs.PlacedAt, cs.InboxAssignedAt, cs.AgentAssignedAt, cs.QueuedAt
		c.endedAt = cs.EndedAt
		e.calls.add(c)
		if cs.Team != "" {
			if c.team = e.teams[cs.Team]; c.team == nil {
				return nil, bad("call %q: unknown team %q", cs.ID, cs.Team)
			}
		}
		waiting := !cs.Ended && (cs.Stage == eventlog.StageQueued || cs.Stage == eventlog.StageRinging)
		if cs.Ringing != "" {
			t := e.teammates[cs.Ringing]
			if t == nil || t.ringing != nil || !waiting || cs.Stage != eventlog.StageRinging || c.team == nil {
				return nil, bad("call %q: cannot be ringing %q", cs.ID, cs.Ringing)
			}
			c.ringing, t.ringing = t, c
		}
		if cs.Agent != "" {
			t := e.teammates[cs.Agent]
			if t == nil || cs.Ended {
				return nil, bad("call %q: unknown agent %q", cs.ID, cs.Agent)
			}
			c.agent = t
			t.calls++
		}
		for _, x := range cs.Excluded {
			if checkID("teammate", x.Teammate) != nil ||
				slices.ContainsFunc(c.excluded, func(y *exclusion) bool { return y.id == x.Teammate }) {
				return nil, bad("call %q: exclusion of %q invalid or repeated", cs.ID, x.Teammate)
			}
			ex := &exclusion{id: x.Teammate, t: e.teammates[x.Teammate]}
			if ex.t == nil {
				e.orphans++
			}
			ex.timer.Key = timerKey{kind: timerExclusion, c: c, x: ex}
			c.excluded = append(c.excluded, ex)
			exclusionUntil[ex] = x.Until
		}
		if waiting {
			if c.team == nil {
				return nil, bad("call %q: waiting without a team", cs.ID)
			}
			if cs.Stage == eventlog.StageQueued {
				if c.team.queue.Has(c) {
					return nil, bad("call %q: queue number %d taken", cs.ID, cs.QueueSeq)
				}
				c.team.push(c)
			}
			c.team.inQueue++
		}
	}
	return exclusionUntil, nil
}

// restoreDeadlines schedules every deadline the state implies, at the time
// it implies, in the order the snapshot lists them for equal times. The
// list must name each exactly once, and nothing else.
func (e *Engine) restoreDeadlines(deadlines []Deadline, exclusionUntil map[*exclusion]time.Time, bad func(string, ...any) error) error {
	type pending struct {
		tm *timer
		at time.Time
	}
	list := make([]pending, 0, len(deadlines))
	seen := make(map[*timer]bool, len(deadlines))
	for _, d := range deadlines {
		var tm *timer
		var at time.Time
		c, t := e.calls.get(d.Call), e.teammates[d.Teammate]
		switch {
		case d.Kind == "ring" && c != nil && c.ringing != nil && d.Teammate == "":
			tm, at = &c.ring, c.ringUntil
		case d.Kind == "hold" && c != nil && d.Teammate == "" && c.team != nil && c.team.cfg.MaxWait > 0 &&
			!c.ended && (c.stage == eventlog.StageQueued || c.stage == eventlog.StageRinging):
			tm, at = &c.hold, c.queuedAt.Add(c.team.cfg.MaxWait)
		case d.Kind == "forget" && c != nil && c.ended && d.Teammate == "" && e.cfg.EndedCallRetention > 0:
			tm, at = &c.forget, c.endedAt.Add(e.cfg.EndedCallRetention)
		case d.Kind == "wrap_up" && t != nil && t.pres.InWrapUp() && d.Call == "":
			tm, at = &t.wrap, t.pres.WrapUpUntil
		case d.Kind == "exclusion" && c != nil:
			for _, x := range c.excluded {
				if x.id == d.Teammate {
					tm, at = &x.timer, exclusionUntil[x]
				}
			}
		}
		if tm == nil || seen[tm] {
			return bad("deadline %s for call %q, teammate %q matches nothing or repeats", d.Kind, d.Call, d.Teammate)
		}
		if !d.At.IsZero() && !d.At.Equal(at) {
			return bad("deadline %s for call %q, teammate %q at %v, but the state says %v", d.Kind, d.Call, d.Teammate, d.At, at)
		}
		seen[tm] = true
		list = append(list, pending{tm, at})
	}
	// Only equal instants keep the listed order.
	slices.SortStableFunc(list, func(a, b pending) int { return a.at.Compare(b.at) })
	for _, p := range list {
		e.timers.Schedule(p.tm, p.at)
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
