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
// unless dispatched: Restore checks the rest before it dispatches. It
// checks the engine as a whole, then each teammate, call and team, then
// the recounts that span them.
func (e *Engine) checkState(dispatched bool) error {
	ck := &checker{e: e, agentCalls: map[*teammate]int{}, ringers: map[*teammate]*call{},
		queued: map[*team]int{}, inQueue: map[*team]int{}, qseqs: map[uint64]pb.CallID{}}
	ck.engine()
	for _, id := range sortedIDs(e.teammates) {
		ck.teammate(id, e.teammates[id])
	}
	e.calls.check(ck.fail)
	for _, c := range e.calls.sorted() {
		ck.call(c, dispatched)
	}
	for _, id := range sortedIDs(e.teammates) {
		ck.teammateLinks(id, e.teammates[id])
	}
	for _, id := range sortedIDs(e.teams) {
		ck.team(id, e.teams[id])
	}
	ck.totals()
	return errors.Join(ck.errs...)
}

// checker gathers what checkState finds, and the recounts that one
// entity's check makes for another's.
type checker struct {
	e    *Engine
	errs []error
	// timers counts the deadlines the state accounts for.
	timers int
	// links counts memberships as the teammates list them, less those the
	// teams list: with no repeats on either side, and every team's member
	// listing the team, zero means both sides agree.
	links int
	// From the calls: calls in progress per agent, the call each teammate
	// rings, calls queued and waiting (queued or ringing) per team,
	// exclusions naming no teammate, and the queue numbers taken.
	agentCalls      map[*teammate]int
	ringers         map[*teammate]*call
	queued, inQueue map[*team]int
	orphans         int
	qseqs           map[uint64]pb.CallID
}

func (ck *checker) fail(format string, args ...any) {
	ck.errs = append(ck.errs, fmt.Errorf(format, args...))
}

// inRange reports whether a recorded time lies between from and the
// engine's time.
func (ck *checker) inRange(at, from time.Time) bool {
	return !at.Before(from) && !at.After(ck.e.now) && !at.Before(earliestTime)
}

// engine checks the engine as a whole: nothing left of a command, its time
// and its sequence numbers.
func (ck *checker) engine() {
	e := ck.e
	if len(e.dirty) != 0 {
		ck.fail("dirty list holds %d teams between commands", len(e.dirty))
	}
	if next, ok := e.timers.Next(); ok && !next.After(e.now) {
		ck.fail("deadline %v is due at engine time %v but has not fired", next, e.now)
	}
	if !e.now.IsZero() && checkTime(e.now) != nil {
		ck.fail("engine time %v is out of range", e.now)
	}
	if e.eventSeq > maxSeq || e.queueSeq > maxSeq {
		ck.fail("sequence numbers %d, %d exceed %d", e.eventSeq, e.queueSeq, uint64(maxSeq))
	}
}

