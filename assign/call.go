package assign

import (
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

var zeroTime time.Time

// exclusion keeps a teammate, by ID, from being offered one call until its
// timer fires (rule AS7). Keyed by ID, it outlives the teammate's removal:
// re-added under the same ID, they are still excluded. t is the teammate
// of that ID while one exists, nil (an orphan) while none does, so that
// the dispatch scan compares pointers rather than ID strings.
type exclusion struct {
	id    pb.TeammateID
	t     *teammate
	timer timer
}

func (x *exclusion) until() time.Time { return x.timer.Until() }

type call struct {
	id        pb.CallID
	dir       pb.Direction
	stage     eventlog.Stage
	ended     bool
	team      *team // the current queue segment's team; nil while routing
	segment   int   // queue segments so far (LC3)
	qseq      uint64
	ringing   *teammate
	ringUntil time.Time
	agent     *teammate // the teammate on the call
	answered  bool      // a teammate has answered at some point
	recorded  bool      // a voicemail was left
	callback  bool      // a callback keeping its place (QueueCallback): the customer is not on the line
	excluded  []*exclusion
	parked    bool // waiting, excluded for every member: out of its team's open tree

	ring, hold, forget timer // the call's deadlines (AS5, DF5, retention)

	placedAt, inboxAt, agentAt, queuedAt, endedAt time.Time
}

// newCall returns a call placed now, reusing a forgotten one's memory so
// that a steady flow of calls does not allocate.
func (e *Engine) newCall(id pb.CallID, dir pb.Direction, stage eventlog.Stage) *call {
	var c *call
	if n := len(e.free); n > 0 {
		c, e.free = e.free[n-1], e.free[:n-1]
	} else {
		c = new(call)
	}
	c.id, c.dir, c.stage, c.placedAt = id, dir, stage, e.clock
	c.ring.Key = timerKey{kind: timerRing, c: c}
	c.hold.Key = timerKey{kind: timerHold, c: c}
	c.forget.Key = timerKey{kind: timerForget, c: c}
	return c
}

// forget drops an ended call's ID and keeps its memory for reuse. No timer
// or tree refers to it any more: finish removed them.
func (e *Engine) forget(c *call) {
	e.calls.remove(c)
	excluded := c.excluded[:0]
	*c = call{excluded: excluded}
	if len(e.free) < maxFreeCalls {
		e.free = append(e.free, c)
	}
}

// maxFreeCalls bounds the reusable call memory kept after a burst.
const maxFreeCalls = 1024

func (c *call) isExcluded(t *teammate) bool {
	for _, x := range c.excluded {
		if x.t == t {
			return true
		}
	}
	return false
}

// excludesAll reports whether every one of members is excluded from c.
// Members are distinct and so are exclusions, so fewer exclusions than
// members settles it without a scan.
func (c *call) excludesAll(members []*teammate) bool {
	if len(c.excluded) < len(members) {
		return false
	}
	for _, m := range members {
		if !c.isExcluded(m) {
			return false
		}
	}
	return true
}

// orphanExclusions detaches the exclusions naming t, who is being removed:
// they keep the ID and find the teammate again if it is re-added.
func (e *Engine) orphanExclusions(t *teammate) {
	for _, c := range e.calls.all() {
		for _, x := range c.excluded {
			if x.t == t {
				x.t = nil
				e.orphans++
			}
		}
	}
}

// adoptExclusions attaches the orphan exclusions naming t's ID to t, who
// has just been added.
func (e *Engine) adoptExclusions(t *teammate) {
	if e.orphans == 0 {
		return
	}
	for _, c := range e.calls.all() {
		for _, x := range c.excluded {
			if x.t == nil && x.id == t.id {
				x.t = t
				e.orphans--
			}
		}
	}
}

// dropExclusion ends x early or on time, keeping its memory for reuse. A
// parked call goes back where dispatch looks: the teammate may take it
// again.
func (e *Engine) dropExclusion(c *call, x *exclusion) {
	e.timers.Cancel(&x.timer)
	if x.t == nil {
		e.orphans--
	}
	if c.parked {
		c.team.unpark(c)
	}
	if i := slices.Index(c.excluded, x); i >= 0 {
		c.excluded = slices.Delete(c.excluded, i, i+1)
	}
	*x = exclusion{}
	e.freeExcl = append(e.freeExcl, x)
}

// callEvent logs a call event with the call's fields and t's, if any, and
// returns it for the caller to fill in the rest (see newEvent).
func (e *Engine) callEvent(c *call, kind eventlog.Kind, t *teammate) *eventlog.Event {
	ev := e.newEvent(kind)
	ev.Call, ev.Direction, ev.Segment = c.id, c.dir, c.segment
	if c.team != nil {
		ev.Team, ev.TeamName = c.team.id, c.team.name
	}
	if t != nil {
		ev.Teammate, ev.TeammateName = t.id, t.name
	}
	return ev
}
