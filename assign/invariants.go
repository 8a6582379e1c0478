package assign

import (
	"errors"
	"fmt"
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// checkInvariants reads the engine's internals and reports every
// relation that must hold between any two commands and does not: the
// trees, counts and queues against a recount from the teammates and calls,
// the ringing and agent links in both directions, the call limit, every
// deadline the state implies (and no other) at the time it implies, the
// bounds on IDs, times and sequence numbers, and the dispatch invariant (no
// waiting call has a teammate who may take it). [Restore] runs it on every
// snapshot; the tests run it after every command. Its cost is linear in
// the state.
func checkInvariants(e *Engine) error { return e.checkState(true) }

// checkState is checkInvariants, with the dispatch invariant left out
// unless dispatched: Restore checks the rest before it dispatches.
func (e *Engine) checkState(dispatched bool) error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	cfg := e.cfg
	wantTimers := 0
	// links counts memberships as the teammates list them, less those the
	// teams list: with no repeats on either side, and every team's member
	// listing the team, zero means both sides agree.
	links := 0

	if len(e.dirty) != 0 {
		fail("dirty list holds %d teams between commands", len(e.dirty))
	}
	if next, ok := e.timers.Next(); ok && !next.After(e.now) {
		fail("deadline %v is due at engine time %v but has not fired", next, e.now)
	}
	if !e.now.IsZero() && checkTime(e.now) != nil {
		fail("engine time %v is out of range", e.now)
	}
	if e.eventSeq > maxSeq || e.queueSeq > maxSeq {
		fail("sequence numbers %d, %d exceed %d", e.eventSeq, e.queueSeq, uint64(maxSeq))
	}
	// inRange reports whether a recorded time lies between from and the
	// engine's time.
	inRange := func(at, from time.Time) bool {
		return !at.Before(from) && !at.After(e.now) && !at.Before(earliestTime)
	}

	// Teammates: identity, presence classes, memberships, eligibility and
	// deadlines.
	for _, id := range sortedIDs(e.teammates) {
		t := e.teammates[id]
		if t.id != id {
			fail("teammate map key %q holds teammate %q", id, t.id)
		}
		if err := t.pres.Validate(); err != nil {
			fail("teammate %q has an invalid presence %+v: %v", id, t.pres, err)
		}
		if err := errors.Join(checkID("teammate", id), checkText("name", t.name), checkText("reason", t.pres.Reason)); err != nil {
			fail("teammate %q: %v", id, err)
		}
		if !t.pres.WrapUpUntil.IsZero() && !t.pres.InWrapUp() {
			fail("teammate %q has a wrap-up end %v but is %v %q", id, t.pres.WrapUpUntil, t.pres.Status, t.pres.Reason)
		}
		if t.pres.InWrapUp() && t.calls >= cfg.CallLimit {
			fail("teammate %q wraps up at the call limit", id)
		}
		if t.pres.InWrapUp() && t.pres.WrapUpUntil.After(e.now.Add(cfg.WrapUp)) {
			fail("teammate %q wraps up until %v, more than %v after %v", id, t.pres.WrapUpUntil, cfg.WrapUp, e.now)
		}
		if t.last != never && (t.last < earliestTime.UnixNano() || t.last > e.now.UnixNano()) {
			fail("teammate %q was last assigned at %v, outside [%v, %v]", id, time.Unix(0, t.last).UTC(), earliestTime, e.now)
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
			links++ // matched against the teams' members below
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
			// Rule: AS2 — whoever cannot take a call stops ringing.
			if !t.pres.CanTakePhone() {
				fail("teammate %q rings call %q but cannot take calls (%+v)", id, c.id, t.pres)
			}
			if c.ringing != t {
				fail("teammate %q rings call %q, which does not ring them", id, c.id)
			}
			if c.team != nil && !c.team.member(t) {
				fail("teammate %q rings call %q of team %q, of which they are not a member", id, c.id, c.team.id)
			}
			if e.calls.get(c.id) != c || c.ended {
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
	qseqs := map[uint64]pb.CallID{}
	agentCalls := map[*teammate]int{}
	ringers := map[*teammate]*call{}
	queued := map[*team]int{}
	orphans := 0
	inQueue := map[*team]int{}
	e.calls.check(fail)
	for _, c := range e.calls.sorted() {
		id := c.id
		if slices.Contains(e.free, c) {
			fail("call %q is both known and free for reuse", id)
		}
		if err := checkID("call", id); err != nil {
			fail("call %q: %v", id, err)
		}
		if !c.dir.Valid() || !c.stage.Valid() || c.segment < 0 {
			fail("call %q has direction %v, stage %v, segment %d", id, c.dir, c.stage, c.segment)
		}
		if !inRange(c.placedAt, earliestTime) {
			fail("call %q placed at %v, outside [%v, %v]", id, c.placedAt, earliestTime, e.now)
		}
		for _, at := range []time.Time{c.inboxAt, c.agentAt, c.queuedAt} {
			if !at.IsZero() && !inRange(at, c.placedAt) {
				fail("call %q placed at %v records a time %v outside [placed, %v]", id, c.placedAt, at, e.now)
			}
		}
		if c.ended != !c.endedAt.IsZero() || c.ended && !inRange(c.endedAt, c.placedAt) {
			fail("call %q (ended %v) has end time %v", id, c.ended, c.endedAt)
		}
		if c.qseq > e.queueSeq {
			fail("call %q has queue number %d, above the counter %d", id, c.qseq, e.queueSeq)
		}
		if !c.ended && (c.stage == eventlog.StageQueued || c.stage == eventlog.StageRinging) {
			if other, dup := qseqs[c.qseq]; dup || c.qseq == 0 {
				fail("waiting call %q has queue number %d, as %q has", id, c.qseq, other)
			}
			qseqs[c.qseq] = id
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
			if until, ok := e.timerUntil(timerKey{kind: timerForget, c: c}); !ok {
				fail("ended call %q has no deadline to forget it", id)
			} else {
				wantTimers++
				if want := c.endedAt.Add(cfg.EndedCallRetention); !until.Equal(want) {
					fail("ended call %q is forgotten at %v, want %v", id, until, want)
				}
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
			if c.ringUntil.After(e.now.Add(cfg.RingTimeout)) {
				fail("call %q rings until %v, more than %v after %v", id, c.ringUntil, cfg.RingTimeout, e.now)
			}
			if e.teammates[t.id] != t {
				fail("call %q rings teammate %q, who was removed", id, t.id)
			}
		} else if _, ok := e.timerUntil(timerKey{kind: timerRing, c: c}); ok {
			fail("call %q rings nobody but has a ring deadline", id)
		} else if !c.ringUntil.IsZero() {
			fail("call %q rings nobody but until %v", id, c.ringUntil)
		}
		// Every exclusion lapses by a live deadline (Rule: AS7).
		seen := map[pb.TeammateID]bool{}
		for _, x := range c.excluded {
			if seen[x.id] {
				fail("call %q excludes %q twice", id, x.id)
			}
			seen[x.id] = true
			if x.t != e.teammates[x.id] {
				fail("call %q: exclusion of %q points at the wrong teammate", id, x.id)
			}
			if x.t == nil {
				orphans++
			}
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
			if x.until().After(e.now.Add(cfg.ExclusionPeriod)) {
				fail("call %q excludes %q until %v, more than %v after %v", id, x.id, x.until(), cfg.ExclusionPeriod, e.now)
			}
			if err := checkID("teammate", x.id); err != nil {
				fail("call %q excludes %q: %v", id, x.id, err)
			}
		}
		// The dispatch invariant (Rule: AS12).
		if dispatched && c.stage == eventlog.StageQueued && c.team != nil {
			if t := e.pick(c); t != nil {
				fail("call %q waits in %q while %q may take it", id, c.team.id, t.id)
			}
		}
	}
	for _, id := range sortedIDs(e.teammates) {
		t := e.teammates[id]
		if agentCalls[t] != t.calls {
			fail("teammate %q has calls %d, but %d calls in progress have them as agent", id, t.calls, agentCalls[t])
		}
		if t.ringing != nil && ringers[t] != t.ringing {
			fail("teammate %q rings %q, which is not a ringing call", id, t.ringing.id)
		}
	}

	// Teams: membership, trees, counts and queues against a recount.
	for _, id := range sortedIDs(e.teams) {
		tm := e.teams[id]
		if tm.id != id {
			fail("team map key %q holds team %q", id, tm.id)
		}
		if tm.dirty {
			fail("team %q is marked dirty between commands", id)
		}
		if err := errors.Join(checkID("team", id), checkText("name", tm.name), tm.cfg.Validate()); err != nil {
			fail("team %q: %v", id, err)
		}
		var counts presence.Counts
		online, inTrees := 0, 0
		listed := make(map[*teammate]bool, len(tm.members))
		for _, t := range tm.members {
			if listed[t] {
				fail("team %q lists member %q twice", id, t.id)
			}
			listed[t] = true
			links--
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
			} else if !it.t.inTrees || !tm.member(it.t) {
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
		open := 0
		tm.queue.Ascend(func(c *call) bool {
			// A parked call excludes every member, and is out of the
			// open tree; every other waiting call is in it.
			if c.parked {
				if tm.open.Has(c) || !c.excludesAll(tm.members) {
					fail("team %q: call %q parked but open or not excluded for every member", id, c.id)
				}
			} else if got, ok := tm.open.Get(c); !ok || got != c {
				fail("team %q: waiting call %q is neither parked nor open", id, c.id)
			} else {
				open++
			}
			return true
		})
		if tm.open.Len() != open {
			fail("team %q open tree holds %d calls, %d are open", id, tm.open.Len(), open)
		}
		if tm.resume != 0 {
			fail("team %q keeps a dispatch resume point %d", id, tm.resume)
		}
		var prevSeq uint64
		tm.queue.Ascend(func(c *call) bool {
			if e.calls.get(c.id) != c || c.ended || c.stage != eventlog.StageQueued || c.team != tm {
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
	if orphans != e.orphans {
		fail("%d exclusions name no teammate, the engine counts %d", orphans, e.orphans)
	}
	for _, c := range e.calls.sorted() {
		if c.parked && (c.ended || c.stage != eventlog.StageQueued) {
			fail("call %q is parked but not waiting (%v)", c.id, c.stage)
		}
	}

	if links != 0 {
		fail("teammates list %d more team memberships than the teams do", links)
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

// timerFor returns the timer a key names, or nil, so tests can name
// deadlines by what they are for.
func (e *Engine) timerFor(k timerKey) *timer {
	switch k.kind {
	case timerRing:
		return &k.c.ring
	case timerHold:
		return &k.c.hold
	case timerForget:
		return &k.c.forget
	case timerWrapUp:
		return &k.t.wrap
	case timerExclusion:
		for _, x := range k.c.excluded {
			if x.id == k.t.id {
				return &x.timer
			}
		}
	}
	return nil
}

// timerUntil returns when the named deadline fires, and whether it is
// pending.
func (e *Engine) timerUntil(k timerKey) (time.Time, bool) {
	tm := e.timerFor(k)
	if tm == nil || !tm.Scheduled() {
		return time.Time{}, false
	}
	return tm.Until(), true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// maxSeq bounds the event and queue sequence numbers a snapshot may carry:
// far beyond what any engine reaches, far from wrapping.
const maxSeq = 1 << 62

// check checks the call index: every call is held under its own ID.
func (x *callIndex) check(fail func(string, ...any)) {
	for id, c := range x.all() {
		if c.id != id {
			fail("call index holds %q under %q", c.id, id)
		}
	}
}