// teammate checks one teammate: identity, presence classes, memberships,
// eligibility and deadlines.
func (ck *checker) teammate(id pb.TeammateID, t *teammate) {
	e := ck.e
	if t.id != id {
		ck.fail("teammate map key %q holds teammate %q", id, t.id)
	}
	if err := t.pres.Validate(); err != nil {
		ck.fail("teammate %q has an invalid presence %+v: %v", id, t.pres, err)
	}
	if err := errors.Join(checkID("teammate", id), checkText("name", t.name), checkText("reason", t.pres.Reason)); err != nil {
		ck.fail("teammate %q: %v", id, err)
	}
	if !t.pres.WrapUpUntil.IsZero() && !t.pres.InWrapUp() {
		ck.fail("teammate %q has a wrap-up end %v but is %v %q", id, t.pres.WrapUpUntil, t.pres.Status, t.pres.Reason)
	}
	if t.pres.InWrapUp() && t.calls >= e.cfg.CallLimit {
		ck.fail("teammate %q wraps up at the call limit", id)
	}
	if t.pres.InWrapUp() && t.pres.WrapUpUntil.After(e.now.Add(e.cfg.WrapUp)) {
		ck.fail("teammate %q wraps up until %v, more than %v after %v", id, t.pres.WrapUpUntil, e.cfg.WrapUp, e.now)
	}
	if t.last != never && (t.last < earliestTime.UnixNano() || t.last > e.now.UnixNano()) {
		ck.fail("teammate %q was last assigned at %v, outside [%v, %v]", id, time.Unix(0, t.last).UTC(), earliestTime, e.now)
	}
	if el := e.eligible(t); t.inTrees != el {
		ck.fail("teammate %q: inTrees %v, eligible %v (presence %+v, ringing %v, calls %d)",
			id, t.inTrees, el, t.pres, t.ringing != nil, t.calls)
	}
	if c := t.pres.Availability(); t.class != c {
		ck.fail("teammate %q counted as %v, is %v", id, t.class, c)
	}
	if o := onlineForPhone(t); t.online != o {
		ck.fail("teammate %q counted online %v, is %v", id, t.online, o)
	}
	seen := map[*team]bool{}
	for _, tm := range t.teams {
		if seen[tm] {
			ck.fail("teammate %q lists team %q twice", id, tm.id)
		}
		seen[tm] = true
		if e.teams[tm.id] != tm {
			ck.fail("teammate %q belongs to team %q, which the engine does not know", id, tm.id)
		}
		ck.links++ // matched against the teams' members below
		if has := tm.eligible.Has(t.item()); has != t.inTrees {
			ck.fail("teammate %q (inTrees %v) is in team %q's tree: %v", id, t.inTrees, tm.id, has)
		}
	}
	// Rule: AS4 — a ringing call counts towards the limit.
	if n := t.calls + boolInt(t.ringing != nil); n > e.cfg.CallLimit {
		ck.fail("teammate %q has %d calls and rings %v: over the limit %d", id, t.calls, t.ringing != nil, e.cfg.CallLimit)
	}
	if t.calls < 0 {
		ck.fail("teammate %q has %d calls", id, t.calls)
	}
	ck.teammateRing(id, t)
	ck.teammateWrapUp(id, t)
}

// teammateRing checks the call a teammate rings, if any.
func (ck *checker) teammateRing(id pb.TeammateID, t *teammate) {
	e := ck.e
	c := t.ringing
	if c == nil {
		return
	}
	// Rule: AS2 — whoever cannot take a call stops ringing.
	if !t.pres.CanTakePhone() {
		ck.fail("teammate %q rings call %q but cannot take calls (%+v)", id, c.id, t.pres)
	}
	if c.ringing != t {
		ck.fail("teammate %q rings call %q, which does not ring them", id, c.id)
	}
	if c.team != nil && !c.team.member(t) {
		ck.fail("teammate %q rings call %q of team %q, of which they are not a member", id, c.id, c.team.id)
	}
	if e.calls.get(c.id) != c || c.ended {
		ck.fail("teammate %q rings call %q, which is ended or unknown", id, c.id)
	}
}

// teammateWrapUp checks that wrap-up has its deadline, and only wrap-up.
func (ck *checker) teammateWrapUp(id pb.TeammateID, t *teammate) {
	e := ck.e
	// Rule: PR6 — wrap-up has its deadline, and only wrap-up has one.
	until, ok := e.timerUntil(timerKey{kind: timerWrapUp, t: t})
	switch {
	case t.pres.InWrapUp() && !ok:
		ck.fail("teammate %q is in wrap-up until %v with no deadline", id, t.pres.WrapUpUntil)
	case t.pres.InWrapUp() && !until.Equal(t.pres.WrapUpUntil):
		ck.fail("teammate %q wraps up until %v, deadline at %v", id, t.pres.WrapUpUntil, until)
	case !t.pres.InWrapUp() && ok:
		ck.fail("teammate %q is not in wrap-up but has a wrap-up deadline at %v", id, until)
	}
	if ok {
		ck.timers++
	}
}

