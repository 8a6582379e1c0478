package assign

import (
	"time"

	"github.com/phonebalance/phonebalance/cooldown"
	"github.com/phonebalance/phonebalance/eventlog"
)

// timerKind is what a deadline does when it fires.
type timerKind uint8

const (
	timerRing      timerKind = iota + 1 // a ring times out: a miss (AS5)
	timerExclusion                      // an exclusion lapses (AS7)
	timerWrapUp                         // wrap-up ends (PR6)
	timerHold                           // a customer waited too long (DF5)
	timerForget                         // an ended call's ID is released
)

// timerKey tells what a deadline is for. Each deadline is a cooldown.Timer
// embedded in what it belongs to (a call's ring, hold and forget timers, a
// teammate's wrap-up, an exclusion), all in one queue, so they fire in
// (time, scheduling) order and cancel exactly.
type timerKey struct {
	kind timerKind
	c    *call
	t    *teammate
	x    *exclusion
}

type timer = cooldown.Timer[timerKey]

// schedule arms tm for until in the queue lane of its kind. Each kind's
// deadlines are "now plus one configured duration", so they arrive in
// firing order and wait in a first-in first-out lane, scheduled and
// cancelled in constant time; a duration changed by a config override
// only sends the out-of-order ones to the heap. The firing order is the
// same either way.
// Every kind has a lane of its own.
const _ uint = cooldown.Lanes - 1 - uint(timerForget)

func (e *Engine) schedule(tm *timer, until time.Time) {
	e.timers.ScheduleInLane(tm, until, int(tm.Key.kind))
}

func (e *Engine) fire(k timerKey) {
	switch k.kind {
	case timerRing:
		e.ringFailed(k.c, eventlog.CallMissed, 0, true)
	case timerExclusion:
		e.dropExclusion(k.c, k.x)
		if k.c.stage == eventlog.StageQueued {
			e.markDirty(k.c.team)
		}
	case timerWrapUp:
		t := k.t
		if t.pres.WrapUpDue(e.clock) {
			e.emitTeammate(eventlog.WrapUpEnded, t)
			e.emitStatus(t)
			e.refresh(t)
		}
	case timerHold:
		e.leaveQueue(k.c)
		e.deflect(k.c, k.c.team, eventlog.DeflectHoldTimeout)
	case timerForget:
		e.forget(k.c)
	}
}
