package assign

import "time"

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

// timerCancel cancels the named deadline, corrupting the engine on purpose.
func (e *Engine) timerCancel(k timerKey) {
	if tm := e.timerFor(k); tm != nil {
		e.timers.Cancel(tm)
	}
}

// timerSchedule schedules the named deadline, corrupting the engine on
// purpose.
func (e *Engine) timerSchedule(k timerKey, at time.Time) {
	if tm := e.timerFor(k); tm != nil {
		e.timers.Schedule(tm, at)
	}
}