// call checks one call: identity, times, stage against links, deadlines,
// exclusions and, when dispatched, the dispatch invariant.
func (ck *checker) call(c *call, dispatched bool) {
	e := ck.e
	id := c.id
	if slices.Contains(e.free, c) {
		ck.fail("call %q is both known and free for reuse", id)
	}
	if err := checkID("call", id); err != nil {
		ck.fail("call %q: %v", id, err)
	}
	if !c.dir.Valid() || !c.stage.Valid() || c.segment < 0 {
		ck.fail("call %q has direction %v, stage %v, segment %d", id, c.dir, c.stage, c.segment)
	}
	if !ck.inRange(c.placedAt, earliestTime) {
		ck.fail("call %q placed at %v, outside [%v, %v]", id, c.placedAt, earliestTime, e.now)
	}
	for _, at := range []time.Time{c.inboxAt, c.agentAt, c.queuedAt} {
		if !at.IsZero() && !ck.inRange(at, c.placedAt) {
			ck.fail("call %q placed at %v records a time %v outside [placed, %v]", id, c.placedAt, at, e.now)
		}
	}
	if c.ended != !c.endedAt.IsZero() || c.ended && !ck.inRange(c.endedAt, c.placedAt) {
		ck.fail("call %q (ended %v) has end time %v", id, c.ended, c.endedAt)
	}
	if c.callback && (c.dir != pb.Inbound || c.segment == 0) {
		ck.fail("call %q is a callback but %v with %d queue segments", id, c.dir, c.segment)
	}
	if c.qseq > e.queueSeq {
		ck.fail("call %q has queue number %d, above the counter %d", id, c.qseq, e.queueSeq)
	}
	if !c.ended && (c.stage == eventlog.StageQueued || c.stage == eventlog.StageRinging) {
		if other, dup := ck.qseqs[c.qseq]; dup || c.qseq == 0 {
			ck.fail("waiting call %q has queue number %d, as %q has", id, c.qseq, other)
		}
		ck.qseqs[c.qseq] = id
	}
	if c.ended {
		ck.endedCall(c)
		return
	}
	if _, ok := e.timerUntil(timerKey{kind: timerForget, c: c}); ok {
		ck.fail("call %q in progress has a deadline to forget it", id)
	}
	if !ck.callStage(c) {
		return
	}
	if c.stage != eventlog.StageQueued && c.stage != eventlog.StageRinging {
		if _, ok := e.timerUntil(timerKey{kind: timerHold, c: c}); ok {
			ck.fail("call %q %v has a hold deadline", id, c.stage)
		}
	}
	if c.agent != nil {
		ck.agentCalls[c.agent]++
		if e.teammates[c.agent.id] != c.agent {
			ck.fail("call %q is on teammate %q, who was removed", id, c.agent.id)
		}
	}
	ck.callRing(c)
	ck.callExclusions(c)
	// The dispatch invariant (Rule: AS12).
	if dispatched && c.stage == eventlog.StageQueued && c.team != nil {
		if t := e.pick(c); t != nil {
			ck.fail("call %q waits in %q while %q may take it", id, c.team.id, t.id)
		}
	}
}

// endedCall checks an ended call: nothing left on it but the deadline that
// forgets it.
func (ck *checker) endedCall(c *call) {
	e, id := ck.e, c.id
	if c.ringing != nil || c.agent != nil || len(c.excluded) != 0 {
		ck.fail("ended call %q still has ringing %v, agent %v, %d exclusions", id, c.ringing != nil, c.agent != nil, len(c.excluded))
	}
	for _, k := range []timerKind{timerRing, timerHold} {
		if _, ok := e.timerUntil(timerKey{kind: k, c: c}); ok {
			ck.fail("ended call %q has a pending deadline of kind %d", id, k)
		}
	}
	if until, ok := e.timerUntil(timerKey{kind: timerForget, c: c}); !ok {
		ck.fail("ended call %q has no deadline to forget it", id)
	} else {
		ck.timers++
		if want := c.endedAt.Add(e.cfg.EndedCallRetention); !until.Equal(want) {
			ck.fail("ended call %q is forgotten at %v, want %v", id, until, want)
		}
	}
}

