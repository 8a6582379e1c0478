package assign

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
	"pgregory.net/rapid"
)

// The reference model: plain maps and linear scans, no trees, no heaps. It
// replays the engine's events, checking each decision against the rules as
// the rules state them, and applies the host's commands on its own, so a
// missing or extra event shows up as a difference in state.

type mTeammate struct {
	id        pb.TeammateID
	pres      presence.State
	ringing   pb.CallID
	calls     int
	last      time.Time // zero: never assigned
	assigned  bool
	teams     map[pb.TeamID]bool
	wrapUntil time.Time
}

type mCall struct {
	id        pb.CallID
	team      pb.TeamID
	order     int // arrival order of the current queue segment
	stage     eventlog.Stage
	ringing   pb.TeammateID
	ringUntil time.Time
	agent     pb.TeammateID
	excluded  map[pb.TeammateID]time.Time // lapses at the time
	ended     bool
	callback  bool // a callback keeping its place (QueueCallback)
}

type model struct {
	cfg       Config
	now       time.Time
	teammates map[pb.TeammateID]*mTeammate
	teams     []pb.TeamID
	calls     map[pb.CallID]*mCall
	order     int
	offers    map[[2]string]time.Time // (call, teammate) → last decline or miss
}

func newModel(cfg Config, teams []pb.TeamID) *model {
	return &model{cfg: cfg, teammates: map[pb.TeammateID]*mTeammate{}, teams: teams,
		calls: map[pb.CallID]*mCall{}, offers: map[[2]string]time.Time{}}
}

func (m *model) eligible(t *mTeammate, c *mCall, at time.Time) bool {
	if !t.pres.Channel.TakesPhone() || t.pres.Status != presence.Active || !t.pres.HasActiveClient() {
		return false
	}
	if t.ringing != "" || t.calls >= m.cfg.CallLimit || !t.teams[c.team] {
		return false
	}
	until, ok := c.excluded[t.id]
	return !ok || !at.Before(until)
}

// idleBefore is the longest-idle order of rule AS3.
func idleBefore(a, b *mTeammate) bool {
	if a.assigned != b.assigned {
		return !a.assigned
	}
	if !a.last.Equal(b.last) {
		return a.last.Before(b.last)
	}
	return a.id < b.id
}

// best is the teammate rules AS2 and AS3 say must be offered c at at.
func (m *model) best(c *mCall, at time.Time) *mTeammate {
	var best *mTeammate
	for _, t := range m.teammates {
		if m.eligible(t, c, at) && (best == nil || idleBefore(t, best)) {
			best = t
		}
	}
	return best
}

func (m *model) waiting() []*mCall {
	var out []*mCall
	for _, c := range m.calls {
		if !c.ended && c.stage == eventlog.StageQueued {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *mCall) int { return a.order - b.order })
	return out
}

// applyEvents checks each engine event against the rules and applies it.
func (m *model) applyEvents(t *rapid.T, evs []eventlog.Event) {
	for _, ev := range evs {
		if ev.At.Before(m.now) {
			t.Fatalf("event %v at %v before model time %v", ev.Kind, ev.At, m.now)
		}
		m.fireUntil(t, ev.At, ev)
		m.now = ev.At
		switch ev.Kind {
		case eventlog.CallOffered:
			m.checkOffer(t, ev)
		case eventlog.CallMissed:
			c, tm := m.calls[ev.Call], m.teammates[ev.Teammate]
			if c.ringing != ev.Teammate || !ev.At.Equal(c.ringUntil) {
				t.Fatalf("Rule AS5: %s missed by %s at %v; ringing %q until %v", ev.Call, ev.Teammate, ev.At, c.ringing, c.ringUntil)
			}
			m.ringFailed(c, tm, ev.At)
		case eventlog.CallDeclined:
			c, tm := m.calls[ev.Call], m.teammates[ev.Teammate]
			if c.ringing != ev.Teammate {
				t.Fatalf("%s declined by %s but ringing %q", ev.Call, ev.Teammate, c.ringing)
			}
			if !tm.teams[c.team] {
				// Removed from the team while rung: the ring ends as a
				// decline, without exclusion.
				if ev.Decline != eventlog.DeclineWentAway {
					t.Fatalf("%s: removal of %s logged as decline %v", c.id, tm.id, ev.Decline)
				}
				c.stage, c.ringing, c.ringUntil = eventlog.StageQueued, "", time.Time{}
				tm.ringing = ""
				continue
			}
			m.ringFailed(c, tm, ev.At)
		case eventlog.WrapUpEnded:
			// Ended early by a command the model already applied, or on its
			// own at exactly its deadline.
			tm := m.teammates[ev.Teammate]
			if !tm.wrapUntil.IsZero() {
				if !ev.At.Equal(tm.wrapUntil) {
					t.Fatalf("Rule PR6: wrap-up of %s ended at %v, due %v", tm.id, ev.At, tm.wrapUntil)
				}
				tm.wrapUntil = time.Time{}
				tm.pres.Status, tm.pres.Reason = presence.Active, ""
			}
		}
	}
}

