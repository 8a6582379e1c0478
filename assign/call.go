package assign

import (
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

var zeroTime time.Time

type exclusion struct {
	t     *teammate
	until time.Time
}

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
	excluded  []exclusion

	placedAt, inboxAt, agentAt, queuedAt time.Time
}

func (c *call) isExcluded(t *teammate) bool {
	for i := range c.excluded {
		if c.excluded[i].t == t {
			return true
		}
	}
	return false
}

func (c *call) dropExclusion(t *teammate) {
	for i := range c.excluded {
		if c.excluded[i].t == t {
			c.excluded = append(c.excluded[:i], c.excluded[i+1:]...)
			return
		}
	}
}

// event returns a call event with the call's fields and t's, if any.
func (c *call) event(kind eventlog.Kind, t *teammate) eventlog.Event {
	ev := eventlog.Event{Kind: kind, Call: c.id, Direction: c.dir, Segment: c.segment}
	if c.team != nil {
		ev.Team, ev.TeamName = c.team.id, c.team.name
	}
	if t != nil {
		ev.Teammate, ev.TeammateName = t.id, t.name
	}
	return ev
}