// callStage checks a call in progress against its stage: its team,
// ringing and agent links, its place in the queue and its hold deadline.
// It reports false when the call has no team to check further against.
func (ck *checker) callStage(c *call) bool {
	e, id := ck.e, c.id
	switch c.stage {
	case eventlog.StageRouting:
		if c.team != nil || c.ringing != nil || c.agent != nil {
			ck.fail("call %q %v has team %v, ringing %v, agent %v", id, c.stage, c.team != nil, c.ringing != nil, c.agent != nil)
		}
	case eventlog.StageVoicemail:
		// It keeps the team it left for voicemail, if any.
		if c.ringing != nil || c.agent != nil || c.team != nil && c.team.queue.Has(c) {
			ck.fail("call %q %v has ringing %v, agent %v", id, c.stage, c.ringing != nil, c.agent != nil)
		}
	case eventlog.StageQueued, eventlog.StageRinging:
		if c.team == nil || c.agent != nil {
			ck.fail("call %q %v has team %v, agent %v", id, c.stage, c.team != nil, c.agent != nil)
			return false
		}
		if e.teams[c.team.id] != c.team {
			ck.fail("call %q is queued for team %q, which the engine does not know", id, c.team.id)
		}
		ck.inQueue[c.team]++
		if c.stage == eventlog.StageQueued {
			ck.queued[c.team]++
			if c.ringing != nil {
				ck.fail("call %q is queued yet rings %q", id, c.ringing.id)
			}
			if got, ok := c.team.queue.Get(c); !ok || got != c {
				ck.fail("queued call %q is not in team %q's queue", id, c.team.id)
			}
		} else {
			if c.team.queue.Has(c) {
				ck.fail("ringing call %q is still in team %q's waiting queue", id, c.team.id)
			}
			if c.ringing == nil {
				ck.fail("call %q is ringing nobody", id)
			}
		}
		until, ok := e.timerUntil(timerKey{kind: timerHold, c: c})
		switch max := c.team.cfg.MaxWait; {
		case max > 0 && !ok:
			ck.fail("call %q waits in %q (MaxWait %v) with no hold deadline", id, c.team.id, max)
		case max > 0 && !until.Equal(c.queuedAt.Add(max)):
			ck.fail("call %q queued at %v has its hold deadline at %v, want %v", id, c.queuedAt, until, c.queuedAt.Add(max))
		case max == 0 && ok:
			ck.fail("call %q has a hold deadline in a team without MaxWait", id)
		}
		if ok {
			ck.timers++
		}
	case eventlog.StageTalking, eventlog.StageOnHold, eventlog.StageDialing:
		if c.agent == nil || c.ringing != nil || c.team != nil && c.stage == eventlog.StageDialing {
			ck.fail("call %q %v has agent %v, ringing %v", id, c.stage, c.agent != nil, c.ringing != nil)
		}
		if c.stage == eventlog.StageDialing && c.dir != pb.Outbound {
			ck.fail("inbound call %q is dialing", id)
		}
		if c.stage != eventlog.StageDialing && !c.answered {
			ck.fail("call %q %v was never answered", id, c.stage)
		}
	default:
		ck.fail("call %q has stage %v", id, c.stage)
	}
	return true
}

// callRing checks that ringing is symmetric and has its deadline.
func (ck *checker) callRing(c *call) {
	e, id := ck.e, c.id
	// Ringing is symmetric and has its deadline (Rule: AS5).
	if t := c.ringing; t != nil {
		if c.stage != eventlog.StageRinging {
			ck.fail("call %q rings %q while %v", id, t.id, c.stage)
		}
		if t.ringing != c {
			ck.fail("call %q rings %q, who rings another call", id, t.id)
		}
		if other, dup := ck.ringers[t]; dup {
			ck.fail("teammate %q rings calls %q and %q", t.id, other.id, id)
		}
		ck.ringers[t] = c
		until, ok := e.timerUntil(timerKey{kind: timerRing, c: c})
		if !ok || !until.Equal(c.ringUntil) {
			ck.fail("call %q rings %q until %v, deadline %v (%v)", id, t.id, c.ringUntil, until, ok)
		} else {
			ck.timers++
		}
		if c.ringUntil.After(e.now.Add(e.cfg.RingTimeout)) {
			ck.fail("call %q rings until %v, more than %v after %v", id, c.ringUntil, e.cfg.RingTimeout, e.now)
		}
		if e.teammates[t.id] != t {
			ck.fail("call %q rings teammate %q, who was removed", id, t.id)
		}
	} else if _, ok := e.timerUntil(timerKey{kind: timerRing, c: c}); ok {
		ck.fail("call %q rings nobody but has a ring deadline", id)
	} else if !c.ringUntil.IsZero() {
		ck.fail("call %q rings nobody but until %v", id, c.ringUntil)
	}
}

