package assign

import "time"

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
