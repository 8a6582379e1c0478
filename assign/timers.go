package assign

import "github.com/phonebalance/phonebalance/eventlog"

// timerKind is what a deadline does when it fires.
type timerKind uint8

const (
	timerRing      timerKind = iota + 1 // a ring times out: a miss (AS5)
	timerExclusion                      // an exclusion lapses (AS7)
	timerWrapUp                         // wrap-up ends (PR6)
	timerHold                           // a customer waited too long (DF5)
	timerForget                         // an ended call's ID is released
)

// timerKey identifies one pending deadline; all deadlines live in one set,
// so they fire in (time, creation) order.
type timerKey struct {
	kind timerKind
	c    *call
	t    *teammate
}

func (e *Engine) fire(k timerKey) {
	switch k.kind {
	case timerRing:
		e.ringFailed(k.c, eventlog.CallMissed, 0, true)
	case timerExclusion:
		k.c.dropExclusion(k.t)
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