// callExclusions checks a call's exclusions: each lapses by a live deadline.
func (ck *checker) callExclusions(c *call) {
	e, id := ck.e, c.id
	// Every exclusion lapses by a live deadline (Rule: AS7).
	seen := map[pb.TeammateID]bool{}
	for _, x := range c.excluded {
		if seen[x.id] {
			ck.fail("call %q excludes %q twice", id, x.id)
		}
		seen[x.id] = true
		if x.t != e.teammates[x.id] {
			ck.fail("call %q: exclusion of %q points at the wrong teammate", id, x.id)
		}
		if x.t == nil {
			ck.orphans++
		}
		if x.timer.Key != (timerKey{kind: timerExclusion, c: c, x: x}) {
			ck.fail("call %q: exclusion of %q has the wrong timer key", id, x.id)
		}
		if !x.timer.Scheduled() {
			ck.fail("call %q excludes %q with no deadline", id, x.id)
		} else {
			ck.timers++
		}
		if !x.until().After(e.now) {
			ck.fail("call %q still excludes %q at %v, lapsed %v", id, x.id, e.now, x.until())
		}
		if x.until().After(e.now.Add(e.cfg.ExclusionPeriod)) {
			ck.fail("call %q excludes %q until %v, more than %v after %v", id, x.id, x.until(), e.cfg.ExclusionPeriod, e.now)
		}
		if err := checkID("teammate", x.id); err != nil {
			ck.fail("call %q excludes %q: %v", id, x.id, err)
		}
	}
}

// teammateLinks checks a teammate's calls and ring against the calls'.
func (ck *checker) teammateLinks(id pb.TeammateID, t *teammate) {
	if ck.agentCalls[t] != t.calls {
		ck.fail("teammate %q has calls %d, but %d calls in progress have them as agent", id, t.calls, ck.agentCalls[t])
	}
	if t.ringing != nil && ck.ringers[t] != t.ringing {
		ck.fail("teammate %q rings %q, which is not a ringing call", id, t.ringing.id)
	}
}

// team checks one team: membership, trees, counts and queues against a
// recount.
func (ck *checker) team(id pb.TeamID, tm *team) {
	e := ck.e
	if tm.id != id {
		ck.fail("team map key %q holds team %q", id, tm.id)
	}
	if tm.dirty {
		ck.fail("team %q is marked dirty between commands", id)
	}
	if err := errors.Join(checkID("team", id), checkText("name", tm.name), tm.cfg.Validate()); err != nil {
		ck.fail("team %q: %v", id, err)
	}
	var counts presence.Counts
	online, inTrees := 0, 0
	listed := make(map[*teammate]bool, len(tm.members))
	for _, t := range tm.members {
		if listed[t] {
			ck.fail("team %q lists member %q twice", id, t.id)
		}
		listed[t] = true
		ck.links--
		if e.teammates[t.id] != t {
			ck.fail("team %q has member %q, who was removed", id, t.id)
		}
		if !slices.Contains(t.teams, tm) {
			ck.fail("team %q lists member %q, who does not list it", id, t.id)
		}
		counts.Add(t.pres.Availability(), 1)
		online += boolInt(onlineForPhone(t))
		inTrees += boolInt(e.eligible(t))
	}
	if counts != tm.counts {
		ck.fail("team %q counts %+v, recount %+v", id, tm.counts, counts)
	}
	if online != tm.online {
		ck.fail("team %q online %d, recount %d", id, tm.online, online)
	}
	if tm.eligible.Len() != inTrees {
		ck.fail("team %q tree holds %d teammates, %d members are eligible", id, tm.eligible.Len(), inTrees)
	}
	ck.teamTree(id, tm)
	ck.teamQueue(id, tm)
}