// fireUntil checks that no ring or wrap-up deadline before at was skipped.
func (m *model) fireUntil(t *rapid.T, at time.Time, ev eventlog.Event) {
	for _, c := range m.calls {
		if c.ringing != "" && c.ringUntil.Before(at) {
			t.Fatalf("Rule AS5: %s rang %s past its deadline %v (event %v at %v)", c.id, c.ringing, c.ringUntil, ev.Kind, at)
		}
	}
	for _, tm := range m.teammates {
		if !tm.wrapUntil.IsZero() && tm.wrapUntil.Before(at) {
			t.Fatalf("Rule PR6: wrap-up of %s overran %v", tm.id, tm.wrapUntil)
		}
	}
}

func (m *model) checkOffer(t *rapid.T, ev eventlog.Event) {
	c, ok := m.calls[ev.Call]
	if !ok || c.ended || c.stage != eventlog.StageQueued {
		t.Fatalf("offer of %s which is not waiting", ev.Call)
	}
	tm := m.teammates[ev.Teammate]
	if tm == nil || !m.eligible(tm, c, ev.At) {
		t.Fatalf("Rule AS2: %s offered to ineligible %s", ev.Call, ev.Teammate)
	}
	if last, ok := m.offers[[2]string{string(c.id), string(tm.id)}]; ok && ev.At.Before(last.Add(m.cfg.ExclusionPeriod)) {
		t.Fatalf("Rule AS7: %s offered to %s at %v, within %v of their miss or decline at %v", c.id, tm.id, ev.At, m.cfg.ExclusionPeriod, last)
	}
	if b := m.best(c, ev.At); b != tm {
		t.Fatalf("Rule AS3: %s offered to %s, longest idle eligible is %s", c.id, tm.id, b.id)
	}
	for _, w := range m.waiting() {
		if w.order < c.order && m.eligible(tm, w, ev.At) {
			t.Fatalf("Rule AS12: %s offered to %s before older %s they could take", c.id, tm.id, w.id)
		}
	}
	if !ev.Deadline.Equal(ev.At.Add(m.cfg.RingTimeout)) {
		t.Fatalf("Rule AS5: ring deadline %v, want %v", ev.Deadline, ev.At.Add(m.cfg.RingTimeout))
	}
	c.stage, c.ringing, c.ringUntil = eventlog.StageRinging, tm.id, ev.Deadline
	tm.ringing = c.id
}

func (m *model) ringFailed(c *mCall, tm *mTeammate, at time.Time) {
	c.stage, c.ringing, c.ringUntil = eventlog.StageQueued, "", time.Time{}
	tm.ringing = ""
	c.excluded[tm.id] = at.Add(m.cfg.ExclusionPeriod)
	m.offers[[2]string{string(c.id), string(tm.id)}] = at
}

