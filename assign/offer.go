package assign

import (
	"github.com/phonebalance/phonebalance/eventlog"
)

// The engine keeps one invariant between commands: no waiting call has an
// eligible, non-excluded teammate in its team. Every change that could
// break it marks the teams involved dirty, and dispatch restores it,
// serving the oldest waiting call first across those teams (rule AS12),
// each with the longest-idle teammate who may take it (rule AS3).
func (e *Engine) dispatch() {
	for {
		c, t, minOf := e.nextMatch()
		if c == nil {
			break
		}
		e.offer(c, t, minOf)
	}
	for _, tm := range e.dirty {
		tm.dirty, tm.resume = false, 0
	}
	clear(e.dirty)
	e.dirty = e.dirty[:0]
}

// nextMatch finds, across the dirty teams, the oldest waiting call with a
// teammate who may take it, and that teammate; minOf is the call's team
// when the teammate is its longest idle eligible member (the minimum of
// its eligible tree), nil otherwise.
//
// It looks only at a team's open calls: a parked call excludes every
// member, so nobody may take it. Within one dispatch it resumes each
// team's scan where the last one stopped (tm.resume): the calls before it
// had no match, and an offer only takes a teammate out of the eligible
// trees, which cannot give them one. A call found to exclude every member
// is parked on the way.
func (e *Engine) nextMatch() (bestC *call, bestT *teammate, minOf *team) {
	for _, tm := range e.dirty {
		if tm.eligible.Len() == 0 || tm.open.Len() == 0 {
			continue
		}
		if head, _ := tm.open.Min(); len(head.excluded) == 0 {
			// The common case: the oldest call has no exclusions, so the
			// longest-idle eligible member takes it.
			if bestC == nil || head.qseq < bestC.qseq {
				it, _ := tm.eligible.Min()
				bestC, bestT, minOf = head, it.t, tm
			}
			continue
		}
		e.pivot.qseq = tm.resume
		tm.open.AscendGreaterOrEqual(&e.pivot, func(c *call) bool {
			if bestC != nil && c.qseq > bestC.qseq {
				return false
			}
			if t := e.pick(c); t != nil {
				bestC, bestT, minOf = c, t, nil
				if len(c.excluded) == 0 {
					minOf = tm // pick took the minimum
				}
				tm.resume = c.qseq
				return false
			}
			if c.excludesAll(tm.members) {
				e.toPark = append(e.toPark, c)
			}
			tm.resume = c.qseq + 1
			return true
		})
		for _, c := range e.toPark {
			tm.park(c)
		}
		clear(e.toPark)
		e.toPark = e.toPark[:0]
	}
	return bestC, bestT, minOf
}

// pick returns the longest-idle eligible member of c's team not excluded
// from c, or nil.
func (e *Engine) pick(c *call) *teammate {
	if len(c.excluded) == 0 {
		it, ok := c.team.eligible.Min()
		if !ok {
			return nil
		}
		return it.t
	}
	var found *teammate
	c.team.eligible.Ascend(func(it treeItem) bool {
		if c.isExcluded(it.t) {
			return true
		}
		found = it.t
		return false
	})
	return found
}

// offer rings t for the waiting call c (rule AS5); minOf as for ring.
func (e *Engine) offer(c *call, t *teammate, minOf *team) {
	c.team.pull(c)
	e.ring(c, t, minOf)
}

// ring rings t for c, which is waiting but not in its team's queue trees.
// t comes from the eligible trees; ringing takes them out and is all that
// changes for them: an eligible teammate is Active on a phone channel with
// an active client, so is counted Available and online for phone, and
// one who rings still is. Their presence is not read again. minOf, if not
// nil, is a team whose eligible tree has t as its minimum, which then
// leaves it without a search.
func (e *Engine) ring(c *call, t *teammate, minOf *team) {
	if !t.inTrees {
		panic("assign: ringing " + string(t.id) + ", who is not eligible")
	}
	tm := c.team
	c.stage, c.ringing, t.ringing = eventlog.StageRinging, t, c
	c.ringUntil = e.clock.Add(e.cfg.RingTimeout)
	e.schedule(&c.ring, c.ringUntil)
	if e.cfg.ShowTeamComposition {
		e.emitComposition(c)
	}
	ev := e.callEvent(c, eventlog.CallOffered, t)
	ev.Deadline = c.ringUntil
	e.effect(Effect{Kind: Ring, Call: c.id, Teammate: t.id, Team: tm.id, Until: c.ringUntil,
		AutoAnswer: e.cfg.AutoAnswer})
	t.inTrees = false
	for _, tm := range t.teams {
		if tm == minOf {
			tm.eligible.DeleteMin()
		} else {
			tm.removeEligible(t)
		}
	}
}

// emitComposition logs the team's composition at this assignment (EL3).
func (e *Engine) emitComposition(c *call) {
	n := c.team.counts
	for _, x := range [...]struct {
		kind  eventlog.Kind
		count int
	}{{eventlog.TeammatesAway, n.Away}, {eventlog.TeammatesNoClient, n.NoActiveClient}, {eventlog.TeammatesAvailable, n.Available}} {
		ev := e.callEvent(c, x.kind, nil)
		ev.Count = x.count
	}
}

// endRing stops c ringing and returns the teammate it rang.
func (e *Engine) endRing(c *call) *teammate {
	t := c.ringing
	c.ringing, t.ringing = nil, nil
	c.ringUntil = zeroTime
	e.timers.Cancel(&c.ring)
	return t
}

// ringFailed ends a ring with a miss or a decline: the teammate is
// excluded from the call (AS7) and the call waits again in its queue,
// offered at once to the next eligible teammate (AS5, AS6).
func (e *Engine) ringFailed(c *call, kind eventlog.Kind, cause eventlog.DeclineCause, stop bool) {
	t := e.ringEnded(c, kind, cause, stop)
	e.exclude(c, t)
	e.refresh(t)
}

// ringEnded ends a ring that was not answered, logging kind, and puts the
// call back in its queue, with no exclusion.
func (e *Engine) ringEnded(c *call, kind eventlog.Kind, cause eventlog.DeclineCause, stop bool) *teammate {
	t := e.endRing(c)
	ev := e.callEvent(c, kind, t)
	ev.Decline = cause
	if stop {
		e.effect(Effect{Kind: StopRinging, Call: c.id, Teammate: t.id, Team: c.team.id})
	}
	c.stage = eventlog.StageQueued
	c.team.push(c)
	e.markDirty(c.team)
	return t
}

func (e *Engine) exclude(c *call, t *teammate) {
	if e.cfg.ExclusionPeriod <= 0 {
		return
	}
	var x *exclusion
	if n := len(e.freeExcl); n > 0 {
		x, e.freeExcl = e.freeExcl[n-1], e.freeExcl[:n-1]
	} else {
		x = new(exclusion)
	}
	x.id, x.t = t.id, t
	x.timer.Key = timerKey{kind: timerExclusion, c: c, x: x}
	c.excluded = append(c.excluded, x)
	e.schedule(&x.timer, e.clock.Add(e.cfg.ExclusionPeriod))
}
