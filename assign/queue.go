package assign

import (
	"github.com/phonebalance/phonebalance/eventlog"
)

// enqueue starts a new queue segment for c in tm (rules LC3, AS13), or
// deflects it instead (rules DF1-DF4). Every caller dispatches right
// after, with nothing in between. When no team is dirty, tm's queue is
// empty, c has no exclusions and a member is eligible, that dispatch would
// offer c to the longest-idle eligible member and do nothing else: enqueue
// then makes the offer itself, and c never enters the queue trees.
func (e *Engine) enqueue(c *call, tm *team) {
	switch {
	case !e.cfg.Hours.Open(e.clock):
		e.deflect(c, tm, eventlog.DeflectWorkspaceClosed)
	case !tm.cfg.Hours.Open(e.clock):
		e.deflect(c, tm, eventlog.DeflectTeamClosed)
	case tm.cfg.MaxQueue > 0 && tm.inQueue >= tm.cfg.MaxQueue:
		e.deflect(c, tm, eventlog.DeflectQueueFull)
	case tm.cfg.DeflectWhenNobodyOnline && tm.online == 0:
		e.deflect(c, tm, eventlog.DeflectNoTeammates)
	default:
		e.queueSeq++
		c.segment++
		c.team, c.stage, c.qseq, c.queuedAt = tm, eventlog.StageQueued, e.queueSeq, e.clock
		if c.inboxAt.IsZero() {
			c.inboxAt = e.clock
		}
		direct := len(e.dirty) == 0 && tm.queue.Len() == 0 && len(c.excluded) == 0 && tm.eligible.Len() > 0
		if !direct {
			tm.push(c)
		}
		tm.inQueue++
		if tm.cfg.MaxWait > 0 {
			e.schedule(&c.hold, e.clock.Add(tm.cfg.MaxWait))
		}
		e.callEvent(c, eventlog.CallQueued, nil)
		if direct {
			it, _ := tm.eligible.Min()
			e.ring(c, it.t, tm)
			return
		}
		e.markDirty(tm)
	}
}

// leaveQueue takes a queued or ringing call out of its team's queue,
// stopping any ring. The call keeps its team for the events that follow.
func (e *Engine) leaveQueue(c *call) {
	switch c.stage {
	case eventlog.StageRinging:
		t := e.endRing(c)
		e.effect(Effect{Kind: StopRinging, Call: c.id, Teammate: t.id, Team: c.team.id})
		e.refresh(t)
	case eventlog.StageQueued:
		c.team.pull(c)
	default:
		return
	}
	c.team.inQueue--
	e.timers.Cancel(&c.hold)
}

// deflect logs and requests a deflection; the call returns to routing.
func (e *Engine) deflect(c *call, tm *team, reason eventlog.Deflection) {
	c.team = tm
	ev := e.callEvent(c, eventlog.CallDeflected, nil)
	ev.Deflection = reason
	switch reason {
	case eventlog.DeflectQueueFull:
		ev.QueueLimit = tm.cfg.MaxQueue
	case eventlog.DeflectHoldTimeout:
		ev.HoldLimit = tm.cfg.MaxWait
	}
	e.effect(Effect{Kind: Deflect, Call: c.id, Team: tm.id, Deflection: reason})
	c.stage, c.team = eventlog.StageRouting, nil
}

// connect puts t on c, ringing for t or waiting (a manual answer).
func (e *Engine) connect(c *call, t *teammate) {
	if c.ringing != nil {
		e.endRing(c)
	} else {
		c.team.pull(c)
	}
	c.team.inQueue--
	e.timers.Cancel(&c.hold)
	c.stage, c.agent = eventlog.StageTalking, t
	if !c.answered {
		c.answered, c.agentAt = true, e.clock
	}
	e.callEvent(c, eventlog.CallAnswered, t)
	e.startPhoneCall(t)
}

// finish ends c from wherever it is (rule LC2): no teammate is left
// ringing or on it, and it is final (X4, X5).
func (e *Engine) finish(c *call, by eventlog.Party) {
	stage := c.stage
	var t *teammate
	switch stage {
	case eventlog.StageQueued, eventlog.StageRinging:
		e.leaveQueue(c)
	case eventlog.StageTalking, eventlog.StageOnHold, eventlog.StageDialing:
		t, c.agent = c.agent, nil
	}
	kind := eventlog.CallEnded
	if by == eventlog.ByCustomer && !c.answered && (stage == eventlog.StageQueued || stage == eventlog.StageRinging) {
		kind = eventlog.CallEndedBeforeAnswer
	}
	ev := e.callEvent(c, kind, t)
	ev.Stage, ev.By = stage, by
	if t != nil {
		e.finishPhoneCall(t)
	}
	c.ended, c.endedAt = true, e.clock
	for len(c.excluded) > 0 {
		e.dropExclusion(c, c.excluded[len(c.excluded)-1])
	}
	if e.cfg.EndedCallRetention > 0 {
		e.schedule(&c.forget, e.clock.Add(e.cfg.EndedCallRetention))
	} else {
		e.forget(c)
	}
}

// push puts a waiting call in tm's queue, open: dispatch looks at it.
func (tm *team) push(c *call) {
	tm.queue.ReplaceOrInsert(c)
	c.parked = false
	tm.open.ReplaceOrInsert(c)
}

// pull takes a call out of tm's queue, open or parked.
func (tm *team) pull(c *call) {
	tm.queue.Delete(c)
	if c.parked {
		c.parked = false
	} else {
		tm.open.Delete(c)
	}
}

// park takes a waiting call that excludes every member of tm out of the
// dispatch scan, until an exclusion lapses or a member joins.
func (tm *team) park(c *call) {
	tm.open.Delete(c)
	c.parked = true
}

// unpark puts a parked call back in the dispatch scan.
func (tm *team) unpark(c *call) {
	c.parked = false
	tm.open.ReplaceOrInsert(c)
}

// unparkAll puts every parked call of tm back in the dispatch scan: a new
// member may take them.
func (tm *team) unparkAll() {
	tm.queue.Ascend(func(c *call) bool {
		if c.parked {
			tm.unpark(c)
		}
		return true
	})
}