// answered applies an answer the engine accepted.
func (m *model) answered(c *mCall, tm *mTeammate) {
	if c.ringing != "" {
		m.teammates[c.ringing].ringing = ""
	}
	c.stage, c.ringing, c.ringUntil, c.agent = eventlog.StageTalking, "", time.Time{}, tm.id
	tm.calls++
	tm.last, tm.assigned = m.now, true
	if tm.calls >= m.cfg.CallLimit {
		tm.pres.Status, tm.pres.Reason = presence.Away, presence.ReasonOnACall
		tm.wrapUntil = time.Time{}
	}
}

func (m *model) offCall(tm *mTeammate) {
	tm.calls--
	if tm.calls < m.cfg.CallLimit && tm.pres.Status == presence.Away && tm.pres.Reason == presence.ReasonOnACall {
		if m.cfg.WrapUp > 0 && tm.calls == 0 {
			tm.pres.Reason, tm.wrapUntil = presence.ReasonWrapUp, m.now.Add(m.cfg.WrapUp)
		} else {
			tm.pres.Status, tm.pres.Reason = presence.Active, ""
		}
	}
}

func (m *model) end(c *mCall) {
	if c.ringing != "" {
		m.teammates[c.ringing].ringing = ""
	}
	if c.agent != "" {
		m.offCall(m.teammates[c.agent])
	}
	c.ended, c.ringing, c.agent = true, "", ""
}

// checkState compares the engine with the model at the end of a step and
// checks the dispatch invariant.
func (m *model) checkState(t *rapid.T, e *Engine) {
	for _, c := range m.calls {
		if c.ringing != "" && !c.ringUntil.After(m.now) {
			t.Fatalf("Rule AS5: %s still rings %s at %v, deadline %v", c.id, c.ringing, m.now, c.ringUntil)
		}
	}
	for _, tm := range m.teammates {
		if !tm.wrapUntil.IsZero() && !tm.wrapUntil.After(m.now) {
			t.Fatalf("Rule PR6: %s still wraps up at %v, due %v", tm.id, m.now, tm.wrapUntil)
		}
	}
	for id, tm := range m.teammates {
		v, ok := e.Teammate(id)
		if !ok {
			t.Fatalf("engine lost teammate %s", id)
		}
		if v.Presence.Status != tm.pres.Status || v.Presence.Reason != tm.pres.Reason ||
			v.Presence.Channel != tm.pres.Channel || v.Presence.HasActiveClient() != tm.pres.HasActiveClient() {
			t.Fatalf("teammate %s: engine %+v, model %+v", id, v.Presence, tm.pres)
		}
		if string(v.Ringing) != string(tm.ringing) || v.Calls != tm.calls {
			t.Fatalf("Rule AS4: teammate %s: engine ringing %q calls %d, model %q %d", id, v.Ringing, v.Calls, tm.ringing, tm.calls)
		}
		if tm.calls+boolInt(tm.ringing != "") > m.cfg.CallLimit {
			t.Fatalf("Rule AS4: %s rings or holds more than %d calls", id, m.cfg.CallLimit)
		}
	}
	ringing := map[pb.TeammateID]pb.CallID{}
	for id, c := range m.calls {
		v, ok := e.Call(id)
		if !ok {
			continue // forgotten after retention
		}
		if v.Ended != c.ended || v.Callback != c.callback ||
			(!c.ended && (v.Stage != c.stage || v.Ringing != c.ringing || v.Agent != c.agent)) {
			t.Fatalf("call %s: engine %+v, model %+v", id, v, c)
		}
		if c.ringing != "" {
			if other, dup := ringing[c.ringing]; dup {
				t.Fatalf("Rule AS4: %s rings with %s and %s", c.ringing, other, id)
			}
			ringing[c.ringing] = id
		}
	}
	for _, c := range m.waiting() {
		if b := m.best(c, m.now); b != nil {
			t.Fatalf("Rule AS12: %s waits while %s is eligible for it", c.id, b.id)
		}
	}
}

