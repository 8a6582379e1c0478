package assign

import (
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// TeammateView is a read-only copy of a teammate's state.
type TeammateView struct {
	ID       pb.TeammateID  `json:"id"`
	Name     string         `json:"name,omitempty"`
	Presence presence.State `json:"presence"`
	// LastAssigned is the last conversation assignment; zero if none.
	LastAssigned time.Time `json:"last_assigned,omitzero"`
	// Ringing is the call ringing for them, if any.
	Ringing pb.CallID `json:"ringing,omitempty"`
	// Calls is the number of phone calls they are on.
	Calls int `json:"calls"`
	// Eligible reports whether they could be offered a call now, leaving
	// aside per-call exclusions and team membership (rule AS2).
	Eligible bool `json:"eligible"`
	// Teams are the teams they belong to, in the order they joined.
	Teams []pb.TeamID `json:"teams"`
}

// Teammate returns a copy of a teammate's state.
func (e *Engine) Teammate(id pb.TeammateID) (TeammateView, bool) {
	t, ok := e.teammates[id]
	if !ok {
		return TeammateView{}, false
	}
	return t.view(), true
}

// EachTeammate calls visit with a copy of every teammate's state, in no
// particular order, until visit returns false. The view's Teams slice is
// reused once visit returns: copy it to keep it. It costs O(teammates),
// allocates only to grow that one slice, and does none of the sorting and
// copying of [Engine.Snapshot]: it is the way to list a large workspace
// while holding the engine's lock for as short a time as possible. visit
// must not call the engine.
func (e *Engine) EachTeammate(visit func(TeammateView) bool) {
	var teams []pb.TeamID
	for _, t := range e.teammates {
		v := t.viewOf()
		teams = teams[:0]
		for _, tm := range t.teams {
			teams = append(teams, tm.id)
		}
		if len(teams) > 0 {
			v.Teams = teams[:len(teams):len(teams)]
		}
		if !visit(v) {
			return
		}
	}
}

// view is t's view, with a Teams slice of its own.
func (t *teammate) view() TeammateView {
	v := t.viewOf()
	if len(t.teams) > 0 {
		v.Teams = make([]pb.TeamID, len(t.teams))
		for i, tm := range t.teams {
			v.Teams[i] = tm.id
		}
	}
	return v
}

// viewOf is t's view without Teams.
func (t *teammate) viewOf() TeammateView {
	v := TeammateView{ID: t.id, Name: t.name, Presence: t.pres, Calls: t.calls, Eligible: t.inTrees}
	if t.last != never {
		v.LastAssigned = time.Unix(0, t.last)
	}
	if t.ringing != nil {
		v.Ringing = t.ringing.id
	}
	return v
}

// TeamView is a read-only summary of a team.
type TeamView struct {
	ID   pb.TeamID `json:"id"`
	Name string    `json:"name,omitempty"`
	// Members is the number of teammates in the team.
	Members int `json:"members"`
	// InQueue is the number of calls in its queue, ringing ones included.
	InQueue int `json:"in_queue"`
}

// EachTeam calls visit with a summary of every team, in no particular
// order, until visit returns false. O(teams), allocation-free; visit must
// not call the engine.
func (e *Engine) EachTeam(visit func(TeamView) bool) {
	for _, tm := range e.teams {
		if !visit(TeamView{ID: tm.id, Name: tm.name, Members: len(tm.members), InQueue: tm.inQueue}) {
			return
		}
	}
}

// TeamConfig returns a team's settings (its queue limits and operating
// hours, with the out-of-office override), and whether the team exists.
// O(1); a read-only copy.
func (e *Engine) TeamConfig(id pb.TeamID) (TeamConfig, bool) {
	tm, ok := e.teams[id]
	if !ok {
		return TeamConfig{}, false
	}
	cfg := tm.cfg
	cfg.Hours.Weekly = slices.Clone(cfg.Hours.Weekly)
	return cfg, true
}

// Exclusion is a teammate's cooldown from one call (rule AS7).
type Exclusion struct {
	Teammate pb.TeammateID `json:"teammate"`
	Until    time.Time     `json:"until"`
}

// CallView is a read-only copy of a call's state. Ended calls stay visible
// for Config.EndedCallRetention.
type CallView struct {
	ID        pb.CallID    `json:"id"`
	Direction pb.Direction `json:"direction"`
	// Stage is where the call is, or where it ended.
	Stage eventlog.Stage `json:"stage"`
	Ended bool           `json:"ended,omitempty"`
	// Team is the current queue segment's team, empty while routing.
	Team pb.TeamID `json:"team,omitempty"`
	// Segment counts the call's queue segments so far.
	Segment int `json:"segment,omitempty"`
	// Ringing and RingUntil: the teammate being rung and until when.
	Ringing   pb.TeammateID `json:"ringing,omitempty"`
	RingUntil time.Time     `json:"ring_until,omitzero"`
	// Agent is the teammate on the call.
	Agent pb.TeammateID `json:"agent,omitempty"`
	// PlacedAt, InboxAssignedAt and AgentAssignedAt are the call's
	// placement, first queueing and first answer times (rule AS13).
	PlacedAt        time.Time `json:"placed_at"`
	InboxAssignedAt time.Time `json:"inbox_assigned_at,omitzero"`
	AgentAssignedAt time.Time `json:"agent_assigned_at,omitzero"`
	// Excluded lists the live exclusions, oldest first.
	Excluded []Exclusion `json:"excluded,omitempty"`
	// Callback: the customer asked to be called back and the call kept its
	// place ([Engine.QueueCallback]); they are not on the line until the
	// host dials them back.
	Callback bool `json:"callback,omitempty"`
}

// Call returns a copy of a call's state.
func (e *Engine) Call(id pb.CallID) (CallView, bool) {
	c := e.calls.get(id)
	if c == nil {
		return CallView{}, false
	}
	return c.view(), true
}

// EachCall calls visit with a copy of every call the engine holds (those
// in progress, and ended ones for Config.EndedCallRetention), in no
// particular order, until visit returns false. O(calls), allocating only
// for calls with exclusions; visit must not call the engine.
func (e *Engine) EachCall(visit func(CallView) bool) {
	for _, c := range e.calls.all() {
		if !visit(c.view()) {
			return
		}
	}
}

func (c *call) view() CallView {
	v := CallView{ID: c.id, Direction: c.dir, Stage: c.stage, Ended: c.ended, Segment: c.segment,
		RingUntil: c.ringUntil, PlacedAt: c.placedAt, InboxAssignedAt: c.inboxAt, AgentAssignedAt: c.agentAt,
		Callback: c.callback}
	if c.team != nil {
		v.Team = c.team.id
	}
	if c.ringing != nil {
		v.Ringing = c.ringing.id
	}
	if c.agent != nil {
		v.Agent = c.agent.id
	}
	for _, x := range c.excluded {
		v.Excluded = append(v.Excluded, Exclusion{Teammate: x.id, Until: x.until()})
	}
	return v
}

// TeamCounts returns a team's composition now (rule EL3) and the number of
// calls in its queue, ringing ones included.
func (e *Engine) TeamCounts(id pb.TeamID) (presence.Counts, int, bool) {
	tm, ok := e.teams[id]
	if !ok {
		return presence.Counts{}, 0, false
	}
	return tm.counts, tm.inQueue, true
}

// Waiting returns the team's waiting calls that are not ringing, oldest
// first.
func (e *Engine) Waiting(id pb.TeamID) []pb.CallID {
	tm, ok := e.teams[id]
	if !ok {
		return nil
	}
	var out []pb.CallID
	tm.queue.Ascend(func(c *call) bool {
		out = append(out, c.id)
		return true
	})
	return out
}

// OfferOrder returns the team's eligible members in the order they would
// be rung, longest idle first (rule AS3).
func (e *Engine) OfferOrder(id pb.TeamID) []pb.TeammateID {
	tm, ok := e.teams[id]
	if !ok {
		return nil
	}
	out := make([]pb.TeammateID, 0, tm.eligible.Len())
	tm.eligible.Ascend(func(it treeItem) bool {
		out = append(out, it.id)
		return true
	})
	return out
}

// NextInLine returns the teammate a new call queued for the team would ring
// now: its longest-idle eligible member. It is the assignment decision on
// its own, read-only, O(log n) in the team's size and allocation-free.
func (e *Engine) NextInLine(id pb.TeamID) (pb.TeammateID, bool) {
	tm, ok := e.teams[id]
	if !ok {
		return "", false
	}
	it, ok := tm.eligible.Min()
	return it.id, ok
}
