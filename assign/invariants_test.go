package assign

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/stretchr/testify/require"
)

// checkInvariants reads the engine's internals and reports the first
// relation that must hold between any two commands and does not: the trees,
// counts and queues against a recount from the teammates and calls, the
// ringing and agent links in both directions, the call limit, every
// deadline the state implies (and no other), and the dispatch invariant
// (no waiting call has a teammate who may take it).
func checkInvariants(e *Engine) error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	cfg := e.cfg
	wantTimers := 0

	if len(e.dirty) != 0 {
		fail("dirty list holds %d teams between commands", len(e.dirty))
	}
	if next, ok := e.timers.Next(); ok && !next.After(e.now) {
		fail("deadline %v is due at engine time %v but has not fired", next, e.now)
	}

	// Teammates: identity, presence classes, memberships, eligibility and
	// deadlines.
	for _, id := range sortedKeys(e.teammates) {
		t := e.teammates[id]
		if t.id != id {
			fail("teammate map key %q holds teammate %q", id, t.id)
		}
		if err := t.pres.Validate(); err != nil {
			fail("teammate %q has an invalid presence %+v: %v", id, t.pres, err)
		}
		if el := e.eligible(t); t.inTrees != el {
			fail("teammate %q: inTrees %v, eligible %v (presence %+v, ringing %v, calls %d)",
				id, t.inTrees, el, t.pres, t.ringing != nil, t.calls)
		}
		if c := t.pres.Availability(); t.class != c {
			fail("teammate %q counted as %v, is %v", id, t.class, c)
		}
		if o := onlineForPhone(t); t.online != o {
			fail("teammate %q counted online %v, is %v", id, t.online, o)
		}
		seen := map[*team]bool{}
		for _, tm := range t.teams {
			if seen[tm] {
				fail("teammate %q lists team %q twice", id, tm.id)
			}
			seen[tm] = true
			if e.teams[tm.id] != tm {
				fail("teammate %q belongs to team %q, which the engine does not know", id, tm.id)
			}
			if !slices.Contains(tm.members, t) {
				fail("teammate %q lists team %q, which does not list them", id, tm.id)
			}
			if has := tm.eligible.Has(t.item()); has != t.inTrees {
				fail("teammate %q (inTrees %v) is in team %q's tree: %v", id, t.inTrees, tm.id, has)
			}
		}
		// Rule: AS4 — a ringing call counts towards the limit.
		if n := t.calls + boolInt(t.ringing != nil); n > cfg.CallLimit {
			fail("teammate %q has %d calls and rings %v: over the limit %d", id, t.calls, t.ringing != nil, cfg.CallLimit)
		}
		if t.calls < 0 {
			fail("teammate %q has %d calls", id, t.calls)
		}
		if c := t.ringing; c != nil {
			if c.ringing != t {
				fail("teammate %q rings call %q, which does not ring them", id, c.id)
			}
			if e.calls[c.id] != c || c.ended {
				fail("teammate %q rings call %q, which is ended or unknown", id, c.id)
			}
		}
		// Rule: PR6 — wrap-up has its deadline, and only wrap-up has one.
		until, ok := e.timerUntil(timerKey{kind: timerWrapUp, t: t})
		switch {
		case t.pres.InWrapUp() && !ok:
			fail("teammate %q is in wrap-up until %v with no deadline", id, t.pres.WrapUpUntil)
		case t.pres.InWrapUp() && !until.Equal(t.pres.WrapUpUntil):
			fail("teammate %q wraps up until %v, deadline at %v", id, t.pres.WrapUpUntil, until)
		case !t.pres.InWrapUp() && ok:
			fail("teammate %q is not in wrap-up but has a wrap-up deadline at %v", id, until)
		}
		if ok {
			wantTimers++
		}
	}

	// Calls: identity, stage against links, deadlines, exclusions.
	agentCalls := map[*teammate]int{}
	ringers := map[*teammate]*call{}
	queued := map[*team]int{}
	inQueue := map[*team]int{}
	for _, id := range sortedKeys(e.calls) {
		c := e.calls[id]
		if c.id != id {
			fail("call map key %q holds call %q", id, c.id)
		}
		if slices.Contains(e.free, c) {
			fail("call %q is both known and free for reuse", id)
		}
		if c.ended {
			if c.ringing != nil || c.agent != nil || len(c.excluded) != 0 {
				fail("ended call %q still has ringing %v, agent %v, %d exclusions", id, c.ringing != nil, c.agent != nil, len(c.excluded))
			}
			for _, k := range []timerKind{timerRing, timerHold} {
				if _, ok := e.timerUntil(timerKey{kind: k, c: c}); ok {
					fail("ended call %q has a pending deadline of kind %d", id, k)
				}
			}
			if _, ok := e.timerUntil(timerKey{kind: timerForget, c: c}); !ok {
				fail("ended call %q has no deadline to forget it", id)
			} else {
				wantTimers++
			}
			continue
		}
		if _, ok := e.timerUntil(timerKey{kind: timerForget, c: c}); ok {
			fail("call %q in progress has a deadline to forget it", id)
		}
		switch c.stage {
		case eventlog.StageRouting:
			if c.team != nil || c.ringing != nil || c.agent != nil {
				fail("call %q %v has team %v, ringing %v, agent %v", id, c.stage, c.team != nil, c.ringing != nil, c.agent != nil)
			}
		case eventlog.StageVoicemail:
			// It keeps the team it left for voicemail, if any.
			if c.ringing != nil || c.agent != nil || c.team != nil && c.team.queue.Has(c) {
				fail("call %q %v has ringing %v, agent %v", id, c.stage, c.ringing != nil, c.agent != nil)
			}
		case eventlog.StageQueued, eventlog.StageRinging:
			if c.team == nil || c.agent != nil {
				fail("call %q %v has team %v, agent %v", id, c.stage, c.team != nil, c.agent != nil)
				continue
			}
			if e.teams[c.team.id] != c.team {
				fail("call %q is queued for team %q, which the engine does not know", id, c.team.id)
			}
			inQueue[c.team]++
			if c.stage == eventlog.StageQueued {
				queued[c.team]++
				if c.ringing != nil {
					fail("call %q is queued yet rings %q", id, c.ringing.id)
				}
				if got, ok := c.team.queue.Get(c); !ok || got != c {
					fail("queued call %q is not in team %q's queue", id, c.team.id)
				}
			} else {
				if c.team.queue.Has(c) {
					fail("ringing call %q is still in team %q's waiting queue", id, c.team.id)
				}
				if c.ringing == nil {
					fail("call %q is ringing nobody", id)
				}
			}
			until, ok := e.timerUntil(timerKey{kind: timerHold, c: c})
			switch max := c.team.cfg.MaxWait; {
			case max > 0 && !ok:
				fail("call %q waits in %q (MaxWait %v) with no hold deadline", id, c.team.id, max)
			case max > 0 && !until.Equal(c.queuedAt.Add(max)):
				fail("call %q queued at %v has its hold deadline at %v, want %v", id, c.queuedAt, until, c.queuedAt.Add(max))
			case max == 0 && ok:
				fail("call %q has a hold deadline in a team without MaxWait", id)
			}
			if ok {
				wantTimers++
			}
		case eventlog.StageTalking, eventlog.StageOnHold, eventlog.StageDialing:
			if c.agent == nil || c.ringing != nil || c.team != nil && c.stage == eventlog.StageDialing {
				fail("call %q %v has agent %v, ringing %v", id, c.stage, c.agent != nil, c.ringing != nil)
			}
			if c.stage == eventlog.StageDialing && c.dir != pb.Outbound {
				fail("inbound call %q is dialing", id)
			}
			if c.stage != eventlog.StageDialing && !c.answered {
				fail("call %q %v was never answered", id, c.stage)
			}
		default:
			fail("call %q has stage %v", id, c.stage)
		}
		if c.stage != eventlog.StageQueued && c.stage != eventlog.StageRinging {
			if _, ok := e.timerUntil(timerKey{kind: timerHold, c: c}); ok {
				fail("call %q %v has a hold deadline", id, c.stage)
			}
		}
		if c.agent != nil {
			agentCalls[c.agent]++
			if e.teammates[c.agent.id] != c.agent {
				fail("call %q is on teammate %q, who was removed", id, c.agent.id)
			}
		}
		// Ringing is symmetric and has its deadline (Rule: AS5).
		if t := c.ringing; t != nil {
			if c.stage != eventlog.StageRinging {
				fail("call %q rings %q while %v", id, t.id, c.stage)
			}
			if t.ringing != c {
				fail("call %q rings %q, who rings another call", id, t.id)
			}
			if other, dup := ringers[t]; dup {
				fail("teammate %q rings calls %q and %q", t.id, other.id, id)
			}
			ringers[t] = c
			until, ok := e.timerUntil(timerKey{kind: timerRing, c: c})
			if !ok || !until.Equal(c.ringUntil) {
				fail("call %q rings %q until %v, deadline %v (%v)", id, t.id, c.ringUntil, until, ok)
			} else {
				wantTimers++
			}
			if e.teammates[t.id] != t {
				fail("call %q rings teammate %q, who was removed", id, t.id)
			}
		} else if _, ok := e.timerUntil(timerKey{kind: timerRing, c: c}); ok {
			fail("call %q rings nobody but has a ring deadline", id)
		}
		// Every exclusion lapses by a live deadline (Rule: AS7).
		seen := map[pb.TeammateID]bool{}
		for _, x := range c.excluded {
			if seen[x.id] {
				fail("call %q excludes %q twice", id, x.id)
			}
			seen[x.id] = true
			if x.timer.Key != (timerKey{kind: timerExclusion, c: c, x: x}) {
				fail("call %q: exclusion of %q has the wrong timer key", id, x.id)
			}
			if !x.timer.Scheduled() {
				fail("call %q excludes %q with no deadline", id, x.id)
			} else {
				wantTimers++
			}
			if !x.until().After(e.now) {
				fail("call %q still excludes %q at %v, lapsed %v", id, x.id, e.now, x.until())
			}
		}
		// The dispatch invariant (Rule: AS12).
		if c.stage == eventlog.StageQueued {
			if t := e.pick(c); t != nil {
				fail("call %q waits in %q while %q may take it", id, c.team.id, t.id)
			}
		}
	}
	for _, id := range sortedKeys(e.teammates) {
		t := e.teammates[id]
		if agentCalls[t] != t.calls {
			fail("teammate %q has calls %d, but %d calls in progress have them as agent", id, t.calls, agentCalls[t])
		}
		if t.ringing != nil && ringers[t] != t.ringing {
			fail("teammate %q rings %q, which is not a ringing call", id, t.ringing.id)
		}
	}

	// Teams: membership, trees, counts and queues against a recount.
	for _, id := range sortedKeys(e.teams) {
		tm := e.teams[id]
		if tm.id != id {
			fail("team map key %q holds team %q", id, tm.id)
		}
		if tm.dirty {
			fail("team %q is marked dirty between commands", id)
		}
		var counts presence.Counts
		online, inTrees := 0, 0
		for _, t := range tm.members {
			if e.teammates[t.id] != t {
				fail("team %q has member %q, who was removed", id, t.id)
			}
			if !slices.Contains(t.teams, tm) {
				fail("team %q lists member %q, who does not list it", id, t.id)
			}
			counts.Add(t.pres.Availability(), 1)
			online += boolInt(onlineForPhone(t))
			inTrees += boolInt(e.eligible(t))
		}
		if counts != tm.counts {
			fail("team %q counts %+v, recount %+v", id, tm.counts, counts)
		}
		if online != tm.online {
			fail("team %q online %d, recount %d", id, tm.online, online)
		}
		if tm.eligible.Len() != inTrees {
			fail("team %q tree holds %d teammates, %d members are eligible", id, tm.eligible.Len(), inTrees)
		}
		var prev *treeItem
		tm.eligible.Ascend(func(it treeItem) bool {
			if it.t == nil || it.t.id != it.id || it.t.last != it.last {
				fail("team %q tree item %q (last %d) is stale", id, it.id, it.last)
			} else if !it.t.inTrees || !slices.Contains(tm.members, it.t) {
				fail("team %q tree holds %q, who is not an eligible member", id, it.id)
			}
			// Rule: AS3, X8 — strictly by (last assignment, ID).
			if prev != nil && !(prev.last < it.last || prev.last == it.last && prev.id < it.id) {
				fail("team %q tree order: %q (%d) before %q (%d)", id, prev.id, prev.last, it.id, it.last)
			}
			p := it
			prev = &p
			return true
		})
		if tm.queue.Len() != queued[tm] {
			fail("team %q queue holds %d calls, %d calls are queued for it", id, tm.queue.Len(), queued[tm])
		}
		var prevSeq uint64
		tm.queue.Ascend(func(c *call) bool {
			if e.calls[c.id] != c || c.ended || c.stage != eventlog.StageQueued || c.team != tm {
				fail("team %q queue holds call %q (ended %v, %v)", id, c.id, c.ended, c.stage)
			}
			if c.qseq <= prevSeq {
				fail("team %q queue out of arrival order at %q", id, c.id)
			}
			prevSeq = c.qseq
			return true
		})
		if tm.inQueue != inQueue[tm] {
			fail("team %q inQueue %d, recount %d", id, tm.inQueue, inQueue[tm])
		}
	}

	// No deadline without a reason: the deadlines counted above are all
	// there is, apart from exclusions of calls already ended (none: finish
	// removes them).
	if n := e.timers.Len(); n != wantTimers {
		fail("%d pending deadlines, the state accounts for %d", n, wantTimers)
	}
	if len(e.free) > maxFreeCalls {
		fail("%d free calls kept, bound %d", len(e.free), maxFreeCalls)
	}
	return errors.Join(errs...)
}

