package metrics

import (
	"slices"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// mateEvent folds a teammate event: presence for MT9, channel history for
// MT13 and team membership for the per-team counts.
func (c *Collector) mateEvent(e *eventlog.Event) error {
	if e.Teammate == "" {
		return refuse(ErrInvalidEvent, e, "no teammate")
	}
	m := c.findMate(e.Teammate)
	known := m != nil && m.known
	switch e.Kind {
	case eventlog.TeammateAdded:
		if known {
			return refuse(ErrDuplicateTeammate, e, "teammate %q", e.Teammate)
		}
		if !e.Channel.Valid() || !e.Status.Valid() {
			return refuse(ErrInvalidEvent, e, "channel %v, status %v", e.Channel, e.Status)
		}
		m = c.mate(e.Teammate)
		m.known, m.removed = true, false
		m.channel, m.status, m.reason, m.client = e.Channel, e.Status, e.Reason, e.ClientActive
		c.refresh(m)
		c.recordChannel(e.Teammate, e.At, e.Channel)
		return nil
	case eventlog.WrapUpStarted, eventlog.WrapUpEnded, eventlog.RepliesReassigned,
		eventlog.ConversationAssigned:
		return nil // no metric depends on these
	}
	if !known {
		return refuse(ErrUnknownTeammate, e, "teammate %q", e.Teammate)
	}
	switch e.Kind {
	case eventlog.TeammateRemoved:
		for len(m.teams) > 0 {
			c.leaveTeam(m, m.teams[len(m.teams)-1])
		}
		m.known, m.removed = false, true
		c.refresh(m)
		c.recordChannel(e.Teammate, e.At, 0)
		c.gone = append(c.gone, goneMate{id: e.Teammate, at: e.At})
		c.dropIfGone(e.Teammate, m)
	case eventlog.MemberAdded:
		if e.Team == "" {
			return refuse(ErrInvalidEvent, e, "no team")
		}
		if !slices.Contains(m.teams, e.Team) {
			m.teams = append(m.teams, e.Team)
			if m.available {
				c.team(e.Team).available++
			}
			c.setSole(m)
		}
	case eventlog.MemberRemoved:
		if e.Team == "" {
			return refuse(ErrInvalidEvent, e, "no team")
		}
		c.leaveTeam(m, e.Team)
	case eventlog.StatusChanged:
		if !e.Status.Valid() {
			return refuse(ErrInvalidEvent, e, "status %v", e.Status)
		}
		m.status, m.reason = e.Status, e.Reason
		c.refresh(m)
	case eventlog.ChannelChanged:
		if !e.Channel.Valid() {
			return refuse(ErrInvalidEvent, e, "channel %v", e.Channel)
		}
		m.channel = e.Channel
		c.refresh(m)
		c.recordChannel(e.Teammate, e.At, e.Channel)
	case eventlog.ClientChanged:
		m.client = e.ClientActive
		c.refresh(m)
	}
	return nil
}

func (c *Collector) leaveTeam(m *mate, t pb.TeamID) {
	i := slices.Index(m.teams, t)
	if i < 0 {
		return
	}
	m.teams = slices.Delete(m.teams, i, i+1)
	if m.available {
		c.team(t).available--
	}
	c.setSole(m)
}

// setSole brings m.sole in line with m.teams after a membership change.
func (c *Collector) setSole(m *mate) {
	m.sole = nil
	if len(m.teams) == 1 {
		m.sole = c.team(m.teams[0]) // teams are never forgotten: the pointer stays valid
	}
}