// checkDashboard compares the live metrics with the model's calls.
// Rule: MT1, MT2, MT15
func (m *model) checkDashboard(t *rapid.T, d metrics.Dashboard) {
	var queued, active, callbacks int
	for _, c := range m.calls {
		callbacks += boolInt(c.callback)
		switch {
		case c.ended:
		case c.stage == eventlog.StageQueued || c.stage == eventlog.StageRinging:
			queued++
		case c.agent != "":
			active++
		}
	}
	if d.InQueue != queued || d.Active != active || d.Callbacks != callbacks {
		t.Fatalf("dashboard in queue %d active %d callbacks %d; model %d %d %d", d.InQueue, d.Active, d.Callbacks,
			queued, active, callbacks)
	}
}

// TestEngineMatchesModel drives the engine with random command sequences
// and checks it against the reference model after every step.
// Rule: AS2, AS3, AS4, AS5, AS6, AS7, AS8, AS12, PR1, PR2, PR3, PR4, PR6, X1, X2, X8, X9, LC5, MT15
func TestEngineMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := DefaultConfig()
		cfg.WrapUp = rapid.SampledFrom([]time.Duration{0, 0, 20 * time.Second, 2 * time.Minute}).Draw(t, "wrapup")
		cfg.AutoAnswer = rapid.Bool().Draw(t, "autoanswer")
		cfg.CallLimit = rapid.SampledFrom([]int{1, 1, 2}).Draw(t, "limit")
		teams := []pb.TeamID{"red", "blue"}
		e, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range teams {
			if err := e.AddTeam(id, string(id), TeamConfig{}); err != nil {
				t.Fatal(err)
			}
		}
		m := newModel(cfg, teams)
		// The metrics fold must accept every stream the engine emits: it
		// checks the stream's documented shape and refuses what breaks it.
		collector, err := metrics.New(metrics.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		nextCall := 0
		ids := []pb.TeammateID{"ana", "ben", "cy", "dee", "eve"}

		pickTeammate := func(t *rapid.T) *mTeammate {
			if len(m.teammates) == 0 {
				t.Skip("no teammates yet")
			}
			keys := make([]pb.TeammateID, 0, len(m.teammates))
			for id := range m.teammates {
				keys = append(keys, id)
			}
			slices.Sort(keys)
			return m.teammates[rapid.SampledFrom(keys).Draw(t, "teammate")]
		}
		pickCall := func(t *rapid.T, ok func(*mCall) bool) *mCall {
			var keys []pb.CallID
			for id, c := range m.calls {
				if !c.ended && ok(c) {
					keys = append(keys, id)
				}
			}
			if len(keys) == 0 {
				t.Skip("no such call")
			}
			slices.Sort(keys)
			return m.calls[rapid.SampledFrom(keys).Draw(t, "call")]
		}
		step := func(t *rapid.T, err error) {
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			evs := e.Ready().Events
			for _, ev := range evs {
				if err := collector.Observe(ev); err != nil {
					t.Fatalf("metrics refused %v: %v", ev, err)
				}
			}
			m.applyEvents(t, evs)
			m.now = now
			m.checkState(t, e)
			m.checkDashboard(t, collector.Dashboard(now))
		}

		t.Repeat(map[string]func(*rapid.T){
			"addTeammate": func(t *rapid.T) {
				id := rapid.SampledFrom(ids).Draw(t, "id")
				if m.teammates[id] != nil {
					t.Skip("exists")
				}
				st := presence.State{
					Channel:    rapid.SampledFrom([]presence.Channel{presence.ChannelAll, presence.ChannelPhone, presence.ChannelConversations}).Draw(t, "channel"),
					Status:     presence.Active,
					ClientOpen: rapid.Bool().Draw(t, "client"),
				}
				m.teammates[id] = &mTeammate{id: id, pres: st, teams: map[pb.TeamID]bool{}}
				step(t, e.AddTeammate(now, id, string(id), st))
			},
			"addMember": func(t *rapid.T) {
				tm := pickTeammate(t)
				team := rapid.SampledFrom(teams).Draw(t, "team")
				if tm.teams[team] {
					if err := e.AddMember(now, team, tm.id); !errors.Is(err, ErrDuplicateMember) {
						t.Fatalf("duplicate member: %v", err)
					}
					step(t, nil)
					return
				}
				tm.teams[team] = true
				step(t, e.AddMember(now, team, tm.id))
			},
			"removeMember": func(t *rapid.T) {
				tm := pickTeammate(t)
				team := rapid.SampledFrom(teams).Draw(t, "team")
				if !tm.teams[team] {
					t.Skip("not a member")
				}
				delete(tm.teams, team)
				step(t, e.RemoveMember(now, team, tm.id))
			},
			"setStatus": func(t *rapid.T) {
				tm := pickTeammate(t)
				if rapid.Bool().Draw(t, "active") {
					tm.pres.Status, tm.pres.Reason, tm.wrapUntil = presence.Active, "", time.Time{}
					step(t, e.SetStatus(now, tm.id, presence.Active, ""))
					return
				}
				reason := rapid.SampledFrom([]string{"Lunch", "Meeting"}).Draw(t, "reason")
				tm.pres.Status, tm.pres.Reason, tm.wrapUntil = presence.Away, reason, time.Time{}
				step(t, e.SetStatus(now, tm.id, presence.Away, reason))
			},
			"setChannel": func(t *rapid.T) {
				tm := pickTeammate(t)
				tm.pres.Channel = rapid.SampledFrom([]presence.Channel{presence.ChannelAll, presence.ChannelPhone, presence.ChannelConversations}).Draw(t, "channel")
				step(t, e.SetChannel(now, tm.id, tm.pres.Channel))
			},
			"setClient": func(t *rapid.T) {
				tm := pickTeammate(t)
				tm.pres.ClientOpen = rapid.Bool().Draw(t, "open")
				tm.pres.Backgrounded = rapid.Bool().Draw(t, "backgrounded")
				step(t, e.SetClient(now, tm.id, tm.pres.ClientOpen, tm.pres.Backgrounded))
			},
			"reportAssignment": func(t *rapid.T) {
				tm := pickTeammate(t)
				tm.last, tm.assigned = now, true
				step(t, e.ReportAssignment(now, tm.id))
			},
			"arrive": func(t *rapid.T) {
				nextCall++
				id := pb.CallID(fmt.Sprintf("c%d", nextCall))
				team := rapid.SampledFrom(teams).Draw(t, "team")
				m.order++
				m.calls[id] = &mCall{id: id, team: team, order: m.order, stage: eventlog.StageQueued,
					excluded: map[pb.TeammateID]time.Time{}}
				step(t, e.Arrive(now, id, team))
			},
			"answer": func(t *rapid.T) {
				c := pickCall(t, func(c *mCall) bool { return c.stage == eventlog.StageRinging })
				tm := m.teammates[c.ringing]
				m.answered(c, tm)
				step(t, e.Answer(now, c.id, tm.id))
			},
			"answerWrongTeammate": func(t *rapid.T) {
				c := pickCall(t, func(c *mCall) bool { return true })
				tm := pickTeammate(t)
				if c.ringing == tm.id {
					t.Skip("right teammate")
				}
				if err := e.Answer(now, c.id, tm.id); !errors.Is(err, ErrNotRinging) {
					t.Fatalf("answer by %s of %s ringing %q: %v", tm.id, c.id, c.ringing, err)
				}
				step(t, nil)
			},
			"decline": func(t *rapid.T) {
				c := pickCall(t, func(c *mCall) bool { return c.stage == eventlog.StageRinging })
				cause := rapid.SampledFrom([]eventlog.DeclineCause{eventlog.DeclineButton, eventlog.DeclineBusy}).Draw(t, "cause")
				err := e.Decline(now, c.id, c.ringing, cause)
				if cfg.AutoAnswer && cause == eventlog.DeclineButton {
					// Rule: AS8
					if !errors.Is(err, ErrDeclineUnavailable) {
						t.Fatalf("Decline button under auto-answer: %v", err)
					}
					err = nil
				}
				step(t, err)
			},
			"manualAnswer": func(t *rapid.T) {
				c := pickCall(t, func(c *mCall) bool { return c.stage == eventlog.StageQueued })
				tm := pickTeammate(t)
				if !tm.teams[c.team] || tm.ringing != "" || tm.calls >= cfg.CallLimit {
					t.Skip("cannot claim")
				}
				m.answered(c, tm)
				step(t, e.ManualAnswer(now, c.id, tm.id))
			},
			"hangUp": func(t *rapid.T) {
				c := pickCall(t, func(c *mCall) bool { return true })
				m.end(c)
				step(t, e.HangUp(now, c.id))
			},
			"endCall": func(t *rapid.T) {
				c := pickCall(t, func(c *mCall) bool { return c.agent != "" })
				m.end(c)
				step(t, e.EndCall(now, c.id, eventlog.ByTeammate))
			},
			"queueCallback": func(t *rapid.T) {
				// Rule: LC5
				// The call keeps its place: its order, stage and ring.
				c := pickCall(t, func(c *mCall) bool {
					return c.stage == eventlog.StageQueued || c.stage == eventlog.StageRinging
				})
				if c.callback {
					if err := e.QueueCallback(now, c.id); !errors.Is(err, ErrWrongState) {
						t.Fatalf("second callback of %s: %v", c.id, err)
					}
					step(t, nil)
					return
				}
				c.callback = true
				step(t, e.QueueCallback(now, c.id))
			},
			"callbackUnreached": func(t *rapid.T) {
				c := pickCall(t, func(c *mCall) bool { return c.callback })
				m.end(c)
				step(t, e.CallbackUnreached(now, c.id))
			},
			"transfer": func(t *rapid.T) {
				c := pickCall(t, func(c *mCall) bool { return c.agent != "" })
				team := rapid.SampledFrom(teams).Draw(t, "team")
				m.offCall(m.teammates[c.agent])
				m.order++
				c.agent, c.team, c.order, c.stage = "", team, m.order, eventlog.StageQueued
				step(t, e.Transfer(now, c.id, team))
			},
			"advance": func(t *rapid.T) {
				d := rapid.SampledFrom([]time.Duration{
					time.Second, 10 * time.Second, 29 * time.Second, 30 * time.Second, 31 * time.Second,
					2 * time.Minute, 4*time.Minute + 59*time.Second, 5 * time.Minute, 11 * time.Minute,
				}).Draw(t, "dt")
				now = now.Add(d)
				step(t, e.Advance(now))
			},
		})
	})
}