// The checker itself must notice what it claims to check: each corruption
// below breaks one relation and must be reported as such.
func TestCheckInvariantsNoticesCorruption(t *testing.T) {
	build := func(t *testing.T) *scene {
		cfg := DefaultConfig()
		cfg.WrapUp = time.Minute
		s := newScene(t, cfg)
		s.team("sup", TeamConfig{MaxWait: 10 * time.Minute}, "ana", "ben", "cy", "dee")
		s.ok(s.e.Arrive(s.now, "c1", "sup")) // rings ana
		s.ok(s.e.Arrive(s.now, "c2", "sup")) // rings ben
		s.ok(s.e.Answer(s.at(time.Second), "c2", "ben"))
		s.ok(s.e.Arrive(s.now, "c3", "sup")) // rings cy
		s.ok(s.e.Arrive(s.now, "c4", "sup")) // rings dee
		s.ok(s.e.Answer(s.at(2*time.Second), "c4", "dee"))
		s.ok(s.e.HangUp(s.at(3*time.Second), "c4")) // dee wraps up; c4 ended
		s.ok(s.e.Decline(s.at(4*time.Second), "c3", "cy", eventlog.DeclineBusy))
		// c3 waits: ana rings, ben talks, cy is excluded, dee wraps up.
		require.NoError(t, checkInvariants(s.e))
		require.Equal(t, []string{"c3"}, callIDs(s.e.Waiting("sup")))
		return s
	}
	corruptions := []struct {
		name    string
		corrupt func(e *Engine)
		want    string
	}{
		{"inTrees flag", func(e *Engine) { e.teammates["ana"].inTrees = true }, "inTrees true, eligible false"},
		{"missing from tree", func(e *Engine) { e.teams["sup"].eligible.Clear(false) }, "tree holds 0 teammates"},
		{"stale tree key", func(e *Engine) { e.teammates["cy"].last++ }, "is stale"},
		{"counts", func(e *Engine) { e.teams["sup"].counts.Available++ }, "counts"},
		{"online", func(e *Engine) { e.teams["sup"].online-- }, "online"},
		{"inQueue", func(e *Engine) { e.teams["sup"].inQueue++ }, "inQueue"},
		{"queue", func(e *Engine) { e.teams["sup"].queue.Delete(e.calls["c3"]) }, "not in team"},
		{"ringing asymmetry", func(e *Engine) { e.teammates["ana"].ringing = nil }, "who rings another call"},
		{"ring deadline", func(e *Engine) { e.timerCancel(timerKey{kind: timerRing, c: e.calls["c1"]}) }, `rings "ana" until`},
		{"exclusion deadline", func(e *Engine) {
			e.timerCancel(timerKey{kind: timerExclusion, c: e.calls["c3"], t: e.teammates["cy"]})
		}, `excludes "cy"`},
		{"wrap-up deadline", func(e *Engine) { e.timerCancel(timerKey{kind: timerWrapUp, t: e.teammates["dee"]}) }, "with no deadline"},
		{"calls count", func(e *Engine) { e.teammates["ben"].calls = 0 }, "has calls 0"},
		{"ended with agent", func(e *Engine) { e.calls["c4"].agent = e.teammates["dee"] }, "ended call"},
		{"dispatch", func(e *Engine) { e.calls["c3"].excluded = nil }, `while "cy" may take it`},
		{"leaked deadline", func(e *Engine) {
			e.timerSchedule(timerKey{kind: timerHold, c: e.calls["c4"]}, t0.Add(time.Hour))
		}, "pending deadline of kind"},
		{"call limit", func(e *Engine) { e.teammates["ben"].ringing = e.calls["c1"] }, "over the limit"},
	}
	for _, tc := range corruptions {
		t.Run(tc.name, func(t *testing.T) {
			s := build(t)
			tc.corrupt(s.e)
			err := checkInvariants(s.e)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}