// teamTree checks a team's eligible tree: current items of eligible
// members, in assignment order.
func (ck *checker) teamTree(id pb.TeamID, tm *team) {
	var prev *treeItem
	tm.eligible.Ascend(func(it treeItem) bool {
		if it.t == nil || it.t.id != it.id || it.t.last != it.last {
			ck.fail("team %q tree item %q (last %d) is stale", id, it.id, it.last)
		} else if !it.t.inTrees || !tm.member(it.t) {
			ck.fail("team %q tree holds %q, who is not an eligible member", id, it.id)
		}
		// Rule: AS3, X8 — strictly by (last assignment, ID).
		if prev != nil && !(prev.last < it.last || prev.last == it.last && prev.id < it.id) {
			ck.fail("team %q tree order: %q (%d) before %q (%d)", id, prev.id, prev.last, it.id, it.last)
		}
		p := it
		prev = &p
		return true
	})
}

// teamQueue checks a team's queue: open and parked calls, arrival order,
// and the count of waiting calls.
func (ck *checker) teamQueue(id pb.TeamID, tm *team) {
	e := ck.e
	if tm.queue.Len() != ck.queued[tm] {
		ck.fail("team %q queue holds %d calls, %d calls are queued for it", id, tm.queue.Len(), ck.queued[tm])
	}
	open := 0
	tm.queue.Ascend(func(c *call) bool {
		// A parked call excludes every member, and is out of the
		// open tree; every other waiting call is in it.
		if c.parked {
			if tm.open.Has(c) || !c.excludesAll(tm.members) {
				ck.fail("team %q: call %q parked but open or not excluded for every member", id, c.id)
			}
		} else if got, ok := tm.open.Get(c); !ok || got != c {
			ck.fail("team %q: waiting call %q is neither parked nor open", id, c.id)
		} else {
			open++
		}
		return true
	})
	if tm.open.Len() != open {
		ck.fail("team %q open tree holds %d calls, %d are open", id, tm.open.Len(), open)
	}
	if tm.resume != 0 {
		ck.fail("team %q keeps a dispatch resume point %d", id, tm.resume)
	}
	var prevSeq uint64
	tm.queue.Ascend(func(c *call) bool {
		if e.calls.get(c.id) != c || c.ended || c.stage != eventlog.StageQueued || c.team != tm {
			ck.fail("team %q queue holds call %q (ended %v, %v)", id, c.id, c.ended, c.stage)
		}
		if c.qseq <= prevSeq {
			ck.fail("team %q queue out of arrival order at %q", id, c.id)
		}
		prevSeq = c.qseq
		return true
	})
	if tm.inQueue != ck.inQueue[tm] {
		ck.fail("team %q inQueue %d, recount %d", id, tm.inQueue, ck.inQueue[tm])
	}
}

// totals checks what spans every entity: orphan exclusions, parked calls,
// memberships from both sides, the deadlines and the memory kept.
func (ck *checker) totals() {
	e := ck.e
	if ck.orphans != e.orphans {
		ck.fail("%d exclusions name no teammate, the engine counts %d", ck.orphans, e.orphans)
	}
	for _, c := range e.calls.sorted() {
		if c.parked && (c.ended || c.stage != eventlog.StageQueued) {
			ck.fail("call %q is parked but not waiting (%v)", c.id, c.stage)
		}
	}

	if ck.links != 0 {
		ck.fail("teammates list %d more team memberships than the teams do", ck.links)
	}

	// No deadline without a reason: the deadlines counted above are all
	// there is, apart from exclusions of calls already ended (none: finish
	// removes them).
	if n := e.timers.Len(); n != ck.timers {
		ck.fail("%d pending deadlines, the state accounts for %d", n, ck.timers)
	}
	if len(e.free) > maxFreeCalls {
		ck.fail("%d free calls kept, bound %d", len(e.free), maxFreeCalls)
	}
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