// TestSimultaneousCallsRingDifferentTeammates: N calls arriving at one
// instant with N eligible teammates ring N different teammates.
// Rule: X6, AS4
func TestSimultaneousCallsRingDifferentTeammates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 40).Draw(t, "n")
		e, _ := New(DefaultConfig())
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		_ = e.AddTeam("t", "T", TeamConfig{})
		for i := range n {
			id := pb.TeammateID(fmt.Sprintf("m%03d", i))
			_ = e.AddTeammate(now, id, "", presence.State{Channel: presence.ChannelPhone, Status: presence.Active, ClientOpen: true})
			_ = e.AddMember(now, "t", id)
		}
		for i := range n {
			if rapid.Bool().Draw(t, "assigned") {
				now = now.Add(time.Second)
				_ = e.ReportAssignment(now, pb.TeammateID(fmt.Sprintf("m%03d", i)))
			}
		}
		e.Ready()
		for i := range n {
			if err := e.Arrive(now, pb.CallID(fmt.Sprintf("c%d", i)), "t"); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[pb.TeammateID]bool{}
		for _, ef := range e.Ready().Effects {
			if ef.Kind == Ring {
				if seen[ef.Teammate] {
					t.Fatalf("%s rang twice", ef.Teammate)
				}
				seen[ef.Teammate] = true
			}
		}
		if len(seen) != n {
			t.Fatalf("%d calls rang %d teammates", n, len(seen))
		}
	})
}
