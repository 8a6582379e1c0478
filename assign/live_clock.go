package assign

import "time"

// reanchorAfter is how long a [monoClock] goes on reading the monotonic
// clock alone before it reads the wall clock again.
const reanchorAfter = time.Second

// monoClock tells the time for a [Live] on the real clock
// (LiveConfig.Clock nil) at the cost of one reading of the monotonic
// clock: it adds the monotonic time elapsed since an anchor, a reading of
// time.Now, to that anchor. A wall-clock step or slew is followed at the
// next anchor, taken once the anchor is [reanchorAfter] old (by the
// monotonic clock) or the monotonic clock reads before it, so the time told
// never strays from the wall clock for longer than that. Inside a
// testing/synctest bubble time.Since reads the bubble's clock, so the time
// told is the bubble's.
//
// It is not safe for concurrent use: Live reads it under its lock.
type monoClock struct {
	anchor time.Time // the last reading of wall; zero before the first
	// wall and since default to time.Now and time.Since; tests inject
	// their own.
	wall  func() time.Time
	since func(time.Time) time.Duration
}

// now returns the current time.
func (c *monoClock) now() time.Time {
	if !c.anchor.IsZero() {
		var d time.Duration
		if c.since == nil {
			d = time.Since(c.anchor)
		} else {
			d = c.since(c.anchor)
		}
		if d >= 0 && d < reanchorAfter {
			return c.anchor.Add(d)
		}
	}
	if c.wall == nil {
		c.anchor = time.Now()
	} else {
		c.anchor = c.wall()
	}
	return c.anchor
}
